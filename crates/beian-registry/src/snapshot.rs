//! 工商登记快照 — the business registry answered from a vendor's export, offline.
//!
//! Data vendors sell the business registry as files. This adapter reads one, CSV (with a
//! header row, UTF-8, an optional byte-order mark, RFC 4180 quoting) or JSON Lines (one
//! object per line), with the fields of the HTTP contract: `name`, `credit_code`,
//! `status`, `legal_representative`, `address`, `valid_from`, `valid_until`,
//! `former_names`, `former_numbers` (in CSV the two lists are separated by `;`, `；` or
//! `|`). It answers lookups by credit code, by current or former name and by a former
//! number. A bad line refuses the whole file with its line number and field, because a
//! snapshot that is silently half-read gives "not found" answers that are wrong.

use std::collections::HashMap;
use std::path::Path;

use beian_checks::registry_evidence::{Answer, BusinessQuery, BusinessRecord, Outcome};
use beian_domain::ident::credit_code::CreditCode;
use serde_json::Value;

use crate::adapters::BusinessWire;
use crate::{BoxFuture, BusinessRegistry};

/// The snapshot could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("工商登记快照 {path} 第 {line} 行{}：{message}", field.as_ref().map(|f| format!("字段 {f}")).unwrap_or_default())]
pub struct SnapshotError {
    /// The file.
    pub path: String,
    /// The line (1-based; the header is line 1 in CSV).
    pub line: usize,
    /// The field, when one is to blame.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The fields a record may have, in the CSV header's usual order.
pub const FIELDS: [&str; 9] = [
    "credit_code",
    "name",
    "status",
    "legal_representative",
    "address",
    "valid_from",
    "valid_until",
    "former_names",
    "former_numbers",
];

/// 工商登记快照.
#[derive(Debug, Clone)]
pub struct SnapshotRegistry {
    label: String,
    as_of: String,
    records: Vec<BusinessRecord>,
    by_key: HashMap<String, usize>,
}

impl SnapshotRegistry {
    /// Reads `path`: JSON Lines when it ends in `.jsonl` or `.ndjson`, else CSV.
    pub fn load(path: &Path) -> Result<SnapshotRegistry, SnapshotError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SnapshotError {
            path: shown.clone(),
            line: 0,
            field: None,
            message: format!("无法读取：{e}"),
        })?;
        let as_of = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .map(|t| {
                chrono::DateTime::<chrono::Utc>::from(t)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .unwrap_or_default();
        let jsonl = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("jsonl" | "ndjson")
        );
        let records = if jsonl {
            parse_jsonl(&text, &shown)?
        } else {
            parse_csv(&text, &shown)?
        };
        Ok(SnapshotRegistry::from_records(
            format!("工商登记快照 {shown}"),
            as_of,
            records,
        ))
    }

