//! STS query-protocol responses, read with quick-xml.
//!
//! STS answers in XML whose shape differs between real STS and moto (errors nest `<Code>` under
//! `<Error>` or under `<Errors><Error>`), so fields are found by the *end* of their element path
//! (`Credentials/AccessKeyId`) rather than by a fixed document shape. Error messages about a body
//! never quote it: a successful body holds a secret key and a session token.

use std::fmt;
use std::time::SystemTime;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Deeper documents are refused: no STS response nests more than a handful of levels.
const MAX_DEPTH: usize = 32;

/// Why a response body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(String);

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

impl XmlError {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Self(what.into())
    }
}

/// The text leaves of an XML document, each with its element path (`A/B/C`).
#[derive(Debug, Default)]
pub(crate) struct Leaves(Vec<(String, String)>);

impl Leaves {
    pub(crate) fn parse(body: &[u8]) -> Result<Self, XmlError> {
        let text = std::str::from_utf8(body).map_err(|e| {
            XmlError(format!(
                "response body is not UTF-8 (at byte {})",
                e.valid_up_to()
            ))
        })?;
        let mut reader = Reader::from_str(text);
        let mut path: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut leaves = Vec::new();
        loop {
            let event = reader.read_event().map_err(|e| {
                XmlError(format!(
                    "malformed XML at byte {}: {e}",
                    reader.buffer_position()
                ))
            })?;
            match event {
                Event::Start(start) => {
                    if path.len() >= MAX_DEPTH {
                        return Err(XmlError(format!(
                            "XML nested deeper than {MAX_DEPTH} levels"
                        )));
                    }
                    path.push(start.local_name().as_ref().to_owned());
                    current.clear();
                }
                Event::End(_) => {
                    if !current.trim().is_empty() {
                        leaves.push((path.join("/"), current.trim().to_owned()));
                    }
                    current.clear();
                    if path.pop().is_none() {
                        return Err(XmlError("unbalanced closing tag".into()));
                    }
                }
                Event::Text(t) => current.push_str(&t.xml10_content()),
                Event::CData(c) => current.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => current.push(c),
                            _ => return Err(XmlError("invalid character reference".into())),
                        }
                    } else {
                        let name = r.xml10_content();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => current.push_str(s),
                            None => return Err(XmlError(format!("unknown XML entity &{name};"))),
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !path.is_empty() {
            return Err(XmlError(
                "XML ended inside an element (truncated body?)".into(),
            ));
        }
        Ok(Self(leaves))
    }

    /// The first leaf whose path ends with `/suffix` (or is `suffix`).
    pub(crate) fn get(&self, suffix: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| names_element(p, suffix))
            .map(|(_, v)| v.as_str())
    }

    /// Every leaf whose path ends with `/suffix` (or is `suffix`), in document order.
    pub(crate) fn all<'a>(&'a self, suffix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(p, _)| names_element(p, suffix))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn require(&self, suffix: &str) -> Result<&str, XmlError> {
        self.get(suffix)
            .ok_or_else(|| XmlError(format!("response has no {suffix}")))
    }
}

/// Whether the element path `path` is `suffix` or ends with `/suffix` (whole elements only).
fn names_element(path: &str, suffix: &str) -> bool {
    path == suffix || (path.ends_with(suffix) && path[..path.len() - suffix.len()].ends_with('/'))
}

/// An STS error response: `<Code>` and `<Message>` at whatever depth they are.
pub(crate) fn parse_error(body: &[u8]) -> Option<(String, String)> {
    let leaves = Leaves::parse(body).ok()?;
    // Both are printed: no control characters, and a runaway message is cut.
    let code = awscred_types::printable(leaves.get("Error/Code")?, 64);
    let message = awscred_types::printable(leaves.get("Error/Message").unwrap_or_default(), 512);
    Some((code, message))
}

/// `Expiration` as STS writes it: RFC 3339, with or without fractional seconds.
pub(crate) fn parse_timestamp(s: &str) -> Result<SystemTime, XmlError> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| XmlError(format!("Expiration {s:?} is not an RFC 3339 time: {e}")))?;
    Ok(t.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_leaves_by_suffix_and_unescapes() {
        let body = br#"<?xml version="1.0"?><R xmlns="x"><Result><Credentials>
            <AccessKeyId>ASIA1</AccessKeyId><SessionToken>a&amp;b&#x41;</SessionToken>
            </Credentials><X><AccessKeyId>no</AccessKeyId></X></Result></R>"#;
        let leaves = Leaves::parse(body).unwrap();
        assert_eq!(leaves.get("Credentials/AccessKeyId"), Some("ASIA1"));
        assert_eq!(leaves.get("SessionToken"), Some("a&bA"));
        assert_eq!(
            leaves.get("entials/AccessKeyId"),
            None,
            "suffix matches whole elements only"
        );
        assert!(leaves.require("Credentials/Expiration").is_err());
    }

    #[test]
    fn error_code_at_either_depth() {
        let real = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
            <Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        assert_eq!(
            parse_error(real),
            Some(("AccessDenied".into(), "not allowed".into()))
        );
        let moto =
            b"<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>\
            <Type>Sender</Type></Error></Errors></ErrorResponse>";
        assert_eq!(parse_error(moto).unwrap().0, "SignatureDoesNotMatch");
        assert_eq!(parse_error(b"<html>oops</html>"), None);
        assert_eq!(parse_error(b"not xml <<<"), None);
    }

    #[test]
    fn malformed_truncated_deep_and_binary_bodies_are_errors_not_panics() {
        assert!(Leaves::parse(b"<a><b>1</b>").is_err());
        assert!(Leaves::parse(b"<a></b>").is_err());
        assert!(Leaves::parse(&[0xff, 0xfe, b'<']).is_err());
        assert!(Leaves::parse(b"<a>&bogus;</a>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(
            Leaves::parse(deep.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("deeper")
        );
    }

    #[test]
    fn timestamps_with_and_without_fractions() {
        let whole = parse_timestamp("2026-11-22T17:53:33Z").unwrap();
        let frac = parse_timestamp("2026-11-22T17:53:33.522358Z").unwrap();
        assert!(frac > whole);
        assert!(frac.duration_since(whole).unwrap().as_millis() == 522);
        assert!(parse_timestamp("tomorrow").is_err());
    }
}
