//! Mail over SMTP with lettre: STARTTLS (port 587), TLS (465) or plain (`security = "none"`, for a
//! relay on localhost), optional login with the password read from the environment variable named
//! by `password_env` when a message is sent (never stored, never logged).

use crate::config::{SmtpConfig, SmtpSecurity};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One message as queued in a delivery row (the payload is this, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends mail through the configured server.
#[derive(Debug, Clone)]
pub struct Mailer {
    smtp: SmtpConfig,
}

impl Mailer {
    pub fn new(smtp: SmtpConfig) -> Mailer {
        Mailer { smtp }
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let host = self.smtp.host.as_str();
        let builder = match self.smtp.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("SMTP STARTTLS setup for {host}: {e}"))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| format!("SMTP TLS setup for {host}: {e}"))?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(self.smtp.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &self.smtp.username {
            let password = match &self.smtp.password_env {
                Some(var) => std::env::var(var).map_err(|_| {
                    format!("the environment variable {var} (smtp.password_env) is not set")
                })?,
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(builder.build())
    }

    /// Builds the multipart message (plain text and HTML alternatives).
    pub fn message(&self, to: &str, content: &MailContent) -> Result<Message, String> {
        let from: Mailbox = self
            .smtp
            .from
            .parse()
            .map_err(|e| format!("smtp.from '{}': {e}", self.smtp.from))?;
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("'{to}' is not a mail address: {e}"))?;
        // Base64 for both parts: the HTML has long lines (inline SVG) and both carry å, ä, ö.
        let part = |ct: ContentType, s: &str| {
            SinglePart::builder().header(ct).body(
                Body::new_with_encoding(s.to_string(), ContentTransferEncoding::Base64)
                    .unwrap_or_else(Body::new),
            )
        };
        Message::builder()
            .from(from)
            .to(to)
            .subject(content.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(part(ContentType::TEXT_PLAIN, &content.text))
                    .singlepart(part(ContentType::TEXT_HTML, &content.html)),
            )
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Sends one message; the error is a sentence for the delivery's `last_error`.
    pub async fn send(&self, to: &str, content: &MailContent) -> Result<(), String> {
        let message = self.message(to, content)?;
        let transport = self.transport()?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP {}:{}: {e}", self.smtp.host, self.smtp.port))
    }
}
