//! site.title_mismatch — 实际网站标题与备案网站名称不一致.
//!
//! The homepage title must equal the filed site name or contain it whole, after folding
//! width, case, whitespace and compatibility forms ([`crate::text::fold`]). When a page
//! has no `<title>`, its `og:title` stands in (single-page apps often set only that).
//! Without a filing there is no name to compare with and the check does not run.

use beian_domain::{CheckId, Finding, Status};

use crate::text::fold;
use crate::{PageCheck, PageContext};

pub struct TitleMismatch;

impl PageCheck for TitleMismatch {
    fn id(&self) -> CheckId {
        CheckId::SiteTitleMismatch
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let Some(website) = ctx.subject.and_then(|s| s.website()) else {
            return Vec::new();
        };
        let (status, message) = judge(ctx.page.title.as_deref(), &website.name);
        let mut finding = Finding::new(CheckId::SiteTitleMismatch, status, ctx.target(), message)
            .field("网站名称")
            .with(ctx.evidence("备案网站名称", website.name.as_str()));
        if let Some(title) = &ctx.page.title {
            let label = match ctx.page.title_source {
                Some(beian_page::TitleSource::OgTitle) => "首页标题（og:title）",
                _ => "首页标题",
            };
            finding = finding.with(ctx.evidence(label, title.as_str()));
        }
        vec![finding]
    }
}

/// Compares a page title with a filed site name.
pub fn judge(title: Option<&str>, filed_name: &str) -> (Status, String) {
    let Some(title) = title.filter(|t| !t.trim().is_empty()) else {
        return (
            Status::Fail,
            format!("首页没有标题，无法与备案网站名称“{filed_name}”对应"),
        );
    };
    let (folded_title, folded_name) = (fold(title), fold(filed_name));
    if folded_name.is_empty() {
        return (Status::Fail, "备案网站名称为空".to_owned());
    }
    if folded_title == folded_name {
        (
            Status::Pass,
            format!("首页标题与备案网站名称“{filed_name}”一致"),
        )
    } else if folded_title.contains(&folded_name) {
        (
            Status::Pass,
            format!("首页标题“{title}”完整包含备案网站名称“{filed_name}”"),
        )
    } else {
        (
            Status::Fail,
            format!("首页标题“{title}”既不等于也不包含备案网站名称“{filed_name}”"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_must_equal_or_contain_the_filed_name() {
        let cases = [
            (Some("云帆数据"), "云帆数据", Status::Pass, "equal"),
            (
                Some("云帆数据 - 企业数据分析服务"),
                "云帆数据",
                Status::Pass,
                "contains",
            ),
            (
                Some("欢迎访问 云帆 数据"),
                "云帆数据",
                Status::Pass,
                "spaces fold away",
            ),
            (
                Some("ＹＵＮＦＡＮ官网"),
                "yunfan官网",
                Status::Pass,
                "full width and case fold",
            ),
            (
                Some("云帆"),
                "云帆数据",
                Status::Fail,
                "title shorter than the name",
            ),
            (
                Some("小红的旅行笔记"),
                "中国旅游博客",
                Status::Fail,
                "unrelated",
            ),
            (
                Some("云帆 数 据科技"),
                "云帆数据",
                Status::Pass,
                "inner spaces",
            ),
            (
                Some("云-帆数据"),
                "云帆数据",
                Status::Fail,
                "punctuation is not folded",
            ),
            (None, "云帆数据", Status::Fail, "no title"),
            (Some("   "), "云帆数据", Status::Fail, "blank title"),
        ];
        for (title, name, expected, why) in cases {
            let (status, message) = judge(title, name);
            assert_eq!(status, expected, "{why}: {message}");
        }
    }
}
