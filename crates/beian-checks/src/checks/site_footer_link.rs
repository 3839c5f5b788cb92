//! site.footer_link — 备案号未链接到工信部备案系统.
//!
//! The filing number on the homepage must link to the MIIT filing system, host
//! `beian.miit.gov.cn` (any scheme, path or fragment). Old hosts (`www.miibeian.gov.cn`,
//! `www.miitbeian.gov.cn`, `www.beian.miit.gov.cn`) are flagged by name, and so is a
//! filing number linked to the 公安 site, a common theme mistake. When the page shows no
//! number at all, a separate link to the MIIT system still counts for this check (the
//! number itself is `site.footer_number`'s business).

use beian_domain::ident::extract::ShownKind;
use beian_domain::{CheckId, Finding, Status};
use beian_page::{LinkTarget, MiitLink, PageAnalysis};

use crate::{PageCheck, PageContext};

pub struct FooterLink;

impl PageCheck for FooterLink {
    fn id(&self) -> CheckId {
        CheckId::SiteFooterLink
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let (status, message, href) = judge(ctx.page);
        let mut finding = Finding::new(CheckId::SiteFooterLink, status, ctx.target(), message)
            .field("备案号链接");
        if let Some(href) = href {
            finding = finding.with(ctx.evidence("备案号链接地址", href));
        }
        vec![finding]
    }
}

/// Judges where the shown filing numbers link; returns the verdict, a message and the
/// link judged.
pub fn judge(page: &PageAnalysis) -> (Status, String, Option<String>) {
    let numbers: Vec<_> = page
        .numbers
        .iter()
        .filter(|n| n.kind == ShownKind::IcpFiling)
        .collect();
    if numbers.is_empty() {
        return match page.miit_link {
            MiitLink::Ok => (
                Status::Pass,
                "页面有指向工信部备案系统的链接（但未展示备案号）".to_owned(),
                None,
            ),
            MiitLink::LegacyHost => (
                Status::Fail,
                "页面指向工信部备案系统的链接使用了已停用的旧地址".to_owned(),
                None,
            ),
            MiitLink::Missing => (
                Status::Fail,
                "页面既没有备案号，也没有指向工信部备案系统的链接".to_owned(),
                None,
            ),
        };
    }
    // The best-linked number decides: one correct link is enough.
    let mut verdicts: Vec<(Status, String, Option<String>)> = numbers
        .iter()
        .map(|number| {
            let shown = &number.normalized;
            match number.link.and_then(|i| page.links.get(i)) {
                None => (
                    Status::Fail,
                    format!("备案号 {shown} 没有做成链接，应链接到 https://beian.miit.gov.cn/"),
                    None,
                ),
                Some(link) => {
                    let href = Some(link.href.clone());
                    match link.target {
                        LinkTarget::Miit => (
                            Status::Pass,
                            format!("备案号 {shown} 链接到工信部备案系统"),
                            href,
                        ),
                        LinkTarget::MiitLegacy => (
                            Status::Fail,
                            format!("备案号 {shown} 链接到已停用的旧地址 {}，应改为 https://beian.miit.gov.cn/", link.href),
                            href,
                        ),
                        LinkTarget::PoliceCurrent | LinkTarget::PoliceLegacy => (
                            Status::Fail,
                            format!("备案号 {shown} 链接到了公安备案网站，应链接到工信部备案系统"),
                            href,
                        ),
                        LinkTarget::Other => (
                            Status::Fail,
                            format!("备案号 {shown} 链接到 {}，不是工信部备案系统", link.href),
                            href,
                        ),
                    }
                }
            }
        })
        .collect();
    verdicts.sort_by_key(|(status, _, _)| *status);
    verdicts.remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge_footer(footer: &str) -> Status {
        let html = format!("<html><body><footer>{footer}</footer></body></html>");
        judge(&beian_page::analyze(html.as_bytes(), None)).0
    }

    #[test]
    fn the_number_must_link_to_the_miit_system() {
        let n = "京ICP备2024012345号-1";
        let cases = [
            (
                format!(r#"<a href="https://beian.miit.gov.cn/">{n}</a>"#),
                Status::Pass,
                "https",
            ),
            (
                format!(r#"<a href="http://beian.miit.gov.cn/#/Integrated/index">{n}</a>"#),
                Status::Pass,
                "http with fragment",
            ),
            (
                format!(r#"<a href="HTTPS://BEIAN.MIIT.GOV.CN">{n}</a>"#),
                Status::Pass,
                "upper case",
            ),
            (
                format!(r#"<a href="http://www.miibeian.gov.cn/">{n}</a>"#),
                Status::Fail,
                "miibeian",
            ),
            (
                format!(r#"<a href="http://www.miitbeian.gov.cn/">{n}</a>"#),
                Status::Fail,
                "miitbeian",
            ),
            (
                format!(r#"<a href="https://www.beian.miit.gov.cn/">{n}</a>"#),
                Status::Fail,
                "www prefix",
            ),
            (
                format!(r#"<a href="http://www.beian.gov.cn/portal">{n}</a>"#),
                Status::Fail,
                "the police site",
            ),
            (
                format!(r#"<a href="https://beian.miit.gov.cn.evil.example/">{n}</a>"#),
                Status::Fail,
                "look-alike host",
            ),
            (n.to_owned(), Status::Fail, "no link"),
            (
                r#"<a href="https://beian.miit.gov.cn/">工信部备案</a>"#.to_owned(),
                Status::Pass,
                "link without number",
            ),
            ("版权所有".to_owned(), Status::Fail, "nothing"),
            (
                format!(r#"{n} <a href="https://beian.miit.gov.cn/">{n}</a>"#),
                Status::Pass,
                "one good link is enough",
            ),
        ];
        for (footer, expected, why) in cases {
            assert_eq!(judge_footer(&footer), expected, "{why}");
        }
    }
}
