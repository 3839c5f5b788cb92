//! Properties of normalisation and scanning over arbitrary and adversarial text.

use std::sync::LazyLock;

use beian_lexicon::{
    MatchMode, Scanner, brute_force_leftmost_longest, bundled, normalize, normalize_word,
};
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

/// Pieces for random dictionaries and texts: hits are frequent, words share prefixes, and
/// every branch of the fold (width, case, script, spaces, zero-width, expansions) occurs.
const PIECES: &[&str] = &[
    "赌", "博", "賭", "网", "上", "场", "中", "国", "a", "b", "A", "Ｂ", "1", "１", " ",
    "\u{3000}", "\u{200B}", "㍿", "株", "式", "会", "社", "①", "…", ".", "ﬁ", "f", "i", "\n",
];

fn piece_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..max).prop_map(|p| p.concat())
}

/// Pieces with little whitespace, so that texts run past the matcher's 64-position blocks
/// with expansions (㍿, …, ﬁ) and the producer's characters (a combining mark) at any place.
const DENSE_PIECES: &[&str] = &[
    "赌", "博", "賭", "网", "上", "场", "a", "b", "A", "1", "㍿", "株", "式", "会", "社", "…", ".",
    "ﬁ", "f", "i", "e\u{301}", "①", " ",
];

fn dense_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(DENSE_PIECES), 0..max).prop_map(|p| p.concat())
}

/// Pieces with whitespace of every kind between letters, digits and hanzi, so that the
/// runs the fold drops or turns into one space fall anywhere in a 64-position block and on
/// its edges, and before expansions and the producer's characters.
const GAPPY_PIECES: &[&str] = &[
    "赌", "博", "網", "a", "b", "B", "1", "１", " ", " ", "\u{3000}", "\u{200B}", "\n", "\t", "㍿",
    "会", "社", "…", ".", "e\u{301}",
];

fn gappy_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(GAPPY_PIECES), 0..max).prop_map(|p| p.concat())
}

fn gappy_words() -> impl Strategy<Value = Vec<String>> {
    let word =
        prop::collection::vec(prop::sample::select(GAPPY_PIECES), 1..5).prop_map(|p| p.concat());
    prop::collection::vec(word, 1..12)
}

fn entry(word: &str) -> beian_lexicon::Entry {
    beian_lexicon::Entry {
        word: word.to_owned(),
        category: "t".to_owned(),
        scope: beian_lexicon::Scope::National,
        severity: beian_lexicon::Severity::Warn,
        source: "test".to_owned(),
    }
}

/// The leftmost-longest scan of `text` for `words` equals the brute-force reference, hit
/// for hit, and `count` agrees.
fn agrees_with_reference(words: &[String], text: &str) -> Result<(), TestCaseError> {
    let scanner = Scanner::from_entries(words.iter().map(|w| entry(w)), MatchMode::LeftmostLongest)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let expected = brute_force_leftmost_longest(words, text);
    let got: Vec<(usize, usize, String)> = scanner
        .scan(text)
        .iter()
        .map(|h| (h.start, h.end, normalize_word(h.word)))
        .collect();
    prop_assert_eq!(&got, &expected);
    prop_assert_eq!(scanner.count(text), expected.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn leftmost_longest_agrees_with_brute_force(
        words in prop::collection::vec(piece_string(5), 1..12),
        text in prop_oneof![3 => piece_string(40), 1 => ".{0,30}"],
    ) {
        agrees_with_reference(&words, &text)?;
    }

    #[test]
    fn leftmost_longest_agrees_with_daachorse_on_the_bundled_lists(text in text()) {
        let scanner = LEFTMOST.as_ref().ok_or_else(|| TestCaseError::fail("bundled lists"))?;
        let automaton = DAACHORSE.as_ref().ok_or_else(|| TestCaseError::fail("daachorse"))?;
        let norm = normalize(&text);
        let map = norm.map();
        let expected: Vec<(usize, usize, usize)> = automaton
            .leftmost_find_iter(norm.as_str())
            .filter(|m| !map.splits_a_character(m.start()) && !map.splits_a_character(m.end()))
            .map(|m| (map.start(m.start()), map.end(m.end()), m.value() as usize))
            .collect();
        let mut got = Vec::new();
        scanner.for_each_match(&text, |raw| got.push((raw.start, raw.end, raw.pattern)));
        prop_assert_eq!(got, expected);
    }
}

proptest! {
    // Long texts: fewer cases, each crossing several blocks.
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn leftmost_longest_agrees_with_brute_force_across_blocks(
        words in prop::collection::vec(piece_string(5), 1..12),
        text in dense_string(400),
    ) {
        agrees_with_reference(&words, &text)?;
    }

    #[test]
    fn leftmost_longest_agrees_with_brute_force_across_whitespace_and_blocks(
        words in gappy_words(),
        text in gappy_string(400),
    ) {
        agrees_with_reference(&words, &text)?;
    }
}

/// The previous engine: daachorse, leftmost-longest, over the same patterns in the same
/// order as the scanner's (the scanner numbers distinct normalised words in sorted order).
static DAACHORSE: LazyLock<Option<daachorse::CharwiseDoubleArrayAhoCorasick<u32>>> =
    LazyLock::new(|| {
        let lists = bundled().ok()?;
        let mut words: Vec<String> = lists
            .iter()
            .flat_map(|l| l.entries().iter().map(|e| normalize_word(&e.word)))
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        let values = words
            .into_iter()
            .enumerate()
            .map(|(i, w)| u32::try_from(i).ok().map(|i| (w, i)))
            .collect::<Option<Vec<_>>>()?;
        daachorse::CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(daachorse::MatchKind::LeftmostLongest)
            .build_with_values(values)
            .ok()
    });
