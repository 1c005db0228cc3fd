//! The two static-key providers: one per profile file.

use std::sync::Arc;

use awscred_profile::{FileKind, ProfileSet, select_profile};
use awscred_types::{Credentials, CredentialsError, Env, Fs};

use crate::static_keys::{ACCESS_KEY_ID, static_keys};

/// One profile of one file's view of a [`ProfileSet`]: what both providers read.
#[derive(Clone, Debug)]
struct FileView {
    profiles: Arc<ProfileSet>,
    profile: String,
    file: FileKind,
    provider_name: &'static str,
}

impl FileView {
    fn load(&self) -> Result<Credentials, CredentialsError> {
        let (profile, file) = (self.profile.as_str(), self.file);
        let status = self
            .profiles
            .locations()
            .iter()
            .find(|s| s.location().kind() == file);
        let Some(status) = status else {
            // The set was parsed without this file (`ProfileSet::parse(…, None)`).
            return Err(CredentialsError::not_loaded(format!("no {file} was read"))
                .with("profile", profile));
        };
        let location = status.location();
        let path = location.path();
        let not_loaded = |message: String| {
            CredentialsError::not_loaded(message)
                .with("profile", profile)
                .with("file", path)
        };
        if !status.existed() {
            let why = if location.home_unknown() {
                " (no home folder is known, so `~` was not expanded)"
            } else {
                ""
            };
            return Err(not_loaded(format!("the {file} was not found{why}")));
        }
        let section = match file {
            FileKind::Config => self.profiles.config_file_profile(profile),
            FileKind::Credentials => self.profiles.credentials_file_profile(profile),
        };
        let Some(section) = section else {
            return Err(not_loaded(format!("the profile is not in the {file}")));
        };
        match static_keys(section, path, profile, self.provider_name)? {
            Some(credentials) => Ok(credentials),
            None => Err(
                not_loaded(format!("the profile in the {file} has no {ACCESS_KEY_ID}"))
                    .with("key", ACCESS_KEY_ID),
            ),
        }
    }
}

macro_rules! file_provider {
    (
        $(#[$doc:meta])*
        $name:ident, $file:expr, $provider_name:literal, $botocore:literal
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            view: FileView,
        }

        impl $name {
            #[doc = concat!(
                "The provider name the credentials carry (botocore's `", $botocore, ".METHOD`)."
            )]
            pub const PROVIDER_NAME: &'static str = $provider_name;

            /// A provider reading profile `profile` from `profiles`, which the caller has
            /// already loaded (a chain loads the files once and shares the set).
            pub fn new(profiles: Arc<ProfileSet>, profile: impl Into<String>) -> Self {
                Self {
                    view: FileView {
                        profiles,
                        profile: profile.into(),
                        file: $file,
                        provider_name: $provider_name,
                    },
                }
            }

            /// Loads both profile files through `env` and `fs`
            /// ([`ProfileSet::load`]) and selects the profile as botocore does
            /// ([`select_profile`]: `explicit_profile`, `AWS_DEFAULT_PROFILE`, `AWS_PROFILE`,
            /// `default`).
            ///
            /// A file that cannot be read or parsed is
            /// [`CredentialsError::InvalidConfiguration`] naming it; a missing file is not an
            /// error here ([`load`](Self::load) reports it as `NotLoaded`).
            pub fn load_from(
                env: &dyn Env,
                fs: &dyn Fs,
                explicit_profile: Option<&str>,
            ) -> Result<Self, CredentialsError> {
                let profiles = ProfileSet::load(env, fs)?;
                let selected = select_profile(explicit_profile, env);
                Ok(Self::new(Arc::new(profiles), selected.name()))
            }

            /// The profile this provider reads.
            pub fn profile_name(&self) -> &str {
                &self.view.profile
            }

            /// The profile files this provider reads from.
            pub fn profiles(&self) -> &Arc<ProfileSet> {
                &self.view.profiles
            }

            /// Builds credentials from the profile, or says why not; the synchronous form of
            /// [`ProvideCredentials::provide_credentials`](awscred_types::ProvideCredentials::provide_credentials). See the [crate documentation](crate)
            /// for the rules.
            pub fn load(&self) -> Result<Credentials, CredentialsError> {
                self.view.load()
            }
        }

        awscred_types::local_provider!($name);
    };
}

file_provider! {
    /// Static keys from the selected profile of the **shared credentials file**
    /// (`~/.aws/credentials`, `[NAME]` sections): botocore's `SharedCredentialProvider`, method
    /// `shared-credentials-file`.
    ///
    /// It reads the credentials file's own view
    /// ([`ProfileSet::credentials_file_profile`]), never the config file. `Debug` shows profile
    /// names and file locations, never values.
    SharedCredentialsProvider, FileKind::Credentials, "shared-credentials-file",
    "SharedCredentialProvider"
}

file_provider! {
    /// Static keys from the selected profile of the **config file** (`~/.aws/config`,
    /// `[default]` or `[profile NAME]`): botocore's `ConfigProvider`, method `config-file`.
    ///
    /// It reads the config file's own view ([`ProfileSet::config_file_profile`]), not the
    /// merged profile: keys written in the credentials file belong to
    /// [`SharedCredentialsProvider`]. `Debug` shows profile names and file locations, never
    /// values.
    ConfigFileProvider, FileKind::Config, "config-file", "ConfigProvider"
}
