//! entity.business_status — 企业经营状态异常.
//!
//! Judged on the business registry's record of the entity: 存续, 在业 and 迁出 are alive;
//! 注销, 吊销未注销 and 撤销 mean the entity can no longer hold a filing. A wording the
//! contract does not know is a warning for a person to read, and an entity the registry
//! does not know at all is a warning too (a 事业单位 or 社会团体 is registered elsewhere).
//! Persons have no business registration: the check does not apply to them.

use beian_domain::{CheckId, Finding, Status, Target};

use crate::registry_evidence::{
    Answer, BusinessRecord, BusinessStatus, Outcome, RegistryCheck, RegistryContext, RegistryKind,
    unavailable,
};

pub struct BusinessStatusCheck;

impl RegistryCheck for BusinessStatusCheck {
    fn id(&self) -> CheckId {
        CheckId::EntityBusinessStatus
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if !ctx.evidence.has(RegistryKind::BusinessRegistry) {
            return Vec::new();
        }
        ctx.evidence
            .business
            .as_ref()
            .map(|answer| judge(&ctx.filing.entity.name, answer))
            .into_iter()
            .collect()
    }
}

/// Judges the registry's answer about the entity filed as `filed_name`.
pub fn judge(filed_name: &str, answer: &Answer<BusinessRecord>) -> Finding {
    let check = CheckId::EntityBusinessStatus;
    let record = match &answer.outcome {
        Outcome::Found(record) => record,
        Outcome::NotFound => {
            return Finding::new(
                check,
                Status::Warn,
                Target::Entity,
                format!("工商登记中查不到“{filed_name}”，请人工确认主体的登记机关和状态"),
            )
            .field("主办单位名称")
            .with(answer.evidence("查询结果", "查无此企业"));
        }
        Outcome::Unavailable(reason) => {
            return unavailable(check, Target::Entity, "经营状态", answer, reason);
        }
    };
    let (status, message) = match &record.status {
        BusinessStatus::Existing | BusinessStatus::Operating | BusinessStatus::MovedOut => (
            Status::Pass,
            format!("“{}”登记状态为{}", record.name, record.status.label()),
        ),
        BusinessStatus::Deregistered => (
            Status::Fail,
            format!("“{}”已在工商登记中注销，不能再作为备案主体", record.name),
        ),
        BusinessStatus::RevokedNotDeregistered => (
            Status::Fail,
            format!(
                "“{}”的营业执照已被吊销（吊销未注销），不能再开办网站",
                record.name
            ),
        ),
        BusinessStatus::Cancelled => (Status::Fail, format!("“{}”的登记已被撤销", record.name)),
        BusinessStatus::Other(text) => (
            Status::Warn,
            format!(
                "“{}”的登记状态为“{text}”，不在约定的状态之列，请人工确认",
                record.name
            ),
        ),
    };
    Finding::new(check, status, Target::Entity, message)
        .field("主体经营状态")
        .with(answer.evidence("登记状态", record.status.label().to_owned()))
        .with(answer.evidence("统一社会信用代码", record.credit_code.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(status: BusinessStatus) -> BusinessRecord {
        BusinessRecord {
            name: "北京云帆数据科技有限公司".into(),
            credit_code: "91110108772551611J".into(),
            status,
            legal_representative: Some("李明".into()),
            address: Some("北京市海淀区中关村大街1号".into()),
            valid_from: None,
            valid_until: None,
            former_names: Vec::new(),
            former_numbers: Vec::new(),
        }
    }

    fn answer(outcome: Outcome<BusinessRecord>) -> Answer<BusinessRecord> {
        Answer {
            outcome,
            source: "http://registry.test/".into(),
            observed_at: "2026-11-29T10:00:00+08:00".into(),
        }
    }

    #[test]
    fn only_a_dead_entity_fails() {
        let cases = [
            (
                Outcome::Found(record(BusinessStatus::Existing)),
                Status::Pass,
            ),
            (
                Outcome::Found(record(BusinessStatus::Operating)),
                Status::Pass,
            ),
            (
                Outcome::Found(record(BusinessStatus::MovedOut)),
                Status::Pass,
            ),
            (
                Outcome::Found(record(BusinessStatus::Deregistered)),
                Status::Fail,
            ),
            (
                Outcome::Found(record(BusinessStatus::RevokedNotDeregistered)),
                Status::Fail,
            ),
            (
                Outcome::Found(record(BusinessStatus::Cancelled)),
                Status::Fail,
            ),
            (
                Outcome::Found(record(BusinessStatus::Other("清算中".into()))),
                Status::Warn,
            ),
            (Outcome::NotFound, Status::Warn),
            (
                Outcome::Unavailable("熔断中：连续 5 次失败".into()),
                Status::Inconclusive,
            ),
        ];
        for (outcome, expected) in cases {
            let finding = judge("北京云帆数据科技有限公司", &answer(outcome.clone()));
            assert_eq!(finding.status, expected, "{outcome:?}: {}", finding.message);
        }
    }

    #[test]
    fn an_outage_says_why() {
        let finding = judge(
            "北京云帆数据科技有限公司",
            &answer(Outcome::Unavailable("重试 3 次后仍返回 HTTP 503".into())),
        );
        assert!(finding.message.contains("HTTP 503"), "{}", finding.message);
    }
}
