//! The fast path: a hand-written tokenizer for ordinary HTML that drives the same
//! [`Collector`] as the lol_html pass, with the same events in the same order.
//!
//! It reproduces what lol_html (non-strict) does on the documents it accepts:
//!
//! * Text between markup is one text node; comments and doctypes end it.
//! * `<title>`/`<textarea>` bodies are RCDATA, `<script>` bodies script data, `<style>`,
//!   `<iframe>`, `<xmp>`, `<noembed>`, `<noframes>`, `<noscript>` bodies raw text; each ends
//!   at its own end tag.
//! * Every start tag of an element that can have content (all but lol_html's void list) is
//!   pushed on a stack of open elements; an end tag pops up to the nearest open element of
//!   its name (ignored if there is none) and runs the end actions of everything popped, the
//!   innermost first; elements still open at the end run nothing.
//!
//! Whatever it is not sure about makes it give up (`None`) rather than guess, and the page
//! goes through lol_html: NUL characters, `<` that starts no tag, tag or attribute syntax that
//! is a parse error, bogus comments and CDATA, `<plaintext>`, SVG and MathML (foreign content
//! changes how text is tokenized), `<!--` inside a script (the escape states), a self-closing
//! raw-text element, a tag cut off by the end of the input. A property test checks the two
//! paths against each other.

use lol_html::html_content::TextType;

use super::{Collector, EndAction, Extract, start_element};

/// Reads `html`, or `None` when the page needs lol_html.
pub(super) fn extract(html: &str) -> Option<Extract> {
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let mut c = Collector::default();
    c.out.text.reserve(html.len());
    // Open elements: name (as written) and end action.
    let mut stack: Vec<(&str, Option<EndAction>)> = Vec::with_capacity(64);
    let b = html.as_bytes();
    let mut i = 0;
    loop {
        let Some(lt) = find_byte(b, i, b'<') else {
            let rest = html.get(i..)?;
            if !rest.is_empty() {
                c.text(rest, TextType::Data, true);
            }
            break;
        };
        if lt > i {
            c.text(html.get(i..lt)?, TextType::Data, true);
        }
        match *b.get(lt + 1)? {
            b'!' => i = markup_declaration(b, lt)?,
            b'/' => {
                let (name, end) = end_tag(b, lt)?;
                let name = html.get(name)?;
                close(&mut c, &mut stack, name);
                i = end;
            }
            ch if ch.is_ascii_alphabetic() => {
                let tag = start_tag(b, lt)?;
                let raw_name = html.get(tag.name.clone())?;
                let mut lower = [0u8; 16];
                let name = lowercase(raw_name, &mut lower);
                let attr = |wanted: &str| {
                    tag.attrs
                        .iter()
                        .find(|(n, _)| {
                            html.get(n.clone())
                                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
                        })
                        .and_then(|(_, v)| html.get(v.clone()))
                        // lol_html decodes values with BOM sniffing, which drops a leading
                        // U+FEFF.
                        .map(|v| v.strip_prefix('\u{feff}').unwrap_or(v).to_owned())
                };
                let end = start_element(&mut c, name, &attr);
                if !is_void(name) {
                    stack.push((raw_name, end));
                }
                i = tag.end;
                if let Some(ty) = text_type(name)? {
                    if tag.self_closing {
                        return None;
                    }
                    match raw_body(html, i, raw_name, ty)? {
                        Some((body, close_at, after)) => {
                            if !body.is_empty() {
                                c.text(body, ty, true);
                            }
                            close(&mut c, &mut stack, html.get(close_at)?);
                            i = after;
                        }
                        // Unclosed: the body runs to the end of the input.
                        None => {
                            let body = html.get(i..)?;
                            if ty == TextType::ScriptData && body.contains("<!--") {
                                return None;
                            }
                            if !body.is_empty() {
                                c.text(body, ty, true);
                            }
                            break;
                        }
                    }
                }
            }
            _ => return None,
        }
    }
    Some(c.finish())
}

/// Pops up to the nearest open element named `name` and runs the end actions popped, the
/// innermost first; nothing when no such element is open.
fn close(c: &mut Collector, stack: &mut Vec<(&str, Option<EndAction>)>, name: &str) {
    let Some(at) = stack
        .iter()
        .rposition(|(n, _)| n.eq_ignore_ascii_case(name))
    else {
        return;
    };
    for (_, end) in stack.drain(at..).rev() {
        if let Some(f) = end {
            f(c);
        }
    }
}

