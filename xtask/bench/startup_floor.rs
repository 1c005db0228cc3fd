//! The floor for any Rust CLI's start-up: no dependencies, reads `~/.aws/config` and
//! `~/.aws/credentials`, prints one line. `cargo xtask bench startup` runs it paired with
//! `awscred export-credentials`.
use std::io::Write;

fn main() {
    let home = std::env::var_os("HOME").unwrap_or_default();
    let dir = std::path::Path::new(&home).join(".aws");
    let config = std::fs::read_to_string(dir.join("config")).unwrap_or_default();
    let credentials = std::fs::read_to_string(dir.join("credentials")).unwrap_or_default();
    let (mut id, mut secret) = ("", "");
    let mut in_default = false;
    for line in credentials.lines().chain(config.lines()) {
        let line = line.trim();
        if line.starts_with('[') {
            in_default = line == "[default]";
        } else if in_default {
            if let Some((k, v)) = line.split_once('=') {
                match k.trim() {
                    "aws_access_key_id" if id.is_empty() => id = v.trim(),
                    "aws_secret_access_key" if secret.is_empty() => secret = v.trim(),
                    _ => {}
                }
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{{\"Version\": 1, \"AccessKeyId\": \"{id}\", \"SecretAccessKey\": \"{secret}\"}}"
    );
}
