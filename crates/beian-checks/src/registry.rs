//! 核查项登记 — the one list of checks, and the offline runs over it.
//!
//! Adding a check: write `checks/<id>.rs`, then add one line to [`FILING_CHECKS`] or
//! [`PAGE_CHECKS`]. A test below makes sure every listed check reports under its own id.

use beian_domain::{Filing, Finding};
use beian_page::PageAnalysis;
use chrono::NaiveDate;

use crate::checks::*;
use crate::registry_evidence::{RegistryCheck, RegistryContext};
use crate::{
    FilingCheck, FilingContext, LiveCheck, LiveContext, PageCheck, PageContext, PageSubject,
    Settings,
};

/// Checks judged on the filed data alone, in report order.
pub const FILING_CHECKS: &[&dyn FilingCheck] = &[
    &entity_name_invalid::NameInvalid,
    &entity_certificate_type_mismatch::CertificateTypeMismatch,
    &entity_certificate_invalid::CertificateInvalid,
    &entity_filing_number_invalid::FilingNumberInvalid,
    &entity_principal_id_expired::PrincipalIdExpired,
    &entity_principal_id_invalid::PrincipalIdInvalid,
    &entity_contact_invalid::ContactInvalid,
    &entity_emergency_phone::EmergencyPhone,
    &entity_personal_site_limit::PersonalSiteLimit,
    &site_name_violation::NameViolation,
    &site_filing_number_invalid::SiteFilingNumberInvalid,
    &site_domain_count::DomainCount,
    &site_pre_approval::PreApproval,
    &site_interactive_feature::InteractiveFeature,
    &site_content_description::ContentDescription,
];

/// Checks judged on a homepage, in report order.
pub const PAGE_CHECKS: &[&dyn PageCheck] = &[
    &site_title_mismatch::TitleMismatch,
    &site_footer_number::FooterNumber,
    &site_footer_link::FooterLink,
    &site_police_number::PoliceNumber,
    &site_pre_approval::PreApproval,
    &site_content_mismatch::ContentMismatch,
    &site_content_violation::ContentViolation,
    &site_interactive_feature::InteractiveFeature,
];

/// Checks judged on live DNS, HTTP and registration (WHOIS/RDAP) evidence, in report order.
pub const LIVE_CHECKS: &[&dyn LiveCheck] = &[
    &site_ip_mismatch::IpMismatch,
    &site_not_served_by_provider::NotServedByProvider,
    &site_unreachable::Unreachable,
    &site_domain_expired::DomainExpired,
];

/// Checks judged on the outside registries' answers (business registry, identity,
/// carrier, registrar real-name), in report order.
pub const REGISTRY_CHECKS: &[&dyn RegistryCheck] = &[
    &entity_business_status::BusinessStatusCheck,
    &entity_certificate_mismatch::CertificateMismatch,
    &entity_legal_rep_mismatch::LegalRepMismatch,
    &entity_principal_id_mismatch::PrincipalIdMismatch,
    &entity_domain_owner_mismatch::DomainOwnerMismatch,
    &entity_contact_invalid::ContactVerified,
];

/// Every registry check on one filing's registry answers.
pub fn judge_registry(ctx: &RegistryContext<'_>) -> Vec<Finding> {
    REGISTRY_CHECKS
        .iter()
        .flat_map(|check| check.run(ctx))
        .collect()
}

/// Every live check on one website's evidence.
pub fn judge_live(ctx: &LiveContext<'_>) -> Vec<Finding> {
    LIVE_CHECKS
        .iter()
        .flat_map(|check| check.run(ctx))
        .collect()
}

/// `beian lint`: every filing check on one filing, judged on `today`.
pub fn lint(filing: &Filing, today: NaiveDate, settings: &Settings) -> Vec<Finding> {
    let ctx = FilingContext {
        filing,
        today,
        settings,
    };
    FILING_CHECKS
        .iter()
        .flat_map(|check| check.run(&ctx))
        .collect()
}

/// `beian inspect`: every page check on one analysed page, against a filing's website
/// when one is given.
pub fn inspect(
    page: &PageAnalysis,
    subject: Option<PageSubject<'_>>,
    settings: &Settings,
    source: &str,
    observed_at: &str,
) -> Vec<Finding> {
    let ctx = PageContext {
        page,
        subject,
        settings,
        source,
        observed_at,
    };
    PAGE_CHECKS
        .iter()
        .flat_map(|check| check.run(&ctx))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn no_check_is_registered_twice() {
        let filing: HashSet<_> = FILING_CHECKS.iter().map(|c| c.id()).collect();
        assert_eq!(filing.len(), FILING_CHECKS.len());
        let page: HashSet<_> = PAGE_CHECKS.iter().map(|c| c.id()).collect();
        assert_eq!(page.len(), PAGE_CHECKS.len());
        let live: HashSet<_> = LIVE_CHECKS.iter().map(|c| c.id()).collect();
        assert_eq!(live.len(), LIVE_CHECKS.len());
        let registry: HashSet<_> = REGISTRY_CHECKS.iter().map(|c| c.id()).collect();
        assert_eq!(registry.len(), REGISTRY_CHECKS.len());
    }
}
