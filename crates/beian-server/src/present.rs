//! 展示 — stored records turned into what pages and API answers show: labels in Chinese,
//! times in Beijing, personal numbers masked.

use beian_domain::catalogue::{Action, CheckId};
use beian_domain::pii::{mask_id_number, mask_phone};
use beian_domain::workflow::{ExtensionState, FilingStatus, OrderState};
use beian_domain::{EntityKind, Filing};
use beian_store::{
    AuditEntry, ChangeRequest, FilingRecord, InboxMessage, Order, OrderItem, SiteRecord,
};
use chrono::Utc;
use serde_json::{Value, json};

use crate::views::{beijing, days_left};

pub fn filing_status_label(code: &str) -> &'static str {
    FilingStatus::parse(code)
        .map(|s| s.label())
        .unwrap_or("未知")
}

pub fn order_state_label(code: &str) -> &'static str {
    OrderState::parse(code).map(|s| s.label()).unwrap_or("未知")
}

pub fn extension_label(code: &str) -> &'static str {
    ExtensionState::parse(code)
        .map(|s| s.label())
        .unwrap_or("未知")
}

/// What the operator's search looked for, as the results say it.
pub fn search_kind_label(kind: beian_store::SearchKind) -> &'static str {
    match kind {
        beian_store::SearchKind::FilingNumber => "按备案号查找",
        beian_store::SearchKind::CreditCode => "按统一社会信用代码查找",
        beian_store::SearchKind::Domain => "按域名查找",
        beian_store::SearchKind::EntityName => "按主办单位名称查找",
    }
}

pub fn entity_kind_label(code: &str) -> String {
    EntityKind::ALL
        .iter()
        .find(|k| k.code() == code || k.label() == code)
        .map(|k| k.label().to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The store's code of a change kind (`change_filing` …).
pub fn change_code(kind: beian_domain::workflow::ChangeKind) -> &'static str {
    use beian_domain::workflow::ChangeKind as K;
    match kind {
        K::ChangeFiling => "change_filing",
        K::ChangeWebsite => "change_website",
        K::CancelWebsite => "cancel_website",
        K::CancelEntity => "cancel_entity",
    }
}

/// The change kind of a store code.
pub fn parse_change(code: &str) -> Option<beian_domain::workflow::ChangeKind> {
    beian_domain::workflow::ChangeKind::ALL
        .into_iter()
        .find(|k| change_code(*k) == code)
}

pub fn change_kind_label(code: &str) -> &'static str {
    match code {
        "change_filing" => "变更备案",
        "change_website" => "变更网站",
        "cancel_website" => "注销网站",
        "cancel_entity" => "注销主体",
        _ => "整改申请",
    }
}

pub fn check_title(id: &str) -> String {
    id.parse::<CheckId>()
        .map(|c| c.def().title.to_string())
        .unwrap_or_else(|_| id.to_string())
}

/// The change kind an action label opens, if the action is a change of the filing.
pub fn action_kind(label: &str) -> Option<&'static str> {
    [
        (Action::ChangeFiling, "change_filing"),
        (Action::ChangeWebsite, "change_website"),
        (Action::CancelWebsite, "cancel_website"),
        (Action::CancelEntity, "cancel_entity"),
    ]
    .into_iter()
    .find(|(a, _)| a.label() == label)
    .map(|(_, k)| k)
}

pub fn filing(f: &FilingRecord) -> Value {
    json!({
        "id": f.id,
        "filing_number": f.filing_number,
        "entity_name": f.entity_name,
        "entity_kind": f.entity_kind,
        "entity_kind_label": entity_kind_label(&f.entity_kind),
        "status": f.status,
        "status_label": filing_status_label(&f.status),
        "version": f.version,
        "updated_at": beijing(f.updated_at),
    })
}

pub fn site(s: &SiteRecord) -> Value {
    json!({
        "id": s.id,
        "position": s.position,
        "site_number": s.site_number,
        "name": s.name,
        "domains": s.domains,
        "status": s.status,
        "status_label": filing_status_label(&s.status),
    })
}

pub fn order(o: &Order) -> Value {
    let open = o.closed_at.is_none();
    json!({
        "id": o.id,
        "filing_id": o.filing_id,
        "filing_number": o.filing_number,
        "entity_name": o.entity_name,
        "state": o.state,
        "state_label": order_state_label(&o.state),
        "deadline": beijing(o.deadline_at),
        "deadline_at": o.deadline_at.to_rfc3339(),
        "days_left": days_left(o.deadline_at.with_timezone(&crate::china()), Utc::now()),
        "open": open,
        "extension_state": o.extension_state,
        "extension_label": extension_label(&o.extension_state),
        "extension_days": o.extension_days,
        "keyword_only": o.keyword_only,
        "miit_synced_at": o.miit_synced_at.map(beijing),
        "version": o.version,
        "created_at": beijing(o.created_at),
    })
}

