//! site.domain_expired — 域名已过期.
//!
//! Judged on what the registry says over WHOIS or RDAP about each filed domain's
//! registrable domain, at the time of the check:
//! - expired (the expiry is at or before now): fail;
//! - on hold, whatever the date: fail, named after who holds it — `serverHold` is
//!   注册局暂停解析, `clientHold` 注册商暂停解析 (a held domain is out of DNS, so the
//!   site is unreachable whatever its filing says);
//! - the registry has no record: fail, 域名未注册 (anyone may register it now);
//! - expiring within [`WARN_DAYS`] days: warn, so the holder renews in time;
//! - no expiry in the reply, a reserved name (CNNIC hides some government names behind
//!   its reserved reply) or a query that failed: inconclusive, with the reason — an
//!   unknown date is never guessed;
//! - otherwise pass.
//!
//! The evidence names the registrar, the expiry, the statuses and the server, and keeps
//! the registrant: the domain-owner check compares it with the entity.

use beian_domain::{CheckId, Evidence, Finding, Status, Target};
use beian_registration::{Outcome, Registration};
use chrono::{DateTime, FixedOffset, SecondsFormat};

use crate::live::RegistrationEvidence;
use crate::{LiveCheck, LiveContext};

/// Days before expiry from which the check warns.
pub const WARN_DAYS: i64 = 30;

pub struct DomainExpired;

impl LiveCheck for DomainExpired {
    fn id(&self) -> CheckId {
        CheckId::SiteDomainExpired
    }

    fn run(&self, ctx: &LiveContext<'_>) -> Vec<Finding> {
        ctx.registrations
            .iter()
            .map(|evidence| judge(evidence, &ctx.now, ctx.target()))
            .collect()
    }
}

/// Judges one registrable domain's registration at `now`.
pub fn judge(
    evidence: &RegistrationEvidence,
    now: &DateTime<FixedOffset>,
    target: Target,
) -> Finding {
    let domain = &evidence.domain;
    let (status, message) = match &evidence.outcome {
        Err(reason) => (
            Status::Inconclusive,
            format!("域名 {domain} 的注册信息查询失败，无法判断是否过期：{reason}"),
        ),
        Ok(registration) => verdict(domain, registration, now),
    };
    let mut finding =
        Finding::new(CheckId::SiteDomainExpired, status, target, message).field("域名");
    let seen = |label: &str, value: serde_json::Value| {
        let e = Evidence::new(label, value).at(&evidence.observed_at);
        if evidence.server.is_empty() {
            e
        } else {
            e.from_source(&evidence.server)
        }
    };
    if let Ok(r) = &evidence.outcome {
        finding = finding.with(seen("注册状态", r.outcome.label().into()));
        if r.outcome == Outcome::Found {
            finding = finding
                .with(seen("注册商", opt(r.registrar.as_deref())))
                .with(seen(
                    "到期时间",
                    opt(r
                        .expires
                        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                        .as_deref()),
                ))
                .with(seen("域名状态", r.statuses.clone().into()))
                .with(seen("持有人", opt(r.registrant.as_deref())));
        }
    }
    finding.with(seen(
        "查询服务器",
        if evidence.server.is_empty() {
            serde_json::Value::Null
        } else {
            evidence.server.clone().into()
        },
    ))
}

fn verdict(
    domain: &str,
    registration: &Registration,
    now: &DateTime<FixedOffset>,
) -> (Status, String) {
    match registration.outcome {
        Outcome::NotFound => {
            return (
                Status::Fail,
                format!("域名 {domain} 未注册：注册局没有这个域名的记录（域名未注册）"),
            );
        }
        Outcome::Reserved => {
            return (
                Status::Inconclusive,
                format!(
                    "注册局回复域名 {domain} 为保留或禁止注册，未公开注册信息，无法判断是否过期"
                ),
            );
        }
        Outcome::Found => {}
    }
    let mut problems = Vec::new();
    if has_status(registration, "serverHold") {
        problems.push("被注册局暂停解析（serverHold，注册局暂停解析）".to_owned());
    }
    if has_status(registration, "clientHold") {
        problems.push("被注册商暂停解析（clientHold，注册商暂停解析）".to_owned());
    }
    let days = registration.days_until_expiry(now);
    let expiry = registration.expires.map(shown);
    if let (Some(days), Some(expiry)) = (days, &expiry)
        && registration.expired_at(now) == Some(true)
    {
        problems.push(format!(
            "已于 {expiry} 到期（已过期 {} 天）",
            (-days).max(0)
        ));
    }
    if !problems.is_empty() {
        return (
            Status::Fail,
            format!("域名 {domain} {}", problems.join("，并且")),
        );
    }
    match (days, expiry) {
        (Some(days), Some(expiry)) if days < WARN_DAYS => (
            Status::Warn,
            format!("域名 {domain} 将于 {expiry} 到期（还有 {days} 天），请及时续费"),
        ),
        (Some(days), Some(expiry)) => (
            Status::Pass,
            format!("域名 {domain} 在有效期内，{expiry} 到期（还有 {days} 天）"),
        ),
        _ => (
            Status::Inconclusive,
            format!("域名 {domain} 的注册信息中没有到期时间，无法判断是否过期"),
        ),
    }
}

fn has_status(registration: &Registration, status: &str) -> bool {
    registration
        .statuses
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status))
}

