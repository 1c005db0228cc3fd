//! The derived signing key, its one-entry cache, the signature value and the SigV4 date.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};
use time::OffsetDateTime;
use zeroize::{Zeroize, Zeroizing};

use crate::SigningError;

/// `YYYYMMDDTHHMMSSZ` for `time` (UTC).
pub(crate) fn amz_date(time: SystemTime) -> Result<[u8; 16], SigningError> {
    let out_of_range = || SigningError::TimeOutOfRange(time);
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| out_of_range())?
        .as_secs();
    let secs = i64::try_from(secs).map_err(|_| out_of_range())?;
    let t = OffsetDateTime::from_unix_timestamp(secs).map_err(|_| out_of_range())?;
    if !(0..=9999).contains(&t.year()) {
        return Err(out_of_range());
    }
    let ((year, month, day), (h, m, s)) = (t.to_calendar_date(), t.to_hms());
    let month = u8::from(month);
    let mut buf = [0u8; 16];
    let mut out = &mut buf[..];
    std::io::Write::write_fmt(
        &mut out,
        format_args!("{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}Z"),
    )
    .map_err(|_| out_of_range())?;
    if out.is_empty() {
        Ok(buf)
    } else {
        Err(out_of_range())
    }
}

/// HMAC-SHA256 state keyed with `key` (any length: RFC 2104 hashes long keys, pads short ones).
fn hmac_with(key: &[u8]) -> hmac::Context {
    hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// A SigV4 signing key: `HMAC("AWS4" + secret, date)`, then region, service and
/// `aws4_request`, ready to sign strings to sign for that day, region and service.
///
/// Deriving it costs four HMACs; a key is valid for every signature with the same secret, UTC
/// date, region and service, which is what [`Signer`] relies on. The key bytes are zeroized on
/// drop and never printed by `Debug`; each signature keys a short-lived HMAC state from them.
#[derive(Clone)]
pub struct SigningKey {
    /// `kSigning`.
    key: Zeroizing<[u8; 32]>,
    date: [u8; 8],
    region: Box<str>,
    service: Box<str>,
}

impl SigningKey {
    /// Derives the key for `secret_access_key` on the UTC date of `time`, in `region`, for
    /// `service`.
    pub fn derive(
        secret_access_key: &str,
        time: SystemTime,
        region: &str,
        service: &str,
    ) -> Result<Self, SigningError> {
        let amz = amz_date(time)?;
        Ok(Self::derive_for_date(
            secret_access_key,
            date_part(&amz),
            region,
            service,
        ))
    }

    pub(crate) fn derive_for_date(
        secret: &str,
        date: [u8; 8],
        region: &str,
        service: &str,
    ) -> Self {
        let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret.len()));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret.as_bytes());
        let mut k_date = hmac(&seed, &date);
        let mut k_region = hmac(&k_date, region.as_bytes());
        let mut k_service = hmac(&k_region, service.as_bytes());
        let key = Zeroizing::new(hmac(&k_service, b"aws4_request"));
        k_date.zeroize();
        k_region.zeroize();
        k_service.zeroize();
        Self {
            key,
            date,
            region: region.into(),
            service: service.into(),
        }
    }

    /// Whether this key signs for the UTC date of `time`, `region` and `service` (the secret it
    /// came from is not recorded, so that part is the caller's to know).
    pub fn is_for(&self, time: SystemTime, region: &str, service: &str) -> bool {
        amz_date(time).is_ok_and(|amz| self.matches(date_part(&amz), region, service))
    }

    fn matches(&self, date: [u8; 8], region: &str, service: &str) -> bool {
        self.date == date && *self.region == *region && *self.service == *service
    }

    /// Signs a string to sign: the hex HMAC-SHA256 under this key.
    pub fn sign(&self, string_to_sign: &[u8]) -> Signature {
        let mut mac = self.keyed_mac();
        mac.update(string_to_sign);
        Signature::from_mac(mac)
    }

    pub(crate) fn keyed_mac(&self) -> hmac::Context {
        hmac_with(&*self.key)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("date", &String::from_utf8_lossy(&self.date))
            .field("region", &self.region)
            .field("service", &self.service)
            .field("key", &"** redacted **")
            .finish()
    }
}

