//! entity.domain_owner_mismatch — 域名持有者与备案主体不一致.
//!
//! Judged on the registrar's real-name data of every filed domain. A personal filing needs
//! the principal's name, ID type and ID number to equal the holder's; an organisation's
//! needs the holder to be the organisation itself or its legal representative. The
//! comparison is exact, full-width and half-width punctuation included, as the 管局s
//! compare (`（` is not `(`): when the only difference is the width of punctuation the
//! finding says so, because that is the fix the customer must make at the registrar.
//! A holder the registrar has not verified (未实名) is a warning.
//!
//! Without a registrar adapter the WHOIS/RDAP registrant is used as weaker evidence: it
//! is public, often redacted and has no ID number, so a difference there is only a warning
//! and a missing registrant decides nothing.

use beian_domain::filing::{CertificateType, EntityKind, Filing};
use beian_domain::pii::mask_id_number;
use beian_domain::{CheckId, Finding, Status, Target};

use crate::live::RegistrationEvidence;
use crate::registry_evidence::{
    Answer, DomainAnswer, Outcome, RealNameRecord, RegistryCheck, RegistryContext, RegistryKind,
    plan, unavailable,
};

pub struct DomainOwnerMismatch;

impl RegistryCheck for DomainOwnerMismatch {
    fn id(&self) -> CheckId {
        CheckId::EntityDomainOwnerMismatch
    }

    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<Finding> {
        if ctx.evidence.has(RegistryKind::DomainRealName) {
            return ctx
                .evidence
                .real_names
                .iter()
                .map(|answer| judge(ctx.filing, answer))
                .collect();
        }
        // The weaker evidence: one finding per filed registrable domain WHOIS/RDAP answered.
        let domains = plan(ctx.filing).domains;
        let mut findings = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (_, domain) in &domains {
            if seen.contains(&domain.as_str()) {
                continue;
            }
            seen.push(domain);
            if let Some(registration) = ctx.registrations.iter().find(|r| &r.domain == domain) {
                findings.push(judge_registrant(ctx.filing, registration));
            }
        }
        findings
    }
}

/// How two names compare under the exact rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The same characters.
    Equal,
    /// The same once full-width characters are folded to half-width: still a mismatch.
    WidthOnly,
    /// Different.
    Different,
}

/// Folds full-width forms (`（`, `，`, `Ａ`, the ideographic space) to half-width.
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Compares a filed name with the holder's, exactly (outer whitespace aside).
pub fn compare(filed: &str, holder: &str) -> Comparison {
    let (filed, holder) = (filed.trim(), holder.trim());
    if filed == holder {
        Comparison::Equal
    } else if fold_width(filed) == fold_width(holder) {
        Comparison::WidthOnly
    } else {
        Comparison::Different
    }
}

fn width_note(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::WidthOnly => "（仅全角、半角标点不同，也须改为完全一致）",
        _ => "",
    }
}

