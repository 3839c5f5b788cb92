//! 文本归一化 — folding the many spellings of one word into one, with a way back.
//!
//! Evasion on Chinese pages is cheap: full-width letters (ｐｏｒｎ), traditional characters
//! (賭博), spaces or zero-width characters between the characters of a word (赌 博,
//! 赌\u{200B}博). Word lists and page text therefore go through the same fold before they
//! are compared:
//!
//! 1. NFKC, character by character (full-width → half-width, circled and squared forms →
//!    plain ones, compatibility ideographs → unified ones);
//! 2. ASCII letters → lower case (non-ASCII letters keep their case);
//! 3. traditional → simplified, from the table in `data/t2s.tsv`;
//! 4. zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD) are removed;
//! 5. whitespace is removed, **except** that a run of whitespace between two ASCII letters
//!    or digits becomes one space.
//!
//! Rule 5 is the decision that matters. Stripping all whitespace is what Chinese moderation
//! usually does, because Chinese has no spaces between words and a space inside a Chinese
//! word is nearly always padding; but stripping it between Latin words glues `an alpha` into
//! `analpha` and invents matches across word boundaries. Keeping one space there costs
//! nothing for Chinese words and keeps English ones apart.
//!
//! NFKC is applied per character rather than to the whole text: composition across
//! characters (`e` + U+0301 → `é`) is not done. It matters nothing for Chinese and keeps
//! every output character tied to exactly one input character, which is what lets every
//! hit be reported as a byte range of the *original* text ([`OffsetMap`]). The fold is
//! idempotent: normalising a normalised text changes nothing.
//!
//! Speed: ASCII is classified by a 128-entry table, and every other BMP character by one
//! bit of an 8 KB table of "characters the fold leaves alone" (NFKC quick-check yes, not
//! whitespace, not zero-width, not traditional), built once from the NFKC tables. Only the
//! rest (full-width forms, traditional characters, compatibility characters) reach the slow
//! path, and only compatibility characters are decomposed. Unchanged stretches are copied as
//! slices; a text that needs no change is not copied at all.

use std::ops::Range;
use std::sync::LazyLock;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::t2s::{self, T2s};

/// 归一化文本 — a normalised text and the map from its offsets back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    map: OffsetMap,
}

impl Normalized {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The normalised text, owned.
    pub fn into_string(self) -> String {
        self.text
    }

    /// The map from offsets in [`Normalized::as_str`] to offsets in the original text.
    pub fn map(&self) -> &OffsetMap {
        &self.map
    }

    /// The byte range of the original text that produced `range` of the normalised text.
    /// Both ends land on character boundaries of the original.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        self.map.start(range.start)..self.map.end(range.end)
    }
}

/// 偏移映射 — where each stretch of a normalised text came from in the original.
///
/// Only the places where lengths change are stored (a deleted space, a full-width letter
/// that became one byte, a character NFKC expanded); everything between them maps with a
/// constant shift. Same-length replacements (ASCII case, traditional → simplified) need no
/// entry, so a typical page has few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    edits: Vec<Edit>,
    /// Normalised ranges that one original character expanded to (two or more characters),
    /// kept apart because they are rare and a scan asks about them for every match.
    expansions: Vec<Range<usize>>,
}

/// One length-changing replacement: `orig` in the original became `norm` in the normalised
/// text (`norm` is empty for a deletion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    norm_start: usize,
    norm_end: usize,
    orig_start: usize,
    orig_end: usize,
}

impl OffsetMap {
    /// Whether the normalised text has the same offsets as the original everywhere.
    pub fn is_identity(&self) -> bool {
        self.edits.is_empty()
    }

    /// How many length-changing replacements were recorded.
    pub fn edit_count(&self) -> usize {
        self.edits.len()
    }

    /// The original offset where a match starting at normalised offset `norm` starts: after
    /// any characters deleted just before it, at the start of a replaced character it falls
    /// in.
    pub fn start(&self, norm: usize) -> usize {
        let index = self.edits.partition_point(|e| e.norm_start <= norm);
        match index.checked_sub(1).and_then(|i| self.edits.get(i)) {
            None => norm,
            Some(e) if norm < e.norm_end => e.orig_start,
            Some(e) => e.orig_end + (norm - e.norm_end),
        }
    }

