//! The line grammar of a profile file, as the cross-SDK parser vectors define it.
//!
//! This layer is deliberately literal: it finds section headers, properties, continuation lines
//! and sub-properties, strips comments, lower-cases keys, and reports malformed lines. It does
//! not judge names; `set.rs` validates section and key names and merges.
//!
//! Text is never copied per line: keys and values are [`Span`]s into the file's contents, and
//! the few strings that have to be built (a lower-cased key, a value with continuation lines) go
//! into one shared arena, which follows the file contents in the final buffer.

/// Trims the two characters the grammar counts as whitespace, space and tab
/// (`str::trim` trims more).
pub(crate) fn trim_ws(s: &str) -> &str {
    let bytes = s.as_bytes();
    let is_ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ws(b))
        .map_or(start, |i| i + 1);
    // Space and tab are ASCII, so both ends are char boundaries.
    &s[start..end]
}

/// A byte range in the profile set's text buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn get(self, text: &Text) -> &str {
        text.get(self)
    }

    fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The span of `inner`, a substring of `outer`, whose span is `self`.
    pub(crate) fn of_substring(self, outer: &str, inner: &str) -> Span {
        let start = self.start + (inner.as_ptr() as usize - outer.as_ptr() as usize) as u32;
        Span {
            start,
            end: start + inner.len() as u32,
        }
    }
}

/// All the text of a profile set, addressed by [`Span`]s as if it were one string: the config
/// file, the credentials file, then the arena. The files' strings are kept as they came (no
/// copy).
#[derive(Debug, Default)]
pub(crate) struct Text {
    parts: [String; 3],
    /// Where each part starts.
    bases: [u32; 3],
}

impl Text {
    /// The caller guarantees the total length fits in a `u32`.
    pub(crate) fn new(config: String, credentials: String, arena: String) -> Self {
        let second = config.len() as u32;
        let third = second + credentials.len() as u32;
        Self {
            parts: [config, credentials, arena],
            bases: [0, second, third],
        }
    }

    fn get(&self, span: Span) -> &str {
        let part = if span.start >= self.bases[2] {
            2
        } else if span.start >= self.bases[1] {
            1
        } else {
            0
        };
        let base = self.bases[part];
        // An empty span on a boundary reads "" from whichever part it lands in.
        &self.parts[part][(span.start - base) as usize..(span.end - base) as usize]
    }
}

/// A `[...]` line: what stood between the brackets, untrimmed.
#[derive(Debug)]
pub(crate) struct RawSection {
    pub(crate) header: Span,
    pub(crate) line: u32,
}

/// A `key = value` line (with its continuation lines folded into the value).
#[derive(Debug)]
pub(crate) struct RawEntry {
    /// Index into [`RawFile::sections`].
    pub(crate) section: u32,
    /// Lower-cased.
    pub(crate) key: Span,
    pub(crate) value: Span,
    pub(crate) line: u32,
}

/// One file, tokenized.
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub(crate) sections: Vec<RawSection>,
    pub(crate) entries: Vec<RawEntry>,
}

/// A malformed line: its 1-based number and what the grammar expected. Never holds file text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: u32,
    pub(crate) problem: &'static str,
}

/// Where the tokenizer puts strings it has to build.
pub(crate) struct Arena<'a> {
    pub(crate) buf: &'a mut String,
    /// The offset of `buf[0]` in the final text buffer.
    pub(crate) base: u32,
}

impl Arena<'_> {
    fn end(&self) -> u32 {
        self.base + self.buf.len() as u32
    }

    fn push_lowercase(&mut self, s: &str) -> Span {
        let start = self.end();
        self.buf.extend(s.chars().map(|c| c.to_ascii_lowercase()));
        Span {
            start,
            end: self.end(),
        }
    }
}

enum State {
    /// Before the first section header.
    Start,
    /// Inside a section; `property` is whether a property line has been read since the header,
    /// and `sub` whether that property opened a block of sub-properties (`key =` with no value).
    InSection { property: bool, sub: bool },
}

