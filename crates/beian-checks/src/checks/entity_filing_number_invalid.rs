//! entity.filing_number_invalid — 主体备案号不合规.
//!
//! The entity number must be a well-formed `{省}ICP备{数字}号` without a site suffix, with
//! a real filing prefix (蜀, not 川). A company files with the 管局 of the province where
//! it is registered, so the prefix must match the province in its credit code; a
//! mismatch with the address is only a warning (the address may be a branch office). A
//! filing that has no number yet is not judged.

use beian_domain::filing::CertificateType;
use beian_domain::ident::credit_code::CreditCode;
use beian_domain::ident::icp::IcpFilingNumber;
use beian_domain::{CheckId, Entity, Evidence, Finding, Province, Status, Target};

use crate::{FilingCheck, FilingContext};

pub struct FilingNumberInvalid;

impl FilingCheck for FilingNumberInvalid {
    fn id(&self) -> CheckId {
        CheckId::EntityFilingNumberInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity = &ctx.filing.entity;
        let Some(number) = entity.filing_number.as_deref() else {
            return Vec::new();
        };
        let (status, message) = judge(entity, number);
        vec![
            Finding::new(
                CheckId::EntityFilingNumberInvalid,
                status,
                Target::Entity,
                message,
            )
            .field("主体备案号")
            .with(Evidence::new("主体备案号", number)),
        ]
    }
}

/// Judges the entity's filing number against the entity.
pub fn judge(entity: &Entity, number: &str) -> (Status, String) {
    let parsed = match IcpFilingNumber::parse(number) {
        Ok(parsed) => parsed,
        Err(e) => return (Status::Fail, format!("主体备案号“{number}”不合规：{e}")),
    };
    if parsed.is_site() {
        return (
            Status::Fail,
            format!(
                "“{parsed}”是网站备案号，主体备案号不带“-序号”，应为 {}",
                parsed.entity_number()
            ),
        );
    }
    let filed_in = parsed.province();
    let registered_in = (entity.certificate_type == CertificateType::CreditCode)
        .then(|| CreditCode::parse(&entity.certificate_number).ok())
        .flatten()
        .and_then(|code| code.province());
    if let Some(registered_in) = registered_in
        && registered_in != filed_in
    {
        return (
            Status::Fail,
            format!(
                "主体备案号属于{filed_in}管局，但统一社会信用代码显示主体登记在{registered_in}，应在登记地管局备案"
            ),
        );
    }
    if let Some(address_in) = entity.address.as_deref().and_then(province_of_address)
        && address_in != filed_in
    {
        return (
            Status::Warn,
            format!("主体备案号属于{filed_in}管局，但证件地址在{address_in}，请确认备案地是否正确"),
        );
    }
    (
        Status::Pass,
        format!("主体备案号 {parsed} 格式正确，属于{filed_in}管局"),
    )
}

/// The province an address starts with (北京市…, 四川省…, 内蒙古自治区…).
fn province_of_address(address: &str) -> Option<Province> {
    Province::from_name(address.trim())
}

#[cfg(test)]
mod tests {
    use beian_domain::Person;
    use beian_domain::filing::{EntityKind, IdType, ValidUntil};

    use super::*;

    fn company(address: &str) -> Entity {
        Entity {
            kind: EntityKind::Company,
            name: "北京云帆数据科技有限公司".into(),
            certificate_type: CertificateType::CreditCode,
            certificate_number: "91110108MA01XY7K9D".into(),
            certificate_valid_until: None,
            legal_representative: Some("李明".into()),
            address: Some(address.into()),
            filing_number: None,
            principal: Person {
                name: "李明".into(),
                id_type: IdType::ResidentId,
                id_number: "11010819850615003X".into(),
                id_valid_until: ValidUntil::Indefinite,
                mobile: "13911112222".into(),
                emergency_phone: None,
                email: None,
            },
        }
    }

    #[test]
    fn the_entity_number_is_judged_against_the_entity() {
        let beijing = company("北京市海淀区中关村大街1号");
        let cases = [
            (
                &beijing,
                "京ICP备2024012345号",
                Status::Pass,
                "right province",
            ),
            (
                &beijing,
                "京ICP备 2024012345 号",
                Status::Pass,
                "spaces are tolerated",
            ),
            (
                &beijing,
                "京ICP备2024012345号-1",
                Status::Fail,
                "a site number",
            ),
            (
                &beijing,
                "沪ICP备2024012345号",
                Status::Fail,
                "another province than the credit code",
            ),
            (
                &beijing,
                "川ICP备2021003158号",
                Status::Fail,
                "alias prefix",
            ),
            (&beijing, "萌ICP备20240001号", Status::Fail, "joke registry"),
            (&beijing, "京ICP备12号", Status::Fail, "too few digits"),
        ];
        for (entity, number, expected, why) in cases {
            let (status, message) = judge(entity, number);
            assert_eq!(status, expected, "{why}: {message}");
        }
        let mut elsewhere = company("上海市浦东新区世纪大道100号");
        elsewhere.certificate_type = CertificateType::LegacyBusinessRegistration;
        let (status, message) = judge(&elsewhere, "京ICP备2024012345号");
        assert_eq!(status, Status::Warn, "address elsewhere: {message}");
    }
}
