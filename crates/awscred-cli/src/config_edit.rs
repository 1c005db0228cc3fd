//! Setting keys of one section of `~/.aws/config` in place, as the AWS CLI's
//! `ConfigFileWriter.update_config` does: every other line (comments, order, other sections,
//! sub-properties) kept byte for byte; a key already in the section is rewritten where it is;
//! a new key goes after the section's last line; a missing section is appended at the end.

/// `contents` with `values` set in the section named `section` (`default`, `profile NAME`,
/// `sso-session NAME`). Section names match as the AWS CLI matches them: the words inside the
/// brackets, surrounding and inner runs of blanks ignored.
pub(crate) fn set_values(contents: &str, section: &str, values: &[(&str, &str)]) -> String {
    let want = words(section);
    let mut lines: Vec<String> = contents.lines().map(str::to_owned).collect();
    let header = lines
        .iter()
        .position(|l| header_words(l).is_some_and(|w| w == want));
    let Some(start) = header else {
        let mut out = contents.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("[{section}]\n"));
        for (k, v) in values {
            out.push_str(&format!("{k} = {v}\n"));
        }
        return out;
    };
    for (key, value) in values {
        let end = lines[start + 1..]
            .iter()
            .position(|l| header_words(l).is_some())
            .map_or(lines.len(), |i| start + 1 + i);
        let existing = (start + 1..end).find(|&i| {
            let l = &lines[i];
            !l.starts_with([' ', '\t'])
                && l.split_once('=')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        });
        match existing {
            Some(i) => lines[i] = format!("{key} = {value}"),
            None => {
                // After the section's last non-blank line, so blank separators stay between
                // sections.
                let mut at = end;
                while at > start + 1 && lines[at - 1].trim().is_empty() {
                    at -= 1;
                }
                lines.insert(at, format!("{key} = {value}"));
            }
        }
    }
    join(&lines, contents)
}

fn join(lines: &[String], original: &str) -> String {
    let mut out = lines.join("\n");
    if original.ends_with('\n') || original.is_empty() {
        out.push('\n');
    }
    out
}

/// The words of a section header line (`[ profile  dev ]` → `["profile", "dev"]`).
fn header_words(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?;
    let inner = inner.split(']').next()?;
    if !t[1 + inner.len()..].starts_with(']') {
        return None;
    }
    Some(words(inner))
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::set_values;

    #[test]
    fn keys_are_set_in_place_and_nothing_else_moves() {
        let before = "# my settings\n[default]\nregion = us-east-1\n\n[profile dev] # mine\n\
                      ; a comment\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 4\n\n\
                      [profile other]\noutput = json\n";
        let after = set_values(
            before,
            "profile dev",
            &[("login_session", "arn:x"), ("region", "eu-north-1")],
        );
        assert_eq!(
            after,
            "# my settings\n[default]\nregion = us-east-1\n\n[profile dev] # mine\n\
             ; a comment\nregion = eu-north-1\ns3 =\n  max_concurrent_requests = 4\nlogin_session = arn:x\n\n\
             [profile other]\noutput = json\n"
        );
        let again = set_values(&after, "profile  dev", &[("login_session", "arn:y")]);
        assert_eq!(again, after.replace("arn:x", "arn:y"));
        let new = set_values(before, "profile new", &[("login_session", "arn:z")]);
        assert_eq!(
            new,
            format!("{before}[profile new]\nlogin_session = arn:z\n")
        );
        assert_eq!(
            set_values("", "default", &[("a", "b")]),
            "[default]\na = b\n"
        );
        assert_eq!(
            set_values("[default]\nx = 1", "default", &[("a", "b")]),
            "[default]\nx = 1\na = b"
        );
    }
}
