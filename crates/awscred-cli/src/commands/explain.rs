//! `awscred explain`: the files read, the profile selected and why, what it configures, and
//! what each provider of the chain answered.

use std::process::ExitCode;
use std::time::Duration;

use awscred::Step;
use awscred_profile::{FileKind, Platform, ProfileKind, ProfileSet, locate, select_profile};
use awscred_provider_assume_role::plan;
use awscred_types::{Clock, CredentialsError, OsFs, SystemClock, SystemEnv};

use crate::args::SessionArgs;
use crate::chain::{aws_cli_cache, builder};
use crate::render::{kind, kind_name, mask_key_id, remaining, rfc3339, shown};

/// One line of the text report, cleaned of control and invisible characters (values from the
/// files and answers from servers are shown; an escape sequence must not reach the terminal).
/// Values are cut where they are rendered ([`shown`]); a line is cut only past 4096 characters.
macro_rules! say {
    ($($arg:tt)*) => {
        outln!("{}", awscred_types::printable(&format!($($arg)*), 4096))
    };
}

pub(crate) fn run(
    profile: Option<&str>,
    json: bool,
    session: &SessionArgs,
) -> Result<ExitCode, CredentialsError> {
    let env = SystemEnv;
    let locations = locate(&env, Platform::host());
    let set = ProfileSet::load(&env, &OsFs)?;
    let selected = select_profile(profile, &env);
    let view = set.view(selected.name());
    let section = view.section();
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
                "kind": section.map(|_| kind(&view)),
                "keys": section.map(|s| s.iter().map(|(k, v)| (k.to_owned(), serde_json::Value::from(shown(k, v)))).collect::<serde_json::Map<_, _>>()),
            },
            "profiles": set.profile_names().collect::<Vec<_>>(),
            "role_chain": role_chain(&set, selected.name(), session),
            "login": login_session(&set, selected.name()),
            "warnings": set.warnings().iter().map(|w| format!("{}:{}: {}", w.path(), w.line(), w.message())).collect::<Vec<_>>(),
        });
        outln!("{out:#}");
        return Ok(ExitCode::SUCCESS);
    }
    say!("files:");
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
        say!(
            "  {:<11} {} ({how}; {exists})",
            kind_name(loc.kind()),
            loc.path()
        );
    }
    if locations.config.home_unknown() {
        say!("  note: no home folder is known (HOME is unset)");
    }
    say!("");
    say!("profile: {} ({})", selected.name(), selected.reason());
    match section {
        None if set.is_empty() => say!("  no AWS configuration files on this machine"),
        None => say!("  not defined in either file"),
        Some(s) => {
            say!("  kind: {}", kind(&view));
            for (k, v) in s.iter() {
                say!("  {k} = {}", shown(k, v));
            }
            #[cfg(feature = "keys")]
            if s.get("credential_process")
                .and_then(crate::render::session_profile)
                == Some(s.name())
            {
                say!("  {}", crate::commands::keys::describe(s.name()));
            }
        }
    }
    let names: Vec<_> = set.profile_names().collect();
    if !names.is_empty() {
        say!("");
        say!("profiles: {}", names.join(", "));
    }
    for w in set.warnings() {
        say!("warning: {}:{}: {}", w.path(), w.line(), w.message());
    }
    say!("");
    if let Some(lines) = role_chain(&set, selected.name(), session) {
        say!("role chain:");
        for line in lines {
            say!("  {line}");
        }
        say!("");
    }
    if let Some(lines) = login_session(&set, selected.name()) {
        say!("login session:");
        for line in lines {
            say!("  {line}");
        }
        say!("");
    }
    say!("providers, in order:");
    // Never the cache's cross-process lock: explain must not wait on another run.
    match builder(profile, session)
        .cache_lock_wait(None)
        .build_chain()
    {
        Err(e) => say!("  chain not built: {e}"),
        Ok(chain) => {
            let (result, steps) = crate::chain::resolve_traced(&chain)?;
            for (name, step) in &steps {
                match step {
                    Step::Skipped(e) => say!("  {name:<24} skipped: {}", e.message()),
                    Step::Answered => say!("  {name:<24} answered"),
                    Step::Failed(e) => say!("  {name:<24} failed: {e}"),
                    _ => say!("  {name:<24} ?"),
                }
            }
            for name in chain.chain().names().skip(steps.len()) {
                say!("  {name:<24} not asked");
            }
            match result {
                Ok(c) => {
                    let expiry = c.expiry().map_or("no expiry".to_owned(), |e| {
                        format!("expires {}", rfc3339(e))
                    });
                    say!("");
                    say!(
                        "credentials: {} from {} ({expiry})",
                        mask_key_id(c.access_key_id()),
                        c.provider_name()
                    );
                }
                Err(e) if e.is_not_loaded() => say!("\nno credentials found"),
                Err(_) => {}
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `explain`'s view of a `login_session` profile: the session, its token file, the expiry and
/// what the next call does (from the file alone: no request). `None` for other profiles.
fn login_session(set: &ProfileSet, name: &str) -> Option<Vec<String>> {
    use awscred_provider_login::{LoginProvider, LoginSettings, LoginState};
    let settings = LoginSettings::resolve(&SystemEnv, set, name)?;
    let provider = match LoginProvider::builder(&awscred_types::Sources::system(), settings).build()
    {
        Ok(p) => p,
        Err(e) => return Some(vec![format!("invalid: {e}")]),
    };
    let status = provider.status();
    let mut lines = vec![format!("session: {}", status.session)];
    lines.push(match &status.file {
        Some(f) => format!("token file: {}", f.display()),
        None => "token file: none (no home folder is known)".into(),
    });
    if let Some(e) = status.expires_at {
        lines.push(format!(
            "expires: {} ({})",
            rfc3339(e),
            remaining(e, SystemClock.now())
        ));
    }
    lines.push(match status.state {
        LoginState::Cached => {
            "next call: uses the cached credentials (more than 5 minutes left)".into()
        }
        LoginState::WillRefresh(url) => {
            format!("next call: refreshes them through AWS Sign-In ({url})")
        }
        LoginState::Broken(why) => format!("next call: fails: {why}"),
        _ => "next call: unknown".into(),
    });
    Some(lines)
}

/// `explain`'s view of a role profile: its base and each hop (innermost first) with the AWS CLI
/// cache's state. `None` when the profile assumes no role.
fn role_chain(set: &ProfileSet, name: &str, session: &SessionArgs) -> Option<Vec<String>> {
    use awscred_provider_assume_role::{BaseProvider, CredentialSource};
    if !matches!(set.view(name).kind(), ProfileKind::AssumeRole(_)) {
        return None;
    }
    let chain = match plan(set, name) {
        Ok(c) => c,
        Err(e) => return Some(vec![format!("invalid: {e}")]),
    };
    let base = match &chain.base {
        BaseProvider::AccessKey(c) => format!("static keys ({})", mask_key_id(c.access_key_id())),
        BaseProvider::NamedSource(CredentialSource::Environment) => {
            "credential_source = Environment".into()
        }
        BaseProvider::NamedSource(s) => format!("credential_source = {}", s.as_str()),
        BaseProvider::WebIdentity { role_arn, .. } => format!("web identity, role {role_arn}"),
        BaseProvider::Sso { sso_start_url, .. } => format!("IAM Identity Center, {sso_start_url}"),
        BaseProvider::Login {
            profile,
            login_session,
        } => format!("console sign-in (profile {profile}, session {login_session})"),
        BaseProvider::CredentialProcess { command, .. } => {
            match crate::render::session_profile(command) {
                Some(p) => format!(
                    "key store profile {p} (a GetSessionToken session; STS limits a role \
                     assumed with session-token credentials to one hour)"
                ),
                None => "credential_process (command not shown)".into(),
            }
        }
        _ => "another source".into(),
    };
    let mut lines = vec![format!("base: {base}")];
    let cache = (!session.no_cache).then(aws_cli_cache).flatten();
    let now = SystemClock.now();
    for (i, hop) in chain.roles.iter().enumerate() {
        let mut extra = Vec::new();
        if let Some(n) = &hop.role_session_name {
            extra.push(format!("session {n}"));
        }
        if let Some(d) = hop.duration_seconds {
            extra.push(format!("{d} s"));
        }
        if let Some(m) = &hop.mfa_serial {
            extra.push(format!("MFA {m}"));
        }
        if hop.external_id.is_some() {
            extra.push("external id".into());
        }
        let cached = match &cache {
            None if session.no_cache => "cache not used (--no-cache)".to_owned(),
            None => "no cache folder".to_owned(),
            Some(c) => match c.load(&hop.cache_key(), now, Duration::ZERO, "assume-role") {
                Some(creds) => creds.expiry().map_or("cached".into(), |e| {
                    let fresh = e
                        .duration_since(now)
                        .is_ok_and(|left| left >= awscred_provider_assume_role::REUSE_WINDOW);
                    format!(
                        "cached {} ({}{})",
                        c.path(&hop.cache_key()).display(),
                        remaining(e, now),
                        if fresh {
                            ", will be reused"
                        } else {
                            ", due for refresh"
                        }
                    )
                }),
                None => "not cached".into(),
            },
        };
        lines.push(format!(
            "{}. {} (profile {}{}{}): {cached}",
            i + 1,
            hop.role_arn,
            hop.profile,
            if extra.is_empty() { "" } else { "; " },
            extra.join(", ")
        ));
    }
    Some(lines)
}
