//! 电话号码 — the mobile and landline numbers a filing gives for its principals.
//!
//! A mobile number is judged by the segment (号段) table, not by a loose `1[3-9]\d{9}`:
//! a number in an unassigned segment cannot receive the verification SMS, and some
//! assigned segments (emergency, satellite, IoT) are not contact numbers at all. Since
//! number portability (携号转网, 2019-12-01) the segment tells only the *original*
//! carrier. Whether a number is in use or belongs to the person cannot be told offline.
//!
//! A landline is an area code (010, 02x, or 0xxx from 03 to 09) and a local number of
//! 8 digits (7 or 8 with a four-digit area code), with an optional extension.

use std::fmt;

use super::text::{compact, shown};

/// 运营商 — the carrier a segment was assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    /// 中国移动.
    ChinaMobile,
    /// 中国联通.
    ChinaUnicom,
    /// 中国电信.
    ChinaTelecom,
    /// 中国广电.
    ChinaBroadnet,
    /// 虚拟运营商 (MVNO), hosted by one of the above.
    Virtual,
}

impl Carrier {
    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Carrier::ChinaMobile => "中国移动",
            Carrier::ChinaUnicom => "中国联通",
            Carrier::ChinaTelecom => "中国电信",
            Carrier::ChinaBroadnet => "中国广电",
            Carrier::Virtual => "虚拟运营商",
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a segment is for.
#[derive(Debug, Clone, Copy)]
enum Segment {
    /// An ordinary mobile segment.
    Voice(Carrier),
    /// A data-card segment (上网卡): 11 digits that can receive SMS.
    DataCard(Carrier),
    /// Assigned, but not to contact numbers; the text says to what.
    NotForContact(&'static str),
    /// The 13-digit IoT segments.
    Iot,
}

use Carrier::{ChinaBroadnet, ChinaMobile, ChinaTelecom, ChinaUnicom, Virtual};

/// The segment table; the longest matching prefix wins (1349 over 134, 17406 over 1740).
const SEGMENTS: &[(&str, Segment)] = &[
    // 中国移动
    ("1340", Segment::Voice(ChinaMobile)),
    ("1341", Segment::Voice(ChinaMobile)),
    ("1342", Segment::Voice(ChinaMobile)),
    ("1343", Segment::Voice(ChinaMobile)),
    ("1344", Segment::Voice(ChinaMobile)),
    ("1345", Segment::Voice(ChinaMobile)),
    ("1346", Segment::Voice(ChinaMobile)),
    ("1347", Segment::Voice(ChinaMobile)),
    ("1348", Segment::Voice(ChinaMobile)),
    ("135", Segment::Voice(ChinaMobile)),
    ("136", Segment::Voice(ChinaMobile)),
    ("137", Segment::Voice(ChinaMobile)),
    ("138", Segment::Voice(ChinaMobile)),
    ("139", Segment::Voice(ChinaMobile)),
    ("150", Segment::Voice(ChinaMobile)),
    ("151", Segment::Voice(ChinaMobile)),
    ("152", Segment::Voice(ChinaMobile)),
    ("157", Segment::Voice(ChinaMobile)),
    ("158", Segment::Voice(ChinaMobile)),
    ("159", Segment::Voice(ChinaMobile)),
    ("172", Segment::Voice(ChinaMobile)),
    ("178", Segment::Voice(ChinaMobile)),
    ("182", Segment::Voice(ChinaMobile)),
    ("183", Segment::Voice(ChinaMobile)),
    ("184", Segment::Voice(ChinaMobile)),
    ("187", Segment::Voice(ChinaMobile)),
    ("188", Segment::Voice(ChinaMobile)),
    ("195", Segment::Voice(ChinaMobile)),
    ("197", Segment::Voice(ChinaMobile)),
    ("198", Segment::Voice(ChinaMobile)),
    ("147", Segment::DataCard(ChinaMobile)),
    // 中国联通
    ("130", Segment::Voice(ChinaUnicom)),
    ("131", Segment::Voice(ChinaUnicom)),
    ("132", Segment::Voice(ChinaUnicom)),
    ("155", Segment::Voice(ChinaUnicom)),
    ("156", Segment::Voice(ChinaUnicom)),
    ("166", Segment::Voice(ChinaUnicom)),
    ("175", Segment::Voice(ChinaUnicom)),
    ("176", Segment::Voice(ChinaUnicom)),
    ("185", Segment::Voice(ChinaUnicom)),
    ("186", Segment::Voice(ChinaUnicom)),
    ("196", Segment::Voice(ChinaUnicom)),
    ("145", Segment::DataCard(ChinaUnicom)),
    // 中国电信
    ("133", Segment::Voice(ChinaTelecom)),
    ("1349", Segment::Voice(ChinaTelecom)),
    ("153", Segment::Voice(ChinaTelecom)),
    ("173", Segment::Voice(ChinaTelecom)),
    ("17400", Segment::Voice(ChinaTelecom)),
    ("17401", Segment::Voice(ChinaTelecom)),
    ("17402", Segment::Voice(ChinaTelecom)),
    ("17403", Segment::Voice(ChinaTelecom)),
    ("17404", Segment::Voice(ChinaTelecom)),
    ("17405", Segment::Voice(ChinaTelecom)),
    ("177", Segment::Voice(ChinaTelecom)),
    ("180", Segment::Voice(ChinaTelecom)),
    ("181", Segment::Voice(ChinaTelecom)),
    ("189", Segment::Voice(ChinaTelecom)),
    ("190", Segment::Voice(ChinaTelecom)),
    ("191", Segment::Voice(ChinaTelecom)),
    ("193", Segment::Voice(ChinaTelecom)),
    ("199", Segment::Voice(ChinaTelecom)),
    ("149", Segment::DataCard(ChinaTelecom)),
    // 中国广电
    ("192", Segment::Voice(ChinaBroadnet)),
    // 虚拟运营商
    ("162", Segment::Voice(Virtual)),
    ("165", Segment::Voice(Virtual)),
    ("167", Segment::Voice(Virtual)),
    ("170", Segment::Voice(Virtual)),
    ("171", Segment::Voice(Virtual)),
    // Assigned, but not to people.
    ("17406", Segment::NotForContact("应急通信")),
    ("17407", Segment::NotForContact("应急通信")),
    ("17408", Segment::NotForContact("应急通信")),
    ("17409", Segment::NotForContact("应急通信")),
    ("17410", Segment::NotForContact("应急通信")),
    ("17411", Segment::NotForContact("应急通信")),
    ("17412", Segment::NotForContact("应急通信")),
    ("1749", Segment::NotForContact("卫星通信")),
    ("141", Segment::Iot),
    ("144", Segment::Iot),
    ("146", Segment::Iot),
    ("148", Segment::Iot),
];

/// The segment of an 11-digit number and the prefix that matched.
fn segment_of(digits: &str) -> Option<(&'static str, Segment)> {
    SEGMENTS
        .iter()
        .filter(|(prefix, _)| digits.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .copied()
}

/// Drops the separators people write between digit groups, and the country code.
fn strip_mobile_decoration(input: &str) -> String {
    let text: String = compact(input)
        .chars()
        .filter(|c| !matches!(c, '-' | '(' | ')' | '.'))
        .collect();
    for prefix in ["+86", "0086"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    match text.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_owned(),
        _ => text,
    }
}

/// 手机号码 — an 11-digit number in an assigned, person-facing segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MobileNumber {
    digits: String,
    carrier: Carrier,
    data_card: bool,
}

/// Why a text is not a usable mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobileError {
    /// Nothing was given.
    #[error("手机号码为空")]
    Empty,
    /// A character that is not a digit or separator.
    #[error("手机号码「{value}」中有无效字符「{found}」")]
    InvalidCharacter {
        /// The number as shown.
        value: String,
        /// The character.
        found: char,
    },
    /// Does not start with 1.
    #[error("「{0}」不是手机号码：手机号码为以1开头的11位数字")]
    NotMobile(String),
    /// A 13-digit IoT number.
    #[error("「{0}」是13位物联网号码，不能作为联系电话")]
    IotNumber(String),
    /// Not 11 digits.
    #[error("手机号码应为11位，实际为{0}位")]
    WrongLength(usize),
    /// A segment of the IoT numbering plan.
    #[error("号段{0}是物联网专用号段，不能作为联系电话")]
    IotSegment(String),
    /// A segment assigned to something other than people.
    #[error("号段{segment}用于{purpose}，不能作为联系电话")]
    NotForContact {
        /// The segment.
        segment: String,
        /// What it is for.
        purpose: &'static str,
    },
    /// A segment no carrier has.
    #[error("号段{0}未分配给任何运营商，不是有效的手机号码")]
    UnknownSegment(String),
}

impl MobileNumber {
    /// Reads a mobile number; `+86`, `86` and `0086`, spaces, dashes and full-width
    /// digits are accepted.
    pub fn parse(input: &str) -> Result<Self, MobileError> {
        let digits = strip_mobile_decoration(input);
        if digits.is_empty() {
            return Err(MobileError::Empty);
        }
        if let Some(found) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(MobileError::InvalidCharacter {
                value: masked(input),
                found,
            });
        }
        if !digits.starts_with('1') {
            return Err(MobileError::NotMobile(masked(input)));
        }
        if digits.len() == 13 && (digits.starts_with("14") || digits.starts_with("10")) {
            return Err(MobileError::IotNumber(crate::pii::mask_phone(&digits)));
        }
        if digits.len() != 11 {
            return Err(MobileError::WrongLength(digits.len()));
        }
        let (carrier, data_card) = match segment_of(&digits) {
            Some((_, Segment::Voice(carrier))) => (carrier, false),
            Some((_, Segment::DataCard(carrier))) => (carrier, true),
            Some((prefix, Segment::NotForContact(purpose))) => {
                return Err(MobileError::NotForContact {
                    segment: prefix.to_owned(),
                    purpose,
                });
            }
            Some((prefix, Segment::Iot)) => {
                return Err(MobileError::IotSegment(prefix.to_owned()));
            }
            None => {
                // 174 is split into blocks of five digits; elsewhere three name a segment.
                let width = if digits.starts_with("174") { 5 } else { 3 };
                return Err(MobileError::UnknownSegment(
                    digits.get(..width).unwrap_or_default().to_owned(),
                ));
            }
        };
        Ok(MobileNumber {
            digits,
            carrier,
            data_card,
        })
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The carrier the segment was assigned to. Since 携号转网 the number may have
    /// moved to another carrier: this is only where it started.
    pub fn original_carrier(&self) -> Carrier {
        self.carrier
    }

