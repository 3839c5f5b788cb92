//! 页面中的备案号 — finding the ICP filing, ICP licence and 公安 numbers a text shows.
//!
//! Footers are typed by hand and rendered by themes, so the search is lenient about what
//! sits between the parts (`粤ICP备 17087427号 - 1`, `沪公网安备 31011502009028号`),
//! about full-width digits and about the case of `ICP`. Every candidate is then read by
//! the strict parser of its kind: what parses is *accepted* with its normalised form, what
//! does not is *rejected* with the parser's reason, because a look-alike such as
//! 川ICP备… or 萌ICP备… is exactly what a footer check must point out.
//!
//! Digit runs are always taken whole: `粤ICP备170874270000000号` is a 15-digit run and
//! refused, never cut down to an 8-digit number that happens to be valid.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::icp::IcpFilingNumber;
use super::licence::IcpLicenceNumber;
use super::police::PoliceFilingNumber;
use crate::province::Province;

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

// How the search runs. Every pattern below is the number *without* its optional province
// character: each starts with a literal anchor (`ICP` in any case and width, `公`, a licence
// category letter), so the regex engine can skip through the text with a literal prefilter
// instead of trying every Chinese character as a possible start. The province character is
// then found by looking back from the anchor: the one character before the white space that
// precedes it, if that is a Chinese character other than 号 and lies after the previous match
// of the same pattern. This is exactly what a leading `(?:([\p{Han}&&[^号]])\s*)?` in front
// of the pattern would match under leftmost-first, non-overlapping iteration: the anchor's
// letters are neither Chinese nor white space, so no earlier start can exist, and the part
// after the prefix matches the same with or without it.

/// A digit, half- or full-width.
const DIGIT: &str = "[0-9０-９]";
/// A dash as footers write it.
const DASH: &str = "[-‐‑–－]";
/// `ICP` in any case and width.
const ICP: &str = "[IiＩｉ][CcＣｃ][PpＰｐ]";

/// `京ICP备2024000001号-1` and its looser spellings, from `ICP` on.
static ICP_FILING: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?P<entity>{ICP}\s*备\s*{DIGIT}+(?:\s*号)?)(?:\s*{DASH}\s*(?P<index>{DIGIT}+)(?:\s*号)?)?"
    ))
});

/// The most digits a website index shown in a footer is read with. More is something
/// else: in `京ICP备12345678号 - 2024` the 2024 is a year, not the 2024th website.
const MAX_SITE_INDEX_DIGITS: usize = 3;

/// `京ICP证030173号`, from `ICP` on.
static ICP_CERTIFICATE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"{ICP}\s*证\s*{DIGIT}+(?:\s*号)?")));

/// `粤B2-20090059`, `京B1.B2-…`, `粤A2-…`, `浙B-2-4-…`, national `B2-…`, from the category
/// on.
static CATEGORY_LICENCE: LazyLock<Regex> = LazyLock::new(|| {
    let b = "[BbＢｂ]";
    let category = format!(
        "(?:{b}\\s*[1１]\\s*[.．·、/,，]?\\s*{b}\\s*[2２]|{b}\\s*{DASH}\\s*[2２]\\s*{DASH}\\s*[4４]|{b}\\s*[12１２]|[AaＡａ]\\s*[2２])"
    );
    compile(&format!(
        r"{category}\s*{DASH}\s*{DIGIT}+(?:{DASH}{DIGIT}+)?(?:\s*号)?"
    ))
});

/// `粤公网安备44010502001297号`, from `公` on.
static POLICE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"公\s*网\s*安\s*备\s*{DIGIT}+(?:\s*号)?")));

/// A character that may stand before a number as its province: Chinese, but not the 号 that
/// ends a previous number. Anchored, so it only ever reads one character.
static PREFIX_CHAR: LazyLock<Regex> = LazyLock::new(|| compile(r"\A[\p{Han}&&[^号]]"));

/// Compiles one of the fixed patterns above; a failure is a bug in this file, caught by
/// every test that extracts anything.
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("pattern {pattern}: {e}"))
}

/// Finds every filing, licence and 公安 number in `text`, each distinct number once (at
/// its first position).
pub fn extract_numbers(text: &str) -> Extracted {
    extract(text, true)
}

/// Finds every occurrence of every filing, licence and 公安 number in `text`: a page that
/// shows its number twice, once unlinked and once linked, needs both to judge the link.
pub fn extract_all_numbers(text: &str) -> Extracted {
    extract(text, false)
}

