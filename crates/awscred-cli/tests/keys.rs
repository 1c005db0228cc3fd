//! `awscred keys` through the binary, on the encrypted-file backend: add / list / session /
//! export / remove, and `migrate` against golden files, with a SIGKILL at every step.
//! STS (and IAM, for `rotate`'s failure paths) is the fixture server here; `keys_rotate.rs` and
//! `keys_botocore.rs` have the real peers.
#![cfg(feature = "keys")]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::path::{Path, PathBuf};

use awscred_keystore::{FileKeyStore, KeyStore};

mod support;

const PASSPHRASE: &str = "test passphrase, not a secret of anyone";

fn golden(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/keys-migrate")
            .join(name),
    )
    .unwrap()
}

fn who(arn: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
        "response": {"status": 200, "body": format!("<GetCallerIdentityResponse><GetCallerIdentityResult>\
            <Arn>{arn}</Arn><UserId>AIDAUSER</UserId><Account>123456789012</Account>\
            </GetCallerIdentityResult></GetCallerIdentityResponse>")}})
}

fn env(sts: &str) -> Vec<(&str, &str)> {
    vec![
        ("AWSCRED_KEYSTORE", "file"),
        ("AWSCRED_KEYSTORE_PASSPHRASE", PASSPHRASE),
        ("AWS_ENDPOINT_URL_STS", sts),
        ("AWS_REGION", "eu-west-1"),
    ]
}

/// The store the binary writes, read by the library with the same passphrase.
fn store(home: &Path) -> FileKeyStore {
    support::file_store(home, PASSPHRASE)
}