    /// Whether the segment is a data-card segment (145, 147, 149).
    pub fn is_data_card(&self) -> bool {
        self.data_card
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

/// 固定电话 — an area code, a local number and perhaps an extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Landline {
    normalized: String,
    area: String,
    local: String,
    extension: Option<String>,
}

/// Why a text is not a landline number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LandlineError {
    /// Nothing was given.
    #[error("固定电话为空")]
    Empty,
    /// Not the shape of a landline number.
    #[error("「{0}」不是固定电话号码：应为“0755-12345678”的形式")]
    NotALandline(String),
    /// No area code.
    #[error("「{0}」缺少区号：固定电话应写成“区号-号码”，如“010-62345678”")]
    MissingAreaCode(String),
    /// An area code that is not 010, 02x or 0[3-9]xx.
    #[error("区号{0}无效：区号应为010、02X或以03至09开头的4位数字")]
    UnknownAreaCode(String),
    /// A local number of the wrong length.
    #[error("区号{area}之后的号码应为{expected}位，实际为{count}位（{local}）")]
    WrongLocalLength {
        /// The area code.
        area: String,
        /// The local number shown.
        local: String,
        /// How many digits it has.
        count: usize,
        /// What the area code requires.
        expected: &'static str,
    },
    /// A local number starting with 0: the trunk prefix written twice.
    #[error("本地号码{0}不能以0开头")]
    BadLocalStart(String),
    /// A 400/800 number or a 95xxx/96xxx short number: a service line, not a landline.
    #[error("「{0}」是企业服务号码（400/800或95、96开头的短号），不是固定电话")]
    ServiceNumber(String),
    /// An extension that is not 1–6 digits.
    #[error("分机号「{0}」无效：应为1至6位数字")]
    BadExtension(String),
}

impl Landline {
    /// Reads a landline number: `(0755)12345678`, `0755-12345678`, `075512345678`,
    /// `+86 755 1234 5678`, with an optional extension after `-`, `转` or `ext`.
    pub fn parse(input: &str) -> Result<Self, LandlineError> {
        let mut text = compact(input).to_ascii_uppercase();
        if text.is_empty() {
            return Err(LandlineError::Empty);
        }
        for ext in ["转", "EXT.", "EXT", "#"] {
            text = text.replace(ext, "-");
        }
        let mut international = false;
        if is_service_number(&text) {
            return Err(LandlineError::ServiceNumber(masked(input)));
        }
        // No area code starts with 86, so a leading 86 is always the country code.
        for prefix in ["(+86)", "+86", "0086", "86"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                text = rest.trim_start_matches('-').to_owned();
                international = true;
                break;
            }
        }
        if international {
            // The trunk 0 is dropped after the country code: +86 755 → 0755.
            text = match text.strip_prefix('(') {
                Some(rest) if !rest.starts_with('0') => format!("(0{rest}"),
                Some(_) => text,
                None if !text.starts_with('0') => format!("0{text}"),
                None => text,
            };
        }
        let (area, local, extension) = split_landline(&text, input)?;
        let expected = area_rule(&area)?;
        if local.is_empty() || local.bytes().any(|b| !b.is_ascii_digit()) {
            return Err(LandlineError::NotALandline(masked(input)));
        }
        let length_ok = match expected {
            "8" => local.len() == 8,
            _ => local.len() == 7 || local.len() == 8,
        };
        if !length_ok {
            return Err(LandlineError::WrongLocalLength {
                count: local.len(),
                local: masked(&local),
                area,
                expected,
            });
        }
        if local.starts_with('0') {
            return Err(LandlineError::BadLocalStart(masked(&local)));
        }
        if let Some(ext) = &extension
            && (ext.is_empty() || ext.len() > 6 || ext.bytes().any(|b| !b.is_ascii_digit()))
        {
            return Err(LandlineError::BadExtension(shown(ext)));
        }
        let mut normalized = format!("{area}-{local}");
        if let Some(ext) = &extension {
            normalized.push('-');
            normalized.push_str(ext);
        }
        Ok(Landline {
            normalized,
            area,
            local,
            extension,
        })
    }

