//! 统一社会信用代码 — the 18-character code of GB 32100-2015 that identifies an
//! organisation, and the old certificates it replaced.
//!
//! Layout: registration authority (1), entity type (1), administrative code (6 digits, the
//! first two the province), the 9-character organisation code of GB 11714 and a check
//! character over the first 17 (weights 3^i mod 31). The alphabet has 31 characters: no
//! I, O, S, V or Z, which are too easily confused with 1, 0, 5, U and 2.
//!
//! Since 三证合一 (2015) a business registration number (15 digits) or an organisation
//! code (9 characters) is no longer a valid certificate number. [`LegacyCertificate`]
//! recognises them, so that a check can say what replaced them instead of only "invalid".

use std::fmt;

use super::text::{compact, shown};
use crate::province::Province;

/// The 31 characters of a credit code, in value order.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weights of positions 1–17: 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The weights of the first 8 characters of a GB 11714 organisation code.
const ORGANIZATION_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// 统一社会信用代码 — an 18-character code whose check character holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode {
    code: String,
}

/// Why a text is not a valid credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Nothing was given.
    #[error("统一社会信用代码为空")]
    Empty,
    /// An old certificate number that 三证合一 replaced.
    #[error("「{number}」是{}，三证合一后已由18位统一社会信用代码取代", kind.label())]
    Legacy {
        /// Which certificate it is.
        kind: LegacyKind,
        /// The number as shown.
        number: String,
    },
    /// Not 18 characters.
    #[error("统一社会信用代码应为18位，实际为{0}位")]
    WrongLength(usize),
    /// A character outside the 31-character alphabet.
    #[error(
        "统一社会信用代码第{position}位「{found}」无效：只能是数字和除I、O、S、V、Z以外的大写字母"
    )]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Positions 3–8 must be digits (the administrative code).
    #[error("统一社会信用代码第{position}位「{found}」无效：第3至8位是行政区划代码，只能是数字")]
    AdminCodeNotDigits {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The check character does not match.
    #[error("校验位应为{expected}，实际为{found}")]
    CheckCharacter {
        /// What the first 17 characters require.
        expected: char,
        /// What was shown.
        found: char,
    },
}

