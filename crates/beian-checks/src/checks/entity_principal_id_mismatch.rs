//! entity.principal_id_mismatch — 负责人证件信息核验不一致.
//!
//! Judged on the identity registry's verdict for each principal's name and resident ID
//! number: the entity's principal and every website's own. 不一致 (the number belongs to
//! someone of another name, e.g. after a change of name) and 查无此人 fail. A number that is
//! malformed is not sent at all (that is `entity.principal_id_invalid`), and documents
//! other than the resident ID cannot be verified here: both are inconclusive.

use beian_domain::pii::mask_id_number;
use beian_domain::{CheckId, Finding, Person, Status, Target};

use crate::registry_evidence::{
    Answer, IdentityVerdict, Outcome, RegistryCheck, RegistryContext, RegistryKind, Role,
    unavailable, verifiable_id,
};

pub struct PrincipalIdMismatch;

impl RegistryCheck for PrincipalIdMismatch {
    fn id(&self) -> CheckId {
        CheckId::EntityPrincipalIdMismatch
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if !ctx.evidence.has(RegistryKind::Identity) {
            return Vec::new();
        }
        let mut roles = vec![Role::EntityPrincipal];
        roles.extend(
            ctx.filing
                .websites
                .iter()
                .enumerate()
                .filter(|(_, w)| w.principal.is_some())
                .map(|(i, _)| Role::WebsitePrincipal(i)),
        );
        roles
            .into_iter()
            .filter_map(|role| {
                let person = role.person(ctx.filing)?;
                let answer = ctx
                    .evidence
                    .identities
                    .iter()
                    .find(|a| a.role == role)
                    .map(|a| &a.answer);
                Some(judge(person, role.label(), role.target(ctx.filing), answer))
            })
            .collect()
    }
}

/// Judges one principal: `answer` is the registry's, `None` when the person could not be
/// sent (no verifiable resident ID).
pub fn judge(
    person: &Person,
    role: &str,
    target: Target,
    answer: Option<&Answer<IdentityVerdict>>,
) -> Finding {
    let check = CheckId::EntityPrincipalIdMismatch;
    let masked = mask_id_number(&person.id_number);
    let Some(answer) = answer else {
        let why = if verifiable_id(person).is_none()
            && person.id_type == beian_domain::filing::IdType::ResidentId
        {
            "证件号码本身不合规（见“负责人证件号码不合规”），未送核验"
        } else {
            "证件类型不是居民身份证，身份核验接口无法核验"
        };
        return Finding::new(
            check,
            Status::Inconclusive,
            target,
            format!("{role}{}的证件 {masked}：{why}", person.name),
        )
        .field(format!("{role}证件号码"));
    };
    let (status, message) = match &answer.outcome {
        Outcome::Found(IdentityVerdict::Match) => (
            Status::Pass,
            format!("{role}{}的姓名与证件号码 {masked} 核验一致", person.name),
        ),
        Outcome::Found(IdentityVerdict::Mismatch) => (
            Status::Fail,
            format!(
                "{role}{}的姓名与证件号码 {masked} 核验不一致：该号码登记的不是这个姓名",
                person.name
            ),
        ),
        Outcome::Found(IdentityVerdict::NotFound) | Outcome::NotFound => (
            Status::Fail,
            format!("{role}{}的证件号码 {masked} 查无此人", person.name),
        ),
        Outcome::Unavailable(reason) => {
            return unavailable(
                check,
                target,
                &format!("{role}{}的证件", person.name),
                answer,
                reason,
            )
            .field(format!("{role}证件号码"));
        }
    };
    let verdict = match &answer.outcome {
        Outcome::Found(v) => v.code(),
        _ => "not_found",
    };
    Finding::new(check, status, target, message)
        .field(format!("{role}证件号码"))
        .with(answer.evidence("证件号码", masked))
        .with(answer.evidence("核验结论", verdict))
}

#[cfg(test)]
mod tests {
    use beian_domain::filing::{IdType, ValidUntil};

    use super::*;

    fn person(id_type: IdType, id_number: &str) -> Person {
        Person {
            name: "李明".into(),
            id_type,
            id_number: id_number.into(),
            id_valid_until: ValidUntil::Indefinite,
            mobile: "13911112222".into(),
            emergency_phone: None,
            email: None,
        }
    }

    fn answer(outcome: Outcome<IdentityVerdict>) -> Answer<IdentityVerdict> {
        Answer {
            outcome,
            source: "http://identity.test/".into(),
            observed_at: "2026-11-29T10:00:00+08:00".into(),
        }
    }

    #[test]
    fn verdicts_decide_and_outages_do_not() {
        let id = "11010819850615003X";
        let cases = [
            (Some(Outcome::Found(IdentityVerdict::Match)), Status::Pass),
            (
                Some(Outcome::Found(IdentityVerdict::Mismatch)),
                Status::Fail,
            ),
            (
                Some(Outcome::Found(IdentityVerdict::NotFound)),
                Status::Fail,
            ),
            (Some(Outcome::NotFound), Status::Fail),
            (
                Some(Outcome::Unavailable("HTTP 503".into())),
                Status::Inconclusive,
            ),
            (None, Status::Inconclusive),
        ];
        for (outcome, expected) in cases {
            let answer = outcome.clone().map(answer);
            let finding = judge(
                &person(IdType::ResidentId, id),
                "主体负责人",
                Target::Entity,
                answer.as_ref(),
            );
            assert_eq!(finding.status, expected, "{outcome:?}: {}", finding.message);
            let text = format!("{finding:?}");
            assert!(!text.contains(id), "unmasked: {text}");
        }
        let passport = judge(
            &person(IdType::Passport, "E12345678"),
            "主体负责人",
            Target::Entity,
            None,
        );
        assert!(
            passport.message.contains("不是居民身份证"),
            "{}",
            passport.message
        );
    }
}
