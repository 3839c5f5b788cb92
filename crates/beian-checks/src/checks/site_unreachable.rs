//! site.unreachable — 网站无法访问.
//!
//! The homepage is fetched over https and http. The site is reachable when either gives
//! a 2xx page (after at most five redirects). An error status, a TLS failure, a refused
//! or timed-out connection on both is a failure, with each attempt as evidence. A domain
//! that does not resolve is `site.ip_mismatch`'s finding, and an address the SSRF guard
//! refuses was not tried: both are inconclusive here. So is a fetch that this machine
//! could not make (stage `local_resources`: out of file descriptors or ports), when no
//! other fetch worked: what it would have shown is unknown, and a sweep run under a low
//! `ulimit -n` once failed hundreds of healthy sites this way.

use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::live::FetchEvidence;
use crate::{LiveCheck, LiveContext};

pub struct Unreachable;

impl LiveCheck for Unreachable {
    fn id(&self) -> CheckId {
        CheckId::SiteUnreachable
    }

    fn run(&self, ctx: &LiveContext<'_>) -> Vec<Finding> {
        if ctx.fetches.is_empty() {
            return Vec::new();
        }
        vec![judge(ctx.fetches, ctx.target())]
    }
}

/// Judges the homepage fetches of one site.
pub fn judge(fetches: &[FetchEvidence], target: Target) -> Finding {
    let ok = fetches.iter().find(|f| f.ok());
    let only_unjudgeable = fetches.iter().all(|f| {
        matches!(f, FetchEvidence::Failed { stage, .. } if stage == "dns" || stage == "blocked_destination")
    });
    let short_here = fetches
        .iter()
        .any(|f| matches!(f, FetchEvidence::Failed { stage, .. } if stage == "local_resources"));
    let (status, message) = match ok {
        Some(FetchEvidence::Fetched {
            final_url, status, ..
        }) => (
            Status::Pass,
            format!("首页可以访问：{final_url} 返回 {status}"),
        ),
        _ if only_unjudgeable => (
            Status::Inconclusive,
            "首页没有可访问的地址（域名未解析或解析到不允许访问的地址），无法核对网站内容"
                .to_owned(),
        ),
        _ if short_here => (
            Status::Inconclusive,
            "本机资源不足（如打开的文件数达到上限），没能完成对首页的访问，无法判断；这不是网站的问题，核查方调整后重新核查即可"
                .to_owned(),
        ),
        _ => {
            let attempts: Vec<String> = fetches.iter().map(describe).collect();
            (
                Status::Fail,
                format!("首页无法正常访问：{}", attempts.join("；")),
            )
        }
    };
    let mut finding =
        Finding::new(CheckId::SiteUnreachable, status, target, message).field("网站访问");
    for fetch in fetches {
        finding = finding.with(
            Evidence::new(format!("访问 {}", fetch.url()), describe(fetch))
                .from_source(fetch.url())
                .at(fetch.observed_at()),
        );
    }
    finding
}

fn describe(fetch: &FetchEvidence) -> String {
    match fetch {
        FetchEvidence::Fetched {
            final_url,
            status,
            redirects,
            remote_addr,
            ..
        } => {
            let mut text = format!("{final_url} 返回 {status}");
            if !redirects.is_empty() {
                text.push_str(&format!("（经 {} 次跳转）", redirects.len()));
            }
            if let Some(addr) = remote_addr {
                text.push_str(&format!("，服务器 {addr}"));
            }
            text
        }
        FetchEvidence::Failed { url, message, .. } => format!("{url} {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(status: u16) -> FetchEvidence {
        FetchEvidence::Fetched {
            url: "http://example.cn/".into(),
            final_url: "http://example.cn/".into(),
            status,
            redirects: vec![],
            remote_addr: Some("203.0.113.10:80".into()),
            truncated: false,
            observed_at: "2026-11-29T12:00:00+08:00".into(),
        }
    }

    fn failed(stage: &str) -> FetchEvidence {
        FetchEvidence::Failed {
            url: "https://example.cn/".into(),
            stage: stage.into(),
            message: "失败".into(),
            redirects: vec![],
            observed_at: "2026-11-29T12:00:00+08:00".into(),
        }
    }

    #[test]
    fn one_working_scheme_is_enough() {
        let cases = [
            (
                vec![failed("tls"), fetched(200)],
                Status::Pass,
                "http works",
            ),
            (vec![fetched(200)], Status::Pass, "single"),
            (
                vec![failed("connect"), fetched(503)],
                Status::Fail,
                "server error",
            ),
            (
                vec![failed("timeout"), failed("connect")],
                Status::Fail,
                "both fail",
            ),
            (vec![fetched(404), fetched(404)], Status::Fail, "not found"),
            (
                vec![failed("dns"), failed("dns")],
                Status::Inconclusive,
                "does not resolve",
            ),
            (
                vec![failed("blocked_destination")],
                Status::Inconclusive,
                "guard refused",
            ),
            (
                vec![failed("local_resources"), failed("connect")],
                Status::Inconclusive,
                "https never left this machine",
            ),
            (
                vec![failed("local_resources"), fetched(503)],
                Status::Inconclusive,
                "the https page is unknown",
            ),
            (
                vec![failed("local_resources"), fetched(200)],
                Status::Pass,
                "http works all the same",
            ),
        ];
        for (fetches, expected, why) in cases {
            let finding = judge(&fetches, Target::Page);
            assert_eq!(finding.status, expected, "{why}: {}", finding.message);
        }
    }
}
