//! entity.contact_invalid — 联系方式无效.
//!
//! Offline ([`ContactInvalid`]), a contact is invalid when the mobile number cannot be a
//! Chinese mobile number (its segment does not exist, it is an IoT or emergency number, it
//! has the wrong length) or the e-mail address is malformed; a pass there is only a pass on
//! format. With the carrier adapter ([`ContactVerified`]) each principal's mobile is
//! verified with the holder's name and ID (空号, 停机, 非本人使用 fail), and each emergency
//! phone that is a mobile is verified to be in service: a backup number that rings nowhere
//! is no backup. (That the emergency phone differs from the principals' mobiles is
//! `entity.emergency_phone`.)

use beian_domain::ident::domain::DomainName;
use beian_domain::ident::phone::MobileNumber;
use beian_domain::pii::mask_phone;
use beian_domain::{CheckId, Evidence, Finding, Person, Status, Target};

use crate::registry_evidence::{
    Outcome, PhoneAnswer, PhoneField, PhoneVerdict, RegistryCheck, RegistryContext, RegistryKind,
    unavailable,
};
use crate::{FilingCheck, FilingContext};

pub struct ContactInvalid;

impl FilingCheck for ContactInvalid {
    fn id(&self) -> CheckId {
        CheckId::EntityContactInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let mut findings = finding(&ctx.filing.entity.principal, "主体负责人", Target::Entity);
        for (target, website) in ctx.websites() {
            if let Some(principal) = &website.principal {
                findings.extend(finding(principal, "网站负责人", target));
            }
        }
        findings
    }
}

fn finding(person: &Person, role: &str, target: Target) -> Vec<Finding> {
    let (status, message) = judge_mobile(&person.mobile);
    let mut findings = vec![
        Finding::new(
            CheckId::EntityContactInvalid,
            status,
            target.clone(),
            format!("{role}{}的{message}", person.name),
        )
        .field(format!("{role}手机号码"))
        .with(Evidence::new("手机号码", mask_phone(&person.mobile))),
    ];
    let (status, message) = judge_email(person.email.as_deref());
    findings.push(
        Finding::new(
            CheckId::EntityContactInvalid,
            status,
            target,
            format!("{role}{}的{message}", person.name),
        )
        .field(format!("{role}电子邮箱")),
    );
    findings
}

/// Judges a principal's mobile number on format and segment.
pub fn judge_mobile(mobile: &str) -> (Status, String) {
    match MobileNumber::parse(mobile) {
        Ok(number) => (
            Status::Pass,
            format!(
                "手机号码 {} 格式有效（号段原属{}）",
                mask_phone(number.as_str()),
                number.original_carrier()
            ),
        ),
        Err(e) => (
            Status::Fail,
            format!("手机号码 {} 无效：{e}", mask_phone(mobile)),
        ),
    }
}

/// Judges an e-mail address: one `@`, a plausible local part, a real domain name.
pub fn judge_email(email: Option<&str>) -> (Status, String) {
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return (Status::Warn, "电子邮箱未填写".to_owned());
    };
    let Some((local, domain)) = email.rsplit_once('@') else {
        return (Status::Fail, format!("电子邮箱“{email}”缺少 @"));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    if !local_ok {
        return (Status::Fail, format!("电子邮箱“{email}”的用户名部分不合规"));
    }
    match DomainName::parse(domain) {
        Ok(d) if d.as_str().contains('.') => (Status::Pass, format!("电子邮箱“{email}”格式有效")),
        Ok(_) => (Status::Fail, format!("电子邮箱“{email}”的域名不完整")),
        Err(e) => (Status::Fail, format!("电子邮箱“{email}”的域名无效：{e}")),
    }
}

/// The carrier's part of the check: one finding per number verified.
pub struct ContactVerified;

impl RegistryCheck for ContactVerified {
    fn id(&self) -> CheckId {
        CheckId::EntityContactInvalid
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if !ctx.evidence.has(RegistryKind::Phone) {
            return Vec::new();
        }
        ctx.evidence
            .phones
            .iter()
            .filter_map(|answer| {
                let person = answer.role.person(ctx.filing)?;
                Some(judge_verified(
                    &person.name,
                    answer,
                    answer.role.target(ctx.filing),
                ))
            })
            .collect()
    }
}

