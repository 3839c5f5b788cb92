//! 域名 — a filed domain name, in its ASCII (punycode) form.
//!
//! A filing lists domains, not URLs: `https://www.example.com/` or `example.com:8080` is
//! a frequent mistake, and so is an IP address. Those are refused with a message that
//! says what to write instead. Chinese names (`中文.中国`) are accepted and kept in their
//! ASCII form, so two spellings of one name compare equal; [`DomainName::unicode`] gives
//! the form to show.
//!
//! What can be registered (备案 is per registrable domain) is decided by the public
//! suffix list: `www.example.com.cn` belongs to `example.com.cn`, not to `com.cn`.

use std::fmt;
use std::net::IpAddr;

use super::text::shown;

/// The longest name DNS can carry, without the root dot.
const MAX_NAME: usize = 253;
/// The longest label.
const MAX_LABEL: usize = 63;

/// 域名 — a syntactically valid domain name below a public suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName {
    ascii: String,
}

/// Why a text is not a domain name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing was given.
    #[error("域名为空")]
    Empty,
    /// A URL with a scheme, path, query or fragment.
    #[error("「{value}」是网址，不是域名：请只填写域名，如“{host}”")]
    Url {
        /// What was given.
        value: String,
        /// The host part, as a suggestion.
        host: String,
    },
    /// A port after the name.
    #[error("「{0}」带有端口号：域名不含端口，请去掉“:”及其后的数字")]
    Port(String),
    /// User information before an `@`.
    #[error("「{0}」含有“@”：这像是邮箱地址或带用户名的网址，不是域名")]
    UserInfo(String),
    /// An IPv4 or IPv6 address.
    #[error("「{0}」是IP地址，不是域名")]
    IpLiteral(String),
    /// IDNA conversion failed (invalid characters or punycode).
    #[error("「{0}」含有域名中不允许的字符")]
    Idna(String),
    /// Two dots in a row, or a leading dot.
    #[error("「{0}」中有空的标签（连续的点或以点开头）")]
    EmptyLabel(String),
    /// A label longer than 63 characters.
    #[error("域名标签「{label}」长{len}个字符，超过63个字符的上限")]
    LabelTooLong {
        /// The label (ASCII form).
        label: String,
        /// Its length.
        len: usize,
    },
    /// A name longer than 253 characters.
    #[error("域名长{0}个字符，超过253个字符的上限")]
    TooLong(usize),
    /// A character DNS host names do not allow.
    #[error("域名标签「{label}」含有不允许的字符「{found}」：只能使用字母、数字和连字符")]
    InvalidCharacter {
        /// The label.
        label: String,
        /// The character.
        found: char,
    },
    /// A label starting or ending with a hyphen.
    #[error("域名标签「{0}」不能以连字符开头或结尾")]
    HyphenAtEdge(String),
    /// Only one label: a top-level domain or a host name.
    #[error("「{0}」只有一级，不是完整的域名")]
    SingleLabel(String),
    /// A public suffix such as `com.cn`, which nobody can register.
    #[error("「{0}」是公共后缀，不是可注册的域名")]
    PublicSuffix(String),
}

