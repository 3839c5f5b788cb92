//! WHOIS — reading the text a WHOIS server (port 43) sends back.
//!
//! WHOIS has no schema: each registry prints `Key: value` lines in its own words, and
//! some print blocks (`Registrant:` followed by indented lines, a list of name servers
//! under a heading). The parser reads every line once, recognises keys by a table of the
//! spellings registries use (English and CNNIC's Chinese), takes the first value of each
//! field, and then decides the outcome:
//!
//! - a reply with registration fields is [`Outcome::Found`];
//! - otherwise the first line saying "not found" or "reserved" decides (registries state
//!   the verdict before their terms of use, whose legal wording may say "prohibited");
//! - otherwise the text is not a WHOIS reply we understand, and that is an error.
//!
//! First value wins because replies that chain a registry record and a registrar record
//! (old thin `.com`) list the registry's data first, and that is what the registry holds.
//! Verisign's thin replies for popular names start with host records of look-alike names
//! (`Server Name: GOOGLE.COM.…`); those blocks are skipped whole.

use chrono::FixedOffset;

use crate::error::ParseError;
use crate::model::{Outcome, Registration, Source};
use crate::status::push_statuses;
use crate::time::{china, parse_time, utc};

/// The longest key we accept: HKIRC's registrant label is a whole sentence.
const MAX_KEY_CHARS: usize = 200;
/// How many lines of a registrant block are kept.
const MAX_BLOCK_LINES: usize = 16;

/// Parses a WHOIS reply. `domain_hint` is the name that was asked about: it fills
/// [`Registration::domain`] when the reply does not name the domain (not-found and
/// reserved replies), and tells which registry's local time a zone-less time is in.
pub fn parse_whois(text: &str, domain_hint: Option<&str>) -> Result<Registration, ParseError> {
    let text = crate::strip_bom(text);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let mut reader = Reader::default();
    for line in text.split(['\n', '\r']) {
        reader.line(line);
    }
    reader.finish(domain_hint)
}

/// Which block the reader is in.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    #[default]
    None,
    /// After `Registrant:` or `Registrant Contact Information:`.
    Registrant,
    /// After `Name Servers Information:` or `Domain servers in listed order:`.
    NameServers,
    /// Any other heading (administrative contact, technical contact …).
    Other,
}

/// A time as the reply wrote it, with the key it was under.
#[derive(Debug, Clone)]
struct RawTime {
    key: String,
    value: String,
}

/// What the "no record" lines said.
#[derive(Debug, Clone)]
enum Verdict {
    NotFound { domain: Option<String> },
    Reserved,
    Refused(String),
}

#[derive(Debug, Default)]
struct Reader {
    section: Section,
    /// Inside a look-alike host record of a thin registry, until the next blank line.
    skipping: bool,
    domain: Option<String>,
    registrar: Option<String>,
    registrar_iana_id: Option<String>,
    /// `Registrant Organization` and the like.
    registrant_org: Option<String>,
    /// CNNIC's `Registrant: <name>`.
    registrant_direct: Option<String>,
    /// `Registrant Name`.
    registrant_name: Option<String>,
    /// HKIRC's English and Chinese company names, and a name inside a registrant block.
    block_english: Option<String>,
    block_chinese: Option<String>,
    block_name: Option<String>,
    block_email: Option<String>,
    /// Bare lines of a registrant block (TWNIC, old registrar replies).
    block_lines: Vec<String>,
    registrant_id: Option<String>,
    registrant_email: Option<String>,
    created: Option<RawTime>,
    expires: Option<RawTime>,
    updated: Option<RawTime>,
    statuses: Vec<String>,
    name_servers: Vec<String>,
    referral: Option<String>,
    /// Keys that only China-time registries print (CNNIC's ROID suffix, HKIRC's labels).
    china_markers: bool,
    verdict: Option<Verdict>,
}

