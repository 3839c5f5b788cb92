//! 字符引用 — decoding `&amp;`, `&nbsp;`, `&#x4E2D;` in text and attribute values.
//!
//! lol_html hands text and attribute values over as written, entities included. Footers are
//! full of them (`&copy;2024`, `京ICP备…号&nbsp;&nbsp;`, an href with `&amp;`), and a
//! number written as `&#20140;ICP备…` must still be found, so they are decoded here.
//!
//! Numeric references are decoded exactly as the HTML tokenizer does (C1 remapping, U+FFFD for
//! zero, surrogates and out-of-range values). Named references cover the ones that occur in
//! page text and footers, not all 2,231: an unknown name is left as written, which is what a
//! browser shows for an unknown name too, so the only loss is on rare symbols.

/// Named references: (name, replacement, whether the name is also valid without `;`).
///
/// The "legacy" names are the Latin-1 ones browsers accept without the semicolon.
const NAMED: &[(&str, &str, bool)] = &[
    ("amp", "&", true),
    ("lt", "<", true),
    ("gt", ">", true),
    ("quot", "\"", true),
    ("apos", "'", false),
    ("nbsp", "\u{a0}", true),
    ("copy", "©", true),
    ("reg", "®", true),
    ("middot", "·", true),
    ("times", "×", true),
    ("divide", "÷", true),
    ("yen", "¥", true),
    ("deg", "°", true),
    ("plusmn", "±", true),
    ("sect", "§", true),
    ("para", "¶", true),
    ("cent", "¢", true),
    ("pound", "£", true),
    ("laquo", "«", true),
    ("raquo", "»", true),
    ("shy", "\u{ad}", true),
    ("ensp", "\u{2002}", false),
    ("emsp", "\u{2003}", false),
    ("thinsp", "\u{2009}", false),
    ("zwnj", "\u{200c}", false),
    ("zwj", "\u{200d}", false),
    ("trade", "™", false),
    ("hellip", "…", false),
    ("mdash", "—", false),
    ("ndash", "–", false),
    ("ldquo", "“", false),
    ("rdquo", "”", false),
    ("lsquo", "‘", false),
    ("rsquo", "’", false),
    ("bull", "•", false),
    ("euro", "€", false),
    ("larr", "←", false),
    ("rarr", "→", false),
    ("uarr", "↑", false),
    ("darr", "↓", false),
];

/// The longest name in [`NAMED`], to bound the look-ahead.
const MAX_NAME: usize = 6;

/// Windows-1252 meanings of numeric references 0x80–0x9F (the tokenizer's remapping).
const C1: [u32; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

/// Where a reference appears; attribute values have one extra rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Element text (data and RCDATA).
    Text,
    /// An attribute value: a semicolon-less legacy name followed by `=` or an alphanumeric is
    /// left alone, so `?a=1&copy=2` stays a query string.
    Attribute,
}

/// Decodes every reference in `s`, passing each resulting piece of text to `out`.
///
/// Pieces are borrowed from `s` or from static tables, so no allocation happens here.
pub fn decode_into(s: &str, context: Context, mut out: impl FnMut(&str)) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after, context) {
            Some((consumed, Replacement::Str(r))) => {
                out(r);
                rest = &after[consumed..];
            }
            Some((consumed, Replacement::Char(c))) => {
                let mut buf = [0u8; 4];
                out(c.encode_utf8(&mut buf));
                rest = &after[consumed..];
            }
            None => {
                out("&");
                rest = after;
            }
        }
    }
    out(rest);
}

/// Decodes every reference in `s` into a new string.
pub fn decode(s: &str, context: Context) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    decode_into(s, context, |piece| out.push_str(piece));
    out
}

enum Replacement {
    Str(&'static str),
    Char(char),
}

/// Parses the reference that follows a `&`: how many bytes of `after` it uses, and its text.
fn reference(after: &str, context: Context) -> Option<(usize, Replacement)> {
    let b = after.as_bytes();
    if b.first() == Some(&b'#') {
        return numeric(b).map(|(n, c)| (n, Replacement::Char(c)));
    }
    let name_len = b
        .iter()
        .take(MAX_NAME + 1)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &after[..name_len];
    let semicolon = b.get(name_len) == Some(&b';');
    if semicolon && let Some(&(_, r, _)) = NAMED.iter().find(|(n, _, _)| *n == name) {
        return Some((name_len + 1, Replacement::Str(r)));
    }
    // Without a semicolon: the longest legacy name that prefixes the run (`&copy2024`).
    let (n, r, _) = NAMED
        .iter()
        .filter(|(n, _, legacy)| *legacy && name.starts_with(n))
        .max_by_key(|(n, _, _)| n.len())?;
    if context == Context::Attribute {
        let next = b.get(n.len()).copied();
        if next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric()) {
            return None;
        }
    }
    Some((n.len(), Replacement::Str(r)))
}

/// Parses `#123;` or `#x4E2D;` (the semicolon is optional, as in the tokenizer).
fn numeric(b: &[u8]) -> Option<(usize, char)> {
    let (radix, start) = match b.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let digits = b
        .get(start..)?
        .iter()
        .take_while(|c| c.is_ascii_digit() || (radix == 16 && c.is_ascii_hexdigit()))
        .count();
    if digits == 0 {
        return None;
    }
    let mut value: u32 = 0;
    for &d in &b[start..start + digits] {
        let v = char::from(d).to_digit(radix).unwrap_or(0);
        // Saturate: anything above 0x10FFFF is out of range anyway.
        value = value.saturating_mul(radix).saturating_add(v).min(0x11_0000);
    }
    let mut consumed = start + digits;
    if b.get(consumed) == Some(&b';') {
        consumed += 1;
    }
    let c = match value {
        0 => '\u{fffd}',
        0x80..=0x9F => char::from_u32(C1[(value - 0x80) as usize]).unwrap_or('\u{fffd}'),
        v => char::from_u32(v).unwrap_or('\u{fffd}'),
    };
    Some((consumed, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_references() {
        let cases = [
            ("a &amp; b", "a & b"),
            ("&lt;p&gt;", "<p>"),
            ("京ICP备&nbsp;1号", "京ICP备\u{a0}1号"),
            ("&copy;2024 &copy 2024 &copy2024", "©2024 © 2024 ©2024"),
            ("&#20140;ICP备", "京ICP备"),
            ("&#x4E2D;&#X6587;", "中文"),
            ("&#x4e2d", "中"),
            ("&#149;", "•"),
            ("&#0;", "\u{fffd}"),
            ("&#xD800;", "\u{fffd}"),
            ("&#99999999999;", "\u{fffd}"),
            ("&unknown; & &; &#; &#x;", "&unknown; & &; &#; &#x;"),
            ("&middot;&ensp;&emsp;", "·\u{2002}\u{2003}"),
            ("&ensp", "&ensp"),
            ("&quot;&apos;", "\"'"),
            ("trailing &", "trailing &"),
            ("&amp;amp;", "&amp;"),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input, Context::Text), want, "{input}");
        }
    }

    #[test]
    fn attribute_references() {
        let cases = [
            ("/?a=1&copy=2", "/?a=1&copy=2"),
            ("/?a=1&amp;b=2", "/?a=1&b=2"),
            ("/?a=1&copyx", "/?a=1&copyx"),
            (
                "https://beian.miit.gov.cn/&#x23;/",
                "https://beian.miit.gov.cn/#/",
            ),
            ("x&amp", "x&"),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input, Context::Attribute), want, "{input}");
        }
    }
}