/// The text type an element's start tag switches to: `Some(None)` for ordinary elements,
/// `None` for the elements the fast path leaves to lol_html.
fn text_type(name: &str) -> Option<Option<TextType>> {
    Some(match name {
        "title" | "textarea" => Some(TextType::RCData),
        "script" => Some(TextType::ScriptData),
        "style" | "iframe" | "xmp" | "noembed" | "noframes" | "noscript" => Some(TextType::RawText),
        "plaintext" | "svg" | "math" => return None,
        _ => None,
    })
}

/// lol_html's void elements: no content, no end tag handler.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// The lower-case form of an ASCII tag name, in `buf`; a name too long for it is returned
/// as an empty string, which matches no element of interest.
fn lowercase<'b>(name: &str, buf: &'b mut [u8; 16]) -> &'b str {
    let Some(dst) = buf.get_mut(..name.len()) else {
        return "";
    };
    dst.copy_from_slice(name.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or_default()
}

/// The body of a raw-text, RCDATA or script element starting at `from`: the body, the range
/// of the name in its end tag, and where the end tag ends; `Some(None)` when the element is
/// not closed before the end of the input.
fn raw_body<'h>(
    html: &'h str,
    from: usize,
    name: &str,
    ty: TextType,
) -> Option<Option<(&'h str, std::ops::Range<usize>, usize)>> {
    let b = html.as_bytes();
    let mut at = from;
    loop {
        let Some(lt) = find_byte(b, at, b'<') else {
            return Some(None);
        };
        let name_end = lt + 2 + name.len();
        let is_end = b.get(lt + 1) == Some(&b'/')
            && b.get(lt + 2..name_end)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
        if is_end {
            match *b.get(name_end)? {
                b'>' | b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' => {
                    let end = skip_space(b, name_end);
                    if *b.get(end)? != b'>' {
                        return None;
                    }
                    let body = html.get(from..lt)?;
                    if ty == TextType::ScriptData && body.contains("<!--") {
                        return None;
                    }
                    return Some(Some((body, lt + 2..name_end, end + 1)));
                }
                b'/' => return None,
                _ => {}
            }
        }
        at = lt + 1;
    }
}

/// A start tag: its name, its attributes (name and raw value ranges) and where it ends.
struct StartTag {
    name: std::ops::Range<usize>,
    attrs: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    self_closing: bool,
    end: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'\x0C')
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_space(c)) {
        i += 1;
    }
    i
}

/// A tag name from `i`: ASCII letters and digits, followed by a space, `/` or `>`.
fn tag_name(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while b.get(i)?.is_ascii_alphanumeric() {
        i += 1;
    }
    match *b.get(i)? {
        b'/' | b'>' => Some(i),
        c if is_space(c) => Some(i),
        _ => None,
    }
}

/// Parses the start tag at `lt`, giving up on anything the spec calls a parse error.
fn start_tag(b: &[u8], lt: usize) -> Option<StartTag> {
    let name_start = lt + 1;
    let name_end = tag_name(b, name_start)?;
    let mut attrs = Vec::new();
    let mut i = name_end;
    loop {
        i = skip_space(b, i);
        match *b.get(i)? {
            b'>' => {
                return Some(StartTag {
                    name: name_start..name_end,
                    attrs,
                    self_closing: false,
                    end: i + 1,
                });
            }
            b'/' => {
                if *b.get(i + 1)? != b'>' {
                    return None;
                }
                return Some(StartTag {
                    name: name_start..name_end,
                    attrs,
                    self_closing: true,
                    end: i + 2,
                });
            }
            b'=' | b'"' | b'\'' | b'<' => return None,
            _ => {}
        }
        let attr_start = i;
        while !matches!(*b.get(i)?, b'/' | b'>' | b'=') && !is_space(b[i]) {
            if matches!(b[i], b'"' | b'\'' | b'<') {
                return None;
            }
            i += 1;
        }
        let attr_name = attr_start..i;
        i = skip_space(b, i);
        if *b.get(i)? != b'=' {
            attrs.push((attr_name, i..i));
            continue;
        }
        i = skip_space(b, i + 1);
        let value = match *b.get(i)? {
            q @ (b'"' | b'\'') => {
                let close = find_byte(b, i + 1, q)?;
                let value = i + 1..close;
                i = close + 1;
                let next = *b.get(i)?;
                if !(is_space(next) || next == b'/' || next == b'>') {
                    return None;
                }
                value
            }
            b'>' => return None,
            _ => {
                let start = i;
                while !is_space(*b.get(i)?) && b[i] != b'>' {
                    if matches!(b[i], b'"' | b'\'' | b'<' | b'=' | b'`') {
                        return None;
                    }
                    i += 1;
                }
                start..i
            }
        };
        attrs.push((attr_name, value));
    }
}

