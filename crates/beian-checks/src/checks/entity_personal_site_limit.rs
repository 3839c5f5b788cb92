//! entity.personal_site_limit — 个人主体网站数量超出上限.
//!
//! A personal entity may file a limited number of internet services (five by the common
//! rule, configurable in [`crate::Settings`]). Other entity kinds have no such limit and
//! get no finding.

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct PersonalSiteLimit;

impl FilingCheck for PersonalSiteLimit {
    fn id(&self) -> CheckId {
        CheckId::EntityPersonalSiteLimit
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        judge(
            ctx.filing.entity.kind,
            ctx.filing.websites.len(),
            ctx.settings.personal_site_limit,
        )
        .into_iter()
        .collect()
    }
}

/// Judges the number of sites of an entity of `kind`.
pub fn judge(kind: EntityKind, sites: usize, limit: usize) -> Option<Finding> {
    if kind != EntityKind::Personal {
        return None;
    }
    let (status, message) = if sites > limit {
        (
            Status::Fail,
            format!("个人主体备案了 {sites} 个网站，超出上限 {limit} 个"),
        )
    } else {
        (
            Status::Pass,
            format!("个人主体备案了 {sites} 个网站，未超出上限 {limit} 个"),
        )
    };
    Some(
        Finding::new(
            CheckId::EntityPersonalSiteLimit,
            status,
            Target::Entity,
            message,
        )
        .field("网站数量")
        .with(Evidence::new("网站数量", sites)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_personal_entities_are_limited() {
        let cases = [
            (EntityKind::Personal, 5, Some(Status::Pass)),
            (EntityKind::Personal, 6, Some(Status::Fail)),
            (EntityKind::Personal, 0, Some(Status::Pass)),
            (EntityKind::Company, 40, None),
            (EntityKind::Government, 9, None),
        ];
        for (kind, sites, expected) in cases {
            assert_eq!(
                judge(kind, sites, 5).map(|f| f.status),
                expected,
                "{kind} {sites}"
            );
        }
    }
}
