//! XLSX — the flat layout in an Excel workbook, first worksheet.
//!
//! calamine's cell reader streams a worksheet's XML, but it borrows the workbook, so the
//! workbook and its reader live on a thread of their own that hands rows over a bounded
//! channel: the stream holds a few dozen rows at a time, whatever the sheet's length. (The
//! shared-string table of a workbook is read whole by calamine; the exports of this crate
//! write inline strings, which do not go through it.)

use std::io::{Cursor, Read, Seek};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{ImportError, ImportedFiling};
use crate::tabular::{Cell, Grouper, Record, Records};

/// Rows in flight between the workbook thread and the reader.
const CHANNEL_ROWS: usize = 64;

enum Message {
    Record(Record),
    Fatal(String),
    End,
}

struct XlsxRecords {
    file: String,
    /// `None` once the stream has ended or the reader was dropped.
    rows: Option<Receiver<Message>>,
    /// The workbook thread, joined when the stream ends so that no thread outlives it.
    worker: Option<JoinHandle<()>>,
}

impl XlsxRecords {
    /// Stops listening and waits for the workbook thread: with the channel closed, its next
    /// send fails and it returns.
    fn finish(&mut self) {
        self.rows = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Records for XlsxRecords {
    fn next_record(&mut self) -> Option<Result<Record, ImportError>> {
        let message = self.rows.as_ref()?.recv();
        match message {
            Ok(Message::Record(record)) => Some(Ok(record)),
            Ok(Message::End) => {
                self.finish();
                None
            }
            Ok(Message::Fatal(reason)) => {
                self.finish();
                Some(Err(ImportError::fatal(&self.file, reason)))
            }
            Err(_) => {
                self.finish();
                Some(Err(ImportError::fatal(&self.file, "工作簿读取意外中断")))
            }
        }
    }
}

impl Drop for XlsxRecords {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Streams the filings of an XLSX workbook in the flat layout (first worksheet; the line of
/// an error is the worksheet's row number).
pub fn read_xlsx<R: Read + Seek + Send + 'static>(
    reader: R,
    file: &str,
) -> impl Iterator<Item = Result<ImportedFiling, ImportError>> + Send + 'static {
    let (tx, rx) = sync_channel(CHANNEL_ROWS);
    let spawned = std::thread::Builder::new()
        .name("beian-io-xlsx".into())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| stream(reader, &tx)));
            let last = match outcome {
                Ok(Ok(())) => Message::End,
                Ok(Err(reason)) => Message::Fatal(reason),
                Err(_) => Message::Fatal("工作簿结构异常，无法解析".into()),
            };
            // The reader may have stopped listening; then nobody needs the last word.
            let _ = tx.send(last);
        });
    let (rows, worker) = match spawned {
        Ok(worker) => (Some(rx), Some(worker)),
        Err(error) => {
            // No thread, no rows: the import says why instead of reading as empty.
            let (tx, rx) = sync_channel(1);
            let _ = tx.send(Message::Fatal(format!("无法启动工作簿读取线程：{error}")));
            (Some(rx), None)
        }
    };
    Grouper::new(
        file,
        XlsxRecords {
            file: file.to_owned(),
            rows,
            worker,
        },
    )
}

/// [`read_xlsx`] over a workbook held in memory.
pub fn read_xlsx_bytes(
    bytes: Vec<u8>,
    file: &str,
) -> impl Iterator<Item = Result<ImportedFiling, ImportError>> + Send + 'static {
    read_xlsx(Cursor::new(bytes), file)
}

/// Sends every row of the first worksheet; `Err` is why the workbook cannot be read.
fn stream<R: Read + Seek>(mut reader: R, tx: &SyncSender<Message>) -> Result<(), String> {
    crate::cell_refs::check_cell_references(&mut reader)?;
    let mut workbook: Xlsx<R> =
        Xlsx::new(reader).map_err(|e| format!("不是可读取的 XLSX 工作簿：{e}"))?;
    let sheet = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("工作簿中没有工作表")?;
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| format!("工作表「{sheet}」无法读取：{e}"))?;
    let mut current: Option<Record> = None;
    loop {
        let cell = cells
            .next_cell()
            .map_err(|e| format!("工作表「{sheet}」无法继续读取：{e}"))?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.get_position();
        let value = match text_of(cell.get_value()) {
            Some(value) => value,
            None => continue,
        };
        let line = u64::from(row) + 1;
        if current.as_ref().is_some_and(|r| r.line != line) {
            let record = current.take().expect("checked");
            if tx.send(Message::Record(record)).is_err() {
                return Ok(());
            }
        }
        current
            .get_or_insert_with(|| Record {
                line,
                cells: Vec::new(),
            })
            .cells
            .push((col as usize, value));
    }
    if let Some(record) = current {
        let _ = tx.send(Message::Record(record));
    }
    Ok(())
}

/// The text of a cell as the flat layout reads it; `None` for an empty cell.
///
/// Numbers typed into Excel (a phone number, a year) come back as floats; whole numbers are
/// written without a fraction. Dates become `YYYY-MM-DD`.
fn text_of(value: &DataRef<'_>) -> Option<Cell> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::String(s) => Ok(s.clone()),
        DataRef::SharedString(s) => Ok((*s).to_owned()),
        DataRef::Int(i) => Ok(i.to_string()),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        DataRef::Float(f) => Ok(f.to_string()),
        DataRef::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => {
                Ok(dt.date().format("%Y-%m-%d").to_string())
            }
            Some(dt) => Ok(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Err("日期超出可换算的范围".to_owned()),
        },
        DataRef::DateTimeIso(s) => Ok(s.strip_suffix("T00:00:00").unwrap_or(s).to_owned()),
        DataRef::DurationIso(s) => Ok(s.clone()),
        DataRef::Error(e) => Err(format!("单元格是错误值 {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_text_a_person_typed() {
        let cases: [(DataRef<'_>, Option<Cell>); 6] = [
            (DataRef::Empty, None),
            (
                DataRef::Float(13800138000.0),
                Some(Ok("13800138000".into())),
            ),
            (DataRef::Float(1.5), Some(Ok("1.5".into()))),
            (DataRef::Int(2030), Some(Ok("2030".into()))),
            (DataRef::SharedString("企业"), Some(Ok("企业".into()))),
            (
                DataRef::DateTimeIso("2030-01-31T00:00:00".into()),
                Some(Ok("2030-01-31".into())),
            ),
        ];
        for (value, want) in cases {
            assert_eq!(text_of(&value), want, "{value:?}");
        }
        let err = text_of(&DataRef::Error(calamine::CellErrorType::NA));
        assert!(matches!(err, Some(Err(reason)) if reason.contains("错误值")));
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_one_fatal_error() {
        let items: Vec<_> = read_xlsx_bytes(b"PK\x03\x04 not really".to_vec(), "x.xlsx").collect();
        assert_eq!(items.len(), 1, "{items:?}");
        let err = items[0].as_ref().expect_err("fatal");
        assert!(err.fatal && err.reason.contains("XLSX"), "{err}");
    }
}
