//! The import readers refuse bad input line by line, never with a panic, and a filing read
//! from CSV is written back and read again to the same value.
#![no_main]

use std::io::Cursor;

use beian_io::{CsvExport, FilingRow, ImportError, ImportedFiling, Privacy, read_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for item in beian_io::read_jsonl(Cursor::new(bytes.to_vec()), "f.jsonl") {
        check(item, false);
    }
    for item in read_csv(Cursor::new(bytes.to_vec()), "f.csv") {
        check(item, true);
    }
    for item in beian_io::read_xlsx_bytes(bytes.to_vec(), "f.xlsx") {
        check(item, false);
    }
});

fn check(item: Result<ImportedFiling, ImportError>, round_trip: bool) {
    match item {
        Ok(imported) => {
            assert!(imported.last_line >= imported.line);
            if round_trip {
                let mut export = CsvExport::new(Vec::new(), Privacy::Unmasked).expect("csv");
                for row in FilingRow::from_filing(&imported.filing) {
                    export.write(&row).expect("row");
                }
                let bytes = export.finish().expect("finish");
                let again: Vec<_> = read_csv(Cursor::new(bytes), "again.csv").collect();
                assert_eq!(again.len(), 1);
                let again = again.into_iter().next().expect("one").expect("round trip");
                assert_eq!(again.filing, imported.filing);
            }
        }
        Err(error) => assert!(!error.reason.is_empty() && !error.to_string().is_empty()),
    }
}
