//! 沙箱世界 — the generated filings, their sites, and the findings each should get.
//!
//! Generation is a pure function of [`WorldConfig`]: the same seed gives the same bytes.
//! Every filing is clean except for the faults injected on purpose, each at a known rate
//! ([`SITE_FAULTS`], [`FILING_FAULTS`]), and every fault is recorded with the findings
//! the checks must report for it ([`Expected`]). A site carries at most one site fault and
//! a filing at most one filing fault, so that the expected findings are exactly what the
//! judges see.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use beian_domain::filing::{CertificateType, EntityKind, IdType, ValidUntil};
use beian_domain::{CheckId, Entity, Filing, Person, Status, Website};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::ident::{self, CITIES, City};
use crate::names::{self, BRANDS, INDUSTRIES, Industry, TOPICS, Topic};
use crate::page::{self, FooterLink, PageKind, PagePlan};
use crate::rng::Rng;

/// The day the sandbox's truth is judged on, unless another is given.
pub fn default_check_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or(NaiveDate::MIN)
}

/// The provider's own network in the sandbox (`--provider-range`).
pub const PROVIDER_RANGE: &str = "127.0.0.0/16";
/// How many loopback addresses serve the sites (shared hosting: every one serves all).
pub const SERVING_IPS: u8 = 64;
/// Addresses inside the provider's range where nothing listens (a dead server).
pub const DEAD_IPS: u8 = 4;
/// Addresses outside the provider's range that serve the sites (another provider).
pub const FOREIGN_IPS: u8 = 2;

/// The `k`-th serving address, 127.0.1.1 …
pub fn serving_ip(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1, 1 + k % SERVING_IPS)
}

/// The `k`-th dead address, 127.0.9.1 …: nothing listens there, connections are refused.
pub fn dead_ip(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 9, 1 + k % DEAD_IPS)
}

/// The `k`-th foreign address, 127.1.0.1 …: serves the sites, outside the provider's range.
pub fn foreign_ip(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 1, 0, 1 + k % FOREIGN_IPS)
}

/// How many black-hole addresses there are (127.0.8.1 …): listeners that never accept,
/// with a full accept queue, so a connect hangs until the client gives up.
pub const BLACK_HOLE_IPS: u8 = 250;

/// The `k`-th black-hole address, 127.0.8.1 …, inside the provider's range.
pub fn black_hole_ip(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 8, 1 + k % BLACK_HOLE_IPS)
}

/// Every black-hole address.
pub fn black_hole_ips() -> Vec<Ipv4Addr> {
    (0..BLACK_HOLE_IPS).map(black_hole_ip).collect()
}

/// Every address the HTTP, HTTPS servers listen on.
pub fn listening_ips() -> Vec<Ipv4Addr> {
    let mut ips: Vec<Ipv4Addr> = (0..SERVING_IPS).map(serving_ip).collect();
    ips.extend((0..FOREIGN_IPS).map(foreign_ip));
    ips
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldConfig {
    /// Number of websites (filings are made until there are this many sites).
    pub sites: usize,
    /// The seed: the same seed gives the same world, byte for byte.
    pub seed: u64,
    /// The day the truth is judged on (expiry dates are placed around it).
    pub check_date: NaiveDate,
    /// Show every fault at least once: site `i` gets the `i`-th fault of [`SITE_FAULTS`]
    /// and filing `j` the `j`-th of [`FILING_FAULTS`]; the rest are drawn as usual. For
    /// demos and small tests, where the rare faults would not come up by chance.
    pub showcase: bool,
    /// Percentage (0–100) of sites filed on, and resolving to, a black-hole address
    /// ([`Fault::BlackHole`]), drawn from the seed apart from the other faults: a
    /// black-holed site carries no other fault. 0 leaves the world exactly as without it.
    pub black_hole_percent: u8,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            sites: 100,
            seed: 1,
            check_date: default_check_date(),
            showcase: false,
            black_hole_percent: 0,
        }
    }
}

/// 注入的问题 — one injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The domain resolves to another sandbox address than the filed one.
    IpElsewhere,
    /// The domain does not exist in DNS (未解析).
    #[serde(rename = "nxdomain")]
    NxDomain,
    /// The homepage answers 500.
    #[serde(rename = "http_500")]
    Http500,
    /// The homepage answers 404.
    #[serde(rename = "http_404")]
    Http404,
    /// The domain resolves to the filed address, where nothing listens.
    Refused,
    /// Filed and served from an address outside the provider's range.
    NotServed,
    /// The title does not carry the filed site name.
    TitleMismatch,
    /// No filing number and no MIIT link in the footer.
    FooterMissing,
    /// The footer shows another entity's number.
    FooterWrongNumber,
    /// The footer shows the number of another site of the same entity.
    FooterOtherSite,
    /// A 粤 site shows its site number where the entity number is wanted (a warning).
    FooterSiteNumberGuangdong,
    /// The number links to the retired miibeian host.
    FooterLegacyLink,
    /// The number is not a link.
    FooterNoLink,
    /// 网络游戏 content without the approval.
    PreApproval,
    /// Gambling words on the homepage.
    ContentViolation,
    /// A personal site selling goods.
    ContentMismatch,
    /// The domain registration expired before the check date.
    DomainExpired,
    /// The registry put the domain on clientHold (and it left the zone).
    ClientHold,
    /// The server sends the page a byte a second.
    Trickle,
    /// The page is larger than the fetcher reads (the footer is never seen).
    HugeBody,
    /// The homepage redirects to itself forever.
    RedirectLoop,
    /// https speaks garbage, and http redirects there.
    BrokenTls,
    /// Filed on, and resolving to, an address that accepts nothing and answers nothing:
    /// connects hang until the client's connect timeout (`--black-hole-percent`).
    BlackHole,
    /// The entity's credit code has a wrong check character.
    BadCreditCode,
    /// The entity principal's ID number has a wrong check character.
    BadPrincipalId,
    /// The entity principal's ID document expired before the check date.
    PrincipalIdExpired,
    /// The business registry says 注销.
    BusinessDeregistered,
    /// The business registry says 吊销未注销.
    BusinessRevoked,
    /// The business registry says 撤销.
    BusinessCancelled,
    /// The company was renamed; the filed name is its former name.
    EntityRenamed,
    /// The company's registered address moved.
    AddressMoved,
    /// The company's licence term (营业期限) ended before the check date.
    LicenceExpired,
    /// The company's legal representative changed.
    LegalRepChanged,
    /// The principal's ID number is registered under another name.
    IdentityMismatch,
    /// The principal's ID number is unknown to the identity registry.
    IdentityNotFound,
    /// The principal's mobile is 空号.
    PhoneVacant,
    /// The principal's mobile is 停机.
    PhoneSuspended,
    /// The principal's mobile is someone else's.
    PhoneNotHolder,
    /// The principal's emergency mobile is 空号.
    EmergencyVacant,
    /// The first domain's real-name holder is someone else.
    HolderOther,
    /// A personal filing's domain holder has the principal's name but another ID number.
    HolderIdDiffers,
    /// The domain holder matches but is not real-name verified (a warning).
    HolderUnverified,
}

