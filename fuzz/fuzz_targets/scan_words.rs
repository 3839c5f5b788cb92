//! Differential: the scanner's leftmost-longest hits on any text, for any words, equal a
//! brute-force search over the normalised text mapped back to the original.
//!
//! Input: words separated by `\n` up to the first `\0`, then the text. Both are any UTF-8,
//! so whitespace runs, zero-width characters, expansions (㍿, …), combining marks and
//! characters outside the BMP fall anywhere in the matcher's blocks.
#![no_main]

use beian_lexicon::{Entry, MatchMode, Scanner, Scope, Severity, normalize, normalize_word};
use libfuzzer_sys::fuzz_target;

fn entry(word: &str) -> Entry {
    Entry {
        word: word.to_owned(),
        category: "fuzz".to_owned(),
        scope: Scope::National,
        severity: Severity::Warn,
        source: "fuzz".to_owned(),
    }
}

/// Leftmost-longest by brute force over the normalised text, skipping matches inside one
/// character's expansion, as (original start, original end, normalised word).
fn reference(words: &[String], text: &str) -> Vec<(usize, usize, String)> {
    let norm = normalize(text);
    let s = norm.as_str();
    let map = norm.map();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..).unwrap_or_default();
        let longest = words
            .iter()
            .filter(|w| !w.is_empty() && rest.starts_with(w.as_str()))
            .max_by_key(|w| w.len());
        match longest {
            Some(w) => {
                let end = i + w.len();
                if !map.splits_a_character(i) && !map.splits_a_character(end) {
                    out.push((map.start(i), map.end(end), w.clone()));
                }
                i = end;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(input) = std::str::from_utf8(bytes) else {
        return;
    };
    let Some((words, text)) = input.split_once('\0') else {
        return;
    };
    let words: Vec<&str> = words.split('\n').filter(|w| !w.is_empty()).take(32).collect();
    let Ok(scanner) =
        Scanner::from_entries(words.iter().map(|w| entry(w)), MatchMode::LeftmostLongest)
    else {
        return;
    };
    let normalised: Vec<String> = words.iter().map(|w| normalize_word(w)).collect();
    let expected = reference(&normalised, text);
    let got: Vec<(usize, usize, String)> = scanner
        .scan(text)
        .iter()
        .map(|h| (h.start, h.end, normalize_word(h.word)))
        .collect();
    assert_eq!(got, expected, "words {words:?}, text {text:?}");
    assert_eq!(scanner.count(text), expected.len());
});
