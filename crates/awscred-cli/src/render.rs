//! Output rendering shared by the commands: credential formats, times, masked key ids,
//! profile kinds.

use std::time::{Duration, SystemTime};

use awscred_profile::{FileKind, Section};
use awscred_types::Credentials;

use crate::args::Format;

/// RFC 3339 in UTC, whole seconds (`2026-01-02T03:04:05Z`).
pub(crate) fn rfc3339(t: std::time::SystemTime) -> String {
    let t: time::OffsetDateTime = t.into();
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The AWS CLI's `configure export-credentials` formats (plus dotenv and json).
pub(crate) fn render(c: &Credentials, format: Format) -> String {
    let mut vars: Vec<(&str, String)> = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id().to_owned()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key().to_owned()),
    ];
    if let Some(t) = c.session_token() {
        vars.push(("AWS_SESSION_TOKEN", t.to_owned()));
    }
    if let Some(e) = c.expiry() {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", rfc3339(e)));
    }
    if let Some(a) = c.account_id() {
        vars.push(("AWS_ACCOUNT_ID", a.to_owned()));
    }
    let lines = |f: &dyn Fn(&str, &str) -> String| {
        vars.iter().map(|(k, v)| f(k, v) + "\n").collect::<String>()
    };
    match format {
        Format::Process | Format::Json => {
            // The AWS CLI's field order (Version first); serde_json's map would sort the keys.
            let q = |v: &str| serde_json::Value::from(v).to_string();
            let mut fields = vec![
                ("Version", "1".to_owned()),
                ("AccessKeyId", q(c.access_key_id())),
                ("SecretAccessKey", q(c.secret_access_key())),
            ];
            if let Some(t) = c.session_token() {
                fields.push(("SessionToken", q(t)));
            }
            if let Some(e) = c.expiry() {
                fields.push(("Expiration", q(&rfc3339(e))));
            }
            if let Some(a) = c.account_id() {
                fields.push(("AccountId", q(a)));
            }
            let (open, sep, colon, close) = if matches!(format, Format::Json) {
                ("{\n  ", ",\n  ", ": ", "\n}")
            } else {
                ("{", ",", ":", "}")
            };
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\"{colon}{v}"))
                .collect();
            format!("{open}{}{close}\n", body.join(sep))
        }
        Format::Env => lines(&|k, v| format!("export {k}={v}")),
        Format::EnvNoExport | Format::Dotenv => lines(&|k, v| format!("{k}={v}")),
        Format::Powershell => lines(&|k, v| format!("$Env:{k}=\"{v}\"")),
        Format::WindowsCmd => lines(&|k, v| format!("set {k}={v}")),
        Format::Fish => lines(&|k, v| format!("set -gx {k} {v}")),
    }
}

/// Keys whose values are secrets: never printed, even partly.
const SECRET_KEYS: &[&str] = &[
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

pub(crate) fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Config => "config",
        FileKind::Credentials => "credentials",
    }
}

/// What the profile configures, in the order the default chain would consider it.
pub(crate) fn kind(s: &Section) -> String {
    let has = |k: &str| s.get(k).is_some_and(|v| !v.trim().is_empty());
    if has("role_arn") && has("web_identity_token_file") {
        "web identity (AssumeRoleWithWebIdentity)".into()
    } else if has("role_arn") {
        match (s.get("source_profile"), s.get("credential_source")) {
            (Some(p), _) => format!("assume role, source profile {p}"),
            (None, Some(c)) => format!("assume role, credential source {c}"),
            (None, None) => "assume role (no source_profile or credential_source: invalid)".into(),
        }
    } else if has("sso_session") || has("sso_account_id") || has("sso_role_name") {
        "IAM Identity Center (SSO)".into()
    } else if has("aws_access_key_id") {
        "static keys".into()
    } else if has("credential_process") {
        "credential_process".into()
    } else {
        "no credentials (settings only)".into()
    }
}

/// A value as `explain` may show it: secrets never, access key ids partly, commands not at all
/// (they may carry secrets in their arguments).
pub(crate) fn shown(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) {
        "** redacted **".into()
    } else if key == "aws_access_key_id" {
        mask_key_id(value)
    } else if key == "credential_process" {
        "** command not shown **".into()
    } else {
        value.to_owned()
    }
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA************MPLE`.
pub(crate) fn mask_key_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..4], &chars[chars.len() - 4..]);
    format!(
        "{}{}{}",
        head.iter().collect::<String>(),
        "*".repeat(chars.len() - 8),
        tail.iter().collect::<String>()
    )
}

/// Time left until `expiry` (`12 min left`), or `expired`.
pub(crate) fn remaining(expiry: SystemTime, now: SystemTime) -> String {
    match expiry.duration_since(now) {
        Ok(left) => format!("{} left", human(left)),
        Err(_) => "expired".into(),
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_partly_masked_and_secrets_hidden() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask_key_id("short"), "*****");
        assert_eq!(shown("aws_secret_access_key", "s3cr3t"), "** redacted **");
        assert_eq!(shown("region", "eu-west-1"), "eu-west-1");
    }
}
