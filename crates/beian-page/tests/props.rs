//! Property tests: `analyze` never panics, and every range it reports is a real slice of its
//! text.

use beian_page::{PageAnalysis, analyze, link_host};
use proptest::prelude::*;

/// The invariants every analysis must satisfy, whatever the input.
fn check(page: &PageAnalysis) -> Result<(), TestCaseError> {
    let text = &page.text;
    for link in &page.links {
        let slice = text.get(link.text_range.clone());
        prop_assert!(
            slice.is_some(),
            "link range {:?} not in text",
            link.text_range
        );
        prop_assert_eq!(slice, Some(link.text.as_str()));
        prop_assert_eq!(link.href.trim(), link.href.as_str());
    }
    for n in &page.numbers {
        let raw = text.get(n.range.clone());
        prop_assert!(raw.is_some(), "number range {:?} not in text", n.range);
        prop_assert!(raw.is_some_and(|r| !r.is_empty() && text.contains(r)));
        prop_assert!(n.link.is_none_or(|i| i < page.links.len()));
    }
    for n in &page.rejected_numbers {
        prop_assert!(text.get(n.range.clone()).is_some());
        prop_assert!(n.link.is_none_or(|i| i < page.links.len()));
    }
    prop_assert!(!text.starts_with([' ', '\n']) && !text.ends_with([' ', '\n']));
    prop_assert!(!text.contains("  ") && !text.contains("\n\n"));
    if let Some(title) = &page.title {
        prop_assert!(!title.is_empty() && title.trim() == title);
        prop_assert!(page.title_source.is_some());
    }
    Ok(())
}

/// Pieces that real pages are made of, including broken ones.
const PIECES: &[&str] = &[
    "<p>",
    "</p>",
    "<div class=\"footer\">",
    "</div>",
    "<br>",
    "<br/>",
    "<span>",
    "</span>",
    "<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">",
    "<a href='http://www.miibeian.gov.cn'>",
    "<a href=https://beian.mps.gov.cn/#/query/webSearch?code=11010802000001>",
    "<a name=x>",
    "</a>",
    "<a href=\"",
    "\">",
    "<title>",
    "</title>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<!--",
    "-->",
    "<noscript>",
    "</noscript>",
    "<template>",
    "</template>",
    "<textarea>",
    "</textarea>",
    "<svg>",
    "</svg>",
    "<![CDATA[",
    "]]>",
    "<plaintext>",
    "<meta charset=gbk>",
    "<meta charset=utf-8>",
    "<meta property=og:title content=\"标题\">",
    "京ICP备2024000001号-1",
    "粤ICP备17087427号",
    "京公网安备11010802000001号",
    "粤公网安备 44030502000017号",
    "川ICP备12345678号",
    "粤B2-20090059",
    "京ICP证030173号",
    "号",
    "-1",
    "ICP备",
    "京",
    "中文内容",
    "&amp;",
    "&nbsp;",
    "&#x4E2D;",
    "&#20140;",
    "&copy",
    "&",
    "&#",
    "<",
    ">",
    " ",
    "\n",
    "\t",
    "\u{3000}",
    "\u{200b}",
    "\u{feff}",
    "\u{fffd}",
    "a",
    "é",
    "𠀀",
];

fn html_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat())
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec![
        "text/html".to_owned(),
        "text/html; charset=utf-8".to_owned(),
        "text/html; charset=gbk".to_owned(),
        "text/html; charset=gb18030".to_owned(),
        "text/html; charset=utf-16".to_owned(),
        "text/html; charset=big5".to_owned(),
        "text/html; charset=x-user-defined".to_owned(),
        "text/html; charset=iso-2022-jp".to_owned(),
    ]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048), ct in content_type()) {
        check(&analyze(&bytes, ct.as_deref()))?;
    }

    #[test]
    fn html_like_utf8(html in html_like(), ct in content_type()) {
        check(&analyze(html.as_bytes(), ct.as_deref()))?;
    }

    #[test]
    fn html_like_gbk_and_truncated(html in html_like(), cut in any::<prop::sample::Index>()) {
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        let cut = cut.index(bytes.len() + 1);
        check(&analyze(&bytes[..cut], None))?;
        check(&analyze(&bytes, Some("text/html; charset=gbk")))?;
    }

    #[test]
    fn html_like_with_bytes_spliced_in(
        html in html_like(),
        junk in prop::collection::vec(any::<u8>(), 0..16),
        at in any::<prop::sample::Index>(),
    ) {
        let mut bytes = html.into_bytes();
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, junk);
        check(&analyze(&bytes, None))?;
    }

    #[test]
    fn link_host_never_panics(href in "\\PC{0,40}") {
        if let Some(host) = link_host(&href) {
            prop_assert!(!host.is_empty());
            prop_assert_eq!(host.to_lowercase(), host);
        }
    }

    #[test]
    fn link_host_reads_generated_urls(
        scheme in prop::sample::select(vec!["http://", "https://", "HTTPS://", "//"]),
        host in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,3}",
        port in prop::option::of(0u16..),
        path in "(/[a-z0-9#?=&]{0,10}){0,3}",
    ) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let href = format!("{scheme}{host}{port}{path}");
        prop_assert_eq!(link_host(&href), Some(host));
    }
}
