//! `awscred`: resolve, explain and export AWS credentials the way the AWS CLI does.
//!
//! Commands: `export-credentials`, `explain`, `whoami`, `exec`, `serve`, `profiles`, `cache
//! list` / `cache clear`, `sso login` / `sso logout`, `login` / `logout`, and (feature `keys`,
//! on by default) `keys`. Every command resolves through the AWS CLI's assume-role cache
//! (`~/.aws/cli/cache`) unless `--no-cache`, asks for MFA codes on the terminal unless
//! `--mfa-code`, and logs to standard error with `-v` / `-vv` / `AWSCRED_LOG`.

/// `println!` that returns the command's error when standard output cannot be written.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))?
    };
}

/// `eprintln!` that cannot panic (a closed or full standard error is ignored).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!($($arg)*))
    };
}

mod args;
mod chain;
mod commands;
mod config_edit;
mod logging;
mod out;
mod render;

use std::process::ExitCode;

use crate::args::{CacheAction, Cli, Command, SsoAction};
use crate::commands::{cache, exec, explain, export, login, profiles, serve, sso, whoami};

fn main() -> ExitCode {
    let cli = parse();
    logging::init(cli.verbose);
    let session = &cli.session;
    let result = match cli.command {
        Command::Explain { profile, json } => explain::run(profile.as_deref(), json, session),
        Command::ExportCredentials { profile, format } => {
            export::run(profile.as_deref(), format, session)
        }
        Command::Whoami { profile, json } => {
            whoami::run(profile.as_deref(), json, session).map(|()| ExitCode::SUCCESS)
        }
        Command::Exec {
            profile,
            server,
            command,
        } => exec::run(profile.as_deref(), server, &command, session),
        Command::Serve { profile, port } => serve::run(profile.as_deref(), port, session),
        Command::Profiles => profiles::run().map(|()| ExitCode::SUCCESS),
        Command::Sso { action } => match action {
            SsoAction::Login {
                profile,
                sso_session,
                use_device_code,
                no_browser,
            } => sso::login(
                profile.as_deref(),
                sso_session.as_deref(),
                use_device_code,
                no_browser,
            ),
            SsoAction::Logout => sso::logout(),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::Login {
            profile,
            region,
            remote,
            no_browser,
        } => login::login(profile.as_deref(), region.as_deref(), remote, no_browser)
            .map(|()| ExitCode::SUCCESS),
        Command::Logout { profile, all } => {
            login::logout(profile.as_deref(), all).map(|()| ExitCode::SUCCESS)
        }
        #[cfg(feature = "keys")]
        Command::Keys { action } => keys_command(action, session),
        Command::Cache { action } => match action {
            CacheAction::List => cache::list(),
            CacheAction::Clear { profile } => cache::clear(profile.as_deref()),
        }
        .map(|()| ExitCode::SUCCESS),
    };
    // What is still buffered is written now, so a failure is seen (at exit it would not be).
    match result.and_then(|code| out::flush().map(|()| code)) {
        Ok(code) => code,
        Err(e) if out::is_closed_pipe(&e) => ExitCode::from(out::CLOSED_PIPE_STATUS),
        Err(e) => {
            errln!("awscred: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "keys")]
fn keys_command(
    action: args::KeysAction,
    session: &args::SessionArgs,
) -> Result<ExitCode, awscred_types::CredentialsError> {
    use crate::args::KeysAction;
    use crate::commands::keys;
    match action {
        KeysAction::Add { profile, from_env } => keys::add(&profile, from_env),
        KeysAction::List => keys::list(),
        KeysAction::Remove {
            profile,
            sessions_only,
        } => keys::remove(&profile, sessions_only),
        KeysAction::Export { profile } => keys::export(&profile),
        KeysAction::Rotate { profile } => keys::rotate(&profile),
        KeysAction::Migrate {
            profiles,
            all,
            dry_run,
            keep_backup,
        } => keys::migrate(&profiles, all, dry_run, keep_backup),
        KeysAction::Session {
            profile,
            duration,
            no_session,
        } => keys::session(&profile, duration, no_session, session),
    }
    .map(|()| ExitCode::SUCCESS)
}

/// `Cli::parse()`, but the command tree and the matches are not dropped: they would live until
/// exit anyway, and freeing them cost a fifth of the parse (`cargo xtask bench startup`).
fn parse() -> Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let mut command = std::mem::ManuallyDrop::new(Cli::command());
    let mut matches = std::mem::ManuallyDrop::new(command.get_matches_mut());
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command).exit())
}
