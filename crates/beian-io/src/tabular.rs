//! 表格读取 — the flat layout shared by CSV and XLSX: the header row, the mapping of cells
//! to columns, and the grouping of consecutive rows into filings.
//!
//! A filing whose rows are not all good is not imported at all: storing it without its bad
//! website would store a filing the customer never filed. Every bad row of it is reported.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

use beian_domain::{Entity, Filing, Website};
use encoding_rs::GB18030;

use crate::csv_records::{MAX_RECORD_BYTES, SplitError, Splitter};
use crate::error::{ImportError, ImportedFiling};
use crate::row::{self, CellError, FILING_COLUMNS, FilingRow};

/// One cell: its text, or why it cannot be read.
pub(crate) type Cell = Result<String, String>;

/// One record of a table: its 1-based line (row) and its non-empty cells by 0-based column.
pub(crate) struct Record {
    pub line: u64,
    pub cells: Vec<(usize, Cell)>,
}

/// A source of records: CSV or XLSX. `Err` is fatal and ends the source.
pub(crate) trait Records {
    fn next_record(&mut self) -> Option<Result<Record, ImportError>>;
}

/// A row mapped to the columns, with the problems of its cells that could not be read.
struct RawRow {
    line: u64,
    row: FilingRow,
    problems: Vec<ImportError>,
}

/// Maps records to rows through the header.
struct Tabular<R> {
    file: String,
    records: R,
    /// For each column of the file, the column of the layout it holds (`None`: ignored).
    header: Option<Vec<Option<usize>>>,
}

impl<R: Records> Tabular<R> {
    fn next_row(&mut self) -> Option<Result<RawRow, ImportError>> {
        loop {
            let record = match self.records.next_record()? {
                Ok(record) => record,
                Err(fatal) => return Some(Err(fatal)),
            };
            if record
                .cells
                .iter()
                .all(|(_, c)| matches!(c, Ok(s) if s.trim().is_empty()))
            {
                continue;
            }
            let Some(header) = &self.header else {
                match self.read_header(&record) {
                    Ok(header) => {
                        self.header = Some(header);
                        continue;
                    }
                    Err(fatal) => return Some(Err(fatal)),
                }
            };
            return Some(Ok(self.map_row(header, record)));
        }
    }