/// Judges one domain's real-name answer against the filing.
pub fn judge(filing: &Filing, domain: &DomainAnswer) -> Finding {
    let check = CheckId::EntityDomainOwnerMismatch;
    let field = format!("网站域名 {}", domain.domain);
    let answer: &Answer<RealNameRecord> = &domain.answer;
    let record = match &answer.outcome {
        Outcome::Found(record) => record,
        Outcome::NotFound => {
            return Finding::new(
                check,
                Status::Inconclusive,
                Target::Entity,
                format!(
                    "注册商没有 {} 的实名信息（域名可能不在该注册商处），无法核对持有者",
                    domain.domain
                ),
            )
            .field(field);
        }
        Outcome::Unavailable(reason) => {
            return unavailable(
                check,
                Target::Entity,
                &format!("域名 {} 的实名信息", domain.domain),
                answer,
                reason,
            )
            .field(field);
        }
    };
    let entity = &filing.entity;
    let mut problems: Vec<String> = Vec::new();
    if entity.kind == EntityKind::Personal {
        let principal = &entity.principal;
        let name = compare(&principal.name, &record.holder_name);
        if name != Comparison::Equal {
            problems.push(format!(
                "持有者姓名“{}”与负责人姓名“{}”不同{}",
                record.holder_name,
                principal.name,
                width_note(name)
            ));
        }
        let holder_type = CertificateType::parse(&record.holder_id_type);
        if holder_type.map(CertificateType::code) != Some(principal.id_type.code()) {
            problems.push(format!(
                "持有者证件类型“{}”与负责人证件类型“{}”不同",
                holder_type.map_or(record.holder_id_type.clone(), |t| t.label().to_owned()),
                principal.id_type.label()
            ));
        }
        let filed_number = principal.id_number.trim().to_ascii_uppercase();
        let holder_number = record
            .holder_id_number
            .as_deref()
            .map(|n| n.trim().to_ascii_uppercase());
        if holder_number.as_deref() != Some(filed_number.as_str()) {
            problems.push(format!(
                "持有者证件号码 {} 与负责人证件号码 {} 不同",
                holder_number
                    .as_deref()
                    .map_or("（未提供）".to_owned(), mask_id_number),
                mask_id_number(&filed_number)
            ));
        }
    } else {
        let by_name = compare(&entity.name, &record.holder_name);
        let by_rep = entity
            .legal_representative
            .as_deref()
            .map_or(Comparison::Different, |rep| {
                compare(rep, &record.holder_name)
            });
        if by_name != Comparison::Equal && by_rep != Comparison::Equal {
            let note = if by_name == Comparison::WidthOnly {
                width_note(by_name)
            } else {
                width_note(by_rep)
            };
            problems.push(format!(
                "持有者“{}”既不是备案单位“{}”，也不是法定代表人{}",
                record.holder_name, entity.name, note
            ));
        }
    }
    let masked_holder_number = record.holder_id_number.as_deref().map(mask_id_number);
    let (status, message) = if !problems.is_empty() {
        (
            Status::Fail,
            format!(
                "域名 {} 的实名持有者与备案主体不一致：{}",
                domain.domain,
                problems.join("；")
            ),
        )
    } else if !record.verified {
        (
            Status::Warn,
            format!(
                "域名 {} 的持有者“{}”与备案主体一致，但注册商显示尚未完成实名认证",
                domain.domain, record.holder_name
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "域名 {} 的实名持有者“{}”与备案主体一致",
                domain.domain, record.holder_name
            ),
        )
    };
    let mut finding = Finding::new(check, status, Target::Entity, message)
        .field(field)
        .with(answer.evidence("持有者", record.holder_name.clone()))
        .with(answer.evidence("持有者证件类型", record.holder_id_type.clone()))
        .with(answer.evidence("实名认证", record.verified));
    if let Some(number) = masked_holder_number {
        finding = finding.with(answer.evidence("持有者证件号码", number));
    }
    finding
}

