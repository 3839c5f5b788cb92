//! One module per check. Register each in [`crate::registry`].

pub mod entity_certificate_invalid;
pub mod entity_certificate_type_mismatch;
pub mod entity_contact_invalid;
pub mod entity_emergency_phone;
pub mod entity_filing_number_invalid;
pub mod entity_name_invalid;
pub mod entity_personal_site_limit;
pub mod entity_principal_id_expired;
pub mod entity_principal_id_invalid;
pub mod site_content_description;
pub mod site_content_mismatch;
pub mod site_content_violation;
pub mod site_domain_count;
pub mod site_domain_expired;
pub mod site_filing_number_invalid;
pub mod site_footer_link;
pub mod site_footer_number;
pub mod site_interactive_feature;
pub mod site_ip_mismatch;
pub mod site_name_violation;
pub mod site_not_served_by_provider;
pub mod site_police_number;
pub mod site_pre_approval;
pub mod site_title_mismatch;
pub mod site_unreachable;
