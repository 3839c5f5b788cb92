//! Properties of the identifier parsers: they never panic, their normalised form reads
//! back as the same value, check characters catch every single-character change, and no
//! look-alike prefix is ever accepted as a filing number.

use beian_domain::ident::{
    CreditCode, DomainName, IcpFilingNumber, IcpLicenceNumber, Landline, LegacyCertificate,
    MobileNumber, PhoneNumber, PoliceFilingNumber, ResidentIdNumber, ShownKind, extract_numbers,
};
use beian_domain::province::PROVINCES;
use proptest::prelude::*;
use proptest::sample::select;

/// Characters that appear in the numbers, so that random strings get close to them.
const POOL: &[char] = &[
    '京', '粤', '沪', '蜀', '川', '萌', '港', '台', '陇', '甘', 'I', 'C', 'P', 'i', 'c', 'p', 'Ｉ',
    '备', '证', '号', '公', '网', '安', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '０',
    '９', 'X', 'x', 'B', 'A', '-', '－', '.', '。', ' ', '\u{3000}', '(', ')', '+', '@', ':', '/',
    'a', 'e', 'm', 'o', 'n', '中', '文', 'é', '转', '\u{200B}', '🦀',
];

fn near_miss() -> impl Strategy<Value = String> {
    prop::collection::vec(select(POOL.to_vec()), 0..40).prop_map(|cs| cs.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), near_miss()]
}

/// Asserts that when `text` parses, its Display parses back to an equal value.
macro_rules! assert_round_trip {
    ($ty:ty, $text:expr) => {
        if let Ok(value) = <$ty>::parse($text) {
            let shown = value.to_string();
            let again = <$ty>::parse(&shown);
            prop_assert_eq!(again.as_ref(), Ok(&value), "{} → {}", $text, shown);
        }
    };
}

