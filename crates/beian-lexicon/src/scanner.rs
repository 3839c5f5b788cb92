//! 多模式匹配 — finding every listed word in a text in one pass.
//!
//! A [`Scanner`] holds the *normalised* words of its lists, compiled for its match mode. A
//! text is normalised the same way, scanned, and each match is mapped back to a byte range
//! of the original text.
//!
//! * Leftmost-longest (the default) uses this crate's own trie, walked by a loop that
//!   normalises the text on the fly, one character at a time, without building the
//!   normalised string (see `matcher.rs` and `data/README.md` for the layout and why).
//! * Overlapping uses a character-wise double-array Aho-Corasick automaton (daachorse) over
//!   the normalised text.
//!
//! Match semantics are **leftmost-longest** by default: at each position the longest word
//! wins and matches do not overlap, so 网上赌场 is one hit rather than 网上赌场 + 赌场, and a
//! report has one line per place in the page. The price is that a shorter word of another
//! category inside a longer one is not reported (论坛 inside 成人论坛); build one scanner
//! per purpose (site names, pre-approval, violations) or use [`MatchMode::Overlapping`]
//! when every word matters.
//!
//! A word listed by several entries (论坛 is a personal-site word and a BBS indicator) is
//! one pattern whose hit carries all its entries.

use std::ops::Range;

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};

use crate::lexicon::{Entry, Lexicon, LexiconError, Severity, category_under};
use crate::matcher::{Trie, original_range, whole};
use crate::normalize::{ScanBuffer, normalize_word};

/// How many characters of context a hit shows on each side.
pub const CONTEXT_CHARS: usize = 15;

/// 匹配方式 — which matches a scan reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MatchMode {
    /// Non-overlapping; at each position the longest word (the default).
    #[default]
    LeftmostLongest,
    /// Every occurrence of every word, overlaps included.
    Overlapping,
}

/// 扫描器 — the compiled word lists.
pub struct Scanner {
    /// Overlapping mode: the automaton over the normalised words.
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    /// Leftmost-longest mode: the trie walked by the fused normalise-and-match loop.
    trie: Option<Trie>,
    mode: MatchMode,
    /// Entries grouped by normalised word; `patterns[i].entries` indexes into this.
    entries: Vec<Entry>,
    patterns: Vec<Pattern>,
}

/// One distinct normalised word and the entries that list it.
struct Pattern {
    entries: Range<usize>,
}

/// 命中 — one place in a text where a listed word occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'s> {
    /// Every entry that lists the word, in list order (at least one).
    pub entries: &'s [Entry],
    /// The word as the first of them lists it.
    pub word: &'s str,
    /// Byte offset of the match in the original text (a character boundary).
    pub start: usize,
    /// Byte offset one past the match in the original text (a character boundary).
    pub end: usize,
    /// The original text of the match (`&text[start..end]`): what the page really shows,
    /// e.g. `賭 博` for the word 赌博.
    pub matched: String,
    /// Up to [`CONTEXT_CHARS`] characters either side with the match between them, line
    /// breaks and tabs shown as spaces.
    pub context: String,
}

impl<'s> Hit<'s> {
    /// The first entry (there is always one).
    pub fn entry(&self) -> Option<&'s Entry> {
        self.entries.first()
    }

    /// The heaviest severity among its entries.
    pub fn severity(&self) -> Severity {
        self.entries
            .iter()
            .map(|e| e.severity)
            .max()
            .unwrap_or(Severity::Warn)
    }

    /// Its entries' categories, in list order, without repeats.
    pub fn categories(&self) -> Vec<&'s str> {
        let mut out: Vec<&'s str> = Vec::new();
        for e in self.entries {
            if !out.contains(&e.category.as_str()) {
                out.push(&e.category);
            }
        }
        out
    }

    /// The entries whose category is `prefix` or under it.
    pub fn entries_in<'p>(&self, prefix: &'p str) -> impl Iterator<Item = &'s Entry> + use<'s, 'p> {
        self.entries
            .iter()
            .filter(move |e| category_under(&e.category, prefix))
    }

    /// Whether any entry's category is `prefix` or under it.
    pub fn in_category(&self, prefix: &str) -> bool {
        self.entries_in(prefix).next().is_some()
    }

    /// The byte range in the original text.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// A match before it is dressed up as a [`Hit`]: the pattern and the original byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHit {
    /// Index of the matched pattern (see [`Scanner::pattern_entries`]).
    pub pattern: usize,
    /// Byte offset in the original text.
    pub start: usize,
    /// Byte offset one past the match in the original text.
    pub end: usize,
}

