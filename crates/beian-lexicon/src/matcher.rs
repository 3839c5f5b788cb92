//! 融合匹配 — leftmost-longest matching fused with normalisation, in one pass.
//!
//! The leftmost-longest scan does not build the normalised text. It reads the original bytes,
//! and one lookup per character in a [`Trie`]'s character table gives the *code* of what
//! the character folds to: the table is built from the fold itself, so 賭, Ａ and A find the
//! codes of 赌, a and a without any folding at scan time. Whitespace and zero-width
//! characters are marked as gaps (dropped, or one space between two ASCII letters or
//! digits); characters that fold to several characters whatever surrounds them (… → ...,
//! ㍿ → 株式会社) carry their pieces; the few the table cannot decide alone (combining
//! marks, characters outside the BMP, folds that end in whitespace) go to a [`Producer`],
//! which normalises character by character ([`NChar`]: the character and the byte range of
//! the original it came from) into a small window.
//!
//! The words are a double-array trie over character codes (codes by frequency among the
//! words' characters, so the busy part of the array is small): a step from a node is one
//! load, `units[base + code]`, checked against its parent.
//!
//! Why not an Aho-Corasick automaton: with tens of thousands of words and everyday
//! characters among them, almost every position of Chinese text starts a word, so an
//! automaton spends its time in failure transitions over a multi-megabyte table, while a
//! walk from each position usually ends after one or two steps. The walk costs O(length of
//! the longest word) per position in the worst case, which is bounded by the lists; it finds
//! exactly the leftmost-longest matches (the longest word at the first position where any
//! word starts, then again after it).
//!
//! Blocks: the text is read [`BLOCK`] positions at a time, whitespace folded in as it is read
//! (dropped, or one space piece between two ASCII letters or digits), so that a block ends
//! only after [`BLOCK`] positions or before a character only the producer can fold. The
//! first step of every position is a load from a table by code (`roots`, whose entry for a
//! code no word starts with points into a region of the array where no unit has a parent,
//! so that no test is needed); the pair with the next character is one more load; neither
//! depends on another position, so both are looked up for the whole block first. The
//! resolution then visits only the positions where a word may start (a bit mask) and walks
//! deeper only from pairs of the dictionary. Walks that run off a block go on over the
//! bytes, across gaps, and into the producer's window at a character only it can fold.
//!
//! Exactness: the character table is derived from [`Producer`], which reproduces
//! `normalize` character by character (the same classes, the same whitespace rule, the same
//! NFKC slow path); every character carries the original range that
//! `OffsetMap::start`/`OffsetMap::end` would give, plus two flags for pieces inside a
//! multi-character expansion, where a match may not start or end. Tests compare the producer
//! with `normalize` and the whole scan with a brute-force reference, on short texts and on
//! texts that run across many blocks.

use crate::normalize::{ALNUM, ASCII_CLASS, SPACE, UNCHANGED, UPPER, is_zero_width};
use crate::t2s::{self, T2s};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Mask of the code point in [`NChar::cp`].
const CP_MASK: u32 = 0x001F_FFFF;
/// Flag: the character is not the first of its original character's expansion (a match may
/// not start here).
const NO_START: u32 = 1 << 31;
/// Flag: the character is not the last of its original character's expansion (a match may
/// not end here).
const NO_END: u32 = 1 << 30;

/// One character of the normalised text and where it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NChar {
    /// The code point, with [`NO_START`] and [`NO_END`] in the high bits.
    cp: u32,
    /// Bytes from `start` to where a match ending with this character ends. At most 4,
    /// except for the space that stands for a run of whitespace between two ASCII letters
    /// or digits (saturated at `u32::MAX`): no word starts or ends with a space, so that
    /// range is never reported.
    len: u32,
    /// Original byte offset where a match starting at this character starts.
    start: usize,
}

impl NChar {
    #[inline(always)]
    fn char_code(self) -> u32 {
        self.cp & CP_MASK
    }

    /// The normalised character.
    #[cfg(test)]
    pub(crate) fn char(self) -> Option<char> {
        char::from_u32(self.char_code())
    }

    /// Original byte offset where a match ending with this character ends.
    #[inline(always)]
    fn end(self) -> usize {
        self.start + self.len as usize
    }

    /// Original range of this character (start and end as a match would map them).
    #[cfg(test)]
    pub(crate) fn range(self) -> (usize, usize) {
        (self.start, self.end())
    }

    /// Whether a match may start here.
    #[cfg(test)]
    pub(crate) fn can_start(self) -> bool {
        self.cp & NO_START == 0
    }

    /// Whether a match may end here.
    #[cfg(test)]
    pub(crate) fn can_end(self) -> bool {
        self.cp & NO_END == 0
    }
}

/// Normalises a text on demand, character by character (see the module documentation of
/// `normalize` for the fold; this is the same fold, emitting characters instead of a string).
pub(crate) struct Producer<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
    /// Pending whitespace or zero-width characters: original start, whether any is
    /// whitespace.
    pending: Option<(usize, bool)>,
    prev_alnum: bool,
    t2s: &'static T2s,
    unchanged: &'static [u64; 1024],
    scratch: String,
}

