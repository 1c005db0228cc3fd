//! RFC 9449 DPoP proofs with the token file's P-256 key (ES256, on ring), and the key's PEM.

use std::fmt;

use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use zeroize::Zeroizing;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The DER of the `prime256v1` (P-256) object identifier.
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Why a `dpopKey` cannot be used (never shows the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Not PEM with base64 inside.
    NotPem,
    /// Not an `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8) of a P-256 key with its public
    /// key.
    NotP256,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotPem => "the dpopKey is not a PEM private key",
            Self::NotP256 => {
                "the dpopKey is not a P-256 EC private key (SEC1 or PKCS#8, with its public key)"
            }
        })
    }
}

impl std::error::Error for KeyError {}

/// A DPoP signing key. The private scalar lives only inside ring's key pair and in zeroized
/// buffers while it is parsed; `Debug` shows the public key's `x` only.
pub struct DpopKey {
    pair: EcdsaKeyPair,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("x", &B64URL.encode(self.xy().0))
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// The key of a token file's `dpopKey`: PEM, `EC PRIVATE KEY` (SEC1, as `aws login` writes
    /// it) or `PRIVATE KEY` (PKCS#8). As botocore, the header and footer lines are dropped and
    /// the rest is base64.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let body: Zeroizing<String> = Zeroizing::new(
            pem.lines()
                .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
                .map(str::trim)
                .collect(),
        );
        let der = Zeroizing::new(B64.decode(body.as_bytes()).map_err(|_| KeyError::NotPem)?);
        let rng = SystemRandom::new();
        if let Some((private, public)) = sec1_parts(&der) {
            return EcdsaKeyPair::from_private_key_and_public_key(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                private,
                public,
                &rng,
            )
            .map(|pair| Self { pair })
            .map_err(|_| KeyError::NotP256);
        }
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
            .map(|pair| Self { pair })
            .map_err(|_| KeyError::NotP256)
    }

    /// A fresh key (for `awscred login`), and its SEC1 PEM as the AWS CLI writes it.
    pub fn generate() -> Result<(Self, Zeroizing<String>), KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::NotP256)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
            .map_err(|_| KeyError::NotP256)?;
        // ring's P-256 PKCS#8 document: a fixed 36-byte prefix, then the 32-byte scalar.
        let private = pkcs8.get(36..68).ok_or(KeyError::NotP256)?;
        let public = pair.public_key().as_ref();
        let mut der = Zeroizing::new(Vec::with_capacity(121));
        der.extend_from_slice(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
        der.extend_from_slice(private);
        der.extend_from_slice(&[0xa0, 0x0a]);
        der.extend_from_slice(P256_OID);
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(public);
        // Check the construction against the parser before handing it out.
        let (p, _) = sec1_parts(&der).ok_or(KeyError::NotP256)?;
        if p != private {
            return Err(KeyError::NotP256);
        }
        let b64 = Zeroizing::new(B64.encode(&*der));
        let mut pem = Zeroizing::new(String::from("-----BEGIN EC PRIVATE KEY-----\n"));
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).map_err(|_| KeyError::NotPem)?);
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        Ok((Self { pair }, pem))
    }

    /// The public point's `x` and `y` (32 bytes each).
    fn xy(&self) -> (&[u8], &[u8]) {
        let public = self.pair.public_key().as_ref();
        (&public[1..33], &public[33..65])
    }

    /// The JWK of the public key, as botocore writes it: `{"kty","x","y","crv"}`.
    pub fn jwk(&self) -> String {
        let (x, y) = self.xy();
        format!(
            r#"{{"kty":"EC","x":"{}","y":"{}","crv":"P-256"}}"#,
            B64URL.encode(x),
            B64URL.encode(y)
        )
    }

    /// A DPoP proof for `POST url` at `iat` (Unix seconds), with a fresh uuid4 `jti`: header
    /// `{"typ":"dpop+jwt","alg":"ES256","jwk":…}`, payload `{"htm","htu","iat","jti"}`, each
    /// base64url without padding, signed with ES256 (raw `r‖s`).
    pub fn proof(&self, url: &str, iat: u64) -> Result<String, KeyError> {
        let rng = SystemRandom::new();
        let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#, self.jwk());
        let htu = serde_json::to_string(url).map_err(|_| KeyError::NotPem)?;
        let jti = uuid4(&rng).ok_or(KeyError::NotP256)?;
        let payload = format!(r#"{{"htm":"POST","htu":{htu},"iat":{iat},"jti":"{jti}"}}"#);
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.as_bytes()),
            B64URL.encode(payload.as_bytes())
        );
        let signature = self
            .pair
            .sign(&rng, signing_input.as_bytes())
            .map_err(|_| KeyError::NotP256)?;
        Ok(format!(
            "{signing_input}.{}",
            B64URL.encode(signature.as_ref())
        ))
    }
}

