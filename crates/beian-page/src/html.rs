//! 可见文本 — the text a visitor sees, the title and the links, read from decoded HTML.
//!
//! The page is read once by a tokenizer that tracks the HTML parsing states, so `<script>`
//! bodies, comments and attributes are never mistaken for text: a hand-written one
//! ([`extract`]'s fast path) for ordinary pages, lol_html for everything else, both driving
//! the same collector that builds the visible text directly:
//!
//! * Kept: data text and `<textarea>` text, entity-decoded; CDATA and `<plaintext>` as
//!   written.
//! * Dropped: `<script>`, `<style>`, `<noscript>`, `<iframe>`, `<xmp>`, `<noembed>`,
//!   `<noframes>` bodies (lol_html reads them as raw text); comments; attributes; everything
//!   inside `<template>`. `<noscript>` is dropped because a browser with scripting on — the
//!   reviewer's — does not show it. CSS is not evaluated, so text hidden by a stylesheet
//!   still counts.
//! * Whitespace (any Unicode white space, `&nbsp;` included) collapses to one space; a block
//!   element's start or end, and `<br>`, put a newline instead. Zero-width and control
//!   characters are dropped, so `粤ICP备&#8203;17087427号` still reads as a number.
//! * Inline elements add nothing, so `粤ICP备<span>17087427</span>号` stays one string. A
//!   comment adds nothing either.
//!
//! Links are recorded as byte ranges of `text`, so a number found in the text can be tied to
//! the `<a>` it sits in without a DOM.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::LazyLock;

use lol_html::html_content::{Element, EndTag, TextChunk, TextType};
use lol_html::{DocumentContentHandlers, ElementContentHandlers, HtmlRewriter, Selector, Settings};

use crate::entity::{self, Context};

mod fast;

/// Whether an element's start and end break the line (the CSS block, list-item and table
/// boxes).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "frameset"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "listing"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "optgroup"
            | "option"
            | "p"
            | "pre"
            | "search"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Every element, parsed once. One `*` handler that dispatches on the tag name is faster than
/// one selector per element kind: lol_html tries a selector list entry by entry.
static ANY: LazyLock<Option<Selector>> = LazyLock::new(|| "*".parse().ok());

/// What the HTML pass found.
#[derive(Debug, Default)]
pub struct Extract {
    /// The visible text.
    pub text: String,
    /// The raw text of the first `<title>` (entities not yet decoded), if there was one.
    pub title: Option<String>,
    /// The first non-empty `og:title` content, entity-decoded.
    pub og_title: Option<String>,
    /// Every `<a href>`: its decoded, trimmed href and the range of its text in `text`.
    pub links: Vec<(String, Range<usize>)>,
    /// Whether the tokenizer failed and the text came from the crude fallback.
    pub fallback: bool,
}

/// The separator owed before the next visible character.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sep {
    #[default]
    None,
    Space,
    Newline,
}

#[derive(Debug, Default)]
struct Collector {
    out: Extract,
    pending: Sep,
    /// Data text of the current text node, held until the node ends so that an entity split
    /// across chunks is decoded whole.
    buf: String,
    in_title: bool,
    /// Whether the open `<title>` had RCDATA text, i.e. was an HTML title and not an SVG one
    /// (lol_html reports both in the HTML namespace).
    title_is_html: bool,
    /// Set once an HTML `<title>` has been read; later ones are ignored, as in browsers.
    title_seen: bool,
    template_depth: u32,
    /// The open link: its index in `out.links` and where its text starts, once it has any.
    open: Option<(usize, Option<usize>)>,
}

impl Collector {
    /// Appends visible text, collapsing whitespace and dropping invisible characters.
    ///
    /// Works on runs: a byte table marks the bytes that may start a whitespace or invisible
    /// character (ASCII controls and space, and the lead bytes 0xC2, 0xE1, 0xE2, 0xE3, 0xEF);
    /// only those are decoded, and everything between them is copied in one go. Continuation
    /// bytes are never marked, so a marked byte is always a character boundary.
    fn emit(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut run = 0;
        let mut i = 0;
        while i < b.len() {
            let lead = b[i];
            if !SPECIAL[usize::from(lead)] {
                // Not special, so the whole character is visible: skip it at once.
                i += utf8_len(lead);
                continue;
            }
            let (len, space, visible) = match lead {
                0x09..=0x0D | 0x20 => (1, true, false),
                0x00..=0x7F => (1, false, false),
                // CJK and full-width punctuation, frequent in Chinese text: the only space
                // there is U+3000, the only invisible character U+FEFF.
                0xE3 | 0xEF => match (lead, b.get(i + 1), b.get(i + 2)) {
                    (0xE3, Some(0x80), Some(0x80)) => (3, true, false),
                    (0xEF, Some(0xBB), Some(0xBF)) => (3, false, false),
                    _ => (3, false, true),
                },
                _ => match s.get(i..).and_then(|r| r.chars().next()) {
                    Some(ch) if ch.is_whitespace() => (ch.len_utf8(), true, false),
                    Some(ch) => (ch.len_utf8(), false, !is_invisible(ch)),
                    None => (1, false, true),
                },
            };
            if !visible {
                if let Some(v) = s.get(run..i).filter(|v| !v.is_empty()) {
                    self.push_run(v);
                }
                if space {
                    self.pending = self.pending.max(Sep::Space);
                }
                run = i + len;
            }
            i += len;
        }
        if let Some(v) = s.get(run..).filter(|v| !v.is_empty()) {
            self.push_run(v);
        }
    }

