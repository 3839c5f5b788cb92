//! site.police_number — 公安联网备案号展示不合规.
//!
//! A site must file with the Ministry of Public Security within 30 days of opening and
//! show the number, linked to the national platform `beian.mps.gov.cn`. The checker cannot
//! know when a site opened, so a missing number is a warning. A shown number whose region
//! code does not match its prefix fails; a link to the retired `www.beian.gov.cn` portal
//! is a warning (the old query page no longer answers).

use beian_domain::ident::extract::ShownKind;
use beian_domain::{CheckId, Finding, Status};
use beian_page::{LinkTarget, PageAnalysis};

use crate::{PageCheck, PageContext};

pub struct PoliceNumber;

impl PageCheck for PoliceNumber {
    fn id(&self) -> CheckId {
        CheckId::SitePoliceNumber
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let (status, message) = judge(ctx.page);
        let shown: Vec<&str> = ctx
            .page
            .numbers
            .iter()
            .filter(|n| n.kind == ShownKind::Police)
            .map(|n| n.normalized.as_str())
            .collect();
        vec![
            Finding::new(CheckId::SitePoliceNumber, status, ctx.target(), message)
                .field("公安联网备案号")
                .with(ctx.evidence("页面展示的公安备案号", shown)),
        ]
    }
}

/// Judges the 公安 numbers a page shows.
pub fn judge(page: &PageAnalysis) -> (Status, String) {
    let rejected: Vec<String> = page
        .rejected_numbers
        .iter()
        .filter(|r| r.kind == ShownKind::Police)
        .map(|r| format!("“{}”{}", &page.text[r.range.clone()], r.reason))
        .collect();
    if !rejected.is_empty() {
        return (
            Status::Fail,
            format!("公安联网备案号不合规：{}", rejected.join("；")),
        );
    }
    let Some(number) = page.numbers.iter().find(|n| n.kind == ShownKind::Police) else {
        return (
            Status::Warn,
            "首页没有展示公安联网备案号；网站开通后30日内应办理公安联网备案并展示".to_owned(),
        );
    };
    let shown = &number.normalized;
    match number
        .link
        .and_then(|i| page.links.get(i))
        .map(|l| l.target)
    {
        Some(LinkTarget::PoliceCurrent) => (
            Status::Pass,
            format!("公安联网备案号 {shown} 格式正确，并链接到全国互联网安全管理服务平台"),
        ),
        Some(LinkTarget::PoliceLegacy) => (
            Status::Warn,
            format!(
                "公安联网备案号 {shown} 链接到已停用的旧平台地址，应改为 https://beian.mps.gov.cn/"
            ),
        ),
        Some(_) => (
            Status::Warn,
            format!("公安联网备案号 {shown} 的链接不是全国互联网安全管理服务平台"),
        ),
        None => (
            Status::Warn,
            format!("公安联网备案号 {shown} 格式正确，但没有链接到全国互联网安全管理服务平台"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge_footer(footer: &str) -> Status {
        let html = format!("<html><body><footer>{footer}</footer></body></html>");
        judge(&beian_page::analyze(html.as_bytes(), None)).0
    }

    #[test]
    fn the_police_number_is_shown_well_formed_and_linked() {
        let cases = [
            (
                r#"<a href="https://beian.mps.gov.cn/#/query/webSearch?code=11010802012345">京公网安备11010802012345号</a>"#,
                Status::Pass,
                "current portal",
            ),
            (
                r#"<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010802012345">京公网安备 11010802012345号</a>"#,
                Status::Warn,
                "retired portal",
            ),
            ("京公网安备11010802012345号", Status::Warn, "no link"),
            (
                "川公网安备51010702001234号",
                Status::Warn,
                "川 is accepted for 公安 numbers, unlinked",
            ),
            (
                "沪公网安备11010802012345号",
                Status::Fail,
                "prefix and region code disagree",
            ),
            ("版权所有", Status::Warn, "none shown"),
        ];
        for (footer, expected, why) in cases {
            assert_eq!(judge_footer(footer), expected, "{why}");
        }
    }
}
