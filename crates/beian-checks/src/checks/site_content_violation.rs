//! site.content_violation — 部分内容违规.
//!
//! The homepage title and text are scanned for gambling, pornography and fraud words
//! (`violation.tsv`). A keyword list alone is known to misfire, so a finding here is a
//! request for a person to look, never grounds for enforcement by itself: its message
//! says so, and it carries every hit with its context and position for the reviewer.

use beian_domain::{CheckId, Finding, Status};

use crate::lexicons::{SCANNERS, by_category};
use crate::{PageCheck, PageContext};

/// At most this many hits are attached as evidence; the message gives the full count.
pub const MAX_EVIDENCE: usize = 10;

pub struct ContentViolation;

impl PageCheck for ContentViolation {
    fn id(&self) -> CheckId {
        CheckId::SiteContentViolation
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let mut text = ctx.page.title.clone().unwrap_or_default();
        text.push('\n');
        text.push_str(&ctx.page.text);
        let hits = SCANNERS.violation.scan(&text);
        let groups = by_category(&hits, "violation.", None);
        let (status, message) = judge(&groups);
        let mut finding =
            Finding::new(CheckId::SiteContentViolation, status, ctx.target(), message)
                .field("网站内容");
        for hit in hits.iter().take(MAX_EVIDENCE) {
            let category = hit.categories().first().map(|c| label(c)).unwrap_or("违规");
            finding = finding.with(ctx.evidence(
                format!("命中“{}”（{category}，位置 {}）", hit.word, hit.start),
                hit.context.clone(),
            ));
        }
        vec![finding]
    }
}

fn label(category: &str) -> &'static str {
    match category {
        "violation.gambling" => "涉赌",
        "violation.porn" => "涉黄",
        "violation.fraud" => "涉诈",
        _ => "违规",
    }
}

/// Judges the grouped hits: an `error` word fails, `warn` words alone warn.
pub fn judge(
    groups: &std::collections::BTreeMap<String, crate::lexicons::CategoryHits>,
) -> (Status, String) {
    if groups.is_empty() {
        return (Status::Pass, "首页未发现涉赌、涉黄、涉诈关键词".to_owned());
    }
    let status = if groups.values().any(|g| g.has_error) {
        Status::Fail
    } else {
        Status::Warn
    };
    let described: Vec<String> = groups
        .iter()
        .map(|(category, g)| {
            format!(
                "{} {} 处（{}）",
                label(category),
                g.count,
                g.words.join("、")
            )
        })
        .collect();
    (
        status,
        format!(
            "首页疑似含有违规内容：{}。关键词命中须经人工复核确认，不会仅凭关键词处置",
            described.join("；")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(text: &str) -> Status {
        let hits = SCANNERS.violation.scan(text);
        judge(&by_category(&hits, "violation.", None)).0
    }

    #[test]
    fn gambling_porn_and_fraud_words_are_flagged_for_review() {
        let cases = [
            (
                "我们提供企业数据分析服务，欢迎来电咨询。",
                Status::Pass,
                "ordinary text",
            ),
            (
                "澳门新葡京在线百家乐，注册即送彩金",
                Status::Fail,
                "gambling",
            ),
            ("刷单返利，日赚千元，无需押金", Status::Fail, "fraud"),
            ("六 合 彩 开奖", Status::Fail, "spaced out to evade"),
            ("澳門百家樂", Status::Fail, "traditional characters"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(status_of(text), expected, "{why}");
        }
    }

    #[test]
    fn the_message_asks_for_human_review() {
        let hits = SCANNERS.violation.scan("在线百家乐");
        let (_, message) = judge(&by_category(&hits, "violation.", None));
        assert!(message.contains("人工复核"), "{message}");
    }
}