/// 扫描器构建 — options for building a [`Scanner`].
#[derive(Debug, Clone, Default)]
pub struct ScannerBuilder {
    mode: MatchMode,
    corpus: Vec<String>,
}

impl ScannerBuilder {
    /// The match mode (leftmost-longest unless told otherwise).
    #[must_use]
    pub fn mode(mut self, mode: MatchMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sample texts like the ones the scanner will see (pages of the kind it checks). They
    /// never change what is found; in [`MatchMode::Overlapping`] daachorse lays out the
    /// states these samples visit close together, which saves cache misses on similar text
    /// (the leftmost-longest trie ignores them). Samples are normalised first.
    #[must_use]
    pub fn corpus<I, S>(mut self, samples: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.corpus = samples
            .into_iter()
            .map(|s| normalize_word(s.as_ref()))
            .collect();
        self
    }

    /// A scanner over `lexicons`.
    pub fn build(self, lexicons: &[Lexicon]) -> Result<Scanner, LexiconError> {
        self.build_from_entries(lexicons.iter().flat_map(|l| l.entries().iter().cloned()))
    }

    /// A scanner over entries built in code. Entries whose word normalises to nothing are
    /// left out: they would match everywhere.
    pub fn build_from_entries(
        self,
        entries: impl IntoIterator<Item = Entry>,
    ) -> Result<Scanner, LexiconError> {
        let mut keyed: Vec<(String, usize, Entry)> = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| (normalize_word(&e.word), i, e))
            .filter(|(w, _, _)| !w.is_empty())
            .collect();
        // Group by normalised word, keeping list order inside a group.
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut grouped = Vec::with_capacity(keyed.len());
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut words: Vec<(String, u32)> = Vec::new();
        for (word, _, entry) in keyed {
            let index = grouped.len();
            grouped.push(entry);
            if words.last().is_some_and(|(w, _)| *w == word) {
                if let Some(p) = patterns.last_mut() {
                    p.entries.end = index + 1;
                }
                continue;
            }
            let id = u32::try_from(patterns.len())
                .map_err(|_| LexiconError::Automaton("词条过多".to_owned()))?;
            patterns.push(Pattern {
                entries: index..index + 1,
            });
            words.push((word, id));
        }
        let trie = if words.is_empty() || self.mode != MatchMode::LeftmostLongest {
            None
        } else {
            Some(
                Trie::build(&words)
                    .ok_or_else(|| LexiconError::Automaton("词条过多".to_owned()))?,
            )
        };
        let automaton = if words.is_empty() || self.mode != MatchMode::Overlapping {
            None
        } else {
            let mut builder =
                CharwiseDoubleArrayAhoCorasickBuilder::new().match_kind(MatchKind::Standard);
            if !self.corpus.is_empty() {
                builder = builder.corpus(&self.corpus);
            }
            Some(
                builder
                    .build_with_values(words)
                    .map_err(|e| LexiconError::Automaton(e.to_string()))?,
            )
        };
        Ok(Scanner {
            automaton,
            trie,
            mode: self.mode,
            entries: grouped,
            patterns,
        })
    }
}

impl Scanner {
    /// Options for a scanner: match mode, layout corpus.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// A leftmost-longest scanner over `lexicons`.
    pub fn new(lexicons: &[Lexicon]) -> Result<Scanner, LexiconError> {
        Scanner::builder().build(lexicons)
    }

    /// A scanner over `lexicons` with the given match mode.
    pub fn with_mode(lexicons: &[Lexicon], mode: MatchMode) -> Result<Scanner, LexiconError> {
        Scanner::builder().mode(mode).build(lexicons)
    }

