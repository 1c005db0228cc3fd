//! What the CLI's integration tests share: a throwaway home folder, the binary run as a person
//! runs it (its own session, a clean environment, nothing on standard input), a plain HTTP GET
//! for `serve`, and fixture-server set-up.
#![allow(
    dead_code,
    reason = "each test file uses the part it needs; the rest is dead there"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use awscred_test::fixture_server::{FixtureServer, Recording};

/// A fresh `$HOME` under the temp folder with `~/.aws/credentials` and `~/.aws/config`.
pub(crate) fn home(prefix: &str, name: &str, credentials: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("awscred-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(dir.join(".aws/credentials"), credentials).unwrap();
    std::fs::write(dir.join(".aws/config"), config).unwrap();
    dir
}

/// The file key store the binary writes under `home` (`~/.aws/awscred-keys.enc`), read by the
/// library with the passphrase the binary was given.
#[cfg(feature = "keys")]
pub(crate) fn file_store(home: &Path, passphrase: &str) -> awscred_keystore::FileKeyStore {
    awscred_keystore::FileKeyStore::builder(&awscred_types::Sources::system())
        .path(home.join(".aws/awscred-keys.enc"))
        .passphrase(awscred_keystore::Passphrase::given(passphrase))
        .build()
        .unwrap()
}

/// `awscred ARGS` in its own session (no controlling terminal), with only `HOME`, `PATH`, IMDS
/// off, one attempt per request, and `env` in its environment.
pub(crate) fn cmd(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new("/usr/bin/setsid");
    c.arg(env!("CARGO_BIN_EXE_awscred"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    c
}

/// The arguments of `awscred exec OPTIONS -- CHILD…`.
pub(crate) fn exec<'a>(options: &[&'a str], child: &[&'a str]) -> Vec<&'a str> {
    [&["exec"], options, &["--"], child].concat()
}

/// Runs [`cmd`] to the end: exit code (-1 for a signal), stdout, stderr.
pub(crate) async fn run(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = cmd(home, args, env);
    let out = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A fixture server answering `exchanges` in order.
pub(crate) async fn fixture(exchanges: serde_json::Value) -> FixtureServer {
    let rec: Recording =
        serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
    FixtureServer::start(rec).await
}

/// `GET url` with an optional `Authorization` header: status and body.
pub(crate) fn http_get(url: &str, auth: Option<&str>) -> (u16, String) {
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = auth.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A running `awscred serve` and the two lines it printed.
pub(crate) struct Serving {
    pub(crate) child: Child,
    /// Its standard output after the two `export` lines.
    stdout: BufReader<ChildStdout>,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub(crate) uri: String,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub(crate) token: String,
}

impl Serving {
    /// Spawns `command` (an `awscred serve …` from [`cmd`]) and reads its two `export` lines.
    pub(crate) fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut value = |prefix: &str| {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim_end()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix}…, got {line}"))
                .to_owned()
        };
        let uri = value("export AWS_CONTAINER_CREDENTIALS_FULL_URI=");
        let token = value("export AWS_CONTAINER_AUTHORIZATION_TOKEN=");
        Serving {
            child,
            stdout,
            uri,
            token,
        }
    }

    /// Kills the server; returns everything it wrote on standard output after the two
    /// `export` lines, and everything on standard error.
    pub(crate) fn stop(mut self) -> (String, String) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (out, err)
    }
}

/// One fixture exchange: STS `AssumeRole` answering `ASIACLI` / `SECRETROLE` / `TOKENROLE` for
/// role `cli` (session `cli`), valid until 2035.
pub(crate) fn assume_role_ok() -> serde_json::Value {
    serde_json::json!({
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
        "response": {"status": 200, "body":
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIACLI</AccessKeyId>\
             <SecretAccessKey>SECRETROLE</SecretAccessKey><SessionToken>TOKENROLE</SessionToken>\
             <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
             <Arn>arn:aws:sts::123456789012:assumed-role/cli/cli</Arn>\
             <AssumedRoleId>AROA:cli</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>\
             </AssumeRoleResponse>"}})
}

/// Where the AWS CLI keeps the token of the `corp` sso-session
/// (`sso_start_url = https://corp.awsapps.com/start`, `sso_region = eu-west-1`) under `home`,
/// as the SSO crate derives the file name. The folder is created.
pub(crate) fn corp_sso_token_path(home: &Path) -> PathBuf {
    let dir = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = awscred_provider_sso::SsoSettings {
        profile: "sso".into(),
        start_url: "https://corp.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        account_id: "123456789012".into(),
        role_name: "Admin".into(),
        session_name: Some("corp".into()),
    };
    awscred_file_cache::SsoTokenCache::new(&dir, std::sync::Arc::new(awscred_types::OsFs))
        .path(settings.token_name())
}

/// Waits (at most 120 s) until `child` is stopped (SIGSTOP: state `T` in `/proc/PID/stat`), as
/// a test hook (`AWSCRED_TEST_*_STOP_AFTER`) leaves it; panics naming `what` if it exits first
/// or never stops. Blocking.
pub(crate) fn wait_stopped(child: &mut Child, what: &str) {
    let pid = child.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .chars()
            .next();
        if state == Some('T') {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "{what}: exited before stopping"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: never stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A Python script that runs a command on a pseudo-terminal and answers its prompts:
/// `python SCRIPT PROMPT ANSWER [PROMPT ANSWER …] -- COMMAND ARG…`. Each ANSWER (and a newline)
/// is typed once PROMPT has appeared after the previous one. It prints everything the command
/// wrote on the terminal (what a person would see: prompts, and whatever the terminal echoed)
/// and exits with the command's status; 124 if it did not finish within 120 s (then killed).
pub(crate) const ON_PTY: &str = r#"
import os, pty, select, signal, sys, time
args = sys.argv[1:]
sep = args.index("--")
pairs = [(args[i].encode(), args[i + 1].encode()) for i in range(0, sep, 2)]
command = args[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(command[0], command)
out = b""
matched = 0
deadline = time.time() + 120
while True:
    left = deadline - time.time()
    if left <= 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace"))
        sys.exit(124)
    ready, _, _ = select.select([fd], [], [], left)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if pairs:
        at = out.find(pairs[0][0], matched)
        if at >= 0:
            matched = at + len(pairs[0][0])
            os.write(fd, pairs[0][1] + b"\n")
            pairs.pop(0)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
