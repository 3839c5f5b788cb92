//! 备案信息 — the filing model: an entity (主体) and its websites (网站), read from JSON.
//!
//! Structural problems (a missing field, an unknown field, a wrong type, a date that is not
//! a date) refuse the whole file with the JSON path, line and column, because nothing can be
//! judged on a half-read filing. Regulatory problems (a bad checksum, a wrong province, a
//! name with a banned word) are *not* refused here: they are exactly what `beian lint`
//! reports as findings, so the numbers stay plain strings in this model.
//!
//! Files may carry `//` and `/* */` comments (JSONC), so the examples can explain each field.

use std::fmt;
use std::net::IpAddr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

/// 备案 — one entity and the websites it filed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    /// 主体.
    pub entity: Entity,
    /// 网站, in filing order; an entity may have none yet.
    #[serde(default)]
    pub websites: Vec<Website>,
}

/// 主体 — the company, person or body that holds the filing.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// 主体性质.
    pub kind: EntityKind,
    /// 主办单位名称 (for a person, the person's name).
    #[serde(deserialize_with = "non_empty")]
    pub name: String,
    /// 主体证件类型.
    pub certificate_type: CertificateType,
    /// 主体证件号码, as filed.
    #[serde(deserialize_with = "non_empty")]
    pub certificate_number: String,
    /// 证件有效期至; absent when unknown.
    #[serde(default)]
    pub certificate_valid_until: Option<ValidUntil>,
    /// 法定代表人 (companies and other organisations).
    #[serde(default)]
    pub legal_representative: Option<String>,
    /// 证件住所 / 通信地址.
    #[serde(default)]
    pub address: Option<String>,
    /// 主体备案号, e.g. 京ICP备2024000001号; absent before the first approval.
    #[serde(default)]
    pub filing_number: Option<String>,
    /// 主体负责人.
    pub principal: Person,
}

/// 负责人 — the person answerable for the entity or for one website.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// 姓名.
    #[serde(deserialize_with = "non_empty")]
    pub name: String,
    /// 证件类型.
    pub id_type: IdType,
    /// 证件号码, as filed.
    #[serde(deserialize_with = "non_empty")]
    pub id_number: String,
    /// 证件有效期至: a date or 长期.
    pub id_valid_until: ValidUntil,
    /// 手机号码.
    pub mobile: String,
    /// 应急联系电话.
    #[serde(default)]
    pub emergency_phone: Option<String>,
    /// 电子邮箱.
    #[serde(default)]
    pub email: Option<String>,
}

/// 网站 — one filed website.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Website {
    /// 网站名称.
    #[serde(deserialize_with = "non_empty")]
    pub name: String,
    /// 网站备案号, e.g. 京ICP备2024000001号-1; absent before approval.
    #[serde(default)]
    pub filing_number: Option<String>,
    /// 网站域名, as filed (may be Unicode or punycode).
    pub domains: Vec<String>,
    /// 接入IP.
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    /// 网站负责人; when absent, the entity's principal answers for the site.
    #[serde(default)]
    pub principal: Option<Person>,
    /// 前置审批.
    #[serde(default)]
    pub pre_approvals: Vec<PreApproval>,
    /// 网站内容描述 (required for personal filings).
    #[serde(default)]
    pub content_description: Option<String>,
}

/// 前置审批 — one approval document a site filed for a regulated field.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreApproval {
    /// 审批类别.
    pub category: PreApprovalCategory,
    /// 审批文号 / 许可证编号.
    #[serde(deserialize_with = "non_empty")]
    pub number: String,
}

/// 有效期 — a certificate's end of validity: a day, or 长期 (no end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntil {
    /// Valid up to and including this day.
    Date(NaiveDate),
    /// 长期: no end date.
    Indefinite,
}

impl ValidUntil {
    /// Whether the document has expired on `today` (it is valid through its last day).
    pub fn expired_on(self, today: NaiveDate) -> bool {
        match self {
            ValidUntil::Date(last_day) => today > last_day,
            ValidUntil::Indefinite => false,
        }
    }
}

impl fmt::Display for ValidUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidUntil::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            ValidUntil::Indefinite => f.write_str("长期"),
        }
    }
}

