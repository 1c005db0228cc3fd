//! Output rendering shared by the commands: credential formats, times, masked key ids,
//! profile kinds.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use awscred_profile::{FileKind, ProfileKind, ProfileView, RoleSource};
use awscred_types::{Credentials, CredentialsError};

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
///
/// Values are printed as the AWS CLI prints them when they hold only characters every shell
/// reads as themselves (as every AWS credential does); any other value is quoted for the
/// format's own shell, so that no value can run code under `eval`. cmd has no quoting for `"`,
/// `%`, `!` or a line break: such a value is an error naming the variable.
pub(crate) fn render(c: &Credentials, format: Format) -> Result<String, CredentialsError> {
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
    let lines = |f: &dyn Fn(&str, &str) -> Result<String, CredentialsError>| {
        vars.iter()
            .map(|(k, v)| f(k, v).map(|line| line + "\n"))
            .collect::<Result<String, _>>()
    };
    Ok(match format {
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
        Format::Env => lines(&|k, v| Ok(format!("export {k}={}", sh_quote(v))))?,
        Format::EnvNoExport | Format::Dotenv => lines(&|k, v| Ok(format!("{k}={}", sh_quote(v))))?,
        Format::Powershell => lines(&|k, v| Ok(format!("$Env:{k}={}", powershell_quote(v))))?,
        Format::WindowsCmd => lines(&cmd_set)?,
        Format::Fish => lines(&|k, v| Ok(format!("set -gx {k} {}", fish_quote(v))))?,
    })
}

/// Whether every shell (sh, fish, PowerShell in double quotes, cmd) reads `v` as itself: ASCII
/// letters, digits and `+ / = . _ : -`, which is all an AWS credential, expiry or account id
/// holds.
fn plain(v: &str) -> bool {
    !v.is_empty()
        && v.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '.' | '_' | ':' | '-')
        })
}

/// POSIX sh: single quotes, in which nothing is special; a `'` is written `'\''`.
fn sh_quote(v: &str) -> Cow<'_, str> {
    if plain(v) {
        return v.into();
    }
    format!("'{}'", v.replace('\'', r"'\''")).into()
}

/// fish: single quotes, in which only `\\` and `\'` are escapes.
fn fish_quote(v: &str) -> Cow<'_, str> {
    if plain(v) {
        return v.into();
    }
    format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'")).into()
}

