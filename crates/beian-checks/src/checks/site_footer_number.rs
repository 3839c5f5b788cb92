//! site.footer_number — 首页底部未展示正确的备案号.
//!
//! The homepage must show an ICP filing number that belongs to this site's filing. Which
//! one depends on the 管局: most accept the site number (`…号-N`) or the entity number;
//! Guangdong wants the entity number; a provider may demand the site number elsewhere
//! ([`crate::Settings`]). A licence number (ICP证) does not replace the filing number. A
//! look-alike with a wrong prefix (川ICP备…) or from a joke registry (萌ICP备…) fails.
//!
//! Without a filing, the check can only say whether some valid filing number is shown.

use beian_domain::ident::extract::ShownKind;
use beian_domain::ident::icp::IcpFilingNumber;
use beian_domain::{CheckId, Finding, Status};
use beian_page::PageAnalysis;

use crate::{PageCheck, PageContext, Settings};

pub struct FooterNumber;

impl PageCheck for FooterNumber {
    fn id(&self) -> CheckId {
        CheckId::SiteFooterNumber
    }

    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding> {
        let expected = ctx.subject.map(|subject| Expected {
            entity: subject
                .filing
                .entity
                .filing_number
                .as_deref()
                .and_then(|n| IcpFilingNumber::parse(n).ok()),
            site: subject
                .website()
                .and_then(|w| w.filing_number.as_deref())
                .and_then(|n| IcpFilingNumber::parse(n).ok()),
        });
        let (status, message) = judge(ctx.page, expected.as_ref(), ctx.settings);
        let shown: Vec<&str> = shown_filing_numbers(ctx.page).map(|(n, _)| n).collect();
        let mut finding = Finding::new(CheckId::SiteFooterNumber, status, ctx.target(), message)
            .field("首页备案号")
            .with(ctx.evidence("页面展示的备案号", shown));
        for rejected in &ctx.page.rejected_numbers {
            finding = finding.with(ctx.evidence(
                "不合规的备案号写法",
                format!(
                    "{}（{}）",
                    &ctx.page.text[rejected.range.clone()],
                    rejected.reason
                ),
            ));
        }
        if let Some(expected) = expected {
            if let Some(site) = &expected.site {
                finding = finding.with(ctx.evidence("应展示（网站备案号）", site.to_string()));
            }
            if let Some(entity) = &expected.entity {
                finding = finding.with(ctx.evidence("或（主体备案号）", entity.to_string()));
            }
        }
        vec![finding]
    }
}

/// The numbers a filing allows on its homepage.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// The entity number, when filed and valid.
    pub entity: Option<IcpFilingNumber>,
    /// The site number, when filed and valid.
    pub site: Option<IcpFilingNumber>,
}

fn shown_filing_numbers(page: &PageAnalysis) -> impl Iterator<Item = (&str, Option<usize>)> {
    page.numbers
        .iter()
        .filter(|n| n.kind == ShownKind::IcpFiling)
        .map(|n| (n.normalized.as_str(), n.link))
}

