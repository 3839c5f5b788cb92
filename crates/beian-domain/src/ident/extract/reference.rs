//! The extractor as it was before the literal-anchored rewrite, kept verbatim as the oracle
//! for a property test: the rewrite must give identical results on any text.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::{Extracted, RejectedNumber, ShownKind, ShownNumber};
use crate::ident::icp::IcpFilingNumber;
use crate::ident::licence::IcpLicenceNumber;
use crate::ident::police::PoliceFilingNumber;
use crate::province::Province;

/// A possible prefix: one Chinese character, but not the 号 that ends a previous number.
const PREFIX: &str = r"(?:(?P<prefix>[\p{Han}&&[^号]])\s*)?";
/// A digit, half- or full-width.
const DIGIT: &str = "[0-9０-９]";
/// A dash as footers write it.
const DASH: &str = "[-‐‑–－]";
/// `ICP` in any case and width.
const ICP: &str = "[IiＩｉ][CcＣｃ][PpＰｐ]";

/// `京ICP备2024000001号-1` and its looser spellings.
static ICP_FILING: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?P<entity>{PREFIX}{ICP}\s*备\s*{DIGIT}+(?:\s*号)?)(?P<site>\s*{DASH}\s*(?P<index>{DIGIT}+)(?:\s*号)?)?"
    ))
});

/// The most digits a website index shown in a footer is read with. More is something
/// else: in `京ICP备12345678号 - 2024` the 2024 is a year, not the 2024th website.
const MAX_SITE_INDEX_DIGITS: usize = 3;

/// `京ICP证030173号`.
static ICP_CERTIFICATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"{PREFIX}(?P<code>{ICP}\s*证\s*{DIGIT}+(?:\s*号)?)"
    ))
});

/// `粤B2-20090059`, `京B1.B2-…`, `粤A2-…`, `浙B-2-4-…`, national `B2-…`.
static CATEGORY_LICENCE: LazyLock<Regex> = LazyLock::new(|| {
    let b = "[BbＢｂ]";
    let category = format!(
        "(?:{b}\\s*[1１]\\s*[.．·、/,，]?\\s*{b}\\s*[2２]|{b}\\s*{DASH}\\s*[2２]\\s*{DASH}\\s*[4４]|{b}\\s*[12１２]|[AaＡａ]\\s*[2２])"
    );
    compile(&format!(
        r"{PREFIX}(?P<code>{category}\s*{DASH}\s*{DIGIT}+(?:{DASH}{DIGIT}+)?(?:\s*号)?)"
    ))
});

/// `粤公网安备44010502001297号`.
static POLICE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"{PREFIX}公\s*网\s*安\s*备\s*{DIGIT}+(?:\s*号)?")));

/// Compiles one of the fixed patterns above; a failure is a bug in this file, caught by
/// every test that extracts anything.
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("pattern {pattern}: {e}"))
}

/// Finds every filing, licence and 公安 number in `text`, each distinct number once (at
/// its first position).
pub(super) fn extract_numbers(text: &str) -> Extracted {
    extract(text, true)
}

/// Finds every occurrence of every filing, licence and 公安 number in `text`: a page that
/// shows its number twice, once unlinked and once linked, needs both to judge the link.
pub(super) fn extract_all_numbers(text: &str) -> Extracted {
    extract(text, false)
}

fn extract(text: &str, unique: bool) -> Extracted {
    let mut found = Found {
        unique,
        ..Found::default()
    };
    for caps in ICP_FILING.captures_iter(text) {
        let Some(range) = filing_range(&caps) else {
            continue;
        };
        let raw = text.get(range.clone()).unwrap_or_default();
        found.add(
            ShownKind::IcpFiling,
            range,
            IcpFilingNumber::parse(raw).map(|n| n.to_string()),
        );
    }
    for caps in ICP_CERTIFICATE
        .captures_iter(text)
        .chain(CATEGORY_LICENCE.captures_iter(text))
    {
        let Some(range) = licence_range(text, &caps) else {
            continue;
        };
        let raw = text.get(range.clone()).unwrap_or_default();
        found.add(
            ShownKind::IcpLicence,
            range,
            IcpLicenceNumber::parse(raw).map(|n| n.to_string()),
        );
    }
    for caps in POLICE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        found.add(
            ShownKind::Police,
            whole.range(),
            PoliceFilingNumber::parse(whole.as_str()).map(|n| n.to_string()),
        );
    }
    found.into_extracted()
}

