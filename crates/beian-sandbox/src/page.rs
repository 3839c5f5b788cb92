//! 首页 — the generated homepages: a title with the filed site name, a body of plain
//! sentences about the company or the person's hobby (5–50 KB), and a footer with the
//! filing number linked to the MIIT system and the 公安 number linked to its platform;
//! unless a fault says otherwise. GBK pages are encoded here, so the server only copies
//! bytes.

use crate::names::{self, Industry, Topic};
use crate::rng::Rng;

/// Whose site it is.
#[derive(Debug, Clone, Copy)]
pub enum Theme<'a> {
    /// A company's site.
    Company {
        /// Its brand (云帆).
        brand: &'a str,
        /// Its line of business.
        industry: &'a Industry,
    },
    /// A person's site.
    Personal {
        /// What the person writes about.
        topic: &'a Topic,
    },
}

/// Where the footer's filing number links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FooterLink {
    /// <https://beian.miit.gov.cn/> (or one of its accepted spellings).
    Miit,
    /// The retired <http://www.miibeian.gov.cn/>.
    Legacy,
    /// Not a link.
    Missing,
}

/// Extra content that a fault puts in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Nothing extra.
    Normal,
    /// 网络游戏 downloads, without the approval.
    OnlineGames,
    /// A gambling advertisement.
    Gambling,
    /// A shop on a personal site.
    Shop,
}

/// Everything a homepage is made from.
#[derive(Debug, Clone)]
pub struct PagePlan<'a> {
    /// The filed site name.
    pub site_name: &'a str,
    /// Whether the title carries the site name.
    pub title_matches: bool,
    /// The copyright holder (the entity's name).
    pub owner: &'a str,
    /// A personal site (no company vocabulary).
    pub personal: bool,
    /// What it is about.
    pub theme: Theme<'a>,
    /// The filing number in the footer; `None` shows none (and no MIIT link either).
    pub footer_number: Option<String>,
    /// Where the number links.
    pub footer_link: FooterLink,
    /// The 公安 number and its 14 digits.
    pub police: (String, String),
    /// Extra content.
    pub kind: PageKind,
    /// Encode as GBK.
    pub gbk: bool,
    /// Name the charset in the `Content-Type` header too (else only in the page).
    pub charset_in_header: bool,
    /// The copyright year.
    pub year: i32,
}

/// A rendered homepage.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The bytes as served.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// Byte offset of `<footer`, where a huge page inserts its filler.
    pub footer_at: usize,
}

const MIIT_HREFS: &[&str] = &[
    "https://beian.miit.gov.cn/",
    "https://beian.miit.gov.cn",
    "http://beian.miit.gov.cn/",
    "https://beian.miit.gov.cn/#/Integrated/index",
];

const STYLE: &str = "body{margin:0;font-family:\"PingFang SC\",\"Microsoft YaHei\",sans-serif;color:#333;line-height:1.8}\
header{display:flex;justify-content:space-between;padding:12px 40px;border-bottom:1px solid #eee}\
nav a{margin-left:24px;color:#333;text-decoration:none}main{max-width:960px;margin:0 auto;padding:24px}\
footer{text-align:center;font-size:12px;color:#999;padding:24px 0;border-top:1px solid #eee}\
footer a{color:#999;text-decoration:none}footer img{width:14px;vertical-align:middle;margin-right:4px}";

/// Renders the homepage of `plan`.
pub fn render(rng: &mut Rng, plan: &PagePlan<'_>) -> Rendered {
    let title = title(rng, plan);
    let mut html = String::with_capacity(16 * 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n");
    if plan.gbk {
        html.push_str("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\n");
    } else {
        html.push_str("<meta charset=\"utf-8\">\n");
    }
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(&title)));
    html.push_str(&format!(
        "<meta name=\"description\" content=\"{}\">\n",
        escape(plan.site_name)
    ));
    html.push_str(&format!("<style>{STYLE}</style>\n"));
    html.push_str("<script>window.dataLayer=window.dataLayer||[];</script>\n</head>\n<body>\n");
    let nav = if plan.personal {
        "<a href=\"/\">首页</a><a href=\"/archive/\">归档</a><a href=\"/photos/\">相册</a><a href=\"/me.html\">关于我</a>"
    } else {
        "<a href=\"/\">首页</a><a href=\"/cases.html\">客户案例</a><a href=\"/about.html\">关于我们</a><a href=\"/contact.html\">联系方式</a>"
    };
    html.push_str(&format!(
        "<header><div class=\"logo\">{}</div><nav>{nav}</nav></header>\n<main>\n",
        escape(plan.site_name)
    ));
    html.push_str(&format!("<h1>{}</h1>\n", escape(plan.site_name)));

    let (own, common): (&[&str], &[&str]) = match plan.theme {
        Theme::Company { industry, .. } => (industry.sentences, names::COMPANY_COMMON),
        Theme::Personal { topic } => (topic.sentences, names::PERSONAL_COMMON),
    };
    // 5 KB to 50 KB, most pages small: 5 KB + 45 KB × u³.
    let u = rng.below(1000);
    let target = 5_000 + (45_000 * u * u * u / 1_000_000_000) as usize;
    let mut inserted = false;
    while html.len() < target || !inserted {
        if !inserted && html.len() >= target / 2 {
            insert_fault(&mut html, plan);
            inserted = true;
            continue;
        }
        let sentences = rng.range(2, 4);
        html.push_str("<p>");
        for _ in 0..sentences {
            let pool = if rng.chance(650) { own } else { common };
            let sentence: &&str = rng.pick(pool);
            html.push_str(sentence);
        }
        html.push_str("</p>\n");
    }
    html.push_str("</main>\n");
    let footer_at_text = html.len();
    html.push_str(&footer(plan));
    html.push_str("</body>\n</html>\n");

    let content_type = match (plan.gbk, plan.charset_in_header) {
        (true, true) => "text/html; charset=GBK",
        (false, true) => "text/html; charset=utf-8",
        _ => "text/html",
    };
    if plan.gbk {
        // GBK is stateless: the two halves encode independently.
        let (head, tail) = html.split_at(footer_at_text);
        let (head, _, _) = encoding_rs::GBK.encode(head);
        let (tail, _, _) = encoding_rs::GBK.encode(tail);
        let footer_at = head.len();
        let mut bytes = head.into_owned();
        bytes.extend_from_slice(&tail);
        Rendered {
            bytes,
            content_type,
            footer_at,
        }
    } else {
        Rendered {
            bytes: html.into_bytes(),
            content_type,
            footer_at: footer_at_text,
        }
    }
}

