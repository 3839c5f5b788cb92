//! 融合匹配 — leftmost-longest matching fused with normalisation, in one pass.
//!
//! The leftmost-longest scan does not build the normalised text. A [`Producer`] reads the
//! original text once and yields normalised characters ([`NChar`]: the character and the
//! byte range of the original it came from) into a small window; a [`Trie`] is walked from
//! each window position, and the longest word starting there wins. Each original character
//! is normalised exactly once; the window only holds what a walk can still look at (the
//! longest word's length), so it stays in L1.
//!
//! Why not an Aho-Corasick automaton here: with tens of thousands of words and everyday
//! characters among them, almost every position of Chinese text starts a word, so an
//! automaton spends its time in failure transitions over a multi-megabyte table, while a
//! trie walk from each position usually ends after one or two steps, in nodes that hot text
//! keeps in cache. The walk costs O(length of the longest word) per position in the worst
//! case, which is bounded by the lists; it finds exactly the leftmost-longest matches (the
//! longest word at the first position where any word starts, then again after it).
//!
//! Layout, for cache locality (hits are dense: most positions of Chinese text start some
//! word, so the cost per position is what counts):
//!
//! * first character: a two-level table over the BMP (256 blocks of 256 `u32`, blocks with
//!   no first character shared), giving the depth-1 node and two flags (is a word, has
//!   children) without touching the nodes;
//! * first two characters: a bitset of hashed pairs (about 32 bits per pair, ≤ 256 KB)
//!   rejects most positions at once; a pair that passes is looked up in an open-addressing
//!   table `first << 16 | second → depth-2 node + flags`;
//! * deeper: a bitset of hashed (node, label) edges rejects most steps; then the node's
//!   children, numbered breadth first so that they are one contiguous run of 16-byte
//!   records, scanned linearly up to 8 and found through a hash table of wide nodes'
//!   edges beyond that.
//!
//! Exactness: [`Producer`] reproduces `normalize` character by character (the same classes,
//! the same whitespace rule, the same NFKC slow path), and each character carries the original
//! range that `OffsetMap::start`/`OffsetMap::end` would give, plus two flags for characters
//! inside a multi-character expansion (㍿ → 株式会社), where a match may not start or end.
//! Tests compare it with `normalize` and the whole scan with a brute-force reference.

use crate::normalize::{ALNUM, ASCII_CLASS, PLAIN, SPACE, UNCHANGED, UPPER, is_zero_width};
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

/// One trie node: the label of the edge into it, the pattern ending here (+1; 0 for none)
/// and the run of its children.
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    label: u32,
    value: u32,
    first: u32,
    end: u32,
}

/// Children lists up to this length are scanned linearly (four records per cache line).
const LINEAR: usize = 8;

/// In a first-character table entry: the character is a word by itself.
const IS_WORD: u32 = 1;
/// In a first-character table entry: some longer word starts with the character.
const HAS_KIDS: u32 = 2;

/// A free slot of [`Trie::wide`].
const EMPTY: u32 = u32::MAX;

/// The words as a trie laid out for leftmost-longest walks (see the module documentation).
pub(crate) struct Trie {
    /// Node 0 is the root; children of a node are contiguous and sorted by label.
    nodes: Vec<Node>,
    /// High byte of a BMP code point → block of `blocks` (block 0 is all zeros).
    index: Box<[u16; 256]>,
    /// Low byte → the depth-1 node for that first character shifted left by 2, with
    /// [`IS_WORD`] and [`HAS_KIDS`]; 0 if no word starts with it.
    blocks: Vec<[u32; 256]>,
    /// One bit per hashed pair of first two characters of the words of two or more
    /// characters: a clear bit proves that no word starts with the pair, without touching
    /// the nodes.
    pairs: Vec<u64>,
    /// `64 - log2(bits in pairs)`.
    pairs_shift: u32,
    /// The depth-2 nodes of BMP pairs, open addressing: `[first << 16 | second, entry]`
    /// with the entry coded like the first-character table; entry 0 for a free slot.
    pair_nodes: Vec<[u32; 2]>,
    /// `64 - log2(pair_nodes.len())`.
    pair_nodes_shift: u32,
    /// One bit per hashed edge (parent, label) out of nodes of depth 2 or more: a clear bit
    /// proves that the edge does not exist.
    edges: Vec<u64>,
    /// `64 - log2(bits in edges)`.
    edges_shift: u32,
    /// Edges out of nodes with more than [`LINEAR`] children, open addressing:
    /// `[parent, label, child]`, `parent == EMPTY` for a free slot.
    wide: Vec<[u32; 3]>,
    /// `64 - log2(wide.len())`: the shift that turns a hash into a slot.
    wide_shift: u32,
    /// Length of the longest word, in characters.
    max_len: usize,
}

