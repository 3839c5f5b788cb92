//! 签名回调 — webhooks: a JSON POST signed with HMAC-SHA256, and the check a receiver runs.
//!
//! The signature covers `"{timestamp}.{body}"`, so a captured request cannot be replayed
//! later with a new timestamp, and the receiver refuses timestamps outside a tolerance.
//! `docs/webhooks.md` describes the format for receivers.

use std::sync::Arc;
use std::time::Duration;

use beian_domain::pii::mask_text;
use chrono::{DateTime, Utc};
use ring::hmac;
use serde_json::{Value, json};

use crate::notice::OutboxMessage;
use crate::retry::DeliveryError;

/// The header with `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Beian-Signature";
/// The header with the Unix time (seconds) the signature was made at.
pub const TIMESTAMP_HEADER: &str = "X-Beian-Timestamp";
/// The header with the message id; a retried delivery repeats it.
pub const DELIVERY_HEADER: &str = "X-Beian-Delivery";
/// The header with the event name, e.g. `order.issued`.
pub const EVENT_HEADER: &str = "X-Beian-Event";

/// How far a receiver should accept a timestamp from its own clock, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The signature header value of `body` sent at `timestamp`: `sha256=<hex HMAC-SHA256 of
/// "{timestamp}.{body}">`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("sha256={}", hex(ctx.sign().as_ref()))
}

/// Why a receiver refuses a webhook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp header is missing or not a number.
    #[error("时间戳缺失或不是整数")]
    BadTimestamp,
    /// The timestamp is further from the receiver's clock than the tolerance.
    #[error("时间戳与当前时间相差 {0} 秒，超出允许范围")]
    Stale(i64),
    /// The signature header is not `sha256=` and 64 hex digits.
    #[error("签名格式不对，应为 sha256= 加 64 位十六进制")]
    BadFormat,
    /// The signature does not match the body and timestamp.
    #[error("签名不匹配")]
    Mismatch,
}

/// Checks a received webhook: the timestamp is within `tolerance` of `now` (Unix seconds)
/// and the signature matches, compared in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now.saturating_sub(ts);
    if skew.unsigned_abs() > tolerance.as_secs() {
        return Err(VerifyError::Stale(skew));
    }
    let digest = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(unhex)
        .filter(|d| d.len() == 32)
        .ok_or(VerifyError::BadFormat)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut message = Vec::with_capacity(body.len() + 21);
    message.extend_from_slice(ts.to_string().as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    hmac::verify(&key, &message, &digest).map_err(|_| VerifyError::Mismatch)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Masks every string inside a JSON value.
fn mask_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(mask_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(mask_json).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), mask_json(v))).collect())
        }
        other => other.clone(),
    }
}

/// The JSON body of a message's webhook: `{id, event, subject, notice}`, every string masked.
pub fn body(message: &OutboxMessage) -> Vec<u8> {
    let body = json!({
        "id": message.id,
        "event": message.kind.event(),
        "subject": mask_text(&message.subject),
        "notice": mask_json(&message.payload),
    });
    serde_json::to_vec(&body).expect("a JSON value always serialises")
}

/// How webhooks are sent.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The shared secret receivers verify with.
    pub secret: Vec<u8>,
    /// The whole request's deadline.
    pub timeout: Duration,
    /// Extra root certificates (PEM) to trust besides the web PKI, e.g. a private CA.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

impl WebhookConfig {
    /// A configuration with `secret`, a 10 s timeout and the web PKI roots.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        WebhookConfig {
            secret: secret.into(),
            timeout: Duration::from_secs(10),
            extra_root_certs_pem: Vec::new(),
        }
    }
}

/// Sends signed webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    secret: Arc<Vec<u8>>,
}

/// A notifier that cannot be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A root certificate could not be read.
    #[error("根证书无法读取：{0}")]
    RootCertificate(String),
    /// The HTTP client could not be built.
    #[error("HTTP 客户端无法创建：{0}")]
    Client(String),
    /// The SMTP settings are not usable.
    #[error("SMTP 配置有误：{0}")]
    Smtp(String),
}