    /// The original offset where a match ending at normalised offset `norm` ends: before any
    /// characters deleted just after it, at the end of a replaced character it falls in.
    pub fn end(&self, norm: usize) -> usize {
        let index = self.edits.partition_point(|e| e.norm_start < norm);
        match index.checked_sub(1).and_then(|i| self.edits.get(i)) {
            None => norm,
            Some(e) if norm <= e.norm_end => e.orig_end,
            Some(e) => e.orig_end + (norm - e.norm_end),
        }
    }

    /// Whether `norm` falls strictly inside the output of one original character that
    /// normalised to several (㍿ → 株式会社): a match starting or ending there covers only
    /// part of what the reader sees.
    pub fn splits_a_character(&self, norm: usize) -> bool {
        if self.expansions.is_empty() {
            return false;
        }
        let index = self.expansions.partition_point(|r| r.start < norm);
        index
            .checked_sub(1)
            .and_then(|i| self.expansions.get(i))
            .is_some_and(|r| norm < r.end)
    }

    /// A reader of this map for offsets that mostly grow (the matches of one scan): each
    /// lookup gallops forward from the previous one instead of searching the whole map.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            edits: &self.edits,
            after_start: 0,
            after_end: 0,
        }
    }

    fn clear(&mut self) {
        self.edits.clear();
        self.expansions.clear();
    }
}

/// See [`OffsetMap::cursor`]. Gives the same answers as [`OffsetMap::start`] and
/// [`OffsetMap::end`].
pub(crate) struct Cursor<'m> {
    edits: &'m [Edit],
    /// Number of edits with `norm_start <= ` the last start asked for.
    after_start: usize,
    /// Number of edits with `norm_start < ` the last end asked for.
    after_end: usize,
}

impl Cursor<'_> {
    pub(crate) fn start(&mut self, norm: usize) -> usize {
        let index = seek(self.edits, self.after_start, |e| e.norm_start <= norm);
        self.after_start = index;
        match index.checked_sub(1).and_then(|i| self.edits.get(i)) {
            None => norm,
            Some(e) if norm < e.norm_end => e.orig_start,
            Some(e) => e.orig_end + (norm - e.norm_end),
        }
    }

    pub(crate) fn end(&mut self, norm: usize) -> usize {
        let index = seek(self.edits, self.after_end, |e| e.norm_start < norm);
        self.after_end = index;
        match index.checked_sub(1).and_then(|i| self.edits.get(i)) {
            None => norm,
            Some(e) if norm <= e.norm_end => e.orig_end,
            Some(e) => e.orig_end + (norm - e.norm_end),
        }
    }
}

/// The partition point of `edits` under `pred` (true for a prefix), searched from `hint`:
/// galloping forward when the answer lies ahead, a plain binary search when it lies behind.
fn seek(edits: &[Edit], hint: usize, pred: impl Fn(&Edit) -> bool) -> usize {
    let hint = hint.min(edits.len());
    if hint > 0 && edits.get(hint - 1).is_some_and(|e| !pred(e)) {
        return edits.get(..hint).map_or(0, |s| s.partition_point(&pred));
    }
    let mut low = hint;
    let mut step = 1;
    loop {
        let probe = low + step;
        match edits.get(probe - 1) {
            Some(e) if pred(e) => {
                low = probe;
                step *= 2;
            }
            _ => break,
        }
    }
    let high = (low + step).min(edits.len());
    low + edits.get(low..high).map_or(0, |s| s.partition_point(&pred))
}

/// Normalises `text` (see the module documentation) and keeps the offset map.
pub fn normalize(text: &str) -> Normalized {
    let mut map = OffsetMap::default();
    let mut out = String::new();
    let text = if fold(text, &mut out, &mut map) {
        out
    } else {
        text.to_owned()
    };
    Normalized { text, map }
}

/// Normalises a word: the same fold, without the map. Word lists go through this at build
/// time so that they meet page text in the same form.
pub fn normalize_word(word: &str) -> String {
    let mut map = OffsetMap::default();
    let mut out = String::new();
    if fold(word, &mut out, &mut map) {
        out
    } else {
        word.to_owned()
    }
}

/// Zero-width and invisible formatting characters that are removed outright.
#[inline]
pub(crate) fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// ASCII byte classes for the hot loop.
pub(crate) const PLAIN: u8 = 0;
pub(crate) const ALNUM: u8 = 1;
pub(crate) const UPPER: u8 = 2;
pub(crate) const SPACE: u8 = 3;

pub(crate) const ASCII_CLASS: [u8; 128] = {
    let mut table = [PLAIN; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'0'..=b'9' => ALNUM,
            b'A'..=b'Z' => UPPER,
            b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ' => SPACE,
            _ => PLAIN,
        };
        b += 1;
    }
    table
};

