//! Which `~/.aws/cli/cache` entries are trusted, and what `cache list` / `cache clear` say about
//! a folder they cannot read: an entry another user owns is a miss with a warning, a folder
//! others can write to is warned about, an unreadable folder is an error naming it.
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use awscred_file_cache::CacheKey;
use awscred_sts::AssumeRoleRequest;
use support::{assume_role_ok, fixture, run};

mod support;

const ROLE: &str = "arn:aws:iam::123456789012:role/cli";
const KEYS: &str = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n";
const CONFIG: &str = "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/cli\n\
                      source_profile = base\nrole_session_name = cli\n";

/// The `top` role's entry, written as the AWS CLI writes it, with `key_id`.
fn write_entry(home: &Path, key_id: &str) -> PathBuf {
    let key = CacheKey::assume_role(&AssumeRoleRequest::new(ROLE, "cli"), false);
    let dir = home.join(".aws/cli/cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join(format!("{key}.json"));
    std::fs::write(
        &file,
        format!(
            "{{\"Credentials\": {{\"AccessKeyId\": \"{key_id}\", \"SecretAccessKey\": \"SECRETPLANTED\", \
             \"SessionToken\": \"TOKENPLANTED\", \"Expiration\": \"2035-01-01T00:00:00UTC\"}}, \
             \"AssumedRoleUser\": {{\"AssumedRoleId\": \"AROA:cli\", \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/cli/cli\"}}}}"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

/// `export-credentials --profile top` in `home` against a fixture STS that expects `exchanges`
/// (checked afterwards); the command must succeed. Returns its stdout and stderr.
async fn export_top(home: &Path, exchanges: serde_json::Value) -> (String, String) {
    let sts = fixture(exchanges).await;
    let url = sts.url();
    let env = [
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    let (code, out, err) = run(home, &["export-credentials", "--profile", "top"], &env).await;
    assert_eq!(code, 0, "{err}");
    sts.verify().unwrap();
    (out, err)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_another_user_owns_is_not_used() {
    let h = support::home("trust", "foreign", KEYS, CONFIG);
    let file = write_entry(&h, "ASIAPLANTED");
    // Only a privileged process can give a file away; elsewhere the library test
    // (`an_entry_another_user_owns_is_refused`, with MemFs) covers the rule.
    if std::os::unix::fs::chown(&file, Some(65534), Some(65534)).is_err() {
        return; // not root: nothing to plant
    }
    let (out, err) = export_top(&h, serde_json::json!([assume_role_ok()])).await;
    assert!(out.contains("\"AccessKeyId\":\"ASIACLI\""), "{out}");
    assert!(!out.contains("ASIAPLANTED"), "{out}");
    assert!(err.contains("owned by another user"), "{err}");

    // Our own fetch replaced it; now plant another and look at `cache list`.
    let file = write_entry(&h, "ASIAPLANTED");
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
    let (code, out, err) = run(&h, &["cache", "list"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ignored: owned by another user"), "{out}");
    assert!(!out.contains("SECRETPLANTED") && !err.contains("SECRETPLANTED"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_folder_others_can_write_to_is_warned_about() {
    let h = support::home("trust", "writable", KEYS, CONFIG);
    write_entry(&h, "ASIAMINE");
    let dir = h.join(".aws/cli/cache");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, out, err) = run(&h, &["cache", "list"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 entry"), "{out}");
    assert!(
        err.contains("other users can write to the credential cache folder"),
        "{err}"
    );
    // The entry is still ours, so it is used (no STS call: the server has no exchanges).
    let (out, err) = export_top(&h, serde_json::json!([])).await;
    assert!(out.contains("ASIAMINE"), "{out}");
    assert!(err.contains("other users can write"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cache_list_and_clear_on_an_unreadable_folder_say_why_and_fail() {
    // A file where the folder should be can be listed by nobody, root included.
    let h = support::home("trust", "notdir", KEYS, CONFIG);
    std::fs::create_dir_all(h.join(".aws/cli")).unwrap();
    std::fs::write(h.join(".aws/cli/cache"), "not a folder").unwrap();
    for args in [&["cache", "list"][..], &["cache", "clear"][..]] {
        let (code, out, err) = run(&h, args, &[]).await;
        assert_ne!(code, 0, "{args:?}: {out}");
        assert!(!out.contains("0 entries"), "{args:?}: {out}");
        assert!(
            err.contains("could not list the credential cache folder")
                && err.contains(".aws/cli/cache"),
            "{args:?}: {err}"
        );
    }

    // A folder without read permission, where permissions bind (not as root).
    let h = support::home("trust", "unreadable", KEYS, CONFIG);
    write_entry(&h, "ASIAMINE");
    let dir = h.join(".aws/cli/cache");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read_dir(&dir).is_ok();
    if !privileged {
        let (code, out, err) = run(&h, &["cache", "list"], &[]).await;
        assert_ne!(code, 0, "{out}");
        assert!(
            err.contains("could not list the credential cache folder"),
            "{err}"
        );
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}
