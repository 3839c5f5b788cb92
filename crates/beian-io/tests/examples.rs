//! The shipped examples `examples/filings.{jsonl,csv,xlsx}` hold the same filings.
//!
//! The CSV and XLSX examples are exports of the JSON Lines one. After changing it, write
//! them again with `BEIAN_WRITE_EXAMPLES=1 cargo test -p beian-io --test examples`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use beian_domain::Filing;
use beian_io::{CsvExport, FilingRow, Privacy, XlsxExport};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn read(name: &str) -> Vec<Filing> {
    let path = examples().join(name);
    beian_io::open(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|item| item.unwrap_or_else(|e| panic!("{e}")).filing)
        .collect()
}

fn write_examples(filings: &[Filing]) {
    let file = File::create(examples().join("filings.csv")).expect("create csv");
    let mut csv = CsvExport::new(BufWriter::new(file), Privacy::Unmasked).expect("csv");
    let mut xlsx = XlsxExport::new("备案", Privacy::Unmasked).expect("xlsx");
    for filing in filings {
        for row in FilingRow::from_filing(filing) {
            csv.write(&row).expect("csv row");
            xlsx.write(&row).expect("xlsx row");
        }
    }
    csv.finish().expect("csv finish");
    xlsx.save(&examples().join("filings.xlsx"))
        .expect("xlsx save");
}

#[test]
fn the_three_examples_agree() {
    let from_jsonl = read("filings.jsonl");
    assert_eq!(from_jsonl.len(), 4);
    if std::env::var_os("BEIAN_WRITE_EXAMPLES").is_some() {
        write_examples(&from_jsonl);
    }
    assert_eq!(read("filings.csv"), from_jsonl, "filings.csv");
    assert_eq!(read("filings.xlsx"), from_jsonl, "filings.xlsx");
}

#[test]
fn the_first_example_is_the_commented_company() {
    let company = Filing::from_json(
        &std::fs::read_to_string(examples().join("company.jsonc")).expect("company.jsonc"),
    )
    .expect("parses");
    assert_eq!(read("filings.jsonl")[0], company);
}
