//! 网站自查 — a site owner's check of one site from a few facts (its domain, its filing
//! number, its filed site name; optionally the filing's IPs and the 主办单位's name),
//! without writing a whole filing.
//!
//! The console's public self-check and `beian check --site` both build their filing here.
//! The entity data of that filing is a placeholder, so only website checks are shown, and
//! of those only the ones the given facts can support: without the filed IPs
//! `site.ip_mismatch` would fail every site, and without the 主办单位's name
//! `site.content_mismatch` would take any copyright line for someone else's. Those are
//! listed as not judged, with the fact that is missing.

use std::net::IpAddr;

use beian_domain::catalogue::Scope;
use beian_domain::filing::EntityKind;
use beian_domain::ident::{DomainName, IcpFilingNumber};
use beian_domain::{CheckId, Filing, Finding};

/// The most filed IPs a self-check takes.
pub const MAX_IPS: usize = 64;

/// Why a self-check's input was refused; names the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelfCheckError {
    /// The domain is not a domain name.
    #[error("域名“{0}”无效：{1}")]
    Domain(String, String),
    /// The filing number is not an ICP filing number.
    #[error("备案号“{0}”无效：{1}")]
    FilingNumber(String, String),
    /// The site name is empty or too long.
    #[error("网站名称不能为空，也不能超过 100 个字")]
    SiteName,
    /// An IP is not an IPv4 or IPv6 address.
    #[error("IP 地址“{0}”无效")]
    Ip(String),
    /// More IPs than a site is filed with.
    #[error("IP 地址最多 {MAX_IPS} 个，收到 {0} 个")]
    TooManyIps(usize),
    /// The 主办单位's name is empty or too long.
    #[error("主办单位名称不能为空，也不能超过 100 个字")]
    Owner,
    /// The entity kind is none of the known ones.
    #[error("主体性质“{0}”无效：可用 企业、个人、政府机关、其他组织")]
    Kind(String),
}

/// Reads an entity kind as a self-check takes it: the Chinese label or the English code.
pub fn parse_kind(text: &str) -> Result<EntityKind, SelfCheckError> {
    EntityKind::parse(text).ok_or_else(|| SelfCheckError::Kind(text.trim().to_owned()))
}

/// 自查信息 — what a site owner tells the self-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckFacts {
    /// The domain, e.g. `example.cn` (trimmed, lower-cased, a final dot dropped).
    pub domain: String,
    /// 备案号, of the entity or the site, e.g. `京ICP备2024012345号-1`.
    pub filing_number: String,
    /// 网站名称 as filed.
    pub site_name: String,
    /// 主体性质: which naming and content rules apply (企业 unless said otherwise; the
    /// answer says which was used).
    pub kind: EntityKind,
    /// 主办单位名称, if given: the copyright line is then judged against it.
    pub owner: Option<String>,
    /// The filed IPs (网站接入 IP), if given: the DNS answers are then judged against them.
    pub ips: Vec<String>,
}

impl SelfCheckFacts {
    /// The three facts every self-check needs.
    pub fn new(domain: &str, filing_number: &str, site_name: &str) -> SelfCheckFacts {
        SelfCheckFacts {
            domain: domain.to_owned(),
            filing_number: filing_number.to_owned(),
            site_name: site_name.to_owned(),
            kind: EntityKind::Company,
            owner: None,
            ips: Vec::new(),
        }
    }

