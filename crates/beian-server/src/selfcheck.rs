//! 网站自查 — the public self-check: a domain, a filing number and a site name in, the
//! live site checks out.
//!
//! A site owner uses it before the provider's sweep finds the fault. The filing it runs on
//! and which findings it shows are `beian_checks::selfcheck`'s, shared with
//! `beian check --site`.

pub use beian_checks::selfcheck::{SelfCheckError, SelfCheckFacts};
use beian_domain::Finding;
use beian_domain::filing::EntityKind;
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
    /// 主体性质（可选）：企业（默认）、个人、政府机关或其他组织，决定网站名称和内容按哪类规则核对.
    #[serde(default)]
    pub entity_kind: Option<String>,
    /// 主办单位名称（可选）：给出时核对首页版权声明.
    #[serde(default)]
    pub owner: Option<String>,
    /// 备案的接入 IP（可选）：给出时核对域名解析结果.
    #[serde(default)]
    pub ips: Vec<String>,
}

impl SelfCheckRequest {
    /// The facts the shared self-check reads; an unknown entity kind is refused.
    pub fn facts(&self) -> Result<SelfCheckFacts, SelfCheckError> {
        let kind = match self.entity_kind.as_deref().map(str::trim) {
            None | Some("") => EntityKind::Company,
            Some(text) => beian_checks::selfcheck::parse_kind(text)?,
        };
        Ok(SelfCheckFacts {
            kind,
            owner: self
                .owner
                .as_ref()
                .filter(|o| !o.trim().is_empty())
                .cloned(),
            ips: self.ips.clone(),
            ..SelfCheckFacts::new(&self.domain, &self.filing_number, &self.site_name)
        })
    }
}

/// 自查结果: one row per site-level check that ran.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfCheckResult {
    pub domain: String,
    /// 按哪类主体的规则核对（`company`、`personal`、`government`、`other`）.
    pub entity_kind: String,
    pub filing_number: String,
    pub site_name: String,
    /// Number of failing checks.
    pub failed: usize,
    /// Number of checks that could not be decided (a source that did not answer).
    pub inconclusive: usize,
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<serde_json::Value>,
    /// 未核查的项目及原因（缺少所需信息或数据源未配置）.
    pub not_judged: Vec<NotJudged>,
}

/// A website check the self-check did not judge, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotJudged {
    /// 核查项编号.
    pub check: String,
    /// 核查项名称.
    pub title: String,
    /// 原因.
    pub reason: String,
}

/// Runs the live site checks for one self-check request.
pub async fn run(
    engine: &Engine,
    req: &SelfCheckRequest,
    today: NaiveDate,
) -> Result<SelfCheckResult, SelfCheckError> {
    let facts = req.facts()?;
    let filing = facts.filing()?;
    let report = engine.check(&filing, today).await;
    let findings: Vec<&Finding> = report.findings.iter().filter(|f| facts.shown(f)).collect();
    let not_judged = facts
        .not_judged()
        .into_iter()
        .map(|(id, reason)| (id, reason.to_owned()))
        .chain(
            report
                .skipped
                .iter()
                .filter(|(id, _)| id.def().scope == beian_domain::catalogue::Scope::Website)
                .cloned(),
        )
        .map(|(id, reason)| NotJudged {
            check: id.as_str().to_owned(),
            title: id.def().title.to_owned(),
            reason,
        })
        .collect();
    Ok(SelfCheckResult {
        domain: filing.websites[0].domains[0].clone(),
        entity_kind: facts.kind.code().to_owned(),
        filing_number: req.filing_number.trim().to_string(),
        site_name: req.site_name.trim().to_string(),
        failed: findings
            .iter()
            .filter(|f| f.status == beian_domain::Status::Fail)
            .count(),
        inconclusive: findings
            .iter()
            .filter(|f| f.status == beian_domain::Status::Inconclusive)
            .count(),
        findings: findings
            .into_iter()
            .map(|f| serde_json::to_value(f).unwrap_or_default())
            .collect(),
        not_judged,
    })
}