impl Fault {
    /// A short Chinese description, for the sandbox's summary.
    pub fn label(self) -> &'static str {
        match self {
            Fault::IpElsewhere => "解析到其他地址",
            Fault::NxDomain => "域名未解析（NXDOMAIN）",
            Fault::Http500 => "首页返回 500",
            Fault::Http404 => "首页返回 404",
            Fault::Refused => "解析到无服务的地址（连接被拒绝）",
            Fault::NotServed => "不在本接入商的地址段",
            Fault::TitleMismatch => "标题不含网站名称",
            Fault::FooterMissing => "底部没有备案号和链接",
            Fault::FooterWrongNumber => "底部是其他主体的备案号",
            Fault::FooterOtherSite => "底部是本主体另一网站的备案号",
            Fault::FooterSiteNumberGuangdong => "粤：底部展示网站备案号（提示）",
            Fault::FooterLegacyLink => "备案号链接到旧地址",
            Fault::FooterNoLink => "备案号没有链接",
            Fault::PreApproval => "网络游戏内容，无前置审批",
            Fault::ContentViolation => "涉赌内容",
            Fault::ContentMismatch => "个人网站售卖商品",
            Fault::DomainExpired => "域名已过期",
            Fault::ClientHold => "域名被暂停解析（clientHold）",
            Fault::Trickle => "慢速响应（每秒一个字节）",
            Fault::HugeBody => "超大首页（底部读不到）",
            Fault::RedirectLoop => "无限重定向",
            Fault::BrokenTls => "https 不是 TLS",
            Fault::BlackHole => "黑洞地址（连接无应答，直到超时）",
            Fault::BadCreditCode => "统一社会信用代码校验位错误",
            Fault::BadPrincipalId => "负责人身份证号校验位错误",
            Fault::PrincipalIdExpired => "负责人证件已过期",
            Fault::BusinessDeregistered => "工商登记：已注销",
            Fault::BusinessRevoked => "工商登记：吊销未注销",
            Fault::BusinessCancelled => "工商登记：已撤销",
            Fault::EntityRenamed => "工商登记：单位已更名",
            Fault::AddressMoved => "工商登记：住所已变更",
            Fault::LicenceExpired => "工商登记：营业期限已届满",
            Fault::LegalRepChanged => "工商登记：法定代表人已变更",
            Fault::IdentityMismatch => "身份核验：姓名与号码不一致",
            Fault::IdentityNotFound => "身份核验：查无此人",
            Fault::PhoneVacant => "号码核验：负责人手机空号",
            Fault::PhoneSuspended => "号码核验：负责人手机停机",
            Fault::PhoneNotHolder => "号码核验：负责人手机非本人",
            Fault::EmergencyVacant => "号码核验：应急联系手机空号",
            Fault::HolderOther => "域名实名：持有者是他人",
            Fault::HolderIdDiffers => "域名实名：持有者证件号码不同",
            Fault::HolderUnverified => "域名实名：未完成实名认证（提示）",
        }
    }

    /// The snake_case name used in truth.jsonl.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Site faults with their rates in ‰ of sites. The rest of the sites are clean.
/// `ContentMismatch` applies to personal sites only (company sites drawing it stay clean).
pub const SITE_FAULTS: &[(Fault, u64)] = &[
    (Fault::IpElsewhere, 30),
    (Fault::NxDomain, 20),
    (Fault::Http500, 15),
    (Fault::Http404, 15),
    (Fault::Refused, 20),
    (Fault::NotServed, 10),
    (Fault::TitleMismatch, 30),
    (Fault::FooterMissing, 10),
    (Fault::FooterWrongNumber, 10),
    (Fault::FooterOtherSite, 10),
    (Fault::FooterLegacyLink, 15),
    (Fault::FooterNoLink, 10),
    (Fault::PreApproval, 15),
    (Fault::ContentViolation, 15),
    (Fault::ContentMismatch, 60),
    (Fault::DomainExpired, 15),
    (Fault::ClientHold, 5),
    (Fault::Trickle, 3),
    (Fault::HugeBody, 3),
    (Fault::RedirectLoop, 3),
    (Fault::BrokenTls, 3),
];

