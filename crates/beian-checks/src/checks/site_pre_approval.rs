//! site.pre_approval — 网站内容涉及前置审批项.
//!
//! Fields such as news, publishing, drugs, online games or finance need an approval
//! before a site may serve them. The indicator words of `pre_approval.tsv` are searched in
//! the filed name and content description (`lint`) and in the homepage title and text
//! (`inspect`); a category found without a filed approval of that category is a finding.
//!
//! Strength of evidence decides the verdict: an `error` word in the name or the title
//! fails; in body text it fails only when the category shows up at least
//! [`BODY_HITS_TO_FAIL`] times (one passing mention of 金融 on a company page is not a
//! financial service); `warn` words, and categories whose national approval was
//! abolished, only warn. Without a filing the approvals are unknown, so page hits warn.

use std::collections::BTreeMap;

use beian_domain::filing::PreApprovalCategory;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::lexicons::{CategoryHits, SCANNERS, by_category};
use crate::{FilingCheck, FilingContext, PageCheck, PageContext};

/// Occurrences of a category's `error` words in body text that make it fail.
pub const BODY_HITS_TO_FAIL: usize = 2;

pub struct PreApproval;

/// Where the words were found: the name or title is stronger evidence than body text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// 网站名称 or 首页标题.
    Heading,
    /// 网站内容描述 or 首页正文.
    Body,
}

impl FilingCheck for PreApproval {
    fn id(&self) -> CheckId {
        CheckId::SitePreApproval
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        ctx.websites()
            .map(|(target, website)| {
                let mut found = scan(&website.name, Place::Heading);
                if let Some(description) = &website.content_description {
                    merge(&mut found, scan(description, Place::Body));
                }
                let approved: Vec<PreApprovalCategory> =
                    website.pre_approvals.iter().map(|a| a.category).collect();
                finding(
                    &found,
                    Some(&approved),
                    target,
                    "网站名称和内容描述",
                    |label, value| Evidence::new(label, value),
                )
            })
            .collect()
    }
}

impl PageCheck for PreApproval {
    fn id(&self) -> CheckId {
        CheckId::SitePreApproval
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let mut found = ctx
            .page
            .title
            .as_deref()
            .map(|t| scan(t, Place::Heading))
            .unwrap_or_default();
        merge(&mut found, scan(&ctx.page.text, Place::Body));
        let approved: Option<Vec<PreApprovalCategory>> = ctx
            .subject
            .and_then(|s| s.website())
            .map(|w| w.pre_approvals.iter().map(|a| a.category).collect());
        vec![finding(
            &found,
            approved.as_deref(),
            ctx.target(),
            "首页标题和正文",
            |label, value| ctx.evidence(label, value),
        )]
    }
}

/// Category hits, each with whether it was seen in a heading.
pub type Found = BTreeMap<PreApprovalCategory, (CategoryHits, bool)>;

/// Finds the pre-approval categories `text` touches.
pub fn scan(text: &str, place: Place) -> Found {
    let hits = SCANNERS.pre_approval.scan(text);
    by_category(&hits, "pre_approval.", None)
        .into_iter()
        .filter_map(|(category, group)| {
            let code = category.strip_prefix("pre_approval.")?;
            let category = PreApprovalCategory::parse(code)?;
            Some((category, (group, place == Place::Heading)))
        })
        .collect()
}

fn merge(into: &mut Found, more: Found) {
    for (category, (group, heading)) in more {
        let entry = into
            .entry(category)
            .or_insert_with(|| (CategoryHits::default(), false));
        for word in group.words {
            if !entry.0.words.contains(&word) {
                entry.0.words.push(word);
            }
        }
        entry.0.count += group.count;
        entry.0.has_error |= group.has_error;
        entry.0.contexts.extend(group.contexts);
        entry.1 |= heading;
    }
}

/// The verdict on one category found without an approval.
pub fn verdict(hits: &CategoryHits, in_heading: bool, approvals_known: bool) -> Status {
    let strong = hits.has_error && (in_heading || hits.count >= BODY_HITS_TO_FAIL);
    if strong && approvals_known {
        Status::Fail
    } else {
        Status::Warn
    }
}

fn finding(
    found: &Found,
    approved: Option<&[PreApprovalCategory]>,
    target: Target,
    where_: &str,
    evidence: impl Fn(&str, String) -> Evidence,
) -> Finding {
    let missing: Vec<(&PreApprovalCategory, &(CategoryHits, bool))> = found
        .iter()
        .filter(|(category, _)| !approved.is_some_and(|a| a.contains(category)))
        .collect();
    let covered: Vec<&str> = found
        .keys()
        .filter(|c| approved.is_some_and(|a| a.contains(c)))
        .map(|c| c.label())
        .collect();
    if missing.is_empty() {
        let message = if covered.is_empty() {
            format!("{where_}未涉及需要前置审批的领域")
        } else {
            format!("{where_}涉及{}，已有对应的前置审批", covered.join("、"))
        };
        return Finding::new(CheckId::SitePreApproval, Status::Pass, target, message)
            .field("前置审批");
    }
    let status = missing
        .iter()
        .map(|(_, (hits, heading))| verdict(hits, *heading, approved.is_some()))
        .max()
        .unwrap_or(Status::Warn);
    let described: Vec<String> = missing
        .iter()
        .map(|(category, (hits, _))| format!("{}（{}）", category.label(), hits.words.join("、")))
        .collect();
    let tail = if approved.is_some() {
        "但备案中没有对应的前置审批"
    } else {
        "请确认已取得对应的前置审批"
    };
    let mut finding = Finding::new(
        CheckId::SitePreApproval,
        status,
        target,
        format!("{where_}涉及{}，{tail}", described.join("；")),
    )
    .field("前置审批");
    for (category, (hits, _)) in &missing {
        for (offset, context) in &hits.contexts {
            finding = finding.with(evidence(
                &format!("{}相关内容（位置 {offset}）", category.label()),
                context.clone(),
            ));
        }
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(heading: &str, body: &str, approved: Option<&[PreApprovalCategory]>) -> Status {
        let mut found = scan(heading, Place::Heading);
        merge(&mut found, scan(body, Place::Body));
        finding(
            &found,
            approved,
            Target::Page,
            "测试",
            |label: &str, value: String| Evidence::new(label, value),
        )
        .status
    }

    #[test]
    fn regulated_fields_need_their_approval() {
        use PreApprovalCategory as C;
        let none: &[C] = &[];
        let cases = [
            (
                "云帆数据",
                "企业数据分析服务",
                Some(none),
                Status::Pass,
                "nothing regulated",
            ),
            (
                "城市新闻网",
                "",
                Some(none),
                Status::Fail,
                "新闻网 in the name",
            ),
            (
                "城市新闻网",
                "",
                Some(&[C::News][..]),
                Status::Pass,
                "news approval filed",
            ),
            (
                "云帆数据",
                "我们的网络游戏和网游平台，网络游戏充值",
                Some(none),
                Status::Fail,
                "games in the body, repeated",
            ),
            (
                "云帆数据",
                "服务金融行业客户",
                Some(none),
                Status::Warn,
                "one passing mention",
            ),
            (
                "云帆数据",
                "网上药店，处方药品，药品配送",
                Some(none),
                Status::Fail,
                "drugs",
            ),
            (
                "云帆数据",
                "观看视频教程",
                Some(none),
                Status::Warn,
                "a broad word only warns",
            ),
            ("城市新闻网", "", None, Status::Warn, "approvals unknown"),
        ];
        for (heading, body, approved, expected, why) in cases {
            assert_eq!(status_of(heading, body, approved), expected, "{why}");
        }
    }
}
