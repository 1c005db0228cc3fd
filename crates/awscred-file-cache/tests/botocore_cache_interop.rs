//! The file cache against the real thing: botocore's own `JSONFileCache` and
//! `AssumeRoleCredentialFetcher` (from the moto venv `cargo xtask test` creates) read entries
//! awscred wrote, without calling STS, and awscred reads entries botocore wrote.
#![allow(
    clippy::disallowed_methods,
    reason = "the test makes a temporary folder and runs Python"
)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_file_cache::{CacheKey, FileCache};
use awscred_sts::{AssumeRoleRequest, AssumedRoleUser, TemporaryCredentials};
use awscred_test::{Outcome, Suite};
use awscred_types::{Credentials, OsFs};

const ROLE: &str = "arn:aws:iam::123456789012:role/interop";
const EXPIRY_2035: u64 = 2_051_222_400; // 2035-01-01T00:00:00Z

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "awscred-interop-{name}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// botocore's fetcher with the given kwargs over a JSONFileCache in `dir`. `mode` is `read`
/// (the STS client and MFA prompter raise, so an answer proves the cache served it) or `write`
/// (a fake STS answers once, and botocore writes the entry).
const SCRIPT: &str = r#"
import datetime, json, sys
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials
from botocore.utils import JSONFileCache
from dateutil.tz import tzutc

mode, cache_dir, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
calls = []

class FakeSts:
    def assume_role(self, **kw):
        calls.append(kw)
        return {
            "Credentials": {
                "AccessKeyId": "ASIABOTOCORE", "SecretAccessKey": "botocore-secret",
                "SessionToken": "botocore-token",
                "Expiration": datetime.datetime(2035, 1, 1, tzinfo=tzutc()),
            },
            "AssumedRoleUser": {"AssumedRoleId": "AROA:s",
                                "Arn": "arn:aws:sts::210987654321:assumed-role/interop/s"},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

def client_creator(*a, **kw):
    if mode == "read":
        raise AssertionError("botocore tried to call STS")
    return FakeSts()

def prompter(prompt):
    if mode == "read":
        raise AssertionError("botocore asked for an MFA code")
    return "123456"

role_arn = kwargs.pop("RoleArn")
fetcher = AssumeRoleCredentialFetcher(
    client_creator=client_creator, source_credentials=Credentials("AKIDSOURCE", "source-secret"),
    role_arn=role_arn, extra_args=kwargs, mfa_prompter=prompter, cache=JSONFileCache(cache_dir))
out = fetcher.fetch_credentials()
out["sts_calls"] = len(calls)
# What botocore's RefreshableCredentials does with the expiry (`_set_from_data` → dateutil).
from dateutil.parser import parse
out["expiry_parsed"] = parse(out["expiry_time"]).isoformat()
print(json.dumps(out))
"#;

fn run_python(
    py: &PathBuf,
    mode: &str,
    dir: &PathBuf,
    kwargs: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let out = Command::new(py)
        .arg("-c")
        .arg(SCRIPT)
        .arg(mode)
        .arg(dir)
        .arg(kwargs.to_string())
        .output()
        .map_err(|e| format!("running python: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "botocore failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("python output: {e}"))
}

fn kwargs(req: &AssumeRoleRequest, configured_name: bool) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("RoleArn".into(), req.role_arn.clone().into());
    if configured_name {
        m.insert(
            "RoleSessionName".into(),
            req.role_session_name.clone().into(),
        );
    }
    if let Some(e) = &req.external_id {
        m.insert("ExternalId".into(), e.clone().into());
    }
    if let Some(s) = &req.serial_number {
        m.insert("SerialNumber".into(), s.clone().into());
    }
    if let Some(d) = req.duration_seconds {
        m.insert("DurationSeconds".into(), d.into());
    }
    serde_json::Value::Object(m)
}

fn full_request() -> AssumeRoleRequest {
    let mut req = AssumeRoleRequest::new(ROLE, "interop-session");
    req.external_id = Some("ext-ü-1".into());
    req.serial_number = Some("arn:aws:iam::123456789012:mfa/me".into());
    req.duration_seconds = Some(3600);
    req
}

/// awscred writes, botocore reads without STS or a prompt.
fn awscred_writes(py: &PathBuf, req: &AssumeRoleRequest, configured_name: bool) -> Outcome {
    let dir = temp_dir("w");
    let cache = FileCache::new(&dir, Arc::new(OsFs));
    let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(EXPIRY_2035);
    let response = TemporaryCredentials {
        credentials: Credentials::builder("ASIAAWSCRED", "awscred-secret", "assume-role")
            .session_token("awscred-token")
            .expiry(expiry)
            .account_id("123456789012")
            .build(),
        assumed_role_user: Some(AssumedRoleUser {
            arn: "arn:aws:sts::123456789012:assumed-role/interop/interop-session".into(),
            assumed_role_id: "AROA:interop-session".into(),
        }),
    };
    let key = CacheKey::assume_role(req, !configured_name);
    if let Err(e) = cache.store(&key, &response) {
        return Outcome::Fail(e.to_string());
    }
    let got = match run_python(py, "read", &dir, &kwargs(req, configured_name)) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(e),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let want = serde_json::json!({
        "access_key": "ASIAAWSCRED", "secret_key": "awscred-secret", "token": "awscred-token",
        "expiry_time": "2035-01-01T00:00:00UTC", "expiry_parsed": "2035-01-01T00:00:00+00:00",
        "account_id": "123456789012", "sts_calls": 0,
    });
    if got == want {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("botocore read {got}, want {want}"))
    }
}

