//! Real botocore (the moto venv's) as the client of `awscred serve` and of `awscred exec
//! --server`, for static keys, a role profile and an SSO profile: botocore's container provider
//! (the AWS CLI's) must get `Token` and `Expiration` and make a signed `GetCallerIdentity`.
//!
//! STS is the SigV4-enforcing moto server: it checks awscred's `GetSessionToken` (signed with
//! the seeded user's long-term keys) and `AssumeRole`, and botocore's call with the role
//! session. moto answers `GetSessionToken` with the fixed example credentials of the AWS
//! documentation, which its own enforcement does not know, so botocore's call with that
//! session (and with the SSO fixture's invented role credentials) goes to the open moto server,
//! which parses the signed request but does not check it. The SSO portal is the fixture server.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary and Python"
)]

use std::path::Path;
use std::process::Command;

use support::cmd;

mod support;

/// What botocore saw and did, one JSON line.
const CLIENT: &str = r#"
import json, sys
import botocore.session
s = botocore.session.get_session()
c = s.get_credentials()
f = c.get_frozen_credentials()
sts = s.create_client("sts", region_name="us-east-1", endpoint_url=sys.argv[1])
ident = sts.get_caller_identity()
print(json.dumps({"method": c.method, "access_key": f.access_key, "token": f.token,
                  "expiry": str(getattr(c, "_expiry_time", None)), "arn": ident["Arn"]}))
"#;

#[test]
fn botocore_is_a_client_of_serve_and_exec_server() {
    awscred_test::moto::with_botocore_case(
        "serve-botocore",
        "moto",
        "botocore through serve and exec --server: static keys, role, SSO",
        run,
    );
}

fn run(moto: &awscred_test::moto::Moto, python: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let role_creds = |key: &str| {
        serde_json::json!({
            "request": {"method": "GET",
                        "path": "/federation/credentials?account_id=123456789012&role_name=Admin",
                        "headers": {"x-amz-sso_bearer_token": "SSOACCESSTOKEN"}},
            "response": {"status": 200, "body": format!(
                "{{\"roleCredentials\":{{\"accessKeyId\":\"{key}\",\"secretAccessKey\":\"SSOROLESECRET\",\
                 \"sessionToken\":\"SSOROLETOKEN\",\"expiration\":2051222400000}}}}")}})
    };
    // serve and exec --server each ask the portal once (--no-cache for the SSO profile).
    let portal = rt.block_on(support::fixture(serde_json::json!([
        role_creds("ASIASSOSERVE0000"),
        role_creds("ASIASSOEXEC00000")
    ])));
    let (ak, sk, role) = (&moto.ak, &moto.sk, &moto.role_a);
    let session = format!("botocore-serve-{}", std::process::id());
    let h = support::home(
        "botocore",
        "serve",
        "",
        &format!(
            "[profile static]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\nregion = us-east-1\n\
             [profile role]\nrole_arn = {role}\nsource_profile = static\nrole_session_name = {session}\nregion = us-east-1\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
        ),
    );
    std::fs::write(
        support::corp_sso_token_path(&h),
        serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                           "accessToken": "SSOACCESSTOKEN", "expiresAt": "2035-01-01T00:00:00Z"})
        .to_string(),
    )
    .unwrap();
    let portal_url = portal.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", moto.enforced.as_str()),
        ("AWS_ENDPOINT_URL_SSO", portal_url.as_str()),
    ];
    let script = h.join("client.py");
    std::fs::write(&script, CLIENT).unwrap();

    let cases: [(&str, &[&str], &str); 3] = [
        ("static", &[], &moto.open),
        ("role", &[], &moto.enforced),
        ("sso", &["--no-cache"], &moto.open),
    ];
    for (profile, extra, sts_for_client) in cases {
        // `serve`, with botocore in another process given the two variables.
        let mut args = vec!["serve", "--profile", profile];
        args.extend_from_slice(extra);
        let serving = support::Serving::start(cmd(&h, &args, &env));
        let out = Command::new(python)
            .arg(&script)
            .arg(sts_for_client)
            .env_clear()
            .env("HOME", h.join("nowhere"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &serving.uri)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &serving.token)
            .output()
            .unwrap();
        let (_, serve_err) = serving.stop();
        let served = answer(profile, "serve", &out, &serve_err);

        // `exec --server`, with botocore as the child.
        let mut args = vec!["exec", "--server", "--profile", profile];
        args.extend_from_slice(extra);
        let python_arg = python.to_string_lossy().into_owned();
        let script_arg = script.to_string_lossy().into_owned();
        args.extend_from_slice(&["--", &python_arg, &script_arg, sts_for_client]);
        let out = cmd(&h, &args, &env).output().unwrap();
        let executed = answer(profile, "exec --server", &out, "");

        match profile {
            "static" => {
                for a in [&served, &executed] {
                    assert_ne!(
                        a["access_key"],
                        ak.as_str(),
                        "long-term keys handed out: {a}"
                    );
                }
                // The second process found the first one's session in ~/.aws/cli/cache.
                assert_eq!(served["expiry"], executed["expiry"]);
                assert_eq!(served["access_key"], executed["access_key"]);
                let entries: Vec<_> = std::fs::read_dir(h.join(".aws/cli/cache"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect();
                assert_eq!(entries.len(), 1, "{entries:?}");
                use std::os::unix::fs::PermissionsExt as _;
                let mode = std::fs::metadata(&entries[0]).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
                let text = std::fs::read_to_string(&entries[0]).unwrap();
                assert!(
                    text.contains("\"ProviderType\": \"sts-session-token\""),
                    "{text}"
                );
            }
            "role" => {
                for a in [&served, &executed] {
                    let arn = a["arn"].as_str().unwrap();
                    assert!(
                        arn.ends_with(&format!(":assumed-role/role-a/{session}")),
                        "{arn}"
                    );
                }
            }
            _ => {
                assert_eq!(served["access_key"], "ASIASSOSERVE0000");
                assert_eq!(served["token"], "SSOROLETOKEN");
                assert_eq!(executed["access_key"], "ASIASSOEXEC00000");
            }
        }
    }
    portal.verify().unwrap();
    let _ = std::fs::remove_dir_all(&h);
}

/// botocore's line, after checking it used the container provider with a token and an expiry.
fn answer(
    profile: &str,
    how: &str,
    out: &std::process::Output,
    server_err: &str,
) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "botocore via {how} --profile {profile} failed:\n{stdout}\n{stderr}\nawscred: {server_err}"
    );
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("{how} --profile {profile}: not JSON ({e}): {stdout}\n{stderr}")
    });
    assert_eq!(v["method"], "container-role", "{how} {profile}: {v}");
    assert!(
        v["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{how} {profile}: {v}"
    );
    assert_ne!(v["expiry"], "None", "{how} {profile}: {v}");
    v
}