/// Tokenizes `contents`, whose first byte sits at `base` in the final text buffer.
///
/// The caller guarantees that every offset fits in a `u32`.
pub(crate) fn tokenize(
    contents: &str,
    base: u32,
    arena: &mut Arena<'_>,
) -> Result<RawFile, SyntaxError> {
    let mut file = RawFile::default();
    let mut state = State::Start;
    let span_of = |s: &str| {
        let start = base + (s.as_ptr() as usize - contents.as_ptr() as usize) as u32;
        Span {
            start,
            end: start + s.len() as u32,
        }
    };
    for (index, line) in lines(contents).enumerate() {
        let line_no = index as u32 + 1;
        let error = |problem| SyntaxError {
            line: line_no,
            problem,
        };
        let Some(&first) = line.as_bytes().first() else {
            continue;
        };
        let indented = first == b' ' || first == b'\t';
        if first == b'#' || first == b';' || (indented && trim_ws(line).is_empty()) {
            continue;
        }
        if first == b'[' {
            let header = strip_header_comment(line)
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .ok_or(error("Profile definition must end with ']'"))?;
            file.sections.push(RawSection {
                header: span_of(header),
                line: line_no,
            });
            state = State::InSection {
                property: false,
                sub: false,
            };
        } else if indented {
            let sub = match state {
                State::Start => return Err(error("Expected a profile definition")),
                State::InSection {
                    property: false, ..
                } => {
                    return Err(error("Expected a property definition, found continuation"));
                }
                State::InSection {
                    property: true,
                    sub,
                } => sub,
            };
            if sub {
                split_property(line).map_err(|p| error(p.message(true)))?;
            }
            let entry = file
                .entries
                .last_mut()
                .expect("a property was read in this section");
            let continued = trim_ws(line);
            if entry.value.end != arena.end() || entry.value.start < arena.base {
                // First continuation of this value: move it to the arena tail, where it can grow.
                // (Only the newest entry is ever continued, so nothing else is appended meanwhile.)
                let start = arena.end();
                let text = if entry.value.is_empty() {
                    ""
                } else {
                    span_text(contents, base, entry.value)
                };
                arena.buf.push_str(text);
                entry.value.start = start;
            }
            arena.buf.push('\n');
            arena.buf.push_str(continued);
            entry.value.end = arena.end();
        } else {
            let State::InSection { .. } = state else {
                return Err(error("Expected a profile definition"));
            };
            let (key, value) = split_property(line).map_err(|p| error(p.message(false)))?;
            let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
                arena.push_lowercase(key)
            } else {
                span_of(key)
            };
            let value = if value.is_empty() {
                Span::default()
            } else {
                span_of(value)
            };
            file.entries.push(RawEntry {
                section: file.sections.len() as u32 - 1,
                key,
                value,
                line: line_no,
            });
            state = State::InSection {
                property: true,
                sub: value.is_empty(),
            };
        }
    }
    Ok(file)
}

/// The text of a span that lies in `contents` (which starts at `base`).
fn span_text(contents: &str, base: u32, span: Span) -> &str {
    &contents[(span.start - base) as usize..(span.end - base) as usize]
}

#[derive(Debug, PartialEq, Eq)]
enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    fn message(&self, sub: bool) -> &'static str {
        match (self, sub) {
            (Self::NoEquals, false) => "Expected an '=' sign defining a property",
            (Self::NoEquals, true) => "Expected an '=' sign defining a sub-property",
            (Self::NoName, false) => "Property did not have a name",
            (Self::NoName, true) => "Sub-property did not have a name",
        }
    }
}

/// `key = value # comment` → (`key`, `value`): both trimmed, key not yet lower-cased.
///
/// One pass finds both the first `=` and the comment (if any) that ends the line.
fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    let line = trim_ws(line);
    let bytes = line.as_bytes();
    let mut equals = None;
    let mut end = line.len();
    let mut from = 0;
    while let Some(at) = position_any(&bytes[from..], [b'=', b'#', b';']).map(|i| from + i) {
        if bytes[at] == b'=' {
            equals = equals.or(Some(at));
        } else if follows_whitespace(line, at) {
            end = at;
            break;
        }
        from = at + 1;
    }
    let equals = equals.ok_or(PropertyError::NoEquals)?;
    let key = trim_ws(&line[..equals]);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key, trim_ws(&line[equals + 1..end])))
}

