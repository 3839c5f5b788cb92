//! 搜索 — what the operator's one search box means, and the keys the store keeps for it.
//!
//! The box takes whatever an operator has at hand: a filing number (the entity's or a
//! site's, with `-N`), a 统一社会信用代码, a domain or part of an entity name. The text is
//! read once, here, as exactly one of those, so that each search is one indexed lookup
//! (only a name is matched by substring, which reads every filing row). The keys the
//! upsert stores (`filings.credit_code`, `site_domains.domain`) come from the same
//! functions the search uses, so that what is stored and what is asked always agree.

use beian_domain::Filing;
use beian_domain::filing::CertificateType;
use beian_domain::ident::{CreditCode, DomainName, IcpFilingNumber};
use serde::Serialize;

use crate::model::FilingRecord;

/// 搜索方式 — how the search read the text, so the page can say what it looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// 主体备案号 or 网站备案号, exact (the lenient spellings the parser accepts included).
    FilingNumber,
    /// 统一社会信用代码, exact.
    CreditCode,
    /// A filed domain, exact but for case, a trailing dot and a leading `www.`.
    Domain,
    /// Part of the 主办单位名称.
    EntityName,
}

impl SearchKind {
    /// The code (`filing_number`, `credit_code`, `domain`, `entity_name`).
    pub fn code(self) -> &'static str {
        match self {
            SearchKind::FilingNumber => "filing_number",
            SearchKind::CreditCode => "credit_code",
            SearchKind::Domain => "domain",
            SearchKind::EntityName => "entity_name",
        }
    }
}

/// 搜索结果 — one filing found, with its open rectification order if it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilingHit {
    /// The filing.
    pub filing: FilingRecord,
    /// Its open order (an entity has at most one), for the link to it.
    pub open_order_id: Option<i64>,
}

/// What a search found: how it read the text, the first filings in id order (an exact
/// name first), and whether there were more than the limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilingSearch {
    /// How the text was read; `None` for an empty text, which finds nothing.
    pub kind: Option<SearchKind>,
    /// At most the limit.
    pub hits: Vec<FilingHit>,
    /// More filings matched than were returned.
    pub capped: bool,
}

/// The text of a search, read as one kind with the keys to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchTerm {
    /// Entity or site numbers, as typed and normalised; a site number also brings its
    /// entity's number, so that `…号-3` finds the entity even before its third site is
    /// stored.
    FilingNumber(Vec<String>),
    /// Credit-code keys.
    CreditCode(Vec<String>),
    /// Domain keys (see [`domain_key`]).
    Domain(Vec<String>),
    /// The trimmed text, matched as a substring.
    EntityName(String),
}

impl SearchTerm {
    /// Reads a search text; `None` when it is empty.
    pub(crate) fn read(text: &str) -> Option<SearchTerm> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(number) = IcpFilingNumber::parse(text) {
            let mut keys = vec![text.to_owned(), number.as_str().to_owned()];
            if number.is_site() {
                keys.push(number.entity_number().as_str().to_owned());
            }
            return Some(SearchTerm::FilingNumber(dedup(keys)));
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(code) = CreditCode::parse(text) {
            return Some(SearchTerm::CreditCode(dedup(vec![
                code.as_str().to_owned(),
                compact.to_ascii_uppercase(),
            ])));
        }
        // A code that fails its check character is still looked up as filed: the checks
        // report it, and the operator searching for it has it in front of them.
        if compact.chars().count() == 18 && compact.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Some(SearchTerm::CreditCode(vec![compact.to_ascii_uppercase()]));
        }
        if let Some(keys) = domain_keys(text) {
            return Some(SearchTerm::Domain(keys));
        }
        Some(SearchTerm::EntityName(text.to_owned()))
    }

    pub(crate) fn kind(&self) -> SearchKind {
        match self {
            SearchTerm::FilingNumber(_) => SearchKind::FilingNumber,
            SearchTerm::CreditCode(_) => SearchKind::CreditCode,
            SearchTerm::Domain(_) => SearchKind::Domain,
            SearchTerm::EntityName(_) => SearchKind::EntityName,
        }
    }
}