/// A version 4 UUID: 16 random bytes with the version and variant bits set.
pub fn uuid4(rng: &dyn SecureRandom) -> Option<String> {
    let mut b = [0u8; 16];
    rng.fill(&mut b).ok()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// The private scalar and public point of a SEC1 `ECPrivateKey` (RFC 5915) for P-256:
/// `SEQUENCE { INTEGER 1, OCTET STRING (32), [0] OID prime256v1 (optional), [1] BIT STRING
/// (0x00, 65-byte uncompressed point) }`. `None` for anything else (including no public key).
fn sec1_parts(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, version, body) = tlv(body)?;
    if tag != 0x02 || version != [1] {
        return None;
    }
    let (tag, private, mut body) = tlv(body)?;
    if tag != 0x04 || private.len() != 32 {
        return None;
    }
    let mut public = None;
    while !body.is_empty() {
        let (tag, inner, rest) = tlv(body)?;
        match tag {
            0xa0 if inner == P256_OID => {}
            0xa1 => {
                let (tag, bits, after) = tlv(inner)?;
                if tag != 0x03 || !after.is_empty() || bits.len() != 66 || bits[0] != 0 {
                    return None;
                }
                if bits[1] != 0x04 {
                    return None;
                }
                public = Some(&bits[1..]);
            }
            _ => return None,
        }
        body = rest;
    }
    Some((private, public?))
}

/// One DER tag-length-value (short and one- or two-byte long lengths): tag, value, rest.
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (
            usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    let value = rest.get(..len)?;
    Some((tag, value, rest.get(len..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    /// The key of the cross-SDK vectors (`fixtures/provider-login`).
    const VECTOR_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

    fn verify(proof: &str, public: &[u8]) -> serde_json::Value {
        let mut parts = proof.split('.');
        let (h, p, s) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let sig = B64URL.decode(s).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public)
            .verify(format!("{h}.{p}").as_bytes(), &sig)
            .expect("signature verifies");
        let header: serde_json::Value = serde_json::from_slice(&B64URL.decode(h).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["crv"], "P-256");
        serde_json::from_slice(&B64URL.decode(p).unwrap()).unwrap()
    }

    #[test]
    fn the_vector_key_signs_verifiable_proofs() {
        let key = DpopKey::from_pem(VECTOR_KEY).unwrap();
        let public = key.pair.public_key().as_ref().to_vec();
        let proof = key
            .proof(
                "https://us-east-1.signin.aws.amazon.com/v1/token",
                1_700_000_000,
            )
            .unwrap();
        let payload = verify(&proof, &public);
        assert_eq!(payload["htm"], "POST");
        assert_eq!(
            payload["htu"],
            "https://us-east-1.signin.aws.amazon.com/v1/token"
        );
        assert_eq!(payload["iat"], 1_700_000_000);
        let jti = payload["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 36);
        assert_eq!(&jti[14..15], "4");
        let again = key.proof("https://x/v1/token", 1).unwrap();
        assert_ne!(verify(&again, &public)["jti"], payload["jti"]);
        assert!(!format!("{key:?}").contains("MHcC"));
    }

    #[test]
    fn generated_keys_round_trip_through_their_pem() {
        let (key, pem) = DpopKey::generate().unwrap();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let again = DpopKey::from_pem(&pem).unwrap();
        assert_eq!(key.jwk(), again.jwk());
        let proof = again.proof("http://127.0.0.1/v1/token", 5).unwrap();
        verify(&proof, key.pair.public_key().as_ref());
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            DpopKey::from_pem("not base64 !!").unwrap_err(),
            KeyError::NotPem
        );
        assert_eq!(DpopKey::from_pem("AAAA").unwrap_err(), KeyError::NotP256);
        // The vector key without its public key ([1]) is refused rather than guessed.
        let der = B64
            .decode(
                VECTOR_KEY
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .unwrap();
        let mut short = vec![0x30, 0x31];
        short.extend_from_slice(&der[2..2 + 0x31]);
        let pem = B64.encode(&short);
        assert_eq!(DpopKey::from_pem(&pem).unwrap_err(), KeyError::NotP256);
    }
}