/// PowerShell: the AWS CLI's double quotes for plain values; otherwise a verbatim
/// single-quoted string, in which the only escape is a doubled quote (PowerShell also ends
/// such a string at the typographic quotes U+2018–U+201B, so those are doubled too).
fn powershell_quote(v: &str) -> String {
    if plain(v) {
        return format!("\"{v}\"");
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// cmd: `set K=V` for plain values, else `set "K=V"`, inside which `& | < > ^ ( )` and spaces
/// are literal. cmd expands `%…%` and `!…!` even there and has no escape for `"` or a line
/// break, so a value holding one of those cannot be written safely.
fn cmd_set(k: &str, v: &str) -> Result<String, CredentialsError> {
    if plain(v) {
        return Ok(format!("set {k}={v}"));
    }
    if v.chars()
        .any(|c| matches!(c, '"' | '%' | '!') || c.is_control())
    {
        return Err(CredentialsError::invalid_configuration(format!(
            "{k} holds a quote, % or !, or a control character, which cmd cannot be given \
             safely; use another --format (or `awscred exec`)"
        ))
        .with("format", "windows-cmd"));
    }
    Ok(format!("set \"{k}={v}\""))
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

/// What the profile configures ([`ProfileView::kind`], the chain's own classifier).
pub(crate) fn kind(view: &ProfileView<'_>) -> String {
    let shown = |v: &str| awscred_types::printable(v, MAX_SHOWN_CHARS);
    match view.kind() {
        ProfileKind::WebIdentity => "web identity (AssumeRoleWithWebIdentity)".into(),
        ProfileKind::AssumeRole(RoleSource::SourceProfile(p)) => {
            format!("assume role, source profile {}", shown(p))
        }
        ProfileKind::AssumeRole(RoleSource::CredentialSource(c)) => {
            format!("assume role, credential source {}", shown(c))
        }
        ProfileKind::AssumeRole(_) => {
            "assume role (no source_profile or credential_source: invalid)".into()
        }
        ProfileKind::Sso { .. } => "IAM Identity Center (SSO)".into(),
        ProfileKind::StaticKeys(_) => "static keys".into(),
        ProfileKind::LoginSession(_) => "console sign-in (login_session)".into(),
        ProfileKind::CredentialProcess
            if view.get("credential_process").and_then(session_profile) == Some(view.name()) =>
        {
            "key store (credential_process = awscred keys session)".into()
        }
        ProfileKind::CredentialProcess => "credential_process".into(),
        _ => "no credentials (settings only)".into(),
    }
}

/// The profile a `credential_process` value hands to `awscred keys session`, when it is exactly
/// that command (`awscred` or a path ending in `/awscred`): a key-store profile.
pub(crate) fn session_profile(command: &str) -> Option<&str> {
    let mut words = command.split_whitespace();
    let program = words.next()?;
    if program != "awscred" && !program.ends_with("/awscred") {
        return None;
    }
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("keys"), Some("session"), Some("--profile"), Some(p)) => {
            words.next().is_none().then_some(p)
        }
        _ => None,
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
        awscred_types::printable(value, MAX_SHOWN_CHARS)
    }
}

/// The most of one value `explain` shows (a role ARN is at most 2048; real ones are under 200).
const MAX_SHOWN_CHARS: usize = 256;

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA************MPLE` (the layers' masking, for one look).
pub(crate) use awscred_layer::mask_access_key_id as mask_key_id;

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
        assert_eq!(shown("region", "\u{1b}[31meu\u{7}"), "[31meu");
        assert!(shown("role_arn", &"a".repeat(300)).ends_with("… (44 more characters cut)"));
    }

    fn creds(id: &str, secret: &str, token: &str) -> Credentials {
        Credentials::builder(id, secret, "test")
            .session_token(token)
            .build()
    }

    #[test]
    fn plain_values_print_as_the_aws_cli_prints_them() {
        let c = creds("ASIA0123456789", "ab+/cd=", "IQo-_.=");
        let out = |f| render(&c, f).unwrap();
        assert_eq!(
            out(Format::Env),
            "export AWS_ACCESS_KEY_ID=ASIA0123456789\nexport AWS_SECRET_ACCESS_KEY=ab+/cd=\n\
             export AWS_SESSION_TOKEN=IQo-_.=\n"
        );
        assert!(out(Format::Powershell).starts_with("$Env:AWS_ACCESS_KEY_ID=\"ASIA0123456789\"\n"));
        assert!(out(Format::WindowsCmd).starts_with("set AWS_ACCESS_KEY_ID=ASIA0123456789\n"));
        assert!(out(Format::Fish).starts_with("set -gx AWS_ACCESS_KEY_ID ASIA0123456789\n"));
    }

    #[test]
    fn other_values_are_quoted_for_each_shell() {
        assert_eq!(sh_quote("a'b$(x)"), r"'a'\''b$(x)'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(fish_quote(r"a'b\c$x"), r"'a\'b\\c$x'");
        assert_eq!(
            powershell_quote("a'b$x`\u{2019}"),
            "'a''b$x`\u{2019}\u{2019}'"
        );
        assert_eq!(
            cmd_set("K", "a&b|c<d>e^f (g)").unwrap(),
            "set \"K=a&b|c<d>e^f (g)\""
        );
        for bad in ["a\"b", "%PATH%", "a!b!", "a\nb", "a\rb"] {
            let err = cmd_set("AWS_SECRET_ACCESS_KEY", bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
            assert!(!err.contains(bad), "{err}");
        }
        let c = creds("AKID", "s'e\"c", "t");
        assert!(render(&c, Format::WindowsCmd).is_err());
        assert_eq!(
            render(&c, Format::EnvNoExport).unwrap(),
            "AWS_ACCESS_KEY_ID=AKID\nAWS_SECRET_ACCESS_KEY='s'\\''e\"c'\nAWS_SESSION_TOKEN=t\n"
        );
    }
}