/// Whitespace or zero-width characters waiting for the next visible character, which
/// decides whether they vanish or become one space.
#[derive(Clone, Copy)]
struct Pending {
    /// Original offset of the first of them.
    start: usize,
    /// Whether any of them is whitespace (zero-width characters never separate words).
    space: bool,
}

/// The fold's state: what is already written, and what is still an unchanged stretch of
/// the input (`text[run_start..]` up to the current position) that will be copied as one
/// slice when the next change comes, or never, if none comes.
struct Folder<'a, 'e> {
    text: &'a str,
    out: &'e mut String,
    /// Whether anything has been written to `out` yet (it may hold an old capacity).
    started: bool,
    run_start: usize,
    map: &'e mut OffsetMap,
    pending: Option<Pending>,
    prev_alnum: bool,
    t2s: &'static T2s,
}

impl Folder<'_, '_> {
    /// Copies the unchanged stretch up to `at`.
    #[inline(always)]
    fn flush(&mut self, at: usize) {
        if !self.started {
            // First change: from here on the output is written, and it is about as long as
            // the input (expansions are rare), so reserve once instead of growing by doubling.
            self.started = true;
            self.out.reserve(self.text.len() + 16);
        }
        if let Some(stretch) = self.text.get(self.run_start..at) {
            self.out.push_str(stretch);
        }
        self.run_start = at;
    }

    /// Decides pending whitespace before a visible character at `at`: one space between
    /// two ASCII letters or digits, nothing otherwise.
    #[inline(always)]
    fn settle(&mut self, at: usize, next_alnum: bool) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let keep = p.space && self.prev_alnum && next_alnum;
        if keep && at - p.start == 1 && self.text.as_bytes().get(p.start) == Some(&b' ') {
            // A single plain space between words: it stays as it is, part of the stretch.
            return;
        }
        self.flush(p.start);
        let norm_start = self.out.len();
        if keep {
            self.out.push(' ');
        }
        self.map.edits.push(Edit {
            norm_start,
            norm_end: self.out.len(),
            orig_start: p.start,
            orig_end: at,
        });
        self.run_start = at;
    }

    #[inline(always)]
    fn hold(&mut self, at: usize, space: bool) {
        match &mut self.pending {
            Some(p) => p.space |= space,
            None => self.pending = Some(Pending { start: at, space }),
        }
    }

    /// Writes `replacement` for the original character `at..at + len`.
    #[inline]
    fn replace(&mut self, at: usize, len: usize, replacement: &str) {
        self.flush(at);
        let norm_start = self.out.len();
        self.out.push_str(replacement);
        let single_same_length = replacement.len() == len && replacement.chars().nth(1).is_none();
        if !single_same_length {
            let norm_end = self.out.len();
            self.map.edits.push(Edit {
                norm_start,
                norm_end,
                orig_start: at,
                orig_end: at + len,
            });
            if replacement.chars().nth(1).is_some() {
                self.map.expansions.push(norm_start..norm_end);
            }
        }
        self.run_start = at + len;
    }

    /// Full-width ASCII `cp` (U+FF01..U+FF5E, three bytes) at `at`: the ASCII character
    /// NFKC gives, lower-cased.
    #[inline]
    fn full_width(&mut self, at: usize, cp: u32) {
        let ascii = u8::try_from(cp.saturating_sub(0xFEE0))
            .unwrap_or(b'?')
            .to_ascii_lowercase();
        let alnum = ascii.is_ascii_alphanumeric();
        self.settle(at, alnum);
        self.flush(at);
        let norm_start = self.out.len();
        self.out.push(char::from(ascii));
        self.map.edits.push(Edit {
            norm_start,
            norm_end: norm_start + 1,
            orig_start: at,
            orig_end: at + 3,
        });
        self.run_start = at + 3;
        self.prev_alnum = alnum;
    }

    /// Handles one character outside the fast classes, at `at`.
    fn slow(&mut self, at: usize, c: char, scratch: &mut String) {
        let len = c.len_utf8();
        if is_zero_width(c) {
            self.hold(at, false);
            return;
        }
        if c.is_whitespace() {
            self.hold(at, true);
            return;
        }
        let cp = u32::from(c);
        if (0xFF01..=0xFF5E).contains(&cp) {
            self.full_width(at, cp);
            return;
        }
        let stable = (0x3001..=0x3035).contains(&cp)
            || is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
        if stable {
            self.settle(at, false);
            self.prev_alnum = false;
            if let Some(s) = self.t2s.get(c) {
                let mut buf = [0u8; 4];
                self.replace(at, len, s.encode_utf8(&mut buf));
            }
            return;
        }
        scratch.clear();
        let mut any_space = false;
        for d in std::iter::once(c).nfkc() {
            if d.is_whitespace() || is_zero_width(d) {
                any_space |= d.is_whitespace();
                continue;
            }
            scratch.push(self.t2s.simplify(d.to_ascii_lowercase()));
        }
        let (Some(first), Some(last)) = (scratch.chars().next(), scratch.chars().next_back())
        else {
            self.hold(at, any_space);
            return;
        };
        self.settle(at, first.is_ascii_alphanumeric());
        self.prev_alnum = last.is_ascii_alphanumeric();
        let mut unchanged = [0u8; 4];
        if scratch.as_str() != c.encode_utf8(&mut unchanged) {
            self.replace(at, len, scratch);
        }
    }
}