impl<'t> Producer<'t> {
    #[cfg(test)]
    pub(crate) fn new(text: &'t str) -> Producer<'t> {
        Producer::at(text, 0, false)
    }

    /// A producer from byte `pos` (a character boundary with nothing pending before it),
    /// `prev_alnum` telling whether the visible character before it is an ASCII letter or
    /// digit.
    pub(crate) fn at(text: &'t str, pos: usize, prev_alnum: bool) -> Producer<'t> {
        Producer {
            bytes: text.as_bytes(),
            text,
            pos,
            pending: None,
            prev_alnum,
            t2s: t2s::table(),
            unchanged: &UNCHANGED,
            scratch: String::new(),
        }
    }

    /// Decides pending whitespace before a visible character at `at`: one space between two
    /// ASCII letters or digits (covering the whole run), nothing otherwise.
    #[inline(always)]
    fn settle(&mut self, out: &mut Vec<NChar>, at: usize, next_alnum: bool) {
        if let Some((start, space)) = self.pending.take()
            && space
            && self.prev_alnum
            && next_alnum
        {
            out.push(NChar {
                cp: u32::from(b' '),
                len: u32::try_from(at - start).unwrap_or(u32::MAX),
                start,
            });
        }
    }

    #[inline(always)]
    fn hold(&mut self, at: usize, space: bool) {
        match &mut self.pending {
            Some((_, s)) => *s |= space,
            None => self.pending = Some((at, space)),
        }
    }

    /// Appends normalised characters to `out` until it holds at least `want` of them or the
    /// text ends. Returns false once the text is exhausted.
    pub(crate) fn fill(&mut self, out: &mut Vec<NChar>, want: usize) -> bool {
        let bytes = self.bytes;
        let unchanged = self.unchanged;
        let mut i = self.pos;
        while out.len() < want {
            let Some(&b) = bytes.get(i) else {
                self.pos = i;
                return false;
            };
            if b < 0x80 {
                match ASCII_CLASS[usize::from(b)] {
                    ALNUM => {
                        if self.pending.is_some() {
                            self.settle(out, i, true);
                        }
                        self.prev_alnum = true;
                        out.push(NChar {
                            cp: u32::from(b),
                            len: 1,
                            start: i,
                        });
                    }
                    UPPER => {
                        if self.pending.is_some() {
                            self.settle(out, i, true);
                        }
                        self.prev_alnum = true;
                        out.push(NChar {
                            cp: u32::from(b.to_ascii_lowercase()),
                            len: 1,
                            start: i,
                        });
                    }
                    SPACE => self.hold(i, true),
                    _ => {
                        // PLAIN: punctuation and controls, kept as they are.
                        if self.pending.is_some() {
                            self.settle(out, i, false);
                        }
                        self.prev_alnum = false;
                        out.push(NChar {
                            cp: u32::from(b),
                            len: 1,
                            start: i,
                        });
                    }
                }
                i += 1;
                continue;
            }
            // Two- and three-byte characters: decode from the bytes (valid UTF-8 guarantees
            // the continuation bytes) and let the bitmap pass the unchanged ones.
            let decoded = crate::normalize::decode_two_or_three(bytes, i, b);
            if let Some((cp, len)) = decoded {
                // cp < 0x10000, so the index is below 1024.
                if unchanged[(cp >> 6) as usize & 1023] & (1 << (cp & 63)) != 0 {
                    if self.pending.is_some() {
                        self.settle(out, i, false);
                    }
                    self.prev_alnum = false;
                    out.push(NChar { cp, len, start: i });
                    i += len as usize;
                    continue;
                }
                if (0xFF01..=0xFF5E).contains(&cp) {
                    // Full-width ASCII: NFKC maps it 0xFEE0 down; then lower case.
                    let ascii = u8::try_from(cp - 0xFEE0)
                        .unwrap_or(b'?')
                        .to_ascii_lowercase();
                    let alnum = ascii.is_ascii_alphanumeric();
                    self.settle(out, i, alnum);
                    self.prev_alnum = alnum;
                    out.push(NChar {
                        cp: u32::from(ascii),
                        len: 3,
                        start: i,
                    });
                    i += 3;
                    continue;
                }
            }
            match self.text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => {
                    self.slow(out, i, c);
                    i += c.len_utf8();
                }
                None => {
                    // Not on a character boundary: impossible for a `&str`; stop safely.
                    self.pos = bytes.len();
                    return false;
                }
            }
        }
        self.pos = i;
        true
    }

    /// One character outside the fast classes, at `at`.
    fn slow(&mut self, out: &mut Vec<NChar>, at: usize, c: char) {
        let len = c.len_utf8() as u32;
        if is_zero_width(c) {
            self.hold(at, false);
            return;
        }
        if c.is_whitespace() {
            self.hold(at, true);
            return;
        }
        let cp = u32::from(c);
        let stable = (0x3001..=0x3035).contains(&cp)
            || is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
        if stable {
            self.settle(out, at, false);
            self.prev_alnum = false;
            out.push(NChar {
                cp: u32::from(self.t2s.simplify(c)),
                len,
                start: at,
            });
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut any_space = false;
        for d in std::iter::once(c).nfkc() {
            if d.is_whitespace() || is_zero_width(d) {
                any_space |= d.is_whitespace();
                continue;
            }
            scratch.push(self.t2s.simplify(d.to_ascii_lowercase()));
        }
        match (scratch.chars().next(), scratch.chars().next_back()) {
            (Some(first), Some(last)) => {
                self.settle(out, at, first.is_ascii_alphanumeric());
                self.prev_alnum = last.is_ascii_alphanumeric();
                let count = scratch.chars().count();
                for (k, d) in scratch.chars().enumerate() {
                    let mut cp = u32::from(d);
                    if k > 0 {
                        cp |= NO_START;
                    }
                    if k + 1 < count {
                        cp |= NO_END;
                    }
                    out.push(NChar { cp, len, start: at });
                }
            }
            _ => self.hold(at, any_space),
        }
        self.scratch = scratch;
    }
}

/// One trie node while the trie is built: the label of the edge into it, the pattern ending
/// here (+1; 0 for none) and the run of its children (breadth-first numbering, so a node's
/// children are contiguous and sorted by label).
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    label: u32,
    value: u32,
    first: u32,
    end: u32,
}

/// One unit of the double array: the unit of the node whose child this is (`check`) and
/// this node's `base << 2 | HAS_KIDS | IS_WORD`. The child of unit `s` by character code `c`
/// is unit `base(s) + c`, if that unit's `check` is `s`.
#[derive(Debug, Clone, Copy)]
struct Unit {
    check: u32,
    info: u32,
}

/// In a unit's `info`: a word ends at this node.
const IS_WORD: u32 = 1;
/// In a unit's `info`: some longer word goes on from this node.
const HAS_KIDS: u32 = 2;
/// `check` of the root and of a free unit: no node has this unit as a child.
const NO_PARENT: u32 = u32::MAX;
/// A free unit.
const FREE: Unit = Unit {
    check: NO_PARENT,
    info: 0,
};

/// In a character table entry: the character's code (0: no word uses it).
const CODE_MASK: u32 = CP_MASK;
/// In a character table entry: the producer must handle the character (its fold depends on
/// its neighbours, as a combining mark's or a character that folds to a space does, or it
/// lies outside the BMP).
const SLOW: u32 = 1 << 31;
/// In a character table entry: whitespace or a zero-width character, which the fold drops
/// except for one space between two ASCII letters or digits.
const GAP: u32 = 1 << 30;
/// In a character table entry, with [`GAP`]: whitespace (a zero-width character alone
/// never becomes a space).
const WHITE: u32 = 1 << 29;
/// In a character table entry: the folded character is an ASCII letter or digit.
const ALNUM_FOLD: u32 = 1 << 28;
/// In a character table entry: the character folds to several characters whatever stands
/// around it (… → ...); the low bits index [`Fold::spans`].
const EXPAND: u32 = 1 << 27;
/// Mask of the folded code point in [`FOLD`].
const FOLD_CP: u32 = 0x001F_FFFF;

/// What the fold does to every BMP character on its own: derived from [`Producer`]
/// itself, so that the fast loop and the producer cannot disagree.
struct Fold {
    /// Per character: the one character it becomes (with [`ALNUM_FOLD`]), or [`GAP`] (and
    /// [`WHITE`]), or [`EXPAND`] with an index into `spans`, or [`SLOW`].
    table: Box<[u32]>,
    /// The pieces of the characters that fold to several characters whatever stands around
    /// them (… → ..., ㎡ → m2), each a code point with [`ALNUM_FOLD`] ...
    pieces: Vec<u32>,
    /// ... and where each such character's pieces lie in `pieces`.
    spans: Vec<(u32, u32)>,
    /// (folded character, a character that folds to it by itself), sorted: what a trie's
    /// character table must give each code to.
    sources: Vec<(u32, u32)>,
    /// The character table without codes (classes, [`ALNUM_FOLD`] and expansion indexes),
    /// as a trie's starts: high byte → block, 0 for a block of zeros ...
    base_index: [u16; 256],
    /// ... and the blocks.
    base_blocks: Vec<[u32; 256]>,
}

/// Most pieces an expansion handled without the producer may have.
const MAX_PIECES: usize = 18;

static FOLD: std::sync::LazyLock<Fold> = std::sync::LazyLock::new(|| {
    let mut table = vec![SLOW; 0x1_0000].into_boxed_slice();
    let mut pieces_pool: Vec<u32> = Vec::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut out = Vec::new();
    let mut probe = String::new();
    let run = |probe: &str, out: &mut Vec<NChar>| {
        out.clear();
        let mut producer = Producer::at(probe, 0, false);
        while producer.fill(out, 64) {}
    };
    for (cp, slot) in (0u32..).zip(table.iter_mut()) {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        probe.clear();
        probe.push(c);
        run(&probe, &mut out);
        let alone: Vec<u32> = out.iter().map(|n| n.char_code()).collect();
        let flags_ok = out.iter().enumerate().all(|(k, n)| {
            (n.cp & NO_START != 0) == (k > 0) && (n.cp & NO_END != 0) == (k + 1 < out.len())
        });
        let alnum = |cp: u32| char::from_u32(cp).is_some_and(|f| f.is_ascii_alphanumeric());
        *slot = match alone.as_slice() {
            [one] if flags_ok && *one != u32::from(b' ') => {
                *one | if alnum(*one) { ALNUM_FOLD } else { 0 }
            }
            [] => {
                // Dropped on its own: between two letters it is a space, or nothing.
                probe.clear();
                probe.extend(['a', c, 'a']);
                run(&probe, &mut out);
                match out.len() {
                    3 => GAP | WHITE,
                    2 => GAP,
                    _ => SLOW,
                }
            }
            pieces
                if flags_ok && pieces.len() <= MAX_PIECES && !pieces.contains(&u32::from(b' ')) =>
            {
                // The same pieces between two letters: nothing around it changes them.
                probe.clear();
                probe.extend(['a', c, 'a']);
                run(&probe, &mut out);
                let between: Vec<u32> = out.iter().map(|n| n.char_code()).collect();
                let a = u32::from(b'a');
                let same = between.len() == pieces.len() + 2
                    && between.first() == Some(&a)
                    && between.last() == Some(&a)
                    && between.get(1..=pieces.len()) == Some(pieces);
                match (
                    u32::try_from(spans.len()),
                    u32::try_from(pieces_pool.len()),
                    u32::try_from(pieces.len()),
                ) {
                    (Ok(index), Ok(from), Ok(count)) if same => {
                        let last = pieces.last().copied().unwrap_or(0);
                        pieces_pool.extend(
                            pieces
                                .iter()
                                .map(|&p| p | if alnum(p) { ALNUM_FOLD } else { 0 }),
                        );
                        spans.push((from, count));
                        EXPAND | index | if alnum(last) { ALNUM_FOLD } else { 0 }
                    }
                    _ => SLOW,
                }
            }
            _ => SLOW,
        };
    }
    let mut sources = Vec::new();
    let mut base_index = [0u16; 256];
    let mut base_blocks = vec![[0u32; 256]];
    for (high, slot) in (0u32..).zip(base_index.iter_mut()) {
        let mut block = [0u32; 256];
        for (low, e) in (0u32..).zip(block.iter_mut()) {
            let cp = (high << 8) | low;
            let f = table.get(cp as usize).copied().unwrap_or(SLOW);
            *e = if f & EXPAND != 0 {
                f
            } else if f & (SLOW | GAP) != 0 {
                f & (SLOW | GAP | WHITE)
            } else {
                sources.push((f & FOLD_CP, cp));
                f & ALNUM_FOLD
            };
        }
        if block.iter().any(|&e| e != 0) {
            *slot = u16::try_from(base_blocks.len()).unwrap_or(0);
            base_blocks.push(block);
        }
    }
    sources.sort_unstable();
    Fold {
        table,
        pieces: pieces_pool,
        spans,
        sources,
        base_index,
        base_blocks,
    }
});

/// The words as a double-array trie over character codes, with a character table that
/// folds as it looks up (see the module documentation).
pub(crate) struct Trie {
    /// The double array; unit 0 is the root, and the root's child by code `c` is unit `c`.
    units: Vec<Unit>,
    /// Pattern id + 1 of the word ending at each unit, 0 for none.
    values: Vec<u32>,
    /// Per code: the info of its depth-one node, or `dead` if no word starts with it.
    roots: Vec<u32>,
    /// Info whose base points where no unit has a parent (the room after the last base).
    dead: u32,
    /// Character table entries of ASCII.
    ascii: [u32; 128],
    /// High byte of a BMP code point → block of `blocks` (block 0 is all zeros).
    index: Box<[u16; 256]>,
    /// Low byte → the character table entry: the code of the character's fold and its
    /// class bits.
    blocks: Vec<[u32; 256]>,
    /// Codes of folded characters outside the BMP, sorted by code point.
    astral: Vec<(u32, u32)>,
    /// Code of the space that stands for whitespace between ASCII letters or digits.
    space_code: u32,
    /// The fold's own tables: the pieces of expansions.
    fold: &'static Fold,
    /// Length of the longest word, in characters.
    max_len: usize,
    /// Trie nodes, the root included.
    #[cfg_attr(not(test), allow(dead_code))]
    node_count: usize,
}

impl Trie {
    /// Builds the trie over `(normalised word, pattern id)`; words must be distinct and
    /// non-empty. Returns None when the ids, the codes or the units do not fit.
    pub(crate) fn build(words: &[(String, u32)]) -> Option<Trie> {
        let mut keyed: Vec<(Vec<u32>, u32)> = words
            .iter()
            .map(|(w, id)| (w.chars().map(u32::from).collect(), *id))
            .collect();
        keyed.sort_unstable();
        let max_len = keyed.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
        let mut nodes = vec![Node::default()];
        // Breadth first: (node, range of words under it, depth).
        let mut queue = std::collections::VecDeque::from([(0usize, 0usize, keyed.len(), 0usize)]);
        while let Some((node, lo, hi, depth)) = queue.pop_front() {
            let mut i = lo;
            if let Some((w, id)) = keyed.get(i)
                && w.len() == depth
            {
                let value = id.checked_add(1)?;
                if let Some(n) = nodes.get_mut(node) {
                    n.value = value;
                }
                i += 1;
            }
            let first = u32::try_from(nodes.len()).ok()?;
            while i < hi {
                let label = keyed.get(i).and_then(|(w, _)| w.get(depth).copied())?;
                let mut j = i + 1;
                while j < hi && keyed.get(j).and_then(|(w, _)| w.get(depth)) == Some(&label) {
                    j += 1;
                }
                queue.push_back((nodes.len(), i, j, depth + 1));
                nodes.push(Node {
                    label,
                    ..Node::default()
                });
                i = j;
            }
            let end = u32::try_from(nodes.len()).ok()?;
            if let Some(n) = nodes.get_mut(node) {
                n.first = first;
                n.end = end;
            }
        }
        // Codes: the most frequent labels first, so that the root's busiest children and
        // the children of busy nodes lie close together.
        let mut counts: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
        for n in nodes.iter().skip(1) {
            *counts.entry(n.label).or_default() += 1;
        }
        let mut alphabet: Vec<(u32, u32)> = counts.into_iter().collect();
        alphabet.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if alphabet.len() >= CODE_MASK as usize {
            return None;
        }
        let code: std::collections::HashMap<u32, u32> = alphabet
            .iter()
            .zip(1u32..)
            .map(|(&(cp, _), code)| (cp, code))
            .collect();
        let (units, values) = place(&nodes, &code, alphabet.len())?;
        // The character table: each character's fold, looked up in the code map.
        // The character table: the fold's table without codes, and each code given to the
        // characters that fold to its character (and to the character itself where the
        // producer hands it over: the space).
        let fold: &'static Fold = &FOLD;
        let mut index = Box::new(fold.base_index);
        let mut blocks = fold.base_blocks.clone();
        for (&cp, &c) in &code {
            if cp >= 0x1_0000 {
                continue;
            }
            let own = fold.table.get(cp as usize).copied().unwrap_or(SLOW);
            let from = fold.sources.partition_point(|&(f, _)| f < cp);
            let folding = fold
                .sources
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&(f, _)| f == cp)
                .map(|&(_, source)| source);
            let itself = (own & (SLOW | GAP) != 0).then_some(cp);
            for source in folding.chain(itself) {
                let high = (source >> 8) as usize & 0xFF;
                if index[high] == 0 {
                    index[high] = u16::try_from(blocks.len()).ok()?;
                    blocks.push([0u32; 256]);
                }
                if let Some(block) = blocks.get_mut(usize::from(index[high])) {
                    block[(source & 0xFF) as usize] |= c;
                }
            }
        }
        let space_code = code.get(&u32::from(b' ')).copied().unwrap_or(0);
        let mut ascii = [0u32; 128];
        if let Some(block) = blocks.get(usize::from(index[0])) {
            for (slot, &e) in ascii.iter_mut().zip(block.iter()) {
                *slot = e;
            }
        }
        let mut astral: Vec<(u32, u32)> = code
            .iter()
            .filter(|&(&cp, _)| cp >= 0x1_0000)
            .map(|(&cp, &c)| (cp, c))
            .collect();
        astral.sort_unstable();
        let dead = u32::try_from(units.len() - (alphabet.len() + 1)).ok()? << 2;
        let roots = (0..=alphabet.len())
            .map(|c| match units.get(c) {
                Some(u) if u.check == 0 && c != 0 => u.info,
                _ => dead,
            })
            .collect();
        Some(Trie {
            roots,
            dead,
            units,
            values,
            ascii,
            index,
            blocks,
            astral,
            space_code,
            fold,
            max_len,
            node_count: nodes.len(),
        })
    }