proptest! {
    #[test]
    fn no_parser_panics_and_every_normalised_form_reads_back(text in any_text()) {
        assert_round_trip!(IcpFilingNumber, &text);
        assert_round_trip!(IcpLicenceNumber, &text);
        assert_round_trip!(PoliceFilingNumber, &text);
        assert_round_trip!(ResidentIdNumber, &text);
        assert_round_trip!(CreditCode, &text);
        assert_round_trip!(MobileNumber, &text);
        assert_round_trip!(Landline, &text);
        assert_round_trip!(DomainName, &text);
        if let Ok(phone) = PhoneNumber::parse(&text) {
            let again = PhoneNumber::parse(phone.as_str());
            prop_assert!(again.as_ref().is_ok_and(|p| p.same_line(&phone)));
        }
        let _ = LegacyCertificate::detect(&text);
        if let Ok(domain) = DomainName::parse(&text) {
            let registrable = domain.registrable();
            prop_assert!(registrable.is_registrable());
            prop_assert!(domain.is_within(&registrable));
            let _ = (domain.unicode(), domain.suffix());
        }
    }

    #[test]
    fn extract_numbers_never_panics_and_ranges_are_on_char_boundaries(text in any_text()) {
        let found = extract_numbers(&text);
        let ranges = found
            .accepted
            .iter()
            .map(|n| n.range.clone())
            .chain(found.rejected.iter().map(|n| n.range.clone()));
        for range in ranges {
            prop_assert!(range.start < range.end, "{range:?}");
            prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            let raw = text.get(range.clone());
            prop_assert!(raw.is_some_and(|raw| text.contains(raw)), "{range:?}");
        }
        for number in &found.accepted {
            let raw = &text[number.range.clone()];
            let reparsed = match number.kind {
                ShownKind::IcpFiling => IcpFilingNumber::parse(raw).map(|n| n.to_string()).ok(),
                ShownKind::IcpLicence => IcpLicenceNumber::parse(raw).map(|n| n.to_string()).ok(),
                ShownKind::Police => PoliceFilingNumber::parse(raw).map(|n| n.to_string()).ok(),
            };
            prop_assert_eq!(reparsed.as_deref(), Some(number.normalized.as_str()));
        }
        let mut normalized: Vec<_> = found.accepted.iter().map(|n| &n.normalized).collect();
        let before = normalized.len();
        normalized.sort();
        normalized.dedup();
        prop_assert_eq!(before, normalized.len(), "accepted numbers are unique");
    }

    #[test]
    fn extract_numbers_handles_numbers_inside_any_text(
        before in any_text(),
        after in any_text(),
        number in valid_filing_text(),
    ) {
        let text = format!("{before} {number} {after}");
        let found = extract_numbers(&text);
        for n in &found.accepted {
            prop_assert!(text.get(n.range.clone()).is_some());
        }
    }

    #[test]
    fn an_invalid_province_prefix_is_never_accepted_as_a_filing(
        prefix in select(vec!['川', '萌', '港', '台', '澳', '甘', '云', '贵']),
        digits in "[0-9]{6,10}",
        site in prop::option::of(1u32..100),
        before in any_text(),
    ) {
        let suffix = site.map(|n| format!("-{n}")).unwrap_or_default();
        let number = format!("{prefix}ICP备{digits}号{suffix}");
        prop_assert!(IcpFilingNumber::parse(&number).is_err());
        let text = format!("{before} {number}");
        let found = extract_numbers(&text);
        for n in found.accepted.iter().filter(|n| n.kind == ShownKind::IcpFiling) {
            prop_assert!(!n.normalized.starts_with(prefix), "{}", n.normalized);
        }
        prop_assert!(found.rejected.iter().any(|r| r.kind == ShownKind::IcpFiling));
    }

    #[test]
    fn every_filing_number_of_the_31_provinces_parses_in_any_spelling(number in valid_filing()) {
        let (text, expected) = number;
        let parsed = IcpFilingNumber::parse(&text);
        prop_assert_eq!(parsed.map(|n| n.to_string()), Ok(expected.clone()));
        let found = extract_numbers(&text);
        prop_assert_eq!(found.accepted.len(), 1, "{}", text);
        prop_assert_eq!(&found.accepted[0].normalized, &expected);
    }

    #[test]
    fn random_valid_id_numbers_parse_and_any_single_change_is_refused(
        id in valid_id_number(),
        position in 0usize..18,
        pick in 0usize..100,
    ) {
        let parsed = ResidentIdNumber::parse(&id);
        prop_assert!(parsed.is_ok(), "{id}: {parsed:?}");
        let mut chars: Vec<char> = id.chars().collect();
        chars[position] = other_than(chars[position], "0123456789X", pick);
        let changed: String = chars.into_iter().collect();
        prop_assert!(ResidentIdNumber::parse(&changed).is_err(), "{id} → {changed}");
    }

    #[test]
    fn random_valid_credit_codes_parse_and_any_single_change_is_refused(
        code in valid_credit_code(),
        position in 0usize..18,
        pick in 0usize..100,
    ) {
        let parsed = CreditCode::parse(&code);
        prop_assert!(parsed.is_ok(), "{code}: {parsed:?}");
        let mut chars: Vec<char> = code.chars().collect();
        // The whole alphabet, and the five letters it leaves out.
        let candidates = "0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ";
        chars[position] = other_than(chars[position], candidates, pick);
        let changed: String = chars.into_iter().collect();
        prop_assert!(CreditCode::parse(&changed).is_err(), "{code} → {changed}");
    }

    #[test]
    fn police_numbers_parse_exactly_when_prefix_and_code_name_one_province(
        shown in select(PROVINCES.to_vec()),
        coded in select(PROVINCES.to_vec()),
        serial in "[0-9]{12}",
        spaced in any::<bool>(),
    ) {
        let gap = if spaced { " " } else { "" };
        let text = format!(
            "{}公网安备{gap}{:02}{serial}号",
            shown.abbreviation(),
            coded.code()
        );
        let parsed = PoliceFilingNumber::parse(&text);
        if shown == coded {
            let number = parsed.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(number.province(), coded);
            prop_assert!(number.query_url().ends_with(number.code()));
        } else {
            let message = parsed.expect_err("mismatch").to_string();
            prop_assert!(message.contains(shown.name()) && message.contains(coded.name()), "{}", message);
        }
    }

    #[test]
    fn licence_numbers_of_every_province_read_back(
        province in select(PROVINCES.to_vec()),
        code in select(vec!["B1", "B2", "A2", "B1.B2", "B-2-4"]),
        digits in "[0-9]{8}",
        decoration in select(vec!["", "号", "-1", "号-2"]),
    ) {
        let text = format!("{}{code}-{digits}{decoration}", province.abbreviation());
        let number = IcpLicenceNumber::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(number.province(), Some(province));
        prop_assert_eq!(number.to_string(), format!("{}{code}-{digits}", province.abbreviation()));
    }

    #[test]
    fn mobile_numbers_of_assigned_segments_parse_in_any_decoration(
        segment in select(vec!["138", "1340", "1349", "186", "189", "192", "170", "147", "17405"]),
        rest in "[0-9]{8}",
        decoration in select(vec!["", "+86 ", "0086", "86-", "+86-"]),
    ) {
        let digits = format!("{segment}{rest}");
        let digits = &digits[..11];
        let parsed = MobileNumber::parse(&format!("{decoration}{digits}"));
        prop_assert_eq!(parsed.map(|m| m.to_string()), Ok(digits.to_owned()));
    }
}

