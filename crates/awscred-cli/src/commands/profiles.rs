//! `awscred profiles`: every profile, its kind, its files and its cached session.

use std::time::Duration;

use awscred_profile::{ProfileKind, ProfileSet};
use awscred_provider_assume_role::plan;
use awscred_types::{Clock, CredentialsError, OsFs, SystemClock, SystemEnv};

use crate::chain::aws_cli_cache;
use crate::render::{kind, remaining};

/// `awscred profiles`: every profile, what it is, where it is defined, and its cached session.
pub(crate) fn run() -> Result<(), CredentialsError> {
    let set = ProfileSet::load(&SystemEnv, &OsFs)?;
    let cache = aws_cli_cache();
    let now = SystemClock.now();
    let names: Vec<&str> = set.profile_names().collect();
    if names.is_empty() {
        outln!(
            "no profiles (no AWS configuration files on this machine; `awscred explain` shows where they are looked for)"
        );
        return Ok(());
    }
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in names {
        let view = set.view(name);
        if !view.exists() {
            continue;
        }
        let mut files = Vec::new();
        if set.config_file_profile(name).is_some() {
            files.push("config");
        }
        if set.credentials_file_profile(name).is_some() {
            files.push("credentials");
        }
        let mut line = format!("{name:<width$}  {}  [{}]", kind(&view), files.join(", "));
        if matches!(view.kind(), ProfileKind::AssumeRole(_)) {
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
        #[cfg(feature = "keys")]
        if view
            .get("credential_process")
            .and_then(crate::render::session_profile)
            == Some(name)
        {
            line.push_str(&format!("  ({})", crate::commands::keys::describe(name)));
        }
        outln!("{line}");
    }
    Ok(())
}
