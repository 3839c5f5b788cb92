//! entity.name_invalid — 主办单位名称不合规.
//!
//! The 主办单位名称 must be the holder's real name as on its certificate: never a domain,
//! a bare number or one of its own site names; and for a personal entity, the principal's
//! own name (a person files for themselves).

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::text::fold;
use crate::{FilingCheck, FilingContext};

pub struct NameInvalid;

impl FilingCheck for NameInvalid {
    fn id(&self) -> CheckId {
        CheckId::EntityNameInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity = &ctx.filing.entity;
        let site_names: Vec<&str> = ctx
            .filing
            .websites
            .iter()
            .map(|w| w.name.as_str())
            .collect();
        let problem = judge(
            entity.kind,
            &entity.name,
            &entity.principal.name,
            &site_names,
        );
        let (status, message) = match problem {
            Some(problem) => (Status::Fail, problem),
            None => (
                Status::Pass,
                format!("主办单位名称“{}”符合要求", entity.name),
            ),
        };
        vec![
            Finding::new(CheckId::EntityNameInvalid, status, Target::Entity, message)
                .field("主办单位名称")
                .with(Evidence::new("主办单位名称", entity.name.as_str())),
        ]
    }
}

/// The problem with an entity name, if any.
pub fn judge(
    kind: EntityKind,
    name: &str,
    principal_name: &str,
    site_names: &[&str],
) -> Option<String> {
    let trimmed = name.trim();
    if looks_like_domain(trimmed) {
        return Some(format!(
            "主办单位名称“{trimmed}”是一个域名，应填写证件上的名称"
        ));
    }
    if trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace())
    {
        return Some(format!("主办单位名称“{trimmed}”只有数字"));
    }
    let folded = fold(trimmed);
    if kind == EntityKind::Personal {
        if folded != fold(principal_name) {
            return Some(format!(
                "个人主体的名称“{trimmed}”与负责人姓名“{principal_name}”不一致，个人只能以本人名义备案"
            ));
        }
    } else if let Some(site) = site_names.iter().find(|site| fold(site) == folded) {
        return Some(format!(
            "主办单位名称与网站名称“{site}”相同，应填写单位全称"
        ));
    }
    None
}

/// `example.com`, `www.example.com.cn`: ASCII labels separated by dots, ending in letters.
fn looks_like_domain(name: &str) -> bool {
    let name = name
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let labels: Vec<&str> = name.trim_end_matches('/').split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_real_names() {
        use EntityKind as K;
        type Case<'a> = (K, &'a str, &'a str, &'a [&'a str], bool, &'a str);
        let cases: [Case<'_>; 9] = [
            (
                K::Company,
                "北京云帆数据科技有限公司",
                "李明",
                &["云帆数据"],
                true,
                "a company name",
            ),
            (K::Company, "yunfan-data.cn", "李明", &[], false, "a domain"),
            (
                K::Company,
                "https://www.yunfan.com.cn/",
                "李明",
                &[],
                false,
                "a URL",
            ),
            (K::Company, "12345678", "李明", &[], false, "digits"),
            (
                K::Company,
                "云帆数据",
                "李明",
                &["云帆数据"],
                false,
                "the site name",
            ),
            (
                K::Personal,
                "王小红",
                "王小红",
                &["王小红"],
                true,
                "a person's own name",
            ),
            (K::Personal, "王 小红", "王小红", &[], true, "spacing folds"),
            (
                K::Personal,
                "小红工作室",
                "王小红",
                &[],
                false,
                "not the principal's name",
            ),
            (
                K::Company,
                "3M中国有限公司",
                "李明",
                &[],
                true,
                "digits inside a name",
            ),
        ];
        for (kind, name, principal, sites, ok, why) in cases {
            let problem = judge(kind, name, principal, sites);
            assert_eq!(problem.is_none(), ok, "{why}: {problem:?}");
        }
    }
}
