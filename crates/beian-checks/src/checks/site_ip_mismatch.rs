//! site.ip_mismatch — 网站解析 IP 与备案 IP 不一致.
//!
//! Each filed domain is looked up with its `www` host. The site passes when some address
//! either resolves to is one of the filed IPs. A domain that does not resolve at all
//! (NXDOMAIN or no address records on both names) is its own case, 未解析. A lookup
//! that could not be made (timeout, SERVFAIL) proves nothing and is inconclusive.

use std::net::IpAddr;

use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::live::DomainDns;
use crate::{LiveCheck, LiveContext};

pub struct IpMismatch;

impl LiveCheck for IpMismatch {
    fn id(&self) -> CheckId {
        CheckId::SiteIpMismatch
    }

    fn run(&self, ctx: &LiveContext<'_>) -> Vec<Finding> {
        let Some(website) = ctx.website() else {
            return Vec::new();
        };
        ctx.dns
            .iter()
            .map(|domain| judge(domain, &website.ips, ctx.target()))
            .collect()
    }
}

/// Judges one domain's resolution against the filed IPs.
pub fn judge(domain: &DomainDns, filed: &[IpAddr], target: Target) -> Finding {
    let resolved = domain.addresses();
    let filed_list: Vec<String> = filed.iter().map(ToString::to_string).collect();
    let (status, message) = if domain.unresolved() {
        (
            Status::Fail,
            format!(
                "域名 {} 未解析：{}",
                domain.domain,
                domain.apex.lookup.describe()
            ),
        )
    } else if resolved.is_empty() {
        (
            Status::Inconclusive,
            format!(
                "域名 {} 的解析结果无法取得：{}",
                domain.domain,
                domain.apex.lookup.describe()
            ),
        )
    } else if filed.is_empty() {
        (
            Status::Fail,
            format!(
                "备案中没有填写接入IP，域名 {} 实际解析到 {}",
                domain.domain,
                join(&resolved)
            ),
        )
    } else if let Some(matched) = resolved.iter().find(|ip| filed.contains(ip)) {
        (
            Status::Pass,
            format!("域名 {} 解析到备案IP {matched}", domain.domain),
        )
    } else {
        (
            Status::Fail,
            format!(
                "域名 {} 解析到 {}，都不在备案IP {} 中",
                domain.domain,
                join(&resolved),
                filed_list.join("、")
            ),
        )
    };
    let mut finding = Finding::new(CheckId::SiteIpMismatch, status, target, message)
        .field("网站IP")
        .with(Evidence::new("备案IP", filed_list));
    for host in domain.hosts() {
        finding = finding.with(
            Evidence::new(format!("{} 的解析", host.host), host.lookup.describe())
                .from_source(format!("DNS {}", host.server))
                .at(host.observed_at.clone()),
        );
    }
    finding
}

fn join(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{HostEvidence, Lookup};

    fn host(name: &str, lookup: Lookup) -> HostEvidence {
        HostEvidence {
            host: name.into(),
            lookup,
            server: "127.0.0.1:53".into(),
            observed_at: "2026-11-29T12:00:00+08:00".into(),
        }
    }

    fn resolved(ips: &[&str]) -> Lookup {
        Lookup::Resolved {
            addresses: ips.iter().map(|ip| ip.parse().expect("ip")).collect(),
            cnames: vec![],
        }
    }

    fn domain(apex: Lookup, www: Lookup) -> DomainDns {
        DomainDns {
            domain: "example.cn".into(),
            apex: host("example.cn", apex),
            www: host("www.example.cn", www),
        }
    }

    #[test]
    fn some_resolved_address_must_be_filed() {
        let filed: Vec<IpAddr> = vec!["203.0.113.10".parse().expect("ip")];
        let cases = [
            (
                domain(resolved(&["203.0.113.10"]), Lookup::NxDomain),
                Status::Pass,
                "apex matches",
            ),
            (
                domain(
                    Lookup::NoRecords,
                    resolved(&["198.51.100.1", "203.0.113.10"]),
                ),
                Status::Pass,
                "www matches",
            ),
            (
                domain(resolved(&["198.51.100.1"]), resolved(&["198.51.100.2"])),
                Status::Fail,
                "elsewhere",
            ),
            (
                domain(Lookup::NxDomain, Lookup::NxDomain),
                Status::Fail,
                "未解析",
            ),
            (
                domain(Lookup::NoRecords, Lookup::NxDomain),
                Status::Fail,
                "no records",
            ),
            (
                domain(Lookup::Timeout, Lookup::ServFail),
                Status::Inconclusive,
                "could not ask",
            ),
            (
                domain(Lookup::Timeout, Lookup::NxDomain),
                Status::Inconclusive,
                "half unknown",
            ),
        ];
        for (dns, expected, why) in cases {
            let finding = judge(&dns, &filed, Target::Page);
            assert_eq!(finding.status, expected, "{why}: {}", finding.message);
        }
        let no_ips = judge(
            &domain(resolved(&["203.0.113.10"]), Lookup::NxDomain),
            &[],
            Target::Page,
        );
        assert_eq!(no_ips.status, Status::Fail);
    }

    #[test]
    fn unresolved_is_named_as_such() {
        let finding = judge(
            &domain(Lookup::NxDomain, Lookup::NxDomain),
            &[],
            Target::Page,
        );
        assert!(finding.message.contains("未解析"), "{}", finding.message);
    }
}
