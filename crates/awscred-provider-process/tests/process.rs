//! Running real commands through `sh`: pipes, exit statuses, output limits, timeouts and the
//! process group, and the command line never showing up in an error.
#![allow(
    clippy::disallowed_methods,
    reason = "tests create and inspect marker files in a temporary folder"
)]
#![cfg(unix)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use awscred_provider_process::{MAX_OUTPUT_BYTES, ProcessGroup, ProcessProvider};
use awscred_types::{CredentialsError, ProvideCredentials};

const JSON: &str = r#"{"Version":1,"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"SECRETKEY"}"#;

fn printing(json: &str) -> String {
    format!("printf '%s' '{json}'")
}

async fn run(command: &str) -> Result<awscred_types::Credentials, CredentialsError> {
    ProcessProvider::builder(command)
        .profile_name("dev")
        .build()
        .provide_credentials()
        .await
}

async fn run_err(command: &str) -> CredentialsError {
    let err = run(command).await.unwrap_err();
    assert_eq!(err.field("profile"), Some("dev"), "{err}");
    err
}

/// A fresh folder for marker files, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "awscred-provider-process-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating a scratch folder");
        Self(dir)
    }

    fn marker(&self) -> PathBuf {
        self.0.join("marker")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn static_credentials_from_a_simple_command() {
    let c = run(&printing(JSON)).await.unwrap();
    assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(c.secret_access_key(), "SECRETKEY");
    assert_eq!(c.session_token(), None);
    assert_eq!(c.expiry(), None, "no Expiration: never expires");
    assert_eq!(c.account_id(), None);
    assert_eq!(c.provider_name(), "custom-process");
}

#[tokio::test]
async fn token_expiry_and_account_id() {
    let json = r#"{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"SK","SessionToken":"TOK","Expiration":"2030-01-01T00:00:00Z","AccountId":"123456789012"}"#;
    let c = run(&printing(json)).await.unwrap();
    assert_eq!(c.session_token(), Some("TOK"));
    assert_eq!(
        c.expiry(),
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
    );
    assert_eq!(c.account_id(), Some("123456789012"));
}

#[tokio::test]
async fn pipes_work_because_the_shell_runs_the_command() {
    // base64 of {"Version":1,"AccessKeyId":"AKIDPIPED","SecretAccessKey":"SKPIPED","SessionToken":"TOKPIPED"}
    let encoded = "eyJWZXJzaW9uIjoxLCJBY2Nlc3NLZXlJZCI6IkFLSURQSVBFRCIsIlNlY3JldEFjY2Vzc0tleSI6IlNLUElQRUQiLCJTZXNzaW9uVG9rZW4iOiJUT0tQSVBFRCJ9";
    let c = run(&format!("echo {encoded} | base64 --decode"))
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "AKIDPIPED");
    assert_eq!(c.secret_access_key(), "SKPIPED");
    assert_eq!(c.session_token(), Some("TOKPIPED"));
    // Shell syntax beyond pipes: variables and command lists.
    let c =
        run(r#"K=AKIDVAR; printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"S"}' "$K""#)
            .await
            .unwrap();
    assert_eq!(c.access_key_id(), "AKIDVAR");
}

#[tokio::test]
async fn account_id_fallback_applies_only_without_an_account_id_in_the_output() {
    let provider = |command: String| {
        ProcessProvider::builder(command)
            .account_id_fallback(Some("222222222222".into()))
            .build()
    };
    let c = provider(printing(JSON))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.account_id(), Some("222222222222"));
    let own = r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","AccountId":"111111111111"}"#;
    let c = provider(printing(own)).provide_credentials().await.unwrap();
    assert_eq!(c.account_id(), Some("111111111111"));
}

#[tokio::test]
async fn every_call_runs_the_command_again() {
    let scratch = Scratch::new("rerun");
    let counter = scratch.0.join("count");
    let command = format!(
        "echo x >> '{p}'; n=$(wc -l < '{p}' | tr -d ' '); \
         printf '{{\"Version\":1,\"AccessKeyId\":\"AK%s\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2030-01-01T00:00:00Z\"}}' \"$n\"",
        p = counter.display()
    );
    let provider = ProcessProvider::builder(command).build();
    assert_eq!(awscred_test::key_id(&provider).await, "AK1");
    assert_eq!(awscred_test::key_id(&provider).await, "AK2");
}

#[tokio::test]
async fn non_zero_exit_is_a_provider_error_with_the_status() {
    let err = run_err(&format!("{}; exit 3", printing(JSON))).await;
    assert!(err.is_provider_error());
    assert_eq!(err.message(), "credential_process exited with status 3");
    let err = run_err("echo 'helper: MFA required' >&2; exit 1").await;
    assert_eq!(err.message(), "credential_process exited with status 1");
    let err = run_err("awscred-no-such-command-xyz").await;
    assert!(err.message().contains("status 127"), "{err}");
    let err = run_err("kill -9 $$").await;
    assert_eq!(err.message(), "credential_process was killed by signal 9");
}