/// Non-ASCII BMP characters that the fold leaves exactly as they are: NFKC quick-check
/// "yes", not whitespace, not zero-width, not a traditional character of the table. One bit
/// per code point (8 KB), computed on first use; it is what lets ideographs and 。、“” pass
/// the hot loop with one decode and one bit test.
pub(crate) static UNCHANGED: LazyLock<Box<[u64; 1024]>> = LazyLock::new(|| {
    let t2s = t2s::table();
    let mut bits = Box::new([0u64; 1024]);
    for cp in 0x80..0x10000u32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        let unchanged = !c.is_whitespace()
            && !is_zero_width(c)
            && t2s.get(c).is_none()
            && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
        if unchanged && let Some(word) = bits.get_mut((cp / 64) as usize) {
            *word |= 1 << (cp % 64);
        }
    }
    bits
});

/// Skips characters the fold leaves alone (ASCII lower-case letters, digits and
/// punctuation; two- and three-byte characters in [`UNCHANGED`]) from `i`. Returns where it
/// stopped and whether the last skipped character was an ASCII letter or digit (`None` when
/// nothing was skipped).
#[inline]
fn skip_unchanged(bytes: &[u8], mut i: usize, unchanged: &[u64; 1024]) -> (usize, Option<bool>) {
    let mut last_alnum = None;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            match ASCII_CLASS[usize::from(b)] {
                ALNUM => last_alnum = Some(true),
                PLAIN => last_alnum = Some(false),
                _ => break,
            }
            i += 1;
            continue;
        }
        let (cp, len) = if (0xE0..0xF0).contains(&b) {
            match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&b1), Some(&b2)) => (
                    (u32::from(b & 0x0F) << 12)
                        | (u32::from(b1 & 0x3F) << 6)
                        | u32::from(b2 & 0x3F),
                    3,
                ),
                _ => break,
            }
        } else if (0xC0..0xE0).contains(&b) {
            match bytes.get(i + 1) {
                Some(&b1) => ((u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F), 2),
                None => break,
            }
        } else {
            break;
        };
        // cp < 0x10000, so the index is below 1024.
        if unchanged[(cp >> 6) as usize & 1023] & (1 << (cp & 63)) == 0 {
            break;
        }
        last_alnum = Some(false);
        i += len;
    }
    (i, last_alnum)
}

