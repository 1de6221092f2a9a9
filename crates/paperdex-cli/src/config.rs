//! The user's configuration: `<data dir>/config.toml`, or the file named by
//! `--config` / `PAPERDEX_CONFIG`. Every section is optional; a missing file
//! is an empty configuration. Secrets may come from the environment instead
//! (`PAPERDEX_TOKEN`, `PAPERDEX_SMTP_PASSWORD`) so they need not sit on disk.
//!
//! ```toml
//! store = "postgres://paperdex@localhost/paperdex"   # default: SQLite in the data dir
//!
//! [server]
//! addr = "127.0.0.1:8080"
//! token = "a long random string"      # bearer token for write endpoints
//!
//! [smtp]
//! host = "smtp.example.org"
//! port = 587
//! security = "starttls"               # starttls | tls | none
//! username = "me"
//! password = "..."
//! from = "paperdex <me@example.org>"
//! to = ["me@example.org"]
//! ```
use anyhow::{Context, Result};
use paperdex_digest::SmtpSecurity;
use serde::Deserialize;
use std::path::Path;

/// The whole configuration file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Storage backend URL; absent means the embedded SQLite library.
    pub store: Option<String>,
    #[serde(default)]
    pub server: ServerConfig,
    pub smtp: Option<SmtpConfig>,
}

/// `[server]`: how `paperdex serve` listens and who may write.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub addr: Option<String>,
    pub token: Option<String>,
}

/// `[smtp]`: where `paperdex digest --send` delivers mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub to: Vec<String>,
}

impl Config {
    /// Reads `path`; a file that does not exist is the empty configuration.
    pub fn load(path: &Path) -> Result<Config> {
        let mut config: Config = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("invalid configuration file {}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        config.apply_env();
        Ok(config)
    }

    /// Secrets and the store URL from the environment win over the file.
    fn apply_env(&mut self) {
        if let Ok(token) = std::env::var("PAPERDEX_TOKEN") {
            if !token.is_empty() {
                self.server.token = Some(token);
            }
        }
        if let (Some(smtp), Ok(password)) =
            (&mut self.smtp, std::env::var("PAPERDEX_SMTP_PASSWORD"))
        {
            smtp.password = Some(password);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dir.path().join("config.toml")).unwrap();
        assert!(config.store.is_none() && config.smtp.is_none());
    }

    #[test]
    fn reads_every_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[server]\naddr = \"127.0.0.1:9000\"\n\n[smtp]\nhost = \"localhost\"\nport = 2525\nsecurity = \"none\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.server.addr.as_deref(), Some("127.0.0.1:9000"));
        let smtp = config.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (Some(2525), SmtpSecurity::None));
        assert_eq!(smtp.to, vec!["d@e.f".to_string()]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[server]\nport = 80\n").unwrap();
        let err = format!("{:#}", Config::load(&path).unwrap_err());
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("line 2") && err.contains("port"), "{err}");
    }
}