/// The first byte of `bytes` that is one of `targets`, eight bytes at a time.
///
/// For each target, `(x - 0x01…) & !x & 0x80…` (with `x` = word XOR target) sets the high bit
/// of every byte equal to the target; it can also set bits *above* a real match (borrows run
/// upwards), never below one, so the lowest bit set across all targets is always a real match.
fn position_any<const N: usize>(bytes: &[u8], targets: [u8; N]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for (n, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = targets.iter().fold(0, |acc, &t| {
            let x = word ^ (ONES * u64::from(t));
            acc | (x.wrapping_sub(ONES) & !x & HIGHS)
        });
        if found != 0 {
            return Some(n * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|b| targets.contains(b))
        .map(|i| done + i)
}

/// `str::lines`, with the newline search done eight bytes at a time (profile lines are short,
/// and `memchr`'s set-up dominates on short lines).
fn lines(contents: &str) -> impl Iterator<Item = &str> {
    let mut rest = contents;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match position_any(rest.as_bytes(), [b'\n']) {
            Some(newline) => {
                let line = &rest[..newline];
                rest = &rest[newline + 1..];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => std::mem::take(&mut rest),
        };
        Some(line)
    })
}

/// Trims a section-header line and cuts it at the first `#` or `;`: in a header, unlike in a
/// property line, any `#` or `;` starts a comment.
fn strip_header_comment(line: &str) -> &str {
    let line = trim_ws(line);
    match line.as_bytes().iter().position(|&b| b == b'#' || b == b';') {
        Some(at) => trim_ws(&line[..at]),
        None => line,
    }
}

/// Whether the character before byte `at` is whitespace (`char::is_whitespace`).
fn follows_whitespace(line: &str, at: usize) -> bool {
    match line.as_bytes()[..at].last() {
        None => false,
        Some(&b) if b.is_ascii() => char::from(b).is_whitespace(),
        Some(_) => line[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(contents: &str) -> (Result<RawFile, SyntaxError>, Text) {
        let mut buf = String::new();
        let base = contents.len() as u32;
        let result = tokenize(
            contents,
            0,
            &mut Arena {
                buf: &mut buf,
                base,
            },
        );
        (result, Text::new(contents.to_owned(), String::new(), buf))
    }

    #[test]
    fn text_spans_cross_parts() {
        let text = Text::new("ab".into(), "".into(), "cd".into());
        let get = |start, end| Span { start, end }.get(&text).to_owned();
        assert_eq!(
            (get(0, 2), get(2, 4), get(3, 4), get(2, 2)),
            ("ab".into(), "cd".into(), "d".into(), "".into())
        );
        assert_eq!(trim_ws(" \t a b\t "), "a b");
        assert_eq!(trim_ws(" \t "), "");
        assert_eq!(trim_ws("\u{a0}x "), "\u{a0}x");
    }

    #[test]
    fn property_lines() {
        assert_eq!(split_property("a = b"), Ok(("a", "b")));
        assert_eq!(split_property(" a=b \t"), Ok(("a", "b")));
        assert_eq!(split_property("a = b=c"), Ok(("a", "b=c")));
        assert_eq!(split_property("a =    "), Ok(("a", "")));
        assert_eq!(split_property("a = b 🐱 "), Ok(("a", "b 🐱")));
        assert_eq!(split_property("a b"), Err(PropertyError::NoEquals));
        assert_eq!(split_property(" = b"), Err(PropertyError::NoName));
        assert_eq!(split_property("a = # only a comment"), Ok(("a", "")));
    }

    #[test]
    fn comments() {
        assert_eq!(
            split_property("name = value # c # d"),
            Ok(("name", "value"))
        );
        assert_eq!(
            split_property("name = value#c # d"),
            Ok(("name", "value#c"))
        );
        assert_eq!(split_property("name = a\u{a0};c"), Ok(("name", "a\u{a0}")));
        assert_eq!(split_property("name = a\x0b;c"), Ok(("name", "a\x0b")));
        assert_eq!(split_property("name ;= a"), Err(PropertyError::NoEquals));
        assert_eq!(split_property("name;x = a"), Ok(("name;x", "a")));
        assert_eq!(strip_header_comment(" [p]#c ; d"), "[p]");
        assert_eq!(strip_header_comment("[p] ;c"), "[p]");
    }

    #[test]
    fn position_any_finds_the_first_match() {
        let text = b"0123456789abcdef=ghij#k;l\x80\xff=";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let s = &text[start..end];
                let want = s.iter().position(|b| b"=#;".contains(b));
                assert_eq!(position_any(s, [b'=', b'#', b';']), want, "{start}..{end}");
            }
        }
        // Borrow false positives sit above a real match, never below.
        assert_eq!(
            position_any(b"\x0a\x0b\x0a\x01\x0a\x0a\x0a\x0a", [b'\n']),
            Some(0)
        );
        assert_eq!(position_any(b"ab\x01\x00\x01\x00\x00\x00", [0]), Some(3));
    }

    #[test]
    fn lines_match_str_lines() {
        let long = "[profile a]\nkey = value # c\r\n\n  sub = 1\nlast line without newline";
        for s in [
            "",
            "a",
            "a\n",
            "a\r\nb",
            "a\r",
            "\n\n",
            "a\r\r\nb\r",
            "\r\n",
            long,
        ] {
            assert_eq!(
                lines(s).collect::<Vec<_>>(),
                s.lines().collect::<Vec<_>>(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn keys_are_lower_cased_and_continuations_join() {
        let (file, text) = tok("[p]\nKey = v\n  more\n\tstill\nok = x\n");
        let file = file.unwrap();
        let pairs: Vec<_> = file
            .entries
            .iter()
            .map(|e| (e.key.get(&text), e.value.get(&text), e.line))
            .collect();
        assert_eq!(pairs, [("key", "v\nmore\nstill", 2), ("ok", "x", 5)]);
    }

    #[test]
    fn empty_value_then_continuation() {
        let (file, text) = tok("[p]\ns3 =\n  a = 1\n  b = 2\n");
        let e = &file.unwrap().entries[0];
        assert_eq!(e.value.get(&text), "\na = 1\nb = 2");
    }

    #[test]
    fn errors_carry_line_numbers() {
        let err = |s| tok(s).0.unwrap_err();
        assert_eq!(err("[default\nk=v").line, 1);
        assert_eq!(err("\n\n[p]\nk : v").line, 4);
        assert_eq!(
            err("\n\n[p]\nk : v").problem,
            "Expected an '=' sign defining a property"
        );
        assert_eq!(err("# c\nk = v").problem, "Expected a profile definition");
        assert_eq!(
            err("[p]\n  x").problem,
            "Expected a property definition, found continuation"
        );
        assert_eq!(
            err("[p]\ns =\n  x").problem,
            "Expected an '=' sign defining a sub-property"
        );
    }
}
