//! 外部核验接口 — the adapters for the outside registries a provider contracts for.
//!
//! Four narrow traits, one per registry: [`BusinessRegistry`] (工商登记), [`IdentityVerifier`]
//! (身份核验), [`PhoneVerifier`] (运营商号码核验) and [`RealNameRegistrar`] (注册商实名信息).
//! Each has an HTTP JSON client ([`adapters`]) built on one core ([`http`]) with timeouts,
//! retries with backoff and jitter, a circuit breaker, a cache and a rate limit; the
//! business registry also has an offline [`snapshot`] read from a vendor's CSV or JSON
//! Lines export. [`config`] reads the TOML file that names them.
//!
//! Every method answers; none fails. An outage is an answer too, "unavailable" with its
//! reason, which the checks turn into an inconclusive finding rather than a false failure.
//! [`gather`] asks every configured registry what [`plan`] says about one filing.
//!
//! This crate, like `beian-probe`, opens network connections, but only to the endpoints a
//! provider configured: they are trusted, so the SSRF guard of the probes does not apply.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use beian_checks::registry_evidence::{
    Answer, BusinessQuery, BusinessRecord, DomainAnswer, IdentityVerdict, PersonAnswer,
    PhoneAnswer, PhoneQuery, PhoneVerdict, RealNameRecord, RegistryEvidence, RegistryKind, plan,
};
use beian_domain::Filing;

pub mod adapters;
pub mod config;
pub mod http;
pub mod resilience;
pub mod snapshot;

pub use adapters::{
    HttpBusinessRegistry, HttpIdentityVerifier, HttpPhoneVerifier, HttpRealNameRegistrar,
};
pub use config::{ConfigError, RegistryConfig};
pub use http::{ApiKey, EndpointConfig, SetupError};
pub use snapshot::{SnapshotError, SnapshotRegistry};

/// A boxed future, so the traits can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// 工商登记查询 — the business registry.
pub trait BusinessRegistry: Send + Sync + std::fmt::Debug {
    /// The record of the business `query` names.
    fn lookup<'a>(&'a self, query: &'a BusinessQuery) -> BoxFuture<'a, Answer<BusinessRecord>>;
}

/// 身份核验 — name and resident ID number against the issuing authority.
pub trait IdentityVerifier: Send + Sync + std::fmt::Debug {
    /// Whether `id_number` belongs to a person called `name`.
    fn verify<'a>(
        &'a self,
        name: &'a str,
        id_number: &'a str,
    ) -> BoxFuture<'a, Answer<IdentityVerdict>>;
}

/// 号码核验 — the carrier's view of a mobile number.
pub trait PhoneVerifier: Send + Sync + std::fmt::Debug {
    /// Whether the number is in service (and the named person's, when given).
    fn verify<'a>(&'a self, query: &'a PhoneQuery) -> BoxFuture<'a, Answer<PhoneVerdict>>;
}

/// 注册商实名信息 — the registrar's verified holder of a domain.
pub trait RealNameRegistrar: Send + Sync + std::fmt::Debug {
    /// The holder of `domain` (a registrable domain).
    fn holder<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Answer<RealNameRecord>>;
}

/// 已配置的核验接口 — the registries a provider configured; any may be absent.
#[derive(Debug, Clone, Default)]
pub struct Registries {
    /// 工商登记.
    pub business: Option<Arc<dyn BusinessRegistry>>,
    /// 身份核验.
    pub identity: Option<Arc<dyn IdentityVerifier>>,
    /// 号码核验.
    pub phone: Option<Arc<dyn PhoneVerifier>>,
    /// 注册商实名信息.
    pub real_name: Option<Arc<dyn RealNameRegistrar>>,
}

impl Registries {
    /// Which registries are configured, in [`RegistryKind::ALL`] order.
    pub fn configured(&self) -> Vec<RegistryKind> {
        let mut kinds = Vec::new();
        if self.business.is_some() {
            kinds.push(RegistryKind::BusinessRegistry);
        }
        if self.identity.is_some() {
            kinds.push(RegistryKind::Identity);
        }
        if self.phone.is_some() {
            kinds.push(RegistryKind::Phone);
        }
        if self.real_name.is_some() {
            kinds.push(RegistryKind::DomainRealName);
        }
        kinds
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.configured().is_empty()
    }
}

/// Asks every configured registry what [`plan`] lists for `filing`. The questions to one
/// registry go one after another (its client limits the rate anyway); the registries are
/// asked at the same time.
pub async fn gather(registries: &Registries, filing: &Filing) -> RegistryEvidence {
    if registries.is_empty() {
        // Nothing to ask: no plan (a sweep without registries would make one per filing).
        return RegistryEvidence::default();
    }
    let plan = plan(filing);
    let business = async {
        match (&registries.business, &plan.business) {
            (Some(registry), Some(query)) => Some(registry.lookup(query).await),
            _ => None,
        }
    };
    let identities = async {
        let mut answers = Vec::new();
        if let Some(verifier) = &registries.identity {
            for (role, name, id) in &plan.identities {
                answers.push(PersonAnswer {
                    role: *role,
                    answer: verifier.verify(name, id).await,
                });
            }
        }
        answers
    };
    let phones = async {
        let mut answers = Vec::new();
        if let Some(verifier) = &registries.phone {
            for (role, field, query) in &plan.phones {
                answers.push(PhoneAnswer {
                    role: *role,
                    field: *field,
                    number: query.number.clone(),
                    with_holder: query.name.is_some(),
                    answer: verifier.verify(query).await,
                });
            }
        }
        answers
    };
    let real_names = async {
        let mut answers = Vec::new();
        if let Some(registrar) = &registries.real_name {
            for (website, domain) in &plan.domains {
                answers.push(DomainAnswer {
                    website: *website,
                    domain: domain.clone(),
                    answer: registrar.holder(domain).await,
                });
            }
        }
        answers
    };
    let (business, identities, phones, real_names) =
        tokio::join!(business, identities, phones, real_names);
    RegistryEvidence {
        configured: registries.configured(),
        business,
        identities,
        phones,
        real_names,
    }
}