fn title(rng: &mut Rng, plan: &PagePlan<'_>) -> String {
    if !plan.title_matches {
        return (*rng.pick(names::WRONG_TITLES)).to_owned();
    }
    let name = plan.site_name;
    match (plan.theme, rng.below(4)) {
        (_, 0) => name.to_owned(),
        (Theme::Company { .. }, 1) => format!("{name} - {}", rng.pick(names::SLOGANS)),
        (Theme::Company { .. }, 2) => format!("{} | {name}", rng.pick(names::SLOGANS)),
        (Theme::Personal { .. }, 1 | 2) => format!("{name} - 记录生活"),
        _ => format!("首页 - {name}"),
    }
}

fn insert_fault(html: &mut String, plan: &PagePlan<'_>) {
    match plan.kind {
        PageKind::Normal => {}
        PageKind::OnlineGames => {
            html.push_str(
                "<h2>热门网络游戏</h2>\n<p>本站提供热门网络游戏的下载与攻略，每周更新网络游戏排行。</p>\n\
                 <p>新上线的网络游戏礼包每天限量发放。</p>\n",
            );
        }
        PageKind::Gambling => {
            html.push_str("<div class=\"ad\"><p>百家乐 真人荷官 网上赌场 注册即送彩金</p></div>\n");
        }
        PageKind::Shop => {
            let item = match plan.theme {
                Theme::Personal { topic } => topic.word,
                Theme::Company { industry, .. } => industry.word,
            };
            html.push_str(&format!(
                "<div class=\"goods\"><h2>{item}好物现货</h2><p>手工制作，数量有限。\
                 <a href=\"/buy\">立即购买</a> <button>加入购物车</button></p></div>\n"
            ));
        }
    }
}

fn footer(plan: &PagePlan<'_>) -> String {
    let mut out = String::from("<footer>\n");
    if plan.gbk {
        out.push_str(&format!("<p>版权所有 {} {}</p>\n", plan.year, plan.owner));
    } else {
        out.push_str(&format!(
            "<p>Copyright © {} {} 版权所有</p>\n",
            plan.year, plan.owner
        ));
    }
    if let Some(number) = &plan.footer_number {
        let line = match plan.footer_link {
            FooterLink::Miit => {
                let href = MIIT_HREFS[plan.year as usize % MIIT_HREFS.len()];
                format!("<a href=\"{href}\" target=\"_blank\" rel=\"noopener\">{number}</a>")
            }
            FooterLink::Legacy => {
                format!("<a href=\"http://www.miibeian.gov.cn/\" target=\"_blank\">{number}</a>")
            }
            FooterLink::Missing => format!("<span>{number}</span>"),
        };
        out.push_str(&format!("<p>{line}</p>\n"));
    }
    let (police, digits) = &plan.police;
    out.push_str(&format!(
        "<p><a href=\"https://beian.mps.gov.cn/#/query/webSearch?code={digits}\" target=\"_blank\" \
         rel=\"noopener\"><img src=\"/static/gongan.png\" alt=\"\">{police}</a></p>\n"
    ));
    out.push_str("</footer>\n");
    out
}

/// The filler a huge page carries before its footer: plain sentences, no markup tricks.
pub fn huge_filler() -> Vec<u8> {
    let mut chunk = String::with_capacity(64 * 1024);
    let mut i = 0usize;
    while chunk.len() < 60 * 1024 {
        chunk.push_str("<p>");
        chunk.push_str(names::COMPANY_COMMON[i % names::COMPANY_COMMON.len()]);
        chunk.push_str("</p>\n");
        i += 1;
    }
    chunk.into_bytes()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
