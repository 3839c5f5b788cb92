//! site.content_mismatch — 网站内容与备案主体信息不符.
//!
//! Two ways a site's content betrays its filing:
//! - a personal filing whose homepage carries enterprise or commercial content (a shop,
//!   prices, "立即购买", a company profile), from `commercial.tsv`: an `error` word or
//!   [`COMMERCIAL_WARNINGS_TO_FAIL`] distinct `warn` words fail, fewer warn;
//! - a homepage whose copyright line names an organisation other than the filing entity
//!   (A 企业 content on B 企业's filing; any organisation on a personal filing).
//!
//! Company names elsewhere on a page (clients, partners) are not judged: only the
//! copyright statement says whose site it is. Without a filing nothing is judged.

use std::sync::LazyLock;

use beian_domain::filing::EntityKind;
use beian_domain::{CheckId, Finding, Status};
use regex::Regex;

use crate::lexicons::{SCANNERS, by_category};
use crate::text::fold;
use crate::{PageCheck, PageContext};

/// Distinct commercial `warn` words on a personal site that together fail.
pub const COMMERCIAL_WARNINGS_TO_FAIL: usize = 3;

pub struct ContentMismatch;

impl PageCheck for ContentMismatch {
    fn id(&self) -> CheckId {
        CheckId::SiteContentMismatch
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let Some(subject) = ctx.subject else {
            return Vec::new();
        };
        let entity = &subject.filing.entity;
        let mut problems: Vec<(Status, String)> = Vec::new();
        let mut finding_evidence = Vec::new();

        if entity.kind == EntityKind::Personal {
            let hits = SCANNERS.commercial.scan(&ctx.page.text);
            let groups = by_category(&hits, "content.commercial", None);
            if let Some(group) = groups.get("content.commercial") {
                let status = if group.has_error || group.words.len() >= COMMERCIAL_WARNINGS_TO_FAIL
                {
                    Status::Fail
                } else {
                    Status::Warn
                };
                problems.push((
                    status,
                    format!(
                        "个人备案的网站出现企业或经营性内容（{}）",
                        group.words.join("、")
                    ),
                ));
                for (offset, context) in &group.contexts {
                    finding_evidence.push(
                        ctx.evidence(format!("经营性内容（位置 {offset}）"), context.clone()),
                    );
                }
            }
        }

        for owner in copyright_owners(&ctx.page.text) {
            if !same_owner(&owner, &entity.name) {
                let message = if entity.kind == EntityKind::Personal {
                    format!("个人备案的网站版权声明属于单位“{owner}”")
                } else {
                    format!("网站版权声明属于“{owner}”，不是备案主体“{}”", entity.name)
                };
                problems.push((Status::Fail, message));
                finding_evidence.push(ctx.evidence("版权声明中的单位", owner));
            }
        }

        let status = problems.iter().map(|p| p.0).max().unwrap_or(Status::Pass);
        let message = if problems.is_empty() {
            format!("首页内容与备案主体“{}”的性质相符", entity.name)
        } else {
            problems
                .iter()
                .map(|p| p.1.as_str())
                .collect::<Vec<_>>()
                .join("；")
        };
        let mut finding = Finding::new(CheckId::SiteContentMismatch, status, ctx.target(), message)
            .field("网站内容")
            .with(ctx.evidence("主体性质", entity.kind.label()));
        for evidence in finding_evidence {
            finding = finding.with(evidence);
        }
        vec![finding]
    }
}

static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[\p{Han}（）()]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团|研究院|事务所|工作室)",
    )
    .expect("static regex")
});

/// The organisations named in the copyright statements of a page's text.
pub fn copyright_owners(text: &str) -> Vec<String> {
    let mut owners: Vec<String> = Vec::new();
    for line in text.lines() {
        if !(line.contains('©') || line.contains("版权所有") || mentions_copyright(line)) {
            continue;
        }
        for found in ORGANISATION.find_iter(line) {
            let owner = found.as_str().trim_start_matches("版权所有").to_owned();
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        }
    }
    owners
}

/// Whether a line says "copyright" in any letter case, without allocating a lower-cased
/// copy of every line of every page.
fn mentions_copyright(line: &str) -> bool {
    line.as_bytes()
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"copyright"))
}

/// Whether a copyright owner is the entity: equal after folding, or one contains the
/// other (a short name with the region or a suffix left out).
pub fn same_owner(owner: &str, entity_name: &str) -> bool {
    let (owner, entity) = (fold(owner), fold(entity_name));
    !owner.is_empty() && (owner == entity || entity.contains(&owner) || owner.contains(&entity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyright_lines_name_their_owner() {
        let text = "首页\n© 2024 北京云帆数据科技有限公司 版权所有\n合作伙伴：上海某某科技有限公司";
        assert_eq!(copyright_owners(text), ["北京云帆数据科技有限公司"]);
        assert_eq!(
            copyright_owners("Copyright 2020-2024 深圳市甲乙丙网络有限公司"),
            ["深圳市甲乙丙网络有限公司"]
        );
        assert!(copyright_owners("上海某某科技有限公司 提供支持").is_empty());
    }

    #[test]
    fn owners_match_by_full_or_short_name() {
        let cases = [
            ("北京云帆数据科技有限公司", "北京云帆数据科技有限公司", true),
            ("云帆数据科技有限公司", "北京云帆数据科技有限公司", true),
            ("上海某某科技有限公司", "北京云帆数据科技有限公司", false),
            ("小红工作室", "王小红", false),
        ];
        for (owner, entity, expected) in cases {
            assert_eq!(same_owner(owner, entity), expected, "{owner} / {entity}");
        }
    }
}