    /// Builds the filing the engine checks: the owner's facts, with placeholder entity data
    /// that no shown check reads.
    pub fn filing(&self) -> Result<Filing, SelfCheckError> {
        let domain = self.domain.trim().trim_end_matches('.').to_lowercase();
        DomainName::parse(&domain)
            .map_err(|e| SelfCheckError::Domain(domain.clone(), e.to_string()))?;
        let number = IcpFilingNumber::parse(self.filing_number.trim()).map_err(|e| {
            SelfCheckError::FilingNumber(self.filing_number.trim().to_string(), e.to_string())
        })?;
        let name = self.site_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(SelfCheckError::SiteName);
        }
        let owner = match &self.owner {
            Some(owner) => {
                let owner = owner.trim();
                if owner.is_empty() || owner.chars().count() > 100 {
                    return Err(SelfCheckError::Owner);
                }
                owner
            }
            None => "自查主体",
        };
        if self.ips.len() > MAX_IPS {
            return Err(SelfCheckError::TooManyIps(self.ips.len()));
        }
        let ips = self
            .ips
            .iter()
            .map(|ip| {
                ip.trim()
                    .parse::<IpAddr>()
                    .map(|ip| ip.to_string())
                    .map_err(|_| SelfCheckError::Ip(ip.trim().to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let site_number = number.is_site().then(|| number.as_str().to_string());
        // Placeholders no shown check reads, of the certificate the kind usually has.
        let (certificate_type, certificate_number) = if self.kind == EntityKind::Personal {
            ("居民身份证", "110101199001011234")
        } else {
            ("统一社会信用代码", "91110000000000000X")
        };
        let body = serde_json::json!({
            "entity": {
                "kind": self.kind.code(),
                "name": owner,
                "certificate_type": certificate_type,
                "certificate_number": certificate_number,
                "filing_number": number.entity_number().as_str(),
                "principal": {
                    "name": "自查", "id_type": "居民身份证", "id_number": "110101199001011234",
                    "id_valid_until": "长期", "mobile": "13800000000"
                }
            },
            "websites": [{
                "name": name,
                "filing_number": site_number,
                "domains": [domain],
                "ips": ips,
            }]
        });
        Filing::from_json(&body.to_string())
            .map_err(|e| SelfCheckError::FilingNumber(number.as_str().to_string(), e.to_string()))
    }

    /// The website checks these facts cannot support, each with the fact that is missing.
    pub fn not_judged(&self) -> Vec<(CheckId, &'static str)> {
        let mut missing = Vec::new();
        if self.ips.is_empty() {
            missing.push((
                CheckId::SiteIpMismatch,
                "未提供备案的接入 IP，无法比对域名解析结果",
            ));
        }
        // A personal site is judged on what it shows, whoever runs it; a unit's site on
        // whether its copyright line names the unit.
        if self.owner.is_none() && self.kind != EntityKind::Personal {
            missing.push((
                CheckId::SiteContentMismatch,
                "未提供主办单位名称，无法比对首页版权声明",
            ));
        }
        if self.kind == EntityKind::Personal {
            missing.push((
                CheckId::SiteContentDescription,
                "自查不填写网站内容描述，无法核对",
            ));
        }
        missing
    }

    /// Whether a finding belongs in the answer: a website check the facts support.
    pub fn shown(&self, finding: &Finding) -> bool {
        finding.def().scope == Scope::Website
            && !self.not_judged().iter().any(|(id, _)| *id == finding.check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beian_domain::Status;
    use beian_domain::finding::Target;

    #[test]
    fn builds_a_filing_from_the_facts() {
        let f = SelfCheckFacts::new("Example.CN.", "京ICP备2024012345号-2", "示例网站")
            .filing()
            .unwrap();
        assert_eq!(f.websites[0].domains, vec!["example.cn".to_string()]);
        assert_eq!(
            f.websites[0].filing_number.as_deref(),
            Some("京ICP备2024012345号-2")
        );
        assert_eq!(
            f.entity.filing_number.as_deref(),
            Some("京ICP备2024012345号")
        );
        let f = SelfCheckFacts::new("example.cn", "京ICP备2024012345号", "示例网站")
            .filing()
            .unwrap();
        assert_eq!(f.websites[0].filing_number, None);
        let facts = SelfCheckFacts {
            owner: Some(" 北京云帆数据科技有限公司 ".into()),
            ips: vec!["203.0.113.10".into(), " 2001:db8::1 ".into()],
            ..SelfCheckFacts::new("example.cn", "京ICP备2024012345号", "示例网站")
        };
        let f = facts.filing().unwrap();
        assert_eq!(f.entity.name, "北京云帆数据科技有限公司");
        assert_eq!(f.websites[0].ips.len(), 2);
    }

    #[test]
    fn refuses_bad_facts_by_name() {
        let facts =
            |domain: &str, number: &str, name: &str| SelfCheckFacts::new(domain, number, name);
        let table = [
            (
                facts("not a domain", "京ICP备2024012345号", "x"),
                "域名“not a domain”无效",
            ),
            (facts("example.cn", "ICP123", "x"), "备案号“ICP123”无效"),
            (
                facts("example.cn", "京ICP备2024012345号", "  "),
                "网站名称不能为空",
            ),
            (
                SelfCheckFacts {
                    ips: vec!["203.0.113.300".into()],
                    ..facts("example.cn", "京ICP备2024012345号", "x")
                },
                "IP 地址“203.0.113.300”无效",
            ),
            (
                SelfCheckFacts {
                    owner: Some(" ".into()),
                    ..facts("example.cn", "京ICP备2024012345号", "x")
                },
                "主办单位名称不能为空",
            ),
        ];
        for (facts, want) in table {
            let err = facts.filing().unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }

    #[test]
    fn checks_the_facts_cannot_support_are_not_shown() {
        let finding = |check| Finding::new(check, Status::Fail, Target::Entity, "x");
        let bare = SelfCheckFacts::new("example.cn", "京ICP备2024012345号", "示例网站");
        assert!(!bare.shown(&finding(CheckId::SiteIpMismatch)));
        assert!(!bare.shown(&finding(CheckId::SiteContentMismatch)));
        assert!(bare.shown(&finding(CheckId::SiteTitleMismatch)));
        assert!(!bare.shown(&finding(CheckId::EntityCertificateMismatch)));
        let full = SelfCheckFacts {
            owner: Some("北京云帆数据科技有限公司".into()),
            ips: vec!["203.0.113.10".into()],
            ..bare
        };
        assert!(full.not_judged().is_empty());
        assert!(full.shown(&finding(CheckId::SiteIpMismatch)));
        assert!(full.shown(&finding(CheckId::SiteContentMismatch)));
        // A personal site's content is judged without a unit's name; its description,
        // which a self-check does not take, is not.
        let personal = SelfCheckFacts {
            kind: EntityKind::Personal,
            ..SelfCheckFacts::new("example.cn", "京ICP备2024012345号", "示例网站")
        };
        assert!(personal.shown(&finding(CheckId::SiteContentMismatch)));
        assert!(!personal.shown(&finding(CheckId::SiteContentDescription)));
        assert_eq!(personal.filing().unwrap().entity.kind, EntityKind::Personal);
    }

    #[test]
    fn kinds_are_read_in_either_language() {
        assert_eq!(parse_kind("个人"), Ok(EntityKind::Personal));
        assert_eq!(parse_kind(" government "), Ok(EntityKind::Government));
        assert_eq!(
            parse_kind("公司").unwrap_err().to_string(),
            "主体性质“公司”无效：可用 企业、个人、政府机关、其他组织"
        );
    }
}