    /// Appends a run of visible characters, after the separator it is owed.
    fn push_run(&mut self, run: &str) {
        if self.pending != Sep::None {
            if !self.out.text.is_empty() {
                self.out.text.push(if self.pending == Sep::Newline {
                    '\n'
                } else {
                    ' '
                });
            }
            self.pending = Sep::None;
        }
        if let Some((_, start @ None)) = &mut self.open {
            *start = Some(self.out.text.len());
        }
        self.out.text.push_str(run);
    }

    /// Takes a chunk of data text. Only a reference that may continue in the next chunk is
    /// held back; the rest is decoded at once, without copying.
    fn data(&mut self, chunk: &str) {
        if !self.buf.is_empty() {
            self.buf.push_str(chunk);
            return;
        }
        let (now, later) = match chunk.rfind('&') {
            Some(amp) if may_continue(&chunk[amp + 1..]) => chunk.split_at(amp),
            _ => (chunk, ""),
        };
        entity::decode_into(now, Context::Text, |piece| self.emit(piece));
        self.buf.push_str(later);
    }

    /// Decodes and emits the buffered data text.
    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let buf = std::mem::take(&mut self.buf);
        entity::decode_into(&buf, Context::Text, |piece| self.emit(piece));
        self.buf = buf;
        self.buf.clear();
    }

    fn text_chunk(&mut self, chunk: &TextChunk<'_>) {
        self.text(chunk.as_str(), chunk.text_type(), chunk.last_in_text_node());
    }

    /// Takes a piece of a text node of type `ty`; `last` when it ends the node.
    fn text(&mut self, s: &str, ty: TextType, last: bool) {
        match ty {
            TextType::RCData if self.in_title => {
                if let Some(title) = &mut self.out.title {
                    title.push_str(s);
                    self.title_is_html = true;
                }
            }
            // An SVG `<title>` (data text): a tooltip, neither the page title nor shown.
            TextType::Data if self.in_title => {}
            TextType::Data | TextType::RCData => {
                if self.template_depth == 0 {
                    self.data(s);
                }
            }
            TextType::PlainText | TextType::CDataSection => {
                if self.template_depth == 0 {
                    self.flush();
                    self.emit(s);
                }
            }
            TextType::RawText | TextType::ScriptData => {}
        }
        if last {
            self.flush();
        }
    }

    fn end_title(&mut self) {
        self.in_title = false;
        if self.title_is_html {
            self.title_seen = true;
        } else {
            self.out.title = None;
        }
    }

    fn line_break(&mut self) {
        self.flush();
        self.pending = Sep::Newline;
    }

    fn open_link(&mut self, href: Option<String>) {
        self.close_link();
        if let Some(href) = href {
            self.out.links.push((href, 0..0));
            self.open = Some((self.out.links.len() - 1, None));
        }
    }

    fn close_link(&mut self) {
        self.flush();
        if let Some((index, start)) = self.open.take() {
            let end = self.out.text.len();
            if let Some(link) = self.out.links.get_mut(index) {
                link.1 = start.unwrap_or(end)..end;
            }
        }
    }

    fn finish(mut self) -> Extract {
        self.close_link();
        self.out
    }
}

/// Whether the text after a chunk's last `&` could be the start of a reference that the next
/// chunk completes: short, and only name or number characters so far.
fn may_continue(tail: &str) -> bool {
    tail.len() < 40 && tail.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'#')
}

/// Bytes that may start a whitespace or invisible character (see [`Collector::emit`]).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i <= 0x20 {
        t[i] = true;
        i += 1;
    }
    t[0x7F] = true;
    t[0xC2] = true;
    t[0xE1] = true;
    t[0xE2] = true;
    t[0xE3] = true;
    t[0xEF] = true;
    t
};