/// The keys of a text that looks like a domain or a URL; `None` when it does not.
fn domain_keys(text: &str) -> Option<Vec<String>> {
    // A pasted address: keep the host.
    let host = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host = host.split(['/', '?', '#']).next().unwrap_or(host);
    let mut keys = Vec::new();
    match DomainName::parse(host) {
        Ok(domain) => {
            keys.extend(domain_key(host));
            keys.extend(domain_key(domain.as_str()));
            keys.extend(domain_key(&domain.unicode()));
        }
        // Something with a dot and no spaces that the parser refuses (a filed domain the
        // checks flag, say) is still looked up as it is written.
        Err(_) if host.contains('.') && host.is_ascii() && !host.contains(char::is_whitespace) => {
            keys.extend(domain_key(host));
        }
        Err(_) => return None,
    }
    (!keys.is_empty()).then(|| dedup(keys))
}

/// The search key of a filed domain: ASCII lower case, no trailing dot, no leading
/// `www.`, so that `Example.CN.` and `www.example.cn` meet `example.cn`. Migration 0004
/// computes the same in SQL for the domains stored before it; keep the two in step.
pub(crate) fn domain_key(domain: &str) -> Option<String> {
    let lower = domain.trim().to_ascii_lowercase();
    let bare = lower.trim_end_matches('.');
    let bare = bare.strip_prefix("www.").unwrap_or(bare);
    (!bare.is_empty()).then(|| bare.to_owned())
}

/// The credit-code key of a filing: the normalised code when the entity's certificate is a
/// 统一社会信用代码 (as filed, upper-cased, when it does not parse), and `None` for any
/// other certificate, so that a person's ID number is never a search key.
pub(crate) fn credit_code_key(filing: &Filing) -> Option<String> {
    if filing.entity.certificate_type != CertificateType::CreditCode {
        return None;
    }
    let filed = filing.entity.certificate_number.trim();
    let key = match CreditCode::parse(filed) {
        Ok(code) => code.as_str().to_owned(),
        Err(_) => filed.to_ascii_uppercase(),
    };
    (!key.is_empty()).then_some(key)
}

fn dedup(mut keys: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_read_as_one_kind() {
        let cases: &[(&str, Option<SearchTerm>)] = &[
            ("  ", None),
            (
                "京ICP备2024012345号",
                Some(SearchTerm::FilingNumber(vec!["京ICP备2024012345号".into()])),
            ),
            (
                "京icp备 2024012345号-2",
                Some(SearchTerm::FilingNumber(vec![
                    "京icp备 2024012345号-2".into(),
                    "京ICP备2024012345号-2".into(),
                    "京ICP备2024012345号".into(),
                ])),
            ),
            (
                "91110108ma01xy7k9d",
                Some(SearchTerm::CreditCode(vec!["91110108MA01XY7K9D".into()])),
            ),
            (
                "91110108MA01XY7K9E",
                Some(SearchTerm::CreditCode(vec!["91110108MA01XY7K9E".into()])),
            ),
            (
                "WWW.Yunfan-Data.CN.",
                Some(SearchTerm::Domain(vec!["yunfan-data.cn".into()])),
            ),
            (
                "https://www.yunfan-data.cn/about",
                Some(SearchTerm::Domain(vec!["yunfan-data.cn".into()])),
            ),
            (
                "例子.中国",
                Some(SearchTerm::Domain(vec![
                    "例子.中国".into(),
                    "xn--fsqu00a.xn--fiqs8s".into(),
                ])),
            ),
            ("云帆", Some(SearchTerm::EntityName("云帆".into()))),
            (
                "北京云帆数据科技有限公司",
                Some(SearchTerm::EntityName("北京云帆数据科技有限公司".into())),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(&SearchTerm::read(text), want, "{text}");
        }
    }

    #[test]
    fn domain_keys_drop_case_dot_and_www() {
        assert_eq!(
            domain_key(" WWW.Example.cn. ").as_deref(),
            Some("example.cn")
        );
        assert_eq!(
            domain_key("www2.example.cn").as_deref(),
            Some("www2.example.cn")
        );
        assert_eq!(domain_key("."), None);
    }

    #[test]
    fn only_a_credit_code_is_a_key() {
        let json = include_str!("../../../examples/company.jsonc");
        let mut f = Filing::from_json(json).expect("example");
        assert_eq!(credit_code_key(&f).as_deref(), Some("91110108MA01XY7K9D"));
        f.entity.certificate_type = CertificateType::ResidentId;
        assert_eq!(credit_code_key(&f), None);
    }
}
