//! `whoami`, `profiles`, `cache list` and `cache clear`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_profile::ProfileSet;
use awscred_provider_assume_role::{FileCache, plan};
use awscred_sts::{SelectedProfileValues, StsClientBuilder};
use awscred_types::{Clock, CredentialsError, OsFs, SystemClock, SystemEnv};

use crate::{SessionArgs, chain, kind, mask_key_id, rfc3339, runtime};

/// `awscred whoami`: `GetCallerIdentity` with the resolved credentials.
pub(crate) fn whoami(
    profile: Option<&str>,
    json: bool,
    session: &SessionArgs,
) -> Result<(), CredentialsError> {
    let chain = chain(profile, session)?;
    let name = chain.selected_profile().name().to_owned();
    let profiles = chain.profiles().clone();
    runtime()?.block_on(async move {
        let creds = crate::resolve_once(&chain).await?;
        let values = SelectedProfileValues::new(&profiles, &name);
        let sts = StsClientBuilder::from_sources(&SystemEnv, &OsFs, &values)?.build()?;
        let who = sts.get_caller_identity(&creds).await?;
        if json {
            let out = serde_json::json!({
                "Account": who.account,
                "Arn": who.arn,
                "UserId": who.user_id,
                "Provider": creds.provider_name(),
                "Profile": name,
            });
            println!("{out:#}");
        } else {
            println!("account   {}", who.account);
            println!("arn       {}", who.arn);
            println!("user id   {}", who.user_id);
            println!(
                "provider  {} (profile {name}, key {})",
                creds.provider_name(),
                mask_key_id(creds.access_key_id())
            );
        }
        Ok(())
    })
}

fn aws_cli_cache() -> Option<FileCache> {
    FileCache::aws_cli(&SystemEnv, Arc::new(OsFs))
}

