//! `awscred`: resolve, explain and export AWS credentials the way the AWS CLI does.
//!
//! Today's commands: `explain` (which files were read, which profile was selected and why, and
//! what that profile configures). `export-credentials`, `whoami`, `exec`, `serve`, `profiles`,
//! `cache` and `sso` arrive with the provider chain.
#![allow(clippy::print_stdout, reason = "a command-line tool prints its answer")]
#![allow(clippy::print_stderr, reason = "a command-line tool prints its errors")]

use std::process::ExitCode;

use awscred_profile::{FileKind, Platform, ProfileSet, Section, locate, select_profile};
use awscred_types::{CredentialsError, OsFs, SystemEnv};
use clap::{Parser, Subcommand};

/// Resolve AWS credentials the way boto3 and the AWS CLI do.
#[derive(Debug, Parser)]
#[command(name = "awscred", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show which files were read, which profile was selected and why, and what it configures.
    Explain {
        /// The profile to explain (as `--profile` on the AWS CLI); default: AWS_DEFAULT_PROFILE,
        /// then AWS_PROFILE, then `default`.
        #[arg(long)]
        profile: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain { profile, json } => explain(profile.as_deref(), json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("awscred: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Keys whose values are secrets: never printed, even partly.
const SECRET_KEYS: &[&str] = &[
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

fn explain(profile: Option<&str>, json: bool) -> Result<(), CredentialsError> {
    let env = SystemEnv;
    let locations = locate(&env, Platform::host());
    let set = ProfileSet::load(&env, &OsFs)?;
    let selected = select_profile(profile, &env);
    let section = set.profile(selected.name());
    if json {
        let files: Vec<_> = set
            .locations()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "kind": match s.location().kind() { FileKind::Config => "config", FileKind::Credentials => "credentials" },
                    "path": s.location().path(),
                    "exists": s.existed(),
                    "set_by": s.location().overridden_by(),
                })
            })
            .collect();
        let out = serde_json::json!({
            "files": files,
            "profile": {
                "name": selected.name(),
                "reason": selected.reason().to_string(),
                "found": section.is_some(),
                "kind": section.map(kind),
                "keys": section.map(|s| s.iter().map(|(k, v)| (k.to_owned(), serde_json::Value::from(shown(k, v)))).collect::<serde_json::Map<_, _>>()),
            },
            "profiles": set.profile_names().collect::<Vec<_>>(),
            "warnings": set.warnings().iter().map(|w| format!("{}:{}: {}", w.path(), w.line(), w.message())).collect::<Vec<_>>(),
        });
        println!("{out:#}");
        return Ok(());
    }
    println!("files:");
    for status in set.locations() {
        let loc = status.location();
        let how = loc
            .overridden_by()
            .map_or(String::from("default location"), |v| format!("set by {v}"));
        let exists = if status.existed() {
            "read"
        } else {
            "not found"
        };
        println!(
            "  {:<11} {} ({how}; {exists})",
            kind_name(loc.kind()),
            loc.path()
        );
    }
    if locations.config.home_unknown() {
        println!("  note: no home folder is known (HOME is unset)");
    }
    println!();
    println!("profile: {} ({})", selected.name(), selected.reason());
    match section {
        None if set.is_empty() => println!("  no AWS configuration files on this machine"),
        None => println!("  not defined in either file"),
        Some(s) => {
            println!("  kind: {}", kind(s));
            for (k, v) in s.iter() {
                println!("  {k} = {}", shown(k, v));
            }
        }
    }
    let names: Vec<_> = set.profile_names().collect();
    if !names.is_empty() {
        println!();
        println!("profiles: {}", names.join(", "));
    }
    for w in set.warnings() {
        println!("warning: {}:{}: {}", w.path(), w.line(), w.message());
    }
    Ok(())
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Config => "config",
        FileKind::Credentials => "credentials",
    }
}

/// What the profile configures, in the order the default chain would consider it.
fn kind(s: &Section) -> String {
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
fn shown(key: &str, value: &str) -> String {
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
fn mask_key_id(id: &str) -> String {
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
