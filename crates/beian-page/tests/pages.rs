//! Table tests over realistic pages in `tests/fixtures/`, plus pages built in the test
//! (GBK, gb18030 and UTF-16 bytes made with encoding_rs).

use beian_domain::ident::extract::ShownKind;
use beian_page::{CharsetSource, LinkTarget, MiitLink, PageAnalysis, TitleSource, analyze};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What a fixture must yield, apart from numbers.
struct Facts {
    file: &'static str,
    content_type: Option<&'static str>,
    charset: &'static str,
    source: CharsetSource,
    title: Option<(&'static str, TitleSource)>,
    miit: MiitLink,
    /// Strings the visible text must contain.
    shows: &'static [&'static str],
    /// Strings the visible text must not contain.
    hides: &'static [&'static str],
    /// (link text, target) of links that must be present.
    links: &'static [(&'static str, LinkTarget)],
}

const FACTS: &[Facts] = &[
    Facts {
        file: "gbk_meta_after_title.html",
        content_type: Some("text/html"),
        charset: "GBK",
        source: CharsetSource::Meta,
        title: Some(("广州市某某网络科技有限公司 - 首页", TitleSource::Title)),
        miit: MiitLink::Ok,
        shows: &[
            "公司简介：我们是一家专业的互联网服务提供商",
            "Copyright © 2010-2024 广州市某某网络科技有限公司 版权所有",
            "粤ICP备17087427号-1 粤公网安备 44030502000017号",
        ],
        hides: &["charset", "stylesheet"],
        links: &[
            ("粤ICP备17087427号-1", LinkTarget::Miit),
            ("粤公网安备 44030502000017号", LinkTarget::PoliceLegacy),
            ("关于我们", LinkTarget::Other),
        ],
    },
    Facts {
        file: "utf8_bom.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Bom,
        title: Some(("北京某某信息技术有限公司", TitleSource::Title)),
        miit: MiitLink::Ok,
        shows: &["北京某某信息技术有限公司\n提供软件开发与技术咨询服务。\n©2024"],
        hides: &["\u{feff}"],
        links: &[("京ICP备2024000001号-1", LinkTarget::Miit)],
    },
    Facts {
        file: "og_title_only.html",
        content_type: Some("text/html; charset=UTF-8"),
        charset: "UTF-8",
        source: CharsetSource::ContentType,
        title: Some(("杭州某某电子商务有限公司 & 官方商城", TitleSource::OgTitle)),
        miit: MiitLink::Missing,
        shows: &["浙ICP备2023012345号-2"],
        hides: &["JavaScript", "app.8f3a1c"],
        links: &[],
    },
    Facts {
        file: "footer_miit.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Meta,
        title: Some(("北京某某科技有限公司 官网", TitleSource::Title)),
        miit: MiitLink::Ok,
        shows: &[
            "首页\n关于我们\n新闻中心\n联系我们\n关于我们\n",
            "All Rights Reserved.\n京ICP备2024000001号-1\n京公网安备11010802000001号",
        ],
        hides: &["_hmt", "text-align", "公安备案图标"],
        links: &[
            ("京ICP备2024000001号-1", LinkTarget::Miit),
            ("京公网安备11010802000001号", LinkTarget::PoliceCurrent),
        ],
    },
    Facts {
        file: "legacy_miibeian.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Meta,
        title: Some(("某某个人博客", TitleSource::Title)),
        miit: MiitLink::LegacyHost,
        shows: &["Powered by WordPress | 苏ICP备12345678号"],
        hides: &[],
        links: &[("苏ICP备12345678号", LinkTarget::MiitLegacy)],
    },
    Facts {
        file: "icp_linked_to_police.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Meta,
        title: Some(("成都某某餐饮管理有限公司", TitleSource::Title)),
        miit: MiitLink::Missing,
        shows: &["蜀ICP备2021001234号-1 川ICP备20210012号"],
        hides: &[],
        links: &[("蜀ICP备2021001234号-1", LinkTarget::PoliceLegacy)],
    },
    Facts {
        file: "hidden_numbers.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Meta,
        title: Some(("测试页面", TitleSource::Title)),
        miit: MiitLink::Missing,
        shows: &["正文内容\n页脚"],
        hides: &["ICP", "公网安备", "2024000"],
        links: &[],
    },
    Facts {
        file: "split_spans.html",
        content_type: None,
        charset: "UTF-8",
        source: CharsetSource::Meta,
        title: Some(("深圳某某科技有限公司", TitleSource::Title)),
        miit: MiitLink::Ok,
        shows: &["粤ICP备17087427号"],
        hides: &[],
        links: &[("粤ICP备17087427号", LinkTarget::Miit)],
    },
];

