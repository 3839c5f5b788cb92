//! Security over the served OpenAPI document: every operation × {anonymous, customer A,
//! customer B, operator} × {A's ids, B's ids}. No one reads or writes what is not theirs;
//! afterwards no answer and no log line carries an unmasked ID number or phone.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use beian_store::Scope;
use common::{RAW_PII, token, world};
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    A,
    B,
    Operator,
}

/// What a request may carry for an operation: a harmless body that passes validation.
fn body_for(path: &str) -> Option<Value> {
    match path {
        "/api/v1/tokens" => Some(json!({"name": "矩阵"})),
        "/api/v1/orders/{id}/events" => Some(
            json!({"kind": "request_extension", "data": {"working_days": 1, "reason": "矩阵测试"}}),
        ),
        "/api/v1/selfcheck" => Some(
            json!({"domain": "example.cn", "filing_number": "京ICP备2024012345号-1", "site_name": "示例"}),
        ),
        _ => None,
    }
}

/// An answer as text for the scan: a workbook's cells (its bytes are deflated, so a raw
/// number inside would not show), anything else as it is.
async fn body_text(resp: reqwest::Response) -> String {
    let xlsx = resp
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/vnd.openxmlformats"));
    if !xlsx {
        return resp.text().await.unwrap();
    }
    use calamine::Reader;
    let bytes = resp.bytes().await.unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    let mut text = String::new();
    for (_, range) in book.worksheets() {
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
        }
    }
    assert!(!text.is_empty(), "a workbook with its header row");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_foreign_reads_or_writes_and_no_unmasked_numbers() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug,hyper=info,sqlx=warn,h2=info,reqwest=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let w = world("security", |_| {}).await;
    let tokens = [
        (Who::A, token(&w, &w.a.login).await),
        (Who::B, token(&w, &w.b.login).await),
        (Who::Operator, token(&w, &w.operator).await),
    ];
    let inbox_a = w
        .store()
        .inbox(w.a.customer_id, false, None, 10)
        .await
        .unwrap()
        .items[0]
        .id;
    let inbox_b = w
        .store()
        .inbox(w.b.customer_id, false, None, 10)
        .await
        .unwrap()
        .items[0]
        .id;
    let before_b = w
        .store()
        .order(Scope::All, w.b.order_id)
        .await
        .unwrap()
        .unwrap();

    let http = reqwest::Client::new();
    let spec: Value = http
        .get(w.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut bodies = String::new();
    let mut foreign_hits = Vec::new();
    let mut own_denied = Vec::new();
    let mut operations = 0;
    let mut requests = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let public = op.get("security").is_none();
            let targets: Vec<(Who, i64)> = if path.contains("/filings/{id}") {
                vec![(Who::A, w.a.filing_id), (Who::B, w.b.filing_id)]
            } else if path.contains("/orders/{id}") {
                vec![(Who::A, w.a.order_id), (Who::B, w.b.order_id)]
            } else if path.contains("/inbox/{id}") {
                vec![(Who::A, inbox_a), (Who::B, inbox_b)]
            } else {
                assert!(
                    !path.contains('{'),
                    "{path}: an id the matrix does not know"
                );
                vec![(Who::Anonymous, 0)]
            };
            for who in [Who::Anonymous, Who::A, Who::B, Who::Operator] {
                for (owner, id) in &targets {
                    let url = w.url(&path.replace("{id}", &id.to_string()));
                    let mut req = match method.as_str() {
                        "get" => http.get(&url),
                        "post" => http
                            .post(&url)
                            .header("Idempotency-Key", format!("m-{requests}")),
                        other => panic!("{other} {path}: method the matrix does not know"),
                    };
                    if let Some(t) = tokens.iter().find(|(t, _)| *t == who) {
                        req = req.bearer_auth(&t.1);
                    }
                    if let Some(b) = body_for(path) {
                        req = req.json(&b);
                    }
                    let resp = req.send().await.unwrap();
                    requests += 1;
                    let status = resp.status().as_u16();
                    let text = body_text(resp).await;
                    // The operator's explicit, audited unmask is the one answer allowed to
                    // show the numbers.
                    if !(who == Who::Operator && path.ends_with("/unmask")) {
                        bodies.push_str(&text);
                    }
                    if public || *owner == Who::Anonymous {
                        if !public && who == Who::Anonymous {
                            assert_eq!(status, 401, "{method} {path} anonymous");
                        }
                        continue;
                    }
                    let own = who == Who::Operator || who == *owner;
                    let success = (200..300).contains(&status);
                    if !own && success {
                        foreign_hits.push(format!(
                            "{method} {path} as {who:?} on {owner:?}'s id: {status}"
                        ));
                    }
                    if !own && who != Who::Anonymous && status != 404 && status != 403 {
                        foreign_hits.push(format!("{method} {path} as {who:?} on {owner:?}'s id answers {status}, not 404/403"));
                    }
                    if own && matches!(status, 401 | 404) {
                        own_denied.push(format!("{method} {path} as {who:?} on own id: {status}"));
                    }
                }
            }
        }
    }
    assert!(
        operations >= 15,
        "the served document lists {operations} operations"
    );
    assert!(foreign_hits.is_empty(), "foreign access: {foreign_hits:#?}");
    // Operators may not ask for a customer's inbox; everything else of their own answers.
    own_denied.retain(|d| !(d.contains("Operator") && d.contains("/inbox/")));
    assert!(
        own_denied.is_empty(),
        "own objects refused: {own_denied:#?}"
    );
    let after_b = w
        .store()
        .order(Scope::All, w.b.order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after_b.extension_state, "requested",
        "B itself asked for the extension once"
    );
    assert_eq!(before_b.extension_state, "none");
    let b_requests = w
        .store()
        .order_requests(Scope::All, w.b.order_id)
        .await
        .unwrap();
    assert_eq!(
        b_requests.len(),
        1,
        "only B's own request reached B's order"
    );

    // Every unmask is in the audit log, by whom and of which filing.
    let audit = w
        .store()
        .audit_for(Scope::All, "filing:京ICP备2024012345号")
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "unmask" && e.actor.contains("reviewer")),
        "the unmask is audited: {audit:?}"
    );
    assert!(w.store().audit_verify().await.unwrap().is_intact());

    // An operator who searches by an ID number, and a footer snippet asked for with one in
    // its query: the request log must not keep the query as typed.
    let operator = common::session(&w, &w.operator).await;
    // (The search page keeps the operator's own text in its search box; the footer
    // snippet's refusal must not repeat the number.)
    let resp = operator
        .get(w.url(&format!("/ops/search?q={}", RAW_PII[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = operator
        .get(w.url(&format!("/api/v1/footer-snippet?icp={}", RAW_PII[2])))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    bodies.push_str(&resp.text().await.unwrap());

    // The personal numbers appear nowhere: not in any answer, not in any log line.
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(
        logs.contains("GET") || logs.contains("request"),
        "the logs were captured"
    );
    for raw in RAW_PII {
        assert!(!bodies.contains(raw), "{raw} unmasked in an answer");
        assert!(!logs.contains(raw), "{raw} unmasked in the logs");
    }
    println!("matrix: {operations} operations, {requests} requests, 0 foreign reads or writes");
}