/// Where a key's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Domain,
    Registrar,
    RegistrarIanaId,
    Referral,
    RegistrantOrg,
    RegistrantDirect,
    RegistrantName,
    RegistrantId,
    RegistrantEmail,
    Created,
    Expires,
    Updated,
    Status,
    NameServer,
    Roid,
    /// A look-alike host record of a thin registry: skip its block.
    HostRecord,
}

/// The key table: normalised key (lower case, single spaces, no trailing dots) → field.
fn field_of(key: &str) -> Option<Field> {
    use Field::*;
    let field = match key {
        "domain name" | "domain" | "domain_name" | "域名" | "域名名称" => Domain,
        "registrar"
        | "sponsoring registrar"
        | "registrar name"
        | "registration service provider"
        | "registrar organization"
        | "registrar organisation"
        | "注册商"
        | "注册服务机构"
        | "注册服务商"
        | "域名注册商" => Registrar,
        "registrar iana id" | "sponsoring registrar iana id" => RegistrarIanaId,
        "registrar whois server" | "whois server" | "whois" | "refer" | "registrar whois" => {
            Referral
        }
        "registrant organization"
        | "registrant organisation"
        | "registrant company"
        | "registrant contact organisation"
        | "registrant contact organization" => RegistrantOrg,
        "registrant" | "holder" | "注册者" | "所有者" | "注册人" | "持有人" | "域名持有人" => {
            RegistrantDirect
        }
        "registrant name" | "registrant contact name" | "注册人姓名" => RegistrantName,
        "registrant id" | "registry registrant id" | "注册人id" | "所有者id" => RegistrantId,
        "registrant contact email"
        | "registrant email"
        | "registrant e-mail"
        | "所有者联系邮箱"
        | "注册人联系邮箱"
        | "注册人邮箱" => RegistrantEmail,
        "registration time"
        | "registration date"
        | "creation date"
        | "creation time"
        | "created"
        | "created on"
        | "created date"
        | "domain name commencement date"
        | "record created on"
        | "domain registration date"
        | "registered"
        | "registered on"
        | "registered date"
        | "注册时间"
        | "注册日期"
        | "创建时间"
        | "创建日期" => Created,
        "expiration time"
        | "expiration date"
        | "registry expiry date"
        | "registrar registration expiration date"
        | "expiry date"
        | "expiry"
        | "expires"
        | "expires on"
        | "record expires on"
        | "expire date"
        | "paid-till"
        | "过期时间"
        | "到期时间"
        | "过期日期"
        | "到期日期" => Expires,
        "updated date"
        | "updated"
        | "last updated"
        | "last updated on"
        | "last updated date"
        | "record last updated on"
        | "last modified"
        | "changed"
        | "modified"
        | "更新时间"
        | "更新日期" => Updated,
        "domain status" | "status" | "域名状态" => Status,
        "name server" | "name servers" | "nameserver" | "nameservers" | "nserver" | "dns"
        | "域名服务器" | "dns服务器" => NameServer,
        "roid" => Roid,
        "server name" => HostRecord,
        _ => return None,
    };
    Some(field)
}

/// Lines that carry their key without a colon (TWNIC): `Record expires on 2026-11-09 …`.
const COLONLESS_KEYS: [&str; 3] = [
    "record expires on ",
    "record created on ",
    "record last updated on ",
];

/// Wording of "no such domain" replies, lower case.
const NOT_FOUND: [&str; 20] = [
    "no matching record",
    "no match for",
    "no match",
    "not found",
    "no entries found",
    "no data found",
    "no object found",
    "no found",
    "object does not exist",
    "domain does not exist",
    "does not exist in database",
    "no such domain",
    "not been registered",
    "is available for registration",
    "status: free",
    "status: available",
    "未找到",
    "没有找到",
    "没有匹配",
    "无匹配记录",
];

/// Wording of "reserved or may not be registered" replies, lower case.
const RESERVED: [&str; 12] = [
    "reserved list",
    "is reserved",
    "are reserved",
    "been reserved",
    "reserved by the registry",
    "reserved domain",
    "is prohibited",
    "prohibited from registration",
    "not available for registration",
    "保留域名",
    "被保留",
    "禁止注册",
];