/// A time as the registry meant it, with its offset.
fn shown(time: DateTime<FixedOffset>) -> String {
    time.format("%Y-%m-%d %H:%M:%S（UTC%:z）").to_string()
}

fn opt(value: Option<&str>) -> serde_json::Value {
    value.map_or(serde_json::Value::Null, Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CNNIC_2014: &str = "Domain Name: google.cn\nDomain Status: clientDeleteProhibited\nRegistrant: Google Ireland Holdings\nSponsoring Registrar: MarkMonitor Inc.\nRegistration Date: 2003-03-17 12:20:05\nExpiration Date: 2015-03-17 12:48:36\n";

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("test time")
    }

    fn found(expires: Option<&str>, statuses: &[&str]) -> Result<Registration, String> {
        let mut text = String::from(
            "Domain Name: example.cn\nSponsoring Registrar: 某注册商\nRegistrant: 某公司\n",
        );
        for s in statuses {
            text.push_str(&format!("Domain Status: {s}\n"));
        }
        if let Some(e) = expires {
            text.push_str(&format!("Expiration Time: {e}\n"));
        }
        beian_registration::parse_whois(&text, Some("example.cn")).map_err(|e| e.to_string())
    }

    fn evidence(outcome: Result<Registration, String>) -> RegistrationEvidence {
        RegistrationEvidence {
            domain: "example.cn".into(),
            outcome,
            server: "whois.cnnic.cn:43".into(),
            observed_at: "2026-11-29T12:00:00+08:00".into(),
        }
    }

    #[test]
    fn verdicts() {
        let now = at("2026-11-29T12:00:00+08:00");
        let not_found = beian_registration::parse_whois("No matching record.", Some("example.cn"))
            .map_err(|e| e.to_string());
        let reserved = beian_registration::parse_whois(
            "Sorry, The domain you requested is in the reserved list.",
            Some("example.cn"),
        )
        .map_err(|e| e.to_string());
        let old = beian_registration::parse_whois(CNNIC_2014, None).map_err(|e| e.to_string());
        let cases: Vec<(Result<Registration, String>, Status, &str, &str)> = vec![
            (
                found(Some("2027-03-17 12:48:36"), &["ok"]),
                Status::Pass,
                "还有 108 天",
                "valid",
            ),
            (old, Status::Fail, "已过期", "expired 2015"),
            (
                found(Some("2026-11-29 11:59:59"), &[]),
                Status::Fail,
                "已过期 1 天",
                "just expired",
            ),
            (
                found(Some("2026-11-29 12:00:00"), &[]),
                Status::Fail,
                "已于",
                "expires exactly now",
            ),
            (
                found(Some("2026-12-20 00:00:00"), &[]),
                Status::Warn,
                "还有 20 天",
                "near",
            ),
            (
                found(Some("2026-12-29 12:00:00"), &[]),
                Status::Pass,
                "还有 30 天",
                "30 days is not near",
            ),
            (
                found(Some("2026-12-29 11:59:59"), &[]),
                Status::Warn,
                "还有 29 天",
                "just under 30 days",
            ),
            (
                found(Some("2030-01-01 00:00:00"), &["serverHold"]),
                Status::Fail,
                "注册局暂停解析",
                "server hold",
            ),
            (
                found(Some("2030-01-01 00:00:00"), &["clientHold"]),
                Status::Fail,
                "注册商暂停解析",
                "client hold",
            ),
            (
                found(Some("2020-01-01 00:00:00"), &["clientHold"]),
                Status::Fail,
                "并且已于",
                "hold and expired",
            ),
            (
                found(None, &["ok"]),
                Status::Inconclusive,
                "没有到期时间",
                "no expiry",
            ),
            (
                found(None, &["serverHold"]),
                Status::Fail,
                "注册局暂停解析",
                "hold without expiry",
            ),
            (not_found, Status::Fail, "域名未注册", "not found"),
            (reserved, Status::Inconclusive, "保留", "reserved"),
            (
                Err("WHOIS 查询超过总时限 15 秒".into()),
                Status::Inconclusive,
                "超过总时限",
                "query failed",
            ),
        ];
        for (outcome, expected, text, why) in cases {
            let finding = judge(&evidence(outcome), &now, Target::Page);
            assert_eq!(finding.status, expected, "{why}: {}", finding.message);
            assert!(finding.message.contains(text), "{why}: {}", finding.message);
        }
    }

    #[test]
    fn evidence_names_registrar_expiry_statuses_server_and_registrant() {
        let now = at("2026-11-29T12:00:00+08:00");
        let finding = judge(
            &evidence(found(Some("2027-03-17 12:48:36"), &["ok"])),
            &now,
            Target::Page,
        );
        let value = |label: &str| {
            finding
                .evidence
                .iter()
                .find(|e| e.label == label)
                .map(|e| e.value.clone())
                .unwrap_or_else(|| panic!("no evidence {label}"))
        };
        assert_eq!(value("注册商"), "某注册商");
        assert_eq!(value("持有人"), "某公司");
        assert_eq!(value("到期时间"), "2027-03-17T12:48:36+08:00");
        assert_eq!(value("域名状态"), serde_json::json!(["ok"]));
        assert_eq!(value("查询服务器"), "whois.cnnic.cn:43");
        assert!(finding.evidence.iter().all(|e| {
            e.source.as_deref() == Some("whois.cnnic.cn:43")
                && e.observed_at.as_deref() == Some("2026-11-29T12:00:00+08:00")
        }));
    }
}