fn check_facts(f: &Facts, page: &PageAnalysis) {
    let file = f.file;
    assert_eq!(page.charset, f.charset, "{file}: charset");
    assert_eq!(page.charset_source, f.source, "{file}: charset source");
    assert_eq!(
        page.title.as_deref().zip(page.title_source),
        f.title,
        "{file}: title"
    );
    assert_eq!(page.miit_link, f.miit, "{file}: MIIT link");
    for s in f.shows {
        assert!(
            page.text.contains(s),
            "{file}: text lacks {s:?}:\n{}",
            page.text
        );
    }
    for s in f.hides {
        assert!(
            !page.text.contains(s),
            "{file}: text shows {s:?}:\n{}",
            page.text
        );
    }
    for (text, target) in f.links {
        assert!(
            page.links
                .iter()
                .any(|l| l.text == *text && l.target == *target),
            "{file}: no link {text:?} → {target:?} in {:#?}",
            page.links
        );
    }
    for link in &page.links {
        assert_eq!(
            page.text.get(link.text_range.clone()),
            Some(&*link.text),
            "{file}"
        );
    }
    assert!(!page.degraded, "{file}");
}

#[test]
fn fixtures_charset_title_text_links() {
    for f in FACTS {
        let page = analyze(&fixture(f.file), f.content_type);
        check_facts(f, &page);
    }
}

/// (fixture, kind, normalized, the target of the link it sits in)
type Shown = (&'static str, ShownKind, &'static str, Option<LinkTarget>);

const SHOWN: &[Shown] = &[
    (
        "gbk_meta_after_title.html",
        ShownKind::IcpFiling,
        "粤ICP备17087427号-1",
        Some(LinkTarget::Miit),
    ),
    (
        "gbk_meta_after_title.html",
        ShownKind::Police,
        "粤公网安备44030502000017号",
        Some(LinkTarget::PoliceLegacy),
    ),
    (
        "utf8_bom.html",
        ShownKind::IcpFiling,
        "京ICP备2024000001号-1",
        Some(LinkTarget::Miit),
    ),
    (
        "og_title_only.html",
        ShownKind::IcpFiling,
        "浙ICP备2023012345号-2",
        None,
    ),
    (
        "footer_miit.html",
        ShownKind::IcpFiling,
        "京ICP备2024000001号-1",
        Some(LinkTarget::Miit),
    ),
    (
        "footer_miit.html",
        ShownKind::Police,
        "京公网安备11010802000001号",
        Some(LinkTarget::PoliceCurrent),
    ),
    (
        "legacy_miibeian.html",
        ShownKind::IcpFiling,
        "苏ICP备12345678号",
        Some(LinkTarget::MiitLegacy),
    ),
    (
        "icp_linked_to_police.html",
        ShownKind::IcpFiling,
        "蜀ICP备2021001234号-1",
        Some(LinkTarget::PoliceLegacy),
    ),
    (
        "split_spans.html",
        ShownKind::IcpFiling,
        "粤ICP备17087427号",
        Some(LinkTarget::Miit),
    ),
];

/// Needs the real number extractor in beian-domain.
#[test]
fn fixtures_numbers_and_their_links() {
    for f in FACTS {
        let page = analyze(&fixture(f.file), f.content_type);
        let want: Vec<_> = SHOWN
            .iter()
            .filter(|s| s.0 == f.file)
            .map(|s| (s.1, s.2.to_owned(), s.3))
            .collect();
        let got: Vec<_> = page
            .numbers
            .iter()
            .map(|n| {
                let target = n.link.and_then(|i| page.links.get(i)).map(|l| l.target);
                (n.kind, n.normalized.clone(), target)
            })
            .collect();
        assert_eq!(got, want, "{}:\n{}", f.file, page.text);
        for n in &page.numbers {
            assert!(page.text.get(n.range.clone()).is_some(), "{}", f.file);
        }
    }
}

/// Needs the real number extractor in beian-domain.
#[test]
fn look_alike_province_is_rejected_with_no_link() {
    let page = analyze(&fixture("icp_linked_to_police.html"), None);
    assert_eq!(
        page.rejected_numbers.len(),
        1,
        "{:#?}",
        page.rejected_numbers
    );
    let r = &page.rejected_numbers[0];
    assert_eq!(r.kind, ShownKind::IcpFiling);
    assert!(page.text[r.range.clone()].starts_with("川ICP备20210012"));
    assert_eq!(r.link, None);
    assert!(!r.reason.is_empty());
}

/// Needs the real number extractor in beian-domain.
#[test]
fn number_link_association() {
    // (html, index of the link the first number sits in)
    let cases: &[(&str, Option<usize>)] = &[
        (
            r#"<a href="https://beian.miit.gov.cn/">粤ICP备17087427号-1</a>"#,
            Some(0),
        ),
        (
            r#"<a href="/">首页</a> <a href="https://beian.miit.gov.cn/" target="_blank">京ICP备2024000001号-1</a>"#,
            Some(1),
        ),
        (
            r#"<p>京ICP备2024000001号-1 <a href="https://beian.miit.gov.cn/">工信部</a></p>"#,
            None,
        ),
        // The site suffix outside the link: still linked.
        (
            r#"<a href="https://beian.miit.gov.cn/">京ICP备2024000001号</a>-1"#,
            Some(0),
        ),
        (
            r#"<a href="https://beian.miit.gov.cn/"><b>粤ICP备</b><span>17087427</span>号</a>"#,
            Some(0),
        ),
        (
            r#"<a href="https://beian.miit.gov.cn/"><img src="icp.png"></a>粤ICP备17087427号"#,
            None,
        ),
    ];
    for (html, want) in cases {
        let page = analyze(html.as_bytes(), None);
        assert_eq!(page.numbers.len(), 1, "{html}: {:#?}", page.numbers);
        assert_eq!(page.numbers[0].link, *want, "{html}");
    }
}

