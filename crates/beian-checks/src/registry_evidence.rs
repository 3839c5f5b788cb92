//! 外部核验证据 — what the outside registries answered, as plain values the judges take.
//!
//! Four registries a provider contracts for hold the entity's truth: the business registry
//! (工商登记), identity verification (公安身份核验), the carriers (运营商号码核验) and the
//! registrar's real-name data (注册商实名信息). The adapters that ask them live in
//! `beian-registry`, which does IO; here are only their answers, stamped with who answered
//! and when, and [`plan`], the pure decision of what to ask about one filing, so that the
//! gathering and the judging agree on it.
//!
//! Every answer has three endings: found, not found, or unavailable with the reason (the
//! registry is down, refused, timed out, sent garbage, or the circuit breaker is open). An
//! unavailable answer makes a check inconclusive, never a failure.

use std::fmt;

use beian_domain::filing::{CertificateType, EntityKind, IdType, ValidUntil};
use beian_domain::ident::credit_code::CreditCode;
use beian_domain::ident::domain::DomainName;
use beian_domain::ident::id_card::ResidentIdNumber;
use beian_domain::ident::phone::MobileNumber;
use beian_domain::{Filing, Person, Target};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 核验接口 — one of the four outside registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    /// 工商登记: registered name, status, legal representative, address, validity.
    BusinessRegistry,
    /// 身份核验: name and ID number against the issuing authority.
    Identity,
    /// 号码核验: the carrier's view of a mobile number.
    Phone,
    /// 注册商实名: the registrar's verified holder of a domain.
    DomainRealName,
}

impl RegistryKind {
    /// Every registry, in configuration order.
    pub const ALL: [RegistryKind; 4] = [
        RegistryKind::BusinessRegistry,
        RegistryKind::Identity,
        RegistryKind::Phone,
        RegistryKind::DomainRealName,
    ];

    /// The snake_case name used in the configuration file and in result files.
    pub fn name(self) -> &'static str {
        match self {
            RegistryKind::BusinessRegistry => "business_registry",
            RegistryKind::Identity => "identity",
            RegistryKind::Phone => "phone",
            RegistryKind::DomainRealName => "domain_real_name",
        }
    }

    /// The Chinese name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            RegistryKind::BusinessRegistry => "工商登记查询接口",
            RegistryKind::Identity => "身份核验接口",
            RegistryKind::Phone => "运营商号码核验接口",
            RegistryKind::DomainRealName => "注册商实名信息接口",
        }
    }

    /// Reads the snake_case name.
    pub fn parse(name: &str) -> Option<RegistryKind> {
        RegistryKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// 核验结果 — how one question to a registry ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The registry answered with a record or a verdict.
    Found(T),
    /// The registry knows nothing under this key.
    NotFound,
    /// No usable answer: the reason, in Chinese with the technical detail.
    Unavailable(String),
}

/// One registry answer: the outcome, who gave it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// What it said.
    pub outcome: Outcome<T>,
    /// Who answered: the endpoint, or the snapshot file with its date.
    pub source: String,
    /// When, RFC 3339.
    pub observed_at: String,
}

impl<T> Answer<T> {
    /// An answer saying the registry could not be asked.
    pub fn unavailable(
        reason: impl Into<String>,
        source: impl Into<String>,
        observed_at: impl Into<String>,
    ) -> Self {
        Answer {
            outcome: Outcome::Unavailable(reason.into()),
            source: source.into(),
            observed_at: observed_at.into(),
        }
    }

    /// Evidence stamped with this answer's source and time.
    pub fn evidence(
        &self,
        label: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> beian_domain::Evidence {
        beian_domain::Evidence::new(label, value)
            .from_source(self.source.clone())
            .at(self.observed_at.clone())
    }
}

/// 登记状态 — a business's status in the business registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BusinessStatus {
    /// 存续: registered and alive.
    Existing,
    /// 在业: registered and operating.
    Operating,
    /// 迁出: moved to another registration authority; still alive.
    MovedOut,
    /// 注销: deregistered, no longer exists.
    Deregistered,
    /// 吊销未注销: licence revoked, not yet deregistered.
    RevokedNotDeregistered,
    /// 撤销: the registration was annulled.
    Cancelled,
    /// Any other wording, kept as given.
    Other(String),
}