#[tokio::test(flavor = "multi_thread")]
async fn add_list_session_export_remove() {
    let config =
        "# mine\n[profile dev]\nregion = eu-west-1 # Ireland\n\n[profile other]\noutput = json\n";
    let h = support::home("keys", "add", "", config);
    let sts = support::fixture(serde_json::json!([who(
        "arn:aws:iam::123456789012:user/dev"
    )]))
    .await;
    let url = sts.url();
    let mut e = env(&url);
    e.extend([
        ("AWS_ACCESS_KEY_ID", "AKIAADD0000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETADDKEY/abc+def"),
    ]);
    let (code, out, err) = support::run(&h, &["keys", "add", "dev", "--from-env"], &e).await;
    assert_eq!(code, 0, "{err}");
    sts.verify().unwrap();
    assert!(out.contains("AKIA************0001"), "{out}");
    assert!(
        out.contains("file key store (account 123456789012"),
        "{out}"
    );
    assert!(
        !out.contains("SECRETADD") && !err.contains("SECRETADD"),
        "{out}{err}"
    );
    // Only the one line added; the comment, the inline comment and the other profile kept.
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        "# mine\n[profile dev]\nregion = eu-west-1 # Ireland\n\
         credential_process = awscred keys session --profile dev\n\n[profile other]\noutput = json\n"
    );
    let file = h.join(".aws/awscred-keys.enc");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions())
            & 0o777,
        0o600
    );
    let raw = std::fs::read(&file).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("SECRETADD"));
    let stored = store(&h).get("dev").unwrap().unwrap();
    assert_eq!(stored.secret_access_key(), "SECRETADDKEY/abc+def");
    assert_eq!(stored.account_id(), Some("123456789012"));

    let (code, out, err) = support::run(&h, &["keys", "list"], &env(&url)).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "dev  file  AKIA************0001  credential_process set  no session cached\n"
    );

    let (code, out, err) = support::run(
        &h,
        &["keys", "session", "--profile", "dev", "--no-session"],
        &env(&url),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["AccessKeyId"], "AKIAADD0000000000001");
    assert_eq!(json["SecretAccessKey"], "SECRETADDKEY/abc+def");
    assert_eq!(json["Version"], 1);

    // The undo: back in the credentials file, gone from the store and the config file.
    let (code, out, err) = support::run(&h, &["keys", "export", "dev"], &env(&url)).await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("SECRETADD"), "{out}");
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/credentials")).unwrap(),
        "[dev]\naws_access_key_id = AKIAADD0000000000001\naws_secret_access_key = SECRETADDKEY/abc+def\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        config
    );
    assert_eq!(store(&h).list().unwrap(), Vec::<String>::new());

    // remove: the store item and the line.
    store(&h)
        .put(
            "other",
            &awscred_types::Credentials::new("AKIAOTHER00000000001", "S", "t"),
        )
        .unwrap();
    std::fs::write(
        h.join(".aws/config"),
        format!("{config}credential_process = awscred keys session --profile other\n"),
    )
    .unwrap();
    let (code, out, err) = support::run(&h, &["keys", "remove", "other"], &env(&url)).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("keys removed from the file key store"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        config
    );
    assert!(store(&h).get("other").unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn add_refuses_keys_sts_refuses_and_stores_nothing() {
    let h = support::home("keys", "refused", "", "");
    let sts = support::fixture(serde_json::json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
        "response": {"status": 403, "body": "<ErrorResponse><Error><Type>Sender</Type>\
            <Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>\
            </Error></ErrorResponse>"}}]))
    .await;
    let url = sts.url();
    let mut e = env(&url);
    e.extend([
        ("AWS_ACCESS_KEY_ID", "AKIABAD0000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "SECRETBADKEY"),
    ]);
    let (code, _, err) = support::run(&h, &["keys", "add", "dev", "--from-env"], &e).await;
    assert_eq!(code, 1);
    assert!(err.contains("nothing was stored"), "{err}");
    assert!(
        err.contains("security token included in the request is invalid"),
        "{err}"
    );
    assert!(!err.contains("SECRETBADKEY"), "{err}");
    assert!(!h.join(".aws/awscred-keys.enc").exists());
    assert_eq!(std::fs::read_to_string(h.join(".aws/config")).unwrap(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn add_without_a_terminal_says_how_to_give_the_keys() {
    let h = support::home("keys", "notty", "", "");
    let (code, _, err) =
        support::run(&h, &["keys", "add", "dev"], &env("http://127.0.0.1:9")).await;
    assert_eq!(code, 1);
    assert!(err.contains("--from-env"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_passphrase_is_a_clear_error() {
    let h = support::home("keys", "wrongpass", "", "");
    store(&h)
        .put(
            "dev",
            &awscred_types::Credentials::new("AKIADEV0000000000001", "SECRETX", "t"),
        )
        .unwrap();
    let mut e = env("http://127.0.0.1:9");
    e[1] = ("AWSCRED_KEYSTORE_PASSPHRASE", "not the passphrase");
    let (code, _, err) = support::run(&h, &["keys", "list"], &e).await;
    assert_eq!(code, 1);
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(err.contains("awscred-keys.enc"), "{err}");
    assert!(!err.contains("not the passphrase"), "{err}");
}

fn migrate_home(name: &str) -> PathBuf {
    support::home(
        "keys",
        name,
        &golden("credentials.before"),
        &golden("config.before"),
    )
}

async fn three_whos() -> awscred_test::fixture_server::FixtureServer {
    support::fixture(serde_json::json!([
        who("arn:aws:iam::123456789012:user/default"),
        who("arn:aws:iam::123456789012:user/dev"),
        who("arn:aws:iam::123456789012:user/admin"),
    ]))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_all_matches_the_golden_files() {
    let h = migrate_home("migrate");
    let sts = three_whos().await;
    let url = sts.url();
    let (code, out, err) = support::run(&h, &["keys", "migrate", "--all"], &env(&url)).await;
    assert_eq!(code, 0, "{out}{err}");
    sts.verify().unwrap();
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/credentials")).unwrap(),
        golden("credentials.after")
    );
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        golden("config.after")
    );
    assert!(out.contains("temp: skipped"), "{out}");
    assert!(out.contains("keys become profile admin-keys"), "{out}");
    assert!(out.contains("3 profiles migrated"), "{out}");
    assert!(
        !h.join(".aws/credentials.awscred-backup").exists(),
        "backup removed"
    );
    let s = store(&h);
    assert_eq!(s.list().unwrap(), ["admin-keys", "default", "dev"]);
    assert_eq!(
        s.get("dev").unwrap().unwrap().secret_access_key(),
        "SECRETDEVKEY"
    );
    for text in [&out, &err] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_dry_run_and_keep_backup() {
    let h = migrate_home("dryrun");
    let (code, out, err) = support::run(
        &h,
        &["keys", "migrate", "dev", "--dry-run"],
        &env("http://127.0.0.1:9"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/credentials")).unwrap(),
        golden("credentials.before")
    );
    assert_eq!(
        std::fs::read_to_string(h.join(".aws/config")).unwrap(),
        golden("config.before")
    );
    assert!(!h.join(".aws/awscred-keys.enc").exists());

    let sts = support::fixture(serde_json::json!([who(
        "arn:aws:iam::123456789012:user/dev"
    )]))
    .await;
    let url = sts.url();
    let (code, out, err) =
        support::run(&h, &["keys", "migrate", "dev", "--keep-backup"], &env(&url)).await;
    assert_eq!(code, 0, "{out}{err}");
    let backup = h.join(".aws/credentials.awscred-backup");
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        golden("credentials.before")
    );
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&backup).unwrap().permissions())
            & 0o777,
        0o600
    );
    let creds = std::fs::read_to_string(h.join(".aws/credentials")).unwrap();
    assert!(
        !creds.contains("SECRETDEVKEY") && creds.contains("SECRETDEFAULTKEY"),
        "{creds}"
    );

    // Unknown profiles and no choice are errors that change nothing.
    let (code, _, err) =
        support::run(&h, &["keys", "migrate", "nope"], &env("http://127.0.0.1:9")).await;
    assert_eq!(code, 1);
    assert!(err.contains("profile: nope"), "{err}");
    let (code, _, err) = support::run(&h, &["keys", "migrate"], &env("http://127.0.0.1:9")).await;
    assert_eq!(code, 1);
    assert!(err.contains("--all"), "{err}");
}

/// A migrate stopped and SIGKILLed after each of its steps never loses a key: each is in the
/// credentials file, or in the store and the backup. A second run then finishes the job, and
/// the files end as the golden ones.
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_after_any_step_never_loses_a_key() {
    let keys = [
        ("default", "default", "SECRETDEFAULTKEY"),
        ("dev", "dev", "SECRETDEVKEY"),
        ("admin", "admin-keys", "SECRETADMINKEY"),
    ];
    for step in 1..=5u32 {
        let h = migrate_home(&format!("kill{step}"));
        let sts = three_whos().await;
        let url = sts.url();
        let step_text = step.to_string();
        let mut e = env(&url);
        e.push(("AWSCRED_TEST_MIGRATE_STOP_AFTER", &step_text));
        let mut child = support::cmd(&h, &["keys", "migrate", "--all"], &e)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::task::block_in_place(|| support::wait_stopped(&mut child, &format!("step {step}")));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let creds = std::fs::read_to_string(h.join(".aws/credentials")).unwrap();
        let backup =
            std::fs::read_to_string(h.join(".aws/credentials.awscred-backup")).unwrap_or_default();
        let s = store(&h);
        for (from, to, secret) in keys {
            let in_file = creds.contains(secret);
            let in_store = s
                .get(to)
                .unwrap()
                .is_some_and(|k| k.secret_access_key() == secret);
            let in_backup = backup.contains(secret);
            assert!(
                in_file || (in_store && in_backup),
                "step {step}: the key of {from} is lost (file {in_file}, store {in_store}, \
                 backup {in_backup})"
            );
        }
        // The run again finishes the job (it may find nothing left to move).
        let sts2 = three_whos().await;
        let url2 = sts2.url();
        let (code, out, err) = support::run(&h, &["keys", "migrate", "--all"], &env(&url2)).await;
        assert!(
            code == 0 || out.contains("no keys to migrate"),
            "step {step}: {out}{err}"
        );
        assert_eq!(
            std::fs::read_to_string(h.join(".aws/credentials")).unwrap(),
            golden("credentials.after"),
            "step {step}"
        );
        assert_eq!(
            std::fs::read_to_string(h.join(".aws/config")).unwrap(),
            golden("config.after"),
            "step {step}"
        );
        let s = store(&h);
        for (_, to, secret) in keys {
            assert_eq!(
                s.get(to).unwrap().unwrap().secret_access_key(),
                secret,
                "step {step}"
            );
        }
        drop(sts);
    }
}

fn session_ok(key: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetSessionToken"]},
        "response": {"status": 200, "body": format!("<GetSessionTokenResponse><GetSessionTokenResult>\
            <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>SECRETSESSIONKEY</SecretAccessKey>\
            <SessionToken>SESSIONTOKENVALUE</SessionToken><Expiration>2035-01-01T00:00:00Z</Expiration>\
            </Credentials></GetSessionTokenResult></GetSessionTokenResponse>")}})
}

/// `keys session` exchanges the stored keys for a session (with the profile's MFA device and
/// the given code), caches it in `~/.aws/cli/cache` (the second run makes no call), `list`
/// shows it, `remove --sessions-only` removes it; and the chain answers the profile's
/// `credential_process = awscred keys session …` in process: awscred is not on PATH here, so a
/// subprocess could not have answered.
#[tokio::test(flavor = "multi_thread")]
async fn session_tokens_cached_and_answered_in_process() {
    let h = support::home(
        "keys",
        "session",
        "",
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
         credential_process = awscred keys session --profile dev\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n",
    );
    store(&h)
        .put(
            "dev",
            &awscred_types::Credentials::new("AKIASESS000000000001", "SECRETLONGTERM", "t"),
        )
        .unwrap();
    let sts = support::fixture(serde_json::json!([
        {
            "request": {"method": "POST", "path": "/", "body_contains": [
                "Action=GetSessionToken", "DurationSeconds=28800",
                "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme", "TokenCode=123456"]},
            "response": session_ok("ASIASESS000000000001")["response"].clone()
        },
        session_ok("ASIASESS000000000002"),
    ]))
    .await;
    let url = sts.url();
    let args = [
        "--mfa-code",
        "123456",
        "keys",
        "session",
        "--profile",
        "dev",
    ];
    let (code, out, err) = support::run(&h, &args, &env(&url)).await;
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["AccessKeyId"], "ASIASESS000000000001");
    assert_eq!(json["SessionToken"], "SESSIONTOKENVALUE");
    assert_eq!(json["Expiration"], "2035-01-01T00:00:00Z");
    assert!(
        !err.contains("SECRETLONGTERM") && !err.contains("123456"),
        "{err}"
    );
    // Cached: the same answer with no STS call and no code.
    let (code, again, err) =
        support::run(&h, &["keys", "session", "--profile", "dev"], &env(&url)).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, out);
    let (_, list, _) = support::run(&h, &["keys", "list"], &env(&url)).await;
    assert!(
        list.contains("session cached until 2035-01-01T00:00:00Z"),
        "{list}"
    );
    // explain and profiles show the key-store profile, and a role on it.
    let (code, out, err) = support::run(
        &h,
        &["explain", "--profile", "role"],
        // AssumeRole goes nowhere: only the explanation matters here.
        &env("http://127.0.0.1:9"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("base: key store profile dev (a GetSessionToken session; STS limits a role"),
        "{out}"
    );
    let (_, out, _) = support::run(&h, &["explain", "--profile", "dev"], &env(&url)).await;
    assert!(
        out.contains("kind: key store (credential_process = awscred keys session)"),
        "{out}"
    );
    assert!(
        out.contains(
            "key store: file, key AKIA************0001, session cached until 2035-01-01T00:00:00Z"
        ),
        "{out}"
    );
    let (_, out, _) = support::run(&h, &["profiles"], &env(&url)).await;
    assert!(
        out.contains("dev   key store (credential_process = awscred keys session)  [config]  (key store: file, key AKIA"),
        "{out}"
    );

    // In process: export-credentials through the chain, with no awscred on PATH.
    let mut e = env(&url);
    e.push(("PATH", "/nonexistent"));
    let (code, out, err) = support::run(&h, &["export-credentials", "--profile", "dev"], &e).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\"AccessKeyId\":\"ASIASESS000000000001\""),
        "{out}"
    );

    let (code, out, err) = support::run(
        &h,
        &["keys", "remove", "dev", "--sessions-only"],
        &env(&url),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 cached session(s) removed"), "{out}");
    assert!(store(&h).get("dev").unwrap().is_some(), "the keys stay");
    // Without the cache: a new session (with another code), then `--no-cache` and `--duration`.
    let (code, out, err) = support::run(
        &h,
        &[
            "--mfa-code",
            "654321",
            "--no-cache",
            "keys",
            "session",
            "--profile",
            "dev",
            "--duration",
            "8h",
        ],
        &env(&url),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ASIASESS000000000002"), "{out}");
    sts.verify().unwrap();
    let (code, _, err) = support::run(
        &h,
        &["keys", "session", "--profile", "dev", "--duration", "10x"],
        &env(&url),
    )
    .await;
    assert_eq!(code, 2, "{err}");
}

fn iam_post(action: &str, status: u16, body: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": [
            format!("Action={action}"), "Version=2010-05-08".to_owned()]},
        "response": {"status": status, "body": body}})
}

