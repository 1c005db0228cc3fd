//! The web identity provider against real peers: moto's open server, and the fixture server for
//! STS errors moto cannot produce.
#![allow(
    clippy::disallowed_methods,
    reason = "tests read the moto settings xtask exported"
)]

use std::path::Path;
use std::sync::Arc;

use awscred_provider_web_identity::{PROVIDER_NAME, WebIdentityProvider, WebIdentitySettings};
use awscred_sts::{Endpoint, StsClient};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_test::moto::Moto;
use awscred_test::{FakeEnv, MemFs, Outcome, Suite};
use awscred_types::{Fs, ProvideCredentials, Sources};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

fn provider(url: &str, fs: &MemFs) -> WebIdentityProvider {
    let sources = Sources::default()
        .with_env(Arc::new(FakeEnv::new()))
        .with_fs(Arc::new(fs.clone()));
    let sts = StsClient::builder(&sources)
        .endpoint(Endpoint::new(url, "us-east-1"))
        .retry(awscred_http_retry_disabled())
        .build()
        .unwrap();
    let mut settings =
        WebIdentitySettings::new("/var/run/token", "arn:aws:iam::123456789012:role/web");
    settings.role_session_name = Some("ci-session".into());
    WebIdentityProvider::builder(&sources, settings, sts).build()
}

fn awscred_http_retry_disabled() -> awscred_http::RetryConfig {
    awscred_http::RetryConfig::disabled()
}

/// The cases below (the first needs moto).
const WEB_IDENTITY_CASES: usize = 4;

#[test]
fn web_identity() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut suite = Suite::new("provider-web-identity", WEB_IDENTITY_CASES).needs_peer("moto");

    suite.case(
        "moto: token file -> unsigned AssumeRoleWithWebIdentity -> credentials",
        || {
            let open = match Moto::from_env() {
                Ok(moto) => moto.open,
                Err(why) => return Outcome::Skip(why),
            };
            rt.block_on(async {
                let fs = MemFs::new().with_file("/var/run/token", format!("{TOKEN}\n"));
                let p = provider(&open, &fs);
                let creds = p.provide_credentials().await.map_err(|e| e.to_string())?;
                if creds.provider_name() != PROVIDER_NAME
                    || creds.session_token().is_none()
                    || creds.expiry().is_none()
                {
                    return Err(format!("{creds:?}"));
                }
                // The file is read on every call: once it is gone, the next call says so.
                fs.remove(Path::new("/var/run/token")).unwrap();
                let err = p.provide_credentials().await.unwrap_err();
                if err.field("file") != Some("/var/run/token") || !err.is_invalid_configuration() {
                    return Err(format!("after removing the token: {err}"));
                }
                Ok(())
            })
            .into()
        },
    );

    suite.case(
        "STS rejects the token: InvalidIdentityTokenException, named, token not echoed",
        || {
            rt.block_on(async {
                let server = FixtureServer::start(recording_error()).await;
                let fs = MemFs::new().with_file("/var/run/token", TOKEN);
                let err = provider(&server.url(), &fs)
                    .provide_credentials()
                    .await
                    .unwrap_err();
                server.verify()?;
                let shown = format!("{err} {err:?}");
                if !shown.contains("InvalidIdentityTokenException from STS")
                    || shown.contains(TOKEN)
                {
                    return Err(shown);
                }
                Ok::<(), String>(())
            })
            .into()
        },
    );

    suite.case(
        "the request carries the token, role and session name, and no signature",
        || {
            rt.block_on(async {
                let server = FixtureServer::start(recording_success()).await;
                let fs = MemFs::new().with_file("/var/run/token", TOKEN);
                let creds = provider(&server.url(), &fs)
                    .provide_credentials()
                    .await
                    .map_err(|e| e.to_string())?;
                server.verify()?;
                if creds.access_key_id() != "ASIAWEB" || creds.account_id() != Some("123456789012")
                {
                    return Err(format!("{creds:?}"));
                }
                Ok::<(), String>(())
            })
            .into()
        },
    );

    suite.case("empty token file is an error naming the file", || {
        rt.block_on(async {
            let fs = MemFs::new().with_file("/var/run/token", "  \n");
            let err = provider("http://127.0.0.1:9", &fs)
                .provide_credentials()
                .await
                .unwrap_err();
            if !err.to_string().contains("empty") || err.field("file") != Some("/var/run/token") {
                return Err(err.to_string());
            }
            Ok::<(), String>(())
        })
        .into()
    });
    suite.finish();
}

fn recording_error() -> Recording {
    serde_json::from_value(serde_json::json!({
        "docs": "STS refuses a malformed token",
        "exchanges": [{
            "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRoleWithWebIdentity"]},
            "response": {"status": 400, "headers": {"content-type": "text/xml"},
                "body": "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidIdentityTokenException</Code><Message>No OpenIDConnect provider found in your account</Message></Error><RequestId>r</RequestId></ErrorResponse>"}
        }]
    }))
    .unwrap()
}

fn recording_success() -> Recording {
    serde_json::from_value(serde_json::json!({
        "docs": "a well-formed unsigned call and STS's answer",
        "exchanges": [{
            "request": {"method": "POST", "path": "/",
                "absent_headers": ["authorization", "x-amz-security-token"],
                "body_contains": ["Action=AssumeRoleWithWebIdentity", "RoleSessionName=ci-session",
                    "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb", format!("WebIdentityToken={TOKEN}")]},
            "response": {"status": 200, "body": "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/web/ci-session</Arn><AssumedRoleId>AROA:ci-session</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"}
        }]
    }))
    .unwrap()
}