#[tokio::test]
async fn output_up_to_the_limit_is_read_and_beyond_it_is_an_error() {
    // Exactly MAX_OUTPUT_BYTES: the JSON followed by spaces.
    let pad = MAX_OUTPUT_BYTES - JSON.len();
    let exact = format!("{}; head -c {pad} /dev/zero | tr '\\0' ' '", printing(JSON));
    assert_eq!(run(&exact).await.unwrap().access_key_id(), "AKIDEXAMPLE");
    let over = format!(
        "{}; head -c {} /dev/zero | tr '\\0' ' '",
        printing(JSON),
        pad + 1
    );
    let err = run_err(&over).await;
    assert!(err.is_provider_error());
    assert!(err.message().contains("more than 1048576 bytes"), "{err}");
}

#[tokio::test]
async fn endless_output_is_cut_off_and_the_command_killed() {
    let started = Instant::now();
    let provider = ProcessProvider::builder("yes")
        .profile_name("dev")
        .process_group(ProcessGroup::Separate)
        .build();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.message().contains("more than"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Runs `sh -c "(sleep 1; touch marker) & wait"` with a short timeout, and reports whether the
/// grandchild still wrote the marker after the timeout.
async fn grandchild_survives_timeout(group: ProcessGroup) -> (CredentialsError, bool, Duration) {
    let scratch = Scratch::new(&format!("timeout-{group:?}"));
    let marker = scratch.marker();
    let command = format!(
        "(sleep 1; echo late > '{}') & wait; echo --secret hunter2",
        marker.display()
    );
    let provider = ProcessProvider::builder(command)
        .profile_name("dev")
        .timeout(Duration::from_millis(300))
        .process_group(group)
        .build();
    let started = Instant::now();
    let err = provider.provide_credentials().await.unwrap_err();
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    (err, marker.exists(), took)
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group_and_names_the_profile() {
    let (err, marker_written, took) = grandchild_survives_timeout(ProcessGroup::Separate).await;
    assert!(err.is_timed_out(), "{err}");
    assert_eq!(err.field("profile"), Some("dev"));
    assert!(
        err.message().contains("did not finish within 300ms"),
        "{err}"
    );
    assert!(took < Duration::from_millis(900), "returned after {took:?}");
    assert!(!marker_written, "the grandchild outlived the timeout");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("sleep"),
        "{shown}"
    );
}

#[tokio::test]
async fn in_the_shared_group_a_grandchild_outlives_the_timeout() {
    // The control for the test above: the marker check does detect a surviving grandchild.
    let (err, marker_written, took) = grandchild_survives_timeout(ProcessGroup::Shared).await;
    assert!(err.is_timed_out(), "{err}");
    assert!(took < Duration::from_millis(900), "returned after {took:?}");
    assert!(
        marker_written,
        "only the shell is killed in the shared group"
    );
}

#[tokio::test]
async fn dropping_the_call_kills_the_process_group() {
    let scratch = Scratch::new("dropped");
    let marker = scratch.marker();
    let command = format!("(sleep 1; echo late > '{}') & wait", marker.display());
    let provider = ProcessProvider::builder(command)
        .process_group(ProcessGroup::Separate)
        .build();
    let outer = tokio::time::timeout(Duration::from_millis(300), provider.provide_credentials());
    assert!(outer.await.is_err(), "the outer timeout fires first");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert!(!marker.exists(), "the grandchild outlived the dropped call");
}

#[tokio::test]
async fn the_command_line_never_appears_in_errors() {
    let secret = "hunter2";
    let commands = [
        format!("true --secret {secret}"),
        format!("echo not-json --secret {secret}"),
        format!("exit 4 --secret {secret}"),
        format!("awscred-no-such-command --secret {secret}"),
        format!("printf '%s' '{{\"Version\":2}}' # --secret {secret}"),
        format!("sleep 5 --secret {secret} || sleep 5"),
    ];
    for command in commands {
        let provider = ProcessProvider::builder(command.as_str())
            .profile_name("dev")
            .timeout(Duration::from_millis(500))
            .build();
        let err = provider.provide_credentials().await.unwrap_err();
        let shown = format!("{err} {err:?} {err:#?} {provider:?} {provider:#?}");
        assert!(!shown.contains(secret), "{command}: {shown}");
        assert!(!shown.contains("--secret"), "{command}: {shown}");
        assert_eq!(err.field("profile"), Some("dev"), "{command}: {err}");
    }
}

#[tokio::test]
async fn an_empty_command_is_invalid_configuration() {
    let err = run_err("").await;
    assert!(err.is_invalid_configuration());
    assert_eq!(err.field("key"), Some("credential_process"));
}

#[tokio::test]
async fn errors_without_a_profile_name_have_no_profile_field() {
    let err = ProcessProvider::builder("exit 1")
        .build()
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.field("profile"), None);
    assert_eq!(err.to_string(), "credential_process exited with status 1");
}
