//! `awscred export-credentials`: one resolution, printed in one of the AWS CLI's formats.

use std::process::ExitCode;

use awscred_profile::select_profile;
use awscred_types::{CredentialsError, SystemEnv};

use crate::args::{Format, SessionArgs};
use crate::chain::{builder, resolve_once_blocking};
use crate::render::render;

/// Profiles whose `export-credentials` is running further up this process tree, so a
/// `credential_process` that calls `awscred export-credentials` for its own profile is refused
/// instead of recursing until the machine runs out of processes.
const EXPORT_STACK: &str = "AWSCRED_EXPORT_STACK";

pub(crate) fn run(
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
    let chain = builder(profile, session)
        .process_env(EXPORT_STACK, next.join(","))
        .build_chain()?;
    let creds = resolve_once_blocking(&chain)?;
    crate::out::write(render(&creds, format)?)?;
    Ok(ExitCode::SUCCESS)
}
