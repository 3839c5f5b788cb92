//! site.not_served_by_provider — 备案域名未使用本接入商的服务器.
//!
//! A filing belongs with the provider that serves it. The site passes when some address
//! of the domain or its `www` host is in the provider's ranges, or the CNAME chain lands
//! on the provider's own CDN (a CDN address never matches a filed IP, so the CNAME is its
//! own verdict). Not resolving at all is also "not served" (a shell site). Without a
//! configured provider network the check does not run.

use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::live::{DomainDns, ProviderNetwork};
use crate::{LiveCheck, LiveContext};

pub struct NotServedByProvider;

impl LiveCheck for NotServedByProvider {
    fn id(&self) -> CheckId {
        CheckId::SiteNotServedByProvider
    }

    fn run(&self, ctx: &LiveContext<'_>) -> Vec<Finding> {
        if !ctx.provider.is_configured() {
            return Vec::new();
        }
        ctx.dns
            .iter()
            .map(|domain| judge(domain, ctx.provider, ctx.target()))
            .collect()
    }
}

/// Judges one domain against the provider's network.
pub fn judge(domain: &DomainDns, provider: &ProviderNetwork, target: Target) -> Finding {
    let cdn = domain
        .hosts()
        .iter()
        .flat_map(|h| h.lookup.cnames())
        .find_map(|cname| {
            provider
                .cdn_of(cname)
                .map(|suffix| (cname.clone(), suffix.to_owned()))
        });
    let own = domain
        .addresses()
        .into_iter()
        .find(|ip| provider.owns_address(*ip));
    let (status, message) = match (own, cdn) {
        (Some(ip), _) => (
            Status::Pass,
            format!("域名 {} 解析到本接入商的地址 {ip}", domain.domain),
        ),
        (None, Some((cname, suffix))) => (
            Status::Pass,
            format!(
                "域名 {} 经 CNAME {cname} 使用本接入商的 CDN（{suffix}）",
                domain.domain
            ),
        ),
        (None, None) if domain.unresolved() => (
            Status::Fail,
            format!(
                "域名 {} 未解析，网站没有在本接入商处提供服务",
                domain.domain
            ),
        ),
        (None, None) if !domain.resolved() => (
            Status::Inconclusive,
            format!(
                "域名 {} 的解析结果无法取得：{}",
                domain.domain,
                domain.apex.lookup.describe()
            ),
        ),
        (None, None) => (
            Status::Fail,
            format!(
                "域名 {} 解析到的地址和 CNAME 都不属于本接入商（{}）",
                domain.domain,
                domain.apex.lookup.describe()
            ),
        ),
    };
    let ranges: Vec<String> = provider.ranges.iter().map(ToString::to_string).collect();
    let mut finding = Finding::new(CheckId::SiteNotServedByProvider, status, target, message)
        .field("接入信息")
        .with(Evidence::new("本接入商地址段", ranges))
        .with(Evidence::new(
            "本接入商 CDN 后缀",
            provider.cdn_suffixes.clone(),
        ));
    for host in domain.hosts() {
        finding = finding.with(
            Evidence::new(format!("{} 的解析", host.host), host.lookup.describe())
                .from_source(format!("DNS {}", host.server))
                .at(host.observed_at.clone()),
        );
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{Cidr, HostEvidence, Lookup};

    fn provider() -> ProviderNetwork {
        ProviderNetwork {
            ranges: vec![Cidr::parse("203.0.113.0/24").expect("range")],
            cdn_suffixes: vec!["cdn.cloud.example".into()],
        }
    }

    fn dns(lookup: Lookup) -> DomainDns {
        let host = |name: &str, lookup: Lookup| HostEvidence {
            host: name.into(),
            lookup,
            server: "127.0.0.1:53".into(),
            observed_at: "2026-11-29T12:00:00+08:00".into(),
        };
        DomainDns {
            domain: "example.cn".into(),
            apex: host("example.cn", lookup),
            www: host("www.example.cn", Lookup::NxDomain),
        }
    }

    #[test]
    fn the_site_must_be_on_the_providers_network() {
        let at = |ips: &[&str], cnames: &[&str]| Lookup::Resolved {
            addresses: ips.iter().map(|ip| ip.parse().expect("ip")).collect(),
            cnames: cnames.iter().map(|c| (*c).to_owned()).collect(),
        };
        let cases = [
            (at(&["203.0.113.5"], &[]), Status::Pass, "own range"),
            (
                at(&["192.0.2.1"], &["example.cn.cdn.cloud.example"]),
                Status::Pass,
                "own CDN",
            ),
            (
                at(&["192.0.2.1"], &["example.cn.othercdn.example"]),
                Status::Fail,
                "another CDN",
            ),
            (at(&["198.51.100.1"], &[]), Status::Fail, "elsewhere"),
            (Lookup::NxDomain, Status::Fail, "shell"),
            (Lookup::Timeout, Status::Inconclusive, "unknown"),
        ];
        for (lookup, expected, why) in cases {
            let finding = judge(&dns(lookup), &provider(), Target::Page);
            assert_eq!(finding.status, expected, "{why}: {}", finding.message);
        }
    }
}
