//! 页面分析 — what a page shows, read from its bytes: charset, title, visible text, links and
//! the filing numbers in it.
//!
//! Pure: bytes (and the `Content-Type` header, if one was received) in, a [`PageAnalysis`]
//! out. No IO and no clock, so the fetcher, the offline `inspect` command and the tests all
//! get the same answer for the same bytes. [`analyze`] never fails and never panics: a page
//! that is broken, truncated or not HTML at all still yields whatever text it has, because
//! "the footer is unreadable" is itself something to report.
//!
//! Reading order: [`charset`] (bytes to text), [`html`] (text to visible text, title and
//! links), [`link`] (where a link goes), then [`analyze`], which finds the numbers in the
//! visible text and ties each to the link it sits in.
//!
//! Numbers are searched in the *visible* text only, never in comments, scripts or attributes:
//! the footer rule is about what a visitor sees, and a number left in a comment or a
//! `title="…"` does not satisfy it.

pub mod charset;
mod entity;
pub mod html;
pub mod link;

use std::ops::Range;

use beian_domain::ident::extract::{ShownKind, extract_all_numbers};
use serde::{Serialize, Serializer};

pub use charset::CharsetSource;
pub use link::{LinkTarget, MiitLink, link_host};

/// 页面分析结果 — everything read from one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageAnalysis {
    /// The encoding used to decode the page, by its encoding_rs name (`"UTF-8"`, `"GBK"`,
    /// `"gb18030"`, …).
    pub charset: &'static str,
    /// Where that encoding came from.
    pub charset_source: CharsetSource,
    /// The encoding the header or a `<meta>` declared, when it differs from `charset`
    /// (a wrong declaration overridden by detection, see [`charset`]).
    pub declared_charset: Option<&'static str>,
    /// 网页标题: whitespace-collapsed and trimmed; `None` when missing or empty.
    pub title: Option<String>,
    /// Where the title came from; `None` when there is no title.
    pub title_source: Option<TitleSource>,
    /// 可见文本: see [`html`] for what is kept and how it is laid out.
    pub text: String,
    /// Every `<a href>`, in page order.
    pub links: Vec<Link>,
    /// The filing, licence and 公安 numbers shown in `text`, in text order; a number shown
    /// twice appears twice, each with its own link.
    pub numbers: Vec<PageNumber>,
    /// Look-alike numbers (wrong province character and the like), in text order.
    pub rejected_numbers: Vec<RejectedOnPage>,
    /// Whether the page links to the MIIT filing system.
    pub miit_link: MiitLink,
    /// Whether the HTML tokenizer failed and the text came from a crude fallback (no title,
    /// no links). Never seen in practice; recorded so a report can say why links are missing.
    pub degraded: bool,
}

/// 标题来源 — which element the title was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    /// The first `<title>` element.
    Title,
    /// `<meta property="og:title">`, used only when `<title>` is missing or empty.
    OgTitle,
}

/// 链接 — one `<a href>` of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The href, entity-decoded and trimmed, as written (not resolved against the page URL).
    pub href: String,
    /// The visible text inside the link (`text[text_range]`); empty for an image-only link.
    pub text: String,
    /// Byte range of that text in [`PageAnalysis::text`]; empty (at the link's position) when
    /// the link has no text.
    pub text_range: Range<usize>,
    /// Where the link goes.
    pub target: LinkTarget,
}

/// 页面上的编号 — a well-formed number shown on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageNumber {
    /// ICP filing, ICP licence or 公安 number.
    #[serde(serialize_with = "kind_name")]
    pub kind: ShownKind,
    /// Byte range of the number as shown in [`PageAnalysis::text`].
    pub range: Range<usize>,
    /// The normalised number (e.g. `粤ICP备17087427号-1`).
    pub normalized: String,
    /// Index into [`PageAnalysis::links`] of the link the number sits in, if any.
    pub link: Option<usize>,
}