fn extract(text: &str, unique: bool) -> Extracted {
    let mut found = Found {
        unique,
        ..Found::default()
    };
    let mut after = 0;
    for caps in ICP_FILING.captures_iter(text) {
        let (Some(whole), Some(entity)) = (caps.get(0), caps.name("entity")) else {
            continue;
        };
        let start = prefix_start(text, after, whole.start()).unwrap_or(whole.start());
        after = whole.end();
        let index_digits = caps.name("index").map_or(0, |m| m.as_str().chars().count());
        // Without a trailing `- N` whose N is too long to be a website index.
        let range = if index_digits > MAX_SITE_INDEX_DIGITS {
            start..entity.end()
        } else {
            start..whole.end()
        };
        let raw = text.get(range.clone()).unwrap_or_default();
        found.add(
            ShownKind::IcpFiling,
            range,
            IcpFilingNumber::parse(raw).map(|n| n.to_string()),
        );
    }
    for pattern in [&*ICP_CERTIFICATE, &*CATEGORY_LICENCE] {
        let mut after = 0;
        for code in pattern.find_iter(text) {
            let prefix = prefix_start(text, after, code.start());
            after = code.end();
            let Some(range) = licence_range(text, prefix, code.range()) else {
                continue;
            };
            let raw = text.get(range.clone()).unwrap_or_default();
            found.add(
                ShownKind::IcpLicence,
                range,
                IcpLicenceNumber::parse(raw).map(|n| n.to_string()),
            );
        }
    }
    let mut after = 0;
    for m in POLICE.find_iter(text) {
        let start = prefix_start(text, after, m.start()).unwrap_or(m.start());
        after = m.end();
        let range = start..m.end();
        let raw = text.get(range.clone()).unwrap_or_default();
        found.add(
            ShownKind::Police,
            range,
            PoliceFilingNumber::parse(raw).map(|n| n.to_string()),
        );
    }
    found.into_extracted()
}

/// Where the province character of a number whose anchor starts at `anchor` begins: the
/// character before the white space in front of the anchor, if it may be a prefix and does
/// not reach back before `after`, the end of the previous match of the same pattern.
fn prefix_start(text: &str, after: usize, anchor: usize) -> Option<usize> {
    let before = text.get(after..anchor)?;
    let mut chars = before.char_indices().rev();
    let (at, _) = chars.find(|&(_, c)| !c.is_whitespace())?;
    let rest = before.get(at..)?;
    PREFIX_CHAR.is_match(rest).then_some(after + at)
}

/// The range of a licence code: a Chinese character before the code counts as its prefix
/// only if it is a province's (川B2 yes, 编号B2 no: that is a national licence after the
/// word 编号). A code glued to Latin letters or digits is part of some other token (a
/// product code, a hash) and not a licence at all.
fn licence_range(text: &str, prefix: Option<usize>, code: Range<usize>) -> Option<Range<usize>> {
    let prefix = prefix.filter(|&p| {
        text.get(p..)
            .and_then(|s| s.chars().next())
            .is_some_and(Province::is_prefix_like)
    });
    match prefix {
        Some(p) => Some(p..code.end),
        None => {
            let before = text.get(..code.start)?.chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                None
            } else {
                Some(code)
            }
        }
    }
}

/// The matches so far, accepted ones unique by normalised form.
#[derive(Default)]
struct Found {
    extracted: Extracted,
    seen: HashSet<(ShownKind, String)>,
    /// Keep only the first occurrence of each number.
    unique: bool,
}

impl Found {
    fn add<E: ToString>(
        &mut self,
        kind: ShownKind,
        range: Range<usize>,
        parsed: Result<String, E>,
    ) {
        match parsed {
            Ok(normalized) => {
                if self.seen.insert((kind, normalized.clone())) || !self.unique {
                    self.extracted.accepted.push(ShownNumber {
                        kind,
                        range,
                        normalized,
                    });
                }
            }
            Err(e) => {
                let reason = e.to_string();
                if self.seen.insert((kind, format!("\u{0}{reason}"))) || !self.unique {
                    self.extracted.rejected.push(RejectedNumber {
                        kind,
                        range,
                        reason,
                    });
                }
            }
        }
    }

    fn into_extracted(mut self) -> Extracted {
        self.extracted.accepted.sort_by_key(|n| n.range.start);
        self.extracted.rejected.sort_by_key(|n| n.range.start);
        self.extracted
    }
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(text: &str) -> Vec<(ShownKind, String)> {
        extract_numbers(text)
            .accepted
            .into_iter()
            .map(|n| (n.kind, n.normalized))
            .collect()
    }

    /// A text, the numbers expected in it, and why.
    type Case = (&'static str, Vec<(ShownKind, &'static str)>, &'static str);

