//! `awscred cache list` and `awscred cache clear`: the AWS CLI's `~/.aws/cli/cache`.

use awscred_profile::ProfileSet;
use awscred_provider_assume_role::plan;
use awscred_types::{Clock, CredentialsError, OsFs, SystemClock, SystemEnv};

use crate::chain::aws_cli_cache;
use crate::render::{mask_key_id, remaining, rfc3339};

/// `awscred cache list`.
pub(crate) fn list() -> Result<(), CredentialsError> {
    let Some(cache) = aws_cli_cache() else {
        outln!("no home folder is known, so there is no ~/.aws/cli/cache");
        return Ok(());
    };
    let entries = cache.entries()?;
    outln!(
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
        } else if e.owned_by_other_user {
            "ignored: owned by another user (remove it)".to_owned()
        } else {
            e.expiration.map_or("expiry unreadable".into(), |x| {
                format!("expires {} ({})", rfc3339(x), remaining(x, now))
            })
        };
        outln!(
            "  {}  {}  {}  {when}",
            e.key.as_str(),
            mask_key_id(&e.access_key_id),
            what
        );
    }
    Ok(())
}

/// `awscred cache clear [--profile P]`.
pub(crate) fn clear(profile: Option<&str>) -> Result<(), CredentialsError> {
    let Some(cache) = aws_cli_cache() else {
        outln!("no home folder is known, so there is no ~/.aws/cli/cache");
        return Ok(());
    };
    let keys = match profile {
        None => cache
            .entries()?
            .into_iter()
            .map(|e| e.key)
            .collect::<Vec<_>>(),
        Some(name) => {
            let set = ProfileSet::load(&SystemEnv, &OsFs)?;
            let chain = plan(&set, name)?;
            if chain.roles.is_empty() {
                outln!("profile {name} assumes no role: nothing of it is cached");
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
            outln!("removed {}", cache.path(&key).display());
        }
    }
    outln!(
        "{removed} entr{} removed",
        if removed == 1 { "y" } else { "ies" }
    );
    Ok(())
}
