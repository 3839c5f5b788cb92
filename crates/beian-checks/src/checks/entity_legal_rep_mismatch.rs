//! entity.legal_rep_mismatch — 法定代表人与登记信息不一致.
//!
//! Judged on the business registry's current legal representative against the filed one,
//! compared exactly (after trimming): a name written differently is a different name to
//! the 管局. A company that filed none gets a warning; a registry record without one
//! (some entity types have a 负责人 instead) decides nothing.

use beian_domain::filing::Entity;
use beian_domain::{CheckId, Finding, Status, Target};

use crate::registry_evidence::{
    Answer, BusinessRecord, Outcome, RegistryCheck, RegistryContext, RegistryKind, unavailable,
};

pub struct LegalRepMismatch;

impl RegistryCheck for LegalRepMismatch {
    fn id(&self) -> CheckId {
        CheckId::EntityLegalRepMismatch
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if !ctx.evidence.has(RegistryKind::BusinessRegistry) {
            return Vec::new();
        }
        ctx.evidence
            .business
            .as_ref()
            .map(|answer| judge(&ctx.filing.entity, answer))
            .into_iter()
            .collect()
    }
}

/// Judges the filed legal representative against the registry's answer.
pub fn judge(entity: &Entity, answer: &Answer<BusinessRecord>) -> Finding {
    let check = CheckId::EntityLegalRepMismatch;
    let record = match &answer.outcome {
        Outcome::Found(record) => record,
        Outcome::NotFound => {
            return Finding::new(
                check,
                Status::Inconclusive,
                Target::Entity,
                format!("工商登记中查不到“{}”，无法核对法定代表人", entity.name),
            );
        }
        Outcome::Unavailable(reason) => {
            return unavailable(check, Target::Entity, "法定代表人", answer, reason);
        }
    };
    let registered = record
        .legal_representative
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let filed = entity
        .legal_representative
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let (status, message) = match (filed, registered) {
        (_, None) => (
            Status::Inconclusive,
            format!("“{}”的登记信息中没有法定代表人，无法核对", record.name),
        ),
        (None, Some(registered)) => (
            Status::Warn,
            format!("备案未填写法定代表人；登记的法定代表人为{registered}"),
        ),
        (Some(filed), Some(registered)) if filed == registered => {
            (Status::Pass, format!("法定代表人{filed}与登记一致"))
        }
        (Some(filed), Some(registered)) => (
            Status::Fail,
            format!("备案的法定代表人{filed}与登记的现任法定代表人{registered}不一致"),
        ),
    };
    let mut finding = Finding::new(check, status, Target::Entity, message).field("法定代表人");
    if let Some(registered) = registered {
        finding = finding.with(answer.evidence("登记的法定代表人", registered.to_owned()));
    }
    finding
}

#[cfg(test)]
mod tests {
    use beian_domain::Filing;

    use super::*;
    use crate::registry_evidence::BusinessStatus;

    fn entity(legal_rep: Option<&str>) -> Entity {
        let rep = legal_rep.map_or(String::new(), |r| {
            format!(r#""legal_representative": "{r}","#)
        });
        let json = format!(
            r#"{{"entity": {{"kind": "company", "name": "北京云帆数据科技有限公司", "certificate_type": "credit_code",
              "certificate_number": "91110108772551611J", {rep}
              "principal": {{"name": "李明", "id_type": "resident_id", "id_number": "11010819850615003X",
                "id_valid_until": "长期", "mobile": "13911112222"}}}}}}"#
        );
        Filing::from_json(&json).expect("filing").entity
    }

    fn answer(legal_rep: Option<&str>) -> Answer<BusinessRecord> {
        Answer {
            outcome: Outcome::Found(BusinessRecord {
                name: "北京云帆数据科技有限公司".into(),
                credit_code: "91110108772551611J".into(),
                status: BusinessStatus::Existing,
                legal_representative: legal_rep.map(str::to_owned),
                address: None,
                valid_from: None,
                valid_until: None,
                former_names: Vec::new(),
                former_numbers: Vec::new(),
            }),
            source: "http://registry.test/".into(),
            observed_at: "2026-11-29T10:00:00+08:00".into(),
        }
    }

    #[test]
    fn the_filed_representative_must_be_the_current_one() {
        let cases = [
            (Some("李明"), Some("李明"), Status::Pass),
            (Some(" 李明 "), Some("李明"), Status::Pass),
            (Some("李明"), Some("王芳"), Status::Fail),
            (Some("李明"), Some("李 明"), Status::Fail),
            (None, Some("李明"), Status::Warn),
            (Some("李明"), None, Status::Inconclusive),
        ];
        for (filed, registered, expected) in cases {
            let finding = judge(&entity(filed), &answer(registered));
            assert_eq!(
                finding.status, expected,
                "{filed:?} {registered:?}: {}",
                finding.message
            );
        }
        let down = Answer {
            outcome: Outcome::Unavailable("熔断中".into()),
            source: "s".into(),
            observed_at: "t".into(),
        };
        assert_eq!(
            judge(&entity(Some("李明")), &down).status,
            Status::Inconclusive
        );
    }
}
