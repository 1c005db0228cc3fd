//! `awscred sso login` and `awscred sso logout`: `~/.aws/sso/cache` as `aws sso login` writes it.

use std::sync::Arc;
use std::time::Duration;

use awscred_profile::ProfileSet;
use awscred_types::{CredentialsError, OsFs, Sources, SystemEnv};

use crate::chain::{aws_cli_cache, runtime};
use crate::render::rfc3339;

/// Prints the login instructions, opens the browser unless told not to, and shows progress.
struct TerminalUi {
    open_browser: bool,
}

impl awscred_provider_sso::LoginUi for TerminalUi {
    fn prompt(&self, prompt: &awscred_provider_sso::LoginPrompt<'_>) {
        match prompt {
            awscred_provider_sso::LoginPrompt::Browser { url } => {
                if self.open_browser {
                    errln!(
                        "Attempting to open the SSO authorization page in your default browser."
                    );
                    open_browser(url);
                }
                errln!(
                    "If the browser does not open, open this page in a browser on this machine:\n\n  {url}\n"
                );
            }
            awscred_provider_sso::LoginPrompt::DeviceCode {
                url,
                verification_uri,
                user_code,
            } => {
                if self.open_browser {
                    errln!(
                        "Attempting to open the SSO authorization page in your default browser."
                    );
                    open_browser(url);
                }
                errln!(
                    "If the browser does not open, or to use another device, open:\n\n  {verification_uri}\n\nand enter the code:\n\n  {user_code}\n"
                );
            }
            _ => {}
        }
    }

    fn waiting(&self) {
        use std::io::Write as _;
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b".").and_then(|()| err.flush());
    }
}

pub(crate) fn open_browser(url: &str) {
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
pub(crate) fn login(
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
    let settings = awscred_provider_sso::SsoSettings {
        profile: name.into(),
        start_url: start_url.clone(),
        region: region.clone(),
        account_id: String::new(),
        role_name: String::new(),
        session_name: session_name.clone(),
    };
    let scopes = scopes
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    // Written to ~/.aws/sso/cache (an error when no home folder is known).
    let login =
        awscred_provider_sso::SsoLogin::builder(&Sources::system(), settings).scopes(scopes);
    let login = match set.view(name).endpoint_url(&SystemEnv, "sso-oidc") {
        Some(url) => login.oidc_endpoint(url),
        None => login,
    };
    let login = login.build()?;
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
    errln!("");
    outln!(
        "Successfully logged into Start URL: {start_url} (token valid until {})",
        rfc3339(expires)
    );
    Ok(())
}

/// `awscred sso logout`: removes cached SSO tokens and SSO role credentials.
pub(crate) fn logout() -> Result<(), CredentialsError> {
    let fs: awscred_types::SharedFs = Arc::new(OsFs);
    let mut removed = 0;
    if let Some(tokens) = awscred_file_cache::SsoTokenCache::aws_sso(&SystemEnv, fs.clone()) {
        removed += awscred_provider_sso::logout(&tokens, &*fs).len();
    }
    if let Some(cache) = aws_cli_cache() {
        for e in cache.entries()? {
            if e.provider_type.as_deref() == Some("sso") && cache.remove(&e.key).is_ok() {
                removed += 1;
            }
        }
    }
    outln!(
        "removed {removed} cached SSO token{} and role credential entries",
        if removed == 1 { "" } else { "s" }
    );
    Ok(())
}
