//! 邮件 — sending a rendered notice over SMTP with lettre.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::retry::DeliveryError;
use crate::template::RenderedEmail;
use crate::webhook::SetupError;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text: only for a relay on the same machine or a trusted network.
    None,
    /// Plain text upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Where and how emails are sent.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The server's host name (also the name its certificate must carry).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// Plain, STARTTLS or TLS.
    pub security: SmtpSecurity,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// The sender, e.g. `备案核查 <beian@provider.example.cn>`.
    pub from: String,
    /// The name given in EHLO; `localhost` when absent.
    pub hello_name: Option<String>,
    /// The deadline of each SMTP command and of the connection.
    pub timeout: Duration,
    /// Extra root certificates (PEM) to trust, e.g. the provider's own CA.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

impl SmtpConfig {
    /// A plain-text relay at `host:port` sending as `from`, with a 30 s timeout.
    pub fn relay(host: impl Into<String>, port: u16, from: impl Into<String>) -> Self {
        SmtpConfig {
            host: host.into(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            from: from.into(),
            hello_name: None,
            timeout: Duration::from_secs(30),
            extra_root_certs_pem: Vec::new(),
        }
    }
}

/// Sends emails over SMTP, one connection per message (notices are few and spread out).
#[derive(Clone)]
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl EmailSender {
    /// Builds the sender from its configuration.
    pub fn new(config: SmtpConfig) -> Result<Self, SetupError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| SetupError::Smtp(format!("发件人「{}」不是有效地址：{e}", config.from)))?;
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls | SmtpSecurity::Tls => {
                let mut builder = TlsParameters::builder(config.host.clone());
                for pem in &config.extra_root_certs_pem {
                    let cert = Certificate::from_pem(pem)
                        .map_err(|e| SetupError::RootCertificate(e.to_string()))?;
                    builder = builder.add_root_certificate(cert);
                }
                let params = builder
                    .build_rustls()
                    .map_err(|e| SetupError::Smtp(e.to_string()))?;
                if config.security == SmtpSecurity::StartTls {
                    Tls::Required(params)
                } else {
                    Tls::Wrapper(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .hello_name(ClientId::Domain(
                config.hello_name.unwrap_or_else(|| "localhost".to_owned()),
            ));
        if let Some((user, password)) = config.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(EmailSender {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `email` to `to`, with a Message-ID made from the outbox id so that a retried
    /// message can be recognised as the same one.
    pub async fn send(
        &self,
        to: &str,
        email: &RenderedEmail,
        message_id: &str,
    ) -> Result<(), DeliveryError> {
        let to: Mailbox = to.parse().map_err(|e| {
            DeliveryError::permanent(format!("收件人「{to}」不是有效的邮件地址：{e}"))
        })?;
        let id_part: String = message_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{id_part}@beian.notify>")))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| DeliveryError::permanent(format!("邮件无法生成：{e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}

/// What an SMTP failure means for a delivery: 5xx replies and our own errors are
/// permanent; 4xx replies, timeouts, refused connections and TLS failures may pass.
fn classify(e: &lettre::transport::smtp::Error) -> DeliveryError {
    let detail = error_chain(e);
    if e.is_permanent() {
        DeliveryError::permanent(format!("邮件服务器拒绝投递：{detail}"))
    } else if e.is_client() {
        DeliveryError::permanent(format!("邮件无法发送：{detail}"))
    } else if e.is_transient() {
        DeliveryError::retryable(format!("邮件服务器暂时拒绝：{detail}"))
    } else if e.is_timeout() {
        DeliveryError::retryable(format!("连接邮件服务器超时：{detail}"))
    } else {
        DeliveryError::retryable(format!("无法连接邮件服务器：{detail}"))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
