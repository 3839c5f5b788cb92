//! 平面行 — the flat layout of CSV and XLSX: one row per website, the entity's columns
//! repeated on each, and the conversion between rows and filings.

use std::net::IpAddr;

use beian_domain::filing::{CertificateType, IdType, PreApproval, PreApprovalCategory, ValidUntil};
use beian_domain::pii::{mask_id_number, mask_phone};
use beian_domain::{Entity, EntityKind, Filing, Person, Website};
use chrono::NaiveDate;

/// 列 — one column of the flat layout: its Chinese header, the English alias also
/// accepted, and whether a file must have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header an export writes, in Chinese.
    pub zh: &'static str,
    /// The English alias a reader also accepts (case does not matter).
    pub en: &'static str,
    /// Whether the header must be present in an imported file.
    pub required: bool,
    /// Whether the column holds an ID number or a phone number (masked in exports).
    pub personal: Personal,
}

/// What kind of personal number a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// Nothing to mask.
    No,
    /// An ID number.
    IdNumber,
    /// A phone number.
    Phone,
}

impl Column {
    /// The cell as an export shows it: masked when personal, unless asked otherwise.
    pub(crate) fn shown(&self, value: &str, masked: bool) -> String {
        if !masked || value.is_empty() {
            return value.to_owned();
        }
        match self.personal {
            Personal::No => value.to_owned(),
            Personal::IdNumber => mask_id_number(value),
            Personal::Phone => mask_phone(value),
        }
    }
}

macro_rules! filing_columns {
    ($($field:ident = $zh:literal, $en:literal, $required:literal, $personal:ident;)+) => {
        /// 平面行 — one row of the flat layout: one website of a filing, with the entity's
        /// columns repeated. Every cell is text as it appears in the file; an empty string
        /// is an empty cell. An entity without websites is one row with the website
        /// columns empty.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct FilingRow {
            $(#[doc = $zh] pub $field: String,)+
        }

        /// Every column of the flat layout, in the order exports write them.
        pub const FILING_COLUMNS: &[Column] = &[
            $(Column { zh: $zh, en: $en, required: $required, personal: Personal::$personal },)+
        ];

        impl FilingRow {
            /// The cells in column order.
            pub fn cells(&self) -> Vec<&str> {
                vec![$(self.$field.as_str(),)+]
            }

            /// The cells in column order, to fill.
            pub(crate) fn cells_mut(&mut self) -> Vec<&mut String> {
                vec![$(&mut self.$field,)+]
            }
        }

        /// The Chinese header of each field, for error messages.
        #[allow(non_upper_case_globals, dead_code)]
        mod zh {
            $(pub const $field: &str = $zh;)+
        }
    };
}

filing_columns! {
    entity_filing_number = "主体备案号", "entity_filing_number", false, No;
    entity_kind = "主体性质", "entity_kind", true, No;
    entity_name = "主办单位名称", "entity_name", true, No;
    certificate_type = "主体证件类型", "certificate_type", true, No;
    certificate_number = "主体证件号码", "certificate_number", true, IdNumber;
    certificate_valid_until = "主体证件有效期至", "certificate_valid_until", false, No;
    legal_representative = "法定代表人", "legal_representative", false, No;
    address = "通信地址", "address", false, No;
    principal_name = "主体负责人姓名", "principal_name", true, No;
    principal_id_type = "主体负责人证件类型", "principal_id_type", true, No;
    principal_id_number = "主体负责人证件号码", "principal_id_number", true, IdNumber;
    principal_id_valid_until = "主体负责人证件有效期至", "principal_id_valid_until", true, No;
    principal_mobile = "主体负责人手机号码", "principal_mobile", true, Phone;
    principal_emergency_phone = "主体负责人应急联系电话", "principal_emergency_phone", false, Phone;
    principal_email = "主体负责人电子邮箱", "principal_email", false, No;
    website_name = "网站名称", "website_name", true, No;
    website_filing_number = "网站备案号", "website_filing_number", false, No;
    website_domains = "网站域名", "website_domains", true, No;
    website_ips = "接入IP", "website_ips", false, No;
    site_principal_name = "网站负责人姓名", "site_principal_name", false, No;
    site_principal_id_type = "网站负责人证件类型", "site_principal_id_type", false, No;
    site_principal_id_number = "网站负责人证件号码", "site_principal_id_number", false, IdNumber;
    site_principal_id_valid_until = "网站负责人证件有效期至", "site_principal_id_valid_until", false, No;
    site_principal_mobile = "网站负责人手机号码", "site_principal_mobile", false, Phone;
    site_principal_emergency_phone = "网站负责人应急联系电话", "site_principal_emergency_phone", false, Phone;
    site_principal_email = "网站负责人电子邮箱", "site_principal_email", false, No;
    pre_approvals = "前置审批", "pre_approvals", false, No;
    content_description = "网站内容描述", "content_description", false, No;
}

