//! The caches' timestamps: botocore's spellings when writing, dateutil's leniency when reading.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::macros::format_description;

/// botocore's `strftime('%Y-%m-%dT%H:%M:%S%Z')` of a UTC datetime.
pub(crate) fn format_expiration(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]UTC"
    ))
    .unwrap_or_default()
}

/// `strftime('%Y-%m-%dT%H:%M:%SZ')` of a UTC time (SSO entries and tokens).
pub fn format_utc_z(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

/// What dateutil would read of a cache timestamp (an AWS CLI cache entry's `Expiration`, an SSO
/// token's `expiresAt`): `YYYY-MM-DD[T ]HH:MM:SS`, optional fraction, then `UTC`, `GMT`, `Z` or
/// a `±HH:MM` / `±HHMM` offset. A time without a zone is refused (botocore could not compare it
/// with its aware clock either).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date_time, mut rest) = (text.get(..19)?, text.get(19..)?);
    let date_time = date_time.replacen(' ', "T", 1);
    let base = time::PrimitiveDateTime::parse(
        &date_time,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    )
    .ok()?;
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded: String = frac[..digits]
            .chars()
            .chain("000000000".chars())
            .take(9)
            .collect();
        nanos = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_secs: i32 = match rest {
        "UTC" | "GMT" | "Z" | "z" | "+00:00" | "-00:00" | "+0000" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hours: i32 = digits[..2].parse().ok()?;
            let minutes: i32 = digits[2..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).ok()?;
    let t = base.replace_nanosecond(nanos).ok()?.assume_offset(offset);
    Some(t.into())
}
