//! Shell output that could run code: hostile credential values from every remote provider and
//! from `credential_process` are refused where they enter, in every `export-credentials`
//! format; values awscred does print (keys of one's own, from the environment) are quoted for
//! each format's shell so that the real shell (sh, bash, fish where installed) reads them back
//! exactly and runs nothing; `exec` passes them as environment entries.
//!
//! "Runs nothing" is checked by the payloads themselves: each would create `PWNED` in the
//! folder the shell runs in. Peers are the fixture server; nothing leaves 127.0.0.1.
#![cfg(unix)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary and shells"
)]
#![allow(
    clippy::print_stdout,
    reason = "the test says what it skipped and counted"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;

mod support;

const FORMATS: [&str; 8] = [
    "process",
    "json",
    "env",
    "env-no-export",
    "dotenv",
    "fish",
    "powershell",
    "windows-cmd",
];

/// Values that run `touch PWNED` under a careless `eval` in some shell.
const PAYLOADS: [&str; 9] = [
    "AKIA$(touch PWNED)X",
    "a`touch PWNED`",
    "x';touch PWNED;'",
    "x\"; touch PWNED; \"",
    "x\ntouch PWNED\n",
    "x&touch PWNED",
    "x|touch PWNED",
    "%COMSPEC% /c type nul > PWNED",
    "x^&touch PWNED",
];

/// Where a payload goes: (credential_process/container/IMDS JSON key, STS XML element, SSO
/// portal JSON key).
const FIELDS: [(&str, &str, &str); 3] = [
    ("AccessKeyId", "AccessKeyId", "accessKeyId"),
    ("SecretAccessKey", "SecretAccessKey", "secretAccessKey"),
    ("Token", "SessionToken", "sessionToken"),
];

fn installed(shell: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {shell}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn xml_escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The credentials one remote answer carries, with `payload` in field `field` (0..3).
fn values(field: usize, payload: &str) -> [String; 3] {
    let mut v = [
        "ASIAFIXTURE00000".to_owned(),
        "SECRETFIXTURE".to_owned(),
        "TOKENFIXTURE".to_owned(),
    ];
    v[field] = payload.to_owned();
    v
}

fn json_creds(token_key: &str, [id, secret, token]: &[String; 3]) -> serde_json::Value {
    json!({"Code": "Success", "AccessKeyId": id, "SecretAccessKey": secret, token_key: token,
           "Expiration": "2035-01-01T00:00:00Z"})
}

/// Evaluates `output` as `format`'s shell would (`shell` for the sh formats) in `dir`, with
/// nothing else in the environment; returns the three variables it set, and whether the shell
/// succeeded. `None` when the format has no shell here (fish is optional: not every machine
/// packages it).
fn evaluate(shell: &str, format: &str, output: &str, dir: &Path) -> Option<(bool, [String; 3])> {
    std::fs::write(dir.join("out"), output).unwrap();
    let dump = |v: &str, f: &str| format!("printf '%s' \"${v}\" > {f}; ");
    let (program, script) = match format {
        "env" | "env-no-export" => (shell, "eval \"$(cat out)\"; ".to_owned()),
        "dotenv" => (shell, "set -a; . ./out; set +a; ".to_owned()),
        "fish" if installed("fish") => ("fish", "source out; ".to_owned()),
        _ => return None,
    };
    let mut script = script;
    for (v, f) in [
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_SESSION_TOKEN", "t"),
    ] {
        script += &if program == "fish" {
            format!("printf '%s' ${v} > {f}; ")
        } else {
            dump(v, f)
        };
    }
    let mut c = Command::new(program);
    if program == "fish" {
        c.arg("--no-config");
    }
    let ok = c
        .args(["-c", &script])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    Some((ok, [read("k"), read("s"), read("t")]))
}

/// The shells to evaluate the sh formats in, and fish (for its format) when installed.
fn shells() -> Vec<&'static str> {
    let mut out = vec![];
    for shell in ["sh", "bash"] {
        assert!(installed(shell), "{shell} is needed");
        out.push(shell);
    }
    if installed("fish") {
        out.push("fish");
    } else {
        println!("fish is not installed: the fish format is checked by its unit tests only");
    }
    println!(
        "PowerShell and cmd are not run here: their quoting is checked by the render unit tests"
    );
    out
}

