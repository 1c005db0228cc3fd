//! The caches' timestamps: botocore's spellings when writing, dateutil's leniency when reading.

use std::time::SystemTime;

use time::OffsetDateTime;

/// `YYYY-MM-DDTHH:MM:SS` then `zone` (a 4-digit year, as `strftime('%Y')` for the years a
/// credential can carry).
fn format_with_zone(t: SystemTime, zone: &str) -> String {
    let t = OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// botocore's `strftime('%Y-%m-%dT%H:%M:%S%Z')` of a UTC datetime.
pub(crate) fn format_expiration(t: SystemTime) -> String {
    format_with_zone(t, "UTC")
}

/// `strftime('%Y-%m-%dT%H:%M:%SZ')` of a UTC time (SSO entries and tokens, login tokens).
pub fn format_utc_z(t: SystemTime) -> String {
    format_with_zone(t, "Z")
}

/// `YYYY-MM-DDTHH:MM:SS` (exactly 19 ASCII characters, `T` already in place).
fn parse_date_time(text: &str) -> Option<time::PrimitiveDateTime> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::from(num(0..4)?),
        month,
        u8::try_from(num(8..10)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(14..16)?).ok()?,
        u8::try_from(num(17..19)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock))
}

/// What dateutil would read of a cache timestamp (an AWS CLI cache entry's `Expiration`, an SSO
/// token's `expiresAt`): `YYYY-MM-DD[T ]HH:MM:SS`, optional fraction, then `UTC`, `GMT`, `Z` or
/// a `±HH:MM` / `±HHMM` offset. A time without a zone is refused (botocore could not compare it
/// with its aware clock either).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date_time, mut rest) = (text.get(..19)?, text.get(19..)?);
    let date_time = date_time.replacen(' ', "T", 1);
    let base = parse_date_time(&date_time)?;
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
