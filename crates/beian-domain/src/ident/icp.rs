//! ICP备案号 — the number a 管局 gives an entity (主体) and each of its websites (网站).
//!
//! `京ICP备2024000001号` is the entity's number and `京ICP备2024000001号-1` its first
//! website's. The prefix is the abbreviation of the province whose 管局 approved the
//! filing, and only the 31 of [`Province`] exist: 川ICP备 is a typo for 蜀ICP备, and
//! 萌ICP备 or 港ICP备 are not filings at all (the first is a fan site's joke, Hong Kong
//! cannot file). The digits are `YY` + serial (8 digits, before 2019 or so), `YYYY` +
//! serial (10 digits) or, for the oldest filings, 6 or 7 digits.

use std::fmt;

use super::text::{compact, shown, split_digits};
use crate::province::Province;

/// The fewest and most digits an entity number carries.
const DIGITS: std::ops::RangeInclusive<usize> = 6..=10;

/// ICP备案号 — an entity number (主体备案号) or a website number (网站备案号, with `-N`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IcpFilingNumber {
    normalized: String,
    province: Province,
    serial: String,
    site_index: Option<u32>,
}

/// Why a text is not an ICP filing number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcpFilingError {
    /// Nothing was given.
    #[error("备案号为空")]
    Empty,
    /// The text does not have the shape of a filing number at all.
    #[error(
        "「{0}」不是ICP备案号：应为“京ICP备2024000001号”或网站备案号“京ICP备2024000001号-1”的形式"
    )]
    NotAFilingNumber(String),
    /// The number is an ICP licence (经营许可证), which is a different thing.
    #[error("「{0}」是ICP经营许可证号（ICP证），不是ICP备案号（ICP备）")]
    IsLicence(String),
    /// No province abbreviation before `ICP`.
    #[error("「{0}」缺少省份简称：备案号应以备案地管局的简称开头，如“京ICP备”“粤ICP备”")]
    MissingProvince(String),
    /// An everyday abbreviation that is not the filing prefix (川 for 蜀 …).
    #[error(
        "「{alias}」不是备案号使用的省份简称：{province}的备案号以「{correct}」开头，应为“{correct}ICP备…”"
    )]
    AliasPrefix {
        /// The prefix shown.
        alias: char,
        /// The filing prefix of the province it stands for.
        correct: char,
        /// That province's name.
        province: &'static str,
    },
    /// Hong Kong, Macao and Taiwan have no 管局 and no filing numbers.
    #[error("「{0}ICP备」不存在：香港、澳门、台湾不办理ICP备案")]
    NoFilingRegion(char),
    /// Any other prefix (萌ICP备 …).
    #[error("「{0}」不是31个省级通信管理局的简称之一，「{0}ICP备」不是有效的ICP备案号")]
    UnknownPrefix(String),
    /// No digits after 备.
    #[error("「{0}」在“ICP备”之后缺少数字")]
    MissingDigits(String),
    /// Too few or too many digits.
    #[error("备案号的数字部分应为6至10位，实际为{count}位（{digits}）")]
    WrongDigitCount {
        /// The digits shown.
        digits: String,
        /// How many there are.
        count: usize,
    },
    /// The website index after the dash is not a number ≥ 1.
    #[error("网站序号应为从1开始的数字，实际为「{0}」")]
    BadSiteIndex(String),
    /// Something follows the number.
    #[error("备案号之后有多余的内容「{0}」")]
    TrailingText(String),
}

