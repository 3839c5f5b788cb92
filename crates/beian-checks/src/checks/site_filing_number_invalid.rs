//! site.filing_number_invalid — 网站备案号不合规.
//!
//! A site number is its entity's number plus `-N`. It must parse, carry the suffix,
//! belong to the entity's number when that is known, and not be shared by two sites.

use beian_domain::ident::icp::IcpFilingNumber;
use beian_domain::{CheckId, Evidence, Finding, Status};

use crate::{FilingCheck, FilingContext};

pub struct SiteFilingNumberInvalid;

impl FilingCheck for SiteFilingNumberInvalid {
    fn id(&self) -> CheckId {
        CheckId::SiteFilingNumberInvalid
    }

    fn run(&self, ctx: &FilingContext<'_>) -> Vec<Finding> {
        let entity_number = ctx
            .filing
            .entity
            .filing_number
            .as_deref()
            .and_then(|n| IcpFilingNumber::parse(n).ok());
        let mut seen: Vec<IcpFilingNumber> = Vec::new();
        let mut findings = Vec::new();
        for (target, website) in ctx.websites() {
            let Some(number) = website.filing_number.as_deref() else {
                continue;
            };
            let (status, message) = judge(number, entity_number.as_ref(), &seen);
            if let Ok(parsed) = IcpFilingNumber::parse(number) {
                seen.push(parsed);
            }
            findings.push(
                Finding::new(CheckId::SiteFilingNumberInvalid, status, target, message)
                    .field("网站备案号")
                    .with(Evidence::new("网站备案号", number)),
            );
        }
        findings
    }
}

/// Judges one site number given the entity's number and the site numbers seen before.
pub fn judge(
    number: &str,
    entity_number: Option<&IcpFilingNumber>,
    earlier_sites: &[IcpFilingNumber],
) -> (Status, String) {
    let parsed = match IcpFilingNumber::parse(number) {
        Ok(parsed) => parsed,
        Err(e) => return (Status::Fail, format!("网站备案号“{number}”不合规：{e}")),
    };
    if !parsed.is_site() {
        return (
            Status::Fail,
            format!("“{parsed}”缺少“-序号”，这是主体备案号而不是网站备案号"),
        );
    }
    if let Some(entity_number) = entity_number
        && !parsed.belongs_to(entity_number)
    {
        return (
            Status::Fail,
            format!("网站备案号 {parsed} 不属于本主体的备案号 {entity_number}"),
        );
    }
    if earlier_sites.contains(&parsed) {
        return (
            Status::Fail,
            format!("网站备案号 {parsed} 与另一个网站重复"),
        );
    }
    (Status::Pass, format!("网站备案号 {parsed} 格式正确"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(n: &str) -> IcpFilingNumber {
        IcpFilingNumber::parse(n).expect("valid number")
    }

    #[test]
    fn site_numbers_belong_to_their_entity() {
        let entity = parse("京ICP备2024012345号");
        let earlier = [parse("京ICP备2024012345号-1")];
        let cases = [
            (
                "京ICP备2024012345号-2",
                Some(&entity),
                Status::Pass,
                "next site",
            ),
            (
                "京ICP备2024012345号-1",
                Some(&entity),
                Status::Fail,
                "duplicate",
            ),
            (
                "京ICP备2024012345号",
                Some(&entity),
                Status::Fail,
                "no suffix",
            ),
            (
                "京ICP备2024099999号-2",
                Some(&entity),
                Status::Fail,
                "another entity",
            ),
            (
                "沪ICP备2024012345号-2",
                Some(&entity),
                Status::Fail,
                "another province",
            ),
            (
                "京ICP备2024012345号-2",
                None,
                Status::Pass,
                "entity number unknown",
            ),
            (
                "京ICP证030173号",
                Some(&entity),
                Status::Fail,
                "a licence number",
            ),
        ];
        for (number, entity_number, expected, why) in cases {
            let (status, message) = judge(number, entity_number, &earlier);
            assert_eq!(status, expected, "{why}: {message}");
        }
    }
}
