//! 沙箱 — a simulated internet on loopback for the demo, the tests and the benchmarks.
//!
//! [`World::generate`] makes filings (companies and persons with valid numbers), a
//! homepage for each site, DNS and WHOIS data, and injects the faults the checks detect at
//! known rates, recording for each filing the findings it must get (`truth.jsonl`).
//! [`Sandbox::start`] serves that world: an authoritative DNS server (hickory-server, UDP
//! and TCP), HTTP and HTTPS with virtual hosts on a handful of 127.0.x.y addresses (a CA of
//! its own, `ca.pem`), WHOIS and RDAP servers, and black holes (addresses where a connect
//! hangs). Everything listens on loopback only; the
//! sandbox never connects anywhere.

pub mod dns;
pub mod http;
pub mod ident;
pub mod names;
pub mod page;
pub mod rdap;
pub mod registry;
pub mod registry_http;
pub mod rng;
pub mod server;
pub mod tls;
pub mod whois;
pub mod world;

pub use server::{Sandbox, ServeConfig, StartError, ctrl_c};
pub use world::{
    Behavior, Expected, ExpectedTarget, FILING_FAULTS, Fault, GeneratedFiling, PROVIDER_RANGE,
    SITE_FAULTS, Site, World, WorldConfig, default_check_date,
};
