//! site.interactive_feature — 网站含有论坛、评论等交互功能.
//!
//! Forums, message boards, comments and chat rooms once needed a national 电子公告
//! approval; it was abolished, but some 管局 still ask for it or refuse it on personal
//! sites. So this is only ever a warning, raised for personal filings: on the homepage
//! (interactive words from `commercial.tsv`) and in the filed domains (a `bbs` label is
//! read as a forum).

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Evidence, Finding, Status};

use crate::lexicons::{SCANNERS, by_category};
use crate::{FilingCheck, FilingContext, PageCheck, PageContext};

pub struct InteractiveFeature;

impl FilingCheck for InteractiveFeature {
    fn id(&self) -> CheckId {
        CheckId::SiteInteractiveFeature
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        if ctx.filing.entity.kind != EntityKind::Personal {
            return Vec::new();
        }
        ctx.websites()
            .map(|(target, website)| {
                let forum_domains: Vec<&str> = website
                    .domains
                    .iter()
                    .map(String::as_str)
                    .filter(|d| has_bbs_label(d))
                    .collect();
                if forum_domains.is_empty() {
                    Finding::new(
                        CheckId::SiteInteractiveFeature,
                        Status::Pass,
                        target,
                        "备案域名未显示论坛类服务",
                    )
                    .field("网站域名")
                } else {
                    Finding::new(
                        CheckId::SiteInteractiveFeature,
                        Status::Warn,
                        target,
                        format!(
                            "域名 {} 含有 bbs，会被视为论坛服务",
                            forum_domains.join("、")
                        ),
                    )
                    .field("网站域名")
                    .with(Evidence::new("备案域名", forum_domains.join("、")))
                }
            })
            .collect()
    }
}

impl PageCheck for InteractiveFeature {
    fn id(&self) -> CheckId {
        CheckId::SiteInteractiveFeature
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let personal = ctx
            .subject
            .is_some_and(|s| s.filing.entity.kind == EntityKind::Personal);
        if !personal {
            return Vec::new();
        }
        let hits = SCANNERS.commercial.scan(&ctx.page.text);
        let groups = by_category(&hits, "content.interactive", None);
        let finding = match groups.get("content.interactive") {
            None => Finding::new(
                CheckId::SiteInteractiveFeature,
                Status::Pass,
                ctx.target(),
                "首页未发现论坛、评论、留言等交互功能",
            ),
            Some(group) => {
                let mut finding = Finding::new(
                    CheckId::SiteInteractiveFeature,
                    Status::Warn,
                    ctx.target(),
                    format!(
                        "个人网站首页含有交互功能（{}），请按所在省管局的要求处理",
                        group.words.join("、")
                    ),
                );
                for (offset, context) in &group.contexts {
                    finding = finding
                        .with(ctx.evidence(format!("交互功能（位置 {offset}）"), context.clone()));
                }
                finding
            }
        };
        vec![finding.field("网站内容")]
    }
}

/// Whether any label of a domain is or starts with `bbs` (bbs.example.cn, bbs123.cn).
pub fn has_bbs_label(domain: &str) -> bool {
    domain
        .to_ascii_lowercase()
        .split('.')
        .any(|label| label.starts_with("bbs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbs_labels_read_as_forums() {
        for (domain, expected) in [
            ("bbs.example.cn", true),
            ("bbs123.cn", true),
            ("mybbs.cn", false),
            ("example.cn", false),
            ("BBS.Example.CN", true),
        ] {
            assert_eq!(has_bbs_label(domain), expected, "{domain}");
        }
    }
}
