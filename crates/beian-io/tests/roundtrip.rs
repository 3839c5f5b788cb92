//! Write then read gives the same filings, in every format; arbitrary bytes never panic a
//! reader.

use std::io::Cursor;
use std::net::IpAddr;

use beian_domain::filing::{CertificateType, IdType, PreApproval, PreApprovalCategory, ValidUntil};
use beian_domain::{Entity, EntityKind, Filing, Person, Website};
use beian_io::{
    CsvExport, FilingRow, ImportError, ImportedFiling, Privacy, XlsxExport, read_csv, read_jsonl,
    read_xlsx_bytes, write_jsonl,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9一-龥,\"'（）·-]{1,8}( [A-Za-z0-9一-龥,]{1,5})?"
}

fn valid_until() -> impl Strategy<Value = ValidUntil> {
    prop_oneof![
        Just(ValidUntil::Indefinite),
        (1990i32..2060, 1u32..13, 1u32..29).prop_map(|(y, m, d)| ValidUntil::Date(
            NaiveDate::from_ymd_opt(y, m, d).expect("a day that exists")
        )),
    ]
}

fn person() -> impl Strategy<Value = Person> {
    (
        text(),
        prop::sample::select(IdType::ALL),
        "[0-9]{6,17}[0-9X]",
        valid_until(),
        "1[3-9][0-9]{9}",
        prop::option::of("0[0-9]{2,3}-[0-9]{7,8}"),
        prop::option::of("[a-z]{1,6}@[a-z]{1,6}\\.cn"),
    )
        .prop_map(
            |(name, id_type, id_number, id_valid_until, mobile, emergency_phone, email)| Person {
                name,
                id_type,
                id_number,
                id_valid_until,
                mobile,
                emergency_phone,
                email,
            },
        )
}

fn website() -> impl Strategy<Value = Website> {
    (
        text(),
        prop::option::of("[京沪粤]ICP备[0-9]{8}号-[1-9]"),
        prop::collection::vec("[a-z0-9]{1,10}\\.(cn|com|中国)", 0..3),
        prop::collection::vec(any::<IpAddr>(), 0..3),
        prop::option::of(person()),
        prop::collection::vec(
            (prop::sample::select(PreApprovalCategory::ALL), text())
                .prop_map(|(category, number)| PreApproval { category, number }),
            0..3,
        ),
        prop::option::of(text()),
    )
        .prop_map(
            |(name, filing_number, domains, ips, principal, pre_approvals, content_description)| {
                Website {
                    name,
                    filing_number,
                    domains,
                    ips,
                    principal,
                    pre_approvals,
                    content_description,
                }
            },
        )
}

fn entity() -> impl Strategy<Value = Entity> {
    (
        prop::sample::select(EntityKind::ALL),
        text(),
        prop::sample::select(CertificateType::ALL),
        prop::option::of(valid_until()),
        prop::option::of(text()),
        prop::option::of(text()),
        any::<bool>(),
        person(),
    )
        .prop_map(
            |(kind, name, certificate_type, valid, legal, address, filed, principal)| Entity {
                kind,
                name,
                certificate_type,
                certificate_number: String::new(), // made unique below
                certificate_valid_until: valid,
                legal_representative: legal,
                address,
                filing_number: filed.then(String::new),
                principal,
            },
        )
}

/// Filings whose grouping keys differ, as in any real file (one entity, one key).
fn filings() -> impl Strategy<Value = Vec<Filing>> {
    prop::collection::vec(
        (entity(), prop::collection::vec(website(), 0..4))
            .prop_map(|(entity, websites)| Filing { entity, websites }),
        1..6,
    )
    .prop_map(|mut filings| {
        for (i, f) in filings.iter_mut().enumerate() {
            f.entity.certificate_number = format!("91110108MA01{i:06}");
            if f.entity.filing_number.is_some() {
                f.entity.filing_number = Some(format!("京ICP备2024{i:06}号"));
            }
        }
        filings
    })
}