/// Of the 粤 sites with a normal footer, this many ‰ show the site number (a warning).
pub const GUANGDONG_SITE_NUMBER: u64 = 300;

/// Filing faults with their rates in ‰ of filings. `BadCreditCode` applies to companies.
pub const FILING_FAULTS: &[(Fault, u64)] = &[
    (Fault::BadCreditCode, 15),
    (Fault::BadPrincipalId, 10),
    (Fault::PrincipalIdExpired, 15),
];

/// Share of personal filings, in ‰.
pub const PERSONAL_SHARE: u64 = 300;
/// Share of GBK homepages, in ‰.
pub const GBK_SHARE: u64 = 250;

/// 预期结果 — one finding a filing must get.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Expected {
    /// The check id.
    pub check: CheckId,
    /// `fail` or `warn`.
    pub status: Status,
    /// The entity or one website.
    pub target: ExpectedTarget,
}

/// Where an expected finding points, in the shape of a finding's `target` (without the
/// site name): `{"kind":"entity"}` or `{"kind":"website","index":0}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExpectedTarget {
    /// The entity.
    Entity,
    /// The website at `index` in the filing.
    Website {
        /// Position in `websites`.
        index: usize,
    },
}

/// One line of `truth.jsonl`.
#[derive(Serialize)]
struct TruthLine<'a> {
    line: usize,
    key: &'a str,
    entity: &'a str,
    fault: Option<Fault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registry_fault: Option<Fault>,
    websites: Vec<TruthWebsite<'a>>,
    expected: Vec<TruthExpected<'a>>,
}

/// An expected finding in `truth.jsonl`; `needs` names the outside registry without
/// which it cannot be found (a sweep without that registry is not expected to find it).
#[derive(Serialize)]
struct TruthExpected<'a> {
    #[serde(flatten)]
    expected: &'a Expected,
    #[serde(skip_serializing_if = "Option::is_none")]
    needs: Option<beian_checks::registry_evidence::RegistryKind>,
}

/// A website in a line of `truth.jsonl`.
#[derive(Serialize)]
struct TruthWebsite<'a> {
    index: usize,
    key: &'a str,
    domain: &'a str,
    fault: Option<Fault>,
}

/// How a site's web server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Serves its homepage.
    Page,
    /// Answers with this status and a short error page.
    Status(u16),
    /// Sends the page one byte a second.
    Trickle,
    /// Sends the page with megabytes of text before the footer, which starts at this byte.
    HugeBody {
        /// Where the footer starts in the page.
        footer_at: usize,
    },
    /// Redirects to itself forever.
    RedirectLoop,
    /// https is not TLS at all; http redirects to it.
    BrokenTls,
}

/// 域名注册信息 — what the WHOIS server says about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Registry object id.
    pub roid: String,
    /// Registrant (the entity's name).
    pub registrant: String,
    /// Registrant contact e-mail.
    pub email: String,
    /// Sponsoring registrar.
    pub registrar: &'static str,
    /// Registration time (registry time, UTC+8 for CNNIC).
    pub created: NaiveDateTime,
    /// Expiration time.
    pub expires: NaiveDateTime,
    /// EPP statuses.
    pub statuses: Vec<&'static str>,
}

/// 网站 — one generated site and how the sandbox serves it.
#[derive(Debug, Clone)]
pub struct Site {
    /// `s000123`.
    pub key: String,
    /// The filed domain (apex); `www.` + it serves the same.
    pub domain: String,
    /// Index of its filing in [`World::filings`].
    pub filing: usize,
    /// Position in its filing's `websites`.
    pub index: usize,
    /// The filed IP.
    pub filed_ip: Ipv4Addr,
    /// What the domain and its `www` host resolve to; `None` is NXDOMAIN.
    pub resolves_to: Option<Ipv4Addr>,
    /// How the web server behaves.
    pub behavior: Behavior,
    /// The site's fault, if any.
    pub fault: Option<Fault>,
    /// The homepage bytes as served (GBK pages encoded).
    pub page: Arc<[u8]>,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The domain's registration.
    pub registration: Registration,
}

/// 备案 — one generated filing and what it should get.
#[derive(Debug, Clone)]
pub struct GeneratedFiling {
    /// `f000001`.
    pub key: String,
    /// The filing itself.
    pub filing: Filing,
    /// Indexes of its sites in [`World::sites`], in website order.
    pub sites: Vec<usize>,
    /// The filing fault, if any.
    pub fault: Option<Fault>,
    /// Every `fail` (and deterministic `warn`) finding the checks must report without
    /// the outside registries.
    pub expected: Vec<Expected>,
    /// The registry fault, if any ([`crate::registry::REGISTRY_FAULTS`]).
    pub registry_fault: Option<Fault>,
    /// The findings only the outside registries reveal, each with the registry it needs.
    pub registry_expected: Vec<crate::registry::RegistryExpected>,
}

/// 沙箱世界.
#[derive(Debug, Clone)]
pub struct World {
    /// What it was generated from.
    pub config: WorldConfig,
    /// The filings, in file order.
    pub filings: Vec<GeneratedFiling>,
    /// The sites, in key order.
    pub sites: Vec<Site>,
    /// Host name (apex and `www.`) → site index.
    pub hosts: HashMap<String, usize>,
    /// What the outside registries hold.
    pub registry: crate::registry::RegistryWorld,
}

const STREAM_FILING: u64 = 1;
const STREAM_SITE: u64 = 2;
/// Which sites are black-holed, and where: a stream of its own, so that the other
/// draws (and with a percentage of 0 the whole world) stay as they are.
const STREAM_BLACK_HOLE: u64 = 3;