impl BusinessStatus {
    /// Reads the registry's wording (Chinese, or the English code of the contract).
    pub fn parse(text: &str) -> BusinessStatus {
        let text = text.trim();
        match text {
            "存续" | "existing" => BusinessStatus::Existing,
            "在业" | "在营" | "开业" | "operating" => BusinessStatus::Operating,
            "迁出" | "moved_out" => BusinessStatus::MovedOut,
            "注销" | "已注销" | "deregistered" => BusinessStatus::Deregistered,
            "吊销" | "吊销未注销" | "吊销，未注销" | "revoked" => {
                BusinessStatus::RevokedNotDeregistered
            }
            "撤销" | "已撤销" | "cancelled" => BusinessStatus::Cancelled,
            other => BusinessStatus::Other(other.to_owned()),
        }
    }

    /// The registry's Chinese wording.
    pub fn label(&self) -> &str {
        match self {
            BusinessStatus::Existing => "存续",
            BusinessStatus::Operating => "在业",
            BusinessStatus::MovedOut => "迁出",
            BusinessStatus::Deregistered => "注销",
            BusinessStatus::RevokedNotDeregistered => "吊销未注销",
            BusinessStatus::Cancelled => "撤销",
            BusinessStatus::Other(text) => text,
        }
    }
}

/// 工商登记信息 — what the business registry holds on one business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessRecord {
    /// 企业名称: the current registered name.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 登记状态.
    pub status: BusinessStatus,
    /// 法定代表人 (or 负责人 / 执行事务合伙人).
    pub legal_representative: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 营业期限自.
    pub valid_from: Option<NaiveDate>,
    /// 营业期限至: a day or 长期.
    pub valid_until: Option<ValidUntil>,
    /// 曾用名, oldest first.
    pub former_names: Vec<String>,
    /// The numbers 三证合一 replaced: the 15-digit registration number and the
    /// organisation code.
    pub former_numbers: Vec<String>,
}

/// What to look a business up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BusinessQuery {
    /// 统一社会信用代码, normalised.
    CreditCode(String),
    /// The registered name, as filed.
    Name(String),
}

impl BusinessQuery {
    /// A stable key for caches.
    pub fn key(&self) -> String {
        match self {
            BusinessQuery::CreditCode(code) => format!("code:{code}"),
            BusinessQuery::Name(name) => format!("name:{name}"),
        }
    }
}

/// 身份核验结论 — what the identity registry says about a name and an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityVerdict {
    /// 一致: the number belongs to a person of that name.
    Match,
    /// 不一致: the number exists but the name differs.
    Mismatch,
    /// 查无此人: no such ID number.
    NotFound,
}

impl IdentityVerdict {
    /// The contract's code.
    pub fn code(self) -> &'static str {
        match self {
            IdentityVerdict::Match => "match",
            IdentityVerdict::Mismatch => "mismatch",
            IdentityVerdict::NotFound => "not_found",
        }
    }

    /// Reads the contract's code.
    pub fn parse(code: &str) -> Option<IdentityVerdict> {
        [
            IdentityVerdict::Match,
            IdentityVerdict::Mismatch,
            IdentityVerdict::NotFound,
        ]
        .into_iter()
        .find(|v| v.code() == code)
    }
}

/// 号码核验结论 — what the carrier says about a mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneVerdict {
    /// 正常: in service (and, when a name was given, that person's).
    Normal,
    /// 空号: not assigned to anyone.
    Vacant,
    /// 停机: assigned but suspended.
    Suspended,
    /// 非本人: in service, but not registered to the person named.
    NotHolder,
}

