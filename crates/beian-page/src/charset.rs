//! 字符编码 — deciding how a page's bytes become text.
//!
//! The order is the browser's (BOM, then the HTTP `charset=`, then a `<meta>` prescan), with
//! two departures, both because the question here is "which numbers does the page show", not
//! "render exactly what a browser renders":
//!
//! * The meta prescan reads at least 4096 bytes and on to `</head>` (capped at 64 KiB), not
//!   WHATWG's 1024 bytes: Chinese CMS templates often put `<meta charset=gb2312>` after
//!   `<title>`, a long keyword `<meta>` and inline styles, and a 1024-byte prescan then misses
//!   it and decodes the whole page as mojibake.
//! * A declaration is overridden when it is plainly wrong: if decoding with the declared
//!   encoding produces malformed sequences, while the detected encoding (valid UTF-8, or
//!   chardetng's guess for a `.cn` site) decodes the bytes with none, the detected one is used
//!   and recorded as [`CharsetSource::Detected`]. "`charset=utf-8` on GBK bytes" is the common
//!   case: a template copied from one site to another. The declared encoding stays visible in
//!   [`Decoded::declared`] so a check can still report the wrong declaration.
//!
//! When nothing is declared and the bytes are pure ASCII there is nothing to detect; the
//! result is GBK with [`CharsetSource::Default`], because GBK is what a zh-CN browser falls
//! back to (WHATWG, and chardetng for the `cn` TLD), so it is what a reviewer's browser would
//! use. For ASCII bytes GBK and UTF-8 decode to the same text, so the choice only shows in
//! `charset`.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    Encoding, GBK, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED,
};
use serde::Serialize;

/// How far the meta prescan may read, whatever it finds.
const PRESCAN_CAP: usize = 64 * 1024;
/// How far the meta prescan reads even past `</head>` or `<body>`.
const PRESCAN_MIN: usize = 4096;

/// 编码来源 — where the charset used to decode the page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    /// A byte-order mark (UTF-8, UTF-16LE or UTF-16BE); it wins over every declaration.
    Bom,
    /// The `charset=` parameter of the HTTP `Content-Type` header.
    ContentType,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the page.
    Meta,
    /// Detected from the bytes: nothing usable was declared, or the declaration did not
    /// decode the bytes cleanly and the detected encoding did.
    Detected,
    /// Nothing declared and nothing to detect (pure ASCII): GBK, the zh-CN fallback.
    Default,
}

/// The page as text, and how it was decoded.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The decoded text (borrowed when the bytes were already valid UTF-8 or ASCII).
    pub text: Cow<'a, str>,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// Where it came from.
    pub source: CharsetSource,
    /// The encoding the header or a `<meta>` declared, even if it was overridden.
    pub declared: Option<&'static Encoding>,
    /// Whether decoding met malformed sequences (replaced by U+FFFD).
    pub had_errors: bool,
}

/// Decodes `bytes` following the order described in the module docs.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        let (text, had_errors) = encoding.decode_without_bom_handling(rest);
        return Decoded {
            text,
            encoding,
            source: CharsetSource::Bom,
            declared: None,
            had_errors,
        };
    }

    let declared = content_type
        .and_then(charset_from_content_type)
        .map(|e| (e, CharsetSource::ContentType))
        .or_else(|| prescan_meta(bytes).map(|e| (e, CharsetSource::Meta)));

    if let Some((encoding, source)) = declared {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if had_errors {
            let detected = detect(bytes);
            if detected != encoding {
                let (alt, alt_errors) = detected.decode_without_bom_handling(bytes);
                if !alt_errors {
                    return Decoded {
                        text: alt,
                        encoding: detected,
                        source: CharsetSource::Detected,
                        declared: Some(encoding),
                        had_errors: false,
                    };
                }
            }
        }
        return Decoded {
            text,
            encoding,
            source,
            declared: Some(encoding),
            had_errors,
        };
    }

    if bytes.is_ascii() {
        let (text, had_errors) = GBK.decode_without_bom_handling(bytes);
        return Decoded {
            text,
            encoding: GBK,
            source: CharsetSource::Default,
            declared: None,
            had_errors,
        };
    }
    let encoding = detect(bytes);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text,
        encoding,
        source: CharsetSource::Detected,
        declared: None,
        had_errors,
    }
}

