//! 网站自查 — the public self-check: a domain, a filing number and a site name in, the
//! live site checks out.
//!
//! A site owner uses it before the provider's sweep finds the fault. Only the site-level
//! checks are shown: the entity data of the made-up filing the engine is given here is
//! not the owner's, so entity checks would judge nothing real.

use beian_domain::catalogue::Scope;
use beian_domain::ident::{DomainName, IcpFilingNumber};
use beian_domain::{Filing, Finding};
use beian_engine::Engine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 自查请求.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SelfCheckRequest {
    /// 域名, e.g. `example.cn`.
    pub domain: String,
    /// 备案号 (主体或网站), e.g. `京ICP备2024012345号-1`.
    pub filing_number: String,
    /// 备案的网站名称.
    pub site_name: String,
}

/// 自查结果: one row per site-level check that ran.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfCheckResult {
    pub domain: String,
    pub filing_number: String,
    pub site_name: String,
    /// Number of failing checks.
    pub failed: usize,
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<serde_json::Value>,
}

/// Why the form was refused; names the field and the value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelfCheckError {
    #[error("域名“{0}”无效：{1}")]
    Domain(String, String),
    #[error("备案号“{0}”无效：{1}")]
    FilingNumber(String, String),
    #[error("网站名称不能为空，也不能超过 100 个字")]
    SiteName,
}

/// Builds the filing the engine is given: the owner's domain, number and site name, and
/// placeholder entity data that no shown check reads.
pub fn filing_for(req: &SelfCheckRequest) -> Result<Filing, SelfCheckError> {
    let domain = req.domain.trim().trim_end_matches('.').to_lowercase();
    DomainName::parse(&domain)
        .map_err(|e| SelfCheckError::Domain(domain.clone(), e.to_string()))?;
    let number = IcpFilingNumber::parse(req.filing_number.trim()).map_err(|e| {
        SelfCheckError::FilingNumber(req.filing_number.trim().to_string(), e.to_string())
    })?;
    let name = req.site_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(SelfCheckError::SiteName);
    }
    let site_number = number.is_site().then(|| number.as_str().to_string());
    let body = serde_json::json!({
        "entity": {
            "kind": "企业",
            "name": "自查主体",
            "certificate_type": "统一社会信用代码",
            "certificate_number": "91110000000000000X",
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
        }]
    });
    Filing::from_json(&body.to_string())
        .map_err(|e| SelfCheckError::FilingNumber(number.as_str().to_string(), e.to_string()))
}

/// Whether a finding belongs in the self-check answer.
pub fn shown(finding: &Finding) -> bool {
    finding.def().scope == Scope::Website
}

/// Runs the live site checks for one self-check request.
pub async fn run(
    engine: &Engine,
    req: &SelfCheckRequest,
    today: NaiveDate,
) -> Result<SelfCheckResult, SelfCheckError> {
    let filing = filing_for(req)?;
    let report = engine.check(&filing, today).await;
    let findings: Vec<&Finding> = report.findings.iter().filter(|f| shown(f)).collect();
    Ok(SelfCheckResult {
        domain: filing.websites[0].domains[0].clone(),
        filing_number: req.filing_number.trim().to_string(),
        site_name: req.site_name.trim().to_string(),
        failed: findings
            .iter()
            .filter(|f| f.status == beian_domain::Status::Fail)
            .count(),
        findings: findings
            .into_iter()
            .map(|f| serde_json::to_value(f).unwrap_or_default())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(domain: &str, number: &str, name: &str) -> SelfCheckRequest {
        SelfCheckRequest {
            domain: domain.into(),
            filing_number: number.into(),
            site_name: name.into(),
        }
    }

    #[test]
    fn builds_a_filing_from_the_three_fields() {
        let f = filing_for(&req("Example.CN.", "京ICP备2024012345号-2", "示例网站")).unwrap();
        assert_eq!(f.websites[0].domains, vec!["example.cn".to_string()]);
        assert_eq!(
            f.websites[0].filing_number.as_deref(),
            Some("京ICP备2024012345号-2")
        );
        assert_eq!(
            f.entity.filing_number.as_deref(),
            Some("京ICP备2024012345号")
        );
        let f = filing_for(&req("example.cn", "京ICP备2024012345号", "示例网站")).unwrap();
        assert_eq!(f.websites[0].filing_number, None);
    }

    #[test]
    fn refuses_bad_fields_by_name() {
        let table = [
            (
                req("not a domain", "京ICP备2024012345号", "x"),
                "域名“not a domain”无效",
            ),
            (req("example.cn", "ICP123", "x"), "备案号“ICP123”无效"),
            (
                req("example.cn", "京ICP备2024012345号", "  "),
                "网站名称不能为空",
            ),
        ];
        for (r, want) in table {
            let err = filing_for(&r).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