    fn read_header(&self, record: &Record) -> Result<Vec<Option<usize>>, ImportError> {
        let width = record.cells.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        let mut header = vec![None; width];
        let mut seen = vec![false; FILING_COLUMNS.len()];
        for (i, cell) in &record.cells {
            let text = cell.as_ref().map_err(|reason| {
                ImportError::at_line(&self.file, record.line, format!("表头无法读取：{reason}"))
                    .fatal_now()
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let Some(column) = row::column_index(text) else {
                return Err(ImportError::at_line(
                    &self.file,
                    record.line,
                    format!(
                        "表头有未知的列，可用的列见导入格式说明（中文列名或英文别名）：{}",
                        FILING_COLUMNS
                            .iter()
                            .map(|c| c.zh)
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
                .field("表头")
                .value(text.trim())
                .fatal_now());
            };
            if std::mem::replace(&mut seen[column], true) {
                return Err(
                    ImportError::at_line(&self.file, record.line, "表头中此列出现了两次")
                        .field("表头")
                        .value(text.trim())
                        .fatal_now(),
                );
            }
            header[*i] = Some(column);
        }
        let missing: Vec<&str> = FILING_COLUMNS
            .iter()
            .zip(&seen)
            .filter(|(c, seen)| c.required && !**seen)
            .map(|(c, _)| c.zh)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::at_line(
                &self.file,
                record.line,
                format!("表头缺少必需的列：{}", missing.join("、")),
            )
            .field("表头")
            .fatal_now());
        }
        Ok(header)
    }

    fn map_row(&self, header: &[Option<usize>], record: Record) -> RawRow {
        let mut row = FilingRow::default();
        let mut problems = Vec::new();
        {
            let mut cells = row.cells_mut();
            for (i, cell) in record.cells {
                let column = header.get(i).copied().flatten();
                match (column, cell) {
                    (Some(c), Ok(text)) => *cells[c] = text,
                    (Some(c), Err(reason)) => problems.push(
                        ImportError::at_line(&self.file, record.line, reason)
                            .field(FILING_COLUMNS[c].zh),
                    ),
                    (None, Ok(text)) if text.trim().is_empty() => {}
                    (None, _) => problems.push(
                        ImportError::at_line(&self.file, record.line, "此单元格所在的列没有表头")
                            .field(format!("第 {} 列", i + 1)),
                    ),
                }
            }
        }
        RawRow {
            line: record.line,
            row,
            problems,
        }
    }
}

/// The rows of one filing being gathered.
struct Group {
    key: Option<String>,
    first_line: u64,
    last_line: u64,
    first_row: FilingRow,
    entity: Option<Entity>,
    websites: Vec<Website>,
    errors: Vec<ImportError>,
}

/// Filings out of rows: consecutive rows with the same key are one filing.
pub(crate) struct Grouper<R> {
    file: String,
    rows: Tabular<R>,
    current: Option<Group>,
    out: VecDeque<Result<ImportedFiling, ImportError>>,
    done: bool,
}

impl<R: Records> Grouper<R> {
    pub(crate) fn new(file: &str, records: R) -> Self {
        Grouper {
            file: file.to_owned(),
            rows: Tabular {
                file: file.to_owned(),
                records,
                header: None,
            },
            current: None,
            out: VecDeque::new(),
            done: false,
        }
    }

    fn cell_errors(&self, line: u64, errors: Vec<CellError>) -> impl Iterator<Item = ImportError> {
        let file = self.file.clone();
        errors.into_iter().map(move |e| {
            let err = ImportError::at_line(&file, line, e.reason).field(e.field);
            match e.value {
                Some(v) => err.value(v),
                None => err,
            }
        })
    }

    fn add(&mut self, raw: RawRow) {
        let key = raw.row.group_key();
        let same = matches!(&self.current, Some(g) if g.key.is_some() && g.key == key);
        if !same {
            self.finish();
            let (entity, errors) = match row::entity_of(&raw.row) {
                Ok(entity) => (Some(entity), Vec::new()),
                Err(errors) => (None, self.cell_errors(raw.line, errors).collect()),
            };
            self.current = Some(Group {
                key,
                first_line: raw.line,
                last_line: raw.line,
                first_row: raw.row.clone(),
                entity,
                websites: Vec::new(),
                errors,
            });
        } else if let Some(group) = self.current.as_mut()
            && let Some(i) = group.first_row.entity_difference(&raw.row)
        {
            let column = FILING_COLUMNS[i];
            let value = column.shown(raw.row.cells()[i].trim(), true);
            let mut err = ImportError::at_line(
                &self.file,
                raw.line,
                format!(
                    "与第 {} 行同属一个主体，但主体信息不一致（同一主体的各行主体列须相同）",
                    group.first_line
                ),
            )
            .field(column.zh);
            if !value.is_empty() {
                err = err.value(value);
            }
            group.errors.push(err);
        }
        let website = row::website_of(&raw.row);
        let site_errors: Vec<ImportError> = match &website {
            Err(errors) => self.cell_errors(raw.line, errors.clone()).collect(),
            Ok(_) => Vec::new(),
        };
        let group = self.current.as_mut().expect("a group was just started");
        group.last_line = raw.line;
        group.errors.extend(raw.problems);
        group.errors.extend(site_errors);
        if let Ok(Some(site)) = website {
            group.websites.push(site);
        }
    }

    fn finish(&mut self) {
        let Some(group) = self.current.take() else {
            return;
        };
        match (group.entity, group.errors.is_empty()) {
            (Some(entity), true) => self.out.push_back(Ok(ImportedFiling {
                line: group.first_line,
                last_line: group.last_line,
                filing: Filing {
                    entity,
                    websites: group.websites,
                },
            })),
            _ => {
                for mut err in group.errors {
                    if group.last_line > group.first_line {
                        err.reason.push_str(&format!(
                            "（该主体第 {}–{} 行均未导入）",
                            group.first_line, group.last_line
                        ));
                    }
                    self.out.push_back(Err(err));
                }
            }
        }
    }

    /// The group in progress when reading stopped is incomplete: report it, do not import it.
    fn abandon(&mut self) {
        if let Some(group) = self.current.take() {
            self.out.push_back(Err(ImportError::at_line(
                &self.file,
                group.first_line,
                format!(
                    "文件在此主体（第 {}–{} 行）之后无法继续读取，该主体未导入",
                    group.first_line, group.last_line
                ),
            )));
        }
    }
}

impl<R: Records> Iterator for Grouper<R> {
    type Item = Result<ImportedFiling, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            match self.rows.next_row() {
                Some(Ok(raw)) => self.add(raw),
                Some(Err(fatal)) => {
                    self.abandon();
                    self.out.push_back(Err(fatal));
                    self.done = true;
                }
                None => {
                    if self.rows.header.is_none() {
                        self.out
                            .push_back(Err(ImportError::fatal(&self.file, "文件中没有表头行")));
                    }
                    self.finish();
                    self.done = true;
                }
            }
        }
    }
}

