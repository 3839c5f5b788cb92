//! `beian validate KIND VALUE`: one number or name through its parser.

use beian_domain::ident::{
    CreditCode, DomainName, IcpFilingNumber, IcpLicenceNumber, PhoneNumber, PoliceFilingNumber,
    ResidentIdNumber,
};
use beian_domain::pii::{mask_id_number, mask_phone};
use serde_json::json;

use crate::output::{Format, Painter, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 编号类型
    #[arg(value_enum)]
    kind: Kind,
    /// 要校验的值（可带空格、全角数字等，输出为规范写法）
    value: String,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Kind {
    /// ICP备案号（主体或网站）
    Icp,
    /// 公安联网备案号
    Police,
    /// ICP经营许可证号
    Licence,
    /// 居民身份证号码
    IdCard,
    /// 统一社会信用代码
    CreditCode,
    /// 手机号码或固定电话
    Phone,
    /// 域名
    Domain,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Icp => "ICP备案号",
            Kind::Police => "公安联网备案号",
            Kind::Licence => "ICP经营许可证号",
            Kind::IdCard => "居民身份证号码",
            Kind::CreditCode => "统一社会信用代码",
            Kind::Phone => "电话号码",
            Kind::Domain => "域名",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Kind::Icp => "icp",
            Kind::Police => "police",
            Kind::Licence => "licence",
            Kind::IdCard => "id-card",
            Kind::CreditCode => "credit-code",
            Kind::Phone => "phone",
            Kind::Domain => "domain",
        }
    }
}

/// A parsed value: its normalised (and, for personal data, masked) form, and named facts.
struct Parsed {
    normalized: String,
    details: Vec<(&'static str, &'static str, String)>,
}

fn parse(kind: Kind, value: &str) -> Result<Parsed, String> {
    let detail = |key, label, value: String| (key, label, value);
    match kind {
        Kind::Icp => IcpFilingNumber::parse(value)
            .map(|n| {
                let mut details = vec![
                    detail("province", "管局", n.province().name().to_owned()),
                    detail(
                        "type",
                        "类型",
                        if n.is_site() {
                            "网站备案号"
                        } else {
                            "主体备案号"
                        }
                        .to_owned(),
                    ),
                    detail("entity_number", "主体备案号", n.entity_number().to_string()),
                ];
                if let Some(index) = n.site_index() {
                    details.push(detail("site_index", "网站序号", index.to_string()));
                }
                if let Some(year) = n.approved_year() {
                    details.push(detail("approved_year", "首次备案年份", year.to_string()));
                }
                Parsed {
                    normalized: n.to_string(),
                    details,
                }
            })
            .map_err(|e| e.to_string()),
        Kind::Police => PoliceFilingNumber::parse(value)
            .map(|n| Parsed {
                normalized: n.to_string(),
                details: vec![
                    detail("province", "省份", n.province().name().to_owned()),
                    detail("admin_code", "区县代码", n.admin_code().to_owned()),
                    detail("query_url", "查询地址", n.query_url()),
                ],
            })
            .map_err(|e| e.to_string()),
        Kind::Licence => IcpLicenceNumber::parse(value)
            .map(|n| Parsed {
                normalized: n.to_string(),
                details: vec![
                    detail("kind", "类型", n.kind().label().to_owned()),
                    detail(
                        "province",
                        "发证机关",
                        n.province().map_or("工业和信息化部".to_owned(), |p| {
                            format!("{}通信管理局", p.name())
                        }),
                    ),
                ],
            })
            .map_err(|e| e.to_string()),
        Kind::IdCard => ResidentIdNumber::parse(value)
            .map(|n| Parsed {
                normalized: mask_id_number(n.as_str()),
                details: vec![
                    detail(
                        "region",
                        "地区",
                        n.province().map_or("港澳台居民居住证".to_owned(), |p| {
                            p.name().to_owned()
                        }),
                    ),
                    detail("gender", "性别", n.gender().label().to_owned()),
                ],
            })
            .map_err(|e| e.to_string()),
        Kind::CreditCode => CreditCode::parse(value)
            .map(|code| {
                let mut details = vec![detail(
                    "registration_authority",
                    "登记管理部门",
                    code.registration_authority()
                        .label()
                        .unwrap_or("未知")
                        .to_owned(),
                )];
                if let Some(label) = code.entity_type_label() {
                    details.push(detail("entity_type", "机构类别", label.to_owned()));
                }
                if let Some(province) = code.province() {
                    details.push(detail("province", "登记地", province.name().to_owned()));
                }
                details.push(detail(
                    "organization_code_check",
                    "组织机构代码校验",
                    if code.organization_code_checks() {
                        "通过"
                    } else {
                        "不通过"
                    }
                    .to_owned(),
                ));
                Parsed {
                    normalized: code.to_string(),
                    details,
                }
            })
            .map_err(|e| e.to_string()),
        Kind::Phone => PhoneNumber::parse(value)
            .map(|phone| {
                let details = match &phone {
                    PhoneNumber::Mobile(m) => vec![
                        detail("type", "类型", "手机号码".to_owned()),
                        detail(
                            "original_carrier",
                            "号段原属",
                            m.original_carrier().label().to_owned(),
                        ),
                    ],
                    PhoneNumber::Landline(l) => vec![
                        detail("type", "类型", "固定电话".to_owned()),
                        detail("area_code", "区号", l.area_code().to_owned()),
                    ],
                };
                Parsed {
                    normalized: mask_phone(phone.as_str()),
                    details,
                }
            })
            .map_err(|e| e.to_string()),
        Kind::Domain => DomainName::parse(value)
            .map(|d| Parsed {
                normalized: d.as_str().to_owned(),
                details: vec![
                    detail("unicode", "显示形式", d.unicode()),
                    detail(
                        "registrable",
                        "可注册域名",
                        d.registrable().as_str().to_owned(),
                    ),
                    detail("suffix", "公共后缀", d.suffix().to_owned()),
                ],
            })
            .map_err(|e| e.to_string()),
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let result = parse(args.kind, &args.value);
    let personal = matches!(args.kind, Kind::IdCard | Kind::Phone);
    let shown_input = match args.kind {
        Kind::IdCard => mask_id_number(&args.value),
        Kind::Phone => mask_phone(&args.value),
        _ => args.value.clone(),
    };
    match args.format.format {
        Format::Json => {
            let value = match &result {
                Ok(parsed) => json!({
                    "kind": args.kind.code(),
                    "input": shown_input,
                    "valid": true,
                    "normalized": parsed.normalized,
                    "masked": personal,
                    "details": parsed.details.iter().map(|(k, _, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                }),
                Err(error) => json!({
                    "kind": args.kind.code(),
                    "input": shown_input,
                    "valid": false,
                    "error": error,
                }),
            };
            print_json(&value)?;
        }
        Format::Text => {
            let paint = Painter::stdout();
            match &result {
                Ok(parsed) => {
                    println!(
                        "{}  {}：{}",
                        paint.green("✓ 有效"),
                        args.kind.label(),
                        parsed.normalized
                    );
                    for (_, label, value) in &parsed.details {
                        println!("    {label}：{value}");
                    }
                }
                Err(error) => {
                    println!(
                        "{}  {}“{}”：{error}",
                        paint.red("✗ 无效"),
                        args.kind.label(),
                        shown_input
                    );
                }
            }
        }
    }
    Ok(if result.is_ok() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