/// Guesses the encoding of undeclared bytes: valid UTF-8 is UTF-8 (chardetng says the same,
/// this only skips its work), anything else is chardetng's guess for a `.cn` site.
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(Some(b"cn"), Utf8Detection::Allow)
}

/// The encoding named by a label, as a document may use it. `None` for unknown labels and for
/// the WHATWG "replacement" encoding (which would turn the whole page into one U+FFFD and hide
/// what it shows; ignoring the label lets detection look at the bytes instead).
fn usable(label: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_label(label).filter(|&e| e != REPLACEMENT)
}

/// The encoding named by the `charset` parameter of a `Content-Type` value, if any.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        usable(value.as_bytes())
    })
}

/// The meta prescan: the first `<meta>` in the head that names a usable encoding.
///
/// It follows the WHATWG prescan (comments skipped, attributes parsed the same way, the
/// `http-equiv` pragma required for `content`), and also skips the bodies of `<script>`,
/// `<style>`, `<title>` and `<textarea>`, where a `<meta` is only text. A meta that names
/// UTF-16 means UTF-8 (the meta itself was read as ASCII), and x-user-defined means
/// windows-1252, as in browsers.
pub fn prescan_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let end = bytes.len().min(PRESCAN_CAP);
    let b = bytes.get(..end)?;
    let mut i = 0;
    // Set at `</head>` or `<body>`: from then on the scan stops once past `PRESCAN_MIN`.
    let mut head_done = false;
    while i < b.len() {
        let Some(lt) = find_byte(b, i, b'<') else {
            break;
        };
        i = lt;
        if head_done && i >= PRESCAN_MIN {
            break;
        }
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            // "-->" may share the dashes of "<!--" ("<!-->" closes the comment).
            i = find_sub(b, i + 2, b"-->").map_or(b.len(), |p| p + 3);
        } else if rest.len() >= 2 && (rest[1].is_ascii_alphabetic() || rest[1] == b'/') {
            let closing = rest[1] == b'/';
            let name_start = i + if closing { 2 } else { 1 };
            if closing && !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                i = find_byte(b, i, b'>').map_or(b.len(), |p| p + 1);
                continue;
            }
            let mut j = name_start;
            while j < b.len() && !is_space(b[j]) && b[j] != b'>' && b[j] != b'/' {
                j += 1;
            }
            let name = &b[name_start..j];
            let (attrs, after) = attributes(b, j);
            i = after;
            if closing {
                head_done |= name.eq_ignore_ascii_case(b"head");
                continue;
            }
            if name.eq_ignore_ascii_case(b"meta") {
                if let Some(encoding) = meta_encoding(&attrs) {
                    return Some(encoding);
                }
            } else if name.eq_ignore_ascii_case(b"body") {
                head_done = true;
            } else if let Some(close) = raw_text_end(name) {
                i = find_ascii_ci(b, i, close).unwrap_or(b.len());
            }
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = find_byte(b, i, b'>').map_or(b.len(), |p| p + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// The end tag that ends a raw-text element's body, for the elements whose bodies the
/// prescan skips.
fn raw_text_end(name: &[u8]) -> Option<&'static [u8]> {
    [
        (&b"script"[..], &b"</script"[..]),
        (b"style", b"</style"),
        (b"title", b"</title"),
        (b"textarea", b"</textarea"),
    ]
    .into_iter()
    .find(|(n, _)| name.eq_ignore_ascii_case(n))
    .map(|(_, close)| close)
}

/// An attribute as the prescan reads it: lower-cased name, raw value.
type Attribute = (Vec<u8>, Vec<u8>);

