//! object_store's `AmazonS3` with awscred's credentials, against the enforced moto server (S3
//! and STS, SigV4 checked by moto): static keys, a two-hop role chain with `mfa_serial`,
//! credentials that expire during the test and are refreshed (moto counts the `AssumeRole`
//! calls), and an STS refusal reaching object_store's error. `cargo xtask test` starts the
//! server; without it the cases are reported skipped.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock starts at the wall clock: moto's sessions expire in real time"
)]

use std::sync::Arc;
use std::time::SystemTime;

use awscred::providers::assume_role::FixedMfa;
use awscred::{ManualClock, Sources};
use awscred_object_store::{ObjectStoreProvider, amazon_s3, with_profile};
use awscred_test::moto::{AdapterProfiles, AdapterSuite};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

const BUCKET: &str = "awscred-object-store";

fn provider(
    sources: &Sources,
    profile: &str,
) -> Result<awscred::Provider, awscred::CredentialsError> {
    awscred::builder()
        .sources(sources.clone())
        .profile(profile)
        .mfa(FixedMfa::new("123456"))
        .build()
}

/// Puts, gets and lists one object under `prefix`.
async fn round_trip(store: &dyn ObjectStore, prefix: &str) -> Result<(), String> {
    let path = Path::from(format!("{prefix}/hello.txt"));
    let body = format!("hello from {prefix}");
    store
        .put(&path, PutPayload::from(body.clone().into_bytes()))
        .await
        .map_err(|e| format!("put: {e}"))?;
    let got = store
        .get(&path)
        .await
        .map_err(|e| format!("get: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("get body: {e}"))?;
    if got != body.as_bytes() {
        return Err(format!("get returned {got:?}"));
    }
    let listed: Vec<_> = {
        use futures_util::TryStreamExt as _;
        store
            .list(Some(&Path::from(prefix)))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(|e| format!("list: {e}"))?
    };
    if listed != [path.to_string()] {
        return Err(format!("list returned {listed:?}"));
    }
    Ok(())
}

fn store(provider: &awscred::Provider) -> Result<Box<dyn ObjectStore>, String> {
    let s3 = amazon_s3(provider)
        .with_bucket_name(BUCKET)
        .build()
        .map_err(|e| format!("AmazonS3Builder: {e}"))?;
    Ok(Box::new(s3))
}

#[test]
fn object_store_against_moto() {
    // reqwest's TLS on rustls with ring (`rustls-no-provider`): the process default, once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = awscred_test::runtime();
    let mut suite = AdapterSuite::new("object-store-moto", 4, "os", rt);
    let now = || Arc::new(ManualClock::new(SystemTime::now()));

    suite.case("static keys: put, get and list", async |_, p| {
        let provider = provider(&p.sources(now()), "static").map_err(|e| e.to_string())?;
        round_trip(&*store(&provider)?, "static").await
    });

    suite.case(
        "two-hop role chain with mfa_serial: put, get and list",
        async |m, p| {
            let provider = provider(&p.sources(now()), "mfa-chain").map_err(|e| e.to_string())?;
            round_trip(&*store(&provider)?, "mfa-chain").await?;
            p.check_chain_sessions(m)
        },
    );

    suite.case(
        "credentials expire and are refreshed: one AssumeRole per refresh",
        async |m, p| {
            let sources = p.refresh_sources();
            let provider = provider(&sources, "refresh").map_err(|e| e.to_string())?;
            let (advisory, mandatory) = AdapterProfiles::REFRESH_WINDOWS;
            // On the chain without the facade's own cache: the adapter's is the only one.
            let creds = ObjectStoreProvider::builder(&sources, provider.chain().clone())
                .refresh_windows(advisory, mandatory)
                .build();
            let s3 = with_profile(AmazonS3Builder::new(), &provider)
                .with_credentials(Arc::new(creds.clone()))
                .with_bucket_name(BUCKET)
                .build()
                .map_err(|e| format!("AmazonS3Builder: {e}"))?;
            let requests = async |round| round_trip(&s3, &format!("refresh-{round}")).await;
            p.refresh_rounds(m, requests, async || creds.credentials().await)
                .await
        },
    );

    suite.case(
        "an STS refusal reaches object_store's error, message intact",
        async |m, p| {
            let provider = provider(&p.sources(now()), "denied").map_err(|e| e.to_string())?;
            let awscred_says =
                AdapterProfiles::refused(provider.chain().chain().resolve_traced().await.0)?;
            let err = store(&provider)?
                .put(&Path::from("denied/x"), PutPayload::from_static(b"x"))
                .await
                .err()
                .ok_or("the put succeeded")?;
            let text = format!("{err} / {err:?}");
            p.check_refusal(m, &awscred_says, &text)
        },
    );

    suite.finish();
}
