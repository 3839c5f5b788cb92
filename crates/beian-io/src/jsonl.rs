//! JSON Lines — one filing per line, as `beian sweep` reads them.

use std::io::BufRead;

use beian_domain::Filing;

use crate::error::{ImportError, ImportedFiling};

/// The longest line taken: a filing is a few kilobytes, so a longer line is not a filing,
/// and holding it would let one bad line take the memory a streaming reader saves.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

struct JsonLines<R> {
    file: String,
    reader: R,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

enum Line {
    Eof,
    Text,
    TooLong,
}

impl<R: BufRead> JsonLines<R> {
    /// Reads the next line into `buf`, without its end, keeping at most `MAX_LINE_BYTES`.
    fn read_line(&mut self) -> std::io::Result<Line> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, used, end) = match memchr_newline(available) {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            if self.buf.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
            } else if !too_long {
                self.buf.extend_from_slice(chunk);
            }
            self.reader.consume(used);
            if end {
                break;
            }
        }
        Ok(match (any, too_long) {
            (false, _) => Line::Eof,
            (true, true) => Line::TooLong,
            (true, false) => Line::Text,
        })
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<ImportedFiling, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let read = self.read_line();
            self.line += 1;
            let line = self.line;
            match read {
                Err(e) => {
                    self.done = true;
                    return Some(Err(ImportError::at_line(
                        &self.file,
                        line,
                        format!("读取失败：{e}"),
                    )
                    .fatal_now()));
                }
                Ok(Line::Eof) => self.done = true,
                Ok(Line::TooLong) => {
                    return Some(Err(ImportError::at_line(
                        &self.file,
                        line,
                        format!("此行超过 {} MiB，不是一份备案", MAX_LINE_BYTES >> 20),
                    )));
                }
                Ok(Line::Text) => {
                    let bytes = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
                    let bytes = if line == 1 {
                        bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
                    } else {
                        bytes
                    };
                    let Ok(text) = std::str::from_utf8(bytes) else {
                        return Some(Err(ImportError::at_line(
                            &self.file,
                            line,
                            "不是有效的 UTF-8 文本",
                        )));
                    };
                    if text.trim().is_empty() {
                        continue;
                    }
                    return Some(match Filing::from_json(text) {
                        Ok(filing) => Ok(ImportedFiling {
                            line,
                            last_line: line,
                            filing,
                        }),
                        Err(e) => {
                            let err = ImportError::at_line(
                                &self.file,
                                line,
                                format!("{}（第 {} 列）", e.reason, e.column),
                            );
                            Err(if e.path.is_empty() || e.path == "." {
                                err
                            } else {
                                err.field(e.path)
                            })
                        }
                    });
                }
            }
        }
        None
    }
}

/// Streams the filings of a JSON Lines file: one filing per line, blank lines skipped.
///
/// A line that is not a filing is reported with its JSON path and reason (the reasons of
/// the filing model) and skipped.
pub fn read_jsonl<R: BufRead + Send + 'static>(
    reader: R,
    file: &str,
) -> impl Iterator<Item = Result<ImportedFiling, ImportError>> + Send + 'static {
    JsonLines {
        file: file.to_owned(),
        reader,
        line: 0,
        buf: Vec::new(),
        done: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const GOOD: &str = r#"{"entity":{"kind":"personal","name":"张三","certificate_type":"居民身份证","certificate_number":"11010519491231002X","principal":{"name":"张三","id_type":"resident_id","id_number":"11010519491231002X","id_valid_until":"长期","mobile":"13800138000"}},"websites":[{"name":"随笔","domains":["example.cn"]}]}"#;

    fn read(bytes: Vec<u8>) -> Vec<Result<ImportedFiling, ImportError>> {
        read_jsonl(Cursor::new(bytes), "f.jsonl").collect()
    }

    #[test]
    fn bad_lines_are_named_and_skipped() {
        let text = format!(
            "{GOOD}\n\n{}\nnot json\r\n{GOOD}\r\n",
            GOOD.replace("203", "x")
                .replace("\"personal\"", "\"alien\"")
        );
        let items = read(text.into_bytes());
        assert_eq!(items.len(), 4, "{items:?}");
        assert_eq!(items[0].as_ref().expect("good").line, 1);
        let err = items[1].as_ref().expect_err("bad kind");
        assert_eq!((err.line, err.field.as_deref()), (3, Some("entity.kind")));
        assert!(err.reason.contains("alien"), "{err}");
        let err = items[2].as_ref().expect_err("not json");
        assert_eq!((err.line, err.field.as_deref()), (4, None));
        assert_eq!(items[3].as_ref().expect("good").line, 5);
    }

    #[test]
    fn invalid_utf8_and_overlong_lines_are_errors_of_their_line() {
        let mut bytes = b"\xff\xfe{}\n".to_vec();
        bytes.extend(vec![b' '; MAX_LINE_BYTES + 10]);
        bytes.extend(format!("\n\u{feff}{GOOD}").as_bytes());
        let items = read(bytes);
        assert_eq!(
            items.len(),
            3,
            "{:?}",
            items.iter().map(|i| i.is_ok()).collect::<Vec<_>>()
        );
        assert!(
            items[0]
                .as_ref()
                .expect_err("utf8")
                .reason
                .contains("UTF-8")
        );
        let err = items[1].as_ref().expect_err("long");
        assert_eq!(err.line, 2);
        assert!(err.reason.contains("MiB"));
        // A BOM is only skipped at the start of the file.
        assert_eq!(items[2].as_ref().expect_err("bom").line, 3);
    }

    #[test]
    fn a_bom_at_the_start_is_skipped() {
        let items = read(format!("\u{feff}{GOOD}").into_bytes());
        assert!(items[0].is_ok(), "{items:?}");
    }
}