    /// A snapshot of `records`, answering under `label`.
    pub fn from_records(label: String, as_of: String, records: Vec<BusinessRecord>) -> Self {
        let mut by_key = HashMap::new();
        for (i, record) in records.iter().enumerate() {
            by_key.insert(format!("code:{}", record.credit_code), i);
            by_key.insert(format!("name:{}", record.name.trim()), i);
            for former in &record.former_names {
                by_key.entry(format!("name:{}", former.trim())).or_insert(i);
            }
            for number in &record.former_numbers {
                by_key
                    .entry(format!("code:{}", normalise(number)))
                    .or_insert(i);
            }
        }
        SnapshotRegistry {
            label,
            as_of,
            records,
            by_key,
        }
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record for `query`, if any.
    pub fn find(&self, query: &BusinessQuery) -> Option<&BusinessRecord> {
        let key = match query {
            BusinessQuery::CreditCode(code) => format!("code:{}", normalise(code)),
            BusinessQuery::Name(name) => format!("name:{}", name.trim()),
        };
        self.by_key.get(&key).and_then(|&i| self.records.get(i))
    }
}

fn normalise(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

impl BusinessRegistry for SnapshotRegistry {
    fn lookup<'a>(&'a self, query: &'a BusinessQuery) -> BoxFuture<'a, Answer<BusinessRecord>> {
        Box::pin(async move {
            Answer {
                outcome: match self.find(query) {
                    Some(record) => Outcome::Found(record.clone()),
                    None => Outcome::NotFound,
                },
                source: self.label.clone(),
                observed_at: self.as_of.clone(),
            }
        })
    }
}

/// Checks one record's fields and builds it; errors name the field.
fn record_from(
    map: &serde_json::Map<String, Value>,
    path: &str,
    line: usize,
) -> Result<BusinessRecord, SnapshotError> {
    let err = |field: &str, message: String| SnapshotError {
        path: path.to_owned(),
        line,
        field: Some(field.to_owned()),
        message,
    };
    for key in map.keys() {
        if !FIELDS.contains(&key.as_str()) {
            return Err(err(
                key,
                format!("未知字段，可用的字段：{}", FIELDS.join(", ")),
            ));
        }
    }
    for required in ["credit_code", "name", "status"] {
        match map.get(required) {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            _ => return Err(err(required, "缺少或为空".to_owned())),
        }
    }
    if let Some(Value::String(code)) = map.get("credit_code")
        && let Err(e) = CreditCode::parse(code)
    {
        return Err(err(
            "credit_code",
            format!("“{code}”不是有效的统一社会信用代码：{e}"),
        ));
    }
    let wire: BusinessWire =
        serde_json::from_value(Value::Object(map.clone())).map_err(|e| SnapshotError {
            path: path.to_owned(),
            line,
            field: None,
            message: e.to_string(),
        })?;
    let mut record = wire.into_record().map_err(|message| {
        let field = FIELDS
            .iter()
            .find(|f| message.contains(*f))
            .map(|f| (*f).to_owned());
        SnapshotError {
            path: path.to_owned(),
            line,
            field,
            message,
        }
    })?;
    if let Ok(code) = CreditCode::parse(&record.credit_code) {
        record.credit_code = code.as_str().to_owned();
    }
    Ok(record)
}

fn parse_jsonl(text: &str, path: &str) -> Result<Vec<BusinessRecord>, SnapshotError> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| SnapshotError {
            path: path.to_owned(),
            line: line_no,
            field: None,
            message: format!("不是有效的 JSON：{e}"),
        })?;
        let Value::Object(map) = value else {
            return Err(SnapshotError {
                path: path.to_owned(),
                line: line_no,
                field: None,
                message: "不是 JSON 对象".to_owned(),
            });
        };
        records.push(record_from(&map, path, line_no)?);
    }
    Ok(records)
}

/// A CSV row: the line it starts on, and its fields.
pub type CsvRow = (usize, Vec<String>);

/// Splits CSV text into rows of fields; an error gives the line and what is wrong.
pub fn csv_rows(text: &str) -> Result<Vec<CsvRow>, (usize, String)> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut row_line = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut started = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                started = true;
            }
            '"' => return Err((line, "引号只能出现在字段开头".to_owned())),
            ',' => {
                row.push(std::mem::take(&mut field));
                started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if started || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push((row_line, std::mem::take(&mut row)));
                }
                started = false;
                line += 1;
                row_line = line;
            }
            _ => {
                field.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err((row_line, "引号没有闭合".to_owned()));
    }
    if started || !field.is_empty() {
        row.push(field);
        rows.push((row_line, row));
    }
    Ok(rows)
}

