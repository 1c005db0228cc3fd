//! `awscred`: resolve, explain and export AWS credentials the way the AWS CLI does.
//!
//! Today's commands: `explain` (which files were read, which profile was selected and why, and
//! what that profile configures). `export-credentials`, `whoami`, `exec`, `serve`, `profiles`,
//! `cache` and `sso` arrive with the provider chain.
#![allow(clippy::print_stdout, reason = "a command-line tool prints its answer")]
#![allow(clippy::print_stderr, reason = "a command-line tool prints its errors")]

use std::process::ExitCode;
use std::sync::Arc;

use awscred_chain::{DefaultChain, Step};
use awscred_profile::{FileKind, Platform, ProfileSet, Section, locate, select_profile};
use awscred_provider_assume_role::{FileCache, FixedMfa, PromptMfa, SharedMfaTokenProvider};
use awscred_types::{Credentials, CredentialsError, OsFs, SharedFs, SystemEnv};
use clap::{Parser, Subcommand};

/// Resolve AWS credentials the way boto3 and the AWS CLI do.
#[derive(Debug, Parser)]
#[command(name = "awscred", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    session: SessionArgs,
}

/// How assume-role sessions are obtained (every command).
#[derive(Debug, Default, clap::Args)]
struct SessionArgs {
    /// Do not read or write the AWS CLI's assume-role cache (`~/.aws/cli/cache`); sessions are
    /// then kept in memory only.
    #[arg(long, global = true)]
    no_cache: bool,
    /// The MFA code for a role profile with `mfa_serial` (default: ask on the terminal).
    #[arg(long, global = true, value_name = "CODE")]
    mfa_code: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Resolve credentials with the default chain and print them (`process` JSON by default,
    /// so `awscred export-credentials` is itself a valid `credential_process`).
    ExportCredentials {
        /// The profile to use (as `boto3.Session(profile_name=...)`: removes the environment
        /// provider).
        #[arg(long)]
        profile: Option<String>,
        /// Output format: the AWS CLI's `process`, `env`, `env-no-export`, `powershell`,
        /// `windows-cmd`, `fish`, plus `dotenv` and `json`.
        #[arg(long, default_value = "process")]
        format: Format,
    },
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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Process,
    Env,
    EnvNoExport,
    Powershell,
    WindowsCmd,
    Fish,
    Dotenv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let session = &cli.session;
    let result = match cli.command {
        Command::Explain { profile, json } => explain(profile.as_deref(), json, session),
        Command::ExportCredentials { profile, format } => {
            export(profile.as_deref(), format, session)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("awscred: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CredentialsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CredentialsError::provider_error("could not start the async runtime").with_source(e)
        })
}

/// The default chain as the AWS CLI runs it: assume-role sessions shared through
/// `~/.aws/cli/cache`, MFA codes asked for on the terminal.
fn chain(profile: Option<&str>, session: &SessionArgs) -> Result<DefaultChain, CredentialsError> {
    let fs: SharedFs = Arc::new(OsFs);
    let mfa: SharedMfaTokenProvider = match &session.mfa_code {
        Some(code) => Arc::new(FixedMfa::new(code.as_str())),
        None => Arc::new(PromptMfa::new()),
    };
    let cache = if session.no_cache {
        None
    } else {
        FileCache::aws_cli(&SystemEnv, fs.clone())
    };
    let mut builder = DefaultChain::builder()
        .fs(fs)
        .mfa(mfa)
        .assume_role_cache(cache);
    if let Some(p) = profile {
        builder = builder.profile(p);
    }
    builder.build()
}

fn export(
    profile: Option<&str>,
    format: Format,
    session: &SessionArgs,
) -> Result<(), CredentialsError> {
    let chain = chain(profile, session)?;
    let creds = runtime()?.block_on(async { chain.chain().resolve_traced().await.0 })?;
    print!("{}", render(&creds, format));
    Ok(())
}

fn rfc3339(t: std::time::SystemTime) -> String {
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
fn render(c: &Credentials, format: Format) -> String {
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
            let mut m = serde_json::Map::new();
            m.insert("Version".into(), 1.into());
            m.insert("AccessKeyId".into(), c.access_key_id().into());
            m.insert("SecretAccessKey".into(), c.secret_access_key().into());
            if let Some(t) = c.session_token() {
                m.insert("SessionToken".into(), t.into());
            }
            if let Some(e) = c.expiry() {
                m.insert("Expiration".into(), rfc3339(e).into());
            }
            if let Some(a) = c.account_id() {
                m.insert("AccountId".into(), a.into());
            }
            let v = serde_json::Value::Object(m);
            if matches!(format, Format::Json) {
                format!("{v:#}\n")
            } else {
                format!("{v}\n")
            }
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

fn explain(
    profile: Option<&str>,
    json: bool,
    session: &SessionArgs,
) -> Result<(), CredentialsError> {
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
    println!();
    println!("providers, in order:");
    match chain(profile, session) {
        Err(e) => println!("  chain not built: {e}"),
        Ok(chain) => {
            let (result, steps) = runtime()?.block_on(chain.chain().resolve_traced());
            for (name, step) in &steps {
                match step {
                    Step::Skipped(e) => println!("  {name:<24} skipped: {}", e.message()),
                    Step::Answered => println!("  {name:<24} answered"),
                    Step::Failed(e) => println!("  {name:<24} failed: {e}"),
                    _ => println!("  {name:<24} ?"),
                }
            }
            for name in chain.chain().names().skip(steps.len()) {
                println!("  {name:<24} not asked");
            }
            match result {
                Ok(c) => {
                    let expiry = c.expiry().map_or("no expiry".to_owned(), |e| {
                        format!("expires {}", rfc3339(e))
                    });
                    println!();
                    println!(
                        "credentials: {} from {} ({expiry})",
                        mask_key_id(c.access_key_id()),
                        c.provider_name()
                    );
                }
                Err(e) if e.is_not_loaded() => println!("\nno credentials found"),
                Err(_) => {}
            }
        }
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
