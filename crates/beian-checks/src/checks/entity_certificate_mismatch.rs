//! entity.certificate_mismatch — 主体证件信息与登记信息不一致.
//!
//! Judged on the business registry's record of an organisation, field by field: the name
//! (a former name means the entity was renamed), the certificate number (an old number
//! that 三证合一 replaced is named as such, with the credit code that replaced it), the
//! address and the validity of the licence (营业期限: expired, or filed differently). Each
//! problem is its own finding, so a customer sees every field to change at once.
//!
//! Names and numbers are compared exactly; addresses after folding full-width characters
//! and removing spaces, because registries and forms differ in both without meaning a
//! different place.

use beian_domain::filing::Entity;
use beian_domain::ident::credit_code::{CreditCode, LegacyCertificate};
use beian_domain::{CheckId, Finding, Status, Target};
use chrono::NaiveDate;

use crate::registry_evidence::{
    Answer, BusinessRecord, Outcome, RegistryCheck, RegistryContext, RegistryKind, unavailable,
};

pub struct CertificateMismatch;

impl RegistryCheck for CertificateMismatch {
    fn id(&self) -> CheckId {
        CheckId::EntityCertificateMismatch
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if !ctx.evidence.has(RegistryKind::BusinessRegistry) {
            return Vec::new();
        }
        match &ctx.evidence.business {
            Some(answer) => judge(&ctx.filing.entity, answer, ctx.today),
            None => Vec::new(),
        }
    }
}

/// Folds full-width ASCII and the ideographic space to half-width and drops whitespace:
/// the form addresses are compared in.
pub fn fold_address(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            (!c.is_whitespace()).then_some(c)
        })
        .collect()
}

fn normalise_number(text: &str) -> String {
    match CreditCode::parse(text) {
        Ok(code) => code.as_str().to_owned(),
        Err(_) => text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase(),
    }
}