/// The length of the UTF-8 character that starts with `lead`.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Characters that take no space and carry no meaning for a reader.
fn is_invisible(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

type Shared = Rc<RefCell<Collector>>;

/// Registers an end-tag handler that runs `f` on the collector, if the element can have one.
fn on_end(el: &mut Element<'_, '_>, state: &Shared, f: fn(&mut Collector)) {
    if el.can_have_content() {
        let state = Rc::clone(state);
        // Only fails for elements that cannot have content, checked above.
        let _ = el.on_end_tag(Box::new(move |_: &mut EndTag<'_>| {
            f(&mut state.borrow_mut());
            Ok(())
        }));
    }
}

/// What an element's end tag does to the collector.
type EndAction = fn(&mut Collector);

/// Handles one start tag, named `name` (lower case) with attributes read by `attr` (raw
/// values, first occurrence, name matched ignoring ASCII case); returns what its end tag must
/// do, if anything. Shared by the lol_html pass and the fast path, so both act alike.
fn start_element(
    c: &mut Collector,
    name: &str,
    attr: &dyn Fn(&str) -> Option<String>,
) -> Option<EndAction> {
    match name {
        "a" => {
            let href =
                attr("href").map(|h| entity::decode(&h, Context::Attribute).trim().to_owned());
            c.open_link(href);
            Some(Collector::close_link)
        }
        "br" => {
            c.line_break();
            None
        }
        "title" => {
            if c.title_seen {
                return None;
            }
            c.flush();
            c.in_title = true;
            c.title_is_html = false;
            c.out.title = Some(String::new());
            Some(Collector::end_title)
        }
        "meta" => {
            if c.out.og_title.is_none() {
                let is_og_title = ["property", "name"].iter().any(|name| {
                    attr(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("og:title"))
                });
                if is_og_title {
                    c.out.og_title = attr("content")
                        .map(|v| entity::decode(&v, Context::Attribute))
                        .filter(|v| !v.trim().is_empty());
                }
            }
            None
        }
        "template" => {
            c.flush();
            c.template_depth += 1;
            Some(|c| {
                c.flush();
                c.template_depth = c.template_depth.saturating_sub(1);
            })
        }
        name if is_block(name) => {
            c.line_break();
            Some(Collector::line_break)
        }
        _ => None,
    }
}

/// Handles one start tag in the lol_html pass.
fn element(el: &mut Element<'_, '_>, state: &Shared) {
    let name = el.tag_name();
    let end = start_element(&mut state.borrow_mut(), &name, &|a| el.get_attribute(a));
    if let Some(f) = end {
        on_end(el, state, f);
    }
}

/// Reads the visible text, title and links of a decoded page.
///
/// Well-formed, ordinary HTML (no SVG or MathML, no CDATA, no `<!--` in a script, …) is read
/// by a hand-written tokenizer (the `fast` module) that is several times faster than lol_html and
/// gives the same result; anything it is not sure about goes through lol_html.
pub fn extract(html: &str) -> Extract {
    fast::extract(html).unwrap_or_else(|| extract_with_lol_html(html))
}

/// Reads the page with lol_html, whatever it holds.
fn extract_with_lol_html(html: &str) -> Extract {
    let Some(any) = ANY.as_ref() else {
        return fallback(html);
    };
    let state: Shared = Rc::default();
    let text_state = Rc::clone(&state);
    let element_state = Rc::clone(&state);

    let settings = Settings::new()
        .with_strict(false)
        .append_document_content_handler(DocumentContentHandlers::default().text(
            move |chunk: &mut TextChunk<'_>| {
                text_state.borrow_mut().text_chunk(chunk);
                Ok(())
            },
        ))
        .append_element_content_handler((
            Cow::Borrowed(any),
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                element(el, &element_state);
                Ok(())
            }),
        ));

    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let result = rewriter
        .write(html.as_bytes())
        .and_then(|()| rewriter.end());
    let collector = std::mem::take(&mut *state.borrow_mut());
    match result {
        Ok(()) => collector.finish(),
        Err(_) => fallback(html),
    }
}

/// A crude pass for when the tokenizer fails: drops comments, tags and the bodies of
/// `<script>`/`<style>`, keeps the rest. No title and no links; better than nothing.
pub fn fallback(html: &str) -> Extract {
    let mut c = Collector::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        c.buf.push_str(&rest[..lt]);
        let tag = &rest[lt..];
        let skip_to = |end: &str| tag.find(end).map_or(tag.len(), |p| p + end.len());
        let lower: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        let consumed = if tag.starts_with("<!--") {
            skip_to("-->")
        } else if lower.starts_with("<script") {
            ci_find(tag, "</script").unwrap_or(tag.len())
        } else if lower.starts_with("<style") {
            ci_find(tag, "</style").unwrap_or(tag.len())
        } else if tag[1..]
            .starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '/' || ch == '!')
        {
            skip_to(">")
        } else {
            c.buf.push('<');
            1
        };
        rest = &tag[consumed..];
    }
    c.buf.push_str(rest);
    c.flush();
    let mut out = c.finish();
    out.fallback = true;
    out
}