impl CreditCode {
    /// Reads a credit code; spaces, full-width characters and lower case are accepted.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = compact(input).to_ascii_uppercase();
        if code.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        if let Some(kind) = LegacyCertificate::detect(&code) {
            return Err(CreditCodeError::Legacy {
                kind,
                number: shown(input),
            });
        }
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::WrongLength(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, (&c, slot)) in chars.iter().zip(values.iter_mut()).enumerate() {
            *slot = value_of(c).ok_or(CreditCodeError::InvalidCharacter {
                position: i + 1,
                found: c,
            })?;
            if (2..8).contains(&i) && !c.is_ascii_digit() {
                return Err(CreditCodeError::AdminCodeNotDigits {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let mut first17 = [0u32; 17];
        first17.copy_from_slice(&values[..17]);
        let expected = check_character(&first17);
        if expected != chars[17] {
            return Err(CreditCodeError::CheckCharacter {
                expected,
                found: chars[17],
            });
        }
        Ok(CreditCode { code })
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// 登记管理部门 — the authority that registered the entity (first character).
    pub fn registration_authority(&self) -> RegistrationAuthority {
        RegistrationAuthority(self.char_at(0))
    }

    /// 机构类别 — the entity type under that authority (second character).
    pub fn entity_type(&self) -> char {
        self.char_at(1)
    }

    /// The Chinese name of the entity type, where the combination is known.
    pub fn entity_type_label(&self) -> Option<&'static str> {
        Some(match (self.char_at(0), self.char_at(1)) {
            ('1', '1') => "机关",
            ('1', '2') => "事业单位",
            ('1', '3') => "中央编办直接管理机构编制的群众团体",
            ('5', '1') => "社会团体",
            ('5', '2') => "民办非企业单位",
            ('5', '3') => "基金会",
            ('9', '1') => "企业",
            ('9', '2') => "个体工商户",
            ('9', '3') => "农民专业合作社",
            _ => return None,
        })
    }

    /// The six-digit administrative code (positions 3–8).
    pub fn admin_code(&self) -> &str {
        self.code.get(2..8).unwrap_or_default()
    }

    /// The province of the administrative code; `None` for national bodies (`100000`).
    pub fn province(&self) -> Option<Province> {
        self.code
            .get(2..4)
            .and_then(|c| c.parse().ok())
            .and_then(Province::from_code)
    }

    /// The nine-character organisation code inside (positions 9–17).
    pub fn organization_code(&self) -> &str {
        self.code.get(8..17).unwrap_or_default()
    }

    /// Whether the organisation code inside passes its own GB 11714 check. Codes issued
    /// since 三证合一 do not all follow it, so a `false` is worth a note, never a refusal.
    pub fn organization_code_checks(&self) -> bool {
        organization_check_holds(self.organization_code())
    }

    fn char_at(&self, i: usize) -> char {
        self.code.chars().nth(i).unwrap_or('0')
    }
}

/// The value of a character in the 31-character alphabet.
fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for 17 values.
fn check_character(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let index = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(index as usize).unwrap_or('0')
}

/// GB 11714: `C = 11 − (Σ v·w mod 11)`, 10 written X and 11 written 0; letters count
/// A=10 … Z=35.
fn organization_check_holds(code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    let [body @ .., check] = chars.as_slice() else {
        return false;
    };
    if body.len() != ORGANIZATION_WEIGHTS.len() {
        return false;
    }
    let mut sum = 0;
    for (c, w) in body.iter().zip(ORGANIZATION_WEIGHTS) {
        match c.to_digit(36) {
            Some(v) if c.is_ascii_digit() || c.is_ascii_uppercase() => sum += v * w,
            _ => return false,
        }
    }
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('?'),
    };
    *check == expected
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl std::str::FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

/// 登记管理部门码 — the first character of a credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegistrationAuthority(char);

impl RegistrationAuthority {
    /// The character itself.
    pub fn code(self) -> char {
        self.0
    }

    /// The Chinese name of the authority, for the codes GB 32100 assigns.
    pub fn label(self) -> Option<&'static str> {
        Some(match self.0 {
            '1' => "机构编制",
            '2' => "外交",
            '3' => "司法行政",
            '4' => "文化",
            '5' => "民政",
            '6' => "旅游",
            '7' => "宗教",
            '8' => "工会",
            '9' => "工商/市场监管",
            'A' => "中央军委改革和编制办公室",
            'N' => "农业",
            'Y' => "其他",
            _ => return None,
        })
    }
}

impl fmt::Display for RegistrationAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.label() {
            Some(label) => write!(f, "{}（{label}）", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// 旧证件类型 — the certificate numbers that 三证合一 replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyKind {
    /// 工商营业执照注册号: 15 digits.
    BusinessRegistration,
    /// 组织机构代码: 8 characters and a check character, often written `12345678-9`.
    OrganizationCode,
}

impl LegacyKind {
    /// The Chinese name of the certificate number.
    pub fn label(self) -> &'static str {
        match self {
            LegacyKind::BusinessRegistration => "15位工商营业执照注册号",
            LegacyKind::OrganizationCode => "9位组织机构代码",
        }
    }
}

/// 旧证件号码 — a business registration number or an organisation code, recognised by
/// its shape only: the point is to say "三证合一 replaced this", not to validate it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyCertificate {
    kind: LegacyKind,
    number: String,
}

impl LegacyCertificate {
    /// Which old certificate `input` looks like, if any. A 15-digit number could also be
    /// a first-generation ID card: the certificate type filed decides which reading holds.
    pub fn detect(input: &str) -> Option<LegacyKind> {
        LegacyCertificate::recognise(input).map(|c| c.kind)
    }

    /// The old certificate `input` looks like, normalised (an organisation code with its
    /// hyphen, `12345678-9`).
    pub fn recognise(input: &str) -> Option<LegacyCertificate> {
        let text = compact(input).to_ascii_uppercase();
        if text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(LegacyCertificate {
                kind: LegacyKind::BusinessRegistration,
                number: text,
            });
        }
        let plain: String = text.chars().filter(|&c| c != '-').collect();
        let hyphens = text.len() - plain.len();
        let hyphen_in_place = hyphens == 0 || (hyphens == 1 && text.find('-') == Some(8));
        let body_ok = plain.len() == 9
            && plain
                .bytes()
                .take(8)
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        let check_ok = plain
            .as_bytes()
            .get(8)
            .copied()
            .is_some_and(|b| b.is_ascii_digit() || b == b'X');
        if hyphen_in_place && body_ok && check_ok {
            let (body, check) = plain.split_at(8);
            return Some(LegacyCertificate {
                kind: LegacyKind::OrganizationCode,
                number: format!("{body}-{check}"),
            });
        }
        None
    }

    /// Which certificate it is.
    pub fn kind(&self) -> LegacyKind {
        self.kind
    }

