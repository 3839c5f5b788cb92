//! Differential: the scanner's leftmost-longest hits on any text, for any words, equal the
//! brute-force search of `beian_lexicon::reference`.
//!
//! Input: words separated by `\n` up to the first `\0`, then the text. Both are any UTF-8,
//! so whitespace runs, zero-width characters, expansions (㍿, …), combining marks and
//! characters outside the BMP fall anywhere in the matcher's blocks.
#![no_main]

use beian_lexicon::{
    Entry, MatchMode, Scanner, Scope, Severity, brute_force_leftmost_longest, normalize_word,
};
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
    let expected = brute_force_leftmost_longest(&words, text);
    let got: Vec<(usize, usize, String)> = scanner
        .scan(text)
        .iter()
        .map(|h| (h.start, h.end, normalize_word(h.word)))
        .collect();
    assert_eq!(got, expected, "words {words:?}, text {text:?}");
    assert_eq!(scanner.count(text), expected.len());
});
