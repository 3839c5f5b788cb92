//! 繁简转换 — the traditional → simplified character table used by normalisation.
//!
//! The table is data (`data/t2s.tsv`), embedded at compile time and read once on first use.
//! Every key lies in U+3400..U+9FFF, so the hot loop asks a 3.4 KB bitmap whether a CJK
//! character is traditional at all, and only then looks the pair up: simplified text, the
//! common case, never pays for a search.

use std::sync::LazyLock;

/// The bundled table, one `traditional<TAB>simplified` pair a line.
pub(crate) const T2S_TSV: &str = include_str!("../data/t2s.tsv");

/// First code point covered by the bitmap (CJK Extension A).
const BASE: u32 = 0x3400;
/// One past the last code point covered (end of the CJK Unified Ideographs block).
const LIMIT: u32 = 0xA000;
const WORDS: usize = ((LIMIT - BASE) / 64) as usize;

/// The parsed table: a bitmap of keys and the sorted pairs.
pub(crate) struct T2s {
    bits: [u64; WORDS],
    pairs: Vec<(char, char)>,
}

static TABLE: LazyLock<T2s> = LazyLock::new(|| T2s::parse(T2S_TSV).0);

/// The bundled table.
pub(crate) fn table() -> &'static T2s {
    &TABLE
}

impl T2s {
    /// Reads a table, skipping comments, the header and malformed lines. Returns the table and
    /// the 1-based numbers of the lines it skipped as malformed (tests require none).
    pub(crate) fn parse(text: &str) -> (T2s, Vec<usize>) {
        let mut pairs = Vec::new();
        let mut bad = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') || line.starts_with("traditional\t") {
                continue;
            }
            let mut fields = line.split('\t');
            let pair = match (fields.next(), fields.next(), fields.next()) {
                (Some(t), Some(s), None) => single_char(t).zip(single_char(s)),
                _ => None,
            };
            match pair {
                Some((t, s)) if (BASE..LIMIT).contains(&u32::from(t)) && t != s => {
                    pairs.push((t, s));
                }
                _ => bad.push(index + 1),
            }
        }
        pairs.sort_unstable();
        pairs.dedup_by_key(|(t, _)| *t);
        let mut bits = [0u64; WORDS];
        for &(t, _) in &pairs {
            let offset = (u32::from(t) - BASE) as usize;
            if let Some(word) = bits.get_mut(offset / 64) {
                *word |= 1 << (offset % 64);
            }
        }
        (T2s { bits, pairs }, bad)
    }

    /// Whether the code point `cp` is a key, by the bitmap alone.
    #[inline(always)]
    pub(crate) fn is_key(&self, cp: u32) -> bool {
        let Some(offset) = cp.checked_sub(BASE) else {
            return false;
        };
        match self.bits.get((offset / 64) as usize) {
            Some(word) => word & (1 << (offset % 64)) != 0,
            None => false,
        }
    }

    /// The simplified form of `c`, if the table has one.
    #[inline]
    pub(crate) fn get(&self, c: char) -> Option<char> {
        if !self.is_key(u32::from(c)) {
            return None;
        }
        self.pairs
            .binary_search_by_key(&c, |&(t, _)| t)
            .ok()
            .and_then(|i| self.pairs.get(i))
            .map(|&(_, s)| s)
    }

    /// `c` simplified when the table knows it, else `c`.
    #[inline]
    pub(crate) fn simplify(&self, c: char) -> char {
        self.get(c).unwrap_or(c)
    }

    /// All pairs, sorted by the traditional character.
    #[cfg(test)]
    pub(crate) fn pairs(&self) -> &[(char, char)] {
        &self.pairs
    }
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_is_well_formed_and_one_way() {
        let (table, bad) = T2s::parse(T2S_TSV);
        assert!(bad.is_empty(), "malformed lines in t2s.tsv: {bad:?}");
        assert!(table.pairs().len() > 1000, "{}", table.pairs().len());
        for &(t, s) in table.pairs() {
            // A simplified value must never be a key, or normalising twice would differ.
            assert_eq!(table.get(s), None, "{t}→{s}, but {s} is a key too");
            assert_eq!(t.len_utf8(), s.len_utf8(), "{t}→{s} changes length");
        }
    }

    #[test]
    fn common_pairs_are_there_and_simplified_text_is_untouched() {
        let t = table();
        for (trad, simp) in [
            ('賭', '赌'),
            ('國', '国'),
            ('華', '华'),
            ('網', '网'),
            ('線', '线'),
        ] {
            assert_eq!(t.get(trad), Some(simp));
        }
        for c in "赌博中国网络彩票乾著".chars() {
            assert_eq!(t.get(c), None, "{c}");
        }
    }

    #[test]
    fn malformed_lines_are_reported() {
        let (table, bad) = T2s::parse("# c\ntraditional\tsimplified\n國\t国\n國国\nab\tc\n");
        assert_eq!(table.pairs(), &[('國', '国')]);
        assert_eq!(bad, vec![4, 5]);
    }
}