pub fn target_label(target: &Value) -> String {
    match target.get("kind").and_then(Value::as_str) {
        Some("website") => format!(
            "网站：{}",
            target.get("name").and_then(Value::as_str).unwrap_or("")
        ),
        Some("page") => "网站首页".to_string(),
        _ => "主体".to_string(),
    }
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

pub fn evidence(ev: &Value) -> Vec<Value> {
    ev.as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| {
                    json!({
                        "label": e.get("label").and_then(Value::as_str).unwrap_or(""),
                        "value": e.get("value").map(display_value).unwrap_or_default(),
                        "source": e.get("source").and_then(Value::as_str),
                        "observed_at": e.get("observed_at").and_then(Value::as_str).map(|t| {
                            chrono::DateTime::parse_from_rfc3339(t)
                                .map(|d| beijing(d.with_timezone(&Utc)))
                                .unwrap_or_else(|_| t.to_string())
                        }),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn item(it: &OrderItem) -> Value {
    json!({
        "position": it.position,
        "check_id": it.check_id,
        "title": check_title(&it.check_id),
        "target": it.target,
        "target_label": target_label(&it.target),
        "site_position": it.target.get("index").and_then(Value::as_i64),
        "field": it.field,
        "message": it.message,
        "reason": it.reason,
        "remedy": it.remedy,
        "actions": it.actions.iter().map(|a| json!({"label": a, "kind": action_kind(a)})).collect::<Vec<_>>(),
        "evidence": evidence(&it.evidence),
    })
}

/// A field path as the console names it.
pub fn field_label(path: &str) -> String {
    let (prefix, rest) = match path.strip_prefix("websites[") {
        Some(r) => {
            let (n, tail) = r.split_once("].").unwrap_or((r, ""));
            (
                format!("网站{} ", n.parse::<usize>().map(|i| i + 1).unwrap_or(0)),
                tail.to_string(),
            )
        }
        None => (String::new(), path.to_string()),
    };
    let name = match rest.as_str() {
        "entity.name" => "主办单位名称",
        "entity.legal_representative" => "法定代表人",
        "entity.address" => "证件住所",
        "entity.certificate_number" => "主体证件号码",
        "entity.certificate_valid_until" => "证件有效期至",
        "entity.principal.name" => "负责人姓名",
        "entity.principal.id_number" => "负责人证件号码",
        "entity.principal.id_valid_until" => "负责人证件有效期至",
        "entity.principal.mobile" => "负责人手机号码",
        "entity.principal.emergency_phone" => "应急联系电话",
        "entity.principal.email" => "电子邮箱",
        "name" => "网站名称",
        "domains" => "网站域名",
        "ips" => "接入IP",
        "content_description" => "网站内容描述",
        "note" => "说明",
        other => other,
    };
    format!("{prefix}{name}")
}

/// Masks a field's value when the field holds a personal number.
pub fn mask_field(path: &str, value: Option<&str>) -> Option<String> {
    value.map(|v| match crate::glue::personal_kind(path) {
        Some(mask) => mask(v),
        None => v.to_string(),
    })
}

/// An operator's opinion on one field: stored as a list of `{path, opinion}` (or, in
/// older rows, a map from path to opinion).
fn opinion_for(opinions: &Value, path: &str) -> Option<String> {
    match opinions {
        Value::Array(list) => list
            .iter()
            .find(|o| o.get("path").and_then(Value::as_str) == Some(path))
            .and_then(|o| o.get("opinion").and_then(Value::as_str))
            .map(str::to_string),
        Value::Object(map) => map.get(path).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// A change request's attachments as the pages and the API list them: the name, the size
/// in bytes and readable, and the key the download link is made of (null when the listing
/// holds no valid key, so the page shows the name without a link).
pub fn attachments(listed: &Value) -> Vec<Value> {
    listed
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|a| {
                    let sha256 = a
                        .get("sha256")
                        .and_then(Value::as_str)
                        .filter(|s| crate::attachments::is_sha256(s));
                    let size = a.get("size").and_then(Value::as_u64);
                    json!({
                        "name": a.get("name").and_then(Value::as_str).unwrap_or("附件"),
                        "sha256": sha256,
                        "size": size,
                        "size_label": size.map(size_label),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A file size in the units people read: 字节 below 1 KB, then KB and MB with one decimal.
pub fn size_label(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} 字节")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

pub fn change_request(cr: &ChangeRequest) -> Value {
    let opinions = cr.opinions.clone().unwrap_or(Value::Null);
    let fields: Vec<Value> = cr
        .fields
        .get("changes")
        .and_then(Value::as_array)
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    let path = c.get("path").and_then(Value::as_str).unwrap_or("");
                    json!({
                        "path": path,
                        "label": field_label(path),
                        "old": mask_field(path, c.get("old").and_then(Value::as_str)),
                        "new": mask_field(path, c.get("new").and_then(Value::as_str)),
                        "opinion": opinion_for(&opinions, path),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let state_label = match cr.state.as_str() {
        "pending" => "待审核",
        "approved" => "已通过",
        "rejected" => "已驳回",
        _ => "未知",
    };
    json!({
        "id": cr.id,
        "kind": cr.kind,
        "kind_label": change_kind_label(&cr.kind),
        "state": cr.state,
        "state_label": state_label,
        "fields": fields,
        "note": cr.fields.get("note").and_then(Value::as_str).unwrap_or(""),
        "site": cr.fields.get("site"),
        "attachments": attachments(&cr.attachments),
        "opinion_note": opinion_for(&opinions, "note"),
        "created_at": beijing(cr.created_at),
        "decided_at": cr.decided_at.map(beijing),
    })
}

pub fn audit_label(action: &str) -> String {
    let kind = action.strip_prefix("order.").unwrap_or(action);
    match kind {
        "issue" => "下发整改单".to_string(),
        other => beian_domain::workflow::event::kind_label(other).to_string(),
    }
}

pub fn timeline(entries: &[AuditEntry], staff: bool) -> Vec<Value> {
    entries
        .iter()
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
            // The audit row wraps the event's data: `{account_id, customer_id, data: {…,
            // detail: <event data>}}` (older rows: `{detail}` or the data itself).
            let inner = detail
                .pointer("/data/detail")
                .or_else(|| detail.get("detail"))
                .unwrap_or(&detail);
            let note = ["reason", "evidence", "opinion", "note"]
                .iter()
                .find_map(|k| inner.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(120).collect::<String>());
            let who = e.actor.split(':').next().unwrap_or("");
            let actor = match who {
                "customer" => "客户".to_string(),
                "operator" | "admin" if staff => e.actor.clone(),
                "operator" => "审核员".to_string(),
                "admin" => "管理员".to_string(),
                "system" => "系统".to_string(),
                other if staff => other.to_string(),
                _ => "系统".to_string(),
            };
            // A re-check request's documents are listed by its event alone (no change
            // request lists them), so the timeline is where they are shown; a submit's
            // documents are on its change request's card.
            let documents =
                if e.action.strip_prefix("order.").unwrap_or(&e.action) == "request_recheck" {
                    inner
                        .get("attachments")
                        .map(attachments)
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
            json!({
                "label": audit_label(&e.action),
                "actor": actor,
                "at": beijing(e.at()),
                "to": e.to.as_deref().map(order_state_label),
                "detail": note,
                "attachments": documents,
            })
        })
        .collect()
}

pub fn inbox(m: &InboxMessage) -> Value {
    json!({
        "id": m.id,
        "order_id": m.order_id,
        "title": m.title,
        "body": m.body,
        "created_at": beijing(m.created_at),
        "read": m.read_at.is_some(),
    })
}

/// The entity's filed details as rows, personal numbers masked unless `unmask`.
pub fn entity_rows(filing: &Filing, unmask: bool) -> Vec<Value> {
    let id = |s: &str| {
        if unmask {
            s.to_string()
        } else {
            mask_id_number(s)
        }
    };
    let phone = |s: &str| if unmask { s.to_string() } else { mask_phone(s) };
    let e = &filing.entity;
    let mut rows = vec![
        json!({"label": "主体证件号码", "value": if e.kind.code() == "personal" { id(&e.certificate_number) } else { e.certificate_number.clone() }}),
        json!({"label": "负责人", "value": e.principal.name}),
        json!({"label": "负责人证件号码", "value": id(&e.principal.id_number)}),
        json!({"label": "负责人手机", "value": phone(&e.principal.mobile)}),
    ];
    if let Some(p) = &e.principal.emergency_phone {
        rows.push(json!({"label": "应急联系电话", "value": phone(p)}));
    }
    if let Some(l) = &e.legal_representative {
        rows.push(json!({"label": "法定代表人", "value": l}));
    }
    rows
}

/// The way back after enforcement (rules-and-landscape §3.6): what the customer does now.
pub fn recovery(status: &str) -> Option<Value> {
    match status {
        "access_cancelled" => Some(json!({
            "headline": "该备案已被取消接入：网站不再由本服务商提供接入，但备案号仍然有效。请在 30 日内完成以下步骤，否则管局可能将其作为空壳备案注销。",
            "steps": [
                "按整改单中的不通过项修正备案信息或网站内容（变更备案 / 变更网站）。",
                "如网站仍在其他服务商处接入，请在那里办理接入备案，并在本控制台注销本服务商处的网站接入。",
                "完成修正后在整改单中申请复查；复查通过后由审核员恢复接入，备案状态回到「正常」。",
                "如网站不再使用，请办理注销网站或注销主体，避免备案号被他人冒用。",
            ],
        })),
        "overdue" => Some(json!({
            "headline": "整改已逾期：服务商可能随时取消接入。请立即按不通过项完成整改并申请复查。",
            "steps": [
                "打开整改单，逐项查看不通过原因和解决措施。",
                "需要修改备案信息的，提交变更备案或变更网站；已修改网站的，申请复查。",
                "如对核查结果有异议，可在复查未通过后提出申诉。",
            ],
        })),
        "deregistered" => Some(json!({
            "headline": "该备案已被注销，网站不能再以该备案号提供服务。",
            "steps": [
                "如需继续开办网站，请重新提交首次备案（新增主体）。",
                "重新备案前，请确认主体证件、负责人信息和域名实名信息一致且有效。",
                "域名实名认证须与新的备案主体一致，必要时先到注册商办理过户。",
            ],
        })),
        _ => None,
    }
}