/// A source: its provider name, the profile arguments, the environment that selects it.
type Source<'a> = (&'a str, &'a [&'a str], Vec<(&'a str, &'a str)>);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("awscred-quoting-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One hostile answer from each remote provider and from `credential_process`, one run per
/// format: refused with an error naming the provider, never the value; nothing on standard
/// output, so nothing for a shell to run.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_from_every_source_are_refused_in_every_format() {
    let sh_dir = scratch("refused-eval");
    let runs = FORMATS.len();
    let case = |i: usize| (i % FIELDS.len(), PAYLOADS[i % PAYLOADS.len()]);

    // The container endpoint.
    let container = support::fixture(
        (0..runs)
            .map(|i| {
                let (f, p) = case(i);
                json!({"request": {"method": "GET", "path": "/creds"},
                       "response": {"json": json_creds("Token", &values(f, p))}})
            })
            .collect(),
    )
    .await;
    // IMDS: token, role name, credentials.
    let imds = support::fixture(
        (0..runs)
            .flat_map(|i| {
                let (f, p) = case(i + 1);
                [
                    json!({"request": {"method": "PUT", "path": "/latest/api/token"},
                           "response": {"body": "IMDSTOKEN"}}),
                    json!({"request": {"method": "GET", "path": "/latest/meta-data/iam/security-credentials/"},
                           "response": {"body": "role"}}),
                    json!({"request": {"method": "GET", "path": "/latest/meta-data/iam/security-credentials/role"},
                           "response": {"json": json_creds("Token", &values(f, p))}}),
                ]
            })
            .collect(),
    )
    .await;
    // STS: AssumeRole (for a role profile) and AssumeRoleWithWebIdentity.
    let sts_answer = |action: &str, i: usize| {
        let (f, p) = case(i);
        let [id, secret, token] = values(f, p).map(|v| xml_escape(&v));
        json!({"request": {"method": "POST", "path": "/", "body_contains": [format!("Action={action}")]},
               "response": {"body": format!(
                   "<{action}Response><{action}Result><Credentials><AccessKeyId>{id}</AccessKeyId>\
                    <SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken>\
                    <Expiration>2035-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
                    <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
                    </AssumedRoleUser></{action}Result></{action}Response>")}})
    };
    let sts = support::fixture(
        (0..runs)
            .flat_map(|i| {
                [
                    sts_answer("AssumeRole", i + 2),
                    sts_answer("AssumeRoleWithWebIdentity", i + 3),
                ]
            })
            .collect(),
    )
    .await;
    // The SSO portal.
    let portal = support::fixture(
        (0..runs)
            .map(|i| {
                let (f, p) = case(i + 4);
                let [id, secret, token] = values(f, p);
                json!({"request": {"method": "GET",
                                   "path": "/federation/credentials?account_id=123456789012&role_name=Admin"},
                       "response": {"json": {"roleCredentials": {"accessKeyId": id,
                           "secretAccessKey": secret, "sessionToken": token,
                           "expiration": 2051222400000u64}}}})
            })
            .collect(),
    )
    .await;

    let h = support::home(
        "quoting",
        "refused",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n",
        "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
         [profile proc]\ncredential_process = cat process.json\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    );
    let token_path = support::corp_sso_token_path(&h);
    std::fs::write(
        &token_path,
        json!({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
               "accessToken": "SSOACCESSTOKEN", "expiresAt": "2035-01-01T00:00:00Z"})
        .to_string(),
    )
    .unwrap();
    std::fs::write(h.join("web-token"), "eyJhbGciOi.x.y").unwrap();

    let container_uri = format!("{}/creds", container.url());
    let imds_url = imds.url();
    let sts_url = sts.url();
    let portal_url = portal.url();
    let web_token = h.join("web-token");
    let mut refused = 0;
    for (i, format) in FORMATS.iter().enumerate() {
        let process_json = json_creds("SessionToken", &{
            let (f, p) = case(i + 5);
            values(f, p)
        });
        let process_json = {
            let mut v = process_json;
            v["Version"] = json!(1);
            v
        };
        std::fs::write(h.join("process.json"), process_json.to_string()).unwrap();
        let sources: [Source<'_>; 6] = [
            (
                "container-role",
                &[],
                vec![("AWS_CONTAINER_CREDENTIALS_FULL_URI", container_uri.as_str())],
            ),
            (
                "iam-role",
                &[],
                vec![
                    ("AWS_EC2_METADATA_DISABLED", "false"),
                    ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url.as_str()),
                ],
            ),
            (
                "assume-role",
                &["--profile", "role"],
                vec![("AWS_ENDPOINT_URL_STS", sts_url.as_str())],
            ),
            (
                "assume-role-with-web-identity",
                &[],
                vec![
                    ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
                    ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/w"),
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", web_token.to_str().unwrap()),
                ],
            ),
            (
                "sso",
                &["--profile", "sso"],
                vec![("AWS_ENDPOINT_URL_SSO", portal_url.as_str())],
            ),
            ("custom-process", &["--profile", "proc"], vec![]),
        ];
        for (provider, profile, env) in sources {
            let mut env = env;
            env.push(("AWS_REGION", "eu-west-1"));
            let mut args = vec!["export-credentials", "--format", format];
            args.extend_from_slice(profile);
            let mut c = support::cmd(&h, &args, &env);
            c.current_dir(&h);
            let out = c.output().unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            let what = format!("{provider} --format {format}");
            assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
            assert!(stdout.is_empty(), "{what}: {stdout}");
            assert!(
                stderr.contains(&format!(
                    "the {provider} provider returned credentials whose"
                )) && stderr.contains("which no AWS credential contains"),
                "{what}: {stderr}"
            );
            for p in PAYLOADS {
                assert!(!stderr.contains(p), "{what} shows the value: {stderr}");
            }
            for shell in ["sh", "bash"] {
                evaluate(shell, format, &stdout, &sh_dir);
            }
            assert!(!h.join("PWNED").exists() && !sh_dir.join("PWNED").exists());
            refused += 1;
        }
    }
    for server in [&container, &imds, &sts, &portal] {
        server.verify().unwrap();
    }
    assert_eq!(refused, 6 * FORMATS.len());
    println!("{refused} hostile answers refused (6 sources x {runs} formats)");
}

/// Keys of one's own may hold anything the environment can: every shell format quotes them so
/// that sh, bash and fish read back exactly what was set, and run nothing.
#[test]
fn every_shell_reads_back_exactly_what_was_set() {
    let shells = shells();
    let h = support::home("quoting", "legal", "", "");
    let values = [
        "AKID'$(touch PWNED)`touch PWNED`\"x".to_owned(),
        "s\n$(touch PWNED)\n'\\\"; touch PWNED #\\".to_owned(),
        "t&touch PWNED|x<y>z^%PATH%!x;~*?[a]{b,c} $HOME \u{2019}é".to_owned(),
    ];
    let env = [
        ("AWS_ACCESS_KEY_ID", values[0].as_str()),
        ("AWS_SECRET_ACCESS_KEY", values[1].as_str()),
        ("AWS_SESSION_TOKEN", values[2].as_str()),
    ];
    let mut checked = 0;
    for format in FORMATS {
        let out = support::cmd(&h, &["export-credentials", "--format", format], &env)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr),
        );
        if format == "windows-cmd" {
            // cmd has no quoting for `"`, `%`, `!` or a line break: an error naming the variable.
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(stdout.is_empty(), "{stdout}");
            assert!(
                stderr.contains("AWS_ACCESS_KEY_ID holds a quote, % or !"),
                "{stderr}"
            );
            assert!(!stderr.contains("PWNED"), "{stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        for shell in &shells {
            let dir = scratch(&format!("legal-{format}-{shell}"));
            if (format == "fish") != (*shell == "fish") {
                continue;
            }
            let Some((ok, got)) = evaluate(shell, format, &stdout, &dir) else {
                continue;
            };
            assert!(
                ok,
                "{shell} could not evaluate --format {format}:\n{stdout}"
            );
            assert_eq!(got, values, "{shell} --format {format}:\n{stdout}");
            assert!(
                !dir.join("PWNED").exists(),
                "{shell} ran code from --format {format}"
            );
            checked += 1;
        }
    }
    let expected = 3 * 2 + usize::from(shells.contains(&"fish"));
    assert_eq!(checked, expected);
    println!("{checked} (format, shell) pairs read back exactly");
}

/// `exec` hands the values to the command as environment entries: no shell sees them.
#[test]
fn exec_passes_values_as_environment_entries() {
    let h = support::home("quoting", "exec", "", "");
    let dir = scratch("exec");
    let secret = "s\n$(touch PWNED)'\"`touch PWNED`;&|";
    let out = support::cmd(
        &h,
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$AWS_SECRET_ACCESS_KEY\" > s",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKID$(touch PWNED)"),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ],
    )
    .current_dir(&dir)
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(dir.join("s")).unwrap(), secret);
    assert!(!dir.join("PWNED").exists());
}