    /// A scanner over entries built in code (see [`ScannerBuilder::build_from_entries`]).
    pub fn from_entries(
        entries: impl IntoIterator<Item = Entry>,
        mode: MatchMode,
    ) -> Result<Scanner, LexiconError> {
        Scanner::builder().mode(mode).build_from_entries(entries)
    }

    /// Its match mode.
    pub fn mode(&self) -> MatchMode {
        self.mode
    }

    /// How many distinct normalised words it matches.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// How many entries it holds.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// The entries of pattern `pattern` (empty for an unknown index).
    pub fn pattern_entries(&self, pattern: usize) -> &[Entry] {
        self.patterns
            .get(pattern)
            .and_then(|p| self.entries.get(p.entries.clone()))
            .unwrap_or(&[])
    }

    /// Every hit in `text`, in text order (for overlapping scans, by end then start).
    pub fn scan<'s>(&'s self, text: &str) -> Vec<Hit<'s>> {
        let mut hits = Vec::new();
        self.for_each_match(text, |raw| {
            let entries = self.pattern_entries(raw.pattern);
            let Some(first) = entries.first() else {
                return;
            };
            hits.push(Hit {
                entries,
                word: &first.word,
                start: raw.start,
                end: raw.end,
                matched: text.get(raw.start..raw.end).unwrap_or_default().to_owned(),
                context: context(text, raw.start, raw.end),
            });
        });
        hits
    }

    /// How many hits [`Scanner::scan`] would return, without building them or mapping
    /// their offsets.
    pub fn count(&self, text: &str) -> usize {
        self.count_in(&mut ScanBuffer::new(), text)
    }

    /// [`Scanner::count`] reusing `buffer`'s memory: for scanning many texts in a row.
    pub fn count_in(&self, buffer: &mut ScanBuffer, text: &str) -> usize {
        let mut n = 0;
        if let Some(trie) = &self.trie {
            trie.leftmost_longest(text, &mut buffer.chars, |first, last, _| {
                n += usize::from(whole(first, last));
            });
            return n;
        }
        let (norm, map) = buffer.fold(text);
        self.overlapping(norm, |start, end, _| {
            if !map.splits_a_character(start) && !map.splits_a_character(end) {
                n += 1;
            }
        });
        n
    }

    /// Whether `text` contains any listed word.
    pub fn is_match(&self, text: &str) -> bool {
        self.count(text) > 0
    }

    /// Calls `f` for every match, in the order [`Scanner::scan`] reports them, allocating
    /// nothing per match. Leftmost-longest scans normalise on the fly, without building the
    /// normalised text; overlapping scans normalise once (no copy when already normal).
    pub fn for_each_match(&self, text: &str, f: impl FnMut(RawHit)) {
        self.for_each_match_in(&mut ScanBuffer::new(), text, f);
    }

    /// [`Scanner::for_each_match`] reusing `buffer`'s memory.
    pub fn for_each_match_in(
        &self,
        buffer: &mut ScanBuffer,
        text: &str,
        mut f: impl FnMut(RawHit),
    ) {
        if let Some(trie) = &self.trie {
            trie.leftmost_longest(text, &mut buffer.chars, |first, last, value| {
                // A match that covers only part of what one original character expanded to
                // (会社 inside ㍿) is not something the page shows: skip it.
                if whole(first, last) {
                    let (start, end) = original_range(first, last);
                    f(RawHit {
                        pattern: value as usize,
                        start,
                        end,
                    });
                }
            });
            return;
        }
        let (norm, map) = buffer.fold(text);
        let mut cursor = map.cursor();
        self.overlapping(norm, |start, end, value| {
            if map.splits_a_character(start) || map.splits_a_character(end) {
                return;
            }
            f(RawHit {
                pattern: value as usize,
                start: cursor.start(start),
                end: cursor.end(end),
            });
        });
    }

    /// Approximate heap bytes held by the compiled words (trie or automaton, and the
    /// pattern table; not the entries' strings).
    pub fn heap_bytes(&self) -> usize {
        self.trie.as_ref().map_or(0, Trie::heap_bytes)
            + self.automaton.as_ref().map_or(0, |a| a.heap_bytes())
            + self.patterns.capacity() * std::mem::size_of::<Pattern>()
    }

    /// Runs the overlapping automaton over a normalised text: `f(start, end, pattern)` per
    /// match.
    #[inline]
    fn overlapping(&self, norm: &str, mut f: impl FnMut(usize, usize, u32)) {
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_overlapping_iter(norm) {
                f(m.start(), m.end(), m.value());
            }
        }
    }
}