fn sts_error(status: u16, code: &str) -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=GetCallerIdentity"]},
        "response": {"status": status, "body": format!("<ErrorResponse><Error><Type>Sender</Type>\
            <Code>{code}</Code><Message>refused by the fixture</Message></Error></ErrorResponse>")}})
}

const CREATED: &str = "<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey>\
    <UserName>dev</UserName><AccessKeyId>AKIAROTNEW0000000002</AccessKeyId><Status>Active</Status>\
    <SecretAccessKey>SECRETROTNEWKEY</SecretAccessKey></AccessKey></CreateAccessKeyResult>\
    </CreateAccessKeyResponse>";

const IAM_DENIED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
    <Message>not allowed by the fixture</Message></Error></ErrorResponse>";

/// `rotate`'s later steps failing (the fixture plays IAM and STS): each ends with a working key
/// stored, and says what to do. A new key STS first refuses (`InvalidClientTokenId`: not
/// propagated yet) is tried again.
#[tokio::test(flavor = "multi_thread")]
async fn rotate_failures_after_create_keep_a_working_key_stored() {
    let old = awscred_types::Credentials::new("AKIAROTOLD0000000001", "SECRETROTOLDKEY", "t");
    let user = "arn:aws:iam::123456789012:user/dev";
    let deleted = "<DeleteAccessKeyResponse><ResponseMetadata><RequestId>1</RequestId>\
        </ResponseMetadata></DeleteAccessKeyResponse>";

    // The old key cannot be deleted: the new one stays stored (it was verified, the second
    // time), and the error says the old key is still in IAM.
    let h = support::home("keys", "rotate-nodelete", "", "[profile dev]\n");
    store(&h).put("dev", &old).unwrap();
    let fixture = support::fixture(serde_json::json!([
        who(user),
        iam_post("CreateAccessKey", 200, CREATED),
        sts_error(403, "InvalidClientTokenId"),
        who(user),
        iam_post("DeleteAccessKey", 403, IAM_DENIED),
    ]))
    .await;
    let url = fixture.url();
    let mut e = env(&url);
    e.push(("AWS_ENDPOINT_URL_IAM", &url));
    let (code, out, err) = support::run(&h, &["keys", "rotate", "dev"], &e).await;
    assert_eq!(code, 1, "{out}{err}");
    fixture.verify().unwrap();
    assert!(
        out.contains(
            "AKIA************0002 stored in the file key store and verified with STS (2 attempts)"
        ),
        "{out}"
    );
    assert!(
        err.contains(
            "the new key AKIA************0002 is stored and in use, but IAM did not delete the \
             old key AKIA************0001"
        ),
        "{err}"
    );
    assert!(
        err.contains("step: DeleteAccessKey (the old key), profile: dev"),
        "{err}"
    );
    assert!(err.contains("AccessDenied from IAM"), "{err}");
    assert_eq!(
        store(&h).get("dev").unwrap().unwrap().secret_access_key(),
        "SECRETROTNEWKEY"
    );
    for text in [&out, &err] {
        assert!(!text.contains("SECRETROT"), "{text}");
    }

    // STS refuses the new key: the old key goes back into the store and the new one is
    // deleted from IAM (signed with the old key, which still works).
    let h = support::home("keys", "rotate-unverified", "", "[profile dev]\n");
    store(&h).put("dev", &old).unwrap();
    let fixture = support::fixture(serde_json::json!([
        who(user),
        iam_post("CreateAccessKey", 200, CREATED),
        sts_error(403, "AccessDenied"),
        {
            "request": {"method": "POST", "path": "/", "body_contains": [
                "Action=DeleteAccessKey", "AccessKeyId=AKIAROTNEW0000000002"]},
            "response": {"status": 200, "body": deleted}
        },
    ]))
    .await;
    let url = fixture.url();
    let mut e = env(&url);
    e.push(("AWS_ENDPOINT_URL_IAM", &url));
    let (code, out, err) = support::run(&h, &["keys", "rotate", "dev"], &e).await;
    assert_eq!(code, 1, "{out}{err}");
    fixture.verify().unwrap();
    assert!(
        err.contains(
            "STS did not accept the new key; the new key AKIA************0002 was deleted from \
             IAM again, and the key AKIA************0001 is still stored and in use"
        ),
        "{err}"
    );
    assert!(
        err.contains("step: GetCallerIdentity (the new key)"),
        "{err}"
    );
    assert_eq!(
        store(&h).get("dev").unwrap().unwrap().secret_access_key(),
        "SECRETROTOLDKEY"
    );
    for text in [&out, &err] {
        assert!(!text.contains("SECRETROT"), "{text}");
    }

    // No keys stored: an error before any call.
    let h = support::home("keys", "rotate-none", "", "");
    let (code, _, err) =
        support::run(&h, &["keys", "rotate", "dev"], &env("http://127.0.0.1:9")).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("no keys for this profile in the key store"),
        "{err}"
    );
}
