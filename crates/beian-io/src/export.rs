//! 导出 — filings, findings and rectification orders out to CSV and XLSX.
//!
//! The writers take plain row structs ([`FilingRow`], [`FindingRow`], [`OrderRow`]) that the
//! store fills from whatever it keeps, and write them one at a time: a CSV export streams
//! to its writer, an XLSX export keeps its rows in a temporary file (rust_xlsxwriter's
//! constant-memory mode), so neither holds the export in memory.

use std::io::{self, Write};
use std::marker::PhantomData;
use std::path::Path;

use beian_domain::pii::mask_phone;
use beian_domain::{Filing, Finding, Target};
use rust_xlsxwriter::{Format, Workbook};

use crate::mask::scrub_text;
use crate::row::{FILING_COLUMNS, FilingRow};

/// 脱敏 — whether an export shows personal numbers.
///
/// Masked is the default; `Unmasked` is for an export meant to be imported again and must
/// be asked for explicitly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Privacy {
    /// ID numbers and phone numbers masked (`1101**********002X`, `138****8000`).
    #[default]
    Masked,
    /// Every number as stored.
    Unmasked,
}

/// 导出表 — a row type an export writes: its Chinese headers and its cells.
pub trait Table {
    /// Whether the CSV is meant to be imported again, byte for byte (the filings). Any other
    /// table is for people opening it in a spreadsheet, so its CSV cells that start with `=`,
    /// `+`, `-` or `@` get a leading `'` and are never run as formulas (CSV injection).
    const READ_BACK: bool = false;
    /// The header row, in Chinese.
    fn headers() -> Vec<&'static str>;
    /// The cells of this row, in header order, masked as `privacy` says.
    fn cells(&self, privacy: Privacy) -> Vec<String>;
}

/// A cell as a spreadsheet must show it: text that a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-` or `@`) gets a leading `'`.
pub fn spreadsheet_text(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell
    }
}

impl Table for FilingRow {
    const READ_BACK: bool = true;

    fn headers() -> Vec<&'static str> {
        FILING_COLUMNS.iter().map(|c| c.zh).collect()
    }

    fn cells(&self, privacy: Privacy) -> Vec<String> {
        let masked = privacy == Privacy::Masked;
        FILING_COLUMNS
            .iter()
            .zip(FilingRow::cells(self))
            .map(|(column, value)| column.shown(value, masked))
            .collect()
    }
}

/// 核查结果行 — one finding in an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingRow {
    /// 主体备案号.
    pub entity_filing_number: String,
    /// 主办单位名称.
    pub entity_name: String,
    /// 网站名称 (empty for an entity finding).
    pub website_name: String,
    /// 核查项编号, e.g. `site.title_mismatch`.
    pub check_id: String,
    /// 核查项: the check's Chinese title.
    pub check_title: String,
    /// 结论: 通过 / 提示 / 不通过 / 无法判断.
    pub status: String,
    /// 相关字段.
    pub field: String,
    /// 问题描述.
    pub message: String,
    /// 解决措施.
    pub remedy: String,
    /// 证据: each fact as `label：value（source）`, separated by `；`.
    pub evidence: String,
    /// 核查时间, as the store keeps it (RFC 3339).
    pub checked_at: String,
}

impl FindingRow {
    /// The row of one finding on `filing`, checked at `checked_at`.
    pub fn from_finding(filing: &Filing, finding: &Finding, checked_at: &str) -> FindingRow {
        let def = finding.def();
        let website_name = match &finding.target {
            Target::Website { name, .. } => name.clone(),
            Target::Entity | Target::Page => String::new(),
        };
        let evidence = finding
            .evidence
            .iter()
            .map(|e| {
                let value = match &e.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match &e.source {
                    Some(source) => format!("{}：{}（{}）", e.label, value, source),
                    None => format!("{}：{}", e.label, value),
                }
            })
            .collect::<Vec<_>>()
            .join("；");
        FindingRow {
            entity_filing_number: filing.entity.filing_number.clone().unwrap_or_default(),
            entity_name: filing.entity.name.clone(),
            website_name,
            check_id: def.id.to_owned(),
            check_title: def.title.to_owned(),
            status: finding.status.label().to_owned(),
            field: finding.field.clone().unwrap_or_default(),
            message: finding.message.clone(),
            remedy: def.remedy.to_owned(),
            evidence,
            checked_at: checked_at.to_owned(),
        }
    }
}

impl Table for FindingRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "主体备案号",
            "主办单位名称",
            "网站名称",
            "核查项编号",
            "核查项",
            "结论",
            "相关字段",
            "问题描述",
            "解决措施",
            "证据",
            "核查时间",
        ]
    }

    fn cells(&self, privacy: Privacy) -> Vec<String> {
        let cells = [
            &self.entity_filing_number,
            &self.entity_name,
            &self.website_name,
            &self.check_id,
            &self.check_title,
            &self.status,
            &self.field,
            &self.message,
            &self.remedy,
            &self.evidence,
            &self.checked_at,
        ];
        free_text(&cells, privacy)
    }
}

