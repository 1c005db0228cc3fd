use std::fmt;
use std::path::Path;
use std::sync::Arc;

use awscred_types::{Env, Fs, ReadCap};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::{HttpError, HttpErrorKind};

/// Certificates that **replace** the default (webpki) roots: botocore's `verify=<path>`, set by
/// `AWS_CA_BUNDLE` or the profile key `ca_bundle`.
#[derive(Clone)]
pub struct CaBundle {
    roots: Arc<RootCertStore>,
    origin: String,
}

impl CaBundle {
    /// Parses PEM text holding one or more `CERTIFICATE` sections (other sections, such as
    /// keys, are ignored). `origin` names the bundle in errors (a path, or a description).
    pub fn from_pem(pem: &[u8], origin: impl Into<String>) -> Result<Self, HttpError> {
        let origin = origin.into();
        let invalid = |message: &'static str| {
            HttpError::new(HttpErrorKind::InvalidConfiguration, message).with_field("file", &origin)
        };
        let mut roots = RootCertStore::empty();
        for (index, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let cert =
                cert.map_err(|e| invalid("the CA bundle is not valid PEM").with_source(e))?;
            roots.add(cert).map_err(|e| {
                invalid("the CA bundle holds a certificate that cannot be used as a root")
                    .with_field("certificate", index + 1)
                    .with_source(e)
            })?;
        }
        if roots.is_empty() {
            return Err(invalid("the CA bundle holds no PEM certificates"));
        }
        Ok(Self {
            roots: Arc::new(roots),
            origin,
        })
    }

    /// Reads and parses a PEM file through the [`Fs`] seam. A missing or unreadable file is an
    /// [`HttpErrorKind::InvalidConfiguration`] error naming the path.
    pub fn from_file(fs: &dyn Fs, path: impl AsRef<Path>) -> Result<Self, HttpError> {
        let path = path.as_ref();
        let pem = fs.read(path, ReadCap::CaBundle).map_err(|e| {
            HttpError::new(
                HttpErrorKind::InvalidConfiguration,
                "cannot read the CA bundle",
            )
            .with_field("file", path.display())
            .with_source(e)
        })?;
        Self::from_pem(&pem, path.display().to_string())
    }

    /// The bundle configured by `AWS_CA_BUNDLE` (read through `env`), else by the profile's
    /// `ca_bundle` value (which the caller reads through the profile seam), else `None`.
    ///
    /// The path is used as given (botocore does not expand `~` here either). Errors carry the
    /// path and the setting it came from (`key`).
    pub fn from_config(
        env: &dyn Env,
        fs: &dyn Fs,
        profile_ca_bundle: Option<&str>,
    ) -> Result<Option<Self>, HttpError> {
        let (path, key) = match env.get("AWS_CA_BUNDLE") {
            Some(path) => (path, "AWS_CA_BUNDLE"),
            None => match profile_ca_bundle.map(str::trim).filter(|p| !p.is_empty()) {
                Some(path) => (path.to_owned(), "ca_bundle"),
                None => return Ok(None),
            },
        };
        Self::from_file(fs, &path)
            .map(Some)
            .map_err(|e| e.with_field("key", key))
    }

    /// How many certificates the bundle holds.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// `true` if the bundle holds no certificate (never the case for a parsed bundle).
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle")
            .field("origin", &self.origin)
            .field("certificates", &self.roots.len())
            .finish()
    }
}

/// The rustls configuration: ring provider, safe default protocol versions, and either the
/// bundle's roots or the webpki roots. No client certificate.
pub(crate) fn client_config(bundle: Option<&CaBundle>) -> Result<ClientConfig, HttpError> {
    let roots = match bundle {
        Some(bundle) => RootCertStore::clone(&bundle.roots),
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            HttpError::new(HttpErrorKind::InvalidConfiguration, "cannot configure TLS")
                .with_source(e)
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::{FakeEnv, MemFs};

    #[test]
    fn missing_file_and_bad_pem_name_the_path_and_key() {
        let fs = MemFs::new()
            .with_file(
                "/etc/bad.pem",
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            )
            .with_file("/etc/empty.pem", "just text\n");
        let env = FakeEnv::new().with("AWS_CA_BUNDLE", "/etc/missing.pem");
        let err = CaBundle::from_config(&env, &fs, Some("/etc/bad.pem")).unwrap_err();
        assert_eq!(err.kind(), HttpErrorKind::InvalidConfiguration);
        assert_eq!(err.field("file"), Some("/etc/missing.pem"));
        assert_eq!(err.field("key"), Some("AWS_CA_BUNDLE"));

        let err = CaBundle::from_config(&FakeEnv::new(), &fs, Some("/etc/bad.pem")).unwrap_err();
        assert_eq!(err.field("file"), Some("/etc/bad.pem"));
        assert_eq!(err.field("key"), Some("ca_bundle"));
        assert!(err.message().contains("PEM"), "{err}");

        let err = CaBundle::from_file(&fs, "/etc/empty.pem").unwrap_err();
        assert!(err.to_string().contains("no PEM certificates"), "{err}");
        let cred = err.into_credentials_error();
        assert!(cred.is_invalid_configuration());
        assert_eq!(cred.field("file"), Some("/etc/empty.pem"));
    }

    #[test]
    fn unset_means_default_roots() {
        let none = CaBundle::from_config(&FakeEnv::new(), &MemFs::new(), None).unwrap();
        assert!(none.is_none());
        let none = CaBundle::from_config(&FakeEnv::new(), &MemFs::new(), Some("  ")).unwrap();
        assert!(none.is_none());
        assert!(client_config(None).is_ok());
    }
}