/// Wording of refusals (rate limits, blocked clients), lower case.
const REFUSED: [&str; 8] = [
    "queried interval is too short",
    "query rate limit",
    "limit exceeded",
    "too many queries",
    "too many requests",
    "access denied",
    "查询过于频繁",
    "查询次数超",
];

impl Reader {
    fn line(&mut self, raw: &str) {
        let line = raw.trim();
        if line.is_empty() {
            self.skipping = false;
            if self.section == Section::Registrant && !self.block_lines.is_empty() {
                self.section = Section::None;
            }
            return;
        }
        if self.skipping {
            return;
        }
        self.note_verdict(line);
        // Banners of whois command-line tools (`[whois.cnnic.cn]`), comments and the
        // `>>> Last update of WHOIS database <<<` line carry no fields.
        if (line.starts_with('[') && line.ends_with(']'))
            || line.starts_with('%')
            || line.starts_with('#')
            || line.starts_with(">>>")
        {
            return;
        }
        match split_pair(line) {
            // `dns-admin@google.com +1.650… Fax: +1.650…` inside a block is not a field.
            Some((key, value)) if !key.contains('@') => self.pair(&key, value),
            _ => self.bare(line),
        }
    }

    /// Remembers the first line that states a verdict.
    fn note_verdict(&mut self, line: &str) {
        if self.verdict.is_some() {
            return;
        }
        let lower = line.to_lowercase();
        if NOT_FOUND.iter().any(|p| lower.contains(p)) {
            self.verdict = Some(Verdict::NotFound {
                domain: quoted_domain(line),
            });
        } else if RESERVED.iter().any(|p| lower.contains(p)) {
            self.verdict = Some(Verdict::Reserved);
        } else if REFUSED.iter().any(|p| lower.contains(p)) {
            self.verdict = Some(Verdict::Refused(truncate(line, 200)));
        }
    }

    fn pair(&mut self, key: &str, value: &str) {
        let shown_key = key.trim();
        let key = normalise_key(key);
        let value = value.trim();
        if key.contains("hkirc") || value.contains("HKIRC") || value.contains("TWNIC") {
            self.china_markers = true;
        }
        if value.is_empty() {
            self.heading(&key);
            return;
        }
        if self.section == Section::Registrant && self.block_field(&key, value) {
            return;
        }
        let Some(field) = field_of(&key) else {
            return;
        };
        let value = value.to_owned();
        match field {
            Field::Domain => {
                if self.domain.is_none() {
                    self.domain = value
                        .split_whitespace()
                        .next()
                        .and_then(crate::normalise_domain);
                }
            }
            Field::Registrar => set_first(&mut self.registrar, value),
            Field::RegistrarIanaId => set_first(&mut self.registrar_iana_id, value),
            Field::Referral => {
                if self.referral.is_none() {
                    self.referral = referral_host(&value);
                }
            }
            Field::RegistrantOrg => set_first(&mut self.registrant_org, value),
            Field::RegistrantDirect => set_first(&mut self.registrant_direct, value),
            Field::RegistrantName => set_first(&mut self.registrant_name, value),
            Field::RegistrantId => set_first(&mut self.registrant_id, value),
            Field::RegistrantEmail => set_first(&mut self.registrant_email, value),
            Field::Created => set_time(&mut self.created, shown_key, value),
            Field::Expires => set_time(&mut self.expires, shown_key, value),
            Field::Updated => set_time(&mut self.updated, shown_key, value),
            Field::Status => push_statuses(&value, &mut self.statuses),
            Field::NameServer => self.name_server(&value),
            Field::Roid => {
                if value.to_ascii_lowercase().ends_with("-cn") {
                    self.china_markers = true;
                }
            }
            Field::HostRecord => self.skipping = true,
        }
    }