fn parse_csv(text: &str, path: &str) -> Result<Vec<BusinessRecord>, SnapshotError> {
    let rows = csv_rows(text).map_err(|(line, message)| SnapshotError {
        path: path.to_owned(),
        line,
        field: None,
        message,
    })?;
    let mut rows = rows.into_iter();
    let Some((header_line, header)) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    for column in &header {
        if !FIELDS.contains(&column.as_str()) {
            return Err(SnapshotError {
                path: path.to_owned(),
                line: header_line,
                field: Some(column.clone()),
                message: format!("未知的列，可用的列：{}", FIELDS.join(", ")),
            });
        }
    }
    let mut records = Vec::new();
    for (line, fields) in rows {
        if fields.len() != header.len() {
            return Err(SnapshotError {
                path: path.to_owned(),
                line,
                field: None,
                message: format!("有 {} 个字段，表头有 {} 列", fields.len(), header.len()),
            });
        }
        let mut map = serde_json::Map::new();
        for (column, value) in header.iter().zip(fields) {
            let value = value.trim().to_owned();
            let value = match column.as_str() {
                "former_names" | "former_numbers" => Value::Array(
                    value
                        .split([';', '；', '|'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                ),
                _ if value.is_empty() => Value::Null,
                _ => Value::String(value),
            };
            map.insert(column.clone(), value);
        }
        records.push(record_from(&map, path, line)?);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use beian_checks::registry_evidence::BusinessStatus;

    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("beian-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    const CSV: &str = "\u{feff}credit_code,name,status,legal_representative,address,valid_until,former_names,former_numbers\r\n\
91110108772551611J,北京云帆数据科技有限公司,存续,李明,\"北京市海淀区中关村大街1号, 2层\",长期,北京云帆网络有限公司；云帆数据,110108012345678|77255161-1\r\n\
91110000600037341L,\"示例\"\"引号\"\"有限公司\",注销,王芳,,2020-01-31,,\r\n";

    #[tokio::test]
    async fn a_csv_export_answers_by_code_name_former_name_and_former_number() {
        let snapshot = SnapshotRegistry::load(&write("a.csv", CSV)).expect("snapshot");
        assert_eq!(snapshot.len(), 2);
        let cases = [
            (
                BusinessQuery::CreditCode("91110108772551611J".into()),
                Some("北京云帆数据科技有限公司"),
            ),
            (
                BusinessQuery::Name("云帆数据".into()),
                Some("北京云帆数据科技有限公司"),
            ),
            (
                BusinessQuery::CreditCode("110108012345678".into()),
                Some("北京云帆数据科技有限公司"),
            ),
            (
                BusinessQuery::CreditCode("77255161-1".into()),
                Some("北京云帆数据科技有限公司"),
            ),
            (
                BusinessQuery::Name("示例\"引号\"有限公司".into()),
                Some("示例\"引号\"有限公司"),
            ),
            (BusinessQuery::Name("无此公司".into()), None),
        ];
        for (query, expected) in cases {
            let answer = snapshot.lookup(&query).await;
            match (&answer.outcome, expected) {
                (Outcome::Found(record), Some(name)) => assert_eq!(record.name, name),
                (Outcome::NotFound, None) => {}
                other => panic!("{query:?}: {other:?}"),
            }
        }
        let record = snapshot
            .find(&BusinessQuery::CreditCode("91110108772551611J".into()))
            .expect("record");
        assert_eq!(
            record.address.as_deref(),
            Some("北京市海淀区中关村大街1号, 2层")
        );
        assert_eq!(record.former_names.len(), 2);
        let dead = snapshot
            .find(&BusinessQuery::CreditCode("91110000600037341L".into()))
            .expect("record");
        assert_eq!(dead.status, BusinessStatus::Deregistered);
        assert_eq!(dead.address, None);
    }

    #[test]
    fn json_lines_read_the_same_fields() {
        let text = "{\"credit_code\":\"91110108772551611J\",\"name\":\"北京云帆数据科技有限公司\",\"status\":\"在业\",\"former_names\":[\"旧名\"]}\n\n";
        let snapshot = SnapshotRegistry::load(&write("a.jsonl", text)).expect("snapshot");
        assert!(snapshot.find(&BusinessQuery::Name("旧名".into())).is_some());
    }

    #[test]
    fn bad_lines_are_refused_with_line_and_field() {
        let cases = [
            (
                "b.csv",
                "credit_code,name,status,colour\n",
                1,
                Some("colour"),
            ),
            (
                "c.csv",
                "credit_code,name,status\n91110108772551611J,甲公司,存续\n91110108772551611X,乙公司,存续\n",
                3,
                Some("credit_code"),
            ),
            (
                "d.csv",
                "credit_code,name,status\n91110108772551611J,,存续\n",
                2,
                Some("name"),
            ),
            (
                "e.csv",
                "credit_code,name,status,valid_until\n91110108772551611J,甲公司,存续,明年\n",
                2,
                Some("valid_until"),
            ),
            (
                "f.csv",
                "credit_code,name,status\n91110108772551611J,甲公司\n",
                2,
                None,
            ),
            (
                "g.csv",
                "credit_code,name,status\n\"91110108772551611J,甲公司,存续\n",
                2,
                None,
            ),
            (
                "h.jsonl",
                "{\"credit_code\":\"91110108772551611J\",\"name\":\"甲\",\"status\":\"存续\"}\n{oops\n",
                2,
                None,
            ),
            (
                "i.jsonl",
                "{\"credit_code\":\"91110108772551611J\",\"name\":\"甲\"}\n",
                1,
                Some("status"),
            ),
        ];
        for (name, text, line, field) in cases {
            let err = SnapshotRegistry::load(&write(name, text)).expect_err(name);
            assert_eq!(err.line, line, "{name}: {err}");
            assert_eq!(err.field.as_deref(), field, "{name}: {err}");
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}
