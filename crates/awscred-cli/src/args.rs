//! The command line: clap's types for every command and option.

use clap::{Parser, Subcommand};

/// Resolve AWS credentials the way boto3 and the AWS CLI do.
#[derive(Debug, Parser)]
#[command(name = "awscred", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) session: SessionArgs,
    /// More detail on standard error: `-v` debug, `-vv` trace (never secrets). `AWSCRED_LOG`
    /// takes a filter such as `awscred_provider_assume_role=trace,info`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// How assume-role sessions are obtained (every command).
#[derive(Debug, Default, clap::Args)]
pub(crate) struct SessionArgs {
    /// Do not read or write the AWS CLI's assume-role cache (`~/.aws/cli/cache`); sessions are
    /// then kept in memory only.
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,
    /// The MFA code for a role profile with `mfa_serial` (default: ask on the terminal).
    #[arg(long, global = true, value_name = "CODE")]
    pub(crate) mfa_code: Option<String>,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub(crate) enum Command {
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
    /// Sign in with AWS Management Console credentials (`aws login`): writes the session's
    /// token to `~/.aws/login/cache` and sets `login_session` in the profile.
    Login {
        /// The profile to set `login_session` in (created if needed; default: the selected one).
        #[arg(long)]
        profile: Option<String>,
        /// The region to sign in to (default: the configured one; asked for when none is).
        #[arg(long)]
        region: Option<String>,
        /// Sign in from another device: print the URL and read the code it shows, instead of a
        /// browser on this machine and a 127.0.0.1 redirect.
        #[arg(long)]
        remote: bool,
        /// Print the URL but do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Remove the cached console sign-in credentials of a profile (`aws logout`).
    Logout {
        /// The profile whose `login_session` token to remove.
        #[arg(long)]
        profile: Option<String>,
        /// Remove every cached `aws login` token.
        #[arg(long)]
        all: bool,
    },
    /// IAM Identity Center: log in (writes `~/.aws/sso/cache` as `aws sso login` does) and out.
    Sso {
        #[command(subcommand)]
        action: SsoAction,
    },
    /// Long-term access keys in the key store instead of `~/.aws/credentials`
    /// (`AWSCRED_KEYSTORE` picks the backend); profiles use them through
    /// `credential_process = awscred keys session --profile NAME`.
    #[cfg(feature = "keys")]
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[cfg(feature = "keys")]
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub(crate) enum KeysAction {
    /// Store a profile's keys (asked for on the terminal without echo, or `--from-env`),
    /// checked with STS GetCallerIdentity, and point the profile's `credential_process` at them.
    Add {
        /// The profile.
        profile: String,
        /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
        #[arg(long)]
        from_env: bool,
    },
    /// The profiles with keys in the store: backend, key id (masked), whether a profile uses them.
    List,
    /// Remove a profile's keys from the store and its `credential_process` line.
    Remove {
        /// The profile.
        profile: String,
        /// Only the cached sessions of the profile.
        #[arg(long)]
        sessions_only: bool,
    },
    /// Put a profile's keys back into `~/.aws/credentials` and remove them from the store
    /// (the undo of `add` and `migrate`).
    Export {
        /// The profile.
        profile: String,
    },
    /// Move keys out of `~/.aws/credentials` into the store: stored and read back, a 0600
    /// backup, only the key lines removed, `credential_process` added, verified with STS.
    Migrate {
        /// The profiles to move.
        profiles: Vec<String>,
        /// Every profile with keys in `~/.aws/credentials`.
        #[arg(long)]
        all: bool,
        /// Say what would be done, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep the backup of `~/.aws/credentials` (`credentials.awscred-backup`).
        #[arg(long)]
        keep_backup: bool,
    },
    /// Replace a profile's key (aws-vault's order): IAM CreateAccessKey, the new key stored and
    /// verified with STS GetCallerIdentity, IAM DeleteAccessKey of the old key, the old key's
    /// cached sessions removed. A failed step keeps a working key stored and says what to do.
    Rotate {
        /// The profile.
        profile: String,
    },
    /// The `credential_process` a key-store profile points at: prints `credential_process` JSON.
    Session {
        /// The profile.
        #[arg(long)]
        profile: String,
        /// Session length (`3600`, `45m`, `8h`; STS allows 15 min to 36 h). Default: 8 h with
        /// the profile's `mfa_serial`, 1 h without (aws-vault's defaults).
        #[arg(long, value_parser = crate::commands::keys::parse_duration)]
        duration: Option<std::time::Duration>,
        /// Hand out the long-term keys themselves instead of a session.
        #[arg(long)]
        no_session: bool,
    },
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub(crate) enum SsoAction {
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
#[command(defer = true)]
pub(crate) enum CacheAction {
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
pub(crate) enum Format {
    Process,
    Env,
    EnvNoExport,
    Powershell,
    WindowsCmd,
    Fish,
    Dotenv,
    Json,
}