impl PhoneVerdict {
    /// The contract's code.
    pub fn code(self) -> &'static str {
        match self {
            PhoneVerdict::Normal => "normal",
            PhoneVerdict::Vacant => "vacant",
            PhoneVerdict::Suspended => "suspended",
            PhoneVerdict::NotHolder => "not_holder",
        }
    }

    /// Reads the contract's code.
    pub fn parse(code: &str) -> Option<PhoneVerdict> {
        [
            PhoneVerdict::Normal,
            PhoneVerdict::Vacant,
            PhoneVerdict::Suspended,
            PhoneVerdict::NotHolder,
        ]
        .into_iter()
        .find(|v| v.code() == code)
    }

    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            PhoneVerdict::Normal => "正常",
            PhoneVerdict::Vacant => "空号",
            PhoneVerdict::Suspended => "停机",
            PhoneVerdict::NotHolder => "非本人使用",
        }
    }
}

/// A number to verify, with the person it should belong to when that is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneQuery {
    /// The number, 11 digits.
    pub number: String,
    /// The holder's name, for the three-element check.
    pub name: Option<String>,
    /// The holder's resident ID number, for the three-element check.
    pub id_number: Option<String>,
}

impl PhoneQuery {
    /// A stable key for caches.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.number,
            self.name.as_deref().unwrap_or_default(),
            self.id_number.as_deref().unwrap_or_default()
        )
    }
}

/// 域名实名信息 — the registrar's verified holder of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealNameRecord {
    /// The domain.
    pub domain: String,
    /// 持有者名称: a person's name or an organisation's, as verified.
    pub holder_name: String,
    /// 持有者证件类型, the contract's code (`resident_id`, `credit_code`, …) or the
    /// registrar's own wording.
    pub holder_id_type: String,
    /// 持有者证件号码.
    pub holder_id_number: Option<String>,
    /// Whether the registrar completed the real-name verification (实名认证).
    pub verified: bool,
}

/// 核验对象 — whose details a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 主体负责人.
    EntityPrincipal,
    /// 网站负责人 of the website at this index.
    WebsitePrincipal(usize),
}

impl Role {
    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Role::EntityPrincipal => "主体负责人",
            Role::WebsitePrincipal(_) => "网站负责人",
        }
    }

    /// The target a finding about this person reports on.
    pub fn target(self, filing: &Filing) -> Target {
        match self {
            Role::EntityPrincipal => Target::Entity,
            Role::WebsitePrincipal(index) => filing
                .websites
                .get(index)
                .map_or(Target::Entity, |w| crate::check::website_target(index, w)),
        }
    }

    /// The person in the filing.
    pub fn person(self, filing: &Filing) -> Option<&Person> {
        match self {
            Role::EntityPrincipal => Some(&filing.entity.principal),
            Role::WebsitePrincipal(index) => filing.websites.get(index)?.principal.as_ref(),
        }
    }
}

/// Which number of a person is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneField {
    /// 手机号码: the person's own; the carrier is asked whether it is theirs.
    Mobile,
    /// 应急联系电话 (when it is a mobile): only whether it is in service.
    Emergency,
}

impl PhoneField {
    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            PhoneField::Mobile => "手机号码",
            PhoneField::Emergency => "应急联系电话",
        }
    }
}

/// 核验计划 — what to ask the registries about one filing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistryPlan {
    /// The business lookup (companies and other organisations, not persons).
    pub business: Option<BusinessQuery>,
    /// Identity checks: each principal with a valid resident ID.
    pub identities: Vec<(Role, String, String)>,
    /// Carrier checks: each principal's mobile and mobile emergency phone.
    pub phones: Vec<(Role, PhoneField, PhoneQuery)>,
    /// Real-name lookups: each website's registrable domains.
    pub domains: Vec<(usize, String)>,
}

/// Whether a person's document can be verified by the identity registry: a resident ID
/// whose number is well-formed (a malformed one is `entity.principal_id_invalid`'s).
pub fn verifiable_id(person: &Person) -> Option<String> {
    (person.id_type == IdType::ResidentId)
        .then(|| ResidentIdNumber::parse(&person.id_number).ok())
        .flatten()
        .map(|id| id.as_str().to_owned())
}

