//! `awscred`: resolve, explain and export AWS credentials the way the AWS CLI does.
//!
//! Commands: `export-credentials`, `explain`, `whoami`, `exec`, `serve`, `profiles`, `cache
//! list` / `cache clear`. Every command resolves through the AWS CLI's assume-role cache
//! (`~/.aws/cli/cache`) unless `--no-cache`, asks for MFA codes on the terminal unless
//! `--mfa-code`, and logs to standard error with `-v` / `-vv` / `AWSCRED_LOG`.
#![allow(clippy::print_stdout, reason = "a command-line tool prints its answer")]
#![allow(clippy::print_stderr, reason = "a command-line tool prints its errors")]

mod exec;
mod info;
mod serve;

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
    /// More detail on standard error: `-v` debug, `-vv` trace (never secrets). `AWSCRED_LOG`
    /// takes a filter such as `awscred_provider_assume_role=trace,info`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

/// How assume-role sessions are obtained (every command).
#[derive(Debug, Default, clap::Args)]
pub(crate) struct SessionArgs {
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
    /// Who the resolved credentials are: STS GetCallerIdentity (account, ARN, user id) and
    /// which provider supplied them.
    Whoami {
        /// The profile to use.
        #[arg(long)]
        profile: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a command with the credentials in its environment (AWS_ACCESS_KEY_ID & co.,
    /// AWS_REGION); exits with the command's status.
    Exec {
        /// The profile to use.
        #[arg(long)]
        profile: Option<String>,
        /// Serve refreshed credentials to the command from a local endpoint
        /// (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN) instead of
        /// fixed variables: for long-running commands.
        #[arg(long)]
        server: bool,
        /// The command and its arguments (after `--`).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Serve credentials on 127.0.0.1 in the ECS/EKS container-credentials shape, behind a
    /// random bearer token, refreshed through the cached chain.
    Serve {
        /// The profile to use.
        #[arg(long)]
        profile: Option<String>,
        /// The port (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Every profile: what it is, where it is defined, and its cached session.
    Profiles,
    /// The AWS CLI's credential cache (`~/.aws/cli/cache`).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// IAM Identity Center: log in (writes `~/.aws/sso/cache` as `aws sso login` does) and out.
    Sso {
        #[command(subcommand)]
        action: SsoAction,
    },
}

#[derive(Debug, Subcommand)]
enum SsoAction {
    /// Log in (authorization code with PKCE by default, or `--use-device-code`); the token is
    /// cached for awscred, the AWS CLI and boto3 alike.
    Login {
        /// The profile whose `sso_session` (or legacy `sso_start_url`) to log in to.
        #[arg(long)]
        profile: Option<String>,
        /// An `[sso-session NAME]` to log in to, whatever the profile.
        #[arg(long)]
        sso_session: Option<String>,
        /// Use the device-authorization flow (a code to approve, from any device) instead of
        /// the default authorization-code flow with PKCE and a loopback redirect (which needs a
        /// browser on this machine).
        #[arg(long)]
        use_device_code: bool,
        /// Print the URL and code but do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Remove cached SSO tokens and SSO role credentials.
    Logout,
}

#[derive(Debug, Subcommand)]
enum CacheAction {
    /// The entries awscred can read: role, key (masked), expiry and time left.
    List,
    /// Remove entries: every one, or those of one profile's role chain.
    Clear {
        /// Only this profile's sessions.
        #[arg(long)]
        profile: Option<String>,
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
    init_logging(cli.verbose);
    let session = &cli.session;
    let result = match cli.command {
        Command::Explain { profile, json } => explain(profile.as_deref(), json, session),
        Command::ExportCredentials { profile, format } => {
            export(profile.as_deref(), format, session)
        }
        Command::Whoami { profile, json } => {
            info::whoami(profile.as_deref(), json, session).map(|()| ExitCode::SUCCESS)
        }
        Command::Exec {
            profile,
            server,
            command,
        } => run_exec(profile.as_deref(), server, &command, session),
        Command::Serve { profile, port } => run_serve(profile.as_deref(), port, session),
        Command::Profiles => info::profiles().map(|()| ExitCode::SUCCESS),
        Command::Sso { action } => match action {
            SsoAction::Login {
                profile,
                sso_session,
                use_device_code,
                no_browser,
            } => info::sso_login(
                profile.as_deref(),
                sso_session.as_deref(),
                use_device_code,
                no_browser,
            ),
            SsoAction::Logout => info::sso_logout(),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::Cache { action } => match action {
            CacheAction::List => info::cache_list(),
            CacheAction::Clear { profile } => info::cache_clear(profile.as_deref()),
        }
        .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("awscred: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `-v`/`-vv`, else `AWSCRED_LOG` (a `tracing-subscriber` target filter), else warnings only.
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let from_env =
        awscred_types::Env::get(&SystemEnv, "AWSCRED_LOG").and_then(|v| v.parse::<Targets>().ok());
    let filter = match (verbose, from_env) {
        (0, Some(targets)) => targets,
        (0, None) => Targets::new().with_default(LevelFilter::WARN),
        (1, _) => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("awscred", LevelFilter::DEBUG),
        _ => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("awscred", LevelFilter::TRACE),
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(true),
        )
        .with(filter)
        .try_init();
}

fn run_exec(
    profile: Option<&str>,
    server: bool,
    command: &[String],
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    let chain = chain(profile, session)?;
    let region = awscred_types::Env::get(&SystemEnv, "AWS_REGION")
        .or_else(|| awscred_types::Env::get(&SystemEnv, "AWS_DEFAULT_REGION"))
        .or_else(|| {
            chain
                .profiles()
                .profile(chain.selected_profile().name())
                .and_then(|s| s.get("region"))
                .map(str::to_owned)
        });
    runtime()?.block_on(async {
        let handoff = if server {
            exec::Handoff::Server(paved(chain))
        } else {
            exec::Handoff::Variables(resolve_once(&chain).await?)
        };
        exec::run(command, handoff, region).await
    })
}

fn run_serve(
    profile: Option<&str>,
    port: u16,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    use std::io::Write as _;
    let chain = chain(profile, session)?;
    runtime()?.block_on(async {
        let provider = paved(chain);
        // Resolve once first, so a broken configuration fails now, not on the first request.
        provider.provide_credentials().await?;
        let endpoint = serve::Endpoint::bind(port).await?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}",
            endpoint.url()
        );
        let _ = writeln!(
            out,
            "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}",
            endpoint.token()
        );
        let _ = out.flush();
        drop(out);
        eprintln!(
            "awscred: serving credentials on {} until interrupted",
            endpoint.url()
        );
        // Serve until Ctrl-C (the server task never ends on its own).
        let server = tokio::spawn(endpoint.serve(provider));
        let _ = tokio::signal::ctrl_c().await;
        server.abort();
        Ok(ExitCode::SUCCESS)
    })
}

/// The chain behind botocore's refresh windows and static stability (what `serve` and
/// `exec --server` hand out).
fn paved(chain: DefaultChain) -> awscred_types::SharedProvider {
    use awscred_layer::cache::CacheLayer;
    use awscred_layer::static_stability::StaticStabilityLayer;
    use tower_layer::Layer as _;
    Arc::new(CacheLayer::new().layer(StaticStabilityLayer::new().layer(chain)))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CredentialsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CredentialsError::provider_error("could not start the async runtime").with_source(e)
        })
}

/// The default chain as the AWS CLI runs it: assume-role sessions shared through
/// `~/.aws/cli/cache`, MFA codes asked for on the terminal.
pub(crate) fn chain(
    profile: Option<&str>,
    session: &SessionArgs,
) -> Result<DefaultChain, CredentialsError> {
    chain_with(profile, session, |b| b)
}

fn chain_with(
    profile: Option<&str>,
    session: &SessionArgs,
    extra: impl FnOnce(awscred_chain::DefaultChainBuilder) -> awscred_chain::DefaultChainBuilder,
) -> Result<DefaultChain, CredentialsError> {
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
        .credential_cache(cache);
    if let Some(p) = profile {
        builder = builder.profile(p);
    }
    extra(builder).build()
}

/// Profiles whose `export-credentials` is running further up this process tree, so a
/// `credential_process` that calls `awscred export-credentials` for its own profile is refused
/// instead of recursing until the machine runs out of processes.
const EXPORT_STACK: &str = "AWSCRED_EXPORT_STACK";

fn export(
    profile: Option<&str>,
    format: Format,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    let selected = select_profile(profile, &SystemEnv).name().to_owned();
    let stack = awscred_types::Env::get(&SystemEnv, EXPORT_STACK).unwrap_or_default();
    let outer: Vec<&str> = stack.split(',').filter(|p| !p.is_empty()).collect();
    if outer.contains(&selected.as_str()) {
        return Err(CredentialsError::invalid_configuration(format!(
            "awscred export-credentials for profile {selected:?} was started by that profile's own \
             credential_process ({} -> {selected}); it would call itself forever. Give the \
             credential_process a different --profile, or remove it from profile {selected:?}",
            outer.join(" -> ")
        ))
        .with("profile", &selected));
    }
    let mut next = outer.clone();
    next.push(&selected);
    let chain = chain_with(profile, session, |b| {
        b.process_env(EXPORT_STACK, next.join(","))
    })?;
    let creds = runtime()?.block_on(resolve_once(&chain))?;
    print!("{}", render(&creds, format));
    Ok(ExitCode::SUCCESS)
}

/// One resolution for a command that uses the credentials once (`export-credentials`,
/// `whoami`, `exec`). Credentials that are already expired when fetched (a stale source, or
/// this machine's clock ahead) are returned with a warning rather than refused, as aws-config
/// does (docs/compatibility.md); the AWS CLI fails with "refreshed credentials are still
/// expired".
pub(crate) async fn resolve_once(chain: &DefaultChain) -> Result<Credentials, CredentialsError> {
    let creds = chain.chain().resolve_traced().await.0?;
    if let Some(expiry) = creds.expiry()
        && expiry <= awscred_types::Clock::now(&awscred_types::SystemClock)
    {
        tracing::warn!(
            "credentials from {} ({}) expired at {}, before they were fetched: the source is \
             stale or this machine's clock is ahead; using them anyway",
            creds.provider_name(),
            awscred_layer::mask_access_key_id(creds.access_key_id()),
            rfc3339(expiry)
        );
    }
    Ok(creds)
}

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

fn explain(
    profile: Option<&str>,
    json: bool,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
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
            "role_chain": info::role_chain(&set, selected.name(), session),
            "warnings": set.warnings().iter().map(|w| format!("{}:{}: {}", w.path(), w.line(), w.message())).collect::<Vec<_>>(),
        });
        println!("{out:#}");
        return Ok(ExitCode::SUCCESS);
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
    if let Some(lines) = info::role_chain(&set, selected.name(), session) {
        println!("role chain:");
        for line in lines {
            println!("  {line}");
        }
        println!();
    }
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
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: FileKind) -> &'static str {
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
