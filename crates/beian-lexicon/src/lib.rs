//! 词库与匹配 — word lists as data, and a fast normalising multi-pattern scanner.
//!
//! Nothing here does IO: the lists under `data/` are compiled in with `include_str!`, and
//! scanning is a pure function of the text. The checks crate decides what a hit means; this
//! crate only says which listed word occurs where.
//!
//! Reading order: [`lexicon`] (entries, their scope and severity, the bundled lists),
//! [`normalize()`] (the fold that makes 賭 博, 赌\u{200B}博 and 赌博 the same word, with a map
//! back to original offsets), [`scanner`] (the automaton and its hits), [`reference`](mod@reference) (what the scanner must find, by
//! brute force, for tests and fuzzing).

pub mod lexicon;
mod matcher;
pub mod normalize;
pub mod reference;
pub mod scanner;
mod t2s;

pub use lexicon::{BundledList, Entry, Lexicon, LexiconError, Scope, Severity, bundled};
pub use normalize::{Normalized, OffsetMap, ScanBuffer, normalize, normalize_word};
pub use reference::brute_force_leftmost_longest;
pub use scanner::{CONTEXT_CHARS, Hit, MatchMode, RawHit, Scanner, ScannerBuilder};