impl IcpFilingNumber {
    /// Reads a filing number, leniently: spaces, full-width digits and letters, lower-case
    /// `icp`, a missing 号 and `-N号` instead of `号-N` are all accepted.
    pub fn parse(input: &str) -> Result<Self, IcpFilingError> {
        // Upper-casing touches only ASCII letters: the prefix and digits stay as they are.
        let text = compact(input).to_ascii_uppercase();
        let text = text.as_str();
        if text.is_empty() {
            return Err(IcpFilingError::Empty);
        }
        let Some(at) = text.find("ICP") else {
            return Err(IcpFilingError::NotAFilingNumber(shown(input)));
        };
        let (prefix, rest) = (&text[..at], &text[at + "ICP".len()..]);
        let rest = if let Some(rest) = rest.strip_prefix('备') {
            rest
        } else if rest.starts_with('证') {
            return Err(IcpFilingError::IsLicence(shown(input)));
        } else {
            return Err(IcpFilingError::NotAFilingNumber(shown(input)));
        };
        let province = province_of_prefix(prefix, input)?;

        let (serial, rest) = split_digits(rest);
        if serial.is_empty() {
            return Err(IcpFilingError::MissingDigits(shown(input)));
        }
        if !DIGITS.contains(&serial.len()) {
            return Err(IcpFilingError::WrongDigitCount {
                digits: shown(serial),
                count: serial.len(),
            });
        }
        let site_index = parse_site_suffix(rest)?;
        Ok(IcpFilingNumber::from_parts(
            province,
            serial.to_owned(),
            site_index,
        ))
    }

    fn from_parts(province: Province, serial: String, site_index: Option<u32>) -> Self {
        let mut normalized = format!("{}ICP备{serial}号", province.abbreviation());
        if let Some(n) = site_index {
            normalized.push_str(&format!("-{n}"));
        }
        IcpFilingNumber {
            normalized,
            province,
            serial,
            site_index,
        }
    }

    /// The normalised form, e.g. `京ICP备2024000001号-1`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The province whose 管局 approved the filing.
    pub fn province(&self) -> Province {
        self.province
    }

    /// The digits between 备 and 号.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The website index N of a `号-N` number; `None` for an entity number.
    pub fn site_index(&self) -> Option<u32> {
        self.site_index
    }

    /// Whether this is a website number (has `-N`).
    pub fn is_site(&self) -> bool {
        self.site_index.is_some()
    }

    /// The entity number this number belongs to (itself without `-N`).
    pub fn entity_number(&self) -> IcpFilingNumber {
        IcpFilingNumber::from_parts(self.province, self.serial.clone(), None)
    }

    /// Whether the number predates the `YY`/`YYYY` + serial scheme (fewer than 8 digits).
    pub fn is_legacy(&self) -> bool {
        self.serial.len() < 8
    }

    /// The year of first approval encoded in the digits: `YY` of an 8-digit number
    /// (90–99 read as 19YY, filing began in the late 1990s; the rest as 20YY) or `YYYY`
    /// of a 10-digit one. Other lengths carry no year.
    pub fn approved_year(&self) -> Option<u16> {
        match self.serial.len() {
            8 => {
                let yy: u16 = self.serial.get(..2)?.parse().ok()?;
                Some(if yy >= 90 { 1900 + yy } else { 2000 + yy })
            }
            10 => self.serial.get(..4)?.parse().ok(),
            _ => None,
        }
    }

    /// Whether both numbers name the same entity (same prefix and digits), whatever
    /// their website indexes: a footer may show either the entity or a site number.
    pub fn belongs_to(&self, other: &IcpFilingNumber) -> bool {
        self.province == other.province && self.serial == other.serial
    }
}

/// The province of the prefix before `ICP`, or the error that explains the prefix.
fn province_of_prefix(prefix: &str, input: &str) -> Result<Province, IcpFilingError> {
    let mut chars = prefix.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return Err(if prefix.is_empty() {
            IcpFilingError::MissingProvince(shown(input))
        } else {
            IcpFilingError::UnknownPrefix(shown(prefix))
        });
    };
    if let Some(province) = Province::from_abbreviation(c) {
        return Ok(province);
    }
    if let Some(province) = Province::from_alias(c) {
        return Err(IcpFilingError::AliasPrefix {
            alias: c,
            correct: province.abbreviation(),
            province: province.name(),
        });
    }
    if matches!(c, '港' | '澳' | '台') {
        return Err(IcpFilingError::NoFilingRegion(c));
    }
    Err(IcpFilingError::UnknownPrefix(c.to_string()))
}

