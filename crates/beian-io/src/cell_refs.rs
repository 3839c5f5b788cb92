//! 单元格引用预检 — the cell references of a workbook, checked before calamine reads it.
//!
//! calamine turns a reference such as `r="B7"` into numbers with unchecked arithmetic: a
//! reference with a dozen column letters or a dozen row digits overflows, and a range whose
//! end comes before its start underflows. In a debug or fuzzing build that is a panic; in a
//! release build it is a silently wrong position. Excel's own limits (16,384 columns, up to
//! `XFD`, and 1,048,576 rows) lie far below the overflow, so every reference beyond them is
//! refused here first, with the entry and the reference named in the error.
//!
//! The scan streams each entry of the archive through a small state machine that looks only
//! at the `r` and `ref` attributes inside tags; memory stays a few hundred bytes whatever the
//! size of the sheet.

use std::io::{Read, Seek, SeekFrom};

/// Excel's last column, `XFD`.
const MAX_COLUMN: u32 = 16_384;
/// Excel's last row.
const MAX_ROW: u32 = 1_048_576;
/// Longer attribute values are kept only in part: no valid reference is this long, and the
/// part kept already shows a column or row past the limits.
const MAX_VALUE: usize = 32;

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
        let Ok(mut entry) = archive.by_index(index) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_or_else(
            |_| format!("第 {} 个压缩条目", index + 1),
            |n| n.into_owned(),
        );
        let mut scanner = Scanner::default();
        let mut chunk = [0u8; 16 * 1024];
        // A damaged entry is calamine's to report; the scan only stops early.
        while let Ok(read) = entry.read(&mut chunk)
            && read > 0
        {
            for &byte in &chunk[..read] {
                if let Some(value) = scanner.feed(byte) {
                    check_reference(&value).map_err(|reason| {
                        format!(
                            "{name} 中的单元格引用「{}」{reason}",
                            String::from_utf8_lossy(&value)
                        )
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// Where the scanner is in the XML: outside tags, inside a tag, or inside one of its
/// quoted attribute values.
#[derive(Default)]
struct Scanner {
    in_tag: bool,
    /// The quote that opened the current attribute value.
    quote: Option<u8>,
    /// The last bytes of the tag before the current position (for the attribute's name).
    recent: Vec<u8>,
    /// The value being read, when its attribute is `r` or `ref`.
    value: Option<Vec<u8>>,
}

impl Scanner {
    /// Takes one byte; returns the value of an `r` or `ref` attribute when its closing quote
    /// arrives.
    fn feed(&mut self, byte: u8) -> Option<Vec<u8>> {
        if let Some(quote) = self.quote {
            if byte == quote {
                self.quote = None;
                // The next attribute's name starts here, even without a space before it.
                self.recent.clear();
                self.recent.push(b' ');
                return self.value.take();
            }
            if let Some(value) = &mut self.value
                && value.len() <= MAX_VALUE
            {
                value.push(byte);
            }
            return None;
        }
        if !self.in_tag {
            if byte == b'<' {
                self.in_tag = true;
                self.recent.clear();
            }
            return None;
        }
        match byte {
            b'>' => {
                self.in_tag = false;
                self.recent.clear();
            }
            b'"' | b'\'' => {
                self.quote = Some(byte);
                self.value = is_reference_attribute(&self.recent).then(Vec::new);
            }
            _ => {
                if self.recent.len() == 16 {
                    self.recent.remove(0);
                }
                self.recent.push(byte);
            }
        }
        None
    }
}

/// Whether the tag text before a quote ends in `r=` or `ref=` (spaces around `=` allowed).
/// Only the unprefixed names count, as for calamine: `xmlns:r` declares a namespace.
fn is_reference_attribute(before_quote: &[u8]) -> bool {
    let text = trim_end_space(before_quote);
    let Some(text) = text.strip_suffix(b"=") else {
        return false;
    };
    let text = trim_end_space(text);
    let name_start = text
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    if name_start == 0 {
        // The whole window is one word: either the tag name itself or a name too long to
        // be `r` or `ref`.
        return false;
    }
    matches!(&text[name_start..], b"r" | b"ref")
}

fn trim_end_space(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
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

    fn values(xml: &str) -> Vec<String> {
        let mut scanner = Scanner::default();
        xml.bytes()
            .filter_map(|b| scanner.feed(b))
            .map(|v| String::from_utf8(v).expect("ascii"))
            .collect()
    }

    #[test]
    fn the_scanner_reads_r_and_ref_attributes_only_inside_tags() {
        let xml = r#"<dimension ref="A1:C3"/><row r="2" spans="1:3"><c r='B2' s="1" t="s"><v>5</v></c></row>
            <t>text r="ZZZZZZ1" outside a tag</t><c xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r = "C9"/><cr="D1"/><sqref ref="A1"/><c t="s"r="E5"/>"#;
        assert_eq!(values(xml), ["A1:C3", "2", "B2", "C9", "A1", "E5"]);
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
