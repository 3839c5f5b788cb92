//! Emails over real SMTP on loopback: aiosmtpd (Python) receives them and decodes them with
//! Python's own email parser, so what is checked is what a mail reader shows.
//!
//! Needs `python3` with `aiosmtpd` (`pip install aiosmtpd`; `scripts/test.sh` installs it).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use beian_notify::{Notice, NoticeItem, NoticeKind, Notifier, OutboxMessage, SmtpConfig, template};
use chrono::{TimeZone, Utc};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct SmtpServer {
    port: u16,
    dir: PathBuf,
    _child: Child,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start_server(name: &str) -> SmtpServer {
    let dir = std::env::temp_dir().join(format!("beian-notify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mail dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs (install python3 and `pip install aiosmtpd`)");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the SMTP server starts within 20 s")
    .expect("read the port");
    let port = line.trim().parse().unwrap_or_else(|_| {
        panic!("the SMTP server printed no port ({line:?}); is aiosmtpd installed? pip install aiosmtpd")
    });
    SmtpServer {
        port,
        dir,
        _child: child,
    }
}

/// Waits for the `n`th message (1-based) to land in the server's directory.
async fn received(server: &SmtpServer, n: usize) -> Value {
    let path = server.dir.join(format!("{n:04}.json"));
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(&path) {
            return serde_json::from_str(&text).expect("json");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("message {n} did not arrive");
}

fn notice(kind: NoticeKind) -> Notice {
    Notice {
        kind,
        order_id: "ZG-2026-000123".into(),
        entity_name: "北京云帆数据科技有限公司".into(),
        entity_filing_number: Some("京ICP备2024012345号".into()),
        deadline: Some(
            Utc.with_ymd_and_hms(2026, 12, 11, 15, 59, 0)
                .single()
                .expect("t"),
        ),
        days_left: Some(7),
        items: vec![
            NoticeItem {
                title: "网站名称与首页标题不符".into(),
                field: Some("网站名称".into()),
                problem: "首页标题为“云帆商城”，备案网站名称为“云帆数据”".into(),
                remedy: "修改首页标题使其包含网站名称，或办理变更网站".into(),
                opinion: None,
            },
            NoticeItem {
                title: "负责人手机号码无法接通".into(),
                field: Some("主体负责人手机号码".into()),
                problem: "手机号码 13911112222 三次拨打均无法接通，证件号 11010819850615003X"
                    .into(),
                remedy: "变更为负责人本人可接通的手机号码".into(),
                opinion: None,
            },
        ],
        opinion: None,
        action: Some("取消接入".into()),
        console_url: Some("https://console.example.cn/orders/ZG-2026-000123".into()),
    }
}

fn notifier(port: u16) -> Notifier {
    Notifier::new(
        Some(SmtpConfig::relay(
            "127.0.0.1",
            port,
            "备案核查 <beian@provider.example.cn>",
        )),
        None,
    )
    .expect("notifier")
}

#[tokio::test]
async fn an_order_notice_arrives_decoded_with_its_table_and_deadline() {
    let server = start_server("order").await;
    let n = notice(NoticeKind::OrderIssued);
    let message = OutboxMessage::new("outbox-1", "customer@example.cn", &n);
    notifier(server.port)
        .deliver(&message)
        .await
        .expect("delivered");

    let mail = received(&server, 1).await;
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["customer@example.cn"]));
    assert_eq!(mail["mail_from"], "beian@provider.example.cn");
    assert_eq!(mail["message_id"], "<outbox-1@beian.notify>");
    assert_eq!(
        mail["subject"],
        "【备案整改通知】北京云帆数据科技有限公司有 2 项备案信息需在 2026年12月11日 23:59（北京时间） 前整改"
    );
    let types: Vec<&str> = mail["content_types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types, ["multipart/alternative", "text/plain", "text/html"]);

    let text = mail["text"].as_str().expect("plain part");
    let html = mail["html"].as_str().expect("html part");
    let rendered = template::render(&n);
    assert_eq!(text.replace("\r\n", "\n"), rendered.text);
    assert!(text.contains("整改截止时间：2026年12月11日 23:59（北京时间）。"));
    assert!(text.contains("2. 整改项：负责人手机号码无法接通"));
    assert!(text.contains("   整改要求：变更为负责人本人可接通的手机号码"));
    for header in ["整改项", "字段", "问题", "整改要求"] {
        assert!(html.contains(&format!(">{header}</th>")), "{header}");
    }
    assert!(html.contains(">网站名称与首页标题不符</td>"));
    assert!(html.contains("2026年12月11日 23:59（北京时间）"));

    // Masked wherever it shows, including the raw message on the wire.
    for body in [text, html, mail["raw"].as_str().expect("raw")] {
        assert!(!body.contains("13911112222"));
        assert!(!body.contains("11010819850615003X"));
    }
    assert!(text.contains("139****2222"));
}

#[tokio::test]
async fn every_template_goes_through_smtp() {
    let server = start_server("all").await;
    let notifier = notifier(server.port);
    for (i, &kind) in NoticeKind::ALL.iter().enumerate() {
        let mut n = notice(kind);
        if kind == NoticeKind::Returned {
            n.items[0].opinion = Some("首页标题仍为“云帆商城”".into());
            n.opinion = Some("请按意见修改后重新提交".into());
        }
        let message = OutboxMessage::new(format!("outbox-{i}"), "mailto:ops@example.cn", &n);
        notifier.deliver(&message).await.expect("delivered");
        let mail = received(&server, i + 1).await;
        assert_eq!(mail["subject"], message.subject, "{kind:?}");
        assert!(
            mail["subject"]
                .as_str()
                .expect("subject")
                .starts_with(&format!("【{}】", kind.label()))
        );
        let text = mail["text"].as_str().expect("text");
        assert!(text.contains("整改单号：ZG-2026-000123"), "{kind:?}");
        if kind == NoticeKind::Returned {
            assert!(
                mail["html"]
                    .as_str()
                    .expect("html")
                    .contains(">审核意见</th>")
            );
        }
    }
}

#[tokio::test]
async fn refusals_say_whether_to_retry() {
    let server = start_server("refuse").await;
    let notifier = notifier(server.port);
    let n = notice(NoticeKind::Reminder);

    let busy = OutboxMessage::new("m-busy", "busy@example.cn", &n);
    let err = notifier.deliver(&busy).await.expect_err("450");
    assert!(err.is_retryable(), "{err}");
    assert!(
        err.reason.contains("450") || err.reason.contains("busy"),
        "{err}"
    );

    let nobody = OutboxMessage::new("m-nobody", "nobody@example.cn", &n);
    let err = notifier.deliver(&nobody).await.expect_err("550");
    assert!(!err.is_retryable(), "{err}");

    let not_an_address = OutboxMessage::new("m-bad", "客户@", &n);
    let err = notifier.deliver(&not_an_address).await.expect_err("bad");
    assert!(!err.is_retryable(), "{err}");

    // Nothing reached the mailbox.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(std::fs::read_dir(&server.dir).expect("dir").count(), 0);
}

#[tokio::test]
async fn an_unreachable_server_is_retryable() {
    // A port that was just free: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let message = OutboxMessage::new("m1", "customer@example.cn", &notice(NoticeKind::Overdue));
    let err = notifier(port).deliver(&message).await.expect_err("refused");
    assert!(err.is_retryable(), "{err}");
    assert!(err.reason.contains("无法连接"), "{err}");
}

#[tokio::test]
async fn starttls_required_but_not_offered_is_refused_not_sent_in_clear() {
    let server = start_server("starttls").await;
    let mut config = SmtpConfig::relay("127.0.0.1", server.port, "beian@provider.example.cn");
    config.security = beian_notify::SmtpSecurity::StartTls;
    let notifier = Notifier::new(Some(config), None).expect("notifier");
    let message = OutboxMessage::new(
        "m1",
        "customer@example.cn",
        &notice(NoticeKind::OrderIssued),
    );
    let err = notifier.deliver(&message).await.expect_err("no STARTTLS");
    assert!(!err.reason.is_empty());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(std::fs::read_dir(&server.dir).expect("dir").count(), 0);
}

#[tokio::test]
async fn channels_that_are_not_configured_fail_permanently() {
    let notifier = Notifier::new(None, None).expect("empty");
    let n = notice(NoticeKind::OrderIssued);
    for recipient in [
        "a@example.cn",
        "https://hooks.example.cn/x",
        "not a recipient",
    ] {
        let err = notifier
            .deliver(&OutboxMessage::new("m", recipient, &n))
            .await
            .expect_err(recipient);
        assert!(!err.is_retryable(), "{recipient}: {err}");
    }
}