/// Parses the end tag at `lt` (`</name>`, spaces allowed before `>`): its name and end.
fn end_tag(b: &[u8], lt: usize) -> Option<(std::ops::Range<usize>, usize)> {
    let name_start = lt + 2;
    if !b.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = tag_name(b, name_start)?;
    let end = skip_space(b, name_end);
    (*b.get(end)? == b'>').then_some((name_start..name_end, end + 1))
}

/// Skips the comment or doctype at `lt`; `None` for anything else (bogus comments, CDATA)
/// and for the comment forms with special endings (`<!-->`, `<!--->`, `--!>`).
fn markup_declaration(b: &[u8], lt: usize) -> Option<usize> {
    let rest = b.get(lt + 2..)?;
    if let Some(body) = rest.strip_prefix(b"--") {
        if body.starts_with(b">") || body.starts_with(b"->") {
            return None;
        }
        let Some(close) = find_sub(body, b"-->") else {
            // Unclosed: the comment runs to the end of the input.
            return (!contains(body, b"--!")).then_some(b.len());
        };
        if body.get(..close + 2).is_some_and(|s| contains(s, b"--!")) {
            return None;
        }
        return Some(lt + 4 + close + 3);
    }
    if rest
        .get(..7)
        .is_some_and(|d| d.eq_ignore_ascii_case(b"doctype"))
    {
        return Some(find_byte(b, lt, b'>')? + 1);
    }
    None
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, b.get(from..)?).map(|p| p + from)
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find_sub(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use proptest::prelude::*;

    static RUN: AtomicUsize = AtomicUsize::new(0);
    static TAKEN: AtomicUsize = AtomicUsize::new(0);

    use super::super::{Extract, extract_with_lol_html};

    fn same(fast: &Extract, lol: &Extract) -> Result<(), TestCaseError> {
        prop_assert_eq!(&fast.text, &lol.text);
        prop_assert_eq!(&fast.title, &lol.title);
        prop_assert_eq!(&fast.og_title, &lol.og_title);
        prop_assert_eq!(&fast.links, &lol.links);
        prop_assert_eq!(fast.fallback, lol.fallback);
        Ok(())
    }

    /// Markup of every kind the fast path reads or refuses: nesting, implied and stray end
    /// tags, void elements, attributes in all quotings (and broken ones), comments in their
    /// odd forms, raw-text elements, entities split by markup, upper case.
    const PIECES: &[&str] = &[
        "<p>",
        "</p>",
        "<P>",
        "</P >",
        "<div class=\"footer\">",
        "<DIV id=x>",
        "</div>",
        "</Div>",
        "<br>",
        "<br/>",
        "</br>",
        "<hr>",
        "<img src=x.png>",
        "<img src=\"a.png\" alt='x'/>",
        "<span>",
        "</span>",
        "<li>",
        "</li>",
        "<ul>",
        "</ul>",
        "<table><tr><td>",
        "</td>",
        "</tr></table>",
        "<h3>",
        "</h3>",
        "<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">",
        "<a href='http://www.miibeian.gov.cn'>",
        "<A HREF=https://beian.mps.gov.cn/#/query/webSearch?code=11010802000001>",
        "<a href=\"/a?x=1&amp;y=2\" href=\"/second\">",
        "<a title=\"京ICP备1号\" href = \" /x \">",
        "<a name=x>",
        "<a href=\"\u{feff}/bom\">",
        "<meta property=og:title content=\u{feff}x>",
        "<a href>",
        "<a/>",
        "<a\nhref='/nl'\n>",
        "</a>",
        "</A>",
        "\">",
        "<title>",
        "</title>",
        "<TITLE>t &amp; t",
        "</title >",
        "<script>",
        "</script>",
        "<script type=\"text/javascript\">var a = '<p>' + 1;",
        "<!-- in script",
        "</scripts>",
        "<style>",
        "p{}</style>",
        "</style>",
        "<!--",
        "-->",
        "<!-- c -->",
        "<!---->",
        "<!DOCTYPE html>",
        "<!doctype html>",
        "<noscript>",
        "</noscript>",
        "<iframe src=x>",
        "</iframe>",
        "<template>",
        "</template>",
        "<textarea>",
        "</textarea>",
        "]]>",
        "<meta charset=gbk>",
        "<meta property=og:title content=\"标题 &amp; 副\">",
        "<META NAME=\"og:title\" CONTENT=\"\">",
        "<meta name=og:title content='第二'>",
        "<h7>",
        "</h7>",
        "<verylongelementname>",
        "</verylongelementname>",
        "京ICP备2024000001号-1",
        "粤ICP备17087427号",
        "京公网安备11010802000001号",
        "中文内容",
        "&amp;",
        "&am",
        "p;",
        "&nbsp;",
        "&#x4E2D;",
        "&#20",
        "140;",
        "&copy",
        "&",
        "&#",
        ">",
        "/",
        "=",
        "\"",
        "'",
        " ",
        "\n",
        "\r\n",
        "\t",
        "\u{3000}",
        "\u{200b}",
        "\u{feff}",
        "a",
        "é",
        "𠀀",
    ];

    /// Pieces that make the fast path give up, drawn less often so that most documents
    /// are compared.
    const RISKY: &[&str] = &[
        "<a href=>",
        "<a href=\"x\"title=y>",
        "<a href=\"",
        "<title/>",
        "<!-->",
        "<!--->",
        "--!>",
        "<!x>",
        "<?xml version=\"1.0\"?>",
        "<svg>",
        "</svg>",
        "<math>",
        "<![CDATA[",
        "<plaintext>",
        "<my-element>",
        "</my-element>",
        "<",
        "\u{0}",
    ];

    fn html_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            30 => prop::sample::select(PIECES),
            1 => prop::sample::select(RISKY),
        ];
        prop::collection::vec(piece, 0..50).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6000))]

        #[test]
        fn fast_path_agrees_with_lol_html(html in html_like()) {
            if let Some(fast) = super::extract(&html) {
                same(&fast, &extract_with_lol_html(&html))?;
                TAKEN.fetch_add(1, Ordering::Relaxed);
            }
            RUN.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn fast_path_agrees_with_lol_html_often() {
        fast_path_agrees_with_lol_html();
        let (run, taken) = (RUN.load(Ordering::Relaxed), TAKEN.load(Ordering::Relaxed));
        eprintln!("fast path taken on {taken} of {run} documents");
        assert!(
            taken * 3 >= run,
            "fast path taken on only {taken} of {run} documents"
        );
    }

    #[test]
    fn ordinary_pages_take_the_fast_path() {
        let page = "<!DOCTYPE html>\n<html><head><title>某某 &amp; 公司</title>\
            <meta charset=\"utf-8\"><meta property=\"og:title\" content=\"OG\">\
            <style>body{}</style></head><body><ul class=nav><li><a href=\"/\">首页</a><li>关于</ul>\
            <div class=\"main\"><p>正文&nbsp;内容<span class=\"date\">2024-05-01</span></p><!-- 结束 -->\
            <script>var x = '<p>' + 1;</script></div>\
            <div class=footer><p><a href=\"https://beian.miit.gov.cn/\" target=_blank>京ICP备2024000001号-1</a>\
            <br/><img src=\"/ga.png\">京公网安备11010802000001号</p></div></body></html>";
        let fast = super::extract(page);
        assert!(fast.is_some(), "the fast path gave up");
        if let Some(fast) = fast {
            let lol = extract_with_lol_html(page);
            assert_eq!(fast.text, lol.text);
            assert_eq!(fast.links, lol.links);
            assert_eq!(fast.title, lol.title);
            assert_eq!(fast.og_title, lol.og_title);
        }
    }
}