fn gbk_page() -> String {
    "<html><head><title>上海某某文化传播有限公司</title></head><body>\
     <p>我们专注于文化活动策划与品牌推广，服务过众多知名企业。</p>\
     <div class=footer>版权所有 上海某某文化传播有限公司 \
     <a href=\"https://beian.miit.gov.cn/\">沪ICP备2022012345号-1</a></div></body></html>"
        .to_owned()
}

#[test]
fn undeclared_gbk_is_detected() {
    let html = gbk_page();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&html);
    assert!(!unmappable);
    let page = analyze(&bytes, Some("text/html"));
    assert_eq!(
        (page.charset, page.charset_source),
        ("GBK", CharsetSource::Detected)
    );
    assert_eq!(page.declared_charset, None);
    assert_eq!(page.title.as_deref(), Some("上海某某文化传播有限公司"));
    assert!(
        page.text
            .contains("版权所有 上海某某文化传播有限公司 沪ICP备2022012345号-1")
    );
    assert_eq!(page.miit_link, MiitLink::Ok);
}

#[test]
fn declared_utf8_on_gbk_bytes_uses_gbk() {
    let html = gbk_page();
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let page = analyze(&bytes, Some("text/html; charset=utf-8"));
    assert_eq!(
        (page.charset, page.charset_source),
        ("GBK", CharsetSource::Detected)
    );
    assert_eq!(page.declared_charset, Some("UTF-8"));
    assert!(page.text.contains("沪ICP备2022012345号-1"));
}

#[test]
fn gb18030_header() {
    let html = format!("{}<p>€ 𠀀</p>", gbk_page());
    let (bytes, _, _) = encoding_rs::GB18030.encode(&html);
    let page = analyze(&bytes, Some("text/html; charset=GB18030"));
    assert_eq!(
        (page.charset, page.charset_source),
        ("gb18030", CharsetSource::ContentType)
    );
    assert!(page.text.contains("€ 𠀀"));
}

#[test]
fn utf16_with_bom() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(gbk_page().encode_utf16().flat_map(u16::to_le_bytes));
    let page = analyze(&bytes, Some("text/html; charset=gbk"));
    assert_eq!(
        (page.charset, page.charset_source),
        ("UTF-16LE", CharsetSource::Bom)
    );
    assert_eq!(page.title.as_deref(), Some("上海某某文化传播有限公司"));
    assert_eq!(page.miit_link, MiitLink::Ok);
}

#[test]
fn ascii_only_defaults_to_gbk() {
    let page = analyze(b"<title>Hello</title><p>It works!</p>", None);
    assert_eq!(
        (page.charset, page.charset_source),
        ("GBK", CharsetSource::Default)
    );
    assert_eq!(page.text, "It works!");
    assert_eq!(page.title_source, Some(TitleSource::Title));
}

#[test]
fn garbage_and_truncation_do_not_break() {
    let html = gbk_page();
    let (full, _, _) = encoding_rs::GBK.encode(&html);
    for cut in 0..full.len() {
        let page = analyze(&full[..cut], None);
        for link in &page.links {
            assert!(page.text.get(link.text_range.clone()).is_some());
        }
    }
    let page = analyze(
        b"\x00\xff\xfe<<<a href=\"\xff\">&#xFFFFFFF;</a",
        Some("text/html; charset=\u{e4}"),
    );
    assert!(!page.degraded);
}

#[test]
fn serializes_to_json() {
    let page = analyze(&fixture("footer_miit.html"), None);
    let json = serde_json::to_value(&page).unwrap_or_default();
    assert_eq!(json["charset"], "UTF-8");
    assert_eq!(json["charset_source"], "meta");
    assert_eq!(json["miit_link"], "ok");
    assert_eq!(json["links"][4]["target"], "miit");
    assert_eq!(json["title_source"], "title");
}

/// Needs the real number extractor in beian-domain.
#[test]
fn a_number_shown_twice_is_judged_at_each_place() {
    let html = r#"<div class="top">京ICP备2024000001号-1</div>
        <div class="footer"><a href="https://beian.miit.gov.cn/">京ICP备2024000001号-1</a></div>"#;
    let page = analyze(html.as_bytes(), None);
    let links: Vec<_> = page.numbers.iter().map(|n| n.link).collect();
    assert_eq!(links, [None, Some(0)], "{:#?}", page.numbers);
}