    /// A key with no value: a heading that opens a block, or an empty field.
    fn heading(&mut self, key: &str) {
        if is_registrant_heading(key) {
            self.section = Section::Registrant;
        } else if is_name_server_heading(key) {
            self.section = Section::NameServers;
        } else if self.section == Section::Registrant && is_block_key(key) {
            // An empty field inside the registrant block (`Company Chinese name:`).
        } else {
            self.section = Section::Other;
        }
    }

    /// Fields that mean the registrant only inside its block (HKIRC). True when used.
    fn block_field(&mut self, key: &str, value: &str) -> bool {
        let value = value.to_owned();
        if key.starts_with("company english name") {
            set_first(&mut self.block_english, value);
        } else if key.starts_with("company chinese name") {
            set_first(&mut self.block_chinese, value);
        } else if matches!(
            key,
            "company name" | "organization" | "organisation" | "name" | "contact name"
        ) {
            set_first(&mut self.block_name, value);
        } else if matches!(key, "email" | "e-mail") {
            set_first(&mut self.block_email, value);
        } else {
            return false;
        }
        true
    }

    /// A line without a key: part of the block we are in, if any.
    fn bare(&mut self, line: &str) {
        match self.section {
            Section::Registrant => {
                if self.block_lines.len() < MAX_BLOCK_LINES {
                    self.block_lines.push(line.to_owned());
                }
            }
            Section::NameServers => {
                let mut words = line.split_whitespace();
                let host = words.next().unwrap_or_default();
                if words.count() <= 1 && is_host(host) {
                    self.name_server(host);
                } else {
                    self.section = Section::None;
                }
            }
            Section::None | Section::Other => {}
        }
    }

    fn name_server(&mut self, value: &str) {
        let Some(host) = value.split_whitespace().next() else {
            return;
        };
        if let Some(host) = crate::normalise_domain(host)
            && !self.name_servers.contains(&host)
        {
            self.name_servers.push(host);
        }
    }

    fn finish(self, domain_hint: Option<&str>) -> Result<Registration, ParseError> {
        let hint = domain_hint.and_then(crate::normalise_domain);
        let has_record = self.registrar.is_some()
            || self.created.is_some()
            || self.expires.is_some()
            || self.registrant_org.is_some()
            || self.registrant_direct.is_some()
            || self.registrant_name.is_some()
            || self.block_english.is_some()
            || !self.name_servers.is_empty()
            || (self.domain.is_some() && !self.statuses.is_empty());
        if !has_record {
            let mut registration = match self.verdict {
                Some(Verdict::NotFound { domain }) => {
                    let mut r = Registration::empty(Outcome::NotFound, Source::Whois);
                    r.domain = domain;
                    r
                }
                Some(Verdict::Reserved) => Registration::empty(Outcome::Reserved, Source::Whois),
                Some(Verdict::Refused(line)) => return Err(ParseError::Refused(line)),
                None => return Err(ParseError::NotWhois),
            };
            registration.domain = self.domain.or(registration.domain).or(hint);
            return Ok(registration);
        }

        let domain = self.domain.clone().or(hint);
        let zoneless = registry_offset(domain.as_deref(), self.china_markers);
        let registrant = self.registrant();
        let registrant_email = self
            .registrant_email
            .or(self.block_email)
            .or_else(|| block_email(&self.block_lines));
        let mut registration = Registration::empty(Outcome::Found, Source::Whois);
        registration.domain = domain;
        registration.registrar = self.registrar;
        registration.registrar_iana_id = self.registrar_iana_id;
        registration.registrant = registrant;
        registration.registrant_id = self.registrant_id;
        registration.registrant_email = registrant_email;
        registration.created = read_time(self.created, zoneless)?;
        registration.expires = read_time(self.expires, zoneless)?;
        registration.updated = read_time(self.updated, zoneless)?;
        registration.statuses = self.statuses;
        registration.name_servers = self.name_servers;
        registration.referral = self.referral;
        Ok(registration)
    }