    /// Bytes of heap the trie holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.units.capacity() * std::mem::size_of::<Unit>()
            + self.roots.capacity() * std::mem::size_of::<u32>()
            + self.values.capacity() * std::mem::size_of::<u32>()
            + std::mem::size_of::<[u16; 256]>()
            + self.blocks.capacity() * std::mem::size_of::<[u32; 256]>()
            + self.astral.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    /// How many nodes, the root included.
    #[cfg(test)]
    pub(crate) fn node_count(&self) -> usize {
        self.node_count
    }

    /// The character table entry of the character at byte `i` (`i < bytes.len()`, on a
    /// character boundary) and its length in bytes.
    #[inline(always)]
    fn lookup(&self, bytes: &[u8], i: usize) -> (u32, usize) {
        // Three bytes at hand: one bounds check for any character of the BMP.
        let Some(&[b, b1, b2]) = bytes.get(i..i.wrapping_add(3)) else {
            return self.lookup_near_end(bytes, i);
        };
        if b < 0x80 {
            return (self.ascii[usize::from(b)], 1);
        }
        if b >= 0xE0 {
            if b >= 0xF0 {
                return (SLOW, 4);
            }
            let cp =
                (u32::from(b & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
            (self.entry(cp), 3)
        } else {
            let cp = (u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F);
            (self.entry(cp), 2)
        }
    }

    /// [`Trie::lookup`] within the last two bytes of the text.
    #[cold]
    #[inline(never)]
    fn lookup_near_end(&self, bytes: &[u8], i: usize) -> (u32, usize) {
        let Some(&b) = bytes.get(i) else {
            return (SLOW, 1);
        };
        if b < 0x80 {
            return (self.ascii[usize::from(b)], 1);
        }
        if b >= 0xE0 {
            return (SLOW, if b >= 0xF0 { 4 } else { 3 });
        }
        match bytes.get(i + 1) {
            Some(&b1) => (
                self.entry((u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F)),
                2,
            ),
            None => (SLOW, 2),
        }
    }

    /// The character table entry of a BMP code point.
    #[inline(always)]
    fn entry(&self, cp: u32) -> u32 {
        let block = self.index[(cp >> 8) as usize & 0xFF];
        self.blocks
            .get(usize::from(block))
            .map_or(0, |b| b[(cp & 0xFF) as usize])
    }

    /// The code of a folded character (0: no word uses it).
    #[inline]
    fn code_of(&self, cp: u32) -> u32 {
        if cp < 0x1_0000 {
            let e = self.entry(cp);
            if e & EXPAND != 0 { 0 } else { e & CODE_MASK }
        } else {
            self.astral
                .binary_search_by_key(&cp, |&(c, _)| c)
                .ok()
                .and_then(|k| self.astral.get(k))
                .map_or(0, |&(_, code)| code)
        }
    }

    /// The depth-one node of a character code and its info, if some word starts with it.
    #[inline(always)]
    fn root_child(&self, code: u32) -> Option<(u32, u32)> {
        match self.units.get(code as usize) {
            Some(u) if u.check == 0 && code != 0 => Some((code, u.info)),
            _ => None,
        }
    }

    /// The child of `node` (whose info is `info`) by character code `code`, and its info.
    #[inline(always)]
    fn step(&self, node: u32, info: u32, code: u32) -> Option<(u32, u32)> {
        if code == 0 {
            return None;
        }
        let t = (info >> 2).wrapping_add(code);
        match self.units.get(t as usize) {
            Some(u) if u.check == node => Some((t, u.info)),
            _ => None,
        }
    }

    #[inline(always)]
    fn value(&self, node: u32) -> u32 {
        self.values.get(node as usize).copied().unwrap_or(0)
    }

    /// Leftmost-longest matches of the normalised `text`: `f(first, last, pattern)` per
    /// match, with its first and last normalised characters (their ranges and flags). Uses
    /// `window` as scratch.
    ///
    /// The loop reads the original bytes a block at a time: one table entry per character
    /// gives the code of what it folds to (or the codes of its pieces, for … and the like),
    /// and offsets are those of the original. Whitespace is folded as the block is read
    /// (see [`Trie::read_block`]); a block ends before a character only the producer can
    /// fold (combining marks, characters outside the BMP …), or after [`BLOCK`] positions.
    /// The first two steps of every position of a block (the depth-one node from `roots`,
    /// and the pair) are looked up first; the leftmost-longest resolution then visits
    /// only the positions where a word may start, and walks deeper only from a pair of the
    /// dictionary. A walk that runs off the block goes on over the bytes (across
    /// whitespace, where one space may stand for the run), and into the producer's window
    /// when it meets a character for the producer; so does a position that is one.
    #[inline]
    pub(crate) fn leftmost_longest(
        &self,
        text: &str,
        window: &mut Vec<NChar>,
        mut f: impl FnMut(NChar, NChar, u32),
    ) {
        window.clear();
        if self.max_len == 0 {
            return;
        }
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut block = Block::default();
        let mut i = 0;
        'text: while i < n {
            let (e0, l0) = self.lookup(bytes, i);
            if e0 & SLOW != 0 {
                let (start, prev_alnum) = self.producer_start(text, i);
                let mut producer = Producer::at(text, start, prev_alnum);
                window.clear();
                i = self.window_loop(text, &mut producer, window, 0, true, &mut f);
                continue;
            }
            if e0 & GAP != 0 {
                i += l0;
                continue;
            }
            let b = &mut block;
            let m = self.read_block(bytes, i, b);
            let positions = m.min(BLOCK);
            // The first two steps of every position, independent of each other.
            let mut interesting = 0u64;
            if m <= BLOCK {
                b.pieces[m] = 0;
            }
            let mut c0 = b.pieces[0] & CODE_MASK;
            for k in 0..positions {
                let c1 = b.pieces[k + 1] & CODE_MASK;
                // A code that starts no word has `dead` for its info: no unit there has a
                // parent, so the pair never matches; nor does the pair with code 0 (no
                // unit's child by code 0 exists).
                let info0 = self.roots.get(c0 as usize).copied().unwrap_or(self.dead);
                let t = (info0 >> 2) + c1;
                let u1 = self.units.get(t as usize).copied().unwrap_or(FREE);
                let hit = u1.check == c0;
                // All ones on a hit, without a branch (the hits follow no pattern).
                let keep = 0u32.wrapping_sub(u32::from(hit));
                b.infos[k] = info0;
                b.pairs[k] = (t & keep, u1.info & keep);
                interesting |= u64::from(u32::from(hit) | (info0 & IS_WORD)) << k;
                c0 = c1;
            }
            // The last character before whitespace, a character for the producer or the
            // end: its walk goes on over the bytes.
            if m <= BLOCK && m > 0 && b.infos[m - 1] & HAS_KIDS != 0 {
                interesting |= 1 << (m - 1);
            }
            // Leftmost-longest over the positions where a word may start.
            let mut resume = if m > BLOCK { b.starts[BLOCK] } else { b.end };
            let mut covered = 0usize;
            while interesting != 0 {
                let k = interesting.trailing_zeros() as usize;
                interesting &= interesting - 1;
                if k < covered {
                    continue;
                }
                let c0 = b.pieces[k] & CODE_MASK;
                let info0 = b.infos[k];
                // The longest word so far: its node, and the index after its last character
                // (`usize::MAX` once the walk went on over the bytes, which sets `best_end`).
                let mut best = if info0 & IS_WORD != 0 { c0 } else { 0 };
                let mut best_at = k + 1;
                let mut best_end = 0usize;
                // Where to go on over the bytes: the node, its info and the next index.
                let mut open = None;
                let (t, ti) = b.pairs[k];
                if t != 0 {
                    if ti & IS_WORD != 0 {
                        best = t;
                        best_at = k + 2;
                    }
                    let (mut node, mut info, mut q) = (t, ti, k + 2);
                    while info & HAS_KIDS != 0 {
                        if q >= m {
                            open = Some((node, info, q));
                            break;
                        }
                        let Some((u, ui)) = self.step(node, info, b.pieces[q] & CODE_MASK) else {
                            break;
                        };
                        (node, info) = (u, ui);
                        q += 1;
                        if info & IS_WORD != 0 {
                            best = node;
                            best_at = q;
                        }
                    }
                } else if k + 1 == m && info0 & HAS_KIDS != 0 {
                    open = Some((c0, info0, k + 1));
                }
                let first = || NChar {
                    cp: b.pieces[k] & NO_START,
                    len: u32::try_from(b.ends[k] - b.starts[k]).unwrap_or(0),
                    start: b.starts[k],
                };
                if let Some((node, info, q)) = open {
                    let alnum = b.pieces[q - 1] & ALNUM_FOLD != 0;
                    let mut walked = usize::MAX;
                    let spill =
                        self.walk_bytes(bytes, b.end, node, info, alnum, &mut best, &mut walked);
                    if walked != usize::MAX {
                        best_at = usize::MAX;
                        best_end = walked;
                    }
                    if let Some((at, node, info, alnum)) = spill {
                        // Go on over the normalised text from `at`.
                        let mut producer = Producer::at(text, at, alnum);
                        window.clear();
                        let mut more = true;
                        if let Some(w) = self.walk_window(
                            &mut producer,
                            window,
                            &mut more,
                            0,
                            node,
                            info,
                            &mut best,
                        ) {
                            if let Some(&end) = window.get(w) {
                                f(first(), end, self.value(best).wrapping_sub(1));
                            }
                            i = self.window_loop(text, &mut producer, window, w + 1, more, &mut f);
                            continue 'text;
                        }
                    }
                }
                if best == 0 {
                    continue;
                }
                let last = if best_at == usize::MAX {
                    NChar {
                        cp: 0,
                        len: 0,
                        start: best_end,
                    }
                } else {
                    b.last(best_at - 1)
                };
                f(first(), last, self.value(best).wrapping_sub(1));
                if best_at >= positions {
                    resume = resume.max(last.start);
                    break;
                }
                covered = best_at;
            }
            i = resume;
        }
    }

    /// Reads a block from byte `i` (a character the fold handles alone) into `b`: the coded
    /// pieces of up to [`BLOCK`] positions, then one more piece (the second of the last
    /// position's pair). Whitespace and zero-width characters between two pieces are
    /// dropped, or read as one space piece between two ASCII letters or digits, as the fold
    /// does. An expansion is read only if all its pieces are positions: a match that ends
    /// inside one must be followed by its next piece, which the producer does. The block
    /// ends before a character for the producer, and before whitespace that such a
    /// character or an expansion follows (the walk over the bytes hands both to the
    /// producer). Returns how many pieces; `b.end` is where the last piece read ends.
    #[inline(always)]
    fn read_block(&self, bytes: &[u8], i: usize, b: &mut Block) -> usize {
        let mut m = 0;
        let mut pos = i;
        let n = bytes.len();
        'read: while m <= BLOCK && pos < n {
            let (mut e, mut l) = self.lookup(bytes, pos);
            if e & (SLOW | GAP | EXPAND) != 0 {
                if e & GAP != 0 {
                    let run = pos;
                    let mut at = pos;
                    let mut white = false;
                    while e & GAP != 0 {
                        white |= e & WHITE != 0;
                        at += l;
                        if at >= n {
                            break 'read;
                        }
                        (e, l) = self.lookup(bytes, at);
                    }
                    if e & (SLOW | EXPAND) != 0 {
                        break;
                    }
                    if white && m > 0 && b.pieces[m - 1] & ALNUM_FOLD != 0 && e & ALNUM_FOLD != 0 {
                        // One space stands for the run.
                        b.pieces[m] = self.space_code;
                        b.starts[m] = run;
                        b.ends[m] = at;
                        m += 1;
                        if m > BLOCK {
                            pos = at;
                            break;
                        }
                    }
                    pos = at;
                } else if e & SLOW != 0 {
                    break;
                } else {
                    let end = pos + l;
                    let (from, count) = self
                        .fold
                        .spans
                        .get((e & CODE_MASK) as usize)
                        .copied()
                        .unwrap_or((0, 0));
                    let pieces = self
                        .fold
                        .pieces
                        .get(from as usize..(from + count) as usize)
                        .unwrap_or_default();
                    if m + pieces.len() > BLOCK {
                        break;
                    }
                    for (k, &piece) in pieces.iter().enumerate() {
                        b.pieces[m] = self.code_of(piece & FOLD_CP)
                            | if k > 0 { NO_START } else { 0 }
                            | if k + 1 < pieces.len() { NO_END } else { 0 }
                            | (piece & ALNUM_FOLD);
                        b.starts[m] = pos;
                        b.ends[m] = end;
                        m += 1;
                    }
                    pos = end;
                    continue;
                }
            }
            let end = pos + l;
            // The entry as it is: the code, and ALNUM_FOLD.
            b.pieces[m] = e;
            b.starts[m] = pos;
            b.ends[m] = end;
            m += 1;
            pos = end;
        }
        b.end = if m > 0 { b.ends[m - 1] } else { pos };
        m
    }

