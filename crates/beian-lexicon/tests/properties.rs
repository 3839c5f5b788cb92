//! Properties of normalisation and scanning over arbitrary and adversarial text.

use std::sync::LazyLock;

use beian_lexicon::{MatchMode, Scanner, bundled, normalize, normalize_word};
use proptest::prelude::*;

static LEFTMOST: LazyLock<Option<Scanner>> = LazyLock::new(|| {
    let lists = bundled().ok()?;
    Scanner::new(&lists).ok()
});

static OVERLAPPING: LazyLock<Option<Scanner>> = LazyLock::new(|| {
    let lists = bundled().ok()?;
    Scanner::with_mode(&lists, MatchMode::Overlapping).ok()
});

/// Pieces that exercise every branch of the fold and produce hits.
const FRAGMENTS: &[&str] = &[
    "赌博",
    "賭",
    "博",
    "新葡京",
    "百家樂",
    "论坛",
    "論壇",
    "有限公司",
    "中国",
    "porn",
    "ＰＯＲＮ",
    "Porn",
    "p2p",
    "ｐ２ｐ",
    " ",
    "  ",
    "\u{3000}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{00AD}",
    "\t",
    "\n",
    "\r\n",
    "Ａ",
    "a",
    "B",
    "1",
    "，",
    "。",
    "、",
    "“",
    "㍿",
    "株式会社",
    "会社",
    "①",
    "…",
    "ﬁ",
    "e\u{301}",
    "\u{0308}",
    "¨",
    "Ⅻ",
    "\u{F900}",
    "x",
    "网上赌场",
    "时时彩",
    "tokyohot",
    "成人论坛",
    "bbs",
];

fn text() -> impl Strategy<Value = String> {
    let fragments = prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat());
    prop_oneof![any::<String>(), fragments]
}

fn check_hits(scanner: &Scanner, text: &str) -> Result<(), TestCaseError> {
    let hits = scanner.scan(text);
    prop_assert_eq!(hits.len(), scanner.count(text));
    for hit in &hits {
        prop_assert!(hit.start < hit.end, "empty hit {:?}", hit);
        prop_assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
        let original = text.get(hit.start..hit.end).unwrap_or_default();
        prop_assert_eq!(original, hit.matched.as_str());
        for entry in hit.entries {
            prop_assert_eq!(normalize_word(original), normalize_word(&entry.word));
        }
        prop_assert!(
            hit.context.contains(hit.matched.trim()) || hit.matched.chars().any(char::is_control)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn leftmost_hits_are_exact_slices_of_the_original(text in text()) {
        let scanner = LEFTMOST.as_ref().ok_or_else(|| TestCaseError::fail("bundled lists"))?;
        check_hits(scanner, &text)?;
        // Leftmost-longest hits never overlap and come in text order.
        let hits = scanner.scan(&text);
        for pair in hits.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "{:?}", pair);
        }
    }

    #[test]
    fn overlapping_hits_are_exact_slices_of_the_original(text in text()) {
        let scanner = OVERLAPPING.as_ref().ok_or_else(|| TestCaseError::fail("bundled lists"))?;
        check_hits(scanner, &text)?;
    }

    #[test]
    fn scanning_arbitrary_text_never_panics(text in any::<String>()) {
        if let Some(scanner) = LEFTMOST.as_ref() {
            let _ = scanner.scan(&text);
        }
    }

    #[test]
    fn normalising_is_idempotent(text in text()) {
        let once = normalize(&text);
        let twice = normalize(once.as_str());
        prop_assert_eq!(twice.as_str(), once.as_str());
        prop_assert!(twice.map().is_identity());
    }

    #[test]
    fn every_normalised_boundary_maps_to_an_original_boundary(text in text()) {
        let norm = normalize(&text);
        let mut last_start = 0;
        let mut last_end = 0;
        for (n, _) in norm.as_str().char_indices().chain([(norm.as_str().len(), ' ')]) {
            let (start, end) = (norm.map().start(n), norm.map().end(n));
            prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            prop_assert!(start <= text.len() && end <= text.len());
            prop_assert!(start >= last_start && end >= last_end);
            // Deleted characters lie between an end and the next start; only inside what one
            // character expanded to (㍿ → 株式会社) does an end come after a start.
            prop_assert!(end <= start || norm.map().splits_a_character(n));
            last_start = start;
            last_end = end;
        }
    }
}
