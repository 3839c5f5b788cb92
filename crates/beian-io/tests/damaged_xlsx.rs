//! A workbook whose cell references lie past Excel's limits is refused with one clear error,
//! never a panic or a row read at a wrong position.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

/// The shipped example workbook with its worksheet passed through `edit`.
fn example_with_sheet(edit: impl Fn(&str) -> String) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/filings.xlsx");
    let bytes = std::fs::read(path).expect("example workbook");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().expect("name").into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read entry");
        if name == "xl/worksheets/sheet1.xml" {
            content = edit(&String::from_utf8(content).expect("utf-8")).into_bytes();
        }
        out.start_file(name, SimpleFileOptions::default())
            .expect("start");
        out.write_all(&content).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn import(bytes: Vec<u8>) -> Vec<Result<beian_io::ImportedFiling, beian_io::ImportError>> {
    beian_io::read_xlsx_bytes(bytes, "damaged.xlsx").collect()
}

#[test]
fn the_rewritten_example_still_reads_whole() {
    let items = import(example_with_sheet(str::to_owned));
    assert!(!items.is_empty());
    assert!(items.iter().all(Result::is_ok), "{items:?}");
}

#[test]
fn a_column_past_xfd_is_one_fatal_error_naming_the_reference() {
    let long = "AAAAAAAAAAAAAAAA2";
    let items = import(example_with_sheet(|xml| {
        xml.replacen(r#"r="A2""#, &format!(r#"r="{long}""#), 1)
    }));
    assert_eq!(items.len(), 1, "{items:?}");
    let err = items[0].as_ref().expect_err("refused");
    assert!(err.fatal, "{err}");
    assert!(
        err.reason.contains(long) && err.reason.contains("sheet1.xml"),
        "{err}"
    );
}

#[test]
fn a_row_past_the_limit_and_a_backwards_dimension_are_refused() {
    for (from, to) in [
        (r#"r="A2""#, r#"r="A99999999999""#),
        (r#"ref="A1:AB6""#, r#"ref="AB6:A1""#),
    ] {
        let items = import(example_with_sheet(|xml| xml.replacen(from, to, 1)));
        assert_eq!(items.len(), 1, "{to}: {items:?}");
        let err = items[0].as_ref().expect_err("refused");
        assert!(err.fatal && err.reason.contains("单元格引用"), "{err}");
    }
}