    /// The number, normalised.
    pub fn as_str(&self) -> &str {
        &self.number
    }
}

impl fmt::Display for LegacyCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_codes_parse() {
        let cases = [
            (
                "91110000600037341L",
                "91110000600037341L",
                "a Beijing company",
            ),
            (
                "91230184MA1BUFLT44",
                "91230184MA1BUFLT44",
                "post-2015 MA code",
            ),
            ("92371000MA3MXH0E3W", "92371000MA3MXH0E3W", "个体工商户"),
            (
                "91110108772551611J",
                "91110108772551611J",
                "a Haidian company",
            ),
            ("91110108772551611j", "91110108772551611J", "lower case"),
            ("9111 0108 7725 5161 1J", "91110108772551611J", "grouped"),
            (
                "９１１１０１０８７７２５５１６１１Ｊ",
                "91110108772551611J",
                "full-width",
            ),
        ];
        for (input, expected, why) in cases {
            let parsed =
                CreditCode::parse(input).unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
        }
    }

    #[test]
    fn invalid_codes_are_refused_with_a_message() {
        let cases = [
            ("", "为空", "empty"),
            ("91110000600037341", "应为18位，实际为17位", "too short"),
            ("91110000600037341LL", "实际为19位", "too long"),
            ("91110000600037341M", "校验位应为L，实际为M", "wrong check"),
            ("91110000600037342L", "校验位应为", "one digit changed"),
            (
                "9111000060003734IL",
                "第17位「I」无效",
                "I is not in the alphabet",
            ),
            (
                "9111000O600037341L",
                "第8位「O」无效",
                "O is not in the alphabet",
            ),
            (
                "911A0000600037341L",
                "第4位「A」无效：第3至8位是行政区划代码",
                "letter in admin code",
            ),
            (
                "110108000000001",
                "15位工商营业执照注册号，三证合一",
                "old registration number",
            ),
            ("60003734-1", "9位组织机构代码", "old organisation code"),
            (
                "600037341",
                "9位组织机构代码",
                "organisation code without hyphen",
            ),
        ];
        for (input, expected, why) in cases {
            let err = CreditCode::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn parts_of_the_code_are_readable() {
        let code = CreditCode::parse("91110000600037341L").expect("valid");
        assert_eq!(code.registration_authority().code(), '9');
        assert_eq!(code.registration_authority().label(), Some("工商/市场监管"));
        assert_eq!(
            code.registration_authority().to_string(),
            "9（工商/市场监管）"
        );
        assert_eq!(code.entity_type(), '1');
        assert_eq!(code.entity_type_label(), Some("企业"));
        assert_eq!(code.admin_code(), "110000");
        assert_eq!(code.province().map(Province::name), Some("北京"));
        assert_eq!(code.organization_code(), "600037341");
        let sole_trader = CreditCode::parse("92371000MA3MXH0E3W").expect("valid");
        assert_eq!(sole_trader.entity_type_label(), Some("个体工商户"));
        assert_eq!(sole_trader.province().map(Province::name), Some("山东"));
    }

    #[test]
    fn the_inner_organisation_code_check_is_informational() {
        let old = CreditCode::parse("91110000600037341L").expect("valid");
        assert!(old.organization_code_checks());
        let haidian = CreditCode::parse("91110108772551611J").expect("valid");
        assert!(haidian.organization_code_checks());
        assert!(organization_check_holds(
            "60003734-1".replace('-', "").as_str()
        ));
        assert!(!organization_check_holds("600037342"));
        assert!(!organization_check_holds("short"));
    }

    #[test]
    fn legacy_certificates_are_recognised_by_shape() {
        let cases = [
            (
                "110108000000001",
                Some(LegacyKind::BusinessRegistration),
                "15 digits",
            ),
            (
                "60003734-1",
                Some(LegacyKind::OrganizationCode),
                "with hyphen",
            ),
            (
                "600037341",
                Some(LegacyKind::OrganizationCode),
                "without hyphen",
            ),
            ("MA1BUFLT-4", Some(LegacyKind::OrganizationCode), "letters"),
            ("6000373-41", None, "hyphen in the wrong place"),
            ("91110000600037341L", None, "a credit code"),
            ("1234567890", None, "ten digits"),
            ("", None, "empty"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(LegacyCertificate::detect(input), expected, "{why}");
        }
        let code = LegacyCertificate::recognise("600037341").expect("code");
        assert_eq!(code.as_str(), "60003734-1");
        assert_eq!(code.kind().label(), "9位组织机构代码");
    }
}