fn remaining(expiry: SystemTime, now: SystemTime) -> String {
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

/// `awscred profiles`: every profile, what it is, where it is defined, and its cached session.
pub(crate) fn profiles() -> Result<(), CredentialsError> {
    let set = ProfileSet::load(&SystemEnv, &OsFs)?;
    let cache = aws_cli_cache();
    let now = SystemClock.now();
    let names: Vec<&str> = set.profile_names().collect();
    if names.is_empty() {
        println!(
            "no profiles (no AWS configuration files on this machine; `awscred explain` shows where they are looked for)"
        );
        return Ok(());
    }
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in names {
        let Some(section) = set.profile(name) else {
            continue;
        };
        let mut files = Vec::new();
        if set.config_file_profile(name).is_some() {
            files.push("config");
        }
        if set.credentials_file_profile(name).is_some() {
            files.push("credentials");
        }
        let mut line = format!("{name:<width$}  {}  [{}]", kind(section), files.join(", "));
        let has_role = section
            .get("role_arn")
            .is_some_and(|v| !v.trim().is_empty())
            && section.get("web_identity_token_file").is_none();
        if has_role {
            let status = match (plan(&set, name), &cache) {
                (Err(e), _) => format!("invalid: {}", e.message()),
                (Ok(_), None) => "no cache folder (home unknown)".into(),
                (Ok(chain), Some(cache)) => match chain.roles.last() {
                    None => "not cached".into(),
                    Some(hop) => {
                        match cache.load(&hop.cache_key(), now, Duration::ZERO, "assume-role") {
                            Some(c) => c.expiry().map_or("cached".into(), |e| {
                                format!("cached, {}", remaining(e, now))
                            }),
                            None => "not cached".into(),
                        }
                    }
                },
            };
            line.push_str(&format!("  ({status})"));
        }
        println!("{line}");
    }
    Ok(())
}

/// `awscred cache list`.
pub(crate) fn cache_list() -> Result<(), CredentialsError> {
    let Some(cache) = aws_cli_cache() else {
        println!("no home folder is known, so there is no ~/.aws/cli/cache");
        return Ok(());
    };
    let entries = cache.entries();
    println!(
        "{}: {} entr{}",
        cache.dir().display(),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" }
    );
    let now = SystemClock.now();
    for e in entries {
        let what = match (&e.role_arn, &e.provider_type) {
            (Some(arn), _) => arn.clone(),
            (None, Some(t)) => format!("({t})"),
            (None, None) => "(role unknown)".into(),
        };
        let when = if e.world_readable {
            "ignored: readable by other users (remove it or `chmod 600` it)".to_owned()
        } else {
            e.expiration.map_or("expiry unreadable".into(), |x| {
                format!("expires {} ({})", rfc3339(x), remaining(x, now))
            })
        };
        println!(
            "  {}  {}  {}  {when}",
            e.key.as_str(),
            mask_key_id(&e.access_key_id),
            what
        );
    }
    Ok(())
}

/// `awscred cache clear [--profile P]`.
pub(crate) fn cache_clear(profile: Option<&str>) -> Result<(), CredentialsError> {
    let Some(cache) = aws_cli_cache() else {
        println!("no home folder is known, so there is no ~/.aws/cli/cache");
        return Ok(());
    };
    let keys = match profile {
        None => cache
            .entries()
            .into_iter()
            .map(|e| e.key)
            .collect::<Vec<_>>(),
        Some(name) => {
            let set = ProfileSet::load(&SystemEnv, &OsFs)?;
            let chain = plan(&set, name)?;
            if chain.roles.is_empty() {
                println!("profile {name} assumes no role: nothing of it is cached");
                return Ok(());
            }
            chain.roles.iter().map(|h| h.cache_key()).collect()
        }
    };
    let mut removed = 0;
    for key in keys {
        let existed = cache.path(&key).exists();
        cache.remove(&key)?;
        if existed {
            removed += 1;
            println!("removed {}", cache.path(&key).display());
        }
    }
    println!(
        "{removed} entr{} removed",
        if removed == 1 { "y" } else { "ies" }
    );
    Ok(())
}

/// `explain`'s view of a role profile: its base and each hop (innermost first) with the AWS CLI
/// cache's state. `None` when the profile assumes no role.
pub(crate) fn role_chain(
    set: &ProfileSet,
    name: &str,
    session: &SessionArgs,
) -> Option<Vec<String>> {
    use awscred_provider_assume_role::{BaseProvider, CredentialSource};
    let section = set.profile(name)?;
    let has = |k: &str| section.get(k).is_some_and(|v| !v.trim().is_empty());
    if !has("role_arn") || has("web_identity_token_file") {
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
        BaseProvider::CredentialProcess { .. } => "credential_process (command not shown)".into(),
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

/// Prints the login instructions, opens the browser unless told not to, and shows progress.
struct TerminalUi {
    open_browser: bool,
}

impl awscred_provider_sso::LoginUi for TerminalUi {
    fn prompt(&self, prompt: &awscred_provider_sso::LoginPrompt<'_>) {
        match prompt {
            awscred_provider_sso::LoginPrompt::Browser { url } => {
                if self.open_browser {
                    eprintln!(
                        "Attempting to open the SSO authorization page in your default browser."
                    );
                    open_browser(url);
                }
                eprintln!(
                    "If the browser does not open, open this page in a browser on this machine:\n\n  {url}\n"
                );
            }
            awscred_provider_sso::LoginPrompt::DeviceCode {
                url,
                verification_uri,
                user_code,
            } => {
                if self.open_browser {
                    eprintln!(
                        "Attempting to open the SSO authorization page in your default browser."
                    );
                    open_browser(url);
                }
                eprintln!(
                    "If the browser does not open, or to use another device, open:\n\n  {verification_uri}\n\nand enter the code:\n\n  {user_code}\n"
                );
            }
            _ => {}
        }
    }

    fn waiting(&self) {
        use std::io::Write as _;
        eprint!(".");
        let _ = std::io::stderr().flush();
    }
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// `awscred sso login`: the device-authorization flow for a profile's (or a named)
/// `sso-session`, or a legacy profile's start URL; writes `~/.aws/sso/cache` as `aws sso login`.
pub(crate) fn sso_login(
    profile: Option<&str>,
    sso_session: Option<&str>,
    device_code: bool,
    no_browser: bool,
) -> Result<(), CredentialsError> {
    let set = ProfileSet::load(&SystemEnv, &OsFs)?;
    let selected = awscred_profile::select_profile(profile, &SystemEnv);
    let name = selected.name();
    let value = |section: Option<&awscred_profile::Section>, k: &str| {
        section
            .and_then(|s| s.get(k))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let section = set.profile(name);
    let session_name = sso_session
        .map(str::to_owned)
        .or_else(|| value(section, "sso_session"));
    let (start_url, region, scopes) = match &session_name {
        Some(s) => {
            let Some(session) = set.sso_session(s) else {
                return Err(CredentialsError::invalid_configuration(format!(
                    "there is no [sso-session {s}] section"
                ))
                .with("sso_session", s));
            };
            (
                value(Some(session), "sso_start_url"),
                value(Some(session), "sso_region"),
                value(Some(session), "sso_registration_scopes"),
            )
        }
        None => (
            value(section, "sso_start_url"),
            value(section, "sso_region"),
            None,
        ),
    };
    let (Some(start_url), Some(region)) = (start_url, region) else {
        return Err(CredentialsError::invalid_configuration(format!(
            "profile {name:?} has no IAM Identity Center configuration to log in with (it needs \
             sso_session, or sso_start_url and sso_region)"
        ))
        .with("profile", name));
    };
    let settings = awscred_provider_sso::SsoSettings::new(
        name,
        &start_url,
        &region,
        "",
        "",
        session_name.clone(),
    );
    let fs: awscred_types::SharedFs = Arc::new(OsFs);
    let Some(tokens) = awscred_provider_sso::TokenCache::aws_sso(&SystemEnv, fs) else {
        return Err(CredentialsError::invalid_configuration(
            "no home folder is known, so there is no ~/.aws/sso/cache to log in to",
        ));
    };
    let oidc = awscred_provider_sso::configured_endpoint(&SystemEnv, &set, name, "sso-oidc");
    let scopes = scopes
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let login = awscred_provider_sso::SsoLogin::new(settings, tokens, oidc)?.scopes(scopes);
    let ui = TerminalUi {
        open_browser: !no_browser,
    };
    let expires = runtime()?.block_on(async {
        if device_code {
            login.device_flow(&ui).await
        } else {
            login.pkce_flow(&ui, Duration::from_secs(600)).await
        }
    })?;
    eprintln!();
    println!(
        "Successfully logged into Start URL: {start_url} (token valid until {})",
        rfc3339(expires)
    );
    Ok(())
}

/// `awscred sso logout`: removes cached SSO tokens and SSO role credentials.
pub(crate) fn sso_logout() -> Result<(), CredentialsError> {
    let fs: awscred_types::SharedFs = Arc::new(OsFs);
    let mut removed = 0;
    if let Some(tokens) = awscred_provider_sso::TokenCache::aws_sso(&SystemEnv, fs.clone()) {
        removed += awscred_provider_sso::logout(&tokens, &*fs).len();
    }
    if let Some(cache) = aws_cli_cache() {
        for e in cache.entries() {
            if e.provider_type.as_deref() == Some("sso") && cache.remove(&e.key).is_ok() {
                removed += 1;
            }
        }
    }
    println!(
        "removed {removed} cached SSO token{} and role credential entries",
        if removed == 1 { "" } else { "s" }
    );
    Ok(())
}
