//! site.content_description — 网站内容描述缺失.
//!
//! A personal filing must say what each site offers. Too short a description (under
//! [`MIN_CHARS`] characters) tells the 管局 nothing and is a warning. Other entity kinds
//! are not required to fill it and get no finding.

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::{FilingCheck, FilingContext};

/// Below this many characters a description is too thin to be useful.
pub const MIN_CHARS: usize = 6;

pub struct ContentDescription;

impl FilingCheck for ContentDescription {
    fn id(&self) -> CheckId {
        CheckId::SiteContentDescription
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        ctx.websites()
            .filter_map(|(target, website)| {
                judge(
                    ctx.filing.entity.kind,
                    website.content_description.as_deref(),
                    target,
                )
            })
            .collect()
    }
}

/// Judges one site's description for an entity of `kind`.
pub fn judge(kind: EntityKind, description: Option<&str>, target: Target) -> Option<Finding> {
    if kind != EntityKind::Personal {
        return None;
    }
    let description = description.map(str::trim).unwrap_or_default();
    let chars = description.chars().count();
    let (status, message) = match chars {
        0 => (
            Status::Fail,
            "个人备案的网站没有填写网站内容描述".to_owned(),
        ),
        n if n < MIN_CHARS => (
            Status::Warn,
            format!("网站内容描述只有 {n} 个字，无法说明网站提供的内容"),
        ),
        _ => (Status::Pass, "已填写网站内容描述".to_owned()),
    };
    let finding = Finding::new(CheckId::SiteContentDescription, status, target, message)
        .field("网站内容描述");
    Some(if description.is_empty() {
        finding
    } else {
        finding.with(Evidence::new("网站内容描述", description))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_sites_need_a_real_description() {
        let cases = [
            (EntityKind::Personal, None, Some(Status::Fail)),
            (EntityKind::Personal, Some("  "), Some(Status::Fail)),
            (EntityKind::Personal, Some("随笔"), Some(Status::Warn)),
            (
                EntityKind::Personal,
                Some("记录个人旅行见闻的游记"),
                Some(Status::Pass),
            ),
            (EntityKind::Company, None, None),
        ];
        for (kind, description, expected) in cases {
            let status = judge(kind, description, Target::Entity).map(|f| f.status);
            assert_eq!(status, expected, "{kind} {description:?}");
        }
    }
}
