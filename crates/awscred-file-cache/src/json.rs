//! Python's `json.dumps`, byte for byte, for the shapes the AWS CLI's caches hash and write.
//!
//! The AWS CLI cache key is the SHA-1 of `json.dumps(args, sort_keys=True)` (separators
//! `", "` / `": "`, `ensure_ascii`), which no JSON library writes by default, so
//! [`PythonFormatter`] gives `serde_json` Python's spacing and escaping.

use std::io;

use serde::Serialize;

/// `value` with every object's keys in sorted order (Python's `sort_keys=True`).
pub(crate) fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut pairs: Vec<_> = map.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

/// `json.dumps(value)` byte for byte (for the shapes used here).
pub(crate) fn python_json(value: &impl Serialize) -> Vec<u8> {
    python_json_with(value, PythonFormatter { compact: false })
}

/// `json.dumps(value, separators=(',', ':'))`.
pub(crate) fn python_json_compact(value: &impl Serialize) -> Vec<u8> {
    python_json_with(value, PythonFormatter { compact: true })
}

fn python_json_with(value: &impl Serialize, formatter: PythonFormatter) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising strings, numbers and maps into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        out.clear();
    }
    out
}

/// Python's `json.dumps` defaults: `", "` between items, `": "` after keys, and
/// `ensure_ascii=True` (everything outside printable ASCII as `\uXXXX`, lower-case hex,
/// surrogate pairs above U+FFFF), and floats as Python's `repr` (a policy may hold numbers).
/// serde_json already escapes `"`, `\` and control characters the way Python does. `compact` is
/// `separators=(',', ':')`.
struct PythonFormatter {
    compact: bool,
}

impl PythonFormatter {
    /// The separator before every item but the first, in arrays and objects alike.
    fn item_separator<W: ?Sized + io::Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        match (first, self.compact) {
            (true, _) => Ok(()),
            (false, true) => w.write_all(b","),
            (false, false) => w.write_all(b", "),
        }
    }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item_separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item_separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.compact { b":" } else { b": " })
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for ch in fragment.chars() {
            if (' '..='~').contains(&ch) {
                let mut buf = [0; 4];
                w.write_all(ch.encode_utf8(&mut buf).as_bytes())?;
            } else {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Python's `repr(float)` of a finite value (serde_json never passes NaN or infinities): the
/// shortest digits that round-trip (Rust's `{:e}` gives the same ones), written in scientific
/// notation when the decimal exponent is below -4 or at least 16 (`1e-05`, `1e+16`, two exponent
/// digits at least), else positionally with at least one fractional digit (`100000.0`).
fn python_float_repr(value: f64) -> String {
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    if !(-4..16).contains(&exponent) {
        let (first, rest) = digits.split_at(digits.len().min(1));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
    } else if exponent < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
        out.push_str(&digits);
    } else {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_python_repr() {
        // `repr(v)` from CPython 3.12 for each value.
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123_456_789_012_345.6, "123456789012345.6"),
            (1_234_567_890_123_456.0, "1234567890123456.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (1e22, "1e+22"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (100_000.0, "100000.0"),
            (2.5e-300, "2.5e-300"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (value, want) in cases {
            assert_eq!(python_float_repr(*value), *want, "{value:e}");
        }
    }
}