impl WebhookSender {
    /// Builds the sender: rustls on ring, no redirects (a redirect would resend a signed
    /// body to a place nobody configured), no proxy, no connection pool.
    pub fn new(config: WebhookConfig) -> Result<Self, SetupError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots: rustls::RootCertStore =
            webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
        for pem in &config.extra_root_certs_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| SetupError::RootCertificate(e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| SetupError::RootCertificate(e.to_string()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SetupError::Client(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .timeout(config.timeout)
            .pool_max_idle_per_host(0)
            .user_agent(concat!("beian-notify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SetupError::Client(e.to_string()))?;
        Ok(WebhookSender {
            client,
            secret: Arc::new(config.secret),
        })
    }

    /// POSTs the message's body to `url`, signed at `now`.
    pub async fn send(
        &self,
        url: &str,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<(), DeliveryError> {
        let body = body(message);
        let timestamp = now.timestamp();
        let signature = sign(&self.secret, timestamp, &body);
        let response = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .header(DELIVERY_HEADER, message.id.as_str())
            .header(EVENT_HEADER, message.kind.event())
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_builder() {
                    DeliveryError::permanent(format!("回调地址无效：{}", error_chain(&e)))
                } else {
                    DeliveryError::retryable(format!("回调请求失败：{}", error_chain(&e)))
                }
            })?;
        classify(response.status().as_u16())
    }
}

/// What an HTTP status means for a delivery.
fn classify(status: u16) -> Result<(), DeliveryError> {
    match status {
        200..=299 => Ok(()),
        408 | 425 | 429 | 500..=599 => Err(DeliveryError::retryable(format!(
            "回调接收方暂时无法处理（HTTP {status}）"
        ))),
        300..=399 => Err(DeliveryError::permanent(format!(
            "回调地址返回重定向（HTTP {status}），不跟随，请配置最终地址"
        ))),
        _ => Err(DeliveryError::permanent(format!(
            "回调接收方拒绝了请求（HTTP {status}）"
        ))),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let secret = b"s3cret";
        let body = br#"{"id":"1"}"#;
        let sig = sign(secret, 1_700_000_000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
        let tol = DEFAULT_TOLERANCE;
        assert_eq!(
            verify(secret, "1700000000", &sig, body, 1_700_000_100, tol),
            Ok(())
        );
        type Case<'a> = (&'a [u8], &'a str, &'a str, &'a [u8], i64, VerifyError);
        let cases: [Case<'_>; 6] = [
            (
                b"other",
                "1700000000",
                &sig,
                body,
                1_700_000_000,
                VerifyError::Mismatch,
            ),
            (
                secret,
                "1700000001",
                &sig,
                body,
                1_700_000_000,
                VerifyError::Mismatch,
            ),
            (
                secret,
                "1700000000",
                &sig,
                b"{}",
                1_700_000_000,
                VerifyError::Mismatch,
            ),
            (
                secret,
                "1700000000",
                &sig,
                body,
                1_700_000_301,
                VerifyError::Stale(301),
            ),
            (
                secret,
                "soon",
                &sig,
                body,
                1_700_000_000,
                VerifyError::BadTimestamp,
            ),
            (
                secret,
                "1700000000",
                "sha256=xyz",
                body,
                1_700_000_000,
                VerifyError::BadFormat,
            ),
        ];
        for (secret, ts, sig, body, now, want) in cases {
            assert_eq!(verify(secret, ts, sig, body, now, tol), Err(want));
        }
    }

    #[test]
    fn the_signature_matches_an_independent_implementation() {
        // Python: hmac.new(b"whsec-test", b'1700000000.{"id":"1"}', hashlib.sha256).hexdigest()
        assert_eq!(
            sign(b"whsec-test", 1_700_000_000, br#"{"id":"1"}"#),
            "sha256=31eb1ba523eef495c25683b818d449a2ee3dcff2abe5630a2a042fe786e59839"
        );
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(204), Ok(()));
        for s in [408, 429, 500, 503] {
            assert!(classify(s).expect_err("fails").retryable, "{s}");
        }
        for s in [301, 400, 401, 404, 410] {
            assert!(!classify(s).expect_err("fails").retryable, "{s}");
        }
    }

    #[test]
    fn webhook_bodies_are_masked() {
        let message = OutboxMessage {
            id: "m1".into(),
            kind: crate::NoticeKind::OrderIssued,
            recipient: "https://x.example/".into(),
            subject: "手机 13800138000".into(),
            payload: json!({"items": [{"problem": "证件 11010519491231002X"}], "n": 3}),
        };
        let text = String::from_utf8(body(&message)).expect("utf8");
        assert!(
            !text.contains("13800138000") && !text.contains("11010519491231002X"),
            "{text}"
        );
        assert!(text.contains("\"event\":\"order.issued\""), "{text}");
        assert!(text.contains("\"n\":3"));
    }
}
