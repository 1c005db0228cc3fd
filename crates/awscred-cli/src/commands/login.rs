//! `awscred login` and `awscred logout`: the AWS CLI v2's `aws login` / `aws logout`
//! (`awscli/customizations/login/`), writing and removing `~/.aws/login/cache` token files as it
//! does and setting `login_session` in `~/.aws/config` in place.

use std::io::BufRead as _;
use std::sync::Arc;
use std::time::Duration;

use awscred_file_cache::LoginTokenCache;
use awscred_profile::{Platform, ProfileSet, locate};
use awscred_provider_login::LoginSettings;
use awscred_provider_login::flow::{LoginFlow, LoginKind};
use awscred_types::{Clock as _, CredentialsError, OsFs, SharedFs, SystemClock, SystemEnv};

use crate::chain::runtime;
use crate::config_edit::set_values;

/// The region the AWS CLI offers when none is configured.
const DEFAULT_REGION_FOR_PROMPT: &str = "us-east-1";

/// How long the same-device flow waits for the browser (the AWS CLI's `_OVERALL_TIMEOUT`).
const BROWSER_WAIT: Duration = Duration::from_secs(600);

/// The credential styles that would still win over `login_session` (the AWS CLI's
/// `ensure_profile_does_not_have_existing_credentials`, in its order).
const OTHER_STYLES: &[(&[&str], &str)] = &[
    (&["web_identity_token_file"], "Web Identity"),
    (&["sso_role_name", "sso_account_id"], "SSO"),
    (&["aws_access_key_id"], "Access Key"),
    (&["role_arn"], "Assume Role"),
    (&["credential_process"], "Credential Process"),
];

fn line_from_stdin(prompt: &str) -> Option<String> {
    {
        use std::io::Write as _;
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prompt}").and_then(|()| err.flush());
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_owned()),
    }
}

fn tokens(fs: SharedFs) -> Result<LoginTokenCache, CredentialsError> {
    LoginTokenCache::aws_login(&SystemEnv, Platform::host(), fs).ok_or_else(|| {
        CredentialsError::invalid_configuration(
            "no home folder is known (and AWS_LOGIN_CACHE_DIRECTORY is not set), so there is no \
             ~/.aws/login/cache",
        )
    })
}

