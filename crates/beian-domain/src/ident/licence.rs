//! ICP经营许可证 — the licence a commercial (经营性) site needs on top of its filing.
//!
//! Unlike a filing number, a licence number names a *category* of value-added telecom
//! service: `粤B2-20090059` is a category-B2 licence issued by Guangdong in 2009. The
//! early form `京ICP证030173号` (baidu.com) is still shown by the oldest holders, and
//! licences issued by MIIT itself carry no province (`B2-20090059`).
//!
//! Licence prefixes follow everyday usage, not the filing prefixes: Sichuan issues
//! `川B2-…` while its filings are `蜀ICP备…`. So the aliases that [`IcpFilingNumber`]
//! refuses are accepted here and kept as shown.
//!
//! [`IcpFilingNumber`]: super::icp::IcpFilingNumber

use std::fmt;

use super::text::{compact, shown, split_digits};
use crate::province::Province;

/// 许可证类别 — the licence category, as written in its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LicenceKind {
    /// `ICP证` — the early form of the commercial ICP licence, 6 digits.
    IcpCertificate,
    /// `B1` — 第一类增值电信业务.
    B1,
    /// `B2` — 第二类增值电信业务 (the usual ICP licence).
    B2,
    /// `B1.B2` — both categories on one licence.
    B1B2,
    /// `A2` — 第二类基础电信业务.
    A2,
    /// `B-2-4` — the pre-2003 way of writing a B2 licence.
    LegacyB24,
}

impl LicenceKind {
    /// The code as written in the number (`B2`, `B1.B2`, `ICP证` …).
    pub fn code(self) -> &'static str {
        match self {
            LicenceKind::IcpCertificate => "ICP证",
            LicenceKind::B1 => "B1",
            LicenceKind::B2 => "B2",
            LicenceKind::B1B2 => "B1.B2",
            LicenceKind::A2 => "A2",
            LicenceKind::LegacyB24 => "B-2-4",
        }
    }

    /// The Chinese name of the category.
    pub fn label(self) -> &'static str {
        match self {
            LicenceKind::IcpCertificate => "互联网信息服务经营许可证（ICP证）",
            LicenceKind::B1 => "第一类增值电信业务经营许可证",
            LicenceKind::B2 | LicenceKind::LegacyB24 => "第二类增值电信业务经营许可证",
            LicenceKind::B1B2 => "第一类、第二类增值电信业务经营许可证",
            LicenceKind::A2 => "第二类基础电信业务经营许可证",
        }
    }

    /// How many digits follow the code.
    fn digit_count(self) -> usize {
        match self {
            LicenceKind::IcpCertificate => 6,
            _ => 8,
        }
    }
}

impl fmt::Display for LicenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// ICP经营许可证号 — a licence number such as `粤B2-20090059` or `京ICP证030173号`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IcpLicenceNumber {
    normalized: String,
    prefix: Option<char>,
    province: Option<Province>,
    kind: LicenceKind,
    digits: String,
}

/// Why a text is not an ICP licence number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcpLicenceError {
    /// Nothing was given.
    #[error("许可证号为空")]
    Empty,
    /// Not the shape of any licence number.
    #[error("「{0}」不是ICP经营许可证号：应为“粤B2-20090059”“京ICP证030173号”等形式")]
    NotALicence(String),
    /// An ICP filing number was given where a licence was expected.
    #[error("「{0}」是ICP备案号（ICP备），不是经营许可证号（ICP证或B2等）")]
    IsFiling(String),
    /// The prefix is not a province.
    #[error("「{0}」不是省份简称，「{0}」开头的许可证号无效")]
    UnknownPrefix(String),
    /// `ICP证` numbers always carry the issuing province.
    #[error("「{0}」缺少省份简称：ICP证号应以发证地简称开头，如“京ICP证030173号”")]
    MissingProvince(String),
    /// The digits are missing or of the wrong length.
    #[error("{kind}许可证号的数字部分应为{expected}位，实际为{count}位（{digits}）")]
    WrongDigitCount {
        /// The category read.
        kind: LicenceKind,
        /// How many digits it needs.
        expected: usize,
        /// How many were shown.
        count: usize,
        /// The digits shown.
        digits: String,
    },
    /// Something follows the number.
    #[error("许可证号之后有多余的内容「{0}」")]
    TrailingText(String),
}