pub(crate) fn date_part(amz: &[u8; 16]) -> [u8; 8] {
    let mut date = [0u8; 8];
    date.copy_from_slice(&amz[..8]);
    date
}

/// Signs requests and remembers the last derived [`SigningKey`], so repeated signatures with
/// the same secret, UTC date, region and service skip the four-HMAC key derivation.
///
/// It holds one entry (the common case is one identity signing many requests); a different
/// secret, day, region or service replaces it. The remembered secret is a zeroized copy and
/// `Debug` prints none of it. Share one `Signer` between threads freely.
#[derive(Default)]
pub struct Signer {
    cache: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    secret: Zeroizing<String>,
    key: SigningKey,
}

impl Signer {
    /// A signer with an empty key cache.
    pub const fn new() -> Self {
        Self {
            cache: Mutex::new(None),
        }
    }

    /// The keyed HMAC for this secret, date, region and service, derived only when the cached
    /// key is for something else.
    pub(crate) fn keyed_mac(
        &self,
        secret: &str,
        date: [u8; 8],
        region: &str,
        service: &str,
    ) -> hmac::Context {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = cache.as_ref()
            && cached.secret.as_str() == secret
            && cached.key.matches(date, region, service)
        {
            return cached.key.keyed_mac();
        }
        let key = SigningKey::derive_for_date(secret, date, region, service);
        let mac = key.keyed_mac();
        *cache = Some(CachedKey {
            secret: Zeroizing::new(secret.to_owned()),
            key,
        });
        mac
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut signer = f.debug_struct("Signer");
        match self.cache.try_lock() {
            Ok(cache) => signer.field("cached_key", &cache.as_ref().map(|cached| &cached.key)),
            Err(_) => signer.field("cached_key", &"<in use>"),
        };
        signer.finish()
    }
}

/// A SigV4 signature: 64 lowercase hex digits. Not a secret (it appears in the request), but
/// valid only for the request it signs.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    pub(crate) fn from_mac(mac: hmac::Context) -> Self {
        let mut hex = [0u8; 64];
        hex_into(mac.sign().as_ref(), &mut hex);
        Self(hex)
    }

    /// The signature as lowercase hex.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Signature").field(&self.as_str()).finish()
    }
}

impl AsRef<str> for Signature {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Lowercase hex of a 32-byte digest into a 64-byte buffer.
pub(crate) fn hex_into(digest: &[u8], out: &mut [u8; 64]) {
    // `encode_to_slice` only fails when the lengths disagree, and a SHA-256 digest is 32 bytes.
    if hex::encode_to_slice(digest, out).is_err() {
        out.fill(b'0');
    }
}

/// A SHA-256 state, to feed through [`Sink`](crate::canonical::Sink).
pub(crate) fn sha256() -> digest::Context {
    digest::Context::new(&digest::SHA256)
}

/// The hex SHA-256 a hasher fed by [`Sink`](crate::canonical::Sink) ends with.
pub(crate) fn sha256_hex(hasher: digest::Context) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex_into(hasher.finish().as_ref(), &mut out);
    out
}

/// The hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex_of(bytes: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex_into(digest::digest(&digest::SHA256, bytes).as_ref(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn amz_date_formats_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(&amz_date(t).unwrap(), b"20150830T123600Z");
        assert!(amz_date(UNIX_EPOCH - Duration::from_secs(1)).is_err());
    }

    #[test]
    fn signing_key_matches_the_aws_documentation_example() {
        // docs.aws.amazon.com "Examples of how to derive a signing key for Signature Version 4":
        // the final kSigning for 20120215 / us-east-1 / iam.
        let mut k_date = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20120215");
        let k_region = hmac(&k_date, b"us-east-1");
        let k_service = hmac(&k_region, b"iam");
        let k_signing = hmac(&k_service, b"aws4_request");
        assert_eq!(
            hex::encode(k_signing),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
        k_date.zeroize();
        // The public type agrees with the step-by-step derivation.
        let key = SigningKey::derive_for_date(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            *b"20120215",
            "us-east-1",
            "iam",
        );
        let mut expected = hmac_with(&k_signing);
        expected.update(b"x");
        assert_eq!(key.sign(b"x"), Signature::from_mac(expected));
    }
}