/// `awscred login [--profile P] [--region R] [--remote] [--no-browser]`.
pub(crate) fn login(
    profile: Option<&str>,
    region: Option<&str>,
    remote: bool,
    no_browser: bool,
) -> Result<(), CredentialsError> {
    let set = ProfileSet::load(&SystemEnv, &OsFs)?;
    let name = awscred_profile::select_profile(profile, &SystemEnv)
        .name()
        .to_owned();
    let section = set.profile(&name);
    if let Some(s) = section {
        for (keys, style) in OTHER_STYLES {
            if keys.iter().any(|k| s.get(k).is_some()) {
                return Err(CredentialsError::invalid_configuration(format!(
                    "Profile '{name}' is already configured with {style} credentials. You may run \
                     'awscred login --profile new-profile-name' to create a new profile with the \
                     specified name. Otherwise you must first manually remove the existing \
                     credentials from '{name}'."
                ))
                .with("profile", &name));
            }
        }
    }
    let mut settings = LoginSettings::for_login(&SystemEnv, &set, &name);
    let configured_region = settings.region.clone();
    let mut write_region = None;
    match (region, &configured_region) {
        (Some(r), Some(_)) => settings.region = Some(r.to_owned()),
        (Some(r), None) => {
            settings.region = Some(r.to_owned());
            write_region = Some(r.to_owned());
        }
        (None, Some(_)) => {}
        (None, None) => {
            errln!(
                "No AWS region has been configured. The AWS region is the geographic location of \
                 your AWS resources."
            );
            let answer = line_from_stdin(&format!("AWS Region [{DEFAULT_REGION_FOR_PROMPT}]: "))
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| DEFAULT_REGION_FOR_PROMPT.to_owned());
            settings.region = Some(answer.clone());
            write_region = Some(answer);
        }
    }
    let token_url = settings.token_url(None)?;
    let sources = awscred_types::Sources::system();
    let (http, _) = awscred_http::configured_client(&sources, |k| settings.http_value(k))?;
    let http = http.get()?.clone();
    let fs: SharedFs = Arc::new(OsFs);
    let cache = tokens(fs.clone())?;

    let signed_in = runtime()?.block_on(async {
        if remote {
            let flow = LoginFlow::new(LoginKind::CrossDevice, &token_url, None)?;
            errln!(
                "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{}\n",
                flow.authorize_url()
            );
            let pasted = line_from_stdin("Enter the authorization code displayed in your browser: ")
                .ok_or_else(|| {
                    CredentialsError::invalid_configuration(
                        "Failed to retrieve an authorization code.",
                    )
                })?;
            let (code, state) = LoginFlow::parse_verification_code(&pasted)?;
            flow.exchange(&http, &token_url, &code, &state, SystemClock.now())
                .await
        } else {
            let listener = awscred_http::RedirectListener::bind().await?;
            let flow = LoginFlow::new(
                LoginKind::SameDevice,
                &token_url,
                Some(listener.redirect_uri()),
            )?;
            let url = flow.authorize_url();
            if !no_browser {
                errln!("Attempting to open your default browser.");
                crate::commands::sso::open_browser(&url);
            }
            errln!(
                "If the browser does not open, open the following URL on this device:\n\n{url}\n\n\
                 If you cannot connect to this URL, make sure that you have specified a valid \
                 region, or use `awscred login --remote` to sign in from another device."
            );
            let code = tokio::time::timeout(BROWSER_WAIT, listener.wait_for_code(flow.state()))
                .await
                .map_err(|_| {
                    CredentialsError::timed_out(format!(
                        "the browser did not complete the login within {} s",
                        BROWSER_WAIT.as_secs()
                    ))
                })??;
            flow.exchange(&http, &token_url, &code, flow.state(), SystemClock.now())
                .await
        }
    })?;

    if let Some(existing) = section.and_then(|s| s.get("login_session")) {
        let existing = existing.trim();
        if !existing.is_empty() && existing != signed_in.session {
            let answer = line_from_stdin(&format!(
                "\nProfile {name} is already configured to use session {existing}. Do you want to \
                 overwrite it to use {} instead? (y/n): ",
                signed_in.session
            ));
            if !matches!(answer.as_deref(), Some("y" | "Y" | "yes" | "Yes")) {
                return Ok(());
            }
        }
    }
    cache.save(&signed_in.session, &signed_in.token)?;

    let config = locate(&SystemEnv, Platform::host()).config;
    let path = config.as_path();
    let before = match fs.read(path, awscred_types::ReadCap::Config) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            CredentialsError::invalid_configuration("the AWS config file is not valid UTF-8")
                .with("file", config.path())
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(
                CredentialsError::provider_error("could not read the AWS config file")
                    .with("file", config.path())
                    .with_source(e),
            );
        }
    };
    let section_name = if name == "default" {
        "default".to_owned()
    } else {
        format!("profile {name}")
    };
    let mut values = vec![("login_session", signed_in.session.as_str())];
    if let Some(r) = &write_region {
        values.push(("region", r));
    }
    let after = set_values(&before, &section_name, &values);
    let mode = fs.mode(path).ok().flatten().unwrap_or(0o600);
    fs.write_atomic(path, after.as_bytes(), mode).map_err(|e| {
        CredentialsError::provider_error("could not write the AWS config file")
            .with("file", config.path())
            .with_source(e)
    })?;
    outln!(
        "\nUpdated profile {name} to use {} credentials.",
        signed_in.session
    );
    if name != "default" {
        outln!(
            "Use \"--profile {name}\" to use the new credentials, such as \"awscred whoami \
             --profile {name}\""
        );
    }
    Ok(())
}

/// `awscred logout [--profile P] [--all]`.
pub(crate) fn logout(profile: Option<&str>, all: bool) -> Result<(), CredentialsError> {
    let fs: SharedFs = Arc::new(OsFs);
    let cache = tokens(fs.clone())?;
    if all {
        let files = match fs.list(cache.dir()) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(CredentialsError::provider_error(
                    "could not list the login token folder",
                )
                .with("file", cache.dir().display())
                .with_source(e));
            }
        };
        let mut removed = 0;
        for file in files {
            let is_login = fs
                .read(&file, awscred_types::ReadCap::CacheEntry)
                .ok()
                .map(zeroize::Zeroizing::new)
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| v["accessToken"].get("accessKeyId").is_some());
            if is_login && fs.remove(&file).is_ok() {
                removed += 1;
            }
        }
        if removed > 0 {
            outln!(
                "Removed {removed} cached login credential{}. Note, any local developer tools that \
                 have already loaded access tokens may continue to use them until their \
                 expiration. Access tokens expire in 15 minutes.",
                if removed == 1 { "" } else { "s" }
            );
        } else {
            outln!("No cached login session tokens found.");
        }
        return Ok(());
    }
    let set = ProfileSet::load(&SystemEnv, &OsFs)?;
    let name = awscred_profile::select_profile(profile, &SystemEnv)
        .name()
        .to_owned();
    let Some(session) = set.view(&name).get("login_session").map(str::to_owned) else {
        errln!("warning: no login session found for profile '{name}'");
        return Ok(());
    };
    cache.remove(&session)?;
    outln!(
        "Removed cached login credentials for profile '{name}'. Note, any local developer tools \
         that have already loaded the access token may continue to use it until its expiration. \
         Access tokens expire in 15 minutes."
    );
    Ok(())
}
