//! 导入导出 — filings in and out of files: JSON Lines, CSV and XLSX.
//!
//! Providers keep their filings in spreadsheets and in exports of their own systems, so
//! `beian import` must take what they have, and the orders and findings must go back out
//! in a form an operator opens in Excel. This crate is that edge and nothing more: it turns
//! files into [`beian_domain::Filing`] values and plain row structs into files; storing
//! them is the store's business.
//!
//! Reading streams: a reader holds one line (JSON Lines) or one entity's rows (CSV, XLSX)
//! at a time, so a file of a million filings does not sit in memory. A bad line does not
//! stop the import: the reader yields an [`ImportError`] naming the file, the line, the
//! field and the reason, skips the line and carries on; only a file that cannot be read
//! at all (no header, not a workbook) ends the stream, with a fatal error.
//!
//! The flat layout of CSV and XLSX is one row per website with the entity's columns
//! repeated; consecutive rows with the same 主体备案号 (or, before approval, the same
//! 主体证件号码) are one filing. `docs/import-format.md` lists the columns.
//!
//! Writing masks ID numbers and phone numbers unless the caller asks for [`Privacy::Unmasked`]
//! explicitly (a re-import needs the real numbers; an operator's spreadsheet does not).

mod cell_refs;
mod csv_records;
mod error;
mod export;
mod jsonl;
mod mask;
mod row;
mod tabular;
mod xlsx;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

pub use error::{ImportError, ImportedFiling};
pub use export::{
    CsvExport, FindingRow, OrderRow, Privacy, Table, XlsxExport, spreadsheet_text, write_jsonl,
};
pub use jsonl::read_jsonl;
pub use mask::scrub_text;
pub use row::{Column, FILING_COLUMNS, FilingRow};
pub use tabular::read_csv;
pub use xlsx::{read_xlsx, read_xlsx_bytes};

/// A stream of filings read from a file, each a filing or the error of one bad line.
pub type FilingReader = Box<dyn Iterator<Item = Result<ImportedFiling, ImportError>> + Send>;

/// 文件格式 — the formats `beian import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: one filing as JSON per line.
    JsonLines,
    /// CSV in the flat layout, UTF-8 (a BOM is allowed).
    Csv,
    /// An Excel workbook in the flat layout, first worksheet.
    Xlsx,
}

impl Format {
    /// The format a file name's extension says: `.jsonl`/`.ndjson`, `.csv`, `.xlsx`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// Opens `path` in the format its extension names and streams its filings.
///
/// Only a file that cannot be opened, or whose format is unknown, is an `Err` here; every
/// other problem comes through the stream.
pub fn open(path: &Path) -> Result<FilingReader, ImportError> {
    let name = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| {
        ImportError::fatal(
            &name,
            "无法识别文件格式：扩展名应为 .jsonl、.ndjson、.csv 或 .xlsx",
        )
    })?;
    open_as(path, format)
}

/// Opens `path` as `format`, whatever its extension.
pub fn open_as(path: &Path, format: Format) -> Result<FilingReader, ImportError> {
    let name = path.display().to_string();
    let file =
        File::open(path).map_err(|e| ImportError::fatal(&name, format!("无法打开文件：{e}")))?;
    Ok(match format {
        Format::JsonLines => Box::new(read_jsonl(BufReader::new(file), &name)),
        Format::Csv => Box::new(read_csv(BufReader::new(file), &name)),
        Format::Xlsx => Box::new(read_xlsx(BufReader::new(file), &name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        let cases = [
            ("a.jsonl", Some(Format::JsonLines)),
            ("a.NDJSON", Some(Format::JsonLines)),
            ("dir/a.csv", Some(Format::Csv)),
            ("a.XLSX", Some(Format::Xlsx)),
            ("a.xls", None),
            ("a.json", None),
            ("a", None),
        ];
        for (path, want) in cases {
            assert_eq!(Format::from_path(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn an_unknown_extension_or_a_missing_file_is_refused() {
        let err = open(Path::new("filings.txt")).err().expect("refused");
        assert!(err.fatal && err.reason.contains("扩展名"), "{err}");
        let err = open(Path::new("no-such-dir/filings.csv"))
            .err()
            .expect("refused");
        assert!(err.fatal && err.reason.contains("无法打开"), "{err}");
        assert_eq!(err.file, "no-such-dir/filings.csv");
    }
}