/// Registrars as CNNIC prints them.
const CN_REGISTRARS: &[&str] = &[
    "阿里云计算有限公司（万网）",
    "厦门易名科技股份有限公司",
    "北京新网数码信息技术有限公司",
    "腾讯云计算（北京）有限责任公司",
    "成都西维数码科技有限公司",
    "广东时代互联科技有限公司",
];

/// Registrars as Verisign prints them.
const COM_REGISTRARS: &[&str] = &[
    "Alibaba Cloud Computing (Beijing) Co., Ltd.",
    "DNSPod, Inc.",
    "Xiamen 35.Com Technology Co., Ltd.",
    "Chengdu West Dimension Digital Technology Co., Ltd.",
];

impl World {
    /// Generates the world of `config`.
    pub fn generate(config: &WorldConfig) -> World {
        let mut filings = Vec::new();
        let mut sites: Vec<Site> = Vec::new();
        let mut number = 0u64;
        let mut issued = Issued::new();
        while sites.len() < config.sites {
            let remaining = config.sites - sites.len();
            let filing = generate_filing(
                config,
                number,
                sites.len(),
                remaining,
                &mut sites,
                &mut issued,
            );
            filings.push(filing);
            number += 1;
        }
        let mut hosts = HashMap::with_capacity(sites.len() * 2);
        for (i, site) in sites.iter().enumerate() {
            hosts.insert(site.domain.clone(), i);
            hosts.insert(format!("www.{}", site.domain), i);
        }
        // The registries come last, from a stream of their own: the rest of the world is
        // exactly what it was before they existed.
        let registry = crate::registry::generate(config, &mut filings, &sites);
        World {
            config: config.clone(),
            filings,
            sites,
            hosts,
            registry,
        }
    }

    /// The site serving `host` (a domain or its `www.` host, any case, port stripped).
    pub fn site_for_host(&self, host: &str) -> Option<&Site> {
        let host = host.trim().trim_end_matches('.');
        let host = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        let host = host.to_ascii_lowercase();
        self.hosts.get(&host).and_then(|&i| self.sites.get(i))
    }

