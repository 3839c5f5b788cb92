//! entity.principal_id_expired — 负责人证件已过期.
//!
//! Judged on the filed valid-until date of every principal: the entity's and each
//! website's own. A document is valid through its last day. One that runs out within
//! [`WARN_WITHIN_DAYS`] is a warning, so the customer can renew before the check fails.

use beian_domain::filing::ValidUntil;
use beian_domain::{CheckId, Evidence, Finding, Person, Status, Target};
use chrono::NaiveDate;

use crate::{FilingCheck, FilingContext};

/// How many days before expiry a warning is raised.
pub const WARN_WITHIN_DAYS: i64 = 30;

pub struct PrincipalIdExpired;

impl FilingCheck for PrincipalIdExpired {
    fn id(&self) -> CheckId {
        CheckId::EntityPrincipalIdExpired
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let mut findings = vec![judge(
            &ctx.filing.entity.principal,
            "主体负责人",
            Target::Entity,
            ctx.today,
        )];
        for (target, website) in ctx.websites() {
            if let Some(principal) = &website.principal {
                findings.push(judge(principal, "网站负责人", target, ctx.today));
            }
        }
        findings
    }
}

/// Judges one principal's document validity on `today`.
pub fn judge(person: &Person, role: &str, target: Target, today: NaiveDate) -> Finding {
    let (status, message) = match person.id_valid_until {
        ValidUntil::Indefinite => (Status::Pass, format!("{role}{}的证件长期有效", person.name)),
        ValidUntil::Date(last_day) if today > last_day => (
            Status::Fail,
            format!(
                "{role}{}的证件已于 {} 到期，已过期 {} 天",
                person.name,
                last_day.format("%Y-%m-%d"),
                (today - last_day).num_days()
            ),
        ),
        ValidUntil::Date(last_day) if (last_day - today).num_days() <= WARN_WITHIN_DAYS => (
            Status::Warn,
            format!(
                "{role}{}的证件将于 {} 到期，还剩 {} 天",
                person.name,
                last_day.format("%Y-%m-%d"),
                (last_day - today).num_days()
            ),
        ),
        ValidUntil::Date(last_day) => (
            Status::Pass,
            format!(
                "{role}{}的证件有效期至 {}",
                person.name,
                last_day.format("%Y-%m-%d")
            ),
        ),
    };
    Finding::new(CheckId::EntityPrincipalIdExpired, status, target, message)
        .field(format!("{role}证件有效期"))
        .with(Evidence::new(
            "证件有效期至",
            person.id_valid_until.to_string(),
        ))
        .with(Evidence::new(
            "核查日期",
            today.format("%Y-%m-%d").to_string(),
        ))
}

#[cfg(test)]
mod tests {
    use beian_domain::filing::IdType;

    use super::*;

    fn person(valid_until: ValidUntil) -> Person {
        Person {
            name: "李明".into(),
            id_type: IdType::ResidentId,
            id_number: "11010819850615003X".into(),
            id_valid_until: valid_until,
            mobile: "13911112222".into(),
            emergency_phone: None,
            email: None,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn validity_is_judged_against_the_day_of_the_check() {
        let today = day(2026, 11, 29);
        let cases = [
            (ValidUntil::Indefinite, Status::Pass, "长期 never expires"),
            (
                ValidUntil::Date(day(2026, 11, 29)),
                Status::Warn,
                "last day is still valid",
            ),
            (
                ValidUntil::Date(day(2026, 11, 28)),
                Status::Fail,
                "expired yesterday",
            ),
            (
                ValidUntil::Date(day(2010, 1, 1)),
                Status::Fail,
                "long expired",
            ),
            (
                ValidUntil::Date(day(2026, 12, 29)),
                Status::Warn,
                "expires in 30 days",
            ),
            (
                ValidUntil::Date(day(2026, 12, 30)),
                Status::Pass,
                "expires in 31 days",
            ),
        ];
        for (valid_until, expected, why) in cases {
            let finding = judge(&person(valid_until), "主体负责人", Target::Entity, today);
            assert_eq!(finding.status, expected, "{why}: {}", finding.message);
        }
    }

    #[test]
    fn the_message_says_how_long_ago_it_expired() {
        let finding = judge(
            &person(ValidUntil::Date(day(2026, 11, 19))),
            "主体负责人",
            Target::Entity,
            day(2026, 11, 29),
        );
        assert!(
            finding.message.contains("已过期 10 天"),
            "{}",
            finding.message
        );
    }
}