/// The match with up to [`CONTEXT_CHARS`] characters either side.
fn context(text: &str, start: usize, end: usize) -> String {
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    let from = before
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let to = after
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(after.len(), |(i, _)| i);
    let window = text.get(from..end + to).unwrap_or_default();
    window
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{BundledList, Scope};

    fn entry(word: &str, category: &str, scope: Scope, severity: Severity) -> Entry {
        Entry {
            word: word.into(),
            category: category.into(),
            scope,
            severity,
            source: "test".into(),
        }
    }

    fn lexicon(words: &[(&str, &str)]) -> Lexicon {
        Lexicon::new(
            "test",
            words
                .iter()
                .map(|(w, c)| entry(w, c, Scope::National, Severity::Error))
                .collect(),
        )
    }

    #[test]
    fn hits_carry_original_offsets_and_text() {
        let scanner =
            Scanner::new(&[lexicon(&[("赌博", "v.g"), ("porn", "v.p")])]).expect("builds");
        // (text, expected (start, end, matched) per hit)
        type Expected<'a> = &'a [(usize, usize, &'a str)];
        let table: &[(&str, Expected<'_>)] = &[
            ("网上赌博", &[(6, 12, "赌博")]),
            ("网上賭博", &[(6, 12, "賭博")]),
            ("网上赌 博!", &[(6, 13, "赌 博")]),
            ("网上赌\u{200B}博", &[(6, 15, "赌\u{200B}博")]),
            ("看ＰＯＲＮ", &[(3, 15, "ＰＯＲＮ")]),
            ("PoRn and 赌博", &[(0, 4, "PoRn"), (9, 15, "赌博")]),
            ("\u{3000}赌\u{3000}博\u{3000}", &[(3, 12, "赌\u{3000}博")]),
            ("没有", &[]),
            ("", &[]),
        ];
        for (text, expected) in table {
            let hits = scanner.scan(text);
            let got: Vec<(usize, usize, &str)> = hits
                .iter()
                .map(|h| (h.start, h.end, h.matched.as_str()))
                .collect();
            assert_eq!(&got, expected, "{text:?}");
            assert_eq!(scanner.count(text), expected.len(), "{text:?}");
        }
    }

    #[test]
    fn context_shows_fifteen_characters_each_side() {
        let scanner = Scanner::new(&[lexicon(&[("赌博", "v.g")])]).expect("builds");
        let text = format!("{}赌博{}", "前".repeat(20), "后".repeat(20));
        let hits = scanner.scan(&text);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].context,
            format!("{}赌博{}", "前".repeat(15), "后".repeat(15))
        );
        let hits = scanner.scan("a\n赌博\tb");
        assert_eq!(hits[0].context, "a 赌博 b");
    }

    #[test]
    fn leftmost_longest_prefers_the_longer_word() {
        let lex = lexicon(&[("赌场", "v.g"), ("网上赌场", "v.g"), ("上赌", "x")]);
        let scanner = Scanner::new(std::slice::from_ref(&lex)).expect("builds");
        let words: Vec<&str> = scanner
            .scan("去网上赌场玩")
            .iter()
            .map(|h| h.word)
            .collect();
        assert_eq!(words, vec!["网上赌场"]);

        let overlapping = Scanner::with_mode(&[lex], MatchMode::Overlapping).expect("builds");
        let mut words: Vec<&str> = overlapping
            .scan("去网上赌场玩")
            .iter()
            .map(|h| h.word)
            .collect();
        words.sort_unstable();
        assert_eq!(words, vec!["上赌", "网上赌场", "赌场"]);
    }

    #[test]
    fn a_word_in_several_entries_is_one_hit_with_all_of_them() {
        let site = Lexicon::bundled(BundledList::SiteName).expect("parses");
        let scanner = Scanner::new(&[site]).expect("builds");
        let hits = scanner.scan("我的论坛");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].categories(),
            vec!["name.pre_approval_field", "name.personal_banned"]
        );
        assert_eq!(hits[0].severity(), Severity::Error);
        assert!(hits[0].in_category("name.personal_banned"));
        assert!(!hits[0].in_category("name.national"));
    }

    #[test]
    fn category_filtering_narrows_what_is_found() {
        let site = Lexicon::bundled(BundledList::SiteName).expect("parses");
        let name = "中国赌博科技有限公司";
        let all = Scanner::new(std::slice::from_ref(&site)).expect("builds");
        let words: Vec<&str> = all.scan(name).iter().map(|h| h.word).collect();
        assert_eq!(words, vec!["中国", "赌博", "科技", "有限公司"]);

        let national = Scanner::new(&[site.with_category_prefix("name.national")]).expect("builds");
        let words: Vec<&str> = national.scan(name).iter().map(|h| h.word).collect();
        assert_eq!(words, vec!["中国"]);
    }

    #[test]
    fn province_scoping_adds_only_that_provinces_words() {
        let site = Lexicon::bundled(BundledList::SiteName).expect("parses");
        let name = "小明的官网";
        let guangdong = Scanner::new(&[site.for_province("广东")]).expect("builds");
        let beijing = Scanner::new(&[site.for_province("北京")]).expect("builds");
        let hits = guangdong.scan(name);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].word, "官网");
        assert_eq!(hits[0].entries[0].scope, Scope::Province("广东".into()));
        assert!(beijing.scan(name).is_empty());
    }

    #[test]
    fn bundled_violation_words_are_found_through_evasions() {
        let violation = Lexicon::bundled(BundledList::Violation).expect("parses");
        let scanner = Scanner::new(&[violation]).expect("builds");
        let text = "欢迎光临新 葡 京，百家樂、時時彩，ＴＯＫＹＯＨＯＴ";
        let hits = scanner.scan(text);
        let found: Vec<(&str, &str)> = hits.iter().map(|h| (h.word, h.matched.as_str())).collect();
        assert_eq!(
            found,
            vec![
                ("新葡京", "新 葡 京"),
                ("百家乐", "百家樂"),
                ("时时彩", "時時彩"),
                ("tokyohot", "ＴＯＫＹＯＨＯＴ"),
            ]
        );
        assert!(hits.iter().all(|h| h.in_category("violation")));
    }

    #[test]
    fn a_match_inside_one_expanded_character_is_not_reported() {
        let scanner =
            Scanner::new(&[lexicon(&[("会社", "x"), ("株式会社", "y")])]).expect("builds");
        let hits = scanner.scan("㍿");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].word, hits[0].matched.as_str()), ("株式会社", "㍿"));
        let partial = Scanner::new(&[lexicon(&[("会社", "x")])]).expect("builds");
        assert!(partial.scan("㍿").is_empty());
        assert_eq!(partial.count("㍿"), 0);
    }

    #[test]
    fn empty_scanners_and_empty_words_are_harmless() {
        let scanner = Scanner::new(&[]).expect("builds");
        assert!(scanner.scan("任何文本").is_empty());
        let scanner = Scanner::new(&[lexicon(&[("\u{200B}", "x"), (" ", "y")])]).expect("builds");
        assert_eq!(scanner.pattern_count(), 0);
        assert!(!scanner.is_match("abc"));
    }

    #[test]
    fn latin_words_do_not_match_across_spaces_but_chinese_ones_do() {
        let scanner = Scanner::new(&[lexicon(&[("anal", "x"), ("赌场", "y")])]).expect("builds");
        assert_eq!(scanner.count("an alternative"), 0);
        assert_eq!(scanner.count("赌 场"), 1);
    }
}