/// 整改单行 — one rectification order in an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderRow {
    /// 整改单号.
    pub order_id: String,
    /// 主体备案号.
    pub entity_filing_number: String,
    /// 主办单位名称.
    pub entity_name: String,
    /// 状态, in Chinese (整改中, 待审核 …).
    pub status: String,
    /// 整改项数.
    pub item_count: u32,
    /// 整改项: a one-line summary of the items, e.g. `网站名称与首页标题不符；…`.
    pub items: String,
    /// 下发时间.
    pub issued_at: String,
    /// 整改截止时间, e.g. `2026-12-11 23:59（北京时间）`.
    pub deadline: String,
    /// 联系人.
    pub contact_name: String,
    /// 联系手机 (masked unless the export is unmasked).
    pub contact_mobile: String,
    /// 联系邮箱.
    pub contact_email: String,
    /// 最近更新.
    pub updated_at: String,
}

impl Table for OrderRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "整改单号",
            "主体备案号",
            "主办单位名称",
            "状态",
            "整改项数",
            "整改项",
            "下发时间",
            "整改截止时间",
            "联系人",
            "联系手机",
            "联系邮箱",
            "最近更新",
        ]
    }

    fn cells(&self, privacy: Privacy) -> Vec<String> {
        let count = self.item_count.to_string();
        let mobile = match privacy {
            Privacy::Masked if !self.contact_mobile.is_empty() => mask_phone(&self.contact_mobile),
            _ => self.contact_mobile.clone(),
        };
        let cells = [
            &self.order_id,
            &self.entity_filing_number,
            &self.entity_name,
            &self.status,
            &count,
            &self.items,
            &self.issued_at,
            &self.deadline,
            &self.contact_name,
            &mobile,
            &self.contact_email,
            &self.updated_at,
        ];
        free_text(&cells, privacy)
    }
}

/// Free-text cells, scrubbed of personal numbers unless unmasked.
fn free_text(cells: &[&String], privacy: Privacy) -> Vec<String> {
    cells
        .iter()
        .map(|c| match privacy {
            Privacy::Masked => scrub_text(c),
            Privacy::Unmasked => (*c).clone(),
        })
        .collect()
}

/// A CSV export: UTF-8 with a BOM (so that Excel opens it as UTF-8), a header row, then
/// one row per [`CsvExport::write`].
pub struct CsvExport<W: Write, T: Table> {
    writer: csv::Writer<W>,
    privacy: Privacy,
    rows: PhantomData<fn(&T)>,
}