/// [`IS_WORD`] and [`HAS_KIDS`] for a node.
#[inline]
fn flags(n: &Node) -> u32 {
    (u32::from(n.value != 0) * IS_WORD) | (u32::from(n.end > n.first) * HAS_KIDS)
}

fn set_bit(bits: &mut [u64], bit: usize) {
    if let Some(word) = bits.get_mut(bit / 64) {
        *word |= 1 << (bit % 64);
    }
}

/// Fibonacci hash of (`a`, `b`) to `64 - shift` bits.
#[inline(always)]
fn hash(a: u32, b: u32, shift: u32) -> usize {
    let key = (u64::from(a) << 32) | u64::from(b);
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

impl Trie {
    /// Builds the trie over `(normalised word, pattern id)`; words must be distinct and
    /// non-empty. Returns None when the ids or the node count do not fit.
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
        // Node ids must leave two bits free in the first-character table.
        if nodes.len() >= 1 << 30 {
            return None;
        }
        let root = nodes.first().copied().unwrap_or_default();
        let mut index = Box::new([0u16; 256]);
        let mut blocks = vec![[0u32; 256]];
        let mut pair_keys = Vec::new();
        for child in root.first..root.end {
            let Some(n) = nodes.get(child as usize).copied() else {
                continue;
            };
            for grandchild in n.first..n.end {
                if let Some(g) = nodes.get(grandchild as usize) {
                    pair_keys.push((n.label, g.label, (grandchild << 2) | flags(g)));
                }
            }
            if n.label >= 0x1_0000 {
                continue;
            }
            let high = (n.label >> 8) as usize & 0xFF;
            if index[high] == 0 {
                index[high] = u16::try_from(blocks.len()).ok()?;
                blocks.push([0u32; 256]);
            }
            if let Some(block) = blocks.get_mut(usize::from(index[high])) {
                block[(n.label & 0xFF) as usize] = (child << 2) | flags(&n);
            }
        }
        // About 32 bits per pair (a false positive rate near 3 %), at most 256 KB.
        let pair_bits = (pair_keys.len() * 32)
            .clamp(1 << 9, 1 << 21)
            .next_power_of_two()
            .trailing_zeros();
        let pairs_shift = 64 - pair_bits;
        let mut pairs = vec![0u64; (1usize << pair_bits) / 64];
        for &(a, b, _) in &pair_keys {
            set_bit(&mut pairs, hash(a, b, pairs_shift));
        }
        let slots_bits = (pair_keys.len() * 2)
            .max(16)
            .next_power_of_two()
            .trailing_zeros();
        let pair_nodes_shift = 64 - slots_bits;
        let mut pair_nodes = vec![[0u32; 2]; 1usize << slots_bits];
        let slot_mask = pair_nodes.len() - 1;
        for &(a, b, entry) in &pair_keys {
            if a >= 0x1_0000 || b >= 0x1_0000 {
                continue;
            }
            let key = (a << 16) | b;
            let mut at = hash(key, 0, pair_nodes_shift);
            while pair_nodes.get(at).is_some_and(|s| s[1] != 0) {
                at = (at + 1) & slot_mask;
            }
            *pair_nodes.get_mut(at)? = [key, entry];
        }
        // Edges out of depth >= 2: the nodes after the root's grandchildren (BFS order).
        let deep_from = pair_keys.len() + (root.end - root.first) as usize + 1;
        let deep_edges = nodes.len().saturating_sub(deep_from);
        let edge_bits = (deep_edges * 16)
            .clamp(1 << 9, 1 << 22)
            .next_power_of_two()
            .trailing_zeros();
        let edges_shift = 64 - edge_bits;
        let mut edges = vec![0u64; (1usize << edge_bits) / 64];
        for (parent, n) in nodes
            .iter()
            .enumerate()
            .skip(1 + (root.end - root.first) as usize)
        {
            let parent = u32::try_from(parent).ok()?;
            for child in n.first..n.end {
                let label = nodes.get(child as usize)?.label;
                set_bit(&mut edges, hash(parent, label, edges_shift));
            }
        }
        // The hash table for wide nodes, at most half full.
        let wide_edges: usize = nodes
            .iter()
            .map(|n| n.end.saturating_sub(n.first) as usize)
            .filter(|&k| k > LINEAR)
            .sum();
        let bits = (wide_edges * 2)
            .max(16)
            .next_power_of_two()
            .trailing_zeros();
        let mut wide = vec![[EMPTY, 0, 0]; 1usize << bits];
        let wide_shift = 64 - bits;
        let mask = wide.len() - 1;
        for (parent, n) in nodes.iter().enumerate() {
            if (n.end.saturating_sub(n.first) as usize) <= LINEAR {
                continue;
            }
            let parent = u32::try_from(parent).ok()?;
            for child in n.first..n.end {
                let label = nodes.get(child as usize)?.label;
                let mut at = hash(parent, label, wide_shift);
                while wide.get(at).is_some_and(|s| s[0] != EMPTY) {
                    at = (at + 1) & mask;
                }
                *wide.get_mut(at)? = [parent, label, child];
            }
        }
        nodes.shrink_to_fit();
        Some(Trie {
            nodes,
            index,
            blocks,
            pairs,
            pairs_shift,
            pair_nodes,
            pair_nodes_shift,
            edges,
            edges_shift,
            wide,
            wide_shift,
            max_len,
        })
    }

    /// Bytes of heap the trie holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + std::mem::size_of::<[u16; 256]>()
            + self.blocks.capacity() * std::mem::size_of::<[u32; 256]>()
            + self.pairs.capacity() * std::mem::size_of::<u64>()
            + self.pair_nodes.capacity() * std::mem::size_of::<[u32; 2]>()
            + self.edges.capacity() * std::mem::size_of::<u64>()
            + self.wide.capacity() * std::mem::size_of::<[u32; 3]>()
    }

    /// How many nodes, the root included.
    #[cfg(test)]
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The first-character entry for `cp` (node << 2 | [`HAS_KIDS`] | [`IS_WORD`]), 0 if no
    /// word starts with it.
    #[inline(always)]
    fn first(&self, cp: u32) -> u32 {
        if cp < 0x1_0000 {
            let block = self.index[(cp >> 8) as usize & 0xFF];
            match self.blocks.get(usize::from(block)) {
                Some(b) => b[(cp & 0xFF) as usize],
                None => 0,
            }
        } else {
            self.entry(self.child(0, cp))
        }
    }

    /// `node` coded like the first-character table (0 for node 0, "none").
    #[inline]
    fn entry(&self, node: u32) -> u32 {
        match self.nodes.get(node as usize) {
            Some(n) if node != 0 => (node << 2) | flags(n),
            _ => 0,
        }
    }

    /// The depth-2 node for first characters `a`, `b`, coded like the first-character table
    /// (0 for none); `node` is the depth-1 node of `a`.
    #[inline(always)]
    fn pair(&self, a: u32, b: u32, node: u32) -> u32 {
        if a >= 0x1_0000 || b >= 0x1_0000 {
            return self.entry(self.child(node, b));
        }
        let key = (a << 16) | b;
        let mask = self.pair_nodes.len().wrapping_sub(1);
        let mut at = hash(key, 0, self.pair_nodes_shift);
        // At most half full, so a free slot ends every probe sequence.
        while let Some(&[k, entry]) = self.pair_nodes.get(at) {
            if entry == 0 || k == key {
                return entry;
            }
            at = (at + 1) & mask;
        }
        0
    }

    /// Whether `node` (of depth 2 or more) may have a child labelled `cp`.
    #[inline(always)]
    fn may_edge(&self, node: u32, cp: u32) -> bool {
        let bit = hash(node, cp, self.edges_shift);
        self.edges
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    /// Whether some word may start with `a` then `b` (false: certainly none does).
    #[inline(always)]
    fn may_pair(&self, a: u32, b: u32) -> bool {
        let bit = hash(a, b, self.pairs_shift);
        self.pairs
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    /// The child of `node` labelled `cp`, 0 if none.
    #[inline(always)]
    fn child(&self, node: u32, cp: u32) -> u32 {
        let Some(n) = self.nodes.get(node as usize) else {
            return 0;
        };
        let Some(kids) = self.nodes.get(n.first as usize..n.end as usize) else {
            return 0;
        };
        if kids.len() <= LINEAR {
            return match kids.iter().position(|k| k.label == cp) {
                Some(k) => n.first + k as u32,
                None => 0,
            };
        }
        let mask = self.wide.len().wrapping_sub(1);
        let mut at = hash(node, cp, self.wide_shift);
        // The table is at most half full, so a free slot ends every probe sequence.
        while let Some(&[parent, label, child]) = self.wide.get(at) {
            if parent == node && label == cp {
                return child;
            }
            if parent == EMPTY {
                return 0;
            }
            at = (at + 1) & mask;
        }
        0
    }

    #[inline(always)]
    fn value(&self, node: u32) -> u32 {
        self.nodes.get(node as usize).map_or(0, |n| n.value)
    }

    /// Leftmost-longest matches of the normalised `text`: `f(first, last, pattern)` per
    /// match, with its first and last normalised characters (their ranges and flags). Uses
    /// `window` as scratch.
    ///
    /// Two modes. Over characters the fold leaves alone (ideographs, lower-case ASCII
    /// letters and digits, most punctuation: nearly all of a Chinese page) the walk decodes
    /// the original bytes directly, with offsets as they are and no producer. At any other
    /// character the producer takes over (a *spill* when a walk that started on unchanged
    /// text runs into it, the window loop when a position itself needs normalising), and
    /// hands back as soon as a position is again an unchanged character.
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
        let unchanged: &[u64; 1024] = &UNCHANGED;
        let mut i = 0;
        while i < bytes.len() {
            let Some((c0, l0)) = decode_unchanged(bytes, i, unchanged) else {
                // A character the fold changes (or whitespace): the producer's window loop
                // from here. The character before `i` is unchanged, so nothing is pending.
                let mut producer = Producer::at(text, i, prev_is_alnum(bytes, i));
                window.clear();
                i = self.window_loop(text, &mut producer, window, 0, true, &mut f);
                continue;
            };
            let entry = self.first(c0);
            if entry == 0 {
                i += l0;
                continue;
            }
            // The longest word so far: its node and the byte offset where it ends.
            let mut best = if entry & IS_WORD != 0 { entry >> 2 } else { 0 };
            let mut best_end = i + l0;
            // Where the walk left unchanged text, and the node it had reached there (0 for
            // none), and whether that node is of depth one.
            let mut spill: Option<(usize, u32, bool)> = None;
            if entry & HAS_KIDS != 0 {
                let j1 = i + l0;
                match decode_unchanged(bytes, j1, unchanged) {
                    Some((c1, l1)) if self.may_pair(c0, c1) => {
                        let pair = self.pair(c0, c1, entry >> 2);
                        let mut j = j1 + l1;
                        if pair & IS_WORD != 0 {
                            best = pair >> 2;
                            best_end = j;
                        }
                        let mut node = pair >> 2;
                        if pair & HAS_KIDS != 0 {
                            while j < bytes.len() {
                                let Some((c, l)) = decode_unchanged(bytes, j, unchanged) else {
                                    spill = Some((j, node, false));
                                    break;
                                };
                                if !self.may_edge(node, c) {
                                    break;
                                }
                                node = self.child(node, c);
                                if node == 0 {
                                    break;
                                }
                                j += l;
                                if self.value(node) != 0 {
                                    best = node;
                                    best_end = j;
                                }
                            }
                        }
                    }
                    Some(_) => {}
                    None if j1 < bytes.len() => spill = Some((j1, entry >> 2, true)),
                    None => {}
                }
            }
            let first = NChar {
                cp: c0,
                len: l0 as u32,
                start: i,
            };
            if let Some((j, node, depth_one)) = spill {
                // Go on over the normalised text from `j`.
                let mut producer = Producer::at(text, j, prev_is_alnum(bytes, j));
                window.clear();
                let mut more = true;
                if let Some(q) = self.walk_window(
                    &mut producer,
                    window,
                    &mut more,
                    0,
                    c0,
                    node,
                    depth_one,
                    &mut best,
                ) {
                    if let Some(&last) = window.get(q) {
                        f(first, last, self.value(best).wrapping_sub(1));
                    }
                    i = self.window_loop(text, &mut producer, window, q + 1, more, &mut f);
                    continue;
                }
            }
            if best == 0 {
                i += l0;
                continue;
            }
            let last = NChar {
                cp: 0,
                len: 0,
                start: best_end,
            };
            f(first, last, self.value(best).wrapping_sub(1));
            i = best_end;
        }
    }

    /// Continues a walk over the normalised characters from `window[at]`, producing more
    /// on demand: from `node`, a depth-one node of first character `c0` when `depth_one`,
    /// deeper otherwise. Updates `best` and returns the window index of its last character
    /// when the longest word ends there.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn walk_window(
        &self,
        producer: &mut Producer<'_>,
        window: &mut Vec<NChar>,
        more: &mut bool,
        mut q: usize,
        c0: u32,
        mut node: u32,
        depth_one: bool,
        best: &mut u32,
    ) -> Option<usize> {
        let mut found = None;
        let mut next = |window: &mut Vec<NChar>, q: usize| -> Option<u32> {
            if q >= window.len() && *more {
                *more = producer.fill(window, q + 1);
            }
            window.get(q).map(|c| c.char_code())
        };
        if depth_one {
            let second = next(window, q)?;
            if !self.may_pair(c0, second) {
                return None;
            }
            let pair = self.pair(c0, second, node);
            if pair & IS_WORD != 0 {
                *best = pair >> 2;
                found = Some(q);
            }
            if pair & HAS_KIDS == 0 {
                return found;
            }
            node = pair >> 2;
            q += 1;
        }
        while let Some(c) = next(window, q)
            && self.may_edge(node, c)
        {
            node = self.child(node, c);
            if node == 0 {
                break;
            }
            if self.value(node) != 0 {
                *best = node;
                found = Some(q);
            }
            q += 1;
        }
        found
    }

    /// The window loop: leftmost-longest over the producer's characters from `window[p]`,
    /// until a position is an unchanged character again (returns its byte offset) or the
    /// text ends (returns its length).
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
        let unchanged: &[u64; 1024] = &UNCHANGED;
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
            let c0 = first.char_code();
            // Back to the byte loop at an unchanged character (one that stands for itself,
            // so nothing is pending before it and nothing of it is expanded).
            if first.cp == c0
                && decode_unchanged(bytes, first.start, unchanged).is_some_and(|(c, _)| c == c0)
            {
                return first.start;
            }
            let entry = self.first(c0);
            if entry == 0 {
                p += 1;
                continue;
            }
            // The longest word so far: its last node and its last character.
            let mut best = if entry & IS_WORD != 0 { entry >> 2 } else { 0 };
            let mut best_at = p;
            if entry & HAS_KIDS != 0
                && let Some(q) = self.walk_window(
                    producer,
                    window,
                    &mut more,
                    p + 1,
                    c0,
                    entry >> 2,
                    true,
                    &mut best,
                )
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

