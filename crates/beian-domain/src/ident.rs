//! 编号与名称 — the identifiers a filing is made of, each a type built only by parsing.
//!
//! Every identifier here follows one shape: private fields, a `parse(&str)` that is lenient
//! about what people type or pages show (spaces, full-width digits, lower-case letters, a
//! missing 号), a `Display` that is the one strict normalised form, and an error enum whose
//! message says in Chinese what exactly is wrong with which part. Holding a value therefore
//! means holding a well-formed number; whether it is *the right* number for a filing is the
//! business of the checks, not of these parsers.

pub mod credit_code;
pub mod domain;
pub mod extract;
pub mod icp;
pub mod id_card;
pub mod licence;
pub mod phone;
pub mod police;
mod text;

pub use credit_code::{
    CreditCode, CreditCodeError, LegacyCertificate, LegacyKind, RegistrationAuthority,
};
pub use domain::{DomainError, DomainName};
pub use extract::{
    Extracted, RejectedNumber, ShownKind, ShownNumber, extract_all_numbers, extract_numbers,
};
pub use icp::{IcpFilingError, IcpFilingNumber};
pub use id_card::{Gender, ResidentIdError, ResidentIdNumber};
pub use licence::{IcpLicenceError, IcpLicenceNumber, LicenceKind};
pub use phone::{
    Carrier, Landline, LandlineError, MobileError, MobileNumber, PhoneError, PhoneNumber,
};
pub use police::{PoliceFilingError, PoliceFilingNumber};
