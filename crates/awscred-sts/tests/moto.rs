//! STS against a real peer: `moto_server` with IAM/SigV4 enforcement on, whose verifier is
//! botocore's own signer (independent of ours). `cargo xtask test` starts two servers and seeds
//! them (`fixtures/moto/moto_setup.py`); without them every case is reported skipped.
#![allow(
    clippy::disallowed_methods,
    reason = "tests read the moto settings xtask exported"
)]

use std::time::{Duration, SystemTime};

use awscred_http::{Bytes, HttpClient, http};
use awscred_sigv4::{SigningParams, sign};
use awscred_sts::{
    AssumeRoleRequest, AssumeRoleWithWebIdentityRequest, Endpoint, StsClient, StsServiceError,
    TemporaryCredentials,
};
use awscred_test::moto::Moto;
use awscred_test::{Suite, check};
use awscred_types::{Credentials, CredentialsError, Sources};

/// Sources with an empty environment (no proxy or retry settings from the machine).
fn sources() -> Sources {
    Sources::default().with_env(std::sync::Arc::new(awscred_test::FakeEnv::new()))
}

fn client(url: &str) -> StsClient {
    StsClient::builder(&sources())
        .endpoint(Endpoint::new(url, "us-east-1"))
        .build()
        .unwrap()
}

fn code(err: &CredentialsError) -> String {
    StsServiceError::of(err)
        .map(|e| e.code.clone())
        .unwrap_or_else(|| format!("<no STS code: {err}>"))
}

/// `creds` assume `role` as `session` through `client`.
async fn assume(
    client: &StsClient,
    creds: &Credentials,
    role: &str,
    session: &str,
) -> Result<TemporaryCredentials, CredentialsError> {
    let request = AssumeRoleRequest::new(role, session);
    client.assume_role(creds, &request, "assume-role").await
}

/// Checks that STS behind `client` sees `creds` as the ARN ending in `suffix`.
async fn check_identity(
    client: &StsClient,
    creds: &Credentials,
    suffix: &str,
) -> Result<(), String> {
    let who = client
        .get_caller_identity(creds)
        .await
        .map_err(|e| e.to_string())?;
    check(who.arn.ends_with(suffix), || who.arn.clone())
}

/// How many whole seconds after `from` the session `out` expires (0 when before it).
fn lifetime(out: &TemporaryCredentials, from: SystemTime) -> Result<u64, String> {
    let expiration = out.expiration().ok_or("the session has no expiration")?;
    let left = expiration.duration_since(from).unwrap_or(Duration::ZERO);
    Ok(left.as_secs())
}

/// The seeded user assumes role-a as `chain-src` on the enforced server, through `client`.
async fn alice_as_role_a(client: &StsClient, moto: &Moto) -> Result<TemporaryCredentials, String> {
    let alice = moto.alice("test");
    assume(client, &alice, &moto.role_a, "chain-src")
        .await
        .map_err(|e| e.to_string())
}

/// Signs a GetCallerIdentity POST with `creds`, lets `tamper` change it, and sends it raw.
async fn raw_call(
    url: &str,
    creds: &Credentials,
    tamper: impl FnOnce(&mut http::Request<Bytes>),
) -> (u16, String) {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15".to_vec();
    let mut req = http::Request::post(format!("{url}/"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Bytes::new())
        .unwrap();
    let params = SigningParams::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        "us-east-1",
        "sts",
        SystemTime::now(),
    )
    .with_session_token(creds.session_token());
    sign(&mut req, &body, &params).unwrap();
    *req.body_mut() = Bytes::from(body);
    tamper(&mut req);
    let resp = HttpClient::builder()
        .build()
        .unwrap()
        .send(req)
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        String::from_utf8_lossy(resp.body()).into_owned(),
    )
}