/// The fold itself: writes the normalised text to `out` (cleared first) and returns true,
/// or returns false and writes nothing when the text is already normal. Records the
/// length-changing edits in `map` (cleared first).
fn fold(text: &str, out: &mut String, map: &mut OffsetMap) -> bool {
    out.clear();
    map.clear();
    let unchanged: &[u64; 1024] = &UNCHANGED;
    let bytes = text.as_bytes();
    let mut f = Folder {
        text,
        out,
        started: false,
        run_start: 0,
        map,
        pending: None,
        prev_alnum: false,
        t2s: t2s::table(),
    };
    let mut scratch = String::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if f.pending.is_none() {
            // The common case, in registers: a stretch of characters that stay as they are.
            let (next, last_alnum) = skip_unchanged(bytes, i, unchanged);
            if next != i {
                if let Some(alnum) = last_alnum {
                    f.prev_alnum = alnum;
                }
                i = next;
                continue;
            }
        }
        if b < 0x80 {
            match ASCII_CLASS[usize::from(b)] {
                ALNUM => {
                    if f.pending.is_some() {
                        f.settle(i, true);
                    }
                    f.prev_alnum = true;
                }
                UPPER => {
                    f.settle(i, true);
                    f.flush(i);
                    f.out.push(char::from(b.to_ascii_lowercase()));
                    f.run_start = i + 1;
                    f.prev_alnum = true;
                }
                SPACE => f.hold(i, true),
                _ => {
                    if f.pending.is_some() {
                        f.settle(i, false);
                    }
                    f.prev_alnum = false;
                }
            }
            i += 1;
            continue;
        }
        // Two- and three-byte characters: decode from the bytes (valid UTF-8 guarantees the
        // continuation bytes) and let the bitmap clear the unchanged ones.
        let decoded = decode_two_or_three(bytes, i, b);
        if let Some((cp, len)) = decoded {
            if unchanged
                .get((cp / 64) as usize)
                .is_some_and(|word| word & (1 << (cp % 64)) != 0)
            {
                if f.pending.is_some() {
                    f.settle(i, false);
                }
                f.prev_alnum = false;
                i += len as usize;
                continue;
            }
            if (0xFF01..=0xFF5E).contains(&cp) {
                // Full-width ASCII (，！？：（） and ＡＢＣ１２３): NFKC maps it 0xFEE0 down.
                f.full_width(i, cp);
                i += 3;
                continue;
            }
        }
        match text.get(i..).and_then(|rest| rest.chars().next()) {
            Some(c) => {
                f.slow(i, c, &mut scratch);
                i += c.len_utf8();
            }
            None => break,
        }
    }
    let end = text.len();
    if let Some(p) = f.pending.take() {
        f.flush(p.start);
        let norm_start = f.out.len();
        f.map.edits.push(Edit {
            norm_start,
            norm_end: norm_start,
            orig_start: p.start,
            orig_end: end,
        });
        f.run_start = end;
    }
    if !f.started && f.run_start == 0 {
        return false;
    }
    f.flush(end);
    true
}

/// 扫描缓冲 — the normalised text and offset map of the last scan, kept so that scanning
/// many texts in a row reuses their memory instead of allocating (and page-faulting) anew.
#[derive(Debug, Clone, Default)]
pub struct ScanBuffer {
    text: String,
    map: OffsetMap,
    /// The fused scanner's window of normalised characters (see `matcher`).
    pub(crate) chars: Vec<crate::matcher::NChar>,
}

impl ScanBuffer {
    /// An empty buffer.
    pub fn new() -> ScanBuffer {
        ScanBuffer::default()
    }

    /// Normalises `text` into the buffer; returns the normalised text (`text` itself when
    /// nothing changed) and the map.
    pub(crate) fn fold<'a>(&'a mut self, text: &'a str) -> (&'a str, &'a OffsetMap) {
        if fold(text, &mut self.text, &mut self.map) {
            (&self.text, &self.map)
        } else {
            (text, &self.map)
        }
    }
}