    /// The site registered as `domain` (apex only), for WHOIS.
    pub fn site_for_domain(&self, domain: &str) -> Option<&Site> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let site = self.hosts.get(&domain).and_then(|&i| self.sites.get(i))?;
        (site.domain == domain).then_some(site)
    }

    /// `filings.jsonl`: one filing per line.
    pub fn filings_jsonl(&self) -> String {
        let mut out = String::new();
        for filing in &self.filings {
            if let Ok(line) = serde_json::to_string(&filing.filing) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// `truth.jsonl`: per filing, its line in `filings.jsonl`, key, entity name, filing
    /// fault, websites (index, key, domain, fault) and the expected findings.
    pub fn truth_jsonl(&self) -> String {
        let mut out = String::new();
        for (line, filing) in self.filings.iter().enumerate() {
            let websites: Vec<TruthWebsite<'_>> = filing
                .sites
                .iter()
                .filter_map(|&i| self.sites.get(i))
                .map(|site| TruthWebsite {
                    index: site.index,
                    key: &site.key,
                    domain: &site.domain,
                    fault: site.fault,
                })
                .collect();
            let mut expected: Vec<TruthExpected<'_>> = filing
                .expected
                .iter()
                .map(|expected| TruthExpected {
                    expected,
                    needs: None,
                })
                .collect();
            expected.extend(filing.registry_expected.iter().map(|r| TruthExpected {
                expected: &r.expected,
                needs: Some(r.needs),
            }));
            let truth = TruthLine {
                line: line + 1,
                key: &filing.key,
                entity: &filing.filing.entity.name,
                fault: filing.fault,
                registry_fault: filing.registry_fault,
                websites,
                expected,
            };
            if let Ok(text) = serde_json::to_string(&truth) {
                out.push_str(&text);
                out.push('\n');
            }
        }
        out
    }

    /// How many sites and filings carry each fault, in [`SITE_FAULTS`] then
    /// [`FILING_FAULTS`] order, plus the 粤 warnings (and the black holes, when asked for).
    pub fn fault_counts(&self) -> Vec<(Fault, usize)> {
        let mut counts: Vec<(Fault, usize)> = SITE_FAULTS
            .iter()
            .chain(FILING_FAULTS)
            .map(|(f, _)| (*f, 0))
            .collect();
        counts.push((Fault::FooterSiteNumberGuangdong, 0));
        if self.config.black_hole_percent > 0 {
            counts.push((Fault::BlackHole, 0));
        }
        counts.extend(
            crate::registry::REGISTRY_FAULTS
                .iter()
                .map(|(f, _)| (*f, 0)),
        );
        let all = self
            .sites
            .iter()
            .map(|s| s.fault)
            .chain(self.filings.iter().map(|f| f.fault))
            .chain(self.filings.iter().map(|f| f.registry_fault));
        for fault in all.flatten() {
            if let Some(entry) = counts.iter_mut().find(|(f, _)| *f == fault) {
                entry.1 += 1;
            }
        }
        counts
    }
}

/// Numbers already given to someone (ID numbers, mobiles, credit codes), so that no two
/// people or companies of a world share one: the registries are keyed by these numbers,
/// and a shared one would make the identity or phone registry answer for the wrong holder
/// (a false finding the truth does not expect).
type Issued = HashSet<String>;

/// Draws from `draw` until it gives a number not issued yet, and issues it.
fn unique(issued: &mut Issued, mut draw: impl FnMut() -> String) -> String {
    loop {
        let candidate = draw();
        if issued.insert(candidate.clone()) {
            return candidate;
        }
    }
}

/// Words a registry would accept between a brand and an industry (星河鑫建材), to tell
/// apart two companies that the generator named alike.
const NAME_QUALIFIERS: [&str; 12] = [
    "鑫", "恒", "泰", "华", "创", "联", "达", "盛", "新", "宏", "瑞", "源",
];

/// The first of `name("")`, `name("鑫")`, …, `name("鑫恒")`, … that no company of the
/// world has yet, issued. Registered company names are unique, and the sandbox's business
/// registry finds a company with an invalid credit code by its name: two alike would make
/// it answer with the other's record. No randomness is drawn, so the rest of the world
/// stays what it was.
fn unique_company_name(issued: &mut Issued, name: impl Fn(&str) -> String) -> String {
    let singles = NAME_QUALIFIERS.iter().map(|q| (*q).to_owned());
    let pairs = NAME_QUALIFIERS
        .iter()
        .flat_map(|a| NAME_QUALIFIERS.iter().map(move |b| format!("{a}{b}")));
    let mut last = String::new();
    for qualifier in std::iter::once(String::new()).chain(singles).chain(pairs) {
        last = name(&qualifier);
        if issued.insert(format!("company:{last}")) {
            return last;
        }
    }
    // 157 companies of one city, brand, industry and suffix: share the last name.
    last
}

/// A person with every field of a principal (the emergency phone is set later).
fn person(rng: &mut Rng, check_date: NaiveDate, email_domain: &str, issued: &mut Issued) -> Person {
    let name = format!(
        "{}{}",
        rng.pick(names::SURNAMES),
        rng.pick(names::GIVEN_NAMES)
    );
    let birth_city = rng.pick(CITIES);
    let birth = ident::birth_date(rng);
    let id_number = unique(issued, || ident::resident_id(rng, birth_city, birth));
    let id_valid_until = if birth.year() < 1975 && rng.chance(600) {
        ValidUntil::Indefinite
    } else {
        // Well past the 30-day warning window of entity.principal_id_expired.
        let days = rng.range(120, 5000);
        ValidUntil::Date(check_date + Days::new(days))
    };
    let local = ["contact", "admin", "webmaster", "service", "info", "hello"];
    let email = format!("{}{}@{email_domain}", rng.pick(&local), rng.range(1, 99));
    Person {
        name,
        id_type: IdType::ResidentId,
        id_number,
        id_valid_until,
        mobile: unique(issued, || ident::mobile(rng)),
        emergency_phone: None,
        email: Some(email),
    }
}

/// Sets every emergency phone to a number that is nobody's mobile.
fn set_emergency_phones(
    rng: &mut Rng,
    city: &City,
    people: &mut [&mut Person],
    issued: &mut Issued,
) {
    let mobiles: Vec<String> = people.iter().map(|p| p.mobile.clone()).collect();
    for person in people.iter_mut() {
        let phone = loop {
            let candidate = if rng.chance(500) {
                ident::landline(rng, city)
            } else {
                ident::mobile(rng)
            };
            if !mobiles.contains(&candidate) && issued.insert(candidate.clone()) {
                break candidate;
            }
        };
        person.emergency_phone = Some(phone);
    }
}

pub(crate) fn pick_fault(rng: &mut Rng, table: &[(Fault, u64)]) -> Option<Fault> {
    let draw = rng.below(1000);
    let mut acc = 0;
    for (fault, rate) in table {
        acc += rate;
        if draw < acc {
            return Some(*fault);
        }
    }
    None
}

/// What a site is about: a company's brand and industry, or a person's topic.
enum Theme {
    Company {
        brand: (&'static str, &'static str),
        industry: &'static Industry,
    },
    Personal {
        topic: &'static Topic,
    },
}

fn generate_filing(
    config: &WorldConfig,
    number: u64,
    first_site: usize,
    remaining: usize,
    sites: &mut Vec<Site>,
    issued: &mut Issued,
) -> GeneratedFiling {
    let mut rng = Rng::derive(config.seed, STREAM_FILING, number);
    let key = format!("f{:06}", number + 1);
    let mut personal = rng.chance(PERSONAL_SHARE);
    let city = rng.pick(CITIES);
    let planned = if personal {
        if rng.chance(800) { 1 } else { 2 }
    } else {
        match rng.below(10) {
            0..7 => 1,
            7..9 => 2,
            _ => 3,
        }
    };
    let count = planned.min(remaining).max(1);
    let forced_site = |i: usize| -> Option<Fault> {
        config
            .showcase
            .then(|| SITE_FAULTS.get(first_site + i).map(|(f, _)| *f))
            .flatten()
    };
    let forced_filing = config
        .showcase
        .then(|| FILING_FAULTS.get(number as usize).map(|(f, _)| *f))
        .flatten();
    if (0..count).any(|i| forced_site(i) == Some(Fault::ContentMismatch)) {
        personal = true;
    }
    // Black holes: in a showcase the site right after the forced faults is one, the forced
    // ones never are; otherwise each site is one at the configured rate.
    let black_hole = |i: usize| -> Option<Ipv4Addr> {
        if config.black_hole_percent == 0 {
            return None;
        }
        let global = first_site + i;
        let mut rng = Rng::derive(config.seed, STREAM_BLACK_HOLE, global as u64);
        let chosen = if config.showcase && global <= SITE_FAULTS.len() {
            global == SITE_FAULTS.len()
        } else {
            rng.chance(u64::from(config.black_hole_percent.min(100)) * 10)
        };
        chosen.then(|| black_hole_ip(rng.below(u64::from(BLACK_HOLE_IPS)) as u8))
    };
    if forced_filing == Some(Fault::BadCreditCode) {
        personal = false;
    }

    // Themes and domains first: the e-mail addresses use the first domain.
    let mut themes = Vec::new();
    let mut domains = Vec::new();
    let mut used_topics: Vec<usize> = Vec::new();
    let company_industry = rng.pick(INDUSTRIES);
    let company_brand = *rng.pick(BRANDS);
    for i in 0..count {
        let site_key = format!("s{:06}", first_site + i + 1);
        let theme = if personal {
            let mut t = rng.index(TOPICS.len());
            while used_topics.contains(&t) {
                t = (t + 1) % TOPICS.len();
            }
            used_topics.push(t);
            Theme::Personal { topic: &TOPICS[t] }
        } else if i == 0 {
            Theme::Company {
                brand: company_brand,
                industry: company_industry,
            }
        } else {
            let mut brand = *rng.pick(BRANDS);
            while brand == company_brand {
                brand = *rng.pick(BRANDS);
            }
            Theme::Company {
                brand,
                industry: company_industry,
            }
        };
        let word = match &theme {
            Theme::Company { brand, .. } => brand.1,
            Theme::Personal { topic } => topic.pinyin,
        };
        let tld = match rng.below(10) {
            0..5 => "cn",
            5..7 => "com.cn",
            _ => "com",
        };
        domains.push(format!("{site_key}-{word}.{tld}"));
        themes.push(theme);
    }
    let first_domain = domains.first().cloned().unwrap_or_default();

    let personal_mail = ["qq.com", "163.com", "126.com", "foxmail.com"];
    let principal_mail = if personal {
        (*rng.pick(&personal_mail)).to_owned()
    } else {
        first_domain.clone()
    };
    let mut principal = person(&mut rng, config.check_date, &principal_mail, issued);

    let filing_fault =
        pick_fault(&mut rng, FILING_FAULTS).filter(|f| !(personal && *f == Fault::BadCreditCode));
    let filing_fault = forced_filing.or(filing_fault);

    let entity_number = ident::icp_entity_number(&mut rng, city.prefix);
    let street = rng.pick(city.streets);
    let address = format!(
        "{}{}{}{}{}号",
        city.province,
        city.city_part,
        city.district,
        street,
        rng.range(1, 399)
    );

    let (entity_name, legal_representative) = if personal {
        (principal.name.clone(), None)
    } else {
        let suffix = *rng.pick(&["有限公司", "科技有限公司", "股份有限公司"]);
        let name = unique_company_name(issued, |qualifier| {
            format!(
                "{}{}{qualifier}{}{suffix}",
                city.name, company_brand.0, company_industry.word
            )
        });
        (name, Some(principal.name.clone()))
    };

    // Websites with their own principal (companies, half of the time).
    let mut site_principals: Vec<Option<Person>> = (0..count)
        .map(|_| {
            (!personal && rng.chance(500))
                .then(|| person(&mut rng, config.check_date, &first_domain, issued))
        })
        .collect();
    {
        let mut people: Vec<&mut Person> = vec![&mut principal];
        people.extend(site_principals.iter_mut().flatten());
        set_emergency_phones(&mut rng, city, &mut people, issued);
    }

    let mut expected = Vec::new();
    match filing_fault {
        Some(Fault::BadPrincipalId) => {
            principal.id_number = ident::break_resident_id(&principal.id_number);
            expected.push(entity_expectation(CheckId::EntityPrincipalIdInvalid));
        }
        Some(Fault::PrincipalIdExpired) => {
            let days = rng.range(1, 900);
            principal.id_valid_until = ValidUntil::Date(config.check_date - Days::new(days));
            expected.push(entity_expectation(CheckId::EntityPrincipalIdExpired));
        }
        _ => {}
    }
    let (certificate_type, certificate_number, certificate_valid_until) = if personal {
        if filing_fault == Some(Fault::BadPrincipalId) {
            expected.push(entity_expectation(CheckId::EntityCertificateInvalid));
        }
        (
            CertificateType::ResidentId,
            principal.id_number.clone(),
            Some(principal.id_valid_until),
        )
    } else {
        let mut code = unique(issued, || ident::credit_code(&mut rng, city));
        if filing_fault == Some(Fault::BadCreditCode) {
            code = ident::break_credit_code(&code);
            expected.push(entity_expectation(CheckId::EntityCertificateInvalid));
        }
        (
            CertificateType::CreditCode,
            code,
            Some(ValidUntil::Indefinite),
        )
    };

    let entity = Entity {
        kind: if personal {
            EntityKind::Personal
        } else {
            EntityKind::Company
        },
        name: entity_name.clone(),
        certificate_type,
        certificate_number,
        certificate_valid_until,
        legal_representative,
        address: Some(address),
        filing_number: Some(entity_number.clone()),
        principal,
    };

    let mut websites = Vec::new();
    let mut site_indexes = Vec::new();
    for (index, ((theme, domain), site_principal)) in
        themes.iter().zip(&domains).zip(site_principals).enumerate()
    {
        let global = first_site + index;
        let mut site_rng = Rng::derive(config.seed, STREAM_SITE, global as u64);
        let site_name = match theme {
            Theme::Company { brand, industry } => format!("{}{}", brand.0, industry.word),
            Theme::Personal { topic } => format!(
                "{entity_name}的{}{}",
                topic.word,
                site_rng.pick(names::PERSONAL_SITE_SUFFIXES)
            ),
        };
        let content_description = match theme {
            Theme::Company { brand, industry } => {
                Some(format!("{}{}的业务介绍与联系方式", brand.0, industry.word))
            }
            Theme::Personal { topic } => Some(format!("记录个人{}的经历与心得", topic.word)),
        };
        let site_number = format!("{entity_number}-{}", index + 1);
        let filed_ip = serving_ip(site_rng.below(u64::from(SERVING_IPS)) as u8);
        let site = generate_site(
            config,
            &mut site_rng,
            SiteInput {
                key: format!("s{:06}", global + 1),
                domain: domain.clone(),
                filing: number as usize,
                index,
                filed_ip,
                personal,
                city,
                site_name: &site_name,
                site_number: &site_number,
                entity_number: &entity_number,
                entity_name: &entity_name,
                theme,
                registrant_email: &entity.principal.email.clone().unwrap_or_default(),
                forced: forced_site(index),
                black_hole: black_hole(index),
            },
            &mut expected,
        );
        websites.push(Website {
            name: site_name,
            filing_number: Some(site_number),
            domains: vec![domain.clone()],
            ips: vec![IpAddr::V4(site.filed_ip)],
            principal: site_principal,
            pre_approvals: Vec::new(),
            content_description,
        });
        site_indexes.push(sites.len());
        sites.push(site);
    }
    expected.sort();
    GeneratedFiling {
        key,
        filing: Filing { entity, websites },
        sites: site_indexes,
        fault: filing_fault,
        expected,
        registry_fault: None,
        registry_expected: Vec::new(),
    }
}

pub(crate) fn entity_expectation(check: CheckId) -> Expected {
    Expected {
        check,
        status: Status::Fail,
        target: ExpectedTarget::Entity,
    }
}

/// Which filing number a footer shows.
enum Footer {
    Site,
    Entity,
    Missing,
    Other(String),
}

struct SiteInput<'a> {
    key: String,
    domain: String,
    filing: usize,
    index: usize,
    filed_ip: Ipv4Addr,
    personal: bool,
    city: &'a City,
    site_name: &'a str,
    site_number: &'a str,
    entity_number: &'a str,
    entity_name: &'a str,
    theme: &'a Theme,
    registrant_email: &'a str,
    forced: Option<Fault>,
    black_hole: Option<Ipv4Addr>,
}