/// The range of a filing match, without a trailing `- N` whose N is too long to be a
/// website index.
fn filing_range(caps: &Captures<'_>) -> Option<Range<usize>> {
    let whole = caps.get(0)?;
    let index_digits = caps.name("index").map_or(0, |m| m.as_str().chars().count());
    if index_digits > MAX_SITE_INDEX_DIGITS {
        Some(caps.name("entity")?.range())
    } else {
        Some(whole.range())
    }
}

/// The range of a licence match: a Chinese character before the code counts as its
/// prefix only if it is a province's (川B2 yes, 编号B2 no: that is a national licence
/// after the word 编号). A code glued to Latin letters or digits is part of some other
/// token (a product code, a hash) and not a licence at all.
fn licence_range(text: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
    let code = caps.name("code")?;
    let prefix = caps.name("prefix").filter(|p| {
        p.as_str()
            .chars()
            .next()
            .is_some_and(Province::is_prefix_like)
    });
    match prefix {
        Some(p) => Some(p.start()..code.end()),
        None => {
            let before = text.get(..code.start())?.chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                None
            } else {
                Some(code.range())
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
mod props {
    use proptest::prelude::*;

    use super::super::{extract_all_numbers, extract_numbers};

    /// What footers are made of: real numbers in all their spellings, look-alikes, the
    /// separate parts of a number, Chinese text and ASCII noise.
    const PIECES: &[&str] = &[
        "京ICP备2024000001号-1",
        "粤ICP备 17087427号 - 1",
        "京ICP备12345678号 - 2024",
        "京ICP备11000002000001号",
        "川ICP备12345678号",
        "萌ICP备20240001号",
        "港ICP备12345678号",
        "蜀ICP备12007028号-8",
        "京icp备２０２４０００００１号",
        "沪ＩＣＰ备05008812号－3",
        "浙ｉｃｐ备",
        "ICP备12345678号",
        "ICP证",
        "京ICP证030173号",
        "京 ICP 证 030173 号",
        "川B2-20030065号",
        "川B2-140912-1",
        "粤A2-20044005",
        "粤B1.B2-20090059",
        "京Ｂ１、Ｂ２－20090059",
        "浙B-2-4-20080001",
        "B2-20090059",
        "编号B2-20090059",
        "AB2-20090059",
        "京公网安备11000002000001号",
        "沪公网安备 31011502009028号",
        "粤 公 网 安 备 44010502001297 号",
        "京公网安备44010502001297号",
        "公网安备",
        "ICP",
        "icp",
        "ＩＣＰ",
        "ｉcＰ",
        "备",
        "证",
        "号",
        "公",
        "网",
        "安",
        "京",
        "粤",
        "川",
        "蜀",
        "萌",
        "港",
        "沪",
        "编号",
        "版权所有",
        "公司",
        "增值电信业务经营许可证：",
        "备案号：",
        "-",
        "－",
        "–",
        "‐",
        "‑",
        ".",
        "·",
        "、",
        "，",
        "/",
        " ",
        "  ",
        "\u{3000}",
        "\u{a0}",
        "\n",
        "\t",
        "\u{2028}",
        "B",
        "b",
        "Ｂ",
        "A",
        "ａ",
        "1",
        "2",
        "２",
        "4",
        "12345678",
        "２０２４",
        "0",
        "x",
        "Z9",
        "hash",
        "©",
        "2024",
        "<p>",
        "\u{200b}",
        "😀",
    ];

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => proptest::sample::select(PIECES).prop_map(str::to_owned),
            2 => "[0-9]{1,16}",
            1 => "[０-９]{1,10}",
            1 => "[a-zA-Z ]{1,6}",
            1 => "[\\p{Han}]{1,3}",
            1 => any::<char>().prop_map(String::from),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn rewrite_matches_the_reference(text in text()) {
            prop_assert_eq!(extract_numbers(&text), super::extract_numbers(&text));
            prop_assert_eq!(extract_all_numbers(&text), super::extract_all_numbers(&text));
        }
    }

    /// The look-back for the province character reads white space with `char::is_whitespace`,
    /// the reference with the regex `\s`: they must agree on every character.
    #[test]
    fn white_space_agrees_with_the_regex_class() {
        let space = regex::Regex::new(r"\A\s\z").unwrap_or_else(|e| unreachable!("{e}"));
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            assert_eq!(
                c.is_whitespace(),
                space.is_match(c.encode_utf8(&mut buf)),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
}
