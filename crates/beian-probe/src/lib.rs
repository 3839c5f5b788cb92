//! 在线核查探针 — the IO edge of live checks: the SSRF guard, DNS resolution, the
//! homepage fetch and the registration lookup (WHOIS and RDAP). This is the only crate of the workspace that touches the network; the
//! judges in `beian-checks` get what it gathered as plain values.
//!
//! Reading order: [`guard`] (what may be connected to), [`dns`] (what a name resolves
//! to, every ending an outcome), [`http`] (fetching a homepage through both), then
//! [`whois`] and [`rdap`] (the two registration protocols, under the same guard) and
//! [`registration`] (which of them to ask, with the rate limit and the cache).
//!
//! Nothing here returns `Err` for an unreachable site: a failed lookup or fetch is an
//! outcome value ([`dns::HostLookup`], [`http::FetchOutcome`]), because an unreachable site
//! is evidence for a finding, not a fault of the program. `Err` is kept for setting up
//! (a bad resolver configuration, an unreadable root certificate).

pub mod dns;
pub mod guard;
pub mod http;
pub mod rdap;
pub mod registration;
pub mod whois;

pub use dns::{DnsConfig, DnsResolver, HostLookup, SiteResolution};
pub use guard::{AddressPolicy, Blocked, BlockedRange, UrlRefused};
pub use http::{FailureStage, FetchConfig, FetchFailure, FetchOutcome, Fetched, Fetcher, Redirect};
pub use rdap::{
    Bootstrap, BootstrapError, RdapClient, RdapConfig, RefreshError, refresh_bootstrap,
};
pub use registration::{RegistrationClient, RegistrationConfig, RegistrationLookup};
pub use whois::{ServerAddr, WhoisClient, WhoisConfig, WhoisFailure, WhoisReply};
