//! Why a request could not be signed.

use std::fmt;
use std::time::SystemTime;

/// Why a request could not be signed.
///
/// The message names the header, parameter or value that was wrong but never contains the
/// secret access key, the session token or a header value. Its wording may change; match on the
/// variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The request has no `Host` header and its URI has no authority, so there is no host to sign.
    MissingHost,
    /// The signing time is before 1970 or after 9999, which SigV4's `YYYYMMDD` date cannot show.
    TimeOutOfRange(SystemTime),
    /// A value the signer adds to the request is not a valid HTTP header value (for example a
    /// session token containing a line break). The field names the header, not its value.
    InvalidHeaderValue(&'static str),
    /// The presigned URI could not be rebuilt (the request URI combined with the signing
    /// parameters is not a valid URI).
    InvalidUri,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::MissingHost => f.write_str(
                "cannot sign the request: it has no Host header and its URI has no authority",
            ),
            SigningError::TimeOutOfRange(time) => write!(
                f,
                "cannot sign the request: signing time {time:?} is outside the years 1970 to 9999"
            ),
            SigningError::InvalidHeaderValue(header) => write!(
                f,
                "cannot sign the request: the value for the `{header}` header is not a valid \
                 HTTP header value"
            ),
            SigningError::InvalidUri => {
                f.write_str("cannot sign the request: the presigned URI is not a valid URI")
            }
        }
    }
}

impl std::error::Error for SigningError {}