/// Whether the character before byte `at` is an ASCII letter or digit (the fold's state
/// after an unchanged character).
#[inline(always)]
fn prev_is_alnum(bytes: &[u8], at: usize) -> bool {
    at.checked_sub(1)
        .and_then(|k| bytes.get(k))
        .is_some_and(u8::is_ascii_alphanumeric)
}

/// The character at byte `i` and its length, if the fold leaves it as it is: ASCII
/// lower-case letters, digits, punctuation and controls (not whitespace); two- and
/// three-byte characters in [`UNCHANGED`].
#[inline(always)]
fn decode_unchanged(bytes: &[u8], i: usize, unchanged: &[u64; 1024]) -> Option<(u32, usize)> {
    let b = *bytes.get(i)?;
    if b < 0x80 {
        return match ASCII_CLASS[usize::from(b)] {
            ALNUM | PLAIN => Some((u32::from(b), 1)),
            _ => None,
        };
    }
    let (cp, len) = if b >= 0xE0 {
        if b >= 0xF0 {
            return None;
        }
        let b1 = *bytes.get(i + 1)?;
        let b2 = *bytes.get(i + 2)?;
        (
            (u32::from(b & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F),
            3,
        )
    } else {
        let b1 = *bytes.get(i + 1)?;
        ((u32::from(b & 0x1F) << 6) | u32::from(b1 & 0x3F), 2)
    };
    // cp < 0x10000, so the index is below 1024.
    if unchanged[(cp >> 6) as usize & 1023] & (1 << (cp & 63)) != 0 {
        Some((cp, len))
    } else {
        None
    }
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