/// The WHATWG "processing" of one meta's attributes (names lower-cased).
fn meta_encoding(attrs: &[Attribute]) -> Option<&'static Encoding> {
    let mut got_pragma = false;
    let mut charset: Option<&'static Encoding> = None;
    let mut need_pragma = None;
    for (name, value) in attrs {
        match name.as_slice() {
            b"http-equiv" if value.eq_ignore_ascii_case(b"content-type") => got_pragma = true,
            b"content" if charset.is_none() => {
                if let Some(e) = charset_in_meta_content(value) {
                    charset = Some(e);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = usable(trim_space(value));
                need_pragma = Some(false);
            }
            _ => {}
        }
    }
    let need_pragma = need_pragma?;
    if need_pragma && !got_pragma {
        return None;
    }
    let charset = charset?;
    Some(if charset == UTF_16BE || charset == UTF_16LE {
        UTF_8
    } else if charset == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        charset
    })
}

/// WHATWG "extracting a character encoding from a meta element" (`…; charset=gbk`).
fn charset_in_meta_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    loop {
        let at = find_ascii_ci(content, i, b"charset")?;
        let mut j = at + 7;
        while j < content.len() && is_space(content[j]) {
            j += 1;
        }
        if content.get(j) != Some(&b'=') {
            i = j;
            continue;
        }
        j += 1;
        while j < content.len() && is_space(content[j]) {
            j += 1;
        }
        let value = match content.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = find_byte(content, j + 1, q)?;
                &content[j + 1..end]
            }
            Some(_) => {
                let end = content[j..]
                    .iter()
                    .position(|&c| is_space(c) || c == b';')
                    .map_or(content.len(), |p| j + p);
                &content[j..end]
            }
            None => return None,
        };
        return usable(value);
    }
}

/// Parses the attributes of a tag starting at `i` (just after the tag name), the way the
/// prescan's "get an attribute" does. Returns them (names lower-cased) and the index after `>`.
fn attributes(b: &[u8], mut i: usize) -> (Vec<Attribute>, usize) {
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return (attrs, b.len()),
            Some(b'>') => return (attrs, i + 1),
            Some(_) => {}
        }
        let name_start = i;
        // The first character may be '=' (then it is part of the name).
        i += 1;
        while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = b[name_start..i].to_ascii_lowercase();
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            attrs.push((name, Vec::new()));
            continue;
        }
        i += 1;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = find_byte(b, i + 1, q).unwrap_or(b.len());
                let v = b[i + 1..end].to_vec();
                i = end + 1;
                v
            }
            Some(_) => {
                let start = i;
                while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                b[start..i].to_vec()
            }
            None => Vec::new(),
        };
        attrs.push((name, value));
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == needle)
        .map(|p| p + from)
}

