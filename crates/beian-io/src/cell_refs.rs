//! 单元格引用预检 — the cell references of a workbook, checked before calamine reads it.
//!
//! calamine turns a reference such as `r="B7"` into numbers with unchecked arithmetic: a
//! reference with a dozen column letters or a dozen row digits overflows, and a range whose
//! end comes before its start underflows. In a debug or fuzzing build that is a panic; in a
//! release build it is a silently wrong position. Excel's own limits (16,384 columns, up to
//! `XFD`, and 1,048,576 rows) lie far below the overflow, so every reference beyond them is
//! refused here first, with the entry and the reference named in the error.
//!
//! The scan reads each entry of the archive with the XML parser calamine uses (quick-xml,
//! same version, same settings), so it sees exactly the tags calamine sees: a quote inside a
//! comment or inside CDATA cannot hide a reference from it, as it could from a byte-level
//! scan. It then splits each tag's attributes the way calamine does and checks every `r` and
//! `ref` value. Memory stays one tag at a time.

use std::io::{BufReader, Read, Seek, SeekFrom};

use quick_xml::Reader;
use quick_xml::events::Event;

/// Excel's last column, `XFD`.
const MAX_COLUMN: u32 = 16_384;
/// Excel's last row.
const MAX_ROW: u32 = 1_048_576;

/// Checks every `r` and `ref` attribute of every entry of the workbook, then rewinds the
/// reader. An archive that cannot be opened passes: calamine reports that in its own words.
pub(crate) fn check_cell_references<R: Read + Seek>(reader: &mut R) -> Result<(), String> {
    let outcome = scan_archive(reader);
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("工作簿无法重新读取：{e}"))?;
    outcome
}

fn scan_archive<R: Read + Seek>(reader: &mut R) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(reader) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_or_else(
            |_| format!("第 {} 个压缩条目", index + 1),
            |n| n.into_owned(),
        );
        scan_entry(entry)
            .map_err(|(value, reason)| format!("{name} 中的单元格引用「{value}」{reason}"))?;
    }
    Ok(())
}