/// Judges the filed entity against the registry's answer, on `today`.
pub fn judge(entity: &Entity, answer: &Answer<BusinessRecord>, today: NaiveDate) -> Vec<Finding> {
    let check = CheckId::EntityCertificateMismatch;
    let record = match &answer.outcome {
        Outcome::Found(record) => record,
        Outcome::NotFound => {
            return vec![
                Finding::new(
                    check,
                    Status::Inconclusive,
                    Target::Entity,
                    format!("工商登记中查不到“{}”，无法核对证件信息", entity.name),
                )
                .with(answer.evidence("查询结果", "查无此企业")),
            ];
        }
        Outcome::Unavailable(reason) => {
            return vec![unavailable(
                check,
                Target::Entity,
                "主体证件信息",
                answer,
                reason,
            )];
        }
    };
    let fail = |field: &str, message: String| {
        Finding::new(check, Status::Fail, Target::Entity, message).field(field.to_owned())
    };
    let mut findings = Vec::new();

    let filed_name = entity.name.trim();
    if filed_name != record.name.trim() {
        let message = if record.former_names.iter().any(|n| n.trim() == filed_name) {
            format!(
                "主体已更名：备案名称“{filed_name}”是曾用名，现登记名称为“{}”",
                record.name
            )
        } else {
            format!("备案名称“{filed_name}”与登记名称“{}”不一致", record.name)
        };
        findings.push(
            fail("主办单位名称", message)
                .with(answer.evidence("登记名称", record.name.clone()))
                .with(answer.evidence("曾用名", record.former_names.join("；"))),
        );
    }

    let filed_number = normalise_number(&entity.certificate_number);
    if filed_number != normalise_number(&record.credit_code) {
        let legacy = LegacyCertificate::recognise(&entity.certificate_number);
        let replaced = record
            .former_numbers
            .iter()
            .any(|n| normalise_number(n) == filed_number);
        let message = match legacy {
            Some(old) if replaced => format!(
                "备案的证件号码 {} 是三证合一前的{}，已由统一社会信用代码 {} 取代",
                old.as_str(),
                old.kind().label(),
                record.credit_code
            ),
            _ => format!(
                "备案的证件号码 {} 与登记的统一社会信用代码 {} 不一致",
                entity.certificate_number.trim(),
                record.credit_code
            ),
        };
        findings.push(
            fail("主体证件号码", message)
                .with(answer.evidence("统一社会信用代码", record.credit_code.clone())),
        );
    }

    if let (Some(filed), Some(registered)) = (&entity.address, &record.address)
        && fold_address(filed) != fold_address(registered)
    {
        findings.push(
            fail(
                "证件住所",
                format!(
                    "备案的证件住所“{}”与登记住所“{registered}”不一致",
                    filed.trim()
                ),
            )
            .with(answer.evidence("登记住所", registered.clone())),
        );
    }

    if let Some(valid_until) = record.valid_until {
        if valid_until.expired_on(today) {
            findings.push(
                fail(
                    "证件有效期",
                    format!("登记的营业期限已于 {valid_until} 届满"),
                )
                .with(answer.evidence("营业期限至", valid_until.to_string())),
            );
        } else if let Some(filed) = entity.certificate_valid_until
            && filed != valid_until
        {
            findings.push(
                fail(
                    "证件有效期",
                    format!("备案的证件有效期 {filed} 与登记的营业期限 {valid_until} 不一致"),
                )
                .with(answer.evidence("营业期限至", valid_until.to_string())),
            );
        }
    }

    if findings.is_empty() {
        findings.push(
            Finding::new(
                check,
                Status::Pass,
                Target::Entity,
                format!(
                    "名称、证件号码、住所和有效期与“{}”的登记信息一致",
                    record.name
                ),
            )
            .with(answer.evidence("统一社会信用代码", record.credit_code.clone())),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use beian_domain::Filing;

    use beian_domain::filing::ValidUntil;

    use super::*;
    use crate::registry_evidence::BusinessStatus;

    fn entity(name: &str, number: &str, address: &str) -> Entity {
        let json = format!(
            r#"{{"entity": {{"kind": "company", "name": "{name}", "certificate_type": "credit_code",
              "certificate_number": "{number}", "certificate_valid_until": "长期",
              "legal_representative": "李明", "address": "{address}",
              "principal": {{"name": "李明", "id_type": "resident_id", "id_number": "11010819850615003X",
                "id_valid_until": "长期", "mobile": "13911112222"}}}}}}"#
        );
        Filing::from_json(&json).expect("filing").entity
    }

    fn record() -> BusinessRecord {
        BusinessRecord {
            name: "北京云帆数据科技有限公司".into(),
            credit_code: "91110108772551611J".into(),
            status: BusinessStatus::Existing,
            legal_representative: Some("李明".into()),
            address: Some("北京市海淀区中关村大街1号".into()),
            valid_from: None,
            valid_until: Some(ValidUntil::Indefinite),
            former_names: vec!["北京云帆网络有限公司".into()],
            former_numbers: vec!["110108012345678".into(), "77255161-1".into()],
        }
    }

    fn found(record: BusinessRecord) -> Answer<BusinessRecord> {
        Answer {
            outcome: Outcome::Found(record),
            source: "http://registry.test/".into(),
            observed_at: "2026-11-29T10:00:00+08:00".into(),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("day")
    }

    #[test]
    fn every_differing_field_is_a_failure_of_its_own() {
        let today = day(2026, 11, 29);
        let name = "北京云帆数据科技有限公司";
        let code = "91110108772551611J";
        let address = "北京市海淀区中关村大街1号";
        let expired = BusinessRecord {
            valid_until: Some(ValidUntil::Date(day(2026, 6, 30))),
            ..record()
        };
        let dated = BusinessRecord {
            valid_until: Some(ValidUntil::Date(day(2036, 6, 30))),
            ..record()
        };
        type Case = (Entity, BusinessRecord, Vec<(Status, &'static str)>);
        let cases: Vec<Case> = vec![
            (
                entity(name, code, address),
                record(),
                vec![(Status::Pass, "一致")],
            ),
            (
                entity(name, code, "北京市海淀区中关村大街１号 "),
                record(),
                vec![(Status::Pass, "一致")],
            ),
            (
                entity("北京云帆网络有限公司", code, address),
                record(),
                vec![(Status::Fail, "已更名")],
            ),
            (
                entity("北京云帆科技有限公司", code, address),
                record(),
                vec![(Status::Fail, "不一致")],
            ),
            (
                entity(name, "110108012345678", address),
                record(),
                vec![(Status::Fail, "三证合一前")],
            ),
            (
                entity(name, "91110108600037341L", address),
                record(),
                vec![(Status::Fail, "与登记的统一社会信用代码")],
            ),
            (
                entity(name, code, "北京市朝阳区建国路88号"),
                record(),
                vec![(Status::Fail, "登记住所")],
            ),
            (
                entity(name, code, address),
                expired,
                vec![(Status::Fail, "届满")],
            ),
            (
                entity(name, code, address),
                dated,
                vec![(Status::Fail, "营业期限 2036-06-30 不一致")],
            ),
            (
                entity("北京云帆网络有限公司", "110108012345678", address),
                record(),
                vec![(Status::Fail, "已更名"), (Status::Fail, "三证合一前")],
            ),
        ];
        for (entity, record, expected) in cases {
            let findings = judge(&entity, &found(record), today);
            let got: Vec<Status> = findings.iter().map(|f| f.status).collect();
            let want: Vec<Status> = expected.iter().map(|(s, _)| *s).collect();
            assert_eq!(got, want, "{findings:#?}");
            for (finding, (_, words)) in findings.iter().zip(&expected) {
                assert!(finding.message.contains(words), "{}", finding.message);
            }
        }
    }

    #[test]
    fn no_answer_is_no_verdict() {
        let e = entity("北京云帆数据科技有限公司", "91110108772551611J", "x");
        for outcome in [Outcome::NotFound, Outcome::Unavailable("超时".into())] {
            let answer = Answer {
                outcome,
                source: "s".into(),
                observed_at: "t".into(),
            };
            let findings = judge(&e, &answer, day(2026, 11, 29));
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].status, Status::Inconclusive);
        }
    }
}