fn find_sub(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Finds an ASCII needle, ignoring ASCII case.
fn find_ascii_ci(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GB18030, UTF_16LE};

    #[test]
    fn content_type_labels() {
        let cases: &[(&str, Option<&'static Encoding>)] = &[
            ("text/html; charset=gb2312", Some(GBK)),
            ("text/html;charset=GBK", Some(GBK)),
            ("text/html; charset=\"gb18030\"", Some(GB18030)),
            ("text/html; charset=utf-8", Some(UTF_8)),
            ("text/html; Charset = 'UTF8' ", Some(UTF_8)),
            ("text/html", None),
            ("text/html; charset=", None),
            ("text/html; charset=klingon", None),
            ("text/html; charset=iso-2022-kr", None),
            ("charset=gbk", None),
        ];
        for (ct, want) in cases {
            assert_eq!(charset_from_content_type(ct), *want, "{ct}");
        }
    }

    #[test]
    fn meta_prescan_cases() {
        let cases: &[(&[u8], Option<&'static Encoding>)] = &[
            (b"<meta charset=gb2312>", Some(GBK)),
            (b"<META CHARSET='GB2312'>", Some(GBK)),
            (b"<meta charset=\"utf-8\"/>", Some(UTF_8)),
            (
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">",
                Some(GBK),
            ),
            (
                b"<meta content=\"text/html; charset=gb18030\" http-equiv=\"content-type\">",
                Some(GB18030),
            ),
            // The pragma is required for `content`.
            (b"<meta content=\"text/html; charset=gbk\">", None),
            (
                b"<!-- <meta charset=gbk> --><meta charset=utf-8>",
                Some(UTF_8),
            ),
            (
                b"<script>var s='<meta charset=gbk>'</script><meta charset=utf-8>",
                Some(UTF_8),
            ),
            (b"<title>x</title><meta charset=utf-16>", Some(UTF_8)),
            (b"<meta charset=x-user-defined>", Some(WINDOWS_1252)),
            (b"<meta charset=bogus>", None),
            (b"<meta charset", None),
            // A page cut short inside the meta still declares its charset.
            (b"<meta charset='gbk", Some(GBK)),
            (b"<", None),
            (b"", None),
        ];
        for (html, want) in cases {
            assert_eq!(
                prescan_meta(html),
                *want,
                "{}",
                String::from_utf8_lossy(html)
            );
        }
    }

    #[test]
    fn meta_after_a_long_head_is_found() {
        let mut html = b"<html><head><title>\xB2\xE2\xCA\xD4</title>".to_vec();
        html.extend(b"<meta name=keywords content=\"");
        html.extend(std::iter::repeat_n(b'k', 3000));
        html.extend(b"\"><style>");
        html.extend(std::iter::repeat_n(b'.', 2000));
        html.extend(
            b"</style><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">",
        );
        html.extend(b"</head><body></body></html>");
        assert!(html.len() > 5000);
        assert_eq!(prescan_meta(&html), Some(GBK));
    }

    #[test]
    fn prescan_stops_after_head_past_the_minimum() {
        let mut html = b"<html><head><title>t</title></head><body>".to_vec();
        html.extend(std::iter::repeat_n(b'x', PRESCAN_MIN));
        html.extend(b"<p>a</p><meta charset=gbk>");
        assert_eq!(prescan_meta(&html), None);
        // Within the minimum, a meta in the body still counts.
        let html = b"<html><head></head><body><meta charset=gbk>";
        assert_eq!(prescan_meta(html), Some(GBK));
    }

    #[test]
    fn declared_utf8_on_gbk_bytes_is_overridden() {
        let (gbk, _, _) = GBK.encode("<p>粤ICP备17087427号-1 版权所有 广州市某某科技有限公司</p>");
        let d = decode(&gbk, Some("text/html; charset=utf-8"));
        assert_eq!(d.encoding, GBK);
        assert_eq!(d.source, CharsetSource::Detected);
        assert_eq!(d.declared, Some(UTF_8));
        assert!(d.text.contains("粤ICP备17087427号-1"));
    }

    #[test]
    fn declared_gbk_on_utf8_bytes_is_overridden() {
        let html = "<meta charset=gb2312><p>京ICP备2024000001号-1 北京某某网络科技有限公司</p>";
        let d = decode(html.as_bytes(), None);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.source, CharsetSource::Detected);
        assert_eq!(d.declared, Some(GBK));
        assert!(d.text.contains("京ICP备2024000001号-1"));
    }

    #[test]
    fn boms() {
        let d = decode(b"\xEF\xBB\xBFabc", Some("text/html; charset=gbk"));
        assert_eq!(
            (d.encoding, d.source, &*d.text),
            (UTF_8, CharsetSource::Bom, "abc")
        );
        let d = decode(b"\xFF\xFEa\0b\0", None);
        assert_eq!(
            (d.encoding, d.source, &*d.text),
            (UTF_16LE, CharsetSource::Bom, "ab")
        );
        let d = decode(b"\xFE\xFF\0a\0b", None);
        assert_eq!(
            (d.encoding, d.source, &*d.text),
            (UTF_16BE, CharsetSource::Bom, "ab")
        );
    }

    #[test]
    fn ascii_defaults_to_gbk() {
        let d = decode(b"<p>hello</p>", None);
        assert_eq!((d.encoding, d.source), (GBK, CharsetSource::Default));
        let d = decode(b"", None);
        assert_eq!((d.encoding, d.source), (GBK, CharsetSource::Default));
    }

    #[test]
    fn utf16_header_without_bom() {
        let bytes: Vec<u8> = "<p>中文</p>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let d = decode(&bytes, Some("text/html; charset=utf-16"));
        assert_eq!(
            (d.encoding, d.source),
            (UTF_16LE, CharsetSource::ContentType)
        );
        assert_eq!(&*d.text, "<p>中文</p>");
    }
}
