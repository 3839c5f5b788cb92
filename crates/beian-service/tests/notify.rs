//! Reminders and outbox delivery: an order's notifications and its deadline reminder
//! reach a webhook receiver on loopback, signed, once each.

use std::sync::{Arc, Mutex};

use beian_domain::workflow::{WorkflowPolicy, WorkingCalendar};
use beian_domain::{CheckId, Filing, Finding, Status, Target};
use beian_notify::{Notifier, WebhookConfig};
use beian_service::notify::{deliver_due, send_reminders};
use beian_service::{Orders, Who};
use beian_store::{NewCustomer, Scope, Store};
use chrono::{Duration, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &[u8] = b"test-secret";

/// A minimal HTTP/1.1 server: records each request's signature check and body, answers 200.
async fn receiver() -> (String, Arc<Mutex<Vec<(bool, serde_json::Value)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&received);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let sink = Arc::clone(&sink);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while buffer.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            let (key, value) = l.split_once(':')?;
                            key.eq_ignore_ascii_case(name)
                                .then(|| value.trim().to_owned())
                        })
                        .unwrap_or_default()
                };
                let body = &buffer[head_end..head_end + length];
                let verified = beian_notify::verify(
                    SECRET,
                    &header("x-beian-timestamp"),
                    &header("x-beian-signature"),
                    body,
                    Utc::now().timestamp(),
                    std::time::Duration::from_secs(300),
                )
                .is_ok();
                let json = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
                sink.lock().expect("lock").push((verified, json));
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (format!("http://{address}/hook"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_and_notifications_are_delivered_once() {
    let dir = std::env::temp_dir().join(format!("beian-service-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Store::open(&format!("sqlite://{}", dir.join("s.db").display()))
        .await
        .expect("store");
    let orders = Orders::new(
        store.clone(),
        WorkflowPolicy::default(),
        WorkingCalendar::bundled().expect("calendar"),
    );
    let (url, received) = receiver().await;
    let issued_at = Utc::now();
    let customer = store
        .create_customer(
            &NewCustomer {
                name: "云帆".to_owned(),
                email: None,
                webhook_url: Some(url),
            },
            issued_at,
        )
        .await
        .expect("customer");
    let filing =
        Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example");
    let filing_id = store
        .upsert_filing(
            Some(customer),
            &filing,
            &beian_store::Actor::system("test"),
            issued_at,
        )
        .await
        .expect("import")
        .filing_id;
    let finding = Finding {
        check: CheckId::SiteTitleMismatch,
        status: Status::Fail,
        target: Target::Website {
            index: 0,
            name: "云帆数据".to_owned(),
        },
        field: Some("网站名称".to_owned()),
        message: "首页标题「欢迎光临」不含网站名称「云帆数据」".to_owned(),
        evidence: Vec::new(),
    };
    let who = Who::system("test");
    let order_id = orders
        .issue(filing_id, None, &[finding], &who, issued_at)
        .await
        .expect("issue")
        .expect("an order")
        .order_id();
    let order = store.order(Scope::All, order_id).await.unwrap().unwrap();

    // Two days before the deadline the 3-day reminder is due (the 7-day one is skipped:
    // a scheduler that was down sends one reminder, not two); asking again sends nothing.
    let late = order.deadline_at - Duration::days(2);
    assert_eq!(
        send_reminders(&orders, &who, 100, late)
            .await
            .expect("remind"),
        1
    );
    assert_eq!(
        send_reminders(&orders, &who, 100, late)
            .await
            .expect("again"),
        0
    );
    // The next day the 1-day reminder goes out.
    let last_day = order.deadline_at - Duration::hours(20);
    assert_eq!(
        send_reminders(&orders, &who, 100, last_day)
            .await
            .expect("remind"),
        1
    );
    assert_eq!(store.audit_verify().await.expect("audit").broken, None);

    let notifier = Notifier::new(None, Some(WebhookConfig::new(SECRET))).expect("notifier");
    let report = deliver_due(&orders, &notifier, 100, Utc::now() + Duration::days(30))
        .await
        .expect("deliver");
    assert_eq!(report.delivered, 3, "{report:?}");
    let again = deliver_due(&orders, &notifier, 100, Utc::now() + Duration::days(31))
        .await
        .expect("deliver again");
    assert_eq!(again.delivered, 0, "delivered messages are not sent twice");

    let received = received.lock().expect("lock").clone();
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|(verified, _)| *verified),
        "signatures verify"
    );
    let text = serde_json::to_string(&received).expect("json");
    assert!(
        text.contains("order.issued") && text.contains("order.reminder"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"{order_id}\"")),
        "the issue notice carries the order number filled in at delivery: {text}"
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