fn generate_site(
    config: &WorldConfig,
    rng: &mut Rng,
    input: SiteInput<'_>,
    expected: &mut Vec<Expected>,
) -> Site {
    let mut fault = pick_fault(rng, SITE_FAULTS);
    if input.forced.is_some() {
        fault = input.forced;
    }
    if fault == Some(Fault::ContentMismatch) && !input.personal {
        fault = None;
    }
    if input.black_hole.is_some() {
        fault = Some(Fault::BlackHole);
    }
    let target = ExpectedTarget::Website { index: input.index };
    let mut expect = |check: CheckId, status: Status| {
        expected.push(Expected {
            check,
            status,
            target,
        });
    };
    let fail = Status::Fail;

    let mut filed_ip = input.filed_ip;
    let mut resolves_to = Some(filed_ip);
    let mut behavior = Behavior::Page;
    let mut footer_number = Footer::Site;
    let mut footer_link = FooterLink::Miit;
    let mut kind = PageKind::Normal;
    let mut title_matches = true;
    let guangdong = input.city.prefix == '粤';
    if guangdong {
        footer_number = Footer::Entity;
    }
    match fault {
        Some(Fault::IpElsewhere) => {
            let k = rng.range(1, u64::from(SERVING_IPS) - 1) as u8;
            let current = filed_ip.octets()[3] - 1;
            resolves_to = Some(serving_ip(current.wrapping_add(k)));
            expect(CheckId::SiteIpMismatch, fail);
        }
        Some(Fault::NxDomain) => {
            resolves_to = None;
            expect(CheckId::SiteIpMismatch, fail);
            expect(CheckId::SiteNotServedByProvider, fail);
        }
        Some(Fault::ClientHold) => {
            resolves_to = None;
            expect(CheckId::SiteIpMismatch, fail);
            expect(CheckId::SiteNotServedByProvider, fail);
            expect(CheckId::SiteDomainExpired, fail);
        }
        Some(Fault::Http500) => {
            behavior = Behavior::Status(500);
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::Http404) => {
            behavior = Behavior::Status(404);
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::Refused) => {
            filed_ip = dead_ip(rng.below(u64::from(DEAD_IPS)) as u8);
            resolves_to = Some(filed_ip);
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::NotServed) => {
            filed_ip = foreign_ip(rng.below(u64::from(FOREIGN_IPS)) as u8);
            resolves_to = Some(filed_ip);
            expect(CheckId::SiteNotServedByProvider, fail);
        }
        Some(Fault::TitleMismatch) => {
            title_matches = false;
            expect(CheckId::SiteTitleMismatch, fail);
        }
        Some(Fault::FooterMissing) => {
            footer_number = Footer::Missing;
            footer_link = FooterLink::Missing;
            expect(CheckId::SiteFooterNumber, fail);
            expect(CheckId::SiteFooterLink, fail);
        }
        Some(Fault::FooterWrongNumber) => {
            let mut other = input.entity_number.to_owned();
            while other == input.entity_number {
                let city = rng.pick(CITIES);
                other = ident::icp_entity_number(rng, city.prefix);
            }
            footer_number = Footer::Other(format!("{other}-1"));
            expect(CheckId::SiteFooterNumber, fail);
        }
        Some(Fault::FooterOtherSite) => {
            let other = input.index + 1 + rng.range(1, 3) as usize;
            footer_number = Footer::Other(format!("{}-{other}", input.entity_number));
            expect(CheckId::SiteFooterNumber, fail);
        }
        Some(Fault::FooterLegacyLink) => {
            footer_link = FooterLink::Legacy;
            expect(CheckId::SiteFooterLink, fail);
        }
        Some(Fault::FooterNoLink) => {
            footer_link = FooterLink::Missing;
            expect(CheckId::SiteFooterLink, fail);
        }
        Some(Fault::PreApproval) => {
            kind = PageKind::OnlineGames;
            expect(CheckId::SitePreApproval, fail);
        }
        Some(Fault::ContentViolation) => {
            kind = PageKind::Gambling;
            expect(CheckId::SiteContentViolation, fail);
        }
        Some(Fault::ContentMismatch) => {
            kind = PageKind::Shop;
            expect(CheckId::SiteContentMismatch, fail);
        }
        Some(Fault::DomainExpired) => {
            expect(CheckId::SiteDomainExpired, fail);
        }
        Some(Fault::Trickle) => {
            behavior = Behavior::Trickle;
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::RedirectLoop) => {
            behavior = Behavior::RedirectLoop;
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::BrokenTls) => {
            behavior = Behavior::BrokenTls;
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::BlackHole) => {
            // DNS and WHOIS are normal and the address is the provider's: both connects
            // time out, which site.unreachable judges a failure; no page is seen.
            filed_ip = input.black_hole.unwrap_or(filed_ip);
            resolves_to = Some(filed_ip);
            expect(CheckId::SiteUnreachable, fail);
        }
        Some(Fault::HugeBody) => {
            // The fetcher keeps the first 2 MiB: the title is seen, the footer is not.
            expect(CheckId::SiteFooterNumber, fail);
            expect(CheckId::SiteFooterLink, fail);
            expect(CheckId::SitePoliceNumber, Status::Warn);
        }
        _ => {}
    }
    if fault.is_none() && guangdong && rng.chance(GUANGDONG_SITE_NUMBER) {
        fault = Some(Fault::FooterSiteNumberGuangdong);
        footer_number = Footer::Site;
        expect(CheckId::SiteFooterNumber, Status::Warn);
    }

    let gbk = fault != Some(Fault::HugeBody) && rng.chance(GBK_SHARE);
    let plan = PagePlan {
        site_name: input.site_name,
        title_matches,
        owner: input.entity_name,
        personal: input.personal,
        theme: match input.theme {
            Theme::Company { brand, industry } => page::Theme::Company {
                brand: brand.0,
                industry,
            },
            Theme::Personal { topic } => page::Theme::Personal { topic },
        },
        footer_number: match footer_number {
            Footer::Site => Some(input.site_number.to_owned()),
            Footer::Entity => Some(input.entity_number.to_owned()),
            Footer::Other(number) => Some(number),
            Footer::Missing => None,
        },
        footer_link,
        police: ident::police_number(rng, input.city),
        kind,
        gbk,
        charset_in_header: !gbk || rng.chance(500),
        year: 2016 + rng.below(10) as i32,
    };
    let rendered = page::render(rng, &plan);
    if fault == Some(Fault::HugeBody) {
        behavior = Behavior::HugeBody {
            footer_at: rendered.footer_at,
        };
    }

    let registration = registration(config, rng, &input, fault);
    Site {
        key: input.key,
        domain: input.domain,
        filing: input.filing,
        index: input.index,
        filed_ip,
        resolves_to,
        behavior,
        fault,
        page: rendered.bytes.into(),
        content_type: rendered.content_type,
        registration,
    }
}

