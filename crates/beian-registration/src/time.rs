//! 时间 — reading the many ways registries print a time.
//!
//! ICANN's format is RFC 3339 (`2020-09-14T04:00:00Z`), but registrars drop the colon in
//! the offset (`-0700`), CNNIC prints local time with no zone at all (`2021-03-13
//! 21:45:16`, meaning China time), HKIRC prints `DD-MM-YYYY`, TWNIC appends `(UTC+8)`, and
//! old thin registries wrote `14-sep-2011`. A zone-less time is read in the offset the
//! caller passes: the registry's own, which the WHOIS parser infers from the reply.
//!
//! A date without a time is midnight at the start of that day in the registry's zone:
//! the reply gives no more, and guessing a later hour would invent data.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

/// UTC+8: China, Hong Kong, Macao and Taiwan registries all print this local time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(utc)
}

/// UTC as a fixed offset.
pub fn utc() -> FixedOffset {
    chrono::Utc.fix()
}

/// Reads a registry time. `zoneless` is the offset meant when the text has none.
/// Returns `None` for anything that is not a time in one of the known forms.
pub fn parse_time(text: &str, zoneless: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    // Chinese dates: 2018年03月13日 21:45:16.
    let text = text.replace(['年', '月'], "-").replace('日', "");
    let text = text.trim().trim_end_matches('.');
    if !text.is_ascii() {
        return None;
    }
    if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        // A weekday first: RFC 2822 (`Thu, 26 Jun 2008 21:39:39 EDT`).
        return DateTime::parse_from_rfc2822(text).ok();
    }
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let date = cursor.date()?;
    let time = cursor.time()?;
    let offset = cursor.zone()?.unwrap_or(zoneless);
    if !cursor.at_end() {
        return None;
    }
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') || self.peek() == Some(b'\t') {
            self.pos += 1;
        }
    }

    /// Up to `max` digits; their value and how many there were.
    fn digits(&mut self, max: usize) -> (u32, usize) {
        let mut value: u32 = 0;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    count += 1;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        (value, count)
    }

    fn letters(&mut self) -> String {
        let mut word = String::new();
        while let Some(b) = self.peek().filter(u8::is_ascii_alphabetic) {
            word.push(char::from(b.to_ascii_lowercase()));
            self.pos += 1;
        }
        word
    }

    /// `YYYY-MM-DD` (also `/` or `.`), `YYYYMMDD`, `DD-MM-YYYY`, `DD-mon-YYYY`.
    fn date(&mut self) -> Option<NaiveDate> {
        let (first, width) = self.digits(8);
        match width {
            8 => NaiveDate::from_ymd_opt(
                i32::try_from(first / 10_000).ok()?,
                first / 100 % 100,
                first % 100,
            ),
            4 => {
                let sep = self.peek().filter(|b| matches!(b, b'-' | b'/' | b'.'))?;
                self.pos += 1;
                let (month, mw) = self.digits(2);
                if mw == 0 || !self.eat(sep) {
                    return None;
                }
                let (day, dw) = self.digits(2);
                if dw == 0 {
                    return None;
                }
                NaiveDate::from_ymd_opt(i32::try_from(first).ok()?, month, day)
            }
            1 | 2 => {
                let sep = self
                    .peek()
                    .filter(|b| matches!(b, b'-' | b'/' | b'.' | b' '))?;
                self.pos += 1;
                let month = match self.peek() {
                    Some(b) if b.is_ascii_digit() => {
                        let (month, _) = self.digits(2);
                        month
                    }
                    Some(b) if b.is_ascii_alphabetic() => {
                        let word = self.letters();
                        let abbreviation = word.get(..3)?;
                        let index = MONTHS.iter().position(|m| *m == abbreviation)?;
                        u32::try_from(index + 1).ok()?
                    }
                    _ => return None,
                };
                if !self.eat(sep) {
                    return None;
                }
                let (year, yw) = self.digits(4);
                if yw != 4 {
                    return None;
                }
                NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, first)
            }
            _ => None,
        }
    }

    /// An optional `THH:MM[:SS[.fff]]` (or with a space); midnight when absent.
    fn time(&mut self) -> Option<NaiveTime> {
        let start = self.pos;
        let separated = self.eat(b'T') || self.eat(b't') || self.eat(b' ');
        let (hour, hw) = if separated {
            self.skip_spaces();
            self.digits(2)
        } else {
            (0, 0)
        };
        if hw == 0 || !self.eat(b':') {
            self.pos = start;
            return NaiveTime::from_hms_opt(0, 0, 0);
        }
        let (minute, mw) = self.digits(2);
        if mw != 2 {
            return None;
        }
        let mut second = 0;
        let mut nano = 0;
        if self.eat(b':') {
            let (s, sw) = self.digits(2);
            if sw != 2 {
                return None;
            }
            second = s;
            if self.eat(b'.') || self.eat(b',') {
                let (fraction, fw) = self.digits(9);
                if fw == 0 {
                    return None;
                }
                nano = fraction * 10u32.pow(9 - u32::try_from(fw).ok()?);
                // Finer digits than nanoseconds carry no meaning here.
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
        }
        NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
    }

    /// An optional zone: `Z`, `±HH[:MM]`, `±HHMM`, `UTC`, `GMT`, `UTC+8`, `(UTC+8)`.
    /// `Some(None)` when there is none; `None` when there is one that cannot be read.
    fn zone(&mut self) -> Option<Option<FixedOffset>> {
        self.skip_spaces();
        match self.peek() {
            None => Some(None),
            Some(b'Z' | b'z') => {
                self.pos += 1;
                Some(Some(utc()))
            }
            Some(b'+' | b'-') => self.signed_offset().map(Some),
            Some(b'(') => {
                self.pos += 1;
                let inner = self.zone()?;
                self.skip_spaces();
                if !self.eat(b')') {
                    return None;
                }
                self.skip_spaces();
                Some(inner)
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.pos;
                let word = self.letters();
                if word != "utc" && word != "gmt" {
                    // Not a zone we know (CST is ambiguous): leave it for the caller.
                    self.pos = start;
                    return Some(None);
                }
                match self.peek() {
                    Some(b'+' | b'-') => self.signed_offset().map(Some),
                    _ => Some(Some(utc())),
                }
            }
            Some(_) => Some(None),
        }
    }

    fn signed_offset(&mut self) -> Option<FixedOffset> {
        let negative = self.peek() == Some(b'-');
        self.pos += 1;
        let (first, width) = self.digits(4);
        let (hours, minutes) = match width {
            1 | 2 => {
                let minutes = if self.eat(b':') {
                    let (m, mw) = self.digits(2);
                    if mw != 2 {
                        return None;
                    }
                    m
                } else {
                    0
                };
                (first, minutes)
            }
            4 => (first / 100, first % 100),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
        FixedOffset::east_opt(if negative { -seconds } else { seconds })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_time_forms() {
        let cases: &[(&str, Option<&str>)] = &[
            // CNNIC, zone-less: the registry's zone (here China).
            ("2021-03-13 21:45:16", Some("2021-03-13T21:45:16+08:00")),
            ("2002-03-06 00:00:00", Some("2002-03-06T00:00:00+08:00")),
            ("2018年03月13日 21:45:16", Some("2018-03-13T21:45:16+08:00")),
            ("2018年03月13日", Some("2018-03-13T00:00:00+08:00")),
            // ICANN / RFC 3339 keeps its zone.
            ("2020-09-14T04:00:00Z", Some("2020-09-14T04:00:00+00:00")),
            (
                "2020-09-14T04:00:00.000Z",
                Some("2020-09-14T04:00:00+00:00"),
            ),
            (
                "2020-09-14T04:00:00.5Z",
                Some("2020-09-14T04:00:00.500+00:00"),
            ),
            (
                "2014-10-17T04:00:22-0700",
                Some("2014-10-17T04:00:22-07:00"),
            ),
            (
                "2014-10-17T04:00:22-07:00",
                Some("2014-10-17T04:00:22-07:00"),
            ),
            (
                "2014-10-17T04:00:22+05:30",
                Some("2014-10-17T04:00:22+05:30"),
            ),
            ("2014-10-17 04:00:22 UTC", Some("2014-10-17T04:00:22+00:00")),
            ("2014-10-17 04:00 GMT", Some("2014-10-17T04:00:00+00:00")),
            // TWNIC.
            (
                "2026-11-09 00:00:00 (UTC+8)",
                Some("2026-11-09T00:00:00+08:00"),
            ),
            (
                "2000-08-29 10:22:50 (UTC+8)",
                Some("2000-08-29T10:22:50+08:00"),
            ),
            // HKIRC DD-MM-YYYY, thin-registry DD-mon-YYYY, dotted and slashed forms.
            ("06-04-2004", Some("2004-04-06T00:00:00+08:00")),
            ("31-03-2027 ", Some("2027-03-31T00:00:00+08:00")),
            ("14-sep-2011", Some("2011-09-14T00:00:00+08:00")),
            ("14-Sep-2011", Some("2011-09-14T00:00:00+08:00")),
            ("1997-09-15.", Some("1997-09-15T00:00:00+08:00")),
            ("2011/09/14", Some("2011-09-14T00:00:00+08:00")),
            ("2011.09.14", Some("2011-09-14T00:00:00+08:00")),
            ("20110914", Some("2011-09-14T00:00:00+08:00")),
            (
                "Thu, 26 Jun 2008 21:39:39 EDT",
                Some("2008-06-26T21:39:39-04:00"),
            ),
            // Not times.
            ("", None),
            ("REDACTED FOR PRIVACY", None),
            ("2021-02-30 00:00:00", None),
            ("2021-13-01", None),
            ("2021-03-13 25:00:00", None),
            ("2021-03-13 21:45:16 CST", None),
            ("2021-03-13T21:45:16+2400", None),
            ("31-foo-2011", None),
            ("2021-03", None),
            ("99999999999999999999", None),
            ("2021-03-13 21:45:16 (UTC+8", None),
        ];
        for (text, expected) in cases {
            let got = parse_time(text, china()).map(|t| t.to_rfc3339());
            let expected = expected.map(|e| {
                DateTime::parse_from_rfc3339(e)
                    .expect("expected value")
                    .to_rfc3339()
            });
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn zoneless_times_take_the_given_offset() {
        let t = parse_time("1997-09-15", utc()).expect("date");
        assert_eq!(t.to_rfc3339(), "1997-09-15T00:00:00+00:00");
    }
}