    /// The holder: an organisation before a person, explicit keys before block lines.
    fn registrant(&self) -> Option<String> {
        let hkirc = self
            .block_english
            .as_ref()
            .map(|english| match &self.block_chinese {
                Some(chinese) => format!("{english} ({chinese})"),
                None => english.clone(),
            });
        self.registrant_org
            .clone()
            .or_else(|| self.registrant_direct.clone())
            .or_else(|| self.registrant_name.clone())
            .or(hkirc)
            .or_else(|| self.block_name.clone())
            .or_else(|| block_holder(&self.block_lines))
    }
}

/// `Key: value` (ASCII or full-width colon). A URL (`http://…`) is not a pair, and
/// neither is a "key" that is a whole sentence.
fn split_pair(line: &str) -> Option<(String, &str)> {
    let lower = line.to_lowercase();
    if let Some(prefix) = COLONLESS_KEYS.iter().find(|k| lower.starts_with(*k)) {
        let value = line.get(prefix.len()..)?;
        if !value.trim_start().starts_with(':') {
            return Some((prefix.trim().to_owned(), value));
        }
    }
    let (index, colon) = line.char_indices().find(|(_, c)| *c == ':' || *c == '：')?;
    let key = line.get(..index)?;
    let value = line.get(index + colon.len_utf8()..)?;
    if value.starts_with("//") || key.trim().is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return None;
    }
    Some((key.to_owned(), value))
}

/// Lower case, single spaces, without the dots some registrars pad keys with
/// (`Created on..............:`).
fn normalise_key(key: &str) -> String {
    key.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .trim()
        .to_lowercase()
}

fn is_registrant_heading(key: &str) -> bool {
    matches!(
        key,
        "registrant"
            | "registrant contact information"
            | "registrant contact"
            | "registrant information"
            | "registrant details"
            | "holder"
            | "owner"
            | "注册人"
            | "持有人"
            | "域名持有人"
            | "所有者"
    )
}

fn is_name_server_heading(key: &str) -> bool {
    key.contains("name server")
        || key.contains("nameserver")
        || key.contains("domain servers")
        || key.contains("dns servers")
        || key == "nserver"
        || key == "域名服务器"
}

/// Keys that may appear empty inside a registrant block without ending it.
fn is_block_key(key: &str) -> bool {
    key.starts_with("company")
        || matches!(
            key,
            "name"
                | "organization"
                | "organisation"
                | "email"
                | "e-mail"
                | "address"
                | "country"
                | "phone"
                | "fax"
        )
}

