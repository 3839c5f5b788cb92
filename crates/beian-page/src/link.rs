//! 链接去向 — where a link goes, as far as the footer rules care.
//!
//! The footer rule (33号令 §13) wants the ICP number linked to the MIIT filing system at
//! `beian.miit.gov.cn`. Two mistakes are common enough to name: links to the old MIIT hosts
//! (`www.miitbeian.gov.cn` and friends, which reviewers reject), and the ICP number linked to
//! the 公安 filing site instead. So a link is classified by its host only, and the host is read
//! by a deliberately small parser: hrefs in footers are absolute http(s) URLs or
//! scheme-relative ones, and everything else (relative paths, `javascript:`, `mailto:`) has
//! no host that matters here.

use serde::Serialize;

/// The current MIIT filing system.
pub const MIIT_HOST: &str = "beian.miit.gov.cn";
/// Old MIIT hosts that still appear in footers; reviewers reject them.
pub const MIIT_LEGACY_HOSTS: [&str; 5] = [
    "www.beian.miit.gov.cn",
    "www.miitbeian.gov.cn",
    "miitbeian.gov.cn",
    "www.miibeian.gov.cn",
    "miibeian.gov.cn",
];
/// The current 公安 (MPS) network filing system.
pub const POLICE_HOST: &str = "beian.mps.gov.cn";
/// The old 公安 filing hosts, reported dead since 2025.
pub const POLICE_LEGACY_HOSTS: [&str; 2] = ["www.beian.gov.cn", "beian.gov.cn"];

/// 链接去向 — the kind of site a link goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkTarget {
    /// 工信部备案系统 at `beian.miit.gov.cn`: what an ICP number must link to.
    Miit,
    /// An old MIIT host (`www.beian.miit.gov.cn`, `www.miitbeian.gov.cn`, `miitbeian.gov.cn`,
    /// `www.miibeian.gov.cn`, `miibeian.gov.cn`).
    MiitLegacy,
    /// 全国互联网安全管理服务平台 at `beian.mps.gov.cn`: where a 公安 number links.
    PoliceCurrent,
    /// The old 公安 host (`www.beian.gov.cn`, `beian.gov.cn`).
    PoliceLegacy,
    /// Anything else, including links without a host.
    Other,
}

impl LinkTarget {
    /// Classifies an href (already entity-decoded).
    pub fn of(href: &str) -> LinkTarget {
        link_host(href).map_or(LinkTarget::Other, |host| LinkTarget::of_host(&host))
    }

    /// Classifies a host as returned by [`link_host`] (lower-case, no port).
    pub fn of_host(host: &str) -> LinkTarget {
        if host == MIIT_HOST {
            LinkTarget::Miit
        } else if MIIT_LEGACY_HOSTS.contains(&host) {
            LinkTarget::MiitLegacy
        } else if host == POLICE_HOST {
            LinkTarget::PoliceCurrent
        } else if POLICE_LEGACY_HOSTS.contains(&host) {
            LinkTarget::PoliceLegacy
        } else {
            LinkTarget::Other
        }
    }

    /// Whether the link goes to one of the MIIT hosts, current or old.
    pub fn is_miit(self) -> bool {
        matches!(self, LinkTarget::Miit | LinkTarget::MiitLegacy)
    }

    /// Whether the link goes to one of the 公安 hosts, current or old.
    pub fn is_police(self) -> bool {
        matches!(self, LinkTarget::PoliceCurrent | LinkTarget::PoliceLegacy)
    }
}

/// 工信部链接 — whether the page links to the MIIT filing system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MiitLink {
    /// Some link goes to `beian.miit.gov.cn`.
    Ok,
    /// No link goes there, but one goes to an old MIIT host.
    LegacyHost,
    /// No link goes to any MIIT host.
    Missing,
}

impl MiitLink {
    /// The verdict for a page with links to these targets.
    pub fn of(targets: impl IntoIterator<Item = LinkTarget>) -> MiitLink {
        let mut verdict = MiitLink::Missing;
        for target in targets {
            match target {
                LinkTarget::Miit => return MiitLink::Ok,
                LinkTarget::MiitLegacy => verdict = MiitLink::LegacyHost,
                _ => {}
            }
        }
        verdict
    }
}