/// Judges the filing numbers a page shows against what the filing allows.
pub fn judge(
    page: &PageAnalysis,
    expected: Option<&Expected>,
    settings: &Settings,
) -> (Status, String) {
    let shown: Vec<IcpFilingNumber> = shown_filing_numbers(page)
        .filter_map(|(n, _)| IcpFilingNumber::parse(n).ok())
        .collect();
    let rejected: Vec<String> = page
        .rejected_numbers
        .iter()
        .filter(|r| r.kind == ShownKind::IcpFiling)
        .map(|r| format!("“{}”{}", &page.text[r.range.clone()], r.reason))
        .collect();
    if shown.is_empty() {
        return if rejected.is_empty() {
            (Status::Fail, "首页没有展示ICP备案号".to_owned())
        } else {
            (
                Status::Fail,
                format!("首页展示的备案号写法不合规：{}", rejected.join("；")),
            )
        };
    }
    let Some(expected) = expected.filter(|e| e.entity.is_some() || e.site.is_some()) else {
        let list: Vec<String> = shown.iter().map(ToString::to_string).collect();
        return (
            Status::Pass,
            format!(
                "首页展示了备案号 {}（未提供备案数据，未核对归属）",
                list.join("、")
            ),
        );
    };
    let entity_number = expected
        .entity
        .clone()
        .or_else(|| expected.site.as_ref().map(IcpFilingNumber::entity_number));
    let province = entity_number.as_ref().map(IcpFilingNumber::province);
    let wants_entity_number =
        province.is_some_and(|p| settings.entity_number_provinces.contains(&p));

    for number in &shown {
        if expected.site.as_ref() == Some(number) {
            return if wants_entity_number {
                (
                    Status::Warn,
                    format!(
                        "首页展示了网站备案号 {number}；{}管局要求展示主体备案号",
                        number.province()
                    ),
                )
            } else {
                (Status::Pass, format!("首页展示了本网站的备案号 {number}"))
            };
        }
        if !number.is_site() && entity_number.as_ref() == Some(number) {
            return if settings.strict_site_number && !wants_entity_number {
                let site = expected
                    .site
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                (
                    Status::Fail,
                    format!("首页展示的是主体备案号 {number}，按设置应展示网站备案号 {site}"),
                )
            } else {
                (Status::Pass, format!("首页展示了本主体的备案号 {number}"))
            };
        }
    }
    let first = &shown[0];
    match &entity_number {
        Some(entity) if first.belongs_to(entity) => (
            Status::Fail,
            format!("首页展示的 {first} 是本主体另一个网站的备案号，不是本网站的"),
        ),
        _ => (
            Status::Fail,
            format!("首页展示的备案号 {first} 不属于本备案主体"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use beian_domain::Province;

    use super::*;

    fn page(footer: &str) -> PageAnalysis {
        let html = format!(
            "<html><head><title>云帆数据</title></head><body><p>正文</p><footer>{footer}</footer></body></html>"
        );
        beian_page::analyze(html.as_bytes(), None)
    }

    fn expected(entity: &str, site: &str) -> Expected {
        Expected {
            entity: IcpFilingNumber::parse(entity).ok(),
            site: IcpFilingNumber::parse(site).ok(),
        }
    }

    #[test]
    fn the_footer_must_show_this_sites_number() {
        let beijing = expected("京ICP备2024012345号", "京ICP备2024012345号-1");
        let guangdong = expected("粤ICP备17087427号", "粤ICP备17087427号-1");
        let lenient = Settings::default();
        let cases = [
            (
                "京ICP备2024012345号-1",
                &beijing,
                Status::Pass,
                "the site number",
            ),
            (
                "京ICP备 2024012345 号-1",
                &beijing,
                Status::Pass,
                "with spaces",
            ),
            (
                "京ICP备2024012345号",
                &beijing,
                Status::Pass,
                "the entity number",
            ),
            (
                "京ICP备2024012345号-2",
                &beijing,
                Status::Fail,
                "another site of the entity",
            ),
            (
                "京ICP备2099999999号-1",
                &beijing,
                Status::Fail,
                "another entity",
            ),
            ("京ICP证030173号", &beijing, Status::Fail, "only a licence"),
            ("", &beijing, Status::Fail, "nothing"),
            (
                "川ICP备2024012345号-1",
                &beijing,
                Status::Fail,
                "alias prefix",
            ),
            ("萌ICP备20240001号", &beijing, Status::Fail, "joke registry"),
            (
                "粤ICP备17087427号",
                &guangdong,
                Status::Pass,
                "Guangdong entity number",
            ),
            (
                "粤ICP备17087427号-1",
                &guangdong,
                Status::Warn,
                "Guangdong site number",
            ),
        ];
        for (footer, expected, status, why) in cases {
            let (got, message) = judge(&page(footer), Some(expected), &lenient);
            assert_eq!(got, status, "{why}: {message}");
        }
    }

    #[test]
    fn strict_settings_want_the_site_number() {
        let strict = Settings {
            strict_site_number: true,
            ..Settings::default()
        };
        let beijing = expected("京ICP备2024012345号", "京ICP备2024012345号-1");
        let (status, _) = judge(&page("京ICP备2024012345号"), Some(&beijing), &strict);
        assert_eq!(status, Status::Fail);
        let (status, _) = judge(&page("京ICP备2024012345号-1"), Some(&beijing), &strict);
        assert_eq!(status, Status::Pass);
        assert!(
            strict
                .entity_number_provinces
                .contains(&Province::from_abbreviation('粤').expect("粤"))
        );
    }

    #[test]
    fn without_a_filing_any_valid_number_passes() {
        let settings = Settings::default();
        assert_eq!(
            judge(&page("粤ICP备17087427号-1"), None, &settings).0,
            Status::Pass
        );
        assert_eq!(judge(&page("版权所有"), None, &settings).0, Status::Fail);
    }
}