fn good(items: Vec<Result<ImportedFiling, ImportError>>) -> Vec<Filing> {
    items
        .into_iter()
        .map(|item| item.unwrap_or_else(|e| panic!("{e}")).filing)
        .collect()
}

fn csv_of(filings: &[Filing]) -> Vec<u8> {
    let mut export = CsvExport::new(Vec::new(), Privacy::Unmasked).expect("csv");
    for f in filings {
        for row in FilingRow::from_filing(f) {
            export.write(&row).expect("row");
        }
    }
    export.finish().expect("finish")
}

fn xlsx_of(filings: &[Filing]) -> Vec<u8> {
    let mut export = XlsxExport::<FilingRow>::new("备案", Privacy::Unmasked).expect("xlsx");
    for f in filings {
        for row in FilingRow::from_filing(f) {
            export.write(&row).expect("row");
        }
    }
    let mut out = Cursor::new(Vec::new());
    export.save_to_writer(&mut out).expect("save");
    out.into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn csv_round_trips(filings in filings()) {
        let bytes = csv_of(&filings);
        let back = good(read_csv(Cursor::new(bytes), "p.csv").collect());
        prop_assert_eq!(back, filings);
    }

    #[test]
    fn xlsx_round_trips(filings in filings()) {
        let bytes = xlsx_of(&filings);
        let back = good(read_xlsx_bytes(bytes, "p.xlsx").collect());
        prop_assert_eq!(back, filings);
    }

    #[test]
    fn jsonl_round_trips(filings in filings()) {
        let bytes = write_jsonl(Vec::new(), &filings).expect("jsonl");
        let back = good(read_jsonl(Cursor::new(bytes), "p.jsonl").collect());
        prop_assert_eq!(back, filings);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for item in read_jsonl(Cursor::new(bytes.clone()), "a.jsonl") {
            if let Err(e) = item { prop_assert!(!e.reason.is_empty()); }
        }
        for item in read_csv(Cursor::new(bytes.clone()), "a.csv") {
            if let Err(e) = item { prop_assert!(!e.reason.is_empty()); }
        }
        let items: Vec<_> = read_xlsx_bytes(bytes, "a.xlsx").collect();
        prop_assert!(!items.is_empty(), "garbage is one fatal error, not silence");
    }

    #[test]
    fn arbitrary_cells_under_a_real_header_never_panic(
        cells in prop::collection::vec(prop::collection::vec("[^\u{0}]{0,12}", 0..30), 0..8)
    ) {
        let mut text = beian_io::FILING_COLUMNS
            .iter()
            .map(|c| c.zh)
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for row in &cells {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(row).expect("record");
            text.push_str(&String::from_utf8(w.into_inner().expect("inner")).expect("utf8"));
        }
        let physical_lines = text.lines().count() as u64;
        let mut starts = std::collections::BTreeSet::new();
        for item in read_csv(Cursor::new(text.into_bytes()), "a.csv") {
            let line = match item {
                Ok(f) => {
                    prop_assert!(f.last_line >= f.line);
                    f.line
                }
                Err(e) => {
                    prop_assert!(!e.fatal, "{}", e);
                    e.line
                }
            };
            prop_assert!((2..=physical_lines).contains(&line), "line {} of {}", line, physical_lines);
            starts.insert(line);
        }
        prop_assert!(starts.len() <= cells.len());
    }
}

/// A real workbook with bytes flipped: the zip and XML layers must refuse, not panic.
#[test]
fn damaged_workbooks_are_refused_without_panicking() {
    let filings = good(
        read_jsonl(
            Cursor::new(include_bytes!("../../../examples/filings.jsonl").to_vec()),
            "e.jsonl",
        )
        .collect(),
    );
    let original = xlsx_of(&filings);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let flips = prop::collection::vec((0..original.len(), any::<u8>()), 1..8);
    for _ in 0..200 {
        let edits = flips.new_tree(&mut runner).expect("tree").current();
        let mut bytes = original.clone();
        for (at, byte) in edits {
            bytes[at] = byte;
        }
        let items: Vec<_> = read_xlsx_bytes(bytes, "d.xlsx").collect();
        assert!(!items.is_empty());
    }
}