/// botocore writes (through its fake STS), awscred reads.
fn botocore_writes(py: &PathBuf, req: &AssumeRoleRequest, configured_name: bool) -> Outcome {
    let dir = temp_dir("r");
    let wrote = match run_python(py, "write", &dir, &kwargs(req, configured_name)) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(e),
    };
    if wrote["sts_calls"] != 1 {
        return Outcome::Fail(format!("botocore did not call its fake STS: {wrote}"));
    }
    let cache = FileCache::new(&dir, Arc::new(OsFs));
    let key = CacheKey::assume_role(req, !configured_name);
    let now = SystemTime::now();
    let found = cache.load(&key, now, Duration::from_secs(900), "assume-role");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let Some(c) = found else {
        return Outcome::Fail(format!(
            "awscred found no entry {}.json; botocore wrote {files:?}",
            key.as_str()
        ));
    };
    let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(EXPIRY_2035);
    let got = (
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token(),
        c.expiry(),
        c.account_id(),
    );
    let want = (
        "ASIABOTOCORE",
        "botocore-secret",
        Some("botocore-token"),
        Some(expiry),
        Some("210987654321"),
    );
    if got == want {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("awscred read {got:?}, want {want:?}"))
    }
}

#[test]
fn botocore_and_awscred_share_one_cache() {
    let mut suite = Suite::new("assume-role-cache-interop", CASES.len()).needs_peer("botocore");
    let py = match awscred_test::moto::botocore_python() {
        Ok(py) => py,
        Err(why) => return suite.skip_all(CASES, &why),
    };
    let full = full_request();
    let generated = AssumeRoleRequest::new(ROLE, "botocore-session-1700000000");
    suite.case(CASES[0], || awscred_writes(&py, &full, true));
    suite.case(CASES[1], || awscred_writes(&py, &generated, false));
    suite.case(CASES[2], || botocore_writes(&py, &full, true));
    suite.case(CASES[3], || botocore_writes(&py, &generated, false));
    suite.finish();
}

const CASES: &[&str] = &[
    "awscred writes, botocore reads (session name, external id, MFA serial, duration)",
    "awscred writes, botocore reads (generated session name)",
    "botocore writes, awscred reads (session name, external id, MFA serial, duration)",
    "botocore writes, awscred reads (generated session name)",
];