/// The host of an absolute `http`/`https` or scheme-relative (`//host/…`) href: lower-case,
/// without port, user info or a trailing dot. `None` for other schemes, relative hrefs and
/// malformed authorities (an empty host, a non-numeric port).
///
/// Like a browser it ignores surrounding whitespace, tabs and newlines inside the href, and
/// treats `\` like `/` after an http(s) scheme. Percent-escapes in the host are not decoded
/// (a browser would; footers do not use them).
pub fn link_host(href: &str) -> Option<String> {
    let cleaned: String;
    let mut s = href.trim_matches(|c: char| c <= ' ');
    if s.contains(['\t', '\n', '\r']) {
        cleaned = s
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        s = &cleaned;
    }
    let after_scheme = if let Some(rest) = s.strip_prefix("//") {
        rest
    } else {
        let colon = s.find(':')?;
        let scheme = &s[..colon];
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return None;
        }
        s[colon + 1..].trim_start_matches(['/', '\\'])
    };
    let end = after_scheme
        .find(['/', '\\', '?', '#'])
        .unwrap_or(after_scheme.len());
    let authority = &after_scheme[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let rest = &host_port[close + 1..];
        let port = match rest.strip_prefix(':') {
            Some(p) => p,
            None if rest.is_empty() => "",
            None => return None,
        };
        (&host_port[..=close], port)
    } else {
        host_port.split_once(':').unwrap_or((host_port, ""))
    };
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let ipv6 = host.starts_with('[');
    let forbidden = |c: char| {
        c.is_control() || matches!(c, ' ' | '<' | '>' | '^' | '|' | '@' | ':' | '[' | ']')
    };
    if host.is_empty() || (!ipv6 && host.contains(forbidden)) {
        return None;
    }
    Some(host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://beian.miit.gov.cn/", Some("beian.miit.gov.cn")),
            ("http://beian.miit.gov.cn", Some("beian.miit.gov.cn")),
            (
                "https://beian.miit.gov.cn/#/Integrated/index",
                Some("beian.miit.gov.cn"),
            ),
            ("HTTPS://BEIAN.MIIT.GOV.CN:443/", Some("beian.miit.gov.cn")),
            (
                "  https://beian.miit.gov.cn?x=1 ",
                Some("beian.miit.gov.cn"),
            ),
            ("https://beian.miit.gov.cn./", Some("beian.miit.gov.cn")),
            ("//beian.miit.gov.cn/", Some("beian.miit.gov.cn")),
            ("https:\\\\beian.miit.gov.cn\\", Some("beian.miit.gov.cn")),
            ("http:beian.miit.gov.cn", Some("beian.miit.gov.cn")),
            ("https://be\nian.miit.gov.cn/", Some("beian.miit.gov.cn")),
            (
                "http://user:pw@www.miibeian.gov.cn/",
                Some("www.miibeian.gov.cn"),
            ),
            ("http://[::1]:8080/", Some("[::1]")),
            ("http://[::1]x/", None),
            ("http://host:port/", None),
            ("http:///", None),
            ("beian.miit.gov.cn", None),
            ("/about", None),
            ("javascript:void(0)", None),
            ("mailto:a@beian.miit.gov.cn", None),
            ("", None),
            (
                "https://beian.miit.gov.cn.evil.com/",
                Some("beian.miit.gov.cn.evil.com"),
            ),
        ];
        for (href, want) in cases {
            assert_eq!(link_host(href).as_deref(), *want, "{href:?}");
        }
    }

    #[test]
    fn targets() {
        let cases = [
            ("https://beian.miit.gov.cn/", LinkTarget::Miit),
            ("http://www.beian.miit.gov.cn/", LinkTarget::MiitLegacy),
            ("http://www.miitbeian.gov.cn", LinkTarget::MiitLegacy),
            ("http://miitbeian.gov.cn", LinkTarget::MiitLegacy),
            ("http://www.miibeian.gov.cn", LinkTarget::MiitLegacy),
            ("http://miibeian.gov.cn/", LinkTarget::MiitLegacy),
            (
                "https://beian.mps.gov.cn/#/query/webSearch?code=44030502000017",
                LinkTarget::PoliceCurrent,
            ),
            (
                "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=44030502000017",
                LinkTarget::PoliceLegacy,
            ),
            ("http://beian.gov.cn/", LinkTarget::PoliceLegacy),
            ("https://example.cn/", LinkTarget::Other),
            ("beian.miit.gov.cn", LinkTarget::Other),
        ];
        for (href, want) in cases {
            assert_eq!(LinkTarget::of(href), want, "{href}");
        }
    }

    #[test]
    fn miit_verdict() {
        use LinkTarget::*;
        assert_eq!(MiitLink::of([Other, MiitLegacy, Miit]), MiitLink::Ok);
        assert_eq!(
            MiitLink::of([Other, MiitLegacy, PoliceCurrent]),
            MiitLink::LegacyHost
        );
        assert_eq!(MiitLink::of([Other, PoliceLegacy]), MiitLink::Missing);
        assert_eq!(MiitLink::of([]), MiitLink::Missing);
    }
}