    /// Walks on over the original bytes from `j`, from `node` (whose info is `info`; `alnum`
    /// tells whether the last character walked is an ASCII letter or digit), updating the
    /// longest word so far. Returns where the walk met a character for the producer (or the
    /// whitespace before it), with the node reached and `alnum` there.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn walk_bytes(
        &self,
        bytes: &[u8],
        mut j: usize,
        mut node: u32,
        mut info: u32,
        mut alnum: bool,
        best: &mut u32,
        best_end: &mut usize,
    ) -> Option<(usize, u32, u32, bool)> {
        while info & HAS_KIDS != 0 && j < bytes.len() {
            let (mut e, mut l) = self.lookup(bytes, j);
            let mut at = j;
            if e & GAP != 0 {
                let mut white = false;
                while e & GAP != 0 && at < bytes.len() {
                    white |= e & WHITE != 0;
                    at += l;
                    (e, l) = self.lookup(bytes, at);
                }
                if at >= bytes.len() {
                    return None;
                }
                if e & (SLOW | EXPAND) == 0 && white && alnum && e & ALNUM_FOLD != 0 {
                    // One space stands for the run.
                    match self.step(node, info, self.space_code) {
                        Some((t, ti)) if ti & HAS_KIDS != 0 => (node, info) = (t, ti),
                        _ => return None,
                    }
                }
            }
            if e & (SLOW | EXPAND) != 0 {
                return Some((j, node, info, alnum));
            }
            let (t, ti) = self.step(node, info, e & CODE_MASK)?;
            (node, info) = (t, ti);
            j = at + l;
            alnum = e & ALNUM_FOLD != 0;
            if info & IS_WORD != 0 {
                *best = node;
                *best_end = j;
            }
        }
        None
    }

    /// Where a producer must start to normalise from the character for it at byte `i`,
    /// and the fold's state there: the start of the whitespace run before `i` (the run
    /// decides whether a space comes out), and whether the visible character before that
    /// is an ASCII letter or digit.
    fn producer_start(&self, text: &str, i: usize) -> (usize, bool) {
        let bytes = text.as_bytes();
        let mut g = i;
        while g > 0 {
            let mut k = g - 1;
            while k > 0 && bytes.get(k).is_some_and(|&b| b & 0xC0 == 0x80) {
                k -= 1;
            }
            let (e, _) = self.lookup(bytes, k);
            if e & GAP != 0 {
                g = k;
                continue;
            }
            if e & SLOW == 0 {
                return (g, e & ALNUM_FOLD != 0);
            }
            // A character for the producer: what it folds to on its own decides.
            match text
                .get(k..g)
                .map(crate::normalize::normalize)
                .and_then(|n| n.as_str().chars().next_back())
            {
                Some(last) => return (g, last.is_ascii_alphanumeric()),
                None => g = k,
            }
        }
        (g, false)
    }

    /// Continues a walk over the normalised characters from `window[q]`, producing more on
    /// demand, from `node` (whose info is `info`). Updates `best` and returns the window
    /// index of its last character when the longest word ends in the window.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn walk_window(
        &self,
        producer: &mut Producer<'_>,
        window: &mut Vec<NChar>,
        more: &mut bool,
        mut q: usize,
        mut node: u32,
        mut info: u32,
        best: &mut u32,
    ) -> Option<usize> {
        let mut found = None;
        while info & HAS_KIDS != 0 {
            if q >= window.len() && *more {
                *more = producer.fill(window, q + 1);
            }
            let Some(c) = window.get(q) else {
                break;
            };
            let Some((t, ti)) = self.step(node, info, self.code_of(c.char_code())) else {
                break;
            };
            (node, info) = (t, ti);
            if info & IS_WORD != 0 {
                *best = node;
                found = Some(q);
            }
            q += 1;
        }
        found
    }

    /// The window loop: leftmost-longest over the producer's characters from `window[p]`,
    /// until a position is again a character the block reader handles (returns its byte
    /// offset) or the text ends (returns its length).
    fn window_loop(
        &self,
        text: &str,
        producer: &mut Producer<'_>,
        window: &mut Vec<NChar>,
        mut p: usize,
        mut more: bool,
        f: &mut impl FnMut(NChar, NChar, u32),
    ) -> usize {
        let bytes = text.as_bytes();
        loop {
            if p >= window.len() {
                window.clear();
                p = 0;
                if more {
                    more = producer.fill(window, 1);
                }
            }
            let Some(&first) = window.get(p) else {
                return bytes.len();
            };
            // Back to the blocks at a character that folds to one character by itself:
            // it stands for itself, so nothing is pending before it.
            if first.cp & (NO_START | NO_END) == 0
                && self.lookup(bytes, first.start).0 & (SLOW | GAP | EXPAND) == 0
            {
                return first.start;
            }
            let Some((node, info)) = self.root_child(self.code_of(first.char_code())) else {
                p += 1;
                continue;
            };
            // The longest word so far: its last node and its last character.
            let mut best = if info & IS_WORD != 0 { node } else { 0 };
            let mut best_at = p;
            if let Some(q) =
                self.walk_window(producer, window, &mut more, p + 1, node, info, &mut best)
            {
                best_at = q;
            }
            if best == 0 {
                p += 1;
                continue;
            }
            if let Some(&last) = window.get(best_at) {
                f(first, last, self.value(best).wrapping_sub(1));
            }
            p = best_at + 1;
        }
    }
}

