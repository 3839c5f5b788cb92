//! entity.principal_id_invalid — 负责人证件号码不合规.
//!
//! Every principal holding a resident ID must file a number that passes GB 11643: the
//! right check digit, a birth date that exists and is not after the day of the check.
//! For a personal entity the principal is the entity, so the two numbers must be equal.

use beian_domain::filing::{EntityKind, IdType};
use beian_domain::ident::id_card::ResidentIdNumber;
use beian_domain::pii::mask_id_number;
use beian_domain::{CheckId, Evidence, Finding, Person, Status, Target};
use chrono::NaiveDate;

use crate::{FilingCheck, FilingContext};

pub struct PrincipalIdInvalid;

impl FilingCheck for PrincipalIdInvalid {
    fn id(&self) -> CheckId {
        CheckId::EntityPrincipalIdInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity = &ctx.filing.entity;
        let mut findings = vec![finding(
            &entity.principal,
            "主体负责人",
            Target::Entity,
            ctx.today,
        )];
        if entity.kind == EntityKind::Personal
            && normalise(&entity.certificate_number) != normalise(&entity.principal.id_number)
        {
            findings.push(
                Finding::new(
                    CheckId::EntityPrincipalIdInvalid,
                    Status::Fail,
                    Target::Entity,
                    "个人主体的证件号码与主体负责人的证件号码不一致，个人只能以本人证件备案",
                )
                .field("主体证件号码"),
            );
        }
        for (target, website) in ctx.websites() {
            if let Some(principal) = &website.principal {
                findings.push(finding(principal, "网站负责人", target, ctx.today));
            }
        }
        findings
    }
}

fn normalise(number: &str) -> String {
    number.trim().to_ascii_uppercase()
}

fn finding(person: &Person, role: &str, target: Target, today: NaiveDate) -> Finding {
    let (status, message) = judge(person.id_type, &person.id_number, today);
    Finding::new(
        CheckId::EntityPrincipalIdInvalid,
        status,
        target,
        format!("{role}{}：{message}", person.name),
    )
    .field(format!("{role}证件号码"))
    .with(Evidence::new("证件类型", person.id_type.label()))
}

/// Judges one principal's document number on `today`.
pub fn judge(id_type: IdType, number: &str, today: NaiveDate) -> (Status, String) {
    if id_type != IdType::ResidentId {
        return (
            Status::Pass,
            format!("{}没有公开的编码校验规则，已确认号码非空", id_type.label()),
        );
    }
    match ResidentIdNumber::parse(number) {
        Ok(id) if id.birth_date() > today => (
            Status::Fail,
            format!(
                "身份证号码 {} 中的出生日期晚于核查日期",
                mask_id_number(number)
            ),
        ),
        Ok(_) => (
            Status::Pass,
            format!("身份证号码 {} 校验通过", mask_id_number(number)),
        ),
        Err(e) => (Status::Fail, format!("身份证号码不合规：{e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_must_pass_gb_11643() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        let cases = [
            (
                IdType::ResidentId,
                "11010519491231002X",
                Status::Pass,
                "valid",
            ),
            (
                IdType::ResidentId,
                "11010519491231002x",
                Status::Pass,
                "lower-case x",
            ),
            (
                IdType::ResidentId,
                "110105194912310021",
                Status::Fail,
                "check digit",
            ),
            (
                IdType::ResidentId,
                "110105194902300023",
                Status::Fail,
                "30 February",
            ),
            (
                IdType::ResidentId,
                "110105491231002",
                Status::Fail,
                "15 digits",
            ),
            (
                IdType::ResidentId,
                "110105209912310029",
                Status::Fail,
                "born in the future",
            ),
            (
                IdType::Passport,
                "E12345678",
                Status::Pass,
                "passport has no rule",
            ),
        ];
        for (id_type, number, expected, why) in cases {
            let (status, message) = judge(id_type, number, today);
            assert_eq!(status, expected, "{why}: {message}");
        }
    }
}
