//! The hand-written part: SigV4's canonical forms of a path, a query string and header values.
//!
//! The AWS format fixes these byte for byte, so no general-purpose URL or HTTP library produces
//! them; everything here writes into a [`Sink`] (a hasher on the fast path, a buffer when the
//! caller wants to see the text), so both paths share one implementation.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// RFC 3986 unreserved characters stay as they are; every other byte becomes `%XX` (uppercase).
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`UNRESERVED`], but `/` separates path segments and is kept.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Where canonical text goes: a SHA-256 or HMAC state, or a byte buffer.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);

    fn put_str(&mut self, text: &str) {
        self.put(text.as_bytes());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for ring::digest::Context {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for ring::hmac::Context {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Headers that are never signed: botocore's list (hop-by-hop, proxy and tracing headers that
/// intermediaries add, drop or rewrite) plus `authorization`, which carries the signature.
const NEVER_SIGNED: &[&str] = &[
    "authorization",
    "baggage",
    "connection",
    "expect",
    "keep-alive",
    "te",
    "traceparent",
    "tracestate",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Whether a (lowercase) header name is left out of the signature.
pub(crate) fn is_never_signed(name: &str) -> bool {
    name.starts_with("proxy-") || NEVER_SIGNED.contains(&name)
}

/// Writes the canonical URI: optionally normalised (dot segments removed, repeated slashes
/// merged, a trailing slash kept), optionally percent-encoded once more.
pub(crate) fn write_path(sink: &mut impl Sink, path: &str, normalize: bool, encode: bool) {
    let path = if path.is_empty() { "/" } else { path };
    if normalize && needs_normalizing(path) {
        let mut segments: Vec<&str> = Vec::new();
        for segment in path.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    segments.pop();
                }
                segment => segments.push(segment),
            }
        }
        sink.put(b"/");
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                sink.put(b"/");
            }
            write_path_bytes(sink, segment, encode);
        }
        if path.ends_with('/') && !segments.is_empty() {
            sink.put(b"/");
        }
    } else {
        write_path_bytes(sink, path, encode);
    }
}

fn needs_normalizing(path: &str) -> bool {
    !path.starts_with('/')
        || path.contains("//")
        || path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

fn write_path_bytes(sink: &mut impl Sink, text: &str, encode: bool) {
    if encode {
        for chunk in percent_encode(text.as_bytes(), PATH) {
            sink.put_str(chunk);
        }
    } else {
        sink.put_str(text);
    }
}

/// Percent-decodes a query key or value, then encodes it the SigV4 way (only unreserved
/// characters stay literal). `+` is not a space here: it is decoded as itself and sent as `%2B`.
pub(crate) fn canonical_param(text: &str) -> String {
    let decoded: Cow<'_, [u8]> = percent_decode_str(text).into();
    percent_encode(&decoded, UNRESERVED).to_string()
}

/// Percent-decodes a query key for comparison with a parameter name.
pub(crate) fn decoded_param(text: &str) -> Cow<'_, str> {
    percent_decode_str(text).decode_utf8_lossy()
}

/// Splits a query string into `(key, value)` pairs as sent (still encoded); empty pieces between
/// `&`s are dropped and a key without `=` has an empty value.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// Writes a header value the SigV4 way ("trimall"): leading and trailing whitespace removed and
/// each inner run of whitespace replaced by one space, as botocore and aws-c-auth do.
pub(crate) fn write_trimmed(sink: &mut impl Sink, value: &[u8]) {
    let mut rest = value.trim_ascii();
    while let Some(start) = rest.iter().position(u8::is_ascii_whitespace) {
        sink.put(&rest[..start]);
        sink.put(b" ");
        let after = &rest[start..];
        let skip = after
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(after.len());
        rest = &after[skip..];
    }
    sink.put(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(path: &str, normalize: bool, encode: bool) -> String {
        let mut out = Vec::new();
        write_path(&mut out, path, normalize, encode);
        String::from_utf8(out).unwrap()
    }

    fn trimmed(value: &str) -> String {
        let mut out = Vec::new();
        write_trimmed(&mut out, value.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normalisation_follows_aws_c_auth() {
        assert_eq!(path("", true, true), "/");
        assert_eq!(path("/", true, true), "/");
        assert_eq!(path("//example//", true, true), "/example/");
        assert_eq!(path("/example/..", true, true), "/");
        assert_eq!(path("/a/b/../../..", true, true), "/");
        assert_eq!(path("/./a/./b/.", true, true), "/a/b");
        assert_eq!(path("/a/b/./", true, true), "/a/b/");
        assert_eq!(path("a/b", true, true), "/a/b");
        assert_eq!(path("//example//", false, true), "//example//");
    }

    #[test]
    fn path_encoding_keeps_slashes_and_unreserved() {
        assert_eq!(path("/a b/%3D/@~", false, true), "/a%20b/%253D/%40~");
        assert_eq!(path("/a%20b", false, false), "/a%20b");
    }

    #[test]
    fn trimall_collapses_all_whitespace_runs() {
        assert_eq!(trimmed("  a   b \t c  "), "a b c");
        assert_eq!(trimmed("\"a   b   c\""), "\"a b c\"");
        assert_eq!(trimmed("   "), "");
        assert_eq!(trimmed("x"), "x");
    }

    #[test]
    fn params_are_decoded_then_encoded() {
        assert_eq!(canonical_param("%E1%88%B4"), "%E1%88%B4");
        assert_eq!(canonical_param("a b+c/"), "a%20b%2Bc%2F");
        assert_eq!(canonical_param("%7e"), "~");
        assert_eq!(canonical_param("100%"), "100%25");
    }
}