/// The number of entity columns at the start of a row: rows of one filing must agree on them.
pub(crate) const ENTITY_COLUMNS: usize = 15;

/// The column of a Chinese header.
pub(crate) fn column_named(zh: &str) -> Column {
    FILING_COLUMNS
        .iter()
        .copied()
        .find(|c| c.zh == zh)
        .unwrap_or(Column {
            zh: "",
            en: "",
            required: false,
            personal: Personal::No,
        })
}

/// The column a header cell names: the Chinese header or the English alias, ignoring
/// surrounding spaces, case, and the `*` templates put on required columns.
pub(crate) fn column_index(header: &str) -> Option<usize> {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    let header = header.trim_end_matches(['*', '＊']).trim();
    FILING_COLUMNS
        .iter()
        .position(|c| c.zh == header || c.en.eq_ignore_ascii_case(header))
}

/// Separators between several domains or IPs in one cell.
const LIST_SEPARATORS: &[char] = &[';', '；', ',', '，', '、', '\n', ' '];

impl FilingRow {
    /// The rows of one filing: one per website, or one with empty website columns.
    pub fn from_filing(filing: &Filing) -> Vec<FilingRow> {
        let e = &filing.entity;
        let p = &e.principal;
        let entity = FilingRow {
            entity_filing_number: e.filing_number.clone().unwrap_or_default(),
            entity_kind: e.kind.label().to_owned(),
            entity_name: e.name.clone(),
            certificate_type: e.certificate_type.label().to_owned(),
            certificate_number: e.certificate_number.clone(),
            certificate_valid_until: e
                .certificate_valid_until
                .map(|v| v.to_string())
                .unwrap_or_default(),
            legal_representative: e.legal_representative.clone().unwrap_or_default(),
            address: e.address.clone().unwrap_or_default(),
            principal_name: p.name.clone(),
            principal_id_type: p.id_type.label().to_owned(),
            principal_id_number: p.id_number.clone(),
            principal_id_valid_until: p.id_valid_until.to_string(),
            principal_mobile: p.mobile.clone(),
            principal_emergency_phone: p.emergency_phone.clone().unwrap_or_default(),
            principal_email: p.email.clone().unwrap_or_default(),
            ..FilingRow::default()
        };
        if filing.websites.is_empty() {
            return vec![entity];
        }
        filing
            .websites
            .iter()
            .map(|w| {
                let mut row = entity.clone();
                row.website_name = w.name.clone();
                row.website_filing_number = w.filing_number.clone().unwrap_or_default();
                row.website_domains = w.domains.join(";");
                row.website_ips = w
                    .ips
                    .iter()
                    .map(|ip| ip.to_string())
                    .collect::<Vec<_>>()
                    .join(";");
                if let Some(sp) = &w.principal {
                    row.site_principal_name = sp.name.clone();
                    row.site_principal_id_type = sp.id_type.label().to_owned();
                    row.site_principal_id_number = sp.id_number.clone();
                    row.site_principal_id_valid_until = sp.id_valid_until.to_string();
                    row.site_principal_mobile = sp.mobile.clone();
                    row.site_principal_emergency_phone =
                        sp.emergency_phone.clone().unwrap_or_default();
                    row.site_principal_email = sp.email.clone().unwrap_or_default();
                }
                row.pre_approvals = w
                    .pre_approvals
                    .iter()
                    .map(|a| format!("{}:{}", a.category.label(), a.number))
                    .collect::<Vec<_>>()
                    .join(";");
                row.content_description = w.content_description.clone().unwrap_or_default();
                row
            })
            .collect()
    }

    /// The key that groups rows into one filing: the 主体备案号, or before approval the
    /// 主体证件号码; `None` when a row has neither.
    pub(crate) fn group_key(&self) -> Option<String> {
        let number = self.entity_filing_number.trim();
        if !number.is_empty() {
            return Some(format!("备案号:{number}"));
        }
        let certificate = self.certificate_number.trim();
        (!certificate.is_empty()).then(|| format!("证件:{certificate}"))
    }

