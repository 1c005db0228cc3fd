//! A generated config file for the parse benchmark and the allocation test.

use std::fmt::Write;

/// A config file of `profiles` profiles (about 100 bytes each) mixing plain keys, upper-case keys,
/// comments, a continuation line and sub-property blocks; and how many key/value pairs it has.
pub(crate) fn config(profiles: usize) -> (String, usize) {
    let mut out = String::with_capacity(profiles * 110);
    let mut pairs = 0;
    out.push_str("# Generated for the awscred-profile benchmark.\n[default]\nregion = us-east-1\n");
    pairs += 1;
    for i in 0..profiles {
        let _ = writeln!(out, "[profile team-{i:04}]");
        match i % 4 {
            0 => {
                out.push_str("; assumes a role from base\n");
                let _ = writeln!(out, "role_arn = arn:aws:iam::123456789012:role/r{i}");
                out.push_str("source_profile = base\n");
                pairs += 2;
            }
            1 => {
                out.push_str("Region = eu-west-1 # Ireland\noutput = json\n");
                let _ = writeln!(out, "mfa_serial = arn:aws:iam::1234:mfa/u{i}");
                pairs += 3;
            }
            2 => {
                out.push_str("s3 =\n  max_concurrent_requests = 20\n  addressing_style = path\n");
                pairs += 1;
            }
            _ => {
                let _ = writeln!(out, "sso_session = corp\nsso_account_id = {i:012}");
                out.push_str("sso_role_name = Admin\n  -continued\n");
                pairs += 3;
            }
        }
    }
    (out, pairs)
}