fn registration(
    config: &WorldConfig,
    rng: &mut Rng,
    input: &SiteInput<'_>,
    fault: Option<Fault>,
) -> Registration {
    let time = |rng: &mut Rng| {
        NaiveTime::from_hms_opt(
            rng.below(24) as u32,
            rng.below(60) as u32,
            rng.below(60) as u32,
        )
        .unwrap_or(NaiveTime::MIN)
    };
    let created_day = NaiveDate::from_ymd_opt(2005 + rng.below(20) as i32, 1, 1)
        .unwrap_or(NaiveDate::MIN)
        + Days::new(rng.below(365));
    let created = created_day.and_time(time(rng));
    let expires_day = match fault {
        // Expired one to sixty days before the check (still in the registry's grace).
        Some(Fault::DomainExpired) => config.check_date - Days::new(rng.range(1, 60)),
        // Far from the expiry warning window.
        _ => config.check_date + Days::new(rng.range(180, 3 * 365)),
    };
    let expires = expires_day.and_time(created.time());
    let com = input.domain.ends_with(".com") && !input.domain.ends_with(".com.cn");
    let registrar = if com {
        *rng.pick(COM_REGISTRARS)
    } else {
        *rng.pick(CN_REGISTRARS)
    };
    let mut statuses = match rng.below(3) {
        0 => vec!["ok"],
        1 => vec!["clientTransferProhibited"],
        _ => vec!["clientDeleteProhibited", "clientTransferProhibited"],
    };
    if fault == Some(Fault::ClientHold) {
        statuses = vec!["clientHold"];
    }
    let roid = if com {
        format!(
            "{}_DOMAIN_COM-VRSN",
            rng.range(1_000_000_000, 2_999_999_999)
        )
    } else {
        format!(
            "{}{}s{}-cn",
            created_day.format("%Y%m%d"),
            if input.domain.ends_with(".com.cn") {
                "s10011"
            } else {
                "s10001"
            },
            rng.digits(11)
        )
    };
    Registration {
        roid,
        registrant: input.entity_name.to_owned(),
        email: input.registrant_email.to_owned(),
        registrar,
        created,
        expires,
        statuses,
    }
}