/// Finds an ASCII needle, ignoring ASCII case; the result is always a char boundary.
fn ci_find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        extract(html).text
    }

    #[test]
    fn visible_text() {
        let cases = [
            ("<p>a</p><p>b</p>", "a\nb"),
            ("a<br>b<br/>c", "a\nb\nc"),
            ("<div>  a \n\t b  </div>", "a b"),
            ("粤ICP备<span>17087427</span>号", "粤ICP备17087427号"),
            ("粤ICP备<!-- x -->17087427号", "粤ICP备17087427号"),
            ("a<script>var x = '京ICP备1号';</script>b", "ab"),
            ("a<style>p{}</style>b", "ab"),
            ("a<noscript>请开启JavaScript</noscript>b", "ab"),
            ("a<template><p>x</p></template>b", "a\nb"),
            ("<a title=\"京ICP备1号\" href=\"/\">x</a>", "x"),
            ("&copy;2024&nbsp;&nbsp;某某公司", "©2024 某某公司"),
            ("&#20140;ICP备", "京ICP备"),
            ("粤ICP备&#8203;17087427号", "粤ICP备17087427号"),
            ("<textarea>a &amp; b</textarea>", "a & b"),
            ("<title>t</title><p>x</p>", "x"),
            ("<ul><li>a<li>b</ul>c", "a\nb\nc"),
            ("<table><tr><td>a</td><td>b</td></tr></table>", "a\nb"),
            ("a&#x3000;b", "a b"),
            ("", ""),
        ];
        for (html, want) in cases {
            assert_eq!(text(html), want, "{html}");
        }
    }

    /// The run-based `emit` against the rule it implements, one character at a time, on
    /// every character.
    #[test]
    fn emit_agrees_with_the_per_character_rule() {
        let all: String = (0..=0x10_FFFF)
            .filter_map(char::from_u32)
            .flat_map(|c| [c, 'x'])
            .collect();
        let mut c = Collector::default();
        c.emit(&all);
        let mut want = String::new();
        let mut pending = false;
        for ch in all.chars() {
            if ch.is_whitespace() {
                pending = true;
            } else if !is_invisible(ch) {
                if pending && !want.is_empty() {
                    want.push(' ');
                }
                pending = false;
                want.push(ch);
            }
        }
        assert!(
            c.out.text == want,
            "emit differs from the per-character rule"
        );
    }

    #[test]
    fn entity_split_across_writes_is_decoded() {
        // A long text node makes lol_html deliver several chunks.
        let body = format!("<p>{}&amp;{}</p>", "中".repeat(5000), "文".repeat(5000));
        let t = text(&body);
        assert!(t.contains("中&文"));
    }

    #[test]
    fn links_and_ranges() {
        let e = extract(
            "<p>版权所有 <a href=\" https://beian.miit.gov.cn/ \" target=\"_blank\">京ICP备2024000001号-1</a> \
             <a name=top>top</a><a href='/a?x=1&amp;y=2'><img src=x.png></a></p>",
        );
        assert_eq!(e.text, "版权所有 京ICP备2024000001号-1 top");
        assert_eq!(e.links.len(), 2);
        assert_eq!(e.links[0].0, "https://beian.miit.gov.cn/");
        assert_eq!(&e.text[e.links[0].1.clone()], "京ICP备2024000001号-1");
        assert_eq!(e.links[1].0, "/a?x=1&y=2");
        assert!(e.links[1].1.is_empty());
    }

    #[test]
    fn unclosed_link_ends_at_the_next_or_at_the_end() {
        let e = extract("<a href=1>one<a href=2>two");
        assert_eq!(e.text, "onetwo");
        assert_eq!(e.links[0].1, 0..3);
        assert_eq!(e.links[1].1, 3..6);
    }

    #[test]
    fn title_and_og_title() {
        let e = extract(
            "<head><title> 某某 &amp;\n 公司 </title><meta property=og:title content=\"OG &amp; T\"></head>",
        );
        assert_eq!(e.title.as_deref(), Some(" 某某 &amp;\n 公司 "));
        assert_eq!(e.og_title.as_deref(), Some("OG & T"));
        let e = extract("<svg><title>icon</title></svg><title>real</title>");
        assert_eq!(e.title.as_deref(), Some("real"));
    }

    #[test]
    fn fallback_text() {
        let e = fallback("<p>a<!-- x --></p><SCRIPT>x</script>b &amp; c < d");
        assert_eq!(e.text, "ab & c < d");
        assert!(e.fallback);
    }
}
