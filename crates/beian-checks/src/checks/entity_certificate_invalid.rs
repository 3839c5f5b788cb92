//! entity.certificate_invalid — 主体证件号码不合规.
//!
//! Checks the entity's certificate number against its own coding standard: the credit
//! code's GB 32100 check character, a resident ID's GB 11643 check digit and birth date.
//! Numbers that 三证合一 replaced in 2015 (the 15-digit registration number, the
//! 9-character organisation code) fail with a pointer to the credit code. Document types
//! without a public coding rule (passports, permits) are only checked for presence.

use beian_domain::filing::CertificateType;
use beian_domain::ident::credit_code::{CreditCode, LegacyCertificate};
use beian_domain::ident::id_card::ResidentIdNumber;
use beian_domain::pii::mask_id_number;
use beian_domain::{CheckId, Evidence, Finding, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct CertificateInvalid;

impl FilingCheck for CertificateInvalid {
    fn id(&self) -> CheckId {
        CheckId::EntityCertificateInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity = &ctx.filing.entity;
        let (status, message) = judge(entity.certificate_type, &entity.certificate_number);
        vec![
            Finding::new(
                CheckId::EntityCertificateInvalid,
                status,
                Target::Entity,
                message,
            )
            .field("主体证件号码")
            .with(Evidence::new(
                "主体证件类型",
                entity.certificate_type.label(),
            ))
            .with(Evidence::new(
                "主体证件号码",
                shown_number(entity.certificate_type, &entity.certificate_number),
            )),
        ]
    }
}

/// An organisation's number is public; a person's document number is masked.
fn shown_number(kind: CertificateType, number: &str) -> String {
    use CertificateType as C;
    match kind {
        C::CreditCode | C::LegacyBusinessRegistration | C::LegacyOrganizationCode | C::Other => {
            number.to_owned()
        }
        C::ResidentId
        | C::Passport
        | C::HkMacaoPermit
        | C::TaiwanPermit
        | C::ForeignPermanentResidence => mask_id_number(number),
    }
}

/// Judges a certificate number of the given type.
pub fn judge(kind: CertificateType, number: &str) -> (Status, String) {
    use CertificateType as C;
    match kind {
        C::CreditCode => {
            if let Some(legacy) = LegacyCertificate::detect(number) {
                return (
                    Status::Fail,
                    format!(
                        "“{number}”是三证合一前的{}，应改填统一社会信用代码",
                        legacy.label()
                    ),
                );
            }
            match CreditCode::parse(number) {
                Ok(code) if code.organization_code_checks() => {
                    (Status::Pass, format!("统一社会信用代码 {code} 校验通过"))
                }
                Ok(code) => (
                    Status::Warn,
                    format!(
                        "统一社会信用代码 {code} 校验位正确，但其中的组织机构代码部分校验不通过，请核对证件"
                    ),
                ),
                Err(e) => (
                    Status::Fail,
                    format!("统一社会信用代码“{number}”不合规：{e}"),
                ),
            }
        }
        C::LegacyBusinessRegistration | C::LegacyOrganizationCode => (
            Status::Fail,
            format!(
                "主体仍使用三证合一前的{}“{number}”，应改用统一社会信用代码",
                kind.label()
            ),
        ),
        C::ResidentId => match ResidentIdNumber::parse(number) {
            Ok(_) => (
                Status::Pass,
                format!("居民身份证号码 {} 校验通过", mask_id_number(number)),
            ),
            Err(e) => (Status::Fail, format!("居民身份证号码不合规：{e}")),
        },
        C::Passport
        | C::HkMacaoPermit
        | C::TaiwanPermit
        | C::ForeignPermanentResidence
        | C::Other => (
            Status::Pass,
            format!("{}没有公开的编码校验规则，已确认号码非空", kind.label()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_numbers_follow_their_standard() {
        use CertificateType as C;
        let cases = [
            (
                C::CreditCode,
                "91110108MA01XY7K9D",
                Status::Pass,
                "valid credit code",
            ),
            (
                C::CreditCode,
                "91110108MA01XY7K9E",
                Status::Fail,
                "wrong check character",
            ),
            (
                C::CreditCode,
                "9111010SMA01XY7K0H",
                Status::Fail,
                "letter S is not in the alphabet",
            ),
            (
                C::CreditCode,
                "110108000123456",
                Status::Fail,
                "15-digit registration number",
            ),
            (
                C::LegacyOrganizationCode,
                "MA01XY7K-0",
                Status::Fail,
                "organisation code",
            ),
            (
                C::ResidentId,
                "11010519491231002X",
                Status::Pass,
                "valid ID",
            ),
            (
                C::ResidentId,
                "110105194912310021",
                Status::Fail,
                "wrong check digit",
            ),
            (C::Passport, "E12345678", Status::Pass, "no public rule"),
        ];
        for (kind, number, expected, why) in cases {
            let (status, message) = judge(kind, number);
            assert_eq!(status, expected, "{why}: {message}");
        }
    }
}