impl DomainName {
    /// Reads a domain name: trims it, drops one trailing dot, lower-cases it and converts
    /// Unicode labels to punycode. URLs, ports, IP addresses and public suffixes are
    /// refused.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::Empty);
        }
        let value = || shown(input);
        if trimmed.contains("://") || trimmed.contains(['/', '?', '#']) {
            return Err(DomainError::Url {
                value: value(),
                host: guess_host(trimmed),
            });
        }
        let unbracketed = trimmed.trim_start_matches('[').trim_end_matches(']');
        if unbracketed.parse::<IpAddr>().is_ok() {
            return Err(DomainError::IpLiteral(value()));
        }
        if trimmed.contains('@') {
            return Err(DomainError::UserInfo(value()));
        }
        if trimmed.contains([':', '：']) {
            return Err(DomainError::Port(value()));
        }
        let name = ['.', '。', '．', '｡']
            .iter()
            .find_map(|dot| trimmed.strip_suffix(*dot))
            .unwrap_or(trimmed);
        if name.is_empty() {
            return Err(DomainError::EmptyLabel(value()));
        }
        let ascii =
            idna::domain_to_ascii(&name.to_lowercase()).map_err(|_| DomainError::Idna(value()))?;
        validate_ascii(&ascii, input)?;
        if psl::domain_str(&ascii).is_none() {
            return Err(DomainError::PublicSuffix(value()));
        }
        Ok(DomainName { ascii })
    }

    /// The ASCII (punycode) form, e.g. `xn--fiq228c.xn--fiqs8s`.
    pub fn as_str(&self) -> &str {
        &self.ascii
    }

    /// The form to show people, e.g. `中文.中国`.
    pub fn unicode(&self) -> String {
        idna::domain_to_unicode(&self.ascii).0
    }

    /// The registrable domain this name belongs to: `www.example.com.cn` →
    /// `example.com.cn`.
    pub fn registrable(&self) -> DomainName {
        let ascii = psl::domain_str(&self.ascii).unwrap_or(&self.ascii);
        DomainName {
            ascii: ascii.to_owned(),
        }
    }

    /// Whether the name is itself a registrable domain (not a subdomain of one).
    pub fn is_registrable(&self) -> bool {
        psl::domain_str(&self.ascii) == Some(self.ascii.as_str())
    }

    /// The public suffix (`com.cn`, `cn`, `xn--fiqs8s` …).
    pub fn suffix(&self) -> &str {
        psl::suffix_str(&self.ascii)
            .unwrap_or_else(|| self.ascii.rsplit('.').next().unwrap_or(self.ascii.as_str()))
    }

    /// The labels from left to right.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.ascii.split('.')
    }

    /// Whether this name is `other` or below it (`www.example.com` is within
    /// `example.com`).
    pub fn is_within(&self, other: &DomainName) -> bool {
        self.ascii == other.ascii
            || self
                .ascii
                .strip_suffix(other.ascii.as_str())
                .is_some_and(|head| head.ends_with('.'))
    }
}

/// Checks DNS host-name syntax on the ASCII form.
fn validate_ascii(ascii: &str, input: &str) -> Result<(), DomainError> {
    if ascii.len() > MAX_NAME {
        return Err(DomainError::TooLong(ascii.len()));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(DomainError::EmptyLabel(shown(input)));
        }
        if label.len() > MAX_LABEL {
            return Err(DomainError::LabelTooLong {
                label: shown(label),
                len: label.len(),
            });
        }
        if let Some(found) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(DomainError::InvalidCharacter {
                label: shown(label),
                found,
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DomainError::HyphenAtEdge(shown(label)));
        }
    }
    if labels.len() < 2 {
        return Err(DomainError::SingleLabel(shown(input)));
    }
    // A name whose last label is all digits is an address, not a name (1.2.3 …).
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DomainError::IpLiteral(shown(input)));
    }
    Ok(())
}

/// The host of something URL-like, for the suggestion in the error message.
fn guess_host(text: &str) -> String {
    let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    if host.is_empty() {
        "example.com".to_owned()
    } else {
        shown(host)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ascii)
    }
}

impl std::str::FromStr for DomainName {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainName::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_parse_to_their_ascii_form() {
        let cases = [
            ("example.com", "example.com", "plain"),
            ("  Example.COM  ", "example.com", "spaces and upper case"),
            ("example.com.", "example.com", "trailing root dot"),
            (
                "www.example.com.cn",
                "www.example.com.cn",
                "subdomain under com.cn",
            ),
            ("中文.中国", "xn--fiq228c.xn--fiqs8s", "Chinese name"),
            (
                "中文。中国",
                "xn--fiq228c.xn--fiqs8s",
                "ideographic full stop",
            ),
            (
                "xn--fiq228c.xn--fiqs8s",
                "xn--fiq228c.xn--fiqs8s",
                "already punycode",
            ),
            ("bücher.de", "xn--bcher-kva.de", "Latin with umlaut"),
            ("my-site.cn", "my-site.cn", "hyphen inside"),
            ("a.b.c.example.net", "a.b.c.example.net", "deep subdomain"),
        ];
        for (input, expected, why) in cases {
            let parsed = DomainName::parse(input).unwrap_or_else(|e| panic!("{why}: {input}: {e}"));
            assert_eq!(parsed.as_str(), expected, "{why}");
            assert_eq!(parsed.to_string(), expected, "{why}");
        }
    }

