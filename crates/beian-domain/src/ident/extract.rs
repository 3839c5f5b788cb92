//! 页面中的备案号 — finding the ICP filing, ICP licence and 公安 numbers a text shows.
//!
//! TEMPORARY SIGNATURE ONLY: the identifiers helper replaces the body.

use std::ops::Range;

/// What kind of number was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShownKind {
    /// ICP备案号 (主体 or 网站 with -N).
    IcpFiling,
    /// ICP经营许可证号 (ICP证, B1/B2/A2).
    IcpLicence,
    /// 公安联网备案号.
    Police,
}

/// A number found in a text and accepted as well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownNumber {
    /// Its kind.
    pub kind: ShownKind,
    /// Byte range of the raw match in the text searched.
    pub range: Range<usize>,
    /// The normalised form: no spaces, trailing 号 restored (e.g. `粤ICP备17087427号-1`).
    pub normalized: String,
}

/// Something that looks like a number but is not a valid one (e.g. 川ICP备…, 萌ICP备…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedNumber {
    /// The kind it imitates.
    pub kind: ShownKind,
    /// Byte range of the raw match.
    pub range: Range<usize>,
    /// Why it is not accepted, in Chinese.
    pub reason: String,
}

/// Everything number-like in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// Well-formed numbers, in text order.
    pub accepted: Vec<ShownNumber>,
    /// Look-alikes, in text order.
    pub rejected: Vec<RejectedNumber>,
}

/// Finds every filing, licence and 公安 number in `text`.
pub fn extract_numbers(_text: &str) -> Extracted {
    Extracted::default()
}