/// The ways `B1.B2` is written, longest first.
const B1B2_FORMS: [&str; 6] = ["B1.B2", "B1·B2", "B1、B2", "B1/B2", "B1,B2", "B1B2"];

impl IcpLicenceNumber {
    /// Reads a licence number, leniently: spaces, full-width characters, a trailing 号 and
    /// a site index `-N` copied from the filing number are accepted; the `-N` and, except
    /// for `ICP证`, the 号 are not part of the normalised number.
    pub fn parse(input: &str) -> Result<Self, IcpLicenceError> {
        let text = compact(input).to_ascii_uppercase();
        let Some(first) = text.chars().next() else {
            return Err(IcpLicenceError::Empty);
        };
        if text.contains("ICP备") {
            return Err(IcpLicenceError::IsFiling(shown(input)));
        }
        let (prefix, body) = if first.is_ascii() {
            (None, text.as_str())
        } else {
            (Some(first), &text[first.len_utf8()..])
        };
        let (kind, after_code) =
            read_kind(body).ok_or_else(|| IcpLicenceError::NotALicence(shown(input)))?;
        let province = match prefix {
            None if kind == LicenceKind::IcpCertificate => {
                return Err(IcpLicenceError::MissingProvince(shown(input)));
            }
            None => None,
            Some(p) => Some(
                Province::from_abbreviation(p)
                    .or_else(|| Province::from_alias(p))
                    .ok_or_else(|| IcpLicenceError::UnknownPrefix(p.to_string()))?,
            ),
        };
        let (digits, rest) = split_digits(after_code);
        if digits.len() != kind.digit_count() {
            return Err(IcpLicenceError::WrongDigitCount {
                kind,
                expected: kind.digit_count(),
                count: digits.len(),
                digits: shown(digits),
            });
        }
        check_tail(rest)?;
        let shown_prefix = prefix.map(String::from).unwrap_or_default();
        let normalized = match kind {
            LicenceKind::IcpCertificate => format!("{shown_prefix}ICP证{digits}号"),
            _ => format!("{shown_prefix}{}-{digits}", kind.code()),
        };
        Ok(IcpLicenceNumber {
            normalized,
            prefix,
            province,
            kind,
            digits: digits.to_owned(),
        })
    }

    /// The normalised form, e.g. `粤B2-20090059`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The licence category.
    pub fn kind(&self) -> LicenceKind {
        self.kind
    }

    /// The issuing province; `None` for a licence issued nationally by MIIT.
    pub fn province(&self) -> Option<Province> {
        self.province
    }

    /// The prefix character as shown (川 stays 川).
    pub fn prefix(&self) -> Option<char> {
        self.prefix
    }

    /// Whether MIIT issued the licence (no province prefix).
    pub fn is_national(&self) -> bool {
        self.prefix.is_none()
    }

    /// The digits of the number.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The year of issue that the 8 digits of `B2-YYYYnnnn` begin with.
    pub fn issued_year(&self) -> Option<u16> {
        if self.kind == LicenceKind::IcpCertificate {
            return None;
        }
        self.digits.get(..4)?.parse().ok()
    }
}

/// Reads the category code and the dash after it; returns what follows.
fn read_kind(body: &str) -> Option<(LicenceKind, &str)> {
    if let Some(rest) = body.strip_prefix("ICP证") {
        return Some((LicenceKind::IcpCertificate, rest));
    }
    let forms = B1B2_FORMS
        .iter()
        .map(|form| (*form, LicenceKind::B1B2))
        .chain([
            ("B-2-4", LicenceKind::LegacyB24),
            ("B1", LicenceKind::B1),
            ("B2", LicenceKind::B2),
            ("A2", LicenceKind::A2),
        ]);
    for (form, kind) in forms {
        if let Some(rest) = body.strip_prefix(form) {
            return Some((kind, rest.strip_prefix('-').unwrap_or(rest)));
        }
    }
    None
}

/// Accepts nothing, `号`, `-N`, `号-N`, `-N号` after the digits.
fn check_tail(rest: &str) -> Result<(), IcpLicenceError> {
    let tail = rest.strip_prefix('号').unwrap_or(rest);
    let tail = match tail.strip_prefix('-') {
        Some(after_dash) => {
            let (index, after) = split_digits(after_dash);
            if index.is_empty() {
                tail
            } else {
                after.strip_prefix('号').unwrap_or(after)
            }
        }
        None => tail,
    };
    if tail.is_empty() {
        Ok(())
    } else {
        Err(IcpLicenceError::TrailingText(shown(rest)))
    }
}

