//! The IMDS provider in detail: configuration, the lookup, the time budget, static stability.
//!
//! # Configuration
//!
//! Each setting is read from [`ImdsProviderBuilder`](crate::ImdsProviderBuilder) overrides first, then the environment, then
//! the selected profile (blank values count as unset):
//!
//! | setting | environment | profile key | default |
//! |---|---|---|---|
//! | off switch | `AWS_EC2_METADATA_DISABLED` (`true`, any case; environment only) | — | off |
//! | endpoint | `AWS_EC2_METADATA_SERVICE_ENDPOINT` | `ec2_metadata_service_endpoint` | from the mode |
//! | mode | `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (`IPv4`/`IPv6`, any case) | `ec2_metadata_service_endpoint_mode` | then `AWS_IMDS_USE_IPV6` / `imds_use_ipv6`, then IPv4 |
//! | IMDSv1 off | `AWS_EC2_METADATA_V1_DISABLED` | `ec2_metadata_v1_disabled` | false |
//! | timeout | `AWS_METADATA_SERVICE_TIMEOUT` (seconds) | `metadata_service_timeout` | 1 s |
//! | attempts | `AWS_METADATA_SERVICE_NUM_ATTEMPTS` | `metadata_service_num_attempts` | 1 |
//!
//! The endpoints are `http://169.254.169.254/` (IPv4) and `http://[fd00:ec2::254]/` (IPv6). A
//! configured endpoint beats any mode, even a mode given in code. Booleans are true only for
//! `true` in any case (botocore's `ensure_boolean`). An invalid URL, mode, timeout (more than 0,
//! at most 3600 s; decimals allowed) or number of attempts (1 to 100) is
//! [`CredentialsError::InvalidConfiguration`](crate::CredentialsError::InvalidConfiguration) naming the key and, when it came from one, the
//! profile.
//!
//! **Configuration is read once, by [`ImdsProviderBuilder::build`](crate::ImdsProviderBuilder::build)**, as botocore reads it when
//! the resolver is made. `build` never fails: a configuration error is kept and returned by each
//! call, so a chain whose earlier provider answers never sees it. `AWS_EC2_METADATA_DISABLED`
//! is checked first: a disabled provider answers `NotLoaded` at once, with no I/O, whatever else
//! is configured. IMDS is never reached through a proxy (botocore honours `HTTP_PROXY` unless
//! `NO_PROXY` lists the address).
//!
//! # The lookup
//!
//! 1. `PUT <endpoint>latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds: 21600`
//!    (skipped while a cached token is valid). 200: a token. 404 or 405, a read timeout, or
//!    failures on every attempt: no token, so IMDSv1 (unless it is disabled). 400: give up
//!    (`NotLoaded`). 403: IMDS is turned off for this instance, an error (`ProviderError`) with
//!    no IMDSv1 request after it (aws-config's rule; botocore tries IMDSv1). 5xx and 429 are
//!    retried (at least 3 tries) within the budget before falling back.
//! 2. `GET <endpoint>latest/meta-data/iam/security-credentials/`: the role name (first line).
//! 3. `GET <endpoint>latest/meta-data/iam/security-credentials/<role>`: a JSON document with
//!    `Code`, `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` and optionally
//!    `AccountId`.
//!
//! The `GET`s carry `x-aws-ec2-metadata-token` when there is a token. Each is tried up to
//! `attempts` times on transport failures, unexpected statuses, and (credentials) a body that
//! is not JSON; like the token request, at least 3 times (with the same short pause) when
//! answered 5xx or 429, all inside the one budget (aws-config; botocore tries `attempts`
//! times). When IMDS refuses a cached token (401), it is dropped and the lookup starts again
//! from a new token.
//!
//! | what happens | result |
//! |---|---|
//! | disabled | `NotLoaded`, no I/O |
//! | token request answered 403 | `ProviderError` "IMDS is disabled on this instance", no IMDSv1 request |
//! | role list 404, or empty | `NotLoaded` (no instance profile) |
//! | nothing answers (refused, reset, timeouts, budget spent), or the role list gets an error status on every attempt | `NotLoaded`, with the reason and URL |
//! | no token and IMDSv1 disabled (even when nothing answers) | `ProviderError` "Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled" |
//! | credentials document not JSON, not an object, a required key missing, blank or not a string, `Expiration` not RFC 3339, `Code` not `Success` | `ProviderError` (`AssumeRoleUnauthorizedAccess`: `InvalidConfiguration`) |
//! | credentials `GET` answered 404 or an error status on every attempt | `ProviderError` |
//!
//! Errors name the URL, the role and the field; none contains the token, a secret key or a
//! session token, or a response body.
//!
//! # One time budget
//!
//! The whole lookup has one deadline: `timeout × attempts` (1 s by default), not a timeout per
//! request in a row. botocore waits for the token request's full timeout, then gives IMDSv1 its
//! own (2.2 s against an endpoint that accepts connections and never answers); aws-config,
//! without an IMDSv1 fallback, takes 4 s. An endpoint that never answers the token request looks
//! exactly like a container on EC2 behind a hop limit of 1, whose token answer is lost while
//! IMDSv1 works, so the fallback must stay. Therefore, when the token request has been silent for
//! 40% of the timeout, the IMDSv1 role request starts beside it, and the first usable answer wins
//! (credentials, or IMDS's definitive "no role"; a refused or failed IMDSv1 request leaves the
//! token request to finish). Every request's connect and read limits are cut to what is left of
//! the budget. Against a black hole the lookup returns `NotLoaded` in about 1 s
//! (`benches/blackhole.rs`); in the hop-limit container it returns after about 0.4 s.
//!
//! # Static stability
//!
//! Credentials that are already expired, or expire within 15 minutes, when IMDS returns them get
//! the expiry `now + 15 min + a random 2 to 10 minutes` (botocore's
//! `InstanceMetadataFetcher._evaluate_expiration`, measured on the [`Clock`](awscred_types::Clock) seam), so a caller
//! keeps working while IMDS cannot refresh them, and asks again later. A `tracing` warning is
//! logged and kept for [`ImdsProvider::last_warning`](crate::ImdsProvider::last_warning).
//!
//! ```no_run
//! use awscred_provider_imds::ImdsProvider;
//! use awscred_types::{ProvideCredentials, Sources};
//!
//! # async fn run() -> Result<(), awscred_types::CredentialsError> {
//! let provider = ImdsProvider::builder(&Sources::system()).build();
//! let credentials = provider.provide_credentials().await?;
//! assert_eq!(credentials.provider_name(), "iam-role");
//! # Ok(())
//! # }
//! ```
//!
//! Calls need a tokio runtime with the IO and time drivers enabled (`enable_all`).