    #[test]
    fn urls_addresses_and_malformed_names_are_refused_with_a_message() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        let cases = [
            ("", "域名为空".to_owned(), "empty"),
            (
                "https://www.example.com/",
                "请只填写域名，如“www.example.com”".to_owned(),
                "URL",
            ),
            ("example.com/index.html", "是网址".to_owned(), "path"),
            ("example.com:8080", "端口".to_owned(), "port"),
            ("admin@example.com", "“@”".to_owned(), "e-mail"),
            ("203.0.113.7", "是IP地址".to_owned(), "IPv4"),
            ("[2001:db8::1]", "是IP地址".to_owned(), "IPv6"),
            ("1.2.3", "是IP地址".to_owned(), "numeric top label"),
            ("example..com", "空的标签".to_owned(), "double dot"),
            (".example.com", "空的标签".to_owned(), "leading dot"),
            ("example.com..", "空的标签".to_owned(), "two trailing dots"),
            (
                long_label.as_str(),
                "超过63个字符".to_owned(),
                "label too long",
            ),
            (
                long_name.as_str(),
                "超过253个字符".to_owned(),
                "name too long",
            ),
            ("exa_mple.com", "不允许的字符「_」".to_owned(), "underscore"),
            ("-example.com", "连字符开头".to_owned(), "leading hyphen"),
            ("com", "只有一级".to_owned(), "bare TLD"),
            ("localhost", "只有一级".to_owned(), "single label"),
            ("com.cn", "是公共后缀".to_owned(), "public suffix"),
            (
                "xn--zzzzzzzz-.com",
                "不允许的字符".to_owned(),
                "bad punycode",
            ),
        ];
        for (input, expected, why) in cases {
            let err = DomainName::parse(input).expect_err(why);
            let message = err.to_string();
            assert!(
                message.contains(&expected),
                "{why}: {input} gave «{message}»"
            );
        }
    }

    #[test]
    fn the_registrable_domain_follows_the_public_suffix_list() {
        let cases = [
            ("www.example.com.cn", "example.com.cn", "com.cn is a suffix"),
            ("www.example.com", "example.com", "com"),
            ("example.com", "example.com", "already registrable"),
            ("a.b.example.gov.cn", "example.gov.cn", "gov.cn"),
            ("www.中文.中国", "xn--fiq228c.xn--fiqs8s", "Chinese TLD"),
        ];
        for (input, expected, why) in cases {
            let name = DomainName::parse(input).expect(why);
            let registrable = name.registrable();
            assert_eq!(registrable.as_str(), expected, "{why}");
            assert!(registrable.is_registrable(), "{why}");
            assert_eq!(name.is_registrable(), input == expected, "{why}");
            assert!(name.is_within(&registrable), "{why}");
        }
    }

    #[test]
    fn suffix_unicode_and_labels_are_available() {
        let name = DomainName::parse("www.中文.中国").expect("valid");
        assert_eq!(name.suffix(), "xn--fiqs8s");
        assert_eq!(name.unicode(), "www.中文.中国");
        assert_eq!(name.labels().count(), 3);
        let cn = DomainName::parse("www.example.com.cn").expect("valid");
        assert_eq!(cn.suffix(), "com.cn");
        let other = DomainName::parse("notexample.com").expect("valid");
        assert!(!other.is_within(&DomainName::parse("example.com").expect("valid")));
    }
}
