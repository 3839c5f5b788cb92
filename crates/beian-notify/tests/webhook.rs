//! Signed webhooks to a real HTTP receiver on loopback that verifies them as a customer's
//! server would, with `beian_notify::verify`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use beian_notify::webhook::{
    DEFAULT_TOLERANCE, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use beian_notify::{
    Notice, NoticeItem, NoticeKind, Notifier, OutboxMessage, VerifyError, WebhookConfig, verify,
};
use serde_json::Value;

const SECRET: &[u8] = b"whsec-loopback-test";

/// One request the receiver saw: verification outcome, delivery id, event, body.
type Call = (Result<(), VerifyError>, String, String, Value);

#[derive(Clone, Default)]
struct Received {
    calls: Arc<Mutex<Vec<Call>>>,
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The receiver: verifies, records, and answers 204, or 401 when the signature is wrong.
async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let outcome = verify(
        SECRET,
        &header(&headers, TIMESTAMP_HEADER),
        &header(&headers, SIGNATURE_HEADER),
        &body,
        chrono::Utc::now().timestamp(),
        DEFAULT_TOLERANCE,
    );
    let status = if outcome.is_ok() {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    };
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    received.calls.lock().expect("lock").push((
        outcome,
        header(&headers, DELIVERY_HEADER),
        header(&headers, EVENT_HEADER),
        json,
    ));
    status
}

async fn start_receiver() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .route("/busy", post(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route("/gone", post(|| async { StatusCode::GONE }))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, received)
}

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Returned,
        order_id: "ZG-2026-000777".into(),
        entity_name: "王小红".into(),
        entity_filing_number: Some("川ICP备2021003158号".into()),
        deadline: None,
        days_left: None,
        items: vec![NoticeItem {
            title: "负责人证件已过期".into(),
            field: Some("主体负责人证件有效期至".into()),
            problem: "证件 510107199211080022 已于 2024-05-01 到期".into(),
            remedy: "上传有效期内的证件并变更备案".into(),
            opinion: Some("上传的仍是旧证件，联系电话 13800138000".into()),
        }],
        opinion: Some("请重新上传".into()),
        action: None,
        console_url: None,
    }
}

fn notifier(secret: &[u8]) -> Notifier {
    let mut config = WebhookConfig::new(secret.to_vec());
    config.timeout = Duration::from_secs(5);
    Notifier::new(None, Some(config)).expect("notifier")
}

#[tokio::test]
async fn a_signed_webhook_arrives_verified_and_masked() {
    let (base, received) = start_receiver().await;
    let message = OutboxMessage::new("outbox-42", format!("{base}/hook"), &notice());
    notifier(SECRET).deliver(&message).await.expect("delivered");

    let calls = received.calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 1);
    let (outcome, id, event, body) = &calls[0];
    assert_eq!(outcome, &Ok(()));
    assert_eq!(id, "outbox-42");
    assert_eq!(event, "order.returned");
    assert_eq!(body["id"], "outbox-42");
    assert_eq!(body["event"], "order.returned");
    assert_eq!(body["subject"], message.subject);
    assert_eq!(body["notice"]["order_id"], "ZG-2026-000777");
    assert_eq!(body["notice"]["items"][0]["title"], "负责人证件已过期");
    let text = body.to_string();
    assert!(!text.contains("510107199211080022"), "{text}");
    assert!(!text.contains("13800138000"), "{text}");
    assert!(text.contains("5101**********0022"), "{text}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_receiver_and_not_retried() {
    let (base, received) = start_receiver().await;
    let message = OutboxMessage::new("outbox-43", format!("{base}/hook"), &notice());
    let err = notifier(b"some other secret")
        .deliver(&message)
        .await
        .expect_err("401");
    assert!(!err.is_retryable(), "{err}");
    assert!(err.reason.contains("401"), "{err}");
    let calls = received.calls.lock().expect("lock").clone();
    assert_eq!(calls[0].0, Err(VerifyError::Mismatch));
}

#[tokio::test]
async fn receiver_failures_and_unreachable_receivers_are_classified() {
    let (base, _received) = start_receiver().await;
    let n = notice();
    let notifier = notifier(SECRET);

    let err = notifier
        .deliver(&OutboxMessage::new("m1", format!("{base}/busy"), &n))
        .await
        .expect_err("503");
    assert!(err.is_retryable(), "{err}");

    let err = notifier
        .deliver(&OutboxMessage::new("m2", format!("{base}/gone"), &n))
        .await
        .expect_err("410");
    assert!(!err.is_retryable(), "{err}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let err = notifier
        .deliver(&OutboxMessage::new(
            "m3",
            format!("http://127.0.0.1:{port}/hook"),
            &n,
        ))
        .await
        .expect_err("refused");
    assert!(err.is_retryable(), "{err}");
}
