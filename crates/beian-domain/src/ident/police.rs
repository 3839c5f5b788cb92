//! 公安联网备案号 — the Ministry of Public Security's network filing number.
//!
//! `粤公网安备44010502001297号`: 14 digits, the first six the county-level administrative
//! code of the filing police office, the rest a serial. The prefix character is *not* the
//! ICP filing prefix: the 公安 system itself prints 川公网安备 for Sichuan, so any
//! everyday abbreviation of the right province is accepted. What decides the province is
//! the numeric code, and a prefix that names another province than the code is refused.

use std::fmt;

use super::text::{compact, shown, split_digits};
use crate::province::Province;

/// How many digits a 公安 number has.
const DIGITS: usize = 14;

/// 公安联网备案号 — e.g. `粤公网安备44010502001297号`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoliceFilingNumber {
    normalized: String,
    prefix: char,
    province: Province,
    code: String,
}

/// Why a text is not a 公安 filing number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoliceFilingError {
    /// Nothing was given.
    #[error("公安备案号为空")]
    Empty,
    /// Not the shape of a 公安 number.
    #[error("「{0}」不是公安联网备案号：应为“粤公网安备44010502001297号”的形式")]
    NotAPoliceNumber(String),
    /// No province character before 公网安备.
    #[error("「{0}」缺少省份简称：应为“{1}公网安备…”")]
    MissingPrefix(String, char),
    /// The digits are missing or not 14.
    #[error("公安备案号应为14位数字，实际为{count}位（{digits}）")]
    WrongDigitCount {
        /// The digits shown.
        digits: String,
        /// How many there are.
        count: usize,
    },
    /// The first two digits are not a province code.
    #[error("公安备案号「{code}」的前两位{province_code}不是省级行政区划代码")]
    UnknownProvinceCode {
        /// The 14 digits.
        code: String,
        /// Their first two digits.
        province_code: String,
    },
    /// The prefix is not any province's abbreviation.
    #[error("「{0}」不是省份简称，「{0}公网安备」不是有效的公安备案号")]
    UnknownPrefix(char),
    /// The prefix and the code name different provinces.
    #[error(
        "前缀「{prefix}」表示{prefix_province}，但编号前两位{code}表示{code_province}，应为“{expected}公网安备…”"
    )]
    PrefixMismatch {
        /// The prefix shown.
        prefix: char,
        /// The province it names.
        prefix_province: &'static str,
        /// The first two digits.
        code: u8,
        /// The province they name.
        code_province: &'static str,
        /// The abbreviation of the province of the code.
        expected: char,
    },
    /// Something follows the number.
    #[error("公安备案号之后有多余的内容「{0}」")]
    TrailingText(String),
}