/// Positions whose first two steps are looked up together before the leftmost-longest
/// resolution reads them (one bit each in a `u64`).
const BLOCK: usize = 64;

/// Room in a block: its positions and one more character.
const BLOCK_ROOM: usize = BLOCK + 1;

/// 块 — one block of coded characters read from the original bytes.
struct Block {
    /// Each piece (a character, or one piece of an expansion): its code
    /// ([`CODE_MASK`]), [`ALNUM_FOLD`] if it is an ASCII letter or digit, and [`NO_START`]
    /// and [`NO_END`] inside an expansion. A character's table entry is stored as it is.
    pieces: [u32; BLOCK_ROOM],
    /// Where the original character of each piece starts and ends (for a space piece, the
    /// whitespace run it stands for; no word starts or ends with it, so no hit uses that).
    starts: [usize; BLOCK_ROOM],
    ends: [usize; BLOCK_ROOM],
    /// Per position: its depth-one info, and the pair's unit and info (unit 0: none).
    infos: [u32; BLOCK],
    pairs: [(u32, u32); BLOCK],
    /// Where the last piece read ends (for a space piece, the end of its whitespace run).
    end: usize,
}

impl Default for Block {
    fn default() -> Block {
        Block {
            pieces: [0; BLOCK_ROOM],
            starts: [0; BLOCK_ROOM],
            ends: [0; BLOCK_ROOM],
            infos: [0; BLOCK],
            pairs: [(0, 0); BLOCK],
            end: 0,
        }
    }
}