impl ImportError {
    pub(crate) fn fatal_now(mut self) -> Self {
        self.fatal = true;
        self
    }
}

/// How the bytes of a CSV file are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    /// What Excel on a Chinese Windows writes for “CSV (逗号分隔)”.
    Gb18030,
}

/// Decides the charset from the start of the file: UTF-8 if it is valid UTF-8 (a character
/// cut at the end of the sample does not count), GB18030 otherwise.
fn sniff(sample: &[u8]) -> Charset {
    match std::str::from_utf8(sample) {
        Ok(_) => Charset::Utf8,
        Err(e) if e.error_len().is_none() => Charset::Utf8,
        Err(_) => Charset::Gb18030,
    }
}

struct CsvRecords<R> {
    file: String,
    splitter: Splitter<R>,
    charset: Charset,
}

impl<R: BufRead> Records for CsvRecords<R> {
    fn next_record(&mut self) -> Option<Result<Record, ImportError>> {
        Some(match self.splitter.next_record()? {
            Ok(record) => Ok(Record {
                line: record.line,
                cells: record
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, bytes)| (i, decode(bytes, self.charset)))
                    .collect(),
            }),
            Err(SplitError::Io(line, e)) => {
                Err(ImportError::at_line(&self.file, line, format!("读取失败：{e}")).fatal_now())
            }
            Err(SplitError::TooLong(line)) => Err(ImportError::at_line(
                &self.file,
                line,
                format!(
                    "从此行开始的一条记录超过 {} MiB，多半是引号没有闭合，无法继续读取",
                    MAX_RECORD_BYTES >> 20
                ),
            )
            .fatal_now()),
        })
    }
}

fn decode(bytes: &[u8], charset: Charset) -> Cell {
    match charset {
        Charset::Utf8 => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| "不是有效的 UTF-8 文本（文件开头按 UTF-8 识别）".to_owned()),
        Charset::Gb18030 => GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
            .ok_or_else(|| "不是有效的 GB18030/GBK 文本（文件开头按 GBK 识别）".to_owned()),
    }
}