/// Judges the WHOIS/RDAP registrant of one domain: the weaker evidence.
pub fn judge_registrant(filing: &Filing, registration: &RegistrationEvidence) -> Finding {
    let check = CheckId::EntityDomainOwnerMismatch;
    let field = format!("网站域名 {}", registration.domain);
    let evidence = |label: &str, value: String| {
        beian_domain::Evidence::new(label, value)
            .from_source(registration.server.clone())
            .at(registration.observed_at.clone())
    };
    let registrant = match &registration.outcome {
        Ok(r) => r
            .registrant
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty()),
        Err(reason) => {
            return Finding::new(
                check,
                Status::Inconclusive,
                Target::Entity,
                format!(
                    "未配置注册商实名接口，且 {} 的 WHOIS/RDAP 查询失败：{reason}",
                    registration.domain
                ),
            )
            .field(field);
        }
    };
    let Some(registrant) = registrant else {
        return Finding::new(
            check,
            Status::Inconclusive,
            Target::Entity,
            format!(
                "未配置注册商实名接口，{} 的 WHOIS/RDAP 没有公开持有人，无法核对",
                registration.domain
            ),
        )
        .field(field);
    };
    let entity = &filing.entity;
    let mut names = vec![entity.name.as_str()];
    if entity.kind == EntityKind::Personal {
        names.push(entity.principal.name.as_str());
    } else if let Some(rep) = entity.legal_representative.as_deref() {
        names.push(rep);
    }
    let matched = names
        .iter()
        .any(|n| compare(n, registrant) == Comparison::Equal);
    let (status, message) = if matched {
        (
            Status::Pass,
            format!(
                "{} 的 WHOIS/RDAP 持有人“{registrant}”与备案主体一致（公开注册信息，未核对实名证件）",
                registration.domain
            ),
        )
    } else {
        (
            Status::Warn,
            format!(
                "{} 的 WHOIS/RDAP 持有人“{registrant}”与备案主体“{}”不一致；这是公开注册信息，请以注册商的实名信息为准",
                registration.domain, entity.name
            ),
        )
    };
    Finding::new(check, status, Target::Entity, message)
        .field(field)
        .with(evidence("WHOIS/RDAP 持有人", registrant.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(kind: &str, name: &str) -> Filing {
        let json = format!(
            r#"{{"entity": {{"kind": "{kind}", "name": "{name}", "certificate_type": "{}",
              "certificate_number": "{}", "legal_representative": "李明",
              "principal": {{"name": "李明", "id_type": "resident_id", "id_number": "11010819850615003X",
                "id_valid_until": "长期", "mobile": "13911112222"}}}},
              "websites": [{{"name": "云帆数据", "domains": ["yunfan-data.cn"]}}]}}"#,
            if kind == "personal" {
                "resident_id"
            } else {
                "credit_code"
            },
            if kind == "personal" {
                "11010819850615003X"
            } else {
                "91110108772551611J"
            },
        );
        Filing::from_json(&json).expect("filing")
    }

    fn holder(name: &str, id_type: &str, number: Option<&str>, verified: bool) -> DomainAnswer {
        DomainAnswer {
            website: 0,
            domain: "yunfan-data.cn".into(),
            answer: Answer {
                outcome: Outcome::Found(RealNameRecord {
                    domain: "yunfan-data.cn".into(),
                    holder_name: name.into(),
                    holder_id_type: id_type.into(),
                    holder_id_number: number.map(str::to_owned),
                    verified,
                }),
                source: "http://registrar.test/".into(),
                observed_at: "2026-11-29T10:00:00+08:00".into(),
            },
        }
    }

    #[test]
    fn names_compare_exactly_punctuation_width_included() {
        assert_eq!(
            compare("云帆（北京）科技有限公司", "云帆（北京）科技有限公司 "),
            Comparison::Equal
        );
        assert_eq!(
            compare("云帆（北京）科技有限公司", "云帆(北京)科技有限公司"),
            Comparison::WidthOnly
        );
        assert_eq!(
            compare("云帆（北京）科技有限公司", "云帆科技有限公司"),
            Comparison::Different
        );
    }

    #[test]
    fn the_holder_must_be_the_filer() {
        let id = "11010819850615003X";
        let company = "云帆（北京）科技有限公司";
        let cases = [
            (
                "personal",
                "李明",
                holder("李明", "resident_id", Some(id), true),
                Status::Pass,
                "",
            ),
            (
                "personal",
                "李明",
                holder("李明", "居民身份证", Some("11010819850615003x"), true),
                Status::Pass,
                "",
            ),
            (
                "personal",
                "李明",
                holder("王芳", "resident_id", Some(id), true),
                Status::Fail,
                "姓名",
            ),
            (
                "personal",
                "李明",
                holder("李明", "passport", Some(id), true),
                Status::Fail,
                "证件类型",
            ),
            (
                "personal",
                "李明",
                holder("李明", "resident_id", Some("110108198506150046"), true),
                Status::Fail,
                "证件号码",
            ),
            (
                "personal",
                "李明",
                holder("李明", "resident_id", None, true),
                Status::Fail,
                "未提供",
            ),
            (
                "personal",
                "李明",
                holder("李明", "resident_id", Some(id), false),
                Status::Warn,
                "实名认证",
            ),
            (
                "company",
                company,
                holder(company, "credit_code", Some("91110108772551611J"), true),
                Status::Pass,
                "",
            ),
            (
                "company",
                company,
                holder("李明", "resident_id", Some(id), true),
                Status::Pass,
                "",
            ),
            (
                "company",
                company,
                holder("云帆(北京)科技有限公司", "credit_code", None, true),
                Status::Fail,
                "全角",
            ),
            (
                "company",
                company,
                holder("星河传媒有限公司", "credit_code", None, true),
                Status::Fail,
                "既不是",
            ),
        ];
        for (kind, name, answer, expected, words) in cases {
            let finding = judge(&filing(kind, name), &answer);
            assert_eq!(
                finding.status, expected,
                "{kind} {name}: {}",
                finding.message
            );
            assert!(finding.message.contains(words), "{}", finding.message);
            assert!(
                !format!("{finding:?}").contains(id),
                "unmasked: {finding:?}"
            );
        }
    }

    fn whois(domain: &str, registrant: Result<Option<&str>, &str>) -> RegistrationEvidence {
        let outcome = registrant.map(|name| {
            let json = serde_json::json!({
                "outcome": "found", "source": "whois", "domain": domain,
                "registrar": null, "registrar_iana_id": null,
                "registrant": name, "registrant_id": null, "registrant_email": null,
                "created": null, "expires": null, "updated": null,
                "statuses": [], "name_servers": [], "referral": null,
            });
            serde_json::from_value(json).expect("registration")
        });
        RegistrationEvidence {
            domain: domain.into(),
            outcome: outcome.map_err(str::to_owned),
            server: "whois.cnnic.cn:43".into(),
            observed_at: "2026-11-29T10:00:00+08:00".into(),
        }
    }

    #[test]
    fn the_whois_registrant_is_weaker_evidence() {
        let company = filing("company", "云帆（北京）科技有限公司");
        let personal = filing("personal", "李明");
        let cases = [
            (&company, Ok(Some("云帆（北京）科技有限公司")), Status::Pass),
            (&company, Ok(Some("李明")), Status::Pass),
            (&company, Ok(Some("星河传媒有限公司")), Status::Warn),
            (&company, Ok(Some("云帆(北京)科技有限公司")), Status::Warn),
            (&company, Ok(None), Status::Inconclusive),
            (&company, Ok(Some("  ")), Status::Inconclusive),
            (&company, Err("连接超时"), Status::Inconclusive),
            (&personal, Ok(Some("李明")), Status::Pass),
            (&personal, Ok(Some("王芳")), Status::Warn),
        ];
        for (filing, registrant, expected) in cases {
            let finding = judge_registrant(filing, &whois("yunfan-data.cn", registrant));
            assert_eq!(
                finding.status, expected,
                "{registrant:?}: {}",
                finding.message
            );
        }
    }

    #[test]
    fn no_answer_and_outages_are_inconclusive() {
        let mut answer = holder("李明", "resident_id", None, true);
        answer.answer.outcome = Outcome::Unavailable("熔断中".into());
        assert_eq!(
            judge(&filing("personal", "李明"), &answer).status,
            Status::Inconclusive
        );
        answer.answer.outcome = Outcome::NotFound;
        assert_eq!(
            judge(&filing("personal", "李明"), &answer).status,
            Status::Inconclusive
        );
    }
}