impl<'de> Deserialize<'de> for ValidUntil {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        let s = s.trim();
        if s == "长期" || s.eq_ignore_ascii_case("indefinite") {
            return Ok(ValidUntil::Indefinite);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(ValidUntil::Date)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{s}` is not a date: expected YYYY-MM-DD or 长期"
                ))
            })
    }
}

impl Serialize for ValidUntil {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn non_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let s = String::deserialize(deserializer)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(s)
}

/// Declares an enum that is written in JSON either as its English code or its Chinese label.
macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The English code used in JSON.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Chinese label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses the English code or the Chinese label.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s || v.label() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $name::parse(&s).ok_or_else(|| {
                    let known: Vec<String> = $name::ALL
                        .iter()
                        .map(|v| format!("{} ({})", v.code(), v.label()))
                        .collect();
                    serde::de::Error::custom(format!(
                        "unknown value `{s}`, expected one of: {}",
                        known.join(", ")
                    ))
                })
            }
        }
    };
}

coded_enum! {
    /// 主体性质 — what kind of holder the entity is.
    EntityKind {
        /// 企业.
        Company = "company", "企业";
        /// 个人.
        Personal = "personal", "个人";
        /// 政府机关.
        Government = "government", "政府机关";
        /// 事业单位、社会团体等其他组织.
        Other = "other", "其他组织";
    }
}

coded_enum! {
    /// 主体证件类型 — the document that identifies the entity.
    CertificateType {
        /// 统一社会信用代码 (营业执照、事业单位法人证书、社会团体登记证书等).
        CreditCode = "credit_code", "统一社会信用代码";
        /// 工商营业执照注册号: the 15-digit number 三证合一 replaced.
        LegacyBusinessRegistration = "legacy_business_registration", "工商营业执照注册号";
        /// 组织机构代码: the 9-character code 三证合一 replaced.
        LegacyOrganizationCode = "legacy_organization_code", "组织机构代码";
        /// 居民身份证.
        ResidentId = "resident_id", "居民身份证";
        /// 护照.
        Passport = "passport", "护照";
        /// 港澳居民来往内地通行证.
        HkMacaoPermit = "hk_macao_permit", "港澳居民来往内地通行证";
        /// 台湾居民来往大陆通行证.
        TaiwanPermit = "taiwan_permit", "台湾居民来往大陆通行证";
        /// 外国人永久居留身份证.
        ForeignPermanentResidence = "foreign_permanent_residence", "外国人永久居留身份证";
        /// 军队单位代号或其他证件.
        Other = "other", "其他证件";
    }
}

coded_enum! {
    /// 负责人证件类型 — the document that identifies a person.
    IdType {
        /// 居民身份证.
        ResidentId = "resident_id", "居民身份证";
        /// 护照.
        Passport = "passport", "护照";
        /// 港澳居民来往内地通行证.
        HkMacaoPermit = "hk_macao_permit", "港澳居民来往内地通行证";
        /// 台湾居民来往大陆通行证.
        TaiwanPermit = "taiwan_permit", "台湾居民来往大陆通行证";
        /// 外国人永久居留身份证.
        ForeignPermanentResidence = "foreign_permanent_residence", "外国人永久居留身份证";
    }
}

coded_enum! {
    /// 前置审批类别 — a regulated field that needs an approval before a site may serve it.
    PreApprovalCategory {
        /// 新闻.
        News = "news", "新闻";
        /// 出版.
        Publishing = "publishing", "出版";
        /// 教育.
        Education = "education", "教育";
        /// 医疗保健.
        Medical = "medical", "医疗保健";
        /// 药品和医疗器械.
        DrugsAndDevices = "drugs_and_devices", "药品和医疗器械";
        /// 文化.
        Culture = "culture", "文化";
        /// 广播电影电视节目.
        Broadcast = "broadcast", "广播电影电视节目";
        /// 电子公告.
        Bbs = "bbs", "电子公告";
        /// 网络预约车.
        RideHailing = "ride_hailing", "网络预约车";
        /// 金融.
        Finance = "finance", "金融";
        /// 网络游戏.
        OnlineGames = "online_games", "网络游戏";
        /// 宗教.
        Religion = "religion", "宗教";
    }
}

impl Filing {
    /// Reads a filing from JSON (comments allowed). The error names the JSON path, the line
    /// and column, and the reason.
    pub fn from_json(text: &str) -> Result<Filing, FilingError> {
        let stripped = strip_json_comments(text);
        let mut de = serde_json::Deserializer::from_str(&stripped);
        let filing: Filing =
            serde_path_to_error::deserialize(&mut de).map_err(|e| FilingError::new(&e))?;
        de.end().map_err(|e| FilingError {
            path: String::new(),
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
        Ok(filing)
    }

    /// The website's own principal, or the entity's when the site names none.
    pub fn principal_of(&self, website: &Website) -> Person {
        website
            .principal
            .clone()
            .unwrap_or_else(|| self.entity.principal.clone())
    }
}

/// A filing file that cannot be read: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason} (line {line}, column {column})", path_prefix(path))]
pub struct FilingError {
    /// The JSON path of the bad value, e.g. `websites[0].domains`; empty at the top.
    pub path: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// Why it was refused.
    pub reason: String,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl FilingError {
    fn new(e: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let inner = e.inner();
        // serde_json appends " at line L column C"; we report those separately.
        let reason = inner.to_string();
        let reason = match reason.rfind(" at line ") {
            Some(at) => reason[..at].to_owned(),
            None => reason,
        };
        FilingError {
            path: e.path().to_string(),
            line: inner.line(),
            column: inner.column(),
            reason,
        }
    }
}

/// Blanks out `//` and `/* */` comments outside strings, keeping every line and column
/// where it was so that error positions still point into the original file.
pub fn strip_json_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                out.push(' ');
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                    out.push(blank(next));
                }
            }
            ('/', Some('*')) => {
                out.push(' ');
                let mut previous = ' ';
                for next in chars.by_ref() {
                    out.push(if next == '\n' { '\n' } else { blank(next) });
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// A space of one column for any character, so positions keep counting characters.
fn blank(_: char) -> char {
    ' '
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
      // a comment
      "entity": {
        "kind": "personal",
        "name": "张三",
        "certificate_type": "居民身份证",
        "certificate_number": "11010519491231002X",
        "principal": {
          "name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X",
          "id_valid_until": "长期", "mobile": "13800138000"
        }
      },
      /* websites */
      "websites": [{"name": "张三的随笔", "domains": ["example.cn"], "ips": ["203.0.113.7"]}]
    }"#;

    #[test]
    fn a_commented_filing_parses() {
        let filing = Filing::from_json(MINIMAL).expect("parses");
        assert_eq!(filing.entity.kind, EntityKind::Personal);
        assert_eq!(filing.entity.certificate_type, CertificateType::ResidentId);
        assert_eq!(
            filing.entity.principal.id_valid_until,
            ValidUntil::Indefinite
        );
        assert_eq!(filing.websites[0].ips.len(), 1);
    }

    #[test]
    fn errors_name_the_path_and_reason() {
        let cases = [
            (
                MINIMAL.replace("\"kind\": \"personal\"", "\"kind\": \"alien\""),
                "entity.kind",
                "unknown value `alien`",
            ),
            (
                MINIMAL.replace("\"mobile\"", "\"mobil\""),
                "entity.principal.mobil",
                "unknown field `mobil`",
            ),
            (
                MINIMAL.replace("\"长期\"", "\"2024-02-30\""),
                "entity.principal.id_valid_until",
                "is not a date",
            ),
            (
                MINIMAL.replace("203.0.113.7", "203.0.113"),
                "websites[0].ips[0]",
                "invalid IP address",
            ),
            (
                MINIMAL.replace("\"name\": \"张三的随笔\"", "\"name\": \" \""),
                "websites[0].name",
                "must not be empty",
            ),
            (
                MINIMAL.replace("\"domains\": [\"example.cn\"], ", ""),
                "websites[0]",
                "missing field `domains`",
            ),
        ];
        for (text, path, reason) in cases {
            let err = Filing::from_json(&text).expect_err(path);
            assert_eq!(err.path, path, "{err}");
            assert!(err.reason.contains(reason), "{err}");
            assert!(err.line > 1, "{err}");
        }
    }

    #[test]
    fn trailing_garbage_and_syntax_errors_are_refused_with_a_position() {
        let err = Filing::from_json(&format!("{MINIMAL} x")).expect_err("garbage");
        assert!(err.line >= 15, "{err}");
        let err = Filing::from_json("{\"entity\": ").expect_err("truncated");
        assert_eq!(err.line, 1);
    }

    #[test]
    fn comment_stripping_keeps_strings_and_positions() {
        let text = "{\"a\": \"// not a comment\", // yes\n\"b\": \"/* no */\" /* yes */}";
        let stripped = strip_json_comments(text);
        assert_eq!(stripped.chars().count(), text.chars().count());
        let value: serde_json::Value = serde_json::from_str(&stripped).expect("json");
        assert_eq!(value["a"], "// not a comment");
        assert_eq!(value["b"], "/* no */");
    }

    #[test]
    fn validity_is_inclusive_of_the_last_day() {
        let last = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        let v = ValidUntil::Date(last);
        assert!(!v.expired_on(last));
        assert!(v.expired_on(last.succ_opt().expect("date")));
        assert!(!ValidUntil::Indefinite.expired_on(last));
    }
}