impl<W: Write, T: Table> CsvExport<W, T> {
    /// Starts an export to `writer`: writes the BOM and the header.
    pub fn new(mut writer: W, privacy: Privacy) -> io::Result<Self> {
        writer.write_all("\u{feff}".as_bytes())?;
        let mut writer = csv::Writer::from_writer(writer);
        writer.write_record(T::headers()).map_err(io::Error::from)?;
        Ok(CsvExport {
            writer,
            privacy,
            rows: PhantomData,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &T) -> io::Result<()> {
        let mut cells = row.cells(self.privacy);
        if !T::READ_BACK {
            cells = cells.into_iter().map(spreadsheet_text).collect();
        }
        self.writer.write_record(cells).map_err(io::Error::from)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        self.writer
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

/// An XLSX export: one worksheet, a bold frozen header row, every cell written as text so
/// that numbers (ID numbers, phones, filing numbers) keep every digit.
pub struct XlsxExport<T: Table> {
    workbook: Workbook,
    privacy: Privacy,
    next_row: u32,
    rows: PhantomData<fn(&T)>,
}

/// An XLSX export that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("XLSX 导出失败：{0}")]
pub struct XlsxExportError(String);

impl From<rust_xlsxwriter::XlsxError> for XlsxExportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        XlsxExportError(e.to_string())
    }
}

impl<T: Table> XlsxExport<T> {
    /// The most rows a worksheet holds, header included.
    pub const MAX_ROWS: u32 = 1_048_576;

    /// Starts an export into a worksheet named `sheet` (e.g. 备案, 核查结果, 整改单).
    pub fn new(sheet: &str, privacy: Privacy) -> Result<Self, XlsxExportError> {
        let mut workbook = Workbook::new();
        let worksheet = workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(sheet)?;
        let bold = Format::new().set_bold();
        for (col, header) in T::headers().iter().enumerate() {
            let col = col as u16;
            worksheet.set_column_width(col, 18)?;
            worksheet.write_string_with_format(0, col, *header, &bold)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        Ok(XlsxExport {
            workbook,
            privacy,
            next_row: 1,
            rows: PhantomData,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &T) -> Result<(), XlsxExportError> {
        if self.next_row >= Self::MAX_ROWS {
            return Err(XlsxExportError(format!(
                "超过工作表的行数上限 {}，请分批导出或改用 CSV",
                Self::MAX_ROWS
            )));
        }
        let worksheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in row.cells(self.privacy).iter().enumerate() {
            if !cell.is_empty() {
                worksheet.write_string(self.next_row, col as u16, cell)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), XlsxExportError> {
        self.workbook.save(path)?;
        Ok(())
    }

    /// Writes the workbook into `writer`.
    pub fn save_to_writer<W: Write + io::Seek + Send>(
        mut self,
        writer: W,
    ) -> Result<(), XlsxExportError> {
        self.workbook.save_to_writer(writer)?;
        Ok(())
    }
}

/// Writes filings as JSON Lines, one per line, as `read_jsonl` and `beian sweep` read them.
/// JSON Lines exports are for re-import and are not masked.
pub fn write_jsonl<'a, W: Write>(
    mut writer: W,
    filings: impl IntoIterator<Item = &'a Filing>,
) -> io::Result<W> {
    for filing in filings {
        serde_json::to_writer(&mut writer, filing)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(writer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use beian_domain::{CheckId, Evidence, Status};

    fn filing() -> Filing {
        let json = include_str!("../../../examples/company.jsonc");
        Filing::from_json(json).expect("example filing")
    }

    #[test]
    fn exports_mask_personal_numbers_unless_unmasked() {
        let rows = FilingRow::from_filing(&filing());
        let row = &rows[0];
        let masked = Table::cells(row, Privacy::Masked);
        let plain = Table::cells(row, Privacy::Unmasked);
        let id_col = FILING_COLUMNS
            .iter()
            .position(|c| c.zh == "主体负责人证件号码")
            .expect("column");
        let mobile_col = FILING_COLUMNS
            .iter()
            .position(|c| c.zh == "主体负责人手机号码")
            .expect("column");
        assert_eq!(plain[id_col], row.principal_id_number);
        assert_ne!(masked[id_col], row.principal_id_number);
        assert!(masked[id_col].contains('*'));
        assert!(masked[mobile_col].contains("****"));
        assert_eq!(masked[2], row.entity_name, "names are not masked");

        let order = OrderRow {
            order_id: "ZG-1".into(),
            contact_mobile: "13800138000".into(),
            items: "负责人证件号码 11010519491231002X 有误".into(),
            item_count: 1,
            ..OrderRow::default()
        };
        let cells = order.cells(Privacy::Masked);
        assert!(
            cells
                .iter()
                .all(|c| !c.contains("13800138000") && !c.contains("0519491231"))
        );
        let cells = order.cells(Privacy::Unmasked);
        assert!(cells.contains(&"13800138000".to_owned()));
    }

    #[test]
    fn a_finding_row_carries_the_catalogue_text_and_evidence() {
        let f = filing();
        let finding = Finding::new(
            CheckId::ALL[0],
            Status::Fail,
            Target::Website {
                index: 0,
                name: "示例".into(),
            },
            "问题",
        )
        .field("网站名称")
        .with(Evidence::new("首页标题", "别的标题").from_source("https://example.cn/"));
        let row = FindingRow::from_finding(&f, &finding, "2026-11-29T08:00:00+08:00");
        assert_eq!(row.check_id, CheckId::ALL[0].as_str());
        assert_eq!(row.status, "不通过");
        assert_eq!(row.website_name, "示例");
        assert_eq!(row.evidence, "首页标题：别的标题（https://example.cn/）");
        assert_eq!(
            row.cells(Privacy::Masked).len(),
            FindingRow::headers().len()
        );
    }

    #[test]
    fn a_csv_export_has_a_bom_and_a_header() {
        let mut export = CsvExport::<_, OrderRow>::new(Vec::new(), Privacy::Masked).expect("csv");
        export
            .write(&OrderRow {
                order_id: "ZG-1".into(),
                entity_name: "公司,有逗号".into(),
                ..OrderRow::default()
            })
            .expect("row");
        let bytes = export.finish().expect("finish");
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(text.starts_with("\u{feff}整改单号,主体备案号"), "{text}");
        assert!(text.contains("ZG-1,,\"公司,有逗号\","), "{text}");
    }

    #[test]
    fn csv_for_people_never_starts_a_cell_with_a_formula_but_filings_stay_exact() {
        let mut export = CsvExport::<_, OrderRow>::new(Vec::new(), Privacy::Masked).expect("csv");
        export
            .write(&OrderRow {
                order_id: "ZG-2".into(),
                entity_name: "=HYPERLINK(\"http://x\")".into(),
                ..OrderRow::default()
            })
            .expect("row");
        let text = String::from_utf8(export.finish().expect("finish")).expect("utf8");
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert_eq!(spreadsheet_text("-1".into()), "'-1");
        assert_eq!(spreadsheet_text("云帆".into()), "云帆");
        const { assert!(FilingRow::READ_BACK && !OrderRow::READ_BACK && !FindingRow::READ_BACK) };
    }
}