    /// The normalised form, e.g. `0755-12345678` or `010-62345678-123`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The area code with its leading 0 (`010`, `0755`).
    pub fn area_code(&self) -> &str {
        &self.area
    }

    /// The local number.
    pub fn local_number(&self) -> &str {
        &self.local
    }

    /// The extension, if any.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
}

/// Whether a compacted number is a national service number: 400/800 + 7 digits, or a
/// 5- or 6-digit 95xxx/96xxx short number.
fn is_service_number(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    if digits.bytes().any(|b| !b.is_ascii_digit()) {
        return false;
    }
    let ten_digit = digits.len() == 10 && (digits.starts_with("400") || digits.starts_with("800"));
    let short =
        (5..=6).contains(&digits.len()) && (digits.starts_with("95") || digits.starts_with("96"));
    ten_digit || short
}

/// Splits a compacted landline into area code, local number and extension.
fn split_landline(
    text: &str,
    input: &str,
) -> Result<(String, String, Option<String>), LandlineError> {
    let not_landline = || LandlineError::NotALandline(masked(input));
    if let Some(rest) = text.strip_prefix('(') {
        let (area, rest) = rest.split_once(')').ok_or_else(not_landline)?;
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        let mut parts = rest.split('-');
        let local = parts.next().unwrap_or_default().to_owned();
        let extension = parts.next().map(str::to_owned);
        if parts.next().is_some() {
            return Err(not_landline());
        }
        return Ok((area.to_owned(), local, extension));
    }
    let parts: Vec<&str> = text.split('-').collect();
    let first = parts.first().copied().unwrap_or_default();
    if first.bytes().any(|b| !b.is_ascii_digit()) {
        return Err(not_landline());
    }
    if !first.starts_with('0') {
        return Err(LandlineError::MissingAreaCode(masked(input)));
    }
    match parts.as_slice() {
        // 0755-12345678 or 0755-12345678-123
        [area, local, rest @ ..] if area.len() <= 4 && rest.len() <= 1 => Ok((
            (*area).to_owned(),
            (*local).to_owned(),
            rest.first().map(|e| (*e).to_owned()),
        )),
        // 075512345678 or 075512345678-123
        [joined, rest @ ..] if rest.len() <= 1 => {
            let area_len = if joined.starts_with("010") || joined.starts_with("02") {
                3
            } else {
                4
            };
            if joined.len() <= area_len {
                return Err(LandlineError::MissingAreaCode(masked(input)));
            }
            let (area, local) = joined.split_at(area_len);
            Ok((
                area.to_owned(),
                local.to_owned(),
                rest.first().map(|e| (*e).to_owned()),
            ))
        }
        _ => Err(not_landline()),
    }
}

