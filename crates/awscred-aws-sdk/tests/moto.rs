//! aws-sdk-rust (aws-sdk-sts, aws-sdk-s3) with awscred's credentials through
//! `awscred_aws_sdk::sdk_config`, against the enforced moto server (SigV4 checked by moto):
//! static keys, a two-hop role chain with `mfa_serial`, credentials that expire during the test
//! and are refreshed (moto counts the `AssumeRole` calls), an MFA code that arrives after 31 s
//! (and the SDK's own identity cache cutting the same load off), and an STS refusal reaching
//! the SDK's error. `cargo xtask test` starts the server; without it the cases are skipped.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock starts at the wall clock: moto's sessions expire in real time"
)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::error::display::DisplayErrorContext;
use awscred::providers::assume_role::{FixedMfa, MfaCode, MfaTokenProvider};
use awscred::{CredentialsError, ManualClock, Sources};
use awscred_aws_sdk::{SdkProvider, sdk_config, sdk_config_builder};
use awscred_test::check;
use awscred_test::moto::{AdapterProfiles, AdapterSuite};

fn provider(
    sources: &Sources,
    profile: &str,
    mfa: impl MfaTokenProvider + 'static,
) -> Result<awscred::Provider, String> {
    awscred::builder()
        .sources(sources.clone())
        .profile(profile)
        .mfa(mfa)
        .build()
        .map_err(|e| e.to_string())
}

/// An MFA code typed after `delay`.
#[derive(Debug)]
struct SlowMfa(Duration);

#[async_trait::async_trait]
impl MfaTokenProvider for SlowMfa {
    async fn token_code(&self, _serial: &str) -> Result<MfaCode, CredentialsError> {
        tokio::time::sleep(self.0).await;
        Ok(MfaCode::new("123456"))
    }
}

async fn whoami(config: &aws_types::SdkConfig) -> Result<String, String> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| format!("GetCallerIdentity: {}", DisplayErrorContext(&e)))?;
    out.arn.ok_or_else(|| "no ARN".into())
}

/// Creates `bucket`, puts an object and gets it back.
async fn s3_round_trip(config: &aws_types::SdkConfig, bucket: &str) -> Result<(), String> {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| format!("CreateBucket: {}", DisplayErrorContext(&e)))?;
    let body = format!("hello from {bucket}");
    s3.put_object()
        .bucket(bucket)
        .key("hello.txt")
        .body(body.clone().into_bytes().into())
        .send()
        .await
        .map_err(|e| format!("PutObject: {}", DisplayErrorContext(&e)))?;
    let got = s3
        .get_object()
        .bucket(bucket)
        .key("hello.txt")
        .send()
        .await
        .map_err(|e| format!("GetObject: {}", DisplayErrorContext(&e)))?
        .body
        .collect()
        .await
        .map_err(|e| format!("GetObject body: {e}"))?
        .into_bytes();
    check(got == body.as_bytes(), || {
        format!("GetObject returned {got:?}")
    })
}

#[test]
fn aws_sdk_against_moto() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut suite = AdapterSuite::new("aws-sdk-moto", 6, "sdk", rt);
    let now = || Arc::new(ManualClock::new(SystemTime::now()));
    let account = "arn:aws:sts::123456789012";

    suite.case(
        "static keys: GetCallerIdentity, S3 create, put, get",
        async |_, p| {
            let config = sdk_config(&provider(&p.sources(now()), "static", FixedMfa::new("1"))?);
            let arn = whoami(&config).await?;
            check(arn == "arn:aws:iam::123456789012:user/alice", || {
                arn.clone()
            })?;
            s3_round_trip(&config, &format!("{}-static", p.tag)).await
        },
    );

    suite.case(
        "two-hop role chain with mfa_serial: the role's ARN, S3",
        async |m, p| {
            let provider = provider(&p.sources(now()), "mfa-chain", FixedMfa::new("123456"))?;
            let config = sdk_config(&provider);
            let arn = whoami(&config).await?;
            let want = format!("{account}:assumed-role/role-s3/{}", p.chain_session);
            check(arn == want, || format!("{arn}, expected {want}"))?;
            s3_round_trip(&config, &format!("{}-chain", p.tag)).await?;
            p.check_chain_sessions(m)
        },
    );

    suite.case(
        "credentials expire and are refreshed: one AssumeRole per refresh",
        async |m, p| {
            let sources = p.refresh_sources();
            let provider = provider(&sources, "refresh", FixedMfa::new("1"))?;
            let (advisory, mandatory) = AdapterProfiles::REFRESH_WINDOWS;
            // On the chain without the facade's own cache: the adapter's is the only one.
            let creds = SdkProvider::builder(&sources, provider.chain().clone())
                .refresh_windows(advisory, mandatory)
                .build();
            let config = sdk_config_builder(&provider)
                .credentials_provider(SharedCredentialsProvider::new(creds.clone()))
                .build();
            let want = format!("{account}:assumed-role/role-s3/{}", p.refresh_session);
            let buckets = std::sync::atomic::AtomicUsize::new(0);
            p.refresh_rounds(
                m,
                async |round| {
                    let arn = whoami(&config).await?;
                    check(arn == want, || arn.clone())?;
                    let n = buckets.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    s3_round_trip(&config, &format!("{}-refresh-{round}-{n}", p.tag)).await
                },
                async || creds.credentials().await,
            )
            .await
        },
    );

    suite.case(
        "an MFA code that arrives after 31 s: the call waits for it",
        async |_, p| {
            let slow = SlowMfa(Duration::from_secs(31));
            let config = sdk_config(&provider(&p.sources(now()), "mfa-chain", slow)?);
            let started = std::time::Instant::now();
            let arn = whoami(&config).await?;
            check(arn.contains("assumed-role/role-s3/"), || arn.clone())?;
            let waited = started.elapsed();
            check(waited >= Duration::from_secs(31), || {
                format!("answered in {waited:?}")
            })
        },
    );

    suite.case(
        "the SDK's own identity cache cuts the same MFA load off",
        async |_, p| {
            let slow = SlowMfa(Duration::from_secs(31));
            let provider = provider(&p.sources(now()), "mfa-chain", slow)?;
            let lazy = aws_smithy_runtime::client::identity::IdentityCache::lazy().build();
            let config = sdk_config_builder(&provider).identity_cache(lazy).build();
            match whoami(&config).await {
                Ok(arn) => Err(format!(
                    "answered {arn}: the SDK's cache did not cut it off"
                )),
                Err(e) => check(e.contains("identity resolver timed out"), || e),
            }
        },
    );

    suite.case(
        "an STS refusal reaches the SDK's error, message intact",
        async |m, p| {
            let provider = provider(&p.sources(now()), "denied", FixedMfa::new("1"))?;
            let awscred_says =
                AdapterProfiles::refused(provider.chain().chain().resolve_traced().await.0)?;
            let text = match whoami(&sdk_config(&provider)).await {
                Ok(arn) => return Err(format!("answered {arn}")),
                Err(e) => e,
            };
            p.check_refusal(m, &awscred_says, &text)
        },
    );

    suite.finish();
}