impl Block {
    /// A match's last character when it ends with piece `k`: where it ends, and
    /// [`NO_END`] if that is inside an expansion.
    #[inline(always)]
    fn last(&self, k: usize) -> NChar {
        NChar {
            cp: self.pieces[k] & NO_END,
            len: 0,
            start: self.ends[k],
        }
    }
}

/// Lays the trie out as a double array: the root's children at their codes, every other
/// node's children at `base + code` for the lowest `base` where all of them are free.
/// Returns the units and the pattern values per unit.
fn place(
    nodes: &[Node],
    code: &std::collections::HashMap<u32, u32>,
    alphabet: usize,
) -> Option<(Vec<Unit>, Vec<u32>)> {
    let free = Unit {
        check: NO_PARENT,
        info: 0,
    };
    let mut units = vec![free; alphabet + 1];
    let mut used = vec![0u64; units.len().div_ceil(64) + 1];
    let mut unit_of = vec![0u32; nodes.len()];
    let mut bases = vec![0u32; nodes.len()];
    let root = nodes.first().copied().unwrap_or_default();
    let is_used =
        |used: &[u64], t: usize| used.get(t / 64).is_some_and(|w| w & (1 << (t % 64)) != 0);
    let mark = |used: &mut Vec<u64>, t: usize| {
        if used.len() <= t / 64 {
            used.resize(t / 64 + 1, 0);
        }
        if let Some(w) = used.get_mut(t / 64) {
            *w |= 1 << (t % 64);
        }
    };
    mark(&mut used, 0);
    for child in root.first..root.end {
        let n = nodes.get(child as usize)?;
        let c = *code.get(&n.label)?;
        *unit_of.get_mut(child as usize)? = c;
        mark(&mut used, c as usize);
        *units.get_mut(c as usize)? = Unit { check: 0, info: 0 };
    }
    let mut first_free = 1usize;
    let mut kid_codes: Vec<u32> = Vec::new();
    // Breadth first again, but every node's children in code order, so that the nodes of
    // frequent characters get the lowest bases and the transitions a text takes most often
    // fall in one small region of the array.
    let code_of_node =
        |child: u32| -> Option<u32> { code.get(&nodes.get(child as usize)?.label).copied() };
    let mut order: std::collections::VecDeque<u32> = (root.first..root.end).collect();
    order
        .make_contiguous()
        .sort_by_key(|&c| code_of_node(c).unwrap_or(u32::MAX));
    let mut sorted_kids: Vec<u32> = Vec::new();
    while let Some(node) = order.pop_front() {
        let node = node as usize;
        let n = *nodes.get(node)?;
        if n.end <= n.first {
            continue;
        }
        sorted_kids.clear();
        sorted_kids.extend(n.first..n.end);
        sorted_kids.sort_by_key(|&c| code_of_node(c).unwrap_or(u32::MAX));
        order.extend(sorted_kids.iter().copied());
        kid_codes.clear();
        for child in n.first..n.end {
            kid_codes.push(code_of_node(child)?);
        }
        let low = *kid_codes.iter().min()? as usize;
        while is_used(&used, first_free) {
            first_free += 1;
        }
        let mut slot = first_free.max(low + 1);
        let base = loop {
            while is_used(&used, slot) {
                slot += 1;
            }
            let base = slot - low;
            if kid_codes
                .iter()
                .all(|&c| !is_used(&used, base + c as usize))
            {
                break base;
            }
            slot += 1;
        };
        let parent = *unit_of.get(node)?;
        for (child, &c) in (n.first..n.end).zip(&kid_codes) {
            let t = base + c as usize;
            if units.len() <= t {
                units.resize(t + 1, free);
            }
            *units.get_mut(t)? = Unit {
                check: parent,
                info: 0,
            };
            mark(&mut used, t);
            *unit_of.get_mut(child as usize)? = u32::try_from(t).ok()?;
        }
        *bases.get_mut(node)? = u32::try_from(base).ok()?;
    }
    if units.len() >= 1 << 30 {
        return None;
    }
    // Room for `base + code` of any base and code, so that a lookup needs no bounds branch.
    units.resize(units.len() + alphabet + 1, free);
    let mut values = vec![0u32; units.len()];
    for (node, n) in nodes.iter().enumerate() {
        let u = *unit_of.get(node)? as usize;
        let flags = (u32::from(n.value != 0) * IS_WORD) | (u32::from(n.end > n.first) * HAS_KIDS);
        let info = (bases.get(node)? << 2) | flags;
        if let Some(unit) = units.get_mut(u) {
            unit.info = info;
        }
        if let Some(v) = values.get_mut(u) {
            *v = n.value;
        }
    }
    units.shrink_to_fit();
    Some((units, values))
}