#[test]
fn sts_against_moto() {
    let mut suite = Suite::new("sts-moto", CASES.len()).needs_peer("moto");
    let moto = match Moto::from_env() {
        Ok(moto) => moto,
        Err(why) => return suite.skip_all(CASES, &why),
    };
    let rt = awscred_test::runtime();
    let run = |suite: &mut Suite,
               name: &str,
               fut: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), String>> + '_>,
    >| {
        suite.case(name, || rt.block_on(fut).into());
    };

    run(
        &mut suite,
        CASES[0],
        Box::pin(async {
            let id = client(&moto.enforced)
                .get_caller_identity(&moto.alice("test"))
                .await
                .map_err(|e| e.to_string())?;
            check(
                id.arn.ends_with(":user/alice") && id.account == "123456789012",
                || format!("{id:?}"),
            )
        }),
    );
    run(
        &mut suite,
        CASES[1],
        Box::pin(async {
            let mut sk = moto.sk.clone();
            let last = sk.pop().unwrap();
            sk.push(if last == 'A' { 'B' } else { 'A' });
            let wrong = Credentials::new(&moto.ak, sk, "test");
            let err = client(&moto.enforced)
                .get_caller_identity(&wrong)
                .await
                .unwrap_err();
            check(
                code(&err) == "SignatureDoesNotMatch" && err.is_provider_error(),
                || err.to_string(),
            )?;
            check(err.to_string().contains(&moto.enforced), || {
                format!("names the endpoint: {err}")
            })
        }),
    );
    run(
        &mut suite,
        CASES[2],
        Box::pin(async {
            let (good, _) = raw_call(&moto.enforced, &moto.alice("test"), |_| {}).await;
            let (status, body) = raw_call(&moto.enforced, &moto.alice("test"), |r| {
                *r.body_mut() = Bytes::from_static(b"Action=GetCallerIdentity&Version=2011-06-16");
            })
            .await;
            check(
                good == 200 && status == 403 && body.contains("SignatureDoesNotMatch"),
                || format!("{good} {status} {body}"),
            )
        }),
    );
    run(
        &mut suite,
        CASES[3],
        Box::pin(async {
            let (status, body) = raw_call(&moto.enforced, &moto.alice("test"), |r| {
                let date = r.headers()["x-amz-date"].to_str().unwrap().to_owned();
                let mut tampered = date.into_bytes();
                let i = tampered.len() - 2;
                tampered[i] = if tampered[i] == b'0' { b'1' } else { b'0' };
                r.headers_mut().insert(
                    "x-amz-date",
                    http::HeaderValue::from_bytes(&tampered).unwrap(),
                );
            })
            .await;
            check(
                status == 403 && body.contains("SignatureDoesNotMatch"),
                || format!("{status} {body}"),
            )
        }),
    );
    run(
        &mut suite,
        CASES[4],
        Box::pin(async {
            let client = client(&moto.enforced);
            let temp = alice_as_role_a(&client, &moto).await?.credentials;
            let wrong_token =
                Credentials::builder(temp.access_key_id(), temp.secret_access_key(), "t")
                    .session_token("not-the-token")
                    .build();
            let no_token = Credentials::new(temp.access_key_id(), temp.secret_access_key(), "t");
            let e1 = client.get_caller_identity(&wrong_token).await.unwrap_err();
            let e2 = client.get_caller_identity(&no_token).await.unwrap_err();
            check(
                code(&e1) == "InvalidClientTokenId" && code(&e2) == "InvalidClientTokenId",
                || format!("{e1} / {e2}"),
            )?;
            check_identity(&client, &temp, ":assumed-role/role-a/chain-src").await
        }),
    );
    run(
        &mut suite,
        CASES[5],
        Box::pin(async {
            let client = client(&moto.enforced);
            let a = alice_as_role_a(&client, &moto).await?;
            check(a.credentials.account_id() == Some("123456789012"), || {
                format!("{:?}", a.credentials)
            })?;
            let b = assume(&client, &a.credentials, &moto.role_b, "hop-two")
                .await
                .map_err(|e| e.to_string())?;
            check_identity(&client, &b.credentials, ":assumed-role/role-b/hop-two").await
        }),
    );
    run(
        &mut suite,
        CASES[6],
        Box::pin(async {
            let alice = moto.alice("test");
            let err = assume(&client(&moto.enforced), &alice, &moto.role_untrusted, "s")
                .await
                .unwrap_err();
            let shown = err.to_string();
            let want = format!(
                "AccessDenied from STS ({}) assuming {}",
                moto.enforced, moto.role_untrusted
            );
            check(
                code(&err) == "AccessDenied" && shown.starts_with(&want),
                || shown.clone(),
            )?;
            check(!shown.contains(&moto.sk), || "secret in error".into())
        }),
    );
    run(
        &mut suite,
        CASES[7],
        Box::pin(async {
            let mut req = AssumeRoleRequest::new(&moto.role_a, "chain-src");
            req.duration_seconds = Some(1000);
            let before = SystemTime::now();
            let out = client(&moto.enforced)
                .assume_role(&moto.alice("test"), &req, "assume-role")
                .await
                .map_err(|e| e.to_string())?;
            let secs = lifetime(&out, before)?;
            check((995..=1005).contains(&secs), || {
                format!("DurationSeconds=1000 gave {secs} s")
            })
        }),
    );
    run(
        &mut suite,
        CASES[8],
        Box::pin(async {
            let mut req = AssumeRoleWithWebIdentityRequest::new(
                "arn:aws:iam::123456789012:role/web",
                "web-session",
                "eyJhbGciOiJSUzI1NiJ9.e30.sig",
            );
            req.duration_seconds = Some(900);
            let before = SystemTime::now();
            let out = client(&moto.open)
                .assume_role_with_web_identity(&req, "assume-role-with-web-identity")
                .await
                .map_err(|e| e.to_string())?;
            let secs = lifetime(&out, before)?;
            check(
                out.credentials.session_token().is_some() && (895..=905).contains(&secs),
                || format!("{secs}"),
            )?;
            check(
                out.credentials.provider_name() == "assume-role-with-web-identity",
                || "name".into(),
            )
        }),
    );
    run(
        &mut suite,
        CASES[9],
        Box::pin(async {
            // A dead endpoint: an error naming the URL, quickly, never a hang or a panic.
            let dead = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                format!("http://{}", l.local_addr().unwrap())
            };
            let client = StsClient::builder(&sources())
                .endpoint(Endpoint::new(&dead, "us-east-1"))
                .retry(awscred_http::RetryConfig::disabled())
                .build()
                .unwrap();
            let err = client
                .get_caller_identity(&moto.alice("test"))
                .await
                .unwrap_err();
            check(
                err.to_string().contains("127.0.0.1")
                    && err.to_string().contains("GetCallerIdentity"),
                || err.to_string(),
            )
        }),
    );
    run(
        &mut suite,
        CASES[10],
        Box::pin(async {
            let out = client(&moto.enforced)
                .get_session_token(
                    &moto.alice("test"),
                    &awscred_sts::GetSessionTokenRequest::default(),
                    "sts-session",
                )
                .await
                .map_err(|e| e.to_string())?;
            let who = client(&moto.enforced)
                .get_caller_identity(&out.credentials)
                .await;
            check(
                out.credentials.session_token().is_some() && out.assumed_role_user.is_none(),
                || format!("{out:?}"),
            )?;
            // Real STS answers with the user's ARN. moto 5.2.5 (pinned) under enforcement does
            // not know the keys GetSessionToken hands out and answers InvalidClientTokenId,
            // always (checked with boto3 against the same server): so that is what is asserted.
            // If a moto upgrade starts answering, this fails and should become `who.is_ok()`.
            check(
                who.as_ref()
                    .is_err_and(|e| code(e) == "InvalidClientTokenId"),
                || format!("moto's answer changed: {who:?}"),
            )
        }),
    );
    suite.finish();
}

const CASES: &[&str] = &[
    "good signature: GetCallerIdentity as the IAM user",
    "wrong secret: SignatureDoesNotMatch",
    "tampered body: SignatureDoesNotMatch",
    "tampered x-amz-date: SignatureDoesNotMatch",
    "wrong or missing session token: InvalidClientTokenId",
    "two-hop chain user -> role-a -> role-b under trust policies",
    "untrusted hop: AccessDenied with a clear error",
    "DurationSeconds reaches STS",
    "AssumeRoleWithWebIdentity unsigned on the open server",
    "dead endpoint: error names the URL",
    "GetSessionToken signed with the user's keys; moto refuses its keys (InvalidClientTokenId)",
];
