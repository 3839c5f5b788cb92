//! 居民身份证号码 — the 18-character citizen number of GB 11643-1999.
//!
//! Layout: 6 digits of address code (the first two the province), 8 of birth date, 3 of
//! sequence (odd for men, even for women) and a check character over the first 17
//! (ISO 7064 MOD 11-2, `X` standing for 10). The 15-digit first-generation numbers stopped
//! being valid in 2013 and get their own error, so that a filing holding one is told to
//! update it rather than that it is malformed.
//!
//! Residence permits for people from Hong Kong, Macao and Taiwan (港澳台居民居住证) use
//! the same layout with 81, 82 and 83; the Taiwan code of GB/T 2260 (71) also occurs.
//! Whether the birth date lies in the future cannot be judged here: there is no clock.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::text::compact;
use crate::province::Province;

/// The weights of positions 1–17: 2^(17−i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum mod 11.
const CHECK: &[u8; 11] = b"10X98765432";

/// Region codes that are not one of the 31 provinces but do occur: Taiwan (GB/T 2260) and
/// the residence permits for Hong Kong, Macao and Taiwan.
const OTHER_REGIONS: [u8; 4] = [71, 81, 82, 83];

/// 性别 — read from the 17th digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// 男: odd sequence.
    Male,
    /// 女: even sequence.
    Female,
}

impl Gender {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// 居民身份证号码 — an 18-character number whose check character and birth date hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentIdNumber {
    number: String,
    birth_date: NaiveDate,
    region_code: u8,
}

/// Why a text is not a valid resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Nothing was given.
    #[error("身份证号码为空")]
    Empty,
    /// A 15-digit first-generation number (kept masked: it is personal data).
    #[error("「{0}」是停用的15位旧号码（第一代身份证，2013年起停止使用），请填写18位号码")]
    FirstGeneration(String),
    /// Not 18 characters.
    #[error("身份证号码应为18位，实际为{0}位")]
    WrongLength(usize),
    /// A character that cannot be there.
    #[error("身份证号码第{position}位「{found}」无效：前17位应为数字，第18位为数字或X")]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The first two digits are no province or residence-permit region.
    #[error("身份证号码前两位{0:02}不是省级行政区划代码")]
    UnknownRegion(u8),
    /// Positions 7–14 are not a calendar date.
    #[error("身份证号码中的出生日期{0}不是有效日期")]
    InvalidBirthDate(String),
    /// A birth year before 1900.
    #[error("身份证号码中的出生年份{0}早于1900年")]
    BirthYearTooEarly(i32),
    /// The check character does not match.
    #[error("校验位应为{expected}，实际为{found}")]
    CheckDigit {
        /// What the first 17 digits require.
        expected: char,
        /// What was shown.
        found: char,
    },
}