impl fmt::Display for IcpLicenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl std::str::FromStr for IcpLicenceNumber {
    type Err = IcpLicenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IcpLicenceNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_licence_numbers_parse_to_their_normalised_form() {
        let cases = [
            (
                "京ICP证030173号",
                "京ICP证030173号",
                LicenceKind::IcpCertificate,
                "baidu.com",
            ),
            (
                "京ICP证150476号",
                "京ICP证150476号",
                LicenceKind::IcpCertificate,
                "Tencent",
            ),
            (
                "京icp证 030173",
                "京ICP证030173号",
                LicenceKind::IcpCertificate,
                "lower case, no 号",
            ),
            (
                "粤B2-20090059",
                "粤B2-20090059",
                LicenceKind::B2,
                "Tencent's B2",
            ),
            (
                "粤A2-20044005",
                "粤A2-20044005",
                LicenceKind::A2,
                "huawei.com",
            ),
            (
                "川B2-20030065号",
                "川B2-20030065",
                LicenceKind::B2,
                "Sichuan licences use 川",
            ),
            (
                "川B2-20120050-3",
                "川B2-20120050",
                LicenceKind::B2,
                "site index copied along",
            ),
            (
                "蜀B2-20180596",
                "蜀B2-20180596",
                LicenceKind::B2,
                "蜀 also occurs",
            ),
            (
                "京B1.B2-20180001",
                "京B1.B2-20180001",
                LicenceKind::B1B2,
                "both categories",
            ),
            (
                "京B1、B2-20180001",
                "京B1.B2-20180001",
                LicenceKind::B1B2,
                "enumeration comma",
            ),
            (
                "沪B1-20150012",
                "沪B1-20150012",
                LicenceKind::B1,
                "category B1",
            ),
            (
                "浙B-2-4-20020017",
                "浙B-2-4-20020017",
                LicenceKind::LegacyB24,
                "pre-2003 form",
            ),
            (
                "B2-20090059",
                "B2-20090059",
                LicenceKind::B2,
                "issued nationally",
            ),
            (
                "粤Ｂ２－２００９００５９",
                "粤B2-20090059",
                LicenceKind::B2,
                "full width",
            ),
            (
                "粤b2 - 20090059",
                "粤B2-20090059",
                LicenceKind::B2,
                "lower case, spaces",
            ),
        ];
        for (input, expected, kind, why) in cases {
            let parsed = IcpLicenceNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
            assert_eq!(parsed.kind(), kind, "{why}");
        }
    }

    #[test]
    fn malformed_licence_numbers_are_refused_with_a_message() {
        let cases = [
            ("", "许可证号为空", "empty"),
            ("粤B2-2009005", "应为8位，实际为7位", "7 digits"),
            ("川B2-140912-1", "实际为6位", "6 digits after B2"),
            ("京ICP证03017号", "应为6位，实际为5位", "5-digit ICP证"),
            ("ICP证030173号", "缺少省份简称", "ICP证 without prefix"),
            ("萌B2-20090059", "「萌」不是省份简称", "joke prefix"),
            ("京ICP备12345678号", "是ICP备案号", "a filing number"),
            ("粤B3-20090059", "不是ICP经营许可证号", "no B3 category"),
            ("粤B2-20090059 版权所有", "多余的内容", "trailing text"),
            ("hello", "不是ICP经营许可证号", "not a number"),
        ];
        for (input, expected, why) in cases {
            let err = IcpLicenceNumber::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn province_and_year_are_read_from_the_number() {
        let sichuan = IcpLicenceNumber::parse("川B2-20030065").expect("valid");
        assert_eq!(sichuan.province().map(Province::name), Some("四川"));
        assert_eq!(sichuan.prefix(), Some('川'));
        assert_eq!(sichuan.issued_year(), Some(2003));
        assert_eq!(sichuan.digits(), "20030065");
        let national = IcpLicenceNumber::parse("B2-20090059").expect("valid");
        assert_eq!(national.province(), None);
        assert!(national.is_national());
        let baidu = IcpLicenceNumber::parse("京ICP证030173号").expect("valid");
        assert_eq!(baidu.issued_year(), None);
        assert_eq!(baidu.province().map(Province::code), Some(11));
    }
}