/// Decodes the two- or three-byte UTF-8 sequence whose lead byte `b` is at `i`: the code
/// point and its length. Four-byte sequences (outside the BMP) and a sequence cut short
/// give `None`, which sends the character down the general path. The input is valid UTF-8,
/// so the continuation bytes need no check.
#[inline]
pub(crate) fn decode_two_or_three(bytes: &[u8], i: usize, b: u8) -> Option<(u32, u32)> {
    if b < 0xE0 {
        bytes
            .get(i + 1)
            .map(|&b1| ((u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F), 2))
    } else if b < 0xF0 {
        match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(&b1), Some(&b2)) => Some((
                (u32::from(b & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F),
                3,
            )),
            _ => None,
        }
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> String {
        normalize(text).into_string()
    }

    #[test]
    fn folds_width_case_script_and_spacing() {
        let table: &[(&str, &str)] = &[
            // Full-width letters, digits and punctuation.
            ("ＰＯＲＮ", "porn"),
            ("ｐ２ｐ网贷", "p2p网贷"),
            ("你好，世界！", "你好,世界!"),
            // ASCII case.
            ("BBS论坛", "bbs论坛"),
            // Traditional → simplified.
            ("賭博網站", "赌博网站"),
            ("中華人民共和國", "中华人民共和国"),
            // Spaces and zero-width characters inside Chinese words vanish.
            ("赌 博", "赌博"),
            ("赌\u{3000}博", "赌博"),
            ("赌\u{200B}博", "赌博"),
            ("赌\u{FEFF}\u{200D}博", "赌博"),
            ("赌\n\t 博", "赌博"),
            // …but one space stays between Latin words and digits.
            ("hello   world", "hello world"),
            ("Hello\u{3000}World", "hello world"),
            ("a\u{200B}b", "ab"),
            ("porn 视频", "porn视频"),
            ("  leading and trailing  ", "leading and trailing"),
            // Compatibility characters.
            ("㍿", "株式会社"),
            ("①②", "12"),
            ("ﬁ", "fi"),
            ("…", "..."),
            // Untouched.
            ("", ""),
            ("中文。标点、“引号”《书名》", "中文。标点、“引号”《书名》"),
        ];
        for (input, expected) in table {
            assert_eq!(n(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn unchanged_text_has_an_identity_map() {
        for text in ["abc def 123", "中文网站。", "a-b_c/d?e=f"] {
            let norm = normalize(text);
            assert_eq!(norm.as_str(), text);
            assert!(norm.map().is_identity(), "{text}");
        }
        // Same-length replacements need no map entries either.
        let norm = normalize("ABC賭博");
        assert_eq!(norm.as_str(), "abc赌博");
        assert!(norm.map().is_identity());
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        // (original, normalised substring, original substring it must map back to)
        let table: &[(&str, &str, &str)] = &[
            ("这是赌 博网站", "赌博", "赌 博"),
            ("这是赌\u{200B}博网站", "赌博", "赌\u{200B}博"),
            ("看 ＰＯＲＮ 片", "porn", "ＰＯＲＮ"),
            ("x 賭博 y", "赌博", "賭博"),
            ("  赌博  ", "赌博", "赌博"),
            ("前\u{3000}\u{3000}赌博\u{200B}\u{200B}后", "赌博", "赌博"),
            ("HELLO\u{3000}WORLD", "hello world", "HELLO\u{3000}WORLD"),
            ("ｐ２ｐ网贷", "p2p", "ｐ２ｐ"),
            ("①号", "1号", "①号"),
        ];
        for (original, needle, expected) in table {
            let norm = normalize(original);
            let start = norm
                .as_str()
                .find(needle)
                .expect("needle in normalised text");
            let range = norm.original_range(start..start + needle.len());
            assert_eq!(&original[range], *expected, "{original:?} / {needle:?}");
        }
    }

    #[test]
    fn a_match_inside_an_expansion_is_detected() {
        let norm = normalize("㍿");
        assert_eq!(norm.as_str(), "株式会社");
        let map = norm.map();
        assert!(!map.splits_a_character(0));
        assert!(map.splits_a_character(6));
        assert!(!map.splits_a_character(12));
        assert_eq!(norm.original_range(6..12), 0..3);
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        for text in [
            "ＰＯＲＮ 賭博",
            "a \u{3000} b ①",
            "㍿ ﬁ …",
            "e\u{301} x",
            "\u{2028}a\u{2029}",
        ] {
            let once = n(text);
            assert_eq!(n(&once), once, "{text:?}");
        }
    }

    #[test]
    fn cjk_punctuation_fast_range_is_nfkc_stable() {
        for cp in 0x3001..=0x3035u32 {
            let c = char::from_u32(cp).expect("valid");
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{cp:04X}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_cursor_agrees_with_the_map(
            text in "[赌博賭 \u{3000}\u{200B}ＡａB，。㍿①…a-z]{0,80}",
            picks in proptest::collection::vec(0usize..1000, 0..30),
        ) {
            let norm = normalize(&text);
            let map = norm.map();
            let bounds: Vec<usize> = norm
                .as_str()
                .char_indices()
                .map(|(i, _)| i)
                .chain([norm.as_str().len()])
                .collect();
            let mut offsets: Vec<usize> = picks.iter().map(|p| bounds[p % bounds.len()]).collect();
            offsets.sort_unstable();
            let mut cursor = map.cursor();
            for &n in &offsets {
                proptest::prop_assert_eq!(cursor.start(n), map.start(n));
                proptest::prop_assert_eq!(cursor.end(n), map.end(n));
            }
            // Going backwards (overlapping matches) must give the same answers too.
            for &n in offsets.iter().rev() {
                proptest::prop_assert_eq!(cursor.start(n), map.start(n));
                proptest::prop_assert_eq!(cursor.end(n), map.end(n));
            }
        }
    }

    #[test]
    fn words_fold_like_text() {
        assert_eq!(normalize_word("賭 博"), "赌博");
        assert_eq!(normalize_word("\u{200B}"), "");
    }
}
