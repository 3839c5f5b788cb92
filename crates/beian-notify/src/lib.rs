//! 通知 — notifications sent from the outbox: Chinese emails over SMTP and signed webhooks.
//!
//! A rectification order only works if the customer hears about it: when it is issued,
//! as its deadline nears, when a request is sent back, when it is resolved, when it runs
//! over, and when access is cancelled. The store writes each notice into an outbox in the
//! same transaction as the change that caused it, so a notice is never lost with a crash;
//! a worker then hands each [`OutboxMessage`] to [`Notifier::deliver`] and, on a
//! retryable [`DeliveryError`], tries again after [`next_attempt_after`].
//!
//! What a notice says is pure ([`template`]: a [`Notice`] in, subject, text and HTML
//! out); sending is the IO edge ([`EmailSender`] over SMTP with lettre, [`WebhookSender`]
//! over HTTP with reqwest). ID numbers and phone numbers are masked in every subject,
//! body and webhook payload.

mod email;
mod notice;
mod retry;
pub mod template;
pub mod webhook;

pub use email::{EmailSender, SmtpConfig, SmtpSecurity};
pub use notice::{
    Notice, NoticeItem, NoticeKind, OutboxMessage, Recipient, beijing, format_deadline,
};
pub use retry::{DeliveryError, FIRST_RETRY, MAX_RETRY, next_attempt_after};
pub use template::RenderedEmail;
pub use webhook::{SetupError, VerifyError, WebhookConfig, WebhookSender, sign, verify};

/// 通知发送器 — delivers outbox messages by email or webhook, whichever the recipient is.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    email: Option<EmailSender>,
    webhook: Option<WebhookSender>,
}

impl Notifier {
    /// A notifier with the channels configured; a message for a channel that is not
    /// configured fails permanently.
    pub fn new(
        email: Option<SmtpConfig>,
        webhook: Option<WebhookConfig>,
    ) -> Result<Self, SetupError> {
        Ok(Notifier {
            email: email.map(EmailSender::new).transpose()?,
            webhook: webhook.map(WebhookSender::new).transpose()?,
        })
    }

    /// Delivers one message. `Ok` means the server took it (SMTP 250, HTTP 2xx).
    pub async fn deliver(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        match Recipient::parse(&message.recipient) {
            Some(Recipient::Email(address)) => {
                let Some(sender) = &self.email else {
                    return Err(DeliveryError::permanent(
                        "未配置邮件服务器（SMTP），无法发送邮件",
                    ));
                };
                let notice = message.notice().map_err(|e| {
                    DeliveryError::permanent(format!("消息内容不是有效的通知：{e}"))
                })?;
                sender
                    .send(&address, &template::render(&notice), &message.id)
                    .await
            }
            Some(Recipient::Webhook(url)) => {
                let Some(sender) = &self.webhook else {
                    return Err(DeliveryError::permanent("未配置回调签名密钥，无法发送回调"));
                };
                sender.send(&url, message, chrono::Utc::now()).await
            }
            None => Err(DeliveryError::permanent(format!(
                "收件人「{}」既不是邮件地址也不是 http(s) 回调地址",
                beian_domain::pii::mask_text(&message.recipient)
            ))),
        }
    }
}
