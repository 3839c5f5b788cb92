//! 参照实现 — what leftmost-longest scanning means, written the slow, obvious way.
//!
//! [`Scanner`](crate::Scanner) in leftmost-longest mode must return exactly these hits; the
//! property tests and the `scan_words` fuzz target compare the two. It tries every word at
//! every position of the normalised text (words × text), so it is for checking, not for use.

use crate::normalize::{normalize, normalize_word};

/// The leftmost-longest hits of `words` in `text`, as (original start, original end, the
/// normalised word): at the first position of the normalised text where some word starts,
/// the longest such word, then again after it; a match that starts or ends inside what one
/// character expanded to (会社 inside ㍿) is found but not reported, as the scanner does.
pub fn brute_force_leftmost_longest<W: AsRef<str>>(
    words: &[W],
    text: &str,
) -> Vec<(usize, usize, String)> {
    let words: Vec<String> = words
        .iter()
        .map(|w| normalize_word(w.as_ref()))
        .filter(|w| !w.is_empty())
        .collect();
    let norm = normalize(text);
    let s = norm.as_str();
    let map = norm.map();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..).unwrap_or_default();
        let longest = words
            .iter()
            .filter(|w| rest.starts_with(w.as_str()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_longest_word_at_the_first_position_and_maps_it_back() {
        let hits = brute_force_leftmost_longest(&["赌博", "赌博网", "网上"], "这是賭 博網上");
        assert_eq!(hits, vec![(6, 16, "赌博网".to_owned())]);
    }

    #[test]
    fn a_word_inside_one_characters_expansion_is_not_reported() {
        assert!(brute_force_leftmost_longest(&["会社"], "㍿").is_empty());
        assert_eq!(
            brute_force_leftmost_longest(&["株式会社"], "㍿"),
            vec![(0, 3, "株式会社".to_owned())]
        );
    }
}
