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
        let creds = chain.chain().resolve_traced().await.0?;
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
        let when = e.expiration.map_or("expiry unreadable".into(), |x| {
            format!("expires {} ({})", rfc3339(x), remaining(x, now))
        });
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