/// The local-number length an area code requires: "8", or "7或8" for 0[3-9]xx.
fn area_rule(area: &str) -> Result<&'static str, LandlineError> {
    let bytes = area.as_bytes();
    let digits = bytes.iter().all(u8::is_ascii_digit);
    match bytes {
        _ if !digits => Err(LandlineError::UnknownAreaCode(shown(area))),
        [b'0', b'1', b'0'] | [b'0', b'2', _] => Ok("8"),
        [b'0', b'3'..=b'9', _, _] => Ok("7或8"),
        _ => Err(LandlineError::UnknownAreaCode(shown(area))),
    }
}

impl fmt::Display for Landline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

/// 电话号码 — a mobile or a landline number, as a principal's phone fields allow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhoneNumber {
    /// 手机号码.
    Mobile(MobileNumber),
    /// 固定电话.
    Landline(Landline),
}

/// Why a text is neither a mobile nor a landline number: the error of the reading the
/// text most looks like (a leading 1 reads as mobile, anything else as landline).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Read as a mobile number.
    #[error(transparent)]
    Mobile(MobileError),
    /// Read as a landline number.
    #[error(transparent)]
    Landline(LandlineError),
}

impl PhoneNumber {
    /// Reads a mobile number, or failing that a landline number.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let mobile = match MobileNumber::parse(input) {
            Ok(m) => return Ok(PhoneNumber::Mobile(m)),
            Err(e) => e,
        };
        let landline = match Landline::parse(input) {
            Ok(l) => return Ok(PhoneNumber::Landline(l)),
            Err(e) => e,
        };
        Err(match mobile {
            MobileError::NotMobile(_) | MobileError::InvalidCharacter { .. } => {
                PhoneError::Landline(landline)
            }
            other => PhoneError::Mobile(other),
        })
    }

    /// The normalised form.
    pub fn as_str(&self) -> &str {
        match self {
            PhoneNumber::Mobile(m) => m.as_str(),
            PhoneNumber::Landline(l) => l.as_str(),
        }
    }

    /// Whether both reach the same line: the same mobile number, or the same area code
    /// and local number. An extension reaches the same switchboard, so it is ignored; this
    /// is what "应急联系电话 must differ from the principal's phone" needs.
    pub fn same_line(&self, other: &PhoneNumber) -> bool {
        match (self, other) {
            (PhoneNumber::Mobile(a), PhoneNumber::Mobile(b)) => a.digits == b.digits,
            (PhoneNumber::Landline(a), PhoneNumber::Landline(b)) => {
                a.area == b.area && a.local == b.local
            }
            _ => false,
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phone number as shown in an error message: cut to a readable length and masked,
/// because a phone number is personal data even when it is malformed.
fn masked(s: &str) -> String {
    crate::pii::mask_phone(&shown(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_assigned_segments_parse() {
        let cases = [
            (
                "13800138000",
                "13800138000",
                Carrier::ChinaMobile,
                "138 移动",
            ),
            (
                "13480001234",
                "13480001234",
                Carrier::ChinaMobile,
                "1348 移动",
            ),
            (
                "13490001234",
                "13490001234",
                Carrier::ChinaTelecom,
                "1349 电信",
            ),
            (
                "+86 138 0013 8000",
                "13800138000",
                Carrier::ChinaMobile,
                "+86 and spaces",
            ),
            (
                "0086-138-0013-8000",
                "13800138000",
                Carrier::ChinaMobile,
                "0086 and dashes",
            ),
            (
                "8613800138000",
                "13800138000",
                Carrier::ChinaMobile,
                "86 without plus",
            ),
            (
                "１８６１２３４５６７８",
                "18612345678",
                Carrier::ChinaUnicom,
                "full-width",
            ),
            (
                "17400001234",
                "17400001234",
                Carrier::ChinaTelecom,
                "17400 电信",
            ),
            ("19212345678", "19212345678", Carrier::ChinaBroadnet, "广电"),
            ("17012345678", "17012345678", Carrier::Virtual, "MVNO 170"),
            ("16512345678", "16512345678", Carrier::Virtual, "MVNO 165"),
            (
                "19912345678",
                "19912345678",
                Carrier::ChinaTelecom,
                "199 电信",
            ),
            (
                "14712345678",
                "14712345678",
                Carrier::ChinaMobile,
                "data card 147",
            ),
        ];
        for (input, expected, carrier, why) in cases {
            let parsed =
                MobileNumber::parse(input).unwrap_or_else(|e| panic!("{why}: {input}: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
            assert_eq!(parsed.original_carrier(), carrier, "{why}");
        }
        assert!(
            MobileNumber::parse("14512345678")
                .expect("145")
                .is_data_card()
        );
        assert!(
            !MobileNumber::parse("13800138000")
                .expect("138")
                .is_data_card()
        );
    }

    #[test]
    fn numbers_outside_person_facing_segments_are_refused_with_a_message() {
        let cases = [
            ("", "为空", "empty"),
            ("12012345678", "号段120未分配", "12x is unassigned"),
            ("14012345678", "号段140未分配", "140 is unassigned"),
            ("15412345678", "号段154未分配", "154 is unassigned"),
            ("17406123456", "号段17406用于应急通信", "emergency"),
            ("17412123456", "号段17412用于应急通信", "emergency 1741x"),
            ("17490123456", "号段1749用于卫星通信", "satellite"),
            ("17413123456", "号段17413未分配", "174 outside the blocks"),
            ("1440123456789", "13位物联网号码", "13-digit IoT"),
            ("1064812345678", "13位物联网号码", "13-digit IoT 106"),
            (
                "14612345678",
                "物联网专用号段",
                "11-digit number in an IoT segment",
            ),
            ("1380013800", "应为11位，实际为10位", "too short"),
            ("138001380001", "实际为12位", "too long"),
            ("23800138000", "不是手机号码", "does not start with 1"),
            ("138o0138000", "无效字符「o」", "a letter o"),
        ];
        for (input, expected, why) in cases {
            let err = MobileNumber::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn landlines_in_every_common_form_parse() {
        let cases = [
            ("0755-12345678", "0755-12345678", "dash"),
            ("(0755)12345678", "0755-12345678", "parentheses"),
            (
                "（0755）12345678",
                "0755-12345678",
                "full-width parentheses",
            ),
            ("075512345678", "0755-12345678", "no separator"),
            ("0755 1234 5678", "0755-12345678", "grouped"),
            ("+86 755 12345678", "0755-12345678", "international"),
            ("+86 10 62345678", "010-62345678", "international Beijing"),
            (
                "86 0755 88889999",
                "0755-88889999",
                "86 without plus, trunk 0 kept",
            ),
            (
                "+86 (0755) 8888 9999",
                "0755-88889999",
                "international with parentheses",
            ),
            ("010-62345678", "010-62345678", "Beijing"),
            ("01062345678", "010-62345678", "Beijing without dash"),
            ("021-62345678-123", "021-62345678-123", "extension"),
            ("021-62345678转123", "021-62345678-123", "转 extension"),
            ("02162345678-8", "021-62345678-8", "joined with extension"),
            ("0898-6234567", "0898-6234567", "7-digit local number"),
        ];
        for (input, expected, why) in cases {
            let parsed = Landline::parse(input).unwrap_or_else(|e| panic!("{why}: {input}: {e}"));
            assert_eq!(parsed.to_string(), expected, "{why}");
        }
        let l = Landline::parse("021-62345678-123").expect("valid");
        assert_eq!(l.area_code(), "021");
        assert_eq!(l.local_number(), "62345678");
        assert_eq!(l.extension(), Some("123"));
    }

    #[test]
    fn malformed_landlines_are_refused_with_a_message() {
        let cases = [
            ("", "为空", "empty"),
            ("62345678", "缺少区号", "no area code"),
            (
                "010-6234567",
                "应为8位，实际为7位",
                "Beijing needs 8 digits",
            ),
            ("0755-623456", "应为7或8位，实际为6位", "too short"),
            ("0155-62345678", "区号0155无效", "01 area other than 010"),
            (
                "0755-02345678",
                "不能以0开头",
                "local number starting with 0",
            ),
            (
                "0755-62345678-1234567",
                "分机号「1234567」无效",
                "extension too long",
            ),
            ("0755-6234-5678-9-1", "不是固定电话号码", "too many parts"),
            ("电话0755", "不是固定电话号码", "words"),
            ("400-810-8888", "企业服务号码", "400 number"),
            ("95588", "企业服务号码", "bank short number"),
        ];
        for (input, expected, why) in cases {
            let err = Landline::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn phone_numbers_are_read_as_mobile_or_landline() {
        assert!(matches!(
            PhoneNumber::parse("138 0013 8000"),
            Ok(PhoneNumber::Mobile(_))
        ));
        assert!(matches!(
            PhoneNumber::parse("(0755)12345678"),
            Ok(PhoneNumber::Landline(_))
        ));
        let err = PhoneNumber::parse("12012345678").expect_err("unassigned");
        assert!(matches!(
            err,
            PhoneError::Mobile(MobileError::UnknownSegment(_))
        ));
        let err = PhoneNumber::parse("0155-62345678").expect_err("bad area");
        assert!(err.to_string().contains("区号0155无效"), "{err}");
    }

    #[test]
    fn the_same_line_is_recognised_whatever_the_formatting() {
        let p = |s: &str| PhoneNumber::parse(s).expect(s);
        assert!(p("+86 138-0013-8000").same_line(&p("13800138000")));
        assert!(p("(0755)12345678").same_line(&p("0755-12345678-8")));
        assert!(!p("0755-12345678").same_line(&p("0755-12345679")));
        assert!(!p("13800138000").same_line(&p("0755-12345678")));
    }
}
