//! entity.emergency_phone — 应急联系电话不合规.
//!
//! The emergency number exists so the 管局 can reach someone when the principals cannot
//! be reached; one equal to any principal's mobile (the entity's or a website's) defeats
//! that. It may be a mobile or a landline, compared on the digits that dial the same line.

use beian_domain::ident::phone::PhoneNumber;
use beian_domain::pii::mask_phone;
use beian_domain::{CheckId, Evidence, Finding, Person, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct EmergencyPhone;

impl FilingCheck for EmergencyPhone {
    fn id(&self) -> CheckId {
        CheckId::EntityEmergencyPhone
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let filing = ctx.filing;
        let mut principals: Vec<&Person> = vec![&filing.entity.principal];
        principals.extend(filing.websites.iter().filter_map(|w| w.principal.as_ref()));
        let mobiles: Vec<&str> = principals.iter().map(|p| p.mobile.as_str()).collect();

        let mut findings = vec![finding(
            &filing.entity.principal,
            "主体负责人",
            Target::Entity,
            &mobiles,
        )];
        for (target, website) in ctx.websites() {
            if let Some(principal) = &website.principal {
                findings.push(finding(principal, "网站负责人", target, &mobiles));
            }
        }
        findings
    }
}

fn finding(person: &Person, role: &str, target: Target, mobiles: &[&str]) -> Finding {
    let (status, message) = judge(person.emergency_phone.as_deref(), mobiles);
    let mut finding = Finding::new(
        CheckId::EntityEmergencyPhone,
        status,
        target,
        format!("{role}{}的{message}", person.name),
    )
    .field(format!("{role}应急联系电话"));
    if let Some(phone) = &person.emergency_phone {
        let shown = PhoneNumber::parse(phone)
            .map_or_else(|_| mask_phone(phone), |p| mask_phone(p.as_str()));
        finding = finding.with(Evidence::new("应急联系电话", shown));
    }
    finding
}

/// Judges an emergency number against every principal's mobile.
pub fn judge(emergency: Option<&str>, principal_mobiles: &[&str]) -> (Status, String) {
    let Some(emergency) = emergency.map(str::trim).filter(|e| !e.is_empty()) else {
        return (Status::Fail, "应急联系电话未填写".to_owned());
    };
    let phone = match PhoneNumber::parse(emergency) {
        Ok(phone) => phone,
        Err(e) => {
            return (
                Status::Fail,
                format!("应急联系电话 {} 无效：{e}", mask_phone(emergency)),
            );
        }
    };
    let shown = mask_phone(phone.as_str());
    let same = principal_mobiles
        .iter()
        .filter_map(|m| PhoneNumber::parse(m).ok())
        .any(|mobile| mobile.same_line(&phone));
    if same {
        (
            Status::Fail,
            format!("应急联系电话 {shown} 与负责人的手机号码相同"),
        )
    } else {
        (
            Status::Pass,
            format!("应急联系电话 {shown} 有效，且不同于各负责人的手机号码"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emergency_phone_must_differ_from_every_principal() {
        let mobiles = ["13911112222", "13622223333"];
        let cases = [
            (Some("010-62345678"), Status::Pass, "a landline"),
            (Some("13055556666"), Status::Pass, "another mobile"),
            (
                Some("13911112222"),
                Status::Fail,
                "the entity principal's mobile",
            ),
            (
                Some("+86 136 2222 3333"),
                Status::Fail,
                "a website principal's, formatted",
            ),
            (
                Some("139-1111-2222"),
                Status::Fail,
                "same digits with dashes",
            ),
            (None, Status::Fail, "missing"),
            (Some("12345"), Status::Fail, "not a phone"),
        ];
        for (emergency, expected, why) in cases {
            let (status, message) = judge(emergency, &mobiles);
            assert_eq!(status, expected, "{why}: {message}");
        }
    }
}
