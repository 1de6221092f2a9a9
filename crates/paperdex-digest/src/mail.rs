//! Sending a digest by mail over SMTP (lettre): a multipart/alternative
//! message with the Markdown as its plain-text part and the HTML page.

use crate::digest::Digest;
use crate::render::{render, DigestFormat};
use crate::DigestError;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay, or a test server).
    None,
    /// SMTP upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// SMTP inside TLS from the start (port 465).
    Tls,
}

impl SmtpSecurity {
    /// The port this security is usually served on.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

/// Where and how to send digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection security.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Login, when the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for `username`.
    #[serde(default)]
    pub password: Option<String>,
    /// Sender, e.g. `paperdex <digest@example.org>`.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
}

/// The subject line of a digest mail.
pub fn subject(digest: &Digest) -> String {
    let date = digest
        .generated_at
        .get(..10)
        .unwrap_or(&digest.generated_at);
    match digest.matched_papers {
        0 => format!("paperdex digest {date}: nothing new"),
        1 => format!("paperdex digest {date}: 1 new paper"),
        n => format!("paperdex digest {date}: {n} new papers"),
    }
}

/// Builds the mail of a digest.
pub fn message(settings: &SmtpSettings, digest: &Digest) -> Result<Message, DigestError> {
    let mailbox = |field: &str, text: &str| -> Result<Mailbox, DigestError> {
        text.parse::<Mailbox>().map_err(|e| {
            DigestError::MailSettings(format!("{field} address '{text}' is not valid: {e}"))
        })
    };
    if settings.to.is_empty() {
        return Err(DigestError::MailSettings(
            "no recipients: set `to` in the [smtp] settings".into(),
        ));
    }
    let mut builder = Message::builder()
        .from(mailbox("from", &settings.from)?)
        .subject(subject(digest));
    for to in &settings.to {
        builder = builder.to(mailbox("to", to)?);
    }
    let text = render(digest, DigestFormat::Markdown, "")?;
    let html = render(digest, DigestFormat::Html, "")?;
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| DigestError::MailSettings(e.to_string()))
}

/// Sends a digest; returns the SMTP server's reply.
pub fn send(settings: &SmtpSettings, digest: &Digest) -> Result<String, DigestError> {
    let message = message(settings, digest)?;
    let server = format!("{}:{}", settings.host, settings.port);
    let send_error = |message: String| DigestError::Send {
        server: server.clone(),
        message,
    };
    let builder = match settings.security {
        SmtpSecurity::None => SmtpTransport::builder_dangerous(&settings.host),
        SmtpSecurity::Starttls => {
            SmtpTransport::starttls_relay(&settings.host).map_err(|e| send_error(e.to_string()))?
        }
        SmtpSecurity::Tls => {
            SmtpTransport::relay(&settings.host).map_err(|e| send_error(e.to_string()))?
        }
    };
    let mut builder = builder
        .port(settings.port)
        .timeout(Some(std::time::Duration::from_secs(30)));
    match (&settings.username, &settings.password) {
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(DigestError::MailSettings(
                "set both username and password, or neither".into(),
            ))
        }
        (None, None) => {}
    }
    let response = builder
        .build()
        .send(&message)
        .map_err(|e| send_error(e.to_string()))?;
    Ok(response.message().collect::<Vec<_>>().join(" "))
}