/// Judges the carrier's answer for one number of the person called `name`.
pub fn judge_verified(name: &str, phone: &PhoneAnswer, target: Target) -> Finding {
    let check = CheckId::EntityContactInvalid;
    let role = phone.role.label();
    let what = phone.field.label();
    let masked = mask_phone(&phone.number);
    let field = format!("{role}{what}");
    let (status, message) = match &phone.answer.outcome {
        Outcome::Found(PhoneVerdict::Normal) => (
            Status::Pass,
            if phone.with_holder {
                format!("{role}{name}的{what} {masked} 正常使用，机主与负责人一致")
            } else {
                format!("{role}{name}的{what} {masked} 正常使用")
            },
        ),
        Outcome::Found(PhoneVerdict::NotHolder) if phone.field == PhoneField::Emergency => (
            Status::Pass,
            format!("{role}{name}的{what} {masked} 正常使用"),
        ),
        Outcome::Found(verdict @ (PhoneVerdict::Vacant | PhoneVerdict::Suspended)) => (
            Status::Fail,
            format!(
                "{role}{name}的{what} {masked} 是{}，无法联系",
                verdict.label()
            ),
        ),
        Outcome::Found(PhoneVerdict::NotHolder) => (
            Status::Fail,
            format!("{role}{name}的{what} {masked} 不是本人在使用（机主与负责人姓名、证件不符）"),
        ),
        Outcome::NotFound => (
            Status::Inconclusive,
            format!("运营商没有{role}{name}的{what} {masked} 的信息"),
        ),
        Outcome::Unavailable(reason) => {
            return unavailable(
                check,
                target,
                &format!("{role}{name}的{what} {masked}"),
                &phone.answer,
                reason,
            )
            .field(field);
        }
    };
    let verdict = match &phone.answer.outcome {
        Outcome::Found(v) => v.label(),
        _ => "无信息",
    };
    Finding::new(check, status, target, message)
        .field(field)
        .with(phone.answer.evidence(what, masked))
        .with(phone.answer.evidence("运营商核验结果", verdict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry_evidence::{Answer, Role};

    #[test]
    fn carrier_verdicts_decide_and_outages_do_not() {
        let cases = [
            (
                PhoneField::Mobile,
                Outcome::Found(PhoneVerdict::Normal),
                Status::Pass,
            ),
            (
                PhoneField::Mobile,
                Outcome::Found(PhoneVerdict::Vacant),
                Status::Fail,
            ),
            (
                PhoneField::Mobile,
                Outcome::Found(PhoneVerdict::Suspended),
                Status::Fail,
            ),
            (
                PhoneField::Mobile,
                Outcome::Found(PhoneVerdict::NotHolder),
                Status::Fail,
            ),
            (
                PhoneField::Emergency,
                Outcome::Found(PhoneVerdict::NotHolder),
                Status::Pass,
            ),
            (
                PhoneField::Emergency,
                Outcome::Found(PhoneVerdict::Vacant),
                Status::Fail,
            ),
            (PhoneField::Mobile, Outcome::NotFound, Status::Inconclusive),
            (
                PhoneField::Mobile,
                Outcome::Unavailable("限流：HTTP 429".into()),
                Status::Inconclusive,
            ),
        ];
        for (field, outcome, expected) in cases {
            let answer = PhoneAnswer {
                role: Role::EntityPrincipal,
                field,
                number: "13911112222".into(),
                with_holder: field == PhoneField::Mobile,
                answer: Answer {
                    outcome: outcome.clone(),
                    source: "http://carrier.test/".into(),
                    observed_at: "2026-11-29T10:00:00+08:00".into(),
                },
            };
            let finding = judge_verified("李明", &answer, Target::Entity);
            assert_eq!(
                finding.status, expected,
                "{field:?} {outcome:?}: {}",
                finding.message
            );
            assert!(!format!("{finding:?}").contains("13911112222"), "unmasked");
        }
    }

    #[test]
    fn mobiles_are_judged_by_segment() {
        let cases = [
            ("13800138000", Status::Pass),
            ("+86 139-1111-2222", Status::Pass),
            ("19200001111", Status::Pass),
            ("12345678901", Status::Fail),
            ("1380013800", Status::Fail),
            ("17406001234", Status::Fail),
            ("010-62345678", Status::Fail),
            ("", Status::Fail),
        ];
        for (mobile, expected) in cases {
            let (status, message) = judge_mobile(mobile);
            assert_eq!(status, expected, "{mobile}: {message}");
            assert!(
                !message.contains("0013800") || mobile.is_empty(),
                "unmasked: {message}"
            );
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        let cases = [
            (Some("liming@yunfan-data.cn"), Status::Pass),
            (Some("li.ming+beian@例子.中国"), Status::Pass),
            (None, Status::Warn),
            (Some("liming.yunfan-data.cn"), Status::Fail),
            (Some("@yunfan-data.cn"), Status::Fail),
            (Some("li ming@yunfan-data.cn"), Status::Fail),
            (Some("liming@localhost"), Status::Fail),
            (Some("liming@bad..cn"), Status::Fail),
        ];
        for (email, expected) in cases {
            let (status, message) = judge_email(email);
            assert_eq!(status, expected, "{email:?}: {message}");
        }
    }
}