/// Reads one entry as calamine reads a worksheet; `Err` holds the first reference out of
/// bounds and why. XML that stops parsing stops the scan: calamine stops at the same place.
fn scan_entry(entry: impl Read) -> Result<(), (String, &'static str)> {
    let mut xml = Reader::from_reader(BufReader::new(entry));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(tag)) => {
                for (key, value) in raw_attributes(tag.attributes_raw()) {
                    if key == "r" || key == "ref" {
                        check_reference(value.as_bytes())
                            .map_err(|reason| (shorten(value), reason))?;
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// The attributes of a tag, split as calamine splits them (`calamine::attrs::RawAttrIter`):
/// a key runs from the end of the whitespace to the `=`, whatever it holds, and the value is
/// the quoted text after it. The first malformed attribute ends the list, as it ends
/// calamine's reading of the tag.
fn raw_attributes(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let text = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let (key, after_key) = text.split_once('=')?;
        let after_eq = after_key.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let quote = after_eq
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')?;
        let inside = &after_eq[1..];
        let (value, after) = inside.split_once(quote).unwrap_or((inside, ""));
        rest = after;
        Some((
            key.trim_end_matches(|c: char| c.is_ascii_whitespace()),
            value,
        ))
    })
}

/// The value as the error quotes it: no valid reference is long, and the start already
/// shows the column or row past the limits.
fn shorten(value: &str) -> String {
    const SHOWN: usize = 32;
    match value.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// A cell reference (`B7`), a row (`7`) or a range (`A1:C9`). Values that are not shaped
/// like references pass: calamine refuses them with an error of its own.
fn check_reference(value: &[u8]) -> Result<(), &'static str> {
    let mut parts = value.split(|b| *b == b':');
    let start = parts.next().map(parse_cell).transpose()?.flatten();
    let end = parts.next().map(parse_cell).transpose()?.flatten();
    if parts.next().is_none()
        && let (Some(start), Some(end)) = (start, end)
        && (end.0 < start.0 || end.1 < start.1)
    {
        return Err("的终点在起点之前");
    }
    Ok(())
}

/// `(column, row)` of one reference, both 1-based, column 0 when absent; `None` when it is
/// not shaped like a reference at all.
fn parse_cell(part: &[u8]) -> Result<Option<(u32, u32)>, &'static str> {
    let letters = part.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters > 3 {
        return Err("的列超出 XFD（16384 列）");
    }
    let column = part[..letters].iter().fold(0u32, |column, letter| {
        column * 26 + u32::from(letter.to_ascii_uppercase() - b'A') + 1
    });
    if column > MAX_COLUMN {
        return Err("的列超出 XFD（16384 列）");
    }
    let digits = &part[letters..];
    let digit_count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let row = digits[..digit_count].iter().fold(0u32, |row, digit| {
        row.saturating_mul(10)
            .saturating_add(u32::from(digit - b'0'))
    });
    if row > MAX_ROW {
        return Err("的行超出 1048576 行");
    }
    if digit_count == 0 || digit_count != digits.len() {
        return Ok(None);
    }
    Ok(Some((column, row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_and_values(raw: &str) -> Vec<(&str, &str)> {
        raw_attributes(raw).collect()
    }

    #[test]
    fn attributes_split_as_calamine_splits_them() {
        assert_eq!(
            keys_and_values(r#" r="B2" s='1' t = "s""#),
            [("r", "B2"), ("s", "1"), ("t", "s")]
        );
        // No space between attributes; a prefixed name is another key.
        assert_eq!(
            keys_and_values(r#" t="s"r="E5" xmlns:r="urn:x""#),
            [("t", "s"), ("r", "E5"), ("xmlns:r", "urn:x")]
        );
        // An unquoted value ends the list; an unclosed quote runs to the end.
        assert_eq!(keys_and_values(r#" r=B2 s="1""#), []);
        assert_eq!(keys_and_values(r#" r="B2"#), [("r", "B2")]);
    }

    fn scan(xml: &[u8]) -> Result<(), (String, &'static str)> {
        scan_entry(xml)
    }

    #[test]
    fn the_scan_finds_references_that_a_byte_scan_would_miss() {
        let plain = br#"<sheetData><row r="1"><c r="AAAAAAAAAAAAAAAA1"/></row></sheetData>"#;
        assert!(scan(plain).is_err());
        // A quote inside a comment.
        let comment =
            br#"<!-- don't --><sheetData><row r="1"><c r="AAAAAAAAAAAAAAAA1"/></row></sheetData>"#;
        assert!(scan(comment).is_err());
        // A quote and a `>` inside CDATA.
        let cdata = br#"<is><t><![CDATA[ it's > ]]></t></is><row r="99999999999"/>"#;
        let (value, _) = scan(cdata).expect_err("cdata");
        assert_eq!(value, "99999999999");
        // Within limits, in any of these forms, passes.
        assert_eq!(
            scan(br#"<!-- ' --><c r="XFD1048576"/><dimension ref="A1:B2"/>"#),
            Ok(())
        );
        // Broken XML ends the scan where calamine stops too.
        assert_eq!(scan(b"<c r=\"A1\"><</"), Ok(()));
    }

    #[test]
    fn references_within_excel_limits_pass() {
        for ok in [
            "A1",
            "XFD1048576",
            "A1:XFD1048576",
            "7",
            "xfd3",
            "",
            "$A$1",
            "A",
            "B2:B2",
            "1:1",
        ] {
            assert_eq!(check_reference(ok.as_bytes()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn references_past_excel_limits_or_backwards_are_refused() {
        for bad in [
            "AAAAAAAAAAAAAAA1",
            "XFE1",
            "A1048577",
            "A99999999999999",
            "C3:A1",
            "A9:A1",
            "A1:AAAAAAAAAAAAA9",
            &"A".repeat(100),
            &"9".repeat(100),
        ] {
            assert!(check_reference(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