    /// The first entity column on which two rows differ, if any.
    pub(crate) fn entity_difference(&self, other: &FilingRow) -> Option<usize> {
        let (a, b) = (self.cells(), other.cells());
        (0..ENTITY_COLUMNS).find(|&i| a[i].trim() != b[i].trim())
    }

    /// Whether the row carries a website (or only the entity).
    pub(crate) fn has_website(&self) -> bool {
        self.cells()[ENTITY_COLUMNS..]
            .iter()
            .any(|s| !s.trim().is_empty())
    }
}

/// One bad cell of a row: its column, the value as shown, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellError {
    pub field: &'static str,
    pub value: Option<String>,
    pub reason: String,
}

/// Reads the cells of one row, collecting every bad cell rather than stopping at the first.
struct Cells {
    errors: Vec<CellError>,
}

impl Cells {
    fn fail(&mut self, field: &'static str, value: &str, reason: impl Into<String>) {
        let value = value.trim();
        self.errors.push(CellError {
            field,
            value: (!value.is_empty()).then(|| column_named(field).shown(value, true)),
            reason: reason.into(),
        });
    }

    fn required(&mut self, field: &'static str, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, v, "不能为空");
        }
        v.to_owned()
    }

    fn optional(value: &str) -> Option<String> {
        let v = value.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    fn coded<T: Copy>(
        &mut self,
        field: &'static str,
        value: &str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
        show: fn(T) -> String,
    ) -> Option<T> {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, v, "不能为空");
            return None;
        }
        let parsed = parse(v);
        if parsed.is_none() {
            let known: Vec<String> = all.iter().map(|x| show(*x)).collect();
            self.fail(
                field,
                v,
                format!("不是可识别的取值，应为：{}", known.join("、")),
            );
        }
        parsed
    }

    fn valid_until(&mut self, field: &'static str, value: &str) -> Option<ValidUntil> {
        let v = value.trim();
        if v == "长期" || v.eq_ignore_ascii_case("indefinite") {
            return Some(ValidUntil::Indefinite);
        }
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(ValidUntil::Date(d)),
            Err(_) if v.is_empty() => {
                self.fail(field, v, "不能为空");
                None
            }
            Err(_) => {
                self.fail(field, v, "不是日期，应为 YYYY-MM-DD 或“长期”");
                None
            }
        }
    }
}

fn entity_kind(v: &str) -> Option<EntityKind> {
    EntityKind::parse(v)
}
fn certificate_type(v: &str) -> Option<CertificateType> {
    CertificateType::parse(v)
}
fn id_type(v: &str) -> Option<IdType> {
    IdType::parse(v)
}
fn category(v: &str) -> Option<PreApprovalCategory> {
    PreApprovalCategory::parse(v)
}

/// The entity of a row, or every bad entity cell.
pub(crate) fn entity_of(row: &FilingRow) -> Result<Entity, Vec<CellError>> {
    let mut c = Cells { errors: Vec::new() };
    let kind = c.coded(
        zh::entity_kind,
        &row.entity_kind,
        entity_kind,
        EntityKind::ALL,
        |k| k.label().to_owned(),
    );
    let name = c.required(zh::entity_name, &row.entity_name);
    let certificate = c.coded(
        zh::certificate_type,
        &row.certificate_type,
        certificate_type,
        CertificateType::ALL,
        |k| k.label().to_owned(),
    );
    let certificate_number = c.required(zh::certificate_number, &row.certificate_number);
    let certificate_valid_until = if row.certificate_valid_until.trim().is_empty() {
        None
    } else {
        c.valid_until(zh::certificate_valid_until, &row.certificate_valid_until)
    };
    let principal = person(
        &mut c,
        [
            (zh::principal_name, &row.principal_name),
            (zh::principal_id_type, &row.principal_id_type),
            (zh::principal_id_number, &row.principal_id_number),
            (zh::principal_id_valid_until, &row.principal_id_valid_until),
            (zh::principal_mobile, &row.principal_mobile),
            (
                zh::principal_emergency_phone,
                &row.principal_emergency_phone,
            ),
            (zh::principal_email, &row.principal_email),
        ],
    );
    match (kind, certificate, principal) {
        (Some(kind), Some(certificate_type), Some(principal)) if c.errors.is_empty() => {
            Ok(Entity {
                kind,
                name,
                certificate_type,
                certificate_number,
                certificate_valid_until,
                legal_representative: Cells::optional(&row.legal_representative),
                address: Cells::optional(&row.address),
                filing_number: Cells::optional(&row.entity_filing_number),
                principal,
            })
        }
        _ => Err(c.errors),
    }
}