/// 疑似编号 — a look-alike that is not a valid number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedOnPage {
    /// The kind it imitates.
    #[serde(serialize_with = "kind_name")]
    pub kind: ShownKind,
    /// Byte range of the look-alike in [`PageAnalysis::text`].
    pub range: Range<usize>,
    /// Why it is not accepted, in Chinese.
    pub reason: String,
    /// Index into [`PageAnalysis::links`] of the link it sits in, if any.
    pub link: Option<usize>,
}

fn kind_name<S: Serializer>(kind: &ShownKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match kind {
        ShownKind::IcpFiling => "icp_filing",
        ShownKind::IcpLicence => "icp_licence",
        ShownKind::Police => "police",
    })
}

/// Analyses one page. `content_type` is the HTTP `Content-Type` header value, if any.
pub fn analyze(bytes: &[u8], content_type: Option<&str>) -> PageAnalysis {
    let decoded = charset::decode(bytes, content_type);
    let extract = html::extract(&decoded.text);

    let (title, title_source) = match extract.title.as_deref().and_then(clean_title) {
        Some(t) => (Some(t), Some(TitleSource::Title)),
        None => match extract.og_title.as_deref().and_then(clean_title) {
            Some(t) => (Some(t), Some(TitleSource::OgTitle)),
            None => (None, None),
        },
    };

    let text = extract.text;
    let links: Vec<Link> = extract
        .links
        .into_iter()
        .map(|(href, range)| Link {
            target: LinkTarget::of(&href),
            text: text.get(range.clone()).unwrap_or_default().to_owned(),
            href,
            text_range: range,
        })
        .collect();

    // Every occurrence, not each distinct number once: a page that shows its number twice,
    // unlinked in the header and linked in the footer, must be judged on both.
    let found = extract_all_numbers(&text);
    // The extractor's ranges are trusted only where they are real slices of `text`.
    let valid = |r: &Range<usize>| text.get(r.clone()).is_some_and(|s| !s.is_empty());
    let numbers = found
        .accepted
        .into_iter()
        .filter(|n| valid(&n.range))
        .map(|n| PageNumber {
            link: link_of(&links, &n.range),
            kind: n.kind,
            range: n.range,
            normalized: n.normalized,
        })
        .collect();
    let rejected_numbers = found
        .rejected
        .into_iter()
        .filter(|n| valid(&n.range))
        .map(|n| RejectedOnPage {
            link: link_of(&links, &n.range),
            kind: n.kind,
            range: n.range,
            reason: n.reason,
        })
        .collect();

    let miit_link = MiitLink::of(links.iter().map(|l| l.target));
    PageAnalysis {
        charset: decoded.encoding.name(),
        charset_source: decoded.source,
        declared_charset: decoded
            .declared
            .filter(|&d| d != decoded.encoding)
            .map(|d| d.name()),
        title,
        title_source,
        text,
        links,
        numbers,
        rejected_numbers,
        miit_link,
        degraded: extract.fallback,
    }
}

/// The link a number sits in: the one whose text contains it, else the one that covers most
/// of it. The second rule matters for `<a …>京ICP备2024000001号</a>-1`, where the site suffix
/// is outside the link but the number is plainly linked.
fn link_of(links: &[Link], range: &Range<usize>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, link) in links.iter().enumerate() {
        let r = &link.text_range;
        if r.start <= range.start && range.end <= r.end && !r.is_empty() {
            return Some(i);
        }
        let overlap = r
            .end
            .min(range.end)
            .saturating_sub(r.start.max(range.start));
        if overlap > 0 && best.is_none_or(|(_, o)| overlap > o) {
            best = Some((i, overlap));
        }
    }
    best.map(|(i, _)| i)
}

/// Collapses whitespace and trims; `None` when nothing is left.
fn clean_title(raw: &str) -> Option<String> {
    let decoded = entity::decode(raw, entity::Context::Text);
    let mut out = String::with_capacity(decoded.len());
    for word in decoded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}
