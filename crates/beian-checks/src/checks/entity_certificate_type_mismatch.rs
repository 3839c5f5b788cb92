//! entity.certificate_type_mismatch — 主体性质与证件类型不符.
//!
//! The filing rules require the entity's kind, name and certificate to agree: an
//! organisation identifies itself by an organisation certificate, a person by a personal
//! document. The legacy organisation numbers (pre-三证合一) are consistent with an
//! organisation kind; whether they are still acceptable is `entity.certificate_invalid`'s
//! question, not this one's.

use beian_domain::filing::{CertificateType, EntityKind};
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct CertificateTypeMismatch;

impl FilingCheck for CertificateTypeMismatch {
    fn id(&self) -> CheckId {
        CheckId::EntityCertificateTypeMismatch
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity = &ctx.filing.entity;
        vec![judge(entity.kind, entity.certificate_type)]
    }
}

/// Whether a certificate of type `certificate` can identify an entity of `kind`.
pub fn consistent(kind: EntityKind, certificate: CertificateType) -> bool {
    use CertificateType as C;
    let organisational = matches!(
        certificate,
        C::CreditCode | C::LegacyBusinessRegistration | C::LegacyOrganizationCode | C::Other
    );
    match kind {
        EntityKind::Personal => !organisational,
        EntityKind::Company | EntityKind::Government | EntityKind::Other => organisational,
    }
}

/// Judges the pair.
pub fn judge(kind: EntityKind, certificate: CertificateType) -> Finding {
    let (status, message) = if consistent(kind, certificate) {
        (
            Status::Pass,
            format!("主体性质“{kind}”与证件类型“{certificate}”一致"),
        )
    } else if kind == EntityKind::Personal {
        (
            Status::Fail,
            format!("个人主体使用了单位证件“{certificate}”，应使用本人的身份证件"),
        )
    } else {
        (
            Status::Fail,
            format!("主体性质为“{kind}”，却使用了个人证件“{certificate}”，应使用单位证件"),
        )
    };
    Finding::new(
        CheckId::EntityCertificateTypeMismatch,
        status,
        Target::Entity,
        message,
    )
    .field("主体证件类型")
    .with(Evidence::new("主体性质", kind.label()))
    .with(Evidence::new("主体证件类型", certificate.label()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_certificates_must_agree() {
        use CertificateType as C;
        use EntityKind as K;
        let cases = [
            (K::Company, C::CreditCode, Status::Pass),
            (K::Company, C::ResidentId, Status::Fail),
            (K::Company, C::Passport, Status::Fail),
            (K::Company, C::LegacyBusinessRegistration, Status::Pass),
            (K::Government, C::CreditCode, Status::Pass),
            (K::Other, C::Other, Status::Pass),
            (K::Personal, C::ResidentId, Status::Pass),
            (K::Personal, C::HkMacaoPermit, Status::Pass),
            (K::Personal, C::CreditCode, Status::Fail),
            (K::Personal, C::LegacyOrganizationCode, Status::Fail),
        ];
        for (kind, certificate, expected) in cases {
            assert_eq!(
                judge(kind, certificate).status,
                expected,
                "{kind} {certificate}"
            );
        }
    }
}