/// Decides what to ask the registries about `filing`. Pure: the engine asks exactly this
/// and the judges expect exactly this.
pub fn plan(filing: &Filing) -> RegistryPlan {
    let entity = &filing.entity;
    let business = match entity.kind {
        EntityKind::Personal => None,
        _ => Some(
            match (
                entity.certificate_type,
                CreditCode::parse(&entity.certificate_number),
            ) {
                (CertificateType::CreditCode, Ok(code)) => {
                    BusinessQuery::CreditCode(code.as_str().to_owned())
                }
                _ => BusinessQuery::Name(entity.name.trim().to_owned()),
            },
        ),
    };
    let mut people: Vec<(Role, &Person)> = vec![(Role::EntityPrincipal, &entity.principal)];
    for (index, website) in filing.websites.iter().enumerate() {
        if let Some(principal) = &website.principal {
            people.push((Role::WebsitePrincipal(index), principal));
        }
    }
    let mut identities = Vec::new();
    let mut phones = Vec::new();
    for (role, person) in people {
        let id = verifiable_id(person);
        if let Some(id) = &id {
            identities.push((role, person.name.trim().to_owned(), id.clone()));
        }
        if let Ok(mobile) = MobileNumber::parse(&person.mobile) {
            phones.push((
                role,
                PhoneField::Mobile,
                PhoneQuery {
                    number: mobile.as_str().to_owned(),
                    name: id.as_ref().map(|_| person.name.trim().to_owned()),
                    id_number: id,
                },
            ));
        }
        if let Some(Ok(emergency)) = person.emergency_phone.as_deref().map(MobileNumber::parse) {
            phones.push((
                role,
                PhoneField::Emergency,
                PhoneQuery {
                    number: emergency.as_str().to_owned(),
                    name: None,
                    id_number: None,
                },
            ));
        }
    }
    let mut domains = Vec::new();
    for (index, website) in filing.websites.iter().enumerate() {
        for domain in &website.domains {
            if let Ok(name) = DomainName::parse(domain) {
                let registrable = name.registrable().as_str().to_owned();
                if !domains.contains(&(index, registrable.clone())) {
                    domains.push((index, registrable));
                }
            }
        }
    }
    RegistryPlan {
        business,
        identities,
        phones,
        domains,
    }
}

/// One person's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonAnswer<T> {
    /// Whose.
    pub role: Role,
    /// The registry's answer.
    pub answer: Answer<T>,
}

/// One number's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneAnswer {
    /// Whose.
    pub role: Role,
    /// Which number.
    pub field: PhoneField,
    /// The number asked about.
    pub number: String,
    /// Whether the holder's name and ID were sent along.
    pub with_holder: bool,
    /// The carrier's answer.
    pub answer: Answer<PhoneVerdict>,
}

/// One domain's real-name answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainAnswer {
    /// The website it was filed for.
    pub website: usize,
    /// The registrable domain.
    pub domain: String,
    /// The registrar's answer.
    pub answer: Answer<RealNameRecord>,
}

/// 外部核验证据 — everything the configured registries said about one filing. A registry
/// that is not configured is absent from `configured`, and its checks report nothing (the
/// engine lists them as skipped).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistryEvidence {
    /// Which registries were asked.
    pub configured: Vec<RegistryKind>,
    /// The business registry's answer, when the entity is an organisation.
    pub business: Option<Answer<BusinessRecord>>,
    /// Identity answers, per principal with a verifiable ID.
    pub identities: Vec<PersonAnswer<IdentityVerdict>>,
    /// Carrier answers, per number.
    pub phones: Vec<PhoneAnswer>,
    /// Real-name answers, per website domain.
    pub real_names: Vec<DomainAnswer>,
}

