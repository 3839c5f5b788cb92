//! The two check traits and what they are given.

use beian_domain::{CheckId, Filing, Finding, Target, Website};
use beian_page::PageAnalysis;
use chrono::NaiveDate;

use crate::Settings;

/// A check judged on the filed data alone.
pub trait FilingCheck: Sync {
    /// The catalogue id this check reports under.
    fn id(&self) -> CheckId;
    /// Judges the filing. Returns at least one finding per target it applies to (a pass
    /// is a finding too), so that a report shows what was checked.
    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding>;
}

/// What a filing check sees.
#[derive(Debug, Clone, Copy)]
pub struct FilingContext<'a> {
    /// The filing under review.
    pub filing: &'a Filing,
    /// The day the check is made, in Asia/Shanghai: validity dates are judged against it.
    pub today: NaiveDate,
    /// Provider and province settings.
    pub settings: &'a Settings,
}

impl<'a> FilingContext<'a> {
    /// Each website with its target label.
    pub fn websites(&self) -> impl Iterator<Item = (Target, &'a Website)> + 'a {
        self.filing
            .websites
            .iter()
            .enumerate()
            .map(|(index, website)| (website_target(index, website), website))
    }
}

/// A check judged on a homepage.
pub trait PageCheck: Sync {
    /// The catalogue id this check reports under.
    fn id(&self) -> CheckId;
    /// Judges the page. May return nothing when the check needs a filing and none is given.
    fn run(&self, ctx: &PageContext<'_>) -> Vec<Finding>;
}

/// The filing and website a page is checked against.
#[derive(Debug, Clone, Copy)]
pub struct PageSubject<'a> {
    /// The whole filing (the entity matters: personal or company, its number).
    pub filing: &'a Filing,
    /// Which website's homepage this is.
    pub index: usize,
}

impl<'a> PageSubject<'a> {
    /// The website this page belongs to.
    pub fn website(&self) -> Option<&'a Website> {
        self.filing.websites.get(self.index)
    }
}

/// What a page check sees.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The analysed page.
    pub page: &'a PageAnalysis,
    /// The filing it is checked against, if any.
    pub subject: Option<PageSubject<'a>>,
    /// Provider and province settings.
    pub settings: &'a Settings,
    /// Where the page came from (a file path or a URL), for evidence.
    pub source: &'a str,
    /// When it was read or fetched, RFC 3339, for evidence.
    pub observed_at: &'a str,
}

impl PageContext<'_> {
    /// The target to report on: the website when a filing is given, else the page.
    pub fn target(&self) -> Target {
        match self.subject.and_then(|s| s.website().map(|w| (s.index, w))) {
            Some((index, website)) => website_target(index, website),
            None => Target::Page,
        }
    }

    /// Evidence seen on this page, with its source and time.
    pub fn evidence(
        &self,
        label: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> beian_domain::Evidence {
        beian_domain::Evidence::new(label, value)
            .from_source(self.source)
            .at(self.observed_at)
    }
}

pub(crate) fn website_target(index: usize, website: &Website) -> Target {
    Target::Website {
        index,
        name: website.name.clone(),
    }
}

/// The province whose 管局 the entity files with: the prefix of its filing number, else
/// the province its address starts with, else the one its credit code was issued in.
pub fn entity_province(entity: &beian_domain::Entity) -> Option<beian_domain::Province> {
    use beian_domain::ident::credit_code::CreditCode;
    use beian_domain::ident::icp::IcpFilingNumber;
    entity
        .filing_number
        .as_deref()
        .and_then(|n| IcpFilingNumber::parse(n).ok())
        .map(|n| n.province())
        .or_else(|| {
            entity
                .address
                .as_deref()
                .and_then(|a| beian_domain::Province::from_name(a.trim()))
        })
        .or_else(|| {
            CreditCode::parse(&entity.certificate_number)
                .ok()
                .and_then(|c| c.province())
        })
}

/// A check judged on what the live probes saw for one website.
pub trait LiveCheck: Sync {
    /// The catalogue id this check reports under.
    fn id(&self) -> CheckId;
    /// Judges the evidence. May return nothing when the needed configuration is absent
    /// (for example the provider's network for `site.not_served_by_provider`).
    fn run(&self, ctx: &LiveContext<'_>) -> Vec<Finding>;
}

/// What a live check sees: the website and the DNS, HTTP and registration evidence
/// gathered for it.
#[derive(Debug, Clone, Copy)]
pub struct LiveContext<'a> {
    /// The filing.
    pub filing: &'a Filing,
    /// Which website.
    pub index: usize,
    /// One entry per filed domain that could be looked up.
    pub dns: &'a [crate::live::DomainDns],
    /// The homepage fetches made (https and http of the first domain).
    pub fetches: &'a [crate::live::FetchEvidence],
    /// The provider's own network, possibly empty.
    pub provider: &'a crate::live::ProviderNetwork,
    /// WHOIS/RDAP answers, one per registrable domain of the website; empty when the
    /// registration source is off (the registration checks then report nothing).
    pub registrations: &'a [crate::live::RegistrationEvidence],
    /// When the check is made, in Beijing: expiry dates are judged against it. With a
    /// `--date` other than today it is noon of that day.
    pub now: chrono::DateTime<chrono::FixedOffset>,
}

impl<'a> LiveContext<'a> {
    /// The website judged.
    pub fn website(&self) -> Option<&'a Website> {
        self.filing.websites.get(self.index)
    }

    /// Its target label.
    pub fn target(&self) -> Target {
        match self.website() {
            Some(website) => website_target(self.index, website),
            None => Target::Page,
        }
    }
}