/// A host name: has a dot, letters, digits and hyphens only.
fn is_host(text: &str) -> bool {
    let text = text.trim_end_matches('.');
    !text.is_empty()
        && text.contains('.')
        && !text.starts_with(['.', '-'])
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// `whois.markmonitor.com`, also from `whois://…` or `http://…/`.
fn referral_host(value: &str) -> Option<String> {
    let value = value.trim();
    let host = value
        .split_once("://")
        .map_or(value, |(_, rest)| rest)
        .split(['/', ' '])
        .next()
        .unwrap_or_default();
    crate::normalise_domain(host).filter(|h| h.contains('.'))
}

/// The domain in `No match for "U34JEDZCQ.COM".`
fn quoted_domain(line: &str) -> Option<String> {
    let (_, rest) = line.split_once('"')?;
    let (inside, _) = rest.split_once('"')?;
    crate::normalise_domain(inside).filter(|d| d.contains('.'))
}

/// The holder in a block of bare lines: the lines before the first email address are the
/// holder's name lines (TWNIC: the organisation; old registrar replies: a person, then the
/// organisation). An organisation is preferred, else the first line.
fn block_holder(lines: &[String]) -> Option<String> {
    let names: Vec<&String> = lines
        .iter()
        .take_while(|l| !l.contains('@'))
        .filter(|l| !l.to_lowercase().contains("redacted"))
        .collect();
    names
        .iter()
        .find(|l| looks_like_organisation(l))
        .or_else(|| names.first())
        .map(|l| l.to_string())
}

/// The holder's email address in a block: one that starts a line (the contact line),
/// else the first one (old replies also write "Please contact … @ …" lines).
fn block_email(lines: &[String]) -> Option<String> {
    let is_email = |w: &&str| w.contains('@') && w.contains('.');
    lines
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .find(is_email)
        .or_else(|| {
            lines
                .iter()
                .flat_map(|l| l.split_whitespace())
                .find(is_email)
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|w| !w.is_empty())
}

fn looks_like_organisation(line: &str) -> bool {
    const WORDS: [&str; 17] = [
        "inc",
        "llc",
        "ltd",
        "limited",
        "co",
        "corp",
        "corporation",
        "company",
        "gmbh",
        "plc",
        "pty",
        "sa",
        "ag",
        "bv",
        "srl",
        "llp",
        "foundation",
    ];
    const CJK: [&str; 5] = ["公司", "集团", "有限", "中心", "协会"];
    let lower = line.to_lowercase();
    CJK.iter().any(|w| lower.contains(w))
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| WORDS.contains(&w))
}

/// The offset a zone-less time is in: China time for the registries of China, Hong Kong,
/// Macao and Taiwan (all UTC+8), UTC elsewhere (ICANN's registries state UTC).
fn registry_offset(domain: Option<&str>, china_markers: bool) -> FixedOffset {
    const CHINA_TIME_TLDS: [&str; 10] = [
        "cn",
        "hk",
        "mo",
        "tw",
        "xn--fiqs8s",  // .中国
        "xn--fiqz9s",  // .中國
        "xn--j6w193g", // .香港
        "xn--mix891f", // .澳門
        "xn--kprw13d", // .台湾
        "xn--kpry57d", // .台灣
    ];
    let tld = domain.and_then(|d| d.rsplit('.').next());
    if china_markers || tld.is_some_and(|t| CHINA_TIME_TLDS.contains(&t)) {
        china()
    } else {
        utc()
    }
}

fn set_first(slot: &mut Option<String>, value: String) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value);
    }
}

fn set_time(slot: &mut Option<RawTime>, key: &str, value: String) {
    if slot.is_none() {
        *slot = Some(RawTime {
            key: key.to_owned(),
            value,
        });
    }
}

