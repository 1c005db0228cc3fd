//! OpenDAL's S3 service with awscred's credentials (a reqsign `ProvideCredential`), against the
//! enforced moto server (S3 and STS, SigV4 checked by moto): static keys, a two-hop role chain
//! with `mfa_serial`, credentials that expire during the test and are refreshed (moto counts the
//! `AssumeRole` calls), and an STS refusal reaching OpenDAL's error. `cargo xtask test` starts
//! the server; without it the cases are reported skipped.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock starts at the wall clock: moto's sessions expire in real time"
)]

use std::sync::Arc;
use std::time::SystemTime;

use awscred::ManualClock;
use awscred::providers::assume_role::FixedMfa;
use awscred_opendal::{ReqsignProvider, s3_settings};
use awscred_test::check;
use awscred_test::moto::{AdapterProfiles, AdapterSuite};
use opendal::Operator;
use reqsign_core::ProvideCredentialChain;

const BUCKET: &str = "awscred-opendal";

fn provider(sources: &awscred::Sources, profile: &str) -> Result<awscred::Provider, String> {
    awscred::builder()
        .sources(sources.clone())
        .profile(profile)
        .mfa(FixedMfa::new("123456"))
        .build()
        .map_err(|e| e.to_string())
}

/// OpenDAL's S3 service on `creds`, with the profile's region and endpoint.
fn operator(provider: &awscred::Provider, creds: ReqsignProvider) -> Result<Operator, String> {
    let settings = s3_settings(provider);
    let (Some(region), Some(endpoint)) = (settings.region, settings.endpoint) else {
        return Err("the profile gave no region or endpoint".into());
    };
    let s3 = opendal::services::S3::default()
        .bucket(BUCKET)
        .region(&region)
        .endpoint(&endpoint)
        .credential_provider_chain(ProvideCredentialChain::new().push(creds));
    Operator::new(s3).map_err(|e| format!("S3 builder: {e}"))
}

/// Writes one object under `prefix` and reads it back.
async fn round_trip(op: &Operator, prefix: &str) -> Result<(), String> {
    let path = format!("{prefix}/hello.txt");
    let body = format!("hello from {prefix}");
    op.write(&path, body.clone().into_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let got = op
        .read(&path)
        .await
        .map_err(|e| format!("read: {e}"))?
        .to_vec();
    check(got == body.as_bytes(), || format!("read returned {got:?}"))
}

/// The `log` records at WARN and above (reqsign's chain reports provider errors there).
struct Warnings(std::sync::Mutex<Vec<String>>);

static WARNINGS: Warnings = Warnings(std::sync::Mutex::new(Vec::new()));

impl log::Log for Warnings {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if seen.len() < 1000 {
                seen.push(record.args().to_string());
            }
        }
    }
    fn flush(&self) {}
}

#[test]
fn opendal_against_moto() {
    // OpenDAL's HTTP transport: reqwest, its TLS on rustls with ring (`rustls-no-provider`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    opendal::HttpTransporter::install_default(
        opendal_http_transport_reqwest::ReqwestTransport::default(),
    );
    let _ = log::set_logger(&WARNINGS).map(|()| log::set_max_level(log::LevelFilter::Warn));
    let rt = awscred_test::runtime();
    let mut suite = AdapterSuite::new("opendal-moto", 4, "dal", rt);
    let now = || Arc::new(ManualClock::new(SystemTime::now()));

    suite.case("static keys: write and read", async |_, p| {
        let provider = provider(&p.sources(now()), "static")?;
        let op = operator(&provider, ReqsignProvider::new(provider.clone()))?;
        round_trip(&op, "static").await
    });

    suite.case(
        "two-hop role chain with mfa_serial: write and read",
        async |m, p| {
            let provider = provider(&p.sources(now()), "mfa-chain")?;
            let op = operator(&provider, ReqsignProvider::new(provider.clone()))?;
            round_trip(&op, "mfa-chain").await?;
            p.check_chain_sessions(m)
        },
    );

    suite.case(
        "credentials expire and are refreshed: one AssumeRole per refresh",
        async |m, p| {
            let sources = p.refresh_sources();
            let provider = provider(&sources, "refresh")?;
            let (advisory, mandatory) = AdapterProfiles::REFRESH_WINDOWS;
            // On the chain without the facade's own cache: the adapter's is the only one.
            let creds = ReqsignProvider::builder(&sources, provider.chain().clone())
                .refresh_windows(advisory, mandatory)
                .build();
            // One operator throughout: reqsign asks again when the `expires_in` it was given
            // (the start of the advisory window) has passed.
            let op = operator(&provider, creds.clone())?;
            let requests = async |round| round_trip(&op, &format!("refresh-{round}")).await;
            p.refresh_rounds(m, requests, async || creds.credentials().await)
                .await
        },
    );

    suite.case(
        "an STS refusal: OpenDAL's write fails, awscred's message whole in reqsign's warning",
        async |m, p| {
            let provider = provider(&p.sources(now()), "denied")?;
            let awscred_says =
                AdapterProfiles::refused(provider.chain().chain().resolve_traced().await.0)?;
            // The provider's own error: awscred's message, whole.
            let creds = ReqsignProvider::new(provider.clone());
            let own = reqsign_core::ProvideCredential::provide_credential(
                &creds,
                &reqsign_core::Context::new(),
            )
            .await
            .err()
            .ok_or("the provider answered")?;
            p.check_refusal(m, &awscred_says, &format!("{own} / {own:?}"))?;
            // Through OpenDAL: its S3 service takes credentials only as a
            // `ProvideCredentialChain`, which logs a provider's error and goes on, so the write
            // fails with "failed to load signing credential" and awscred's message is in the
            // warning.
            let op = operator(&provider, creds)?;
            let err = op
                .write("denied/x", b"x".to_vec())
                .await
                .err()
                .ok_or("the write succeeded")?;
            let text = format!("{err:?}");
            if !text.contains("failed to load signing credential") {
                return Err(format!("OpenDAL said {text:?}"));
            }
            let warned = WARNINGS
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .join("\n");
            p.check_refusal(m, &awscred_says, &warned)
        },
    );

    suite.finish();
}