impl ResidentIdNumber {
    /// Reads an ID number; spaces and full-width digits are dropped, a lower-case `x` is
    /// accepted and normalised to `X`.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let number = compact(input).to_ascii_uppercase();
        if number.is_empty() {
            return Err(ResidentIdError::Empty);
        }
        let chars: Vec<char> = number.chars().collect();
        if chars.len() == 15 && chars.iter().all(char::is_ascii_digit) {
            return Err(ResidentIdError::FirstGeneration(
                crate::pii::mask_id_number(&number),
            ));
        }
        if chars.len() != 18 {
            return Err(ResidentIdError::WrongLength(chars.len()));
        }
        let mut values = [0u32; 17];
        for (i, &c) in chars.iter().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok {
                return Err(ResidentIdError::InvalidCharacter {
                    position: i + 1,
                    found: c,
                });
            }
            if let (Some(slot), Some(d)) = (values.get_mut(i), c.to_digit(10)) {
                *slot = d;
            }
        }
        // All 18 characters are ASCII from here on, so byte slicing is safe.
        let region_code = (values[0] * 10 + values[1]) as u8;
        if Province::from_code(region_code).is_none() && !OTHER_REGIONS.contains(&region_code) {
            return Err(ResidentIdError::UnknownRegion(region_code));
        }
        let date_text = &number[6..14];
        let number_at = |from: usize, to: usize| -> u32 {
            values[from..to].iter().fold(0, |acc, d| acc * 10 + d)
        };
        let birth_date = NaiveDate::from_ymd_opt(
            number_at(6, 10) as i32,
            number_at(10, 12),
            number_at(12, 14),
        )
        .ok_or_else(|| ResidentIdError::InvalidBirthDate(date_text.to_owned()))?;
        if birth_date.year() < 1900 {
            return Err(ResidentIdError::BirthYearTooEarly(birth_date.year()));
        }
        let expected = check_character(&values);
        let found = chars[17];
        if expected != found {
            return Err(ResidentIdError::CheckDigit { expected, found });
        }
        Ok(ResidentIdNumber {
            number,
            birth_date,
            region_code,
        })
    }

    /// The 18 characters, with an upper-case `X`.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The date of birth.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The province of the address code; `None` for Taiwan and the residence permits.
    pub fn province(&self) -> Option<Province> {
        Province::from_code(self.region_code)
    }

    /// The first two digits (11 … 65, or 71, 81, 82, 83).
    pub fn region_code(&self) -> u8 {
        self.region_code
    }

    /// Whether this is the number of a 港澳台居民居住证 rather than a mainland ID card.
    pub fn is_residence_permit(&self) -> bool {
        matches!(self.region_code, 81..=83)
    }

    /// The six-digit address code.
    pub fn address_code(&self) -> &str {
        self.number.get(..6).unwrap_or_default()
    }

    /// The gender, from the parity of the 17th digit.
    pub fn gender(&self) -> Gender {
        let digit = self
            .number
            .as_bytes()
            .get(16)
            .map_or(0, |b| b.wrapping_sub(b'0'));
        if digit % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

/// The check character for 17 digit values.
fn check_character(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    char::from(CHECK[(sum % 11) as usize])
}

impl fmt::Display for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl std::str::FromStr for ResidentIdNumber {
    type Err = ResidentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResidentIdNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_numbers_parse() {
        let cases = [
            (
                "360426199101010071",
                "360426199101010071",
                "python-stdnum example",
            ),
            (
                "11010519491231002X",
                "11010519491231002X",
                "X check character",
            ),
            ("11010519491231002x", "11010519491231002X", "lower-case x"),
            (
                "110105 19491231 002X",
                "11010519491231002X",
                "grouped with spaces",
            ),
            (
                "１１０１０５１９４９１２３１００２Ｘ",
                "11010519491231002X",
                "full-width",
            ),
        ];
        for (input, expected, why) in cases {
            let parsed = ResidentIdNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
        }
    }

    #[test]
    fn invalid_numbers_are_refused_with_a_message() {
        let cases = [
            ("", "为空", "empty"),
            ("110105491231002", "停用的15位旧号码", "first generation"),
            ("1101051949123100", "应为18位，实际为16位", "too short"),
            ("1101051949123100200", "实际为19位", "too long"),
            (
                "360426199101010070",
                "校验位应为1，实际为0",
                "wrong check digit",
            ),
            ("11010519491231002Y", "第18位「Y」无效", "check must be X"),
            ("1101051949123X002X", "第14位「X」无效", "X only at the end"),
            ("110105194902300025", "19490230不是有效日期", "30 February"),
            ("110105189912310025", "早于1900年", "born before 1900"),
            ("100105194912310025", "前两位10不是", "10 is no province"),
            ("990105194912310025", "前两位99不是", "99 is no province"),
        ];
        for (input, expected, why) in cases {
            let err = ResidentIdNumber::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn birth_date_gender_and_province_are_read_from_the_number() {
        let man = ResidentIdNumber::parse("360426199101010071").expect("valid");
        assert_eq!(
            man.birth_date(),
            NaiveDate::from_ymd_opt(1991, 1, 1).expect("date")
        );
        assert_eq!(man.gender(), Gender::Male);
        assert_eq!(man.province().map(Province::name), Some("江西"));
        assert_eq!(man.address_code(), "360426");
        let woman = ResidentIdNumber::parse("11010519491231002X").expect("valid");
        assert_eq!(woman.gender(), Gender::Female);
        assert_eq!(woman.gender().label(), "女");
        assert_eq!(woman.province().map(Province::code), Some(11));
        assert!(!woman.is_residence_permit());
    }

    #[test]
    fn residence_permits_have_no_province() {
        // 81 (Hong Kong residence permit) with the check character computed.
        let mut values = [0u32; 17];
        for (slot, c) in values.iter_mut().zip("81000019900101001".chars()) {
            *slot = c.to_digit(10).expect("digit");
        }
        let number = format!("81000019900101001{}", check_character(&values));
        let permit = ResidentIdNumber::parse(&number).expect("valid permit");
        assert_eq!(permit.province(), None);
        assert_eq!(permit.region_code(), 81);
        assert!(permit.is_residence_permit());
    }
}
