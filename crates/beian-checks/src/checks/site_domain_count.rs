//! site.domain_count — 网站域名数量或格式不合规.
//!
//! Each filed domain must be a registrable domain name (the name one buys from a
//! registrar, not a host under it, a URL or an IP). Since 2019 a new site files exactly
//! one domain; sites filed earlier may keep several, so more than one is a warning. A
//! domain filed under two sites is a failure.

use std::collections::HashSet;

use beian_domain::ident::domain::DomainName;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct DomainCount;

impl FilingCheck for DomainCount {
    fn id(&self) -> CheckId {
        CheckId::SiteDomainCount
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let mut seen = HashSet::new();
        let mut findings = Vec::new();
        for (target, website) in ctx.websites() {
            findings.extend(judge(&website.domains, &mut seen, &target));
        }
        findings
    }
}

/// Judges one site's domains; `seen` collects the domains of the sites judged before.
pub fn judge(domains: &[String], seen: &mut HashSet<String>, target: &Target) -> Vec<Finding> {
    let finding = |status, message: String| {
        Finding::new(CheckId::SiteDomainCount, status, target.clone(), message).field("网站域名")
    };
    if domains.is_empty() {
        return vec![finding(Status::Fail, "网站没有备案任何域名".to_owned())];
    }
    let mut findings = Vec::new();
    for raw in domains {
        let evidence = Evidence::new("备案域名", raw.as_str());
        let (status, message) = match DomainName::parse(raw) {
            Err(e) => (Status::Fail, format!("域名“{raw}”无效：{e}")),
            Ok(domain) if !seen.insert(domain.as_str().to_owned()) => (
                Status::Fail,
                format!("域名 {} 重复备案在多个网站下", domain.unicode()),
            ),
            Ok(domain) if domain.is_registrable() => {
                (Status::Pass, format!("域名 {} 格式正确", domain.unicode()))
            }
            Ok(domain) => (
                Status::Warn,
                format!(
                    "“{}”是 {} 下的主机名，备案应填写可注册的主域名",
                    domain.unicode(),
                    domain.registrable().unicode()
                ),
            ),
        };
        findings.push(finding(status, message).with(evidence));
    }
    if domains.len() > 1 {
        findings.push(finding(
            Status::Warn,
            format!(
                "一个网站备案了 {} 个域名；新备案每个网站只能有一个域名",
                domains.len()
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(domains: &[&str]) -> Vec<Status> {
        let domains: Vec<String> = domains.iter().map(|d| (*d).to_owned()).collect();
        judge(&domains, &mut HashSet::new(), &Target::Entity)
            .into_iter()
            .map(|f| f.status)
            .collect()
    }

    #[test]
    fn domains_must_be_registrable_and_single() {
        use Status::{Fail, Pass, Warn};
        let cases: [(&[&str], &[Status]); 8] = [
            (&["yunfan-data.cn"], &[Pass]),
            (&["yunfan.com.cn"], &[Pass]),
            (&["例子.中国"], &[Pass]),
            (&["www.yunfan-data.cn"], &[Warn]),
            (&["https://yunfan-data.cn/"], &[Fail]),
            (&["203.0.113.10"], &[Fail]),
            (&["wangxh.cn", "wangxh.com"], &[Pass, Pass, Warn]),
            (&[], &[Fail]),
        ];
        for (domains, expected) in cases {
            assert_eq!(statuses(domains), expected, "{domains:?}");
        }
    }

    #[test]
    fn a_domain_filed_twice_fails() {
        let mut seen = HashSet::new();
        let first = judge(&["a-site.cn".to_owned()], &mut seen, &Target::Entity);
        let second = judge(&["A-Site.CN".to_owned()], &mut seen, &Target::Entity);
        assert_eq!(first[0].status, Status::Pass);
        assert_eq!(second[0].status, Status::Fail);
    }
}