/// A person from seven cells: name, ID type, ID number, valid until, mobile, emergency
/// phone, email.
fn person(c: &mut Cells, cells: [(&'static str, &String); 7]) -> Option<Person> {
    let [
        name,
        id_type_cell,
        id_number,
        valid,
        mobile,
        emergency,
        email,
    ] = cells;
    let before = c.errors.len();
    let name = c.required(name.0, name.1);
    let id_type = c.coded(id_type_cell.0, id_type_cell.1, id_type, IdType::ALL, |k| {
        k.label().to_owned()
    });
    let id_number = c.required(id_number.0, id_number.1);
    let id_valid_until = c.valid_until(valid.0, valid.1);
    let mobile = c.required(mobile.0, mobile.1);
    if c.errors.len() > before {
        return None;
    }
    Some(Person {
        name,
        id_type: id_type?,
        id_number,
        id_valid_until: id_valid_until?,
        mobile,
        emergency_phone: Cells::optional(emergency.1),
        email: Cells::optional(email.1),
    })
}

/// The website of a row (`None` for an entity-only row), or every bad website cell.
pub(crate) fn website_of(row: &FilingRow) -> Result<Option<Website>, Vec<CellError>> {
    if !row.has_website() {
        return Ok(None);
    }
    let mut c = Cells { errors: Vec::new() };
    let name = c.required(zh::website_name, &row.website_name);
    let domains: Vec<String> = split_list(&row.website_domains)
        .map(str::to_owned)
        .collect();
    let mut ips = Vec::new();
    for ip in split_list(&row.website_ips) {
        match ip.parse::<IpAddr>() {
            Ok(ip) => ips.push(ip),
            Err(_) => c.fail(zh::website_ips, ip, "不是有效的 IP 地址"),
        }
    }
    let site_principal_cells = [
        (zh::site_principal_name, &row.site_principal_name),
        (zh::site_principal_id_type, &row.site_principal_id_type),
        (zh::site_principal_id_number, &row.site_principal_id_number),
        (
            zh::site_principal_id_valid_until,
            &row.site_principal_id_valid_until,
        ),
        (zh::site_principal_mobile, &row.site_principal_mobile),
        (
            zh::site_principal_emergency_phone,
            &row.site_principal_emergency_phone,
        ),
        (zh::site_principal_email, &row.site_principal_email),
    ];
    let principal = if site_principal_cells
        .iter()
        .all(|(_, v)| v.trim().is_empty())
    {
        None
    } else {
        person(&mut c, site_principal_cells)
    };
    let mut pre_approvals = Vec::new();
    for entry in row
        .pre_approvals
        .split([';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some((cat, number)) = entry.split_once([':', '：']) else {
            c.fail(
                zh::pre_approvals,
                entry,
                "应写作“类别:文号”，多项以分号分隔",
            );
            continue;
        };
        let number = number.trim();
        match (category(cat.trim()), number.is_empty()) {
            (Some(category), false) => pre_approvals.push(PreApproval {
                category,
                number: number.to_owned(),
            }),
            (None, _) => {
                let known: Vec<&str> = PreApprovalCategory::ALL.iter().map(|k| k.label()).collect();
                c.fail(
                    zh::pre_approvals,
                    entry,
                    format!("审批类别不可识别，应为：{}", known.join("、")),
                );
            }
            (Some(_), true) => c.fail(zh::pre_approvals, entry, "审批文号不能为空"),
        }
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Some(Website {
        name,
        filing_number: Cells::optional(&row.website_filing_number),
        domains,
        ips,
        principal,
        pre_approvals,
        content_description: Cells::optional(&row.content_description),
    }))
}

fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(LIST_SEPARATORS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> FilingRow {
        FilingRow {
            entity_filing_number: "京ICP备2024012345号".into(),
            entity_kind: "企业".into(),
            entity_name: "北京示例科技有限公司".into(),
            certificate_type: "统一社会信用代码".into(),
            certificate_number: "91110108MA01ABCD2X".into(),
            principal_name: "张三".into(),
            principal_id_type: "居民身份证".into(),
            principal_id_number: "11010519491231002X".into(),
            principal_id_valid_until: "长期".into(),
            principal_mobile: "13800138000".into(),
            website_name: "示例官网".into(),
            website_domains: "example.cn；www.example.cn".into(),
            website_ips: "203.0.113.7, 2001:db8::1".into(),
            pre_approvals: "新闻:国新网1234".into(),
            ..FilingRow::default()
        }
    }

    #[test]
    fn a_good_row_becomes_an_entity_and_a_website() {
        let r = row();
        let entity = entity_of(&r).expect("entity");
        assert_eq!(entity.kind, EntityKind::Company);
        assert_eq!(entity.filing_number.as_deref(), Some("京ICP备2024012345号"));
        assert_eq!(entity.principal.id_valid_until, ValidUntil::Indefinite);
        let site = website_of(&r).expect("site").expect("has a site");
        assert_eq!(site.domains, ["example.cn", "www.example.cn"]);
        assert_eq!(site.ips.len(), 2);
        assert_eq!(site.pre_approvals[0].category, PreApprovalCategory::News);
        assert!(site.principal.is_none());
    }

    #[test]
    fn english_codes_are_accepted_too() {
        let mut r = row();
        r.entity_kind = "company".into();
        r.principal_id_type = "resident_id".into();
        r.principal_id_valid_until = "2030-01-31".into();
        let entity = entity_of(&r).expect("entity");
        assert_eq!(entity.principal.id_type, IdType::ResidentId);
    }

    #[test]
    fn every_bad_cell_is_named_with_its_reason() {
        type Edit = fn(&mut FilingRow);
        let cases: [(Edit, &str, &str); 8] = [
            (
                |r| r.entity_kind = "外星人".into(),
                "主体性质",
                "不是可识别的取值",
            ),
            (|r| r.entity_name = " ".into(), "主办单位名称", "不能为空"),
            (
                |r| r.principal_id_valid_until = "2024-02-30".into(),
                "主体负责人证件有效期至",
                "不是日期",
            ),
            (
                |r| r.principal_mobile = String::new(),
                "主体负责人手机号码",
                "不能为空",
            ),
            (
                |r| r.website_ips = "203.0.113".into(),
                "接入IP",
                "不是有效的 IP 地址",
            ),
            (|r| r.pre_approvals = "新闻".into(), "前置审批", "类别:文号"),
            (
                |r| r.pre_approvals = "天文:123".into(),
                "前置审批",
                "审批类别不可识别",
            ),
            (
                |r| r.site_principal_mobile = "13900139000".into(),
                "网站负责人姓名",
                "不能为空",
            ),
        ];
        for (edit, field, reason) in cases {
            let mut r = row();
            edit(&mut r);
            let errors = match (entity_of(&r), website_of(&r)) {
                (Err(e), _) => e,
                (_, Err(e)) => e,
                _ => panic!("{field} accepted"),
            };
            assert_eq!(errors[0].field, field, "{errors:?}");
            assert!(errors[0].reason.contains(reason), "{errors:?}");
        }
    }

    #[test]
    fn personal_values_in_errors_are_masked() {
        let mut r = row();
        r.principal_id_type = "身份证明".into();
        r.principal_id_number = String::new();
        let errors = entity_of(&r).expect_err("bad");
        assert_eq!(errors.len(), 2);
        let mut r = row();
        r.site_principal_mobile = "13900139000".into();
        r.site_principal_name = "李四".into();
        let errors = website_of(&r).expect_err("bad");
        assert!(
            errors
                .iter()
                .all(|e| e.value.as_deref() != Some("13900139000"))
        );
    }

    #[test]
    fn headers_match_in_chinese_or_english_with_marks() {
        assert_eq!(column_index("主体性质"), Some(1));
        assert_eq!(column_index(" Entity_Kind "), Some(1));
        assert_eq!(column_index("\u{feff}主体备案号"), Some(0));
        assert_eq!(column_index("网站名称*"), column_index("website_name"));
        assert_eq!(column_index("备注"), None);
    }

    #[test]
    fn rows_are_grouped_by_filing_number_then_certificate() {
        let r = row();
        assert_eq!(r.group_key().as_deref(), Some("备案号:京ICP备2024012345号"));
        let mut r2 = row();
        r2.entity_filing_number.clear();
        assert_eq!(r2.group_key().as_deref(), Some("证件:91110108MA01ABCD2X"));
        r2.certificate_number.clear();
        assert_eq!(r2.group_key(), None);
        let mut r3 = row();
        r3.address = "北京市海淀区".into();
        assert_eq!(r.entity_difference(&r3), Some(7));
        assert_eq!(r.entity_difference(&row()), None);
    }
}
