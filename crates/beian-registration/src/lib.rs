//! 域名注册信息 — what a registry or registrar says about a domain, read from its WHOIS or
//! RDAP reply.
//!
//! The website checks need to know when a domain expires, whether it is on hold, and who
//! holds it (the registrant is evidence for the domain-owner check). Registries answer in
//! many dialects: CNNIC's terse key/value lists in China time, Verisign's thin and thick
//! records, HKIRC's and TWNIC's layouts, registrar replies with ICANN's keys, and RDAP's
//! JSON. This crate reads them all into one [`Registration`].
//!
//! Parsing only: no network, no files, no clock. The clients that fetch replies live in
//! another crate and hand the text in; the time to compare an expiry with comes in as a
//! value. Nothing here panics on any input: the parsers are property-tested and fuzzed.
//!
//! Reading order: [`model`] (the result), [`error`] (why a reply is refused),
//! [`whois`] and [`rdap`] (the two parsers), [`time`] and [`status`] (the small readers
//! both share).

pub mod error;
pub mod model;
pub mod rdap;
pub mod status;
pub mod time;
pub mod whois;

pub use error::ParseError;
pub use model::{Outcome, Registration, Source};
pub use rdap::parse_rdap;
pub use whois::parse_whois;

/// Removes a leading byte-order mark: saved replies often start with one (Windows tools
/// add it), and it would otherwise glue itself to the first key.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Normalises a domain name as a reply or a hint gives it: trimmed, without the root dot,
/// lower-case; a Unicode name is turned into its ASCII (punycode) form so that the two
/// spellings compare equal. `None` when it is not a plausible name.
pub(crate) fn normalise_domain(raw: &str) -> Option<String> {
    let name = raw.trim().trim_end_matches('.');
    if name.is_empty() || name.len() > 253 || name.chars().any(char::is_whitespace) {
        return None;
    }
    if name.is_ascii() {
        let lower = name.to_ascii_lowercase();
        let plausible = lower
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
        return plausible.then_some(lower);
    }
    idna::domain_to_ascii(name).ok().filter(|n| !n.is_empty())
}