/// Whether a match from `first` to `last` covers whole original characters (not part of what
/// one character expanded to, like 会社 inside ㍿).
#[inline(always)]
pub(crate) fn whole(first: NChar, last: NChar) -> bool {
    (first.cp & NO_START) | (last.cp & NO_END) == 0
}

/// The original range of a match from `first` to `last`.
#[inline(always)]
pub(crate) fn original_range(first: NChar, last: NChar) -> (usize, usize) {
    (first.start, last.end())
}

/// The normalised words with their ids, for building: a helper for tests.
#[cfg(test)]
pub(crate) fn trie_of(words: &[&str]) -> Option<Trie> {
    let mut list: Vec<(String, u32)> = Vec::new();
    for w in words {
        let n = crate::normalize::normalize_word(w);
        if !n.is_empty() && !list.iter().any(|(x, _)| *x == n) {
            let id = u32::try_from(list.len()).ok()?;
            list.push((n, id));
        }
    }
    Trie::build(&list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn stream(text: &str) -> Vec<NChar> {
        let mut out = Vec::new();
        let mut producer = Producer::new(text);
        // Small batches, to exercise resuming.
        loop {
            let want = out.len() + 3;
            if !producer.fill(&mut out, want) {
                break;
            }
        }
        out
    }

    fn check_stream(text: &str) {
        let chars = stream(text);
        let norm = normalize(text);
        let produced: String = chars.iter().filter_map(|c| c.char()).collect();
        assert_eq!(produced, norm.as_str(), "{text:?}");
        let map = norm.map();
        let mut at = 0;
        for c in &chars {
            let len = c.char().map_or(0, char::len_utf8);
            let (start, end) = c.range();
            assert_eq!(start, map.start(at), "{text:?} start at {at}");
            assert_eq!(end, map.end(at + len), "{text:?} end at {}", at + len);
            assert_eq!(c.can_start(), !map.splits_a_character(at), "{text:?} {at}");
            assert_eq!(
                c.can_end(),
                !map.splits_a_character(at + len),
                "{text:?} {at}"
            );
            at += len;
        }
    }

    #[test]
    fn the_stream_is_the_normalised_text_with_its_map() {
        for text in [
            "",
            "赌博",
            "網上 賭 博!",
            "看ＰＯＲＮ片 hello   World a\u{200B}b",
            "  leading and trailing  ",
            "㍿ ﬁ … ①② e\u{301} x ¨ Ⅻ \u{F900}",
            "HELLO\u{3000}WORLD\u{2028}a\u{2029}",
            "a \u{200B} b",
            "a b",
            "𠀀 🎉 ＡＢＣ１２３，！",
        ] {
            check_stream(text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn the_stream_agrees_with_normalize(
            text in "[赌博賭 \u{3000}\u{200B}\u{FEFF}ＡａBz9，。㍿①…ﬁ¨\u{301}\t\n𠀀a-c]{0,60}",
        ) {
            check_stream(&text);
        }

        #[test]
        fn the_stream_agrees_with_normalize_on_any_text(text in ".{0,40}") {
            check_stream(&text);
        }
    }

    #[test]
    fn the_character_table_folds_every_bmp_character_as_the_producer_does() {
        let trie =
            trie_of(&["赌博", "abc d", "株式会社", "...", "p2p", "中华", "ｘ"]).expect("builds");
        let mut out = Vec::new();
        let mut probe = String::new();
        for cp in 0u32..0x1_0000 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            probe.clear();
            probe.push(c);
            out.clear();
            let mut producer = Producer::at(&probe, 0, false);
            while producer.fill(&mut out, 64) {}
            let (e, len) = trie.lookup(probe.as_bytes(), 0);
            assert_eq!(len, c.len_utf8(), "{c:?}");
            if e & (SLOW | GAP | EXPAND) == 0 {
                // One character, the code of what the producer makes of it.
                assert_eq!(out.len(), 1, "{c:?}");
                let folded = out.first().map_or(0, |n| n.char_code());
                assert_eq!(e & CODE_MASK, trie.code_of(folded), "{c:?}");
                let alnum = char::from_u32(folded).is_some_and(|f| f.is_ascii_alphanumeric());
                assert_eq!(e & ALNUM_FOLD != 0, alnum, "{c:?}");
            } else if e & EXPAND != 0 {
                let (from, count) = trie.fold.spans[(e & CODE_MASK) as usize];
                let pieces: Vec<u32> = trie.fold.pieces[from as usize..(from + count) as usize]
                    .iter()
                    .map(|p| p & FOLD_CP)
                    .collect();
                let produced: Vec<u32> = out.iter().map(|n| n.char_code()).collect();
                assert_eq!(pieces, produced, "{c:?}");
            } else if e & GAP != 0 {
                assert!(out.is_empty(), "{c:?}");
            }
        }
        // Folded characters find their own codes, 賭 and Ｂ those of 赌 and b.
        assert_ne!(trie.code_of(u32::from('赌')), 0);
        assert_eq!(
            trie.lookup("賭".as_bytes(), 0).0 & CODE_MASK,
            trie.code_of(u32::from('赌'))
        );
        assert_eq!(
            trie.lookup("Ｄ".as_bytes(), 0).0 & CODE_MASK,
            trie.code_of(u32::from('d'))
        );
        // The space between ASCII words has the code the words gave it.
        assert_ne!(trie.code_of(u32::from(' ')), 0);
    }

    #[test]
    fn the_trie_finds_the_longest_word_at_the_leftmost_position() {
        let trie = trie_of(&["赌场", "网上赌场", "上赌", "a", "ab", "abc d"]).expect("builds");
        let mut window = Vec::new();
        let mut found = Vec::new();
        trie.leftmost_longest("去网上赌场玩 ab abc d", &mut window, |a, b, _| {
            found.push(original_range(a, b));
        });
        assert_eq!(found, vec![(3, 15), (19, 21), (22, 27)]);
        assert!(trie.node_count() > 1);
    }
}