/// The `pick`-th character of `candidates` that is not `original`.
fn other_than(original: char, candidates: &str, pick: usize) -> char {
    let others: Vec<char> = candidates.chars().filter(|&c| c != original).collect();
    others[pick % others.len()]
}

/// A valid filing number as someone might write it, with its normalised form.
fn valid_filing() -> impl Strategy<Value = (String, String)> {
    (
        select(PROVINCES.to_vec()),
        "[0-9]{6,10}",
        prop::option::of(1u32..1000),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(province, digits, site, spaced, lower)| {
            let p = province.abbreviation();
            let icp = if lower { "icp" } else { "ICP" };
            let gap = if spaced { " " } else { "" };
            let shown_site = site.map(|n| format!("{gap}-{gap}{n}")).unwrap_or_default();
            let normal_site = site.map(|n| format!("-{n}")).unwrap_or_default();
            (
                format!("{p}{icp}备{gap}{digits}号{shown_site}"),
                format!("{p}ICP备{digits}号{normal_site}"),
            )
        })
}

fn valid_filing_text() -> impl Strategy<Value = String> {
    valid_filing().prop_map(|(text, _)| text)
}

/// An 18-character ID number with a real region, a real date and its check character.
fn valid_id_number() -> impl Strategy<Value = String> {
    (
        select(PROVINCES.to_vec()),
        "[0-9]{4}",
        1900i32..2030,
        1u32..13,
        1u32..29,
        "[0-9]{3}",
    )
        .prop_map(|(province, county, year, month, day, sequence)| {
            let body = format!(
                "{:02}{county}{year:04}{month:02}{day:02}{sequence}",
                province.code()
            );
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = body
                .chars()
                .zip(weights)
                .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
                .sum();
            let check = b"10X98765432"[(sum % 11) as usize] as char;
            format!("{body}{check}")
        })
}

/// An 18-character credit code with a real admin code and its check character.
fn valid_credit_code() -> impl Strategy<Value = String> {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    (
        select(vec!['1', '5', '9', 'Y']),
        select(vec!['1', '2', '3']),
        select(PROVINCES.to_vec()),
        "[0-9]{4}",
        "[0-9A-HJ-NPQRTUWXY]{9}",
    )
        .prop_map(|(authority, kind, province, county, organization)| {
            let body = format!(
                "{authority}{kind}{:02}{county}{organization}",
                province.code()
            );
            let weights = [
                1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
            ];
            let sum: usize = body
                .chars()
                .zip(weights)
                .map(|(c, w)| ALPHABET.find(c).unwrap_or(0) * w)
                .sum();
            let check = ALPHABET.chars().nth((31 - sum % 31) % 31).unwrap_or('0');
            format!("{body}{check}")
        })
}