fn read_time(
    raw: Option<RawTime>,
    zoneless: FixedOffset,
) -> Result<Option<chrono::DateTime<FixedOffset>>, ParseError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    match parse_time(&raw.value, zoneless) {
        Some(time) => Ok(Some(time)),
        None => Err(ParseError::BadDate {
            field: raw.key,
            value: raw.value,
        }),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Registration {
        parse_whois(text, None).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn outcomes() {
        let cases: &[(&str, Outcome)] = &[
            ("no matching record.", Outcome::NotFound),
            ("No matching record.\r\n", Outcome::NotFound),
            (
                "No match for \"EXAMPLE.COM\".\n>>> Last update <<<",
                Outcome::NotFound,
            ),
            ("NOT FOUND\n", Outcome::NotFound),
            ("Domain not found.", Outcome::NotFound),
            (
                "%% No entries found for the selected source(s).",
                Outcome::NotFound,
            ),
            (
                "The queried object does not exist: DOMAIN NOT FOUND",
                Outcome::NotFound,
            ),
            (
                "Sorry, The domain you requested is in the reserved list.",
                Outcome::Reserved,
            ),
            ("The domain you requested is prohibited.", Outcome::Reserved),
            (
                "the domain you want to register is reserved.",
                Outcome::Reserved,
            ),
            ("该域名为保留域名", Outcome::Reserved),
            ("Domain Name: a.cn\nDomain Status: ok\n", Outcome::Found),
            (
                "Domain Name: a.cn\nRegistration Time: 2020-01-01 00:00:00",
                Outcome::Found,
            ),
        ];
        for (text, outcome) in cases {
            assert_eq!(parse(text).outcome, *outcome, "{text:?}");
        }
    }

    #[test]
    fn the_verdict_line_comes_before_legal_wording() {
        let text = "No match for \"X.COM\".\nuse of this Data is expressly prohibited.\n";
        let r = parse(text);
        assert_eq!(r.outcome, Outcome::NotFound);
        assert_eq!(r.domain.as_deref(), Some("x.com"));
    }

    #[test]
    fn errors() {
        let cases: &[(&str, ParseError)] = &[
            ("", ParseError::Empty),
            (" \r\n\t\n", ParseError::Empty),
            ("\u{feff}", ParseError::Empty),
            ("hello world\nthis is not whois", ParseError::NotWhois),
            (
                "<html><body>502 Bad Gateway</body></html>",
                ParseError::NotWhois,
            ),
            (
                "Queried interval is too short.",
                ParseError::Refused("Queried interval is too short.".into()),
            ),
            (
                "Domain Name: a.cn\nExpiration Time: soon",
                ParseError::BadDate {
                    field: "Expiration Time".into(),
                    value: "soon".into(),
                },
            ),
        ];
        for (text, error) in cases {
            assert_eq!(parse_whois(text, None).as_ref(), Err(error), "{text:?}");
        }
        let message = ParseError::BadDate {
            field: "Expiration Time".into(),
            value: "soon".into(),
        }
        .to_string();
        assert!(message.contains("Expiration Time") && message.contains("soon"));
    }

    #[test]
    fn zoneless_times_are_in_the_registry_zone() {
        let cn = parse("Domain Name: a.cn\nExpiration Time: 2021-03-13 21:45:16");
        assert_eq!(
            cn.expires.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-13T21:45:16+08:00")
        );
        let com = parse("Domain Name: a.com\nExpiration Date: 2021-03-13 21:45:16");
        assert_eq!(
            com.expires.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-13T21:45:16+00:00")
        );
        // No domain in the reply: the hint tells the registry.
        let hinted =
            parse_whois("Expiration Time: 2021-03-13 21:45:16", Some("A.CN")).expect("parses");
        assert_eq!(hinted.domain.as_deref(), Some("a.cn"));
        assert_eq!(
            hinted.expires.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-13T21:45:16+08:00")
        );
    }

    #[test]
    fn chinese_keys_and_full_width_colons() {
        let r = parse(
            "域名：例子.中国\n域名状态：注册商设置禁止删除（clientDeleteProhibited）\n所有者：某某科技有限公司\n注册商：某某网络（北京）有限公司\n域名服务器：ns1.example.cn\n注册时间：2018年03月13日 21:45:16\n到期时间：2028年03月13日 21:45:16\n",
        );
        assert_eq!(r.domain.as_deref(), Some("xn--fsqu00a.xn--fiqs8s"));
        assert_eq!(r.registrar.as_deref(), Some("某某网络（北京）有限公司"));
        assert_eq!(r.registrant.as_deref(), Some("某某科技有限公司"));
        assert_eq!(r.statuses, ["clientDeleteProhibited"]);
        assert_eq!(r.name_servers, ["ns1.example.cn"]);
        assert_eq!(
            r.expires.map(|t| t.to_rfc3339()).as_deref(),
            Some("2028-03-13T21:45:16+08:00")
        );
    }

    #[test]
    fn first_value_wins_and_referral_is_a_host() {
        let r = parse(
            "Domain Name: A.COM\nRegistrar WHOIS Server: whois://whois.example.net/\nRegistrar: First\nRegistrar: Second\nName Server: NS1.A.COM.\nName Server: ns1.a.com\n",
        );
        assert_eq!(r.registrar.as_deref(), Some("First"));
        assert_eq!(r.referral.as_deref(), Some("whois.example.net"));
        assert_eq!(r.name_servers, ["ns1.a.com"]);
        assert_eq!(r.domain.as_deref(), Some("a.com"));
    }
}