/// Reads what follows the digits: nothing, `号`, `号-N`, `-N` or `-N号`.
fn parse_site_suffix(rest: &str) -> Result<Option<u32>, IcpFilingError> {
    let rest = rest.strip_prefix('号').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(None);
    }
    let Some(after_dash) = rest.strip_prefix('-') else {
        return Err(IcpFilingError::TrailingText(shown(rest)));
    };
    let (index, tail) = split_digits(after_dash);
    let tail = tail.strip_prefix('号').unwrap_or(tail);
    if !tail.is_empty() {
        return Err(IcpFilingError::TrailingText(shown(rest)));
    }
    match index.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(IcpFilingError::BadSiteIndex(shown(after_dash))),
    }
}

impl fmt::Display for IcpFilingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl std::str::FromStr for IcpFilingNumber {
    type Err = IcpFilingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IcpFilingNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_filing_numbers_parse_to_their_normalised_form() {
        let cases = [
            (
                "京ICP备14032460号",
                "京ICP备14032460号",
                "old 8-digit entity number",
            ),
            (
                "陇ICP备2021003158号",
                "陇ICP备2021003158号",
                "new 10-digit, 甘肃",
            ),
            ("蜀ICP备2026007879号", "蜀ICP备2026007879号", "四川 uses 蜀"),
            ("京ICP备13052560号-1", "京ICP备13052560号-1", "site number"),
            (
                "粤ICP备 17087427号 - 1",
                "粤ICP备17087427号-1",
                "spaces as shown in footers",
            ),
            (
                "京ICP备２０２４０００００１号－２",
                "京ICP备2024000001号-2",
                "full-width digits and dash",
            ),
            (
                "京icp备2024000001号",
                "京ICP备2024000001号",
                "lower-case icp",
            ),
            (
                "京ＩＣＰ备2024000001号",
                "京ICP备2024000001号",
                "full-width letters",
            ),
            ("沪ICP备05008812", "沪ICP备05008812号", "missing 号"),
            (
                "沪ICP备05008812-3",
                "沪ICP备05008812号-3",
                "missing 号 before -N",
            ),
            ("沪ICP备05008812-3号", "沪ICP备05008812号-3", "-N号 order"),
            (
                "浙ICP备061234号",
                "浙ICP备061234号",
                "6-digit legacy number",
            ),
            (
                " 黔ICP备2023001234号-12 ",
                "黔ICP备2023001234号-12",
                "surrounding spaces",
            ),
        ];
        for (input, expected, why) in cases {
            let parsed = IcpFilingNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
            assert_eq!(parsed.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn look_alikes_are_refused_with_a_message_naming_the_problem() {
        let cases = [
            ("", "备案号为空", "empty"),
            ("   ", "备案号为空", "blank"),
            (
                "川ICP备12345678号",
                "「蜀」开头",
                "川 is the plate abbreviation",
            ),
            (
                "甘ICP备2021003158号",
                "陇ICP备",
                "甘 is not the filing prefix",
            ),
            ("贵ICP备2021003158号", "贵州", "贵 names 贵州"),
            ("云ICP备2021003158号", "滇", "云 is 滇"),
            (
                "萌ICP备20240001号",
                "「萌」不是31个",
                "fan-site joke prefix",
            ),
            (
                "港ICP备12345678号",
                "香港、澳门、台湾",
                "Hong Kong cannot file",
            ),
            ("台ICP备12345678号", "台湾", "Taiwan cannot file"),
            ("ICP备12345678号", "缺少省份简称", "no prefix"),
            (
                "北京ICP备12345678号",
                "「北京」不是",
                "two-character prefix",
            ),
            ("京ICP证030173号", "经营许可证", "a licence, not a filing"),
            ("京ICP备12345号", "实际为5位", "too few digits"),
            (
                "粤ICP备170874270000000号",
                "实际为15位",
                "digit run too long",
            ),
            ("京ICP备号", "缺少数字", "no digits"),
            (
                "京ICP备12345678号-0",
                "实际为「0」",
                "site index starts at 1",
            ),
            ("京ICP备12345678号-", "网站序号", "dash without index"),
            (
                "京ICP备12345678号-99999999999",
                "网站序号",
                "index overflows",
            ),
            (
                "京ICP备12345678号-1 版权所有",
                "多余的内容",
                "trailing text",
            ),
            (
                "京公网安备11010502030143号",
                "不是ICP备案号",
                "a 公安 number",
            ),
            ("example.com", "不是ICP备案号", "not a number at all"),
        ];
        for (input, expected, why) in cases {
            let err = IcpFilingNumber::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn an_alias_error_names_the_right_prefix() {
        let err = IcpFilingNumber::parse("川ICP备12345678号").expect_err("alias");
        assert_eq!(
            err,
            IcpFilingError::AliasPrefix {
                alias: '川',
                correct: '蜀',
                province: "四川"
            }
        );
        assert_eq!(
            err.to_string(),
            "「川」不是备案号使用的省份简称：四川的备案号以「蜀」开头，应为“蜀ICP备…”"
        );
    }

    #[test]
    fn accessors_split_entity_and_site() {
        let site = IcpFilingNumber::parse("京ICP备2024000001号-3").expect("valid");
        assert_eq!(site.province().name(), "北京");
        assert_eq!(site.serial(), "2024000001");
        assert_eq!(site.site_index(), Some(3));
        assert!(site.is_site());
        assert!(!site.is_legacy());
        let entity = site.entity_number();
        assert_eq!(entity.to_string(), "京ICP备2024000001号");
        assert!(!entity.is_site());
        assert_eq!(entity.site_index(), None);
        assert!(site.belongs_to(&entity));
        assert!(entity.belongs_to(&site));
    }

    #[test]
    fn numbers_of_another_entity_or_province_do_not_belong() {
        let a = IcpFilingNumber::parse("京ICP备2024000001号-1").expect("valid");
        let b = IcpFilingNumber::parse("京ICP备2024000002号-1").expect("valid");
        let c = IcpFilingNumber::parse("津ICP备2024000001号-1").expect("valid");
        assert!(!a.belongs_to(&b));
        assert!(!a.belongs_to(&c));
    }

    #[test]
    fn the_year_of_approval_is_read_from_the_digits() {
        let year = |s: &str| IcpFilingNumber::parse(s).expect("valid").approved_year();
        assert_eq!(year("京ICP备14032460号"), Some(2014));
        assert_eq!(year("京ICP备05008812号"), Some(2005));
        assert_eq!(year("京ICP备99008812号"), Some(1999));
        assert_eq!(year("陇ICP备2021003158号"), Some(2021));
        assert_eq!(year("浙ICP备061234号"), None);
        assert_eq!(year("浙ICP备123456789号"), None);
    }

    #[test]
    fn short_numbers_are_legacy() {
        assert!(
            IcpFilingNumber::parse("浙ICP备061234号")
                .expect("6")
                .is_legacy()
        );
        assert!(
            IcpFilingNumber::parse("浙ICP备0612345号")
                .expect("7")
                .is_legacy()
        );
        assert!(
            !IcpFilingNumber::parse("浙ICP备06123456号")
                .expect("8")
                .is_legacy()
        );
    }

    #[test]
    fn every_one_of_the_31_prefixes_is_accepted() {
        for p in crate::province::PROVINCES {
            let text = format!("{}ICP备2024000001号", p.abbreviation());
            let parsed = IcpFilingNumber::parse(&text).expect("31 prefixes");
            assert_eq!(parsed.province(), p);
        }
    }
}