    #[test]
    fn footer_numbers_are_found_and_normalised() {
        use ShownKind::{IcpFiling, IcpLicence, Police};
        let cases: [Case; 10] = [
            (
                "© 2024 某某科技 粤ICP备 17087427号 - 1",
                vec![(IcpFiling, "粤ICP备17087427号-1")],
                "spaces inside the number",
            ),
            (
                "<p>京ICP证030173号 京ICP备11000002000001号 京公网安备11000002000001号</p>",
                vec![
                    (IcpLicence, "京ICP证030173号"),
                    (Police, "京公网安备11000002000001号"),
                ],
                "baidu-like footer; the 14-digit ICP备 is refused",
            ),
            (
                "沪公网安备 31011502009028号 | 沪ICP备05008812号-3",
                vec![
                    (Police, "沪公网安备31011502009028号"),
                    (IcpFiling, "沪ICP备05008812号-3"),
                ],
                "公安 first",
            ),
            (
                "增值电信业务经营许可证：川B2-20030065号 蜀ICP备12007028号-8",
                vec![
                    (IcpLicence, "川B2-20030065"),
                    (IcpFiling, "蜀ICP备12007028号-8"),
                ],
                "Sichuan: 川 for the licence, 蜀 for the filing",
            ),
            (
                "经营许可证编号B2-20090059",
                vec![(IcpLicence, "B2-20090059")],
                "national licence after a word",
            ),
            (
                "京icp备２０２４０００００１号",
                vec![(IcpFiling, "京ICP备2024000001号")],
                "lower case and full-width digits",
            ),
            (
                "粤ICP备17087427号-1 … 粤ICP备17087427号-1",
                vec![(IcpFiling, "粤ICP备17087427号-1")],
                "shown twice, listed once",
            ),
            (
                "粤A2-20044005 粤B1.B2-20090059",
                vec![
                    (IcpLicence, "粤A2-20044005"),
                    (IcpLicence, "粤B1.B2-20090059"),
                ],
                "A2 and B1.B2",
            ),
            (
                "hash AB2-20090059 x",
                vec![],
                "a code glued to letters is no licence",
            ),
            (
                "京ICP备12345678号 - 2024 版权所有",
                vec![(IcpFiling, "京ICP备12345678号")],
                "a year after a dash is not a website index",
            ),
        ];
        for (text, expected, why) in cases {
            let expected: Vec<(ShownKind, String)> = expected
                .into_iter()
                .map(|(k, s)| (k, s.to_owned()))
                .collect();
            assert_eq!(accepted(text), expected, "{why}");
        }
    }

    #[test]
    fn ranges_point_at_the_raw_text_shown() {
        let text = "备案号：粤ICP备 17087427号 - 1，公安：沪公网安备 31011502009028号";
        let found = extract_numbers(text);
        let raw: Vec<&str> = found
            .accepted
            .iter()
            .map(|n| &text[n.range.clone()])
            .collect();
        assert_eq!(
            raw,
            ["粤ICP备 17087427号 - 1", "沪公网安备 31011502009028号"]
        );
    }

    #[test]
    fn look_alikes_are_rejected_with_a_reason() {
        let cases = [
            (
                "川ICP备12345678号",
                ShownKind::IcpFiling,
                "「蜀」开头",
                "plate alias",
            ),
            (
                "萌ICP备20240001号",
                ShownKind::IcpFiling,
                "「萌」不是31个",
                "joke prefix",
            ),
            (
                "港ICP备12345678号",
                ShownKind::IcpFiling,
                "香港",
                "Hong Kong",
            ),
            (
                "粤ICP备170874270000000号",
                ShownKind::IcpFiling,
                "实际为15位",
                "run not cut",
            ),
            (
                "ICP备12345678号",
                ShownKind::IcpFiling,
                "缺少省份简称",
                "no prefix",
            ),
            (
                "京公网安备44010502001297号",
                ShownKind::Police,
                "表示广东",
                "code mismatch",
            ),
            (
                "粤公网安备4401050200129号",
                ShownKind::Police,
                "实际为13位",
                "13 digits",
            ),
            (
                "川B2-140912-1",
                ShownKind::IcpLicence,
                "实际为6位",
                "short licence",
            ),
        ];
        for (text, kind, reason, why) in cases {
            let found = extract_numbers(text);
            assert!(found.accepted.is_empty(), "{why}: {:?}", found.accepted);
            let [rejected] = found.rejected.as_slice() else {
                panic!("{why}: expected one rejection, got {:?}", found.rejected);
            };
            assert_eq!(rejected.kind, kind, "{why}");
            assert!(
                rejected.reason.contains(reason),
                "{why}: {}",
                rejected.reason
            );
            assert_eq!(&text[rejected.range.clone()], text.trim(), "{why}");
        }
    }

    #[test]
    fn every_occurrence_is_kept_when_asked() {
        let text = "京ICP备2024012345号-1 页脚：京ICP备 2024012345号-1";
        assert_eq!(extract_numbers(text).accepted.len(), 1);
        let all = extract_all_numbers(text).accepted;
        assert_eq!(all.len(), 2);
        assert!(all[0].range.start < all[1].range.start);
        assert_eq!(all[0].normalized, all[1].normalized);
    }

    #[test]
    fn text_without_numbers_yields_nothing() {
        for text in [
            "",
            "版权所有",
            "ICP备案查询",
            "公网安备",
            "B2B 平台",
            "ICP证",
        ] {
            assert_eq!(extract_numbers(text), Extracted::default(), "{text}");
        }
    }
}