impl PoliceFilingNumber {
    /// Reads a 公安 number, leniently: spaces (`沪公网安备 31011502009028号`), full-width
    /// digits and a missing 号 are accepted.
    pub fn parse(input: &str) -> Result<Self, PoliceFilingError> {
        let text = compact(input);
        if text.is_empty() {
            return Err(PoliceFilingError::Empty);
        }
        let Some(at) = text.find("公网安备") else {
            return Err(PoliceFilingError::NotAPoliceNumber(shown(input)));
        };
        let (prefix, rest) = (&text[..at], &text[at + "公网安备".len()..]);
        let (code, tail) = split_digits(rest);
        if code.len() != DIGITS {
            return Err(PoliceFilingError::WrongDigitCount {
                digits: shown(code),
                count: code.len(),
            });
        }
        let tail = tail.strip_prefix('号').unwrap_or(tail);
        if !tail.is_empty() {
            return Err(PoliceFilingError::TrailingText(shown(tail)));
        }
        let province_code = code.get(..2).unwrap_or_default();
        let province = province_code
            .parse::<u8>()
            .ok()
            .and_then(Province::from_code)
            .ok_or_else(|| PoliceFilingError::UnknownProvinceCode {
                code: code.to_owned(),
                province_code: province_code.to_owned(),
            })?;
        let mut chars = prefix.chars();
        let prefix = match (chars.next(), chars.next()) {
            (Some(c), None) => c,
            (None, _) => {
                return Err(PoliceFilingError::MissingPrefix(
                    shown(input),
                    province.abbreviation(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(PoliceFilingError::NotAPoliceNumber(shown(input)));
            }
        };
        let named = Province::from_abbreviation(prefix)
            .or_else(|| Province::from_alias(prefix))
            .ok_or(PoliceFilingError::UnknownPrefix(prefix))?;
        if named != province {
            return Err(PoliceFilingError::PrefixMismatch {
                prefix,
                prefix_province: named.name(),
                code: province.code(),
                code_province: province.name(),
                expected: province.abbreviation(),
            });
        }
        Ok(PoliceFilingNumber {
            normalized: format!("{prefix}公网安备{code}号"),
            prefix,
            province,
            code: code.to_owned(),
        })
    }

    /// The normalised form, e.g. `粤公网安备44010502001297号`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The province of the filing police office, read from the code.
    pub fn province(&self) -> Province {
        self.province
    }

    /// The prefix character as shown (川 stays 川).
    pub fn prefix(&self) -> char {
        self.prefix
    }

    /// The 14 digits.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The six-digit county-level administrative code the digits start with.
    pub fn admin_code(&self) -> &str {
        self.code.get(..6).unwrap_or(&self.code)
    }

    /// The page of the national 公安 filing system that shows this number. The older
    /// `www.beian.gov.cn/portal/registerSystemInfo` address no longer answers.
    pub fn query_url(&self) -> String {
        format!(
            "https://beian.mps.gov.cn/#/query/webSearch?code={}",
            self.code
        )
    }
}

impl fmt::Display for PoliceFilingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl std::str::FromStr for PoliceFilingNumber {
    type Err = PoliceFilingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PoliceFilingNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_police_numbers_parse_to_their_normalised_form() {
        let cases = [
            (
                "粤公网安备44010502001297号",
                "粤公网安备44010502001297号",
                "Guangzhou",
            ),
            (
                "鄂公网安备 42050202000801号",
                "鄂公网安备42050202000801号",
                "space before digits",
            ),
            (
                "浙公网安备 33010902002564号",
                "浙公网安备33010902002564号",
                "Hangzhou",
            ),
            (
                "粤公网安备44030502000017号",
                "粤公网安备44030502000017号",
                "Shenzhen",
            ),
            (
                "沪公网安备31011502009028",
                "沪公网安备31011502009028号",
                "missing 号",
            ),
            (
                "京公网安备１１０１０５０２０３０１４３号",
                "京公网安备11010502030143号",
                "full-width",
            ),
            (
                "川公网安备51010702000001号",
                "川公网安备51010702000001号",
                "川 is used by the 公安 system",
            ),
            (
                "蜀公网安备51010702000001号",
                "蜀公网安备51010702000001号",
                "蜀 names the same province",
            ),
            (
                "甘公网安备62010202000123号",
                "甘公网安备62010202000123号",
                "甘 for Gansu",
            ),
        ];
        for (input, expected, why) in cases {
            let parsed = PoliceFilingNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
        }
    }

    #[test]
    fn wrong_police_numbers_are_refused_with_a_message() {
        let cases = [
            ("", "为空", "empty"),
            (
                "京公网安备44010502001297号",
                "前缀「京」表示北京，但编号前两位44表示广东",
                "prefix and code disagree",
            ),
            (
                "川公网安备44010502001297号",
                "应为“粤公网安备…”",
                "alias of the wrong province",
            ),
            ("粤公网安备4401050200129号", "实际为13位", "13 digits"),
            ("粤公网安备440105020012970号", "实际为15位", "15 digits"),
            (
                "粤公网安备10010502001297号",
                "前两位10不是",
                "10 is no province",
            ),
            (
                "粤公网安备71010502001297号",
                "前两位71不是",
                "Taiwan cannot file",
            ),
            (
                "萌公网安备44010502001297号",
                "「萌」不是省份简称",
                "joke prefix",
            ),
            (
                "公网安备44010502001297号",
                "应为“粤公网安备…”",
                "missing prefix",
            ),
            (
                "粤公网安备44010502001297号-1",
                "多余的内容",
                "trailing text",
            ),
            ("粤ICP备17087427号", "不是公安联网备案号", "an ICP number"),
        ];
        for (input, expected, why) in cases {
            let err = PoliceFilingNumber::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn the_query_url_points_at_the_current_mps_site() {
        let n = PoliceFilingNumber::parse("沪公网安备 31011502009028号").expect("valid");
        assert_eq!(
            n.query_url(),
            "https://beian.mps.gov.cn/#/query/webSearch?code=31011502009028"
        );
        assert_eq!(n.admin_code(), "310115");
        assert_eq!(n.province().name(), "上海");
        assert_eq!(n.prefix(), '沪');
        assert_eq!(n.code(), "31011502009028");
    }
}
