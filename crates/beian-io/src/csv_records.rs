//! CSV records with exact line numbers.
//!
//! The `csv` crate's record positions drift after blank lines and with CRLF line ends
//! (what Excel writes), and an error report must point at the right line, so records are
//! split here: RFC 4180 quoting (`""` inside quotes, fields spanning lines), `,` between
//! fields, LF or CRLF between records. A quote inside an unquoted field is kept as text.
//! Splitting works on bytes, which is safe for UTF-8 and GBK alike: neither uses the bytes
//! of `,`, `"`, CR or LF inside a multi-byte character.

use std::io::BufRead;

/// The longest record taken; a longer one is almost always an unclosed quote that would
/// otherwise swallow the rest of the file.
pub(crate) const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// One record: the line it starts on and its fields as bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub line: u64,
    pub fields: Vec<Vec<u8>>,
}

/// Why splitting stopped.
#[derive(Debug)]
pub(crate) enum SplitError {
    Io(u64, std::io::Error),
    /// The record starting on this line is longer than `MAX_RECORD_BYTES`.
    TooLong(u64),
}

pub(crate) struct Splitter<R> {
    reader: R,
    /// The number of lines read so far.
    lines: u64,
    line: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Splitter<R> {
    pub(crate) fn new(reader: R) -> Self {
        Splitter {
            reader,
            lines: 0,
            line: Vec::new(),
            done: false,
        }
    }

    /// Reads one physical line (with its LF) into `self.line`; false at the end.
    fn read_line(&mut self, budget: usize) -> Result<bool, std::io::Error> {
        self.line.clear();
        let mut any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(any);
            }
            any = true;
            let (take, end) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            let keep = take.min(budget.saturating_sub(self.line.len()) + 1);
            self.line.extend_from_slice(&available[..keep]);
            self.reader.consume(take);
            if end {
                return Ok(true);
            }
        }
    }

    pub(crate) fn next_record(&mut self) -> Option<Result<RawRecord, SplitError>> {
        if self.done {
            return None;
        }
        let start = self.lines + 1;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        let mut in_quotes = false;
        let mut quoted = false;
        let mut size = 0usize;
        let mut first = true;
        loop {
            match self.read_line(MAX_RECORD_BYTES - size) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(SplitError::Io(start, e)));
                }
                Ok(false) if first => {
                    self.done = true;
                    return None;
                }
                Ok(false) => {
                    // The file ended inside quotes: keep what there is.
                    self.done = true;
                    fields.push(std::mem::take(&mut field));
                    return Some(Ok(RawRecord {
                        line: start,
                        fields,
                    }));
                }
                Ok(true) => {}
            }
            first = false;
            self.lines += 1;
            size += self.line.len();
            if size > MAX_RECORD_BYTES {
                self.done = true;
                return Some(Err(SplitError::TooLong(start)));
            }
            let bytes = self.line.as_slice();
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if in_quotes {
                    if b == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            field.push(b'"');
                            i += 1;
                        } else {
                            in_quotes = false;
                        }
                    } else {
                        field.push(b);
                    }
                } else {
                    match b {
                        b'"' if field.is_empty() && !quoted => {
                            in_quotes = true;
                            quoted = true;
                        }
                        b',' => {
                            fields.push(std::mem::take(&mut field));
                            quoted = false;
                        }
                        b'\n' => {}
                        // CR of a CRLF line end, or a lone CR ending the file.
                        b'\r' if i + 2 == bytes.len() && bytes[i + 1] == b'\n' => {}
                        b'\r' if i + 1 == bytes.len() => {}
                        _ => field.push(b),
                    }
                }
                i += 1;
            }
            if !in_quotes {
                fields.push(field);
                return Some(Ok(RawRecord {
                    line: start,
                    fields,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut s = Splitter::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(r) = s.next_record() {
            let r = r.expect("record");
            out.push((
                r.line,
                r.fields
                    .into_iter()
                    .map(|f| String::from_utf8(f).expect("utf8"))
                    .collect(),
            ));
        }
        out
    }

    #[test]
    fn lines_are_exact_with_blank_lines_crlf_and_multiline_fields() {
        let got = split("h,i\r\na,\"x\r\ny\"\r\n\r\n\"q\"\"q\",b\"c\nlast");
        assert_eq!(
            got,
            [
                (1, vec!["h".to_owned(), "i".to_owned()]),
                (2, vec!["a".to_owned(), "x\r\ny".to_owned()]),
                (4, vec![String::new()]),
                (5, vec!["q\"q".to_owned(), "b\"c".to_owned()]),
                (6, vec!["last".to_owned()]),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_ends_with_the_file() {
        let got = split("a,\"open\nstill open");
        assert_eq!(
            got,
            [(1, vec!["a".to_owned(), "open\nstill open".to_owned()])]
        );
        assert!(split("").is_empty());
    }

    #[test]
    fn an_overlong_record_stops_the_split() {
        let text = format!("h\n\"{}", "x".repeat(MAX_RECORD_BYTES + 10));
        let mut s = Splitter::new(text.as_bytes());
        assert!(s.next_record().expect("header").is_ok());
        assert!(matches!(s.next_record(), Some(Err(SplitError::TooLong(2)))));
        assert!(s.next_record().is_none());
    }
}