/// Streams the filings of a CSV file in the flat layout.
///
/// The file is UTF-8 (with or without a BOM) or, as Excel on a Chinese system saves it,
/// GBK/GB18030: the first 64 KiB decide. Fields may be quoted and span lines; the line of
/// an error is the line where its record starts (blank lines count).
pub fn read_csv<R: Read + Send + 'static>(
    reader: R,
    file: &str,
) -> impl Iterator<Item = Result<ImportedFiling, ImportError>> + Send + 'static {
    let mut buffered = BufReader::with_capacity(64 * 1024, reader);
    let charset = match buffered.fill_buf() {
        Ok(sample) => sniff(sample),
        Err(_) => Charset::Utf8, // the read error comes back from the CSV reader
    };
    Grouper::new(
        file,
        CsvRecords {
            file: file.to_owned(),
            splitter: Splitter::new(buffered),
            charset,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "主体备案号,主体性质,主办单位名称,主体证件类型,主体证件号码,主体负责人姓名,主体负责人证件类型,主体负责人证件号码,主体负责人证件有效期至,主体负责人手机号码,网站名称,网站域名,接入IP\n";
    const ENTITY_A: &str = "京ICP备2024012345号,企业,北京示例科技有限公司,统一社会信用代码,91110108MA01ABCD2X,张三,居民身份证,11010519491231002X,长期,13800138000";
    const ENTITY_B: &str = ",个人,李四,居民身份证,110105194912310037,李四,居民身份证,110105194912310037,2030-01-01,13900139000";

    fn read(text: &str) -> Vec<Result<ImportedFiling, ImportError>> {
        read_csv(std::io::Cursor::new(text.as_bytes().to_vec()), "t.csv").collect()
    }

    #[test]
    fn consecutive_rows_of_one_entity_are_one_filing() {
        let text = format!(
            "{HEADER}{ENTITY_A},官网,example.cn,203.0.113.7\n{ENTITY_A},商城,shop.example.cn,\n\n{ENTITY_B},李四的博客,lisi.cn,\n"
        );
        let items = read(&text);
        assert_eq!(items.len(), 2, "{items:?}");
        let a = items[0].as_ref().expect("a");
        assert_eq!((a.line, a.last_line), (2, 3));
        assert_eq!(a.filing.websites.len(), 2);
        assert_eq!(a.filing.websites[1].domains, ["shop.example.cn"]);
        let b = items[1].as_ref().expect("b");
        assert_eq!(b.line, 5);
        assert_eq!(b.filing.entity.filing_number, None);
    }

    #[test]
    fn a_bad_row_skips_its_filing_and_the_rest_comes_through() {
        let text = format!(
            "{HEADER}{ENTITY_A},官网,example.cn,203.0.113.7\n{ENTITY_A},商城,shop.example.cn,300.1.1.1\n{ENTITY_B},李四的博客,lisi.cn,\n"
        );
        let items = read(&text);
        assert_eq!(items.len(), 2, "{items:?}");
        let err = items[0].as_ref().expect_err("bad");
        assert_eq!(err.line, 3);
        assert_eq!(err.field.as_deref(), Some("接入IP"));
        assert_eq!(err.value.as_deref(), Some("300.1.1.1"));
        assert!(err.reason.contains("第 2–3 行均未导入"), "{err}");
        assert!(!err.fatal);
        assert!(items[1].is_ok());
    }

    #[test]
    fn rows_of_one_entity_must_agree_on_the_entity() {
        let other_name = ENTITY_A.replace("北京示例科技有限公司", "北京另一家公司");
        let text =
            format!("{HEADER}{ENTITY_A},官网,example.cn,\n{other_name},商城,shop.example.cn,\n");
        let items = read(&text);
        let err = items[0].as_ref().expect_err("inconsistent");
        assert_eq!(err.field.as_deref(), Some("主办单位名称"));
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("与第 2 行"), "{err}");
    }

    #[test]
    fn header_problems_are_fatal_and_end_the_stream() {
        let cases = [
            ("主体性质,备注\n企业,x\n", "未知的列"),
            ("主体性质,entity_kind\n", "两次"),
            ("主体性质,主办单位名称\n企业,x\n", "缺少必需的列"),
            ("", "没有表头"),
        ];
        for (text, reason) in cases {
            let items = read(text);
            assert_eq!(items.len(), 1, "{text}: {items:?}");
            let err = items[0].as_ref().expect_err("fatal");
            assert!(err.fatal && err.reason.contains(reason), "{err}");
        }
    }

    #[test]
    fn english_headers_a_bom_and_quoted_multiline_cells_are_read() {
        let header = "\u{feff}entity_filing_number,entity_kind,entity_name,certificate_type,certificate_number,principal_name,principal_id_type,principal_id_number,principal_id_valid_until,principal_mobile,website_name,website_domains,content_description\n";
        let text = format!(
            "{header}{ENTITY_B},博客,lisi.cn,\"第一行\n第二行，有逗号\"\n{ENTITY_A},官网,example.cn,\n"
        );
        let items = read(&text);
        let b = items[0].as_ref().expect("b");
        assert_eq!(
            b.filing.websites[0].content_description.as_deref(),
            Some("第一行\n第二行，有逗号")
        );
        assert_eq!(items[1].as_ref().expect("a").line, 4);
    }

    #[test]
    fn gbk_files_are_decoded() {
        let text = format!("{HEADER}{ENTITY_A},官网,example.cn,\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let items: Vec<_> = read_csv(std::io::Cursor::new(gbk.into_owned()), "gbk.csv").collect();
        let a = items[0].as_ref().expect("decoded");
        assert_eq!(a.filing.entity.name, "北京示例科技有限公司");
    }

    #[test]
    fn a_cell_outside_the_header_is_an_error_of_its_row() {
        let text = format!("{HEADER}{ENTITY_A},官网,example.cn,,多余\n");
        let err = read(&text).remove(0).expect_err("extra cell");
        assert_eq!(err.field.as_deref(), Some("第 14 列"));
    }
}