impl RegistryEvidence {
    /// Whether `kind` was asked.
    pub fn has(&self, kind: RegistryKind) -> bool {
        self.configured.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(kind: &str, certificate: &str, id: &str, emergency: &str) -> Filing {
        let json = format!(
            r#"{{"entity": {{"kind": "{kind}", "name": "北京云帆数据科技有限公司",
                "certificate_type": "{}", "certificate_number": "{certificate}",
                "principal": {{"name": "李明", "id_type": "resident_id", "id_number": "{id}",
                  "id_valid_until": "长期", "mobile": "13911112222", "emergency_phone": "{emergency}"}}}},
              "websites": [{{"name": "云帆数据", "domains": ["www.yunfan-data.cn", "yunfan-data.cn", "bad domain"]}}]}}"#,
            if kind == "personal" {
                "resident_id"
            } else {
                "credit_code"
            }
        );
        Filing::from_json(&json).expect("filing")
    }

    #[test]
    fn the_plan_asks_only_what_can_be_answered() {
        let company = plan(&filing(
            "company",
            "91110108772551611J",
            "11010819850615003X",
            "13800138000",
        ));
        assert_eq!(
            company.business,
            Some(BusinessQuery::CreditCode("91110108772551611J".into()))
        );
        assert_eq!(company.identities.len(), 1);
        assert_eq!(company.phones.len(), 2, "mobile and mobile emergency phone");
        assert_eq!(company.phones[0].2.name.as_deref(), Some("李明"));
        assert_eq!(company.phones[1].2.name, None);
        assert_eq!(company.domains, [(0, "yunfan-data.cn".to_owned())]);

        // A bad credit code is looked up by name; a bad ID is not verified, and the phone
        // goes without the holder; a landline emergency phone is not a carrier's question.
        let broken = plan(&filing(
            "company",
            "91110108772551611X",
            "110108198506150030",
            "010-62345678",
        ));
        assert_eq!(
            broken.business,
            Some(BusinessQuery::Name("北京云帆数据科技有限公司".into()))
        );
        assert!(broken.identities.is_empty());
        assert_eq!(broken.phones.len(), 1);
        assert_eq!(broken.phones[0].2.id_number, None);

        let personal = plan(&filing(
            "personal",
            "11010819850615003X",
            "11010819850615003X",
            "13800138000",
        ));
        assert_eq!(personal.business, None);
    }

    #[test]
    fn statuses_read_the_registry_wording() {
        for (text, status) in [
            ("存续", BusinessStatus::Existing),
            ("在业", BusinessStatus::Operating),
            ("注销", BusinessStatus::Deregistered),
            ("吊销，未注销", BusinessStatus::RevokedNotDeregistered),
            ("吊销未注销", BusinessStatus::RevokedNotDeregistered),
            ("撤销", BusinessStatus::Cancelled),
            ("清算中", BusinessStatus::Other("清算中".into())),
        ] {
            assert_eq!(BusinessStatus::parse(text), status, "{text}");
        }
        assert_eq!(
            RegistryKind::parse("domain_real_name"),
            Some(RegistryKind::DomainRealName)
        );
        assert_eq!(PhoneVerdict::parse("vacant"), Some(PhoneVerdict::Vacant));
        assert_eq!(IdentityVerdict::parse("x"), None);
    }
}

/// A check judged on what the outside registries answered.
pub trait RegistryCheck: Sync {
    /// The catalogue id this check reports under.
    fn id(&self) -> beian_domain::CheckId;
    /// Judges the answers. Returns nothing when the registry it needs was not asked.
    fn run(&self, ctx: &RegistryContext<'_>) -> Vec<beian_domain::Finding>;
}

/// What a registry check sees.
#[derive(Debug, Clone, Copy)]
pub struct RegistryContext<'a> {
    /// The filing.
    pub filing: &'a Filing,
    /// The day of the check, in Beijing: validity dates are judged against it.
    pub today: NaiveDate,
    /// The registries' answers.
    pub evidence: &'a RegistryEvidence,
    /// WHOIS/RDAP answers for the filing's registrable domains (empty when that source is
    /// off): the weaker evidence of the domain-owner check without a registrar adapter.
    pub registrations: &'a [crate::live::RegistrationEvidence],
}

/// The finding for an answer that did not come: inconclusive, with the reason.
pub(crate) fn unavailable<T>(
    check: beian_domain::CheckId,
    target: Target,
    what: &str,
    answer: &Answer<T>,
    reason: &str,
) -> beian_domain::Finding {
    beian_domain::Finding::new(
        check,
        beian_domain::Status::Inconclusive,
        target,
        format!("{what}暂时无法核验：{reason}"),
    )
    .with(answer.evidence("核验接口不可用", reason.to_owned()))
}
