//! Editing a profile file in place: one property set or some removed, every other byte kept.
//!
//! The edits work on lines, with the grammar of the parser: a section header `[…]` (in the
//! config file `[default]` or `[profile NAME]`, in the credentials file `[NAME]`), properties
//! `key = value` (keys matched without regard to case, as the parser lower-cases them), and
//! continuation lines (indented) that belong to the property above them, even across blank and
//! comment lines. Comments, blank lines, order, other profiles and the file's line ending
//! (`\n` or `\r\n`) are kept. The functions are pure: reading and writing the file (atomically)
//! is the caller's job.

use crate::location::FileKind;
use crate::parse::trim_ws;

/// One line of the file, with its ending.
#[derive(Debug)]
struct Line<'a> {
    text: &'a str,
    /// Without the line ending.
    body: &'a str,
}

fn lines(contents: &str) -> Vec<Line<'_>> {
    contents
        .split_inclusive('\n')
        .map(|text| Line {
            text,
            body: text
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(text),
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Kind<'a> {
    /// Empty, blank (space/tab only) or a comment at the start of the line.
    Blank,
    /// An indented, non-blank line: a continuation of the property above.
    Continuation,
    /// A section header, with the text between the brackets.
    Header(&'a str),
    /// A property, with its key as written.
    Property(&'a str),
}

fn classify(body: &str) -> Kind<'_> {
    let Some(&first) = body.as_bytes().first() else {
        return Kind::Blank;
    };
    let indented = first == b' ' || first == b'\t';
    if first == b'#' || first == b';' || trim_ws(body).is_empty() {
        return Kind::Blank;
    }
    if indented {
        return Kind::Continuation;
    }
    if first == b'[' {
        let inner = body[1..].split(']').next().unwrap_or("");
        return Kind::Header(inner);
    }
    let key = body.split('=').next().unwrap_or(body);
    Kind::Property(trim_ws(key))
}

/// Whether the header text (between the brackets) names `profile` in a file of `kind`.
fn names(header: &str, kind: FileKind, profile: &str) -> bool {
    let header = trim_ws(header);
    match kind {
        FileKind::Credentials => header == profile,
        FileKind::Config => {
            if profile == "default" && header == "default" {
                return true;
            }
            let mut words = header.split([' ', '\t']).filter(|w| !w.is_empty());
            words.next() == Some("profile")
                && words.next() == Some(profile)
                && words.next().is_none()
        }
    }
}

fn header_for(kind: FileKind, profile: &str) -> String {
    match kind {
        FileKind::Config if profile != "default" => format!("[profile {profile}]"),
        _ => format!("[{profile}]"),
    }
}

fn line_ending(contents: &str) -> &'static str {
    if contents.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// The lines of `profile`'s first section: `(header, end)`, the section spanning `header+1..end`.
fn section(lines: &[Line<'_>], kind: FileKind, profile: &str) -> Option<(usize, usize)> {
    let start = lines
        .iter()
        .position(|l| matches!(classify(l.body), Kind::Header(h) if names(h, kind, profile)))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| matches!(classify(l.body), Kind::Header(_)))
        .map_or(lines.len(), |i| start + 1 + i);
    Some((start, end))
}

/// The property at `index` and its continuation lines: the indices to drop (blank and comment
/// lines between continuations are kept).
fn property_lines(lines: &[Line<'_>], index: usize, end: usize) -> Vec<usize> {
    let mut out = vec![index];
    for (i, line) in lines.iter().enumerate().take(end).skip(index + 1) {
        match classify(line.body) {
            Kind::Continuation => out.push(i),
            Kind::Blank => {}
            _ => break,
        }
    }
    out
}

/// `contents` with `key = value` set in `profile`'s section: the property's line (and its
/// continuations) replaced where the key is already there, else a line added after the
/// section's last property, else a new section at the end of the file.
pub fn set_property(
    contents: &str,
    kind: FileKind,
    profile: &str,
    key: &str,
    value: &str,
) -> String {
    let all = lines(contents);
    let nl = line_ending(contents);
    let new_line = format!("{key} = {value}{nl}");
    let Some((start, end)) = section(&all, kind, profile) else {
        let mut out = contents.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        if !out.is_empty() && !out.ends_with(&format!("{nl}{nl}")) && out != nl {
            out.push_str(nl);
        }
        out.push_str(&header_for(kind, profile));
        out.push_str(nl);
        out.push_str(&new_line);
        return out;
    };
    let existing = (start + 1..end).find(
        |&i| matches!(classify(all[i].body), Kind::Property(k) if k.eq_ignore_ascii_case(key)),
    );
    let mut out = String::with_capacity(contents.len() + new_line.len() + 2);
    match existing {
        Some(index) => {
            let drop = property_lines(&all, index, end);
            for (i, line) in all.iter().enumerate() {
                if i == index {
                    out.push_str(&new_line);
                } else if !drop.contains(&i) {
                    out.push_str(line.text);
                }
            }
        }
        None => {
            // After the last property (or continuation) of the section, else after the header.
            let after = (start..end)
                .rev()
                .find(|&i| {
                    i == start
                        || matches!(
                            classify(all[i].body),
                            Kind::Property(_) | Kind::Continuation
                        )
                })
                .unwrap_or(start);
            for (i, line) in all.iter().enumerate() {
                out.push_str(line.text);
                if i == after {
                    if !line.text.ends_with('\n') {
                        out.push_str(nl);
                    }
                    out.push_str(&new_line);
                }
            }
        }
    }
    out
}

/// `contents` without the properties `keys` of `profile`'s section (each with its continuation
/// lines), and how many properties were removed. Everything else is kept byte for byte.
pub fn remove_properties(
    contents: &str,
    kind: FileKind,
    profile: &str,
    keys: &[&str],
) -> (String, usize) {
    let all = lines(contents);
    let Some((start, end)) = section(&all, kind, profile) else {
        return (contents.to_owned(), 0);
    };
    let mut drop = Vec::new();
    let mut removed = 0;
    for i in start + 1..end {
        if let Kind::Property(k) = classify(all[i].body)
            && keys.iter().any(|want| k.eq_ignore_ascii_case(want))
        {
            removed += 1;
            drop.extend(property_lines(&all, i, end));
        }
    }
    let out = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, l)| l.text)
        .collect();
    (out, removed)
}

/// The names of the profiles whose sections are in `contents`, in order (each once).
pub fn section_names(contents: &str, kind: FileKind) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines(contents) {
        if let Kind::Header(h) = classify(line.body) {
            let h = trim_ws(h);
            let name = match kind {
                FileKind::Credentials => Some(h),
                FileKind::Config if h == "default" => Some(h),
                FileKind::Config => {
                    let mut words = h.split([' ', '\t']).filter(|w| !w.is_empty());
                    match (words.next(), words.next(), words.next()) {
                        (Some("profile"), Some(name), None) => Some(name),
                        _ => None,
                    }
                }
            };
            if let Some(name) = name
                && !out.iter().any(|n| n == name)
            {
                out.push(name.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# my settings
[default]
region = us-east-1

[profile dev]  # the dev account
region = eu-west-1
s3 =
  max_concurrent_requests = 20
; a comment
output = json

[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
";

    #[test]
    fn set_adds_after_the_last_property_and_keeps_everything_else() {
        let out = set_property(
            CONFIG,
            FileKind::Config,
            "dev",
            "credential_process",
            "awscred keys session --profile dev",
        );
        assert_eq!(
            out,
            CONFIG.replace(
                "output = json\n",
                "output = json\ncredential_process = awscred keys session --profile dev\n"
            )
        );
    }

    #[test]
    fn set_replaces_an_existing_property_with_its_continuations() {
        let out = set_property(CONFIG, FileKind::Config, "dev", "S3", "x");
        assert_eq!(
            out,
            CONFIG.replace("s3 =\n  max_concurrent_requests = 20\n", "S3 = x\n")
        );
        let out = set_property(CONFIG, FileKind::Config, "default", "region", "us-west-2");
        assert_eq!(
            out,
            CONFIG.replace("region = us-east-1", "region = us-west-2")
        );
    }

    #[test]
    fn set_appends_a_new_section() {
        let out = set_property(CONFIG, FileKind::Config, "new", "k", "v");
        assert_eq!(out, format!("{CONFIG}\n[profile new]\nk = v\n"));
        assert_eq!(
            set_property("", FileKind::Config, "new", "k", "v"),
            "[profile new]\nk = v\n"
        );
        assert_eq!(
            set_property("[a]\nx = 1", FileKind::Credentials, "b", "k", "v"),
            "[a]\nx = 1\n\n[b]\nk = v\n"
        );
        // `[default]` keeps its own header in the config file.
        assert_eq!(
            set_property("", FileKind::Config, "default", "k", "v"),
            "[default]\nk = v\n"
        );
    }

    #[test]
    fn set_into_an_empty_section_and_a_file_without_final_newline() {
        assert_eq!(
            set_property(
                "[profile a]\n[profile b]\n",
                FileKind::Config,
                "a",
                "k",
                "v"
            ),
            "[profile a]\nk = v\n[profile b]\n"
        );
        assert_eq!(
            set_property("[profile a]\nx = 1", FileKind::Config, "a", "k", "v"),
            "[profile a]\nx = 1\nk = v\n"
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let crlf = CONFIG.replace('\n', "\r\n");
        let out = set_property(&crlf, FileKind::Config, "prod", "k", "v");
        assert_eq!(out, format!("{crlf}k = v\r\n"));
        let (out, n) = remove_properties(&crlf, FileKind::Config, "dev", &["s3"]);
        assert_eq!(n, 1);
        assert_eq!(
            out,
            crlf.replace("s3 =\r\n  max_concurrent_requests = 20\r\n", "")
        );
    }

    #[test]
    fn remove_takes_only_the_named_keys() {
        let creds = "\
[dev]
# keys for dev
aws_access_key_id = AKIADEV
aws_secret_access_key = secret
   continued-secret-part

aws_session_token =
region = x
[prod]
aws_access_key_id = AKIAPROD
";
        let (out, n) = remove_properties(
            creds,
            FileKind::Credentials,
            "dev",
            &[
                "aws_access_key_id",
                "AWS_SECRET_ACCESS_KEY",
                "aws_session_token",
            ],
        );
        assert_eq!(n, 3);
        assert_eq!(
            out,
            "[dev]\n# keys for dev\n\nregion = x\n[prod]\naws_access_key_id = AKIAPROD\n"
        );
        let (same, n) = remove_properties(creds, FileKind::Credentials, "missing", &["region"]);
        assert_eq!((same.as_str(), n), (creds, 0));
    }

    #[test]
    fn headers_are_matched_as_the_parser_reads_them() {
        let text = "[ profile  spaced ]\nk = 1\n[profiledev]\nk = 2\n[profile default]\nk = 3\n";
        assert_eq!(
            set_property(text, FileKind::Config, "spaced", "k", "9"),
            text.replace("k = 1", "k = 9")
        );
        assert_eq!(
            set_property(text, FileKind::Config, "default", "k", "9"),
            text.replace("k = 3", "k = 9")
        );
        assert_eq!(section_names(text, FileKind::Config), ["spaced", "default"]);
        assert_eq!(
            section_names("[a]\n[b]\n[a]\n", FileKind::Credentials),
            ["a", "b"]
        );
    }
}
