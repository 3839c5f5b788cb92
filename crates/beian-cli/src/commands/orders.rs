//! `beian orders list|show`: rectification orders as an operator sees them.

use beian_domain::workflow::OrderState;
use beian_domain::workflow::event::kind_label;
use beian_store::{Order, OrderQuery, Scope};
use serde_json::json;

use crate::commands::db_args::{DbArgs, beijing, block_on, state_label};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 列出整改单（最新的在前），可按状态和客户筛选，分页
    List {
        /// 只列出这一状态：代码（issued）或中文（待整改），可重复
        #[arg(long = "state", value_name = "S", value_parser = parse_state)]
        states: Vec<OrderState>,
        /// 只列出这个客户（编号）的整改单
        #[arg(long, value_name = "ID", value_parser = super::whole_number::<i64>(1, i64::MAX))]
        customer: Option<i64>,
        /// 每页条数（1–1000）
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = super::whole_number::<i64>(1, 1000))]
        limit: i64,
        /// 翻页：列出编号小于此值的整改单（上一页最后一张的编号）
        #[arg(long, value_name = "ID", value_parser = super::whole_number::<i64>(1, i64::MAX))]
        after: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 显示一张整改单：整改项（不通过原因、解决措施）、变更申请、延期与申诉、处理经过
    Show {
        /// 整改单编号
        id: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
}

/// An order state by code or Chinese label.
pub fn parse_state(s: &str) -> Result<OrderState, String> {
    OrderState::ALL
        .iter()
        .copied()
        .find(|state| state.code() == s || state.label() == s)
        .ok_or_else(|| {
            let known: Vec<String> = OrderState::ALL
                .iter()
                .map(|state| format!("{}（{}）", state.code(), state.label()))
                .collect();
            format!("未知的整改单状态“{s}”：可用 {}", known.join("、"))
        })
}

fn order_json(order: &Order) -> serde_json::Value {
    json!({
        "id": order.id,
        "filing_id": order.filing_id,
        "filing_number": order.filing_number,
        "entity_name": order.entity_name,
        "customer_id": order.customer_id,
        "state": order.state,
        "state_label": state_label(&order.state),
        "deadline": order.deadline_at.with_timezone(&beian_domain::workflow::calendar::shanghai()).to_rfc3339(),
        "extension_state": order.extension_state,
        "extension_days": order.extension_days,
        "keyword_only": order.keyword_only,
        "version": order.version,
        "created_at": order.created_at.to_rfc3339(),
        "updated_at": order.updated_at.to_rfc3339(),
    })
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::List {
            states,
            customer,
            limit,
            after,
            db,
            format,
        } => block_on(async {
            let store = db.open().await?;
            let scope = customer.map_or(Scope::All, Scope::Customer);
            let mut query = OrderQuery::new(scope, *limit);
            query.states = states.iter().map(|s| s.code().to_owned()).collect();
            query.after_id = *after;
            let page = store.list_orders(&query).await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&json!({
                    "orders": page.items.iter().map(order_json).collect::<Vec<_>>(),
                    "next_after": page.next_after_id,
                }))?,
                Format::Text => {
                    if page.items.is_empty() {
                        println!("没有符合条件的整改单");
                    }
                    for order in &page.items {
                        println!(
                            "{:>6}  {:<8}  {}  {}  截止 {}",
                            order.id,
                            state_label(&order.state),
                            order.filing_number,
                            order.entity_name,
                            beijing(order.deadline_at)
                        );
                    }
                    if let Some(next) = page.next_after_id {
                        println!("（还有更多：加 --after {next} 查看下一页）");
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
        Action::Show { id, db, format } => block_on(async {
            let store = db.open().await?;
            let order = store
                .order(Scope::All, *id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("整改单 {id} 不存在"))?;
            let items = store.order_items(Scope::All, *id).await?;
            let changes = store.change_requests(Scope::All, *id).await?;
            let requests = store.order_requests(Scope::All, *id).await?;
            let audit = store.audit_for(Scope::All, &format!("order:{id}")).await?;
            let deferred = if order.state == "rechecking" {
                beian_service::worker::deferred_recheck(&store, order.filing_id).await?
            } else {
                None
            };
            store.close().await;
            match format.format {
                Format::Json => {
                    let mut value = order_json(&order);
                    value["items"] = json!(
                        items
                            .iter()
                            .map(|i| json!({
                                "position": i.position,
                                "check": i.check_id,
                                "field": i.field,
                                "message": i.message,
                                "reason": i.reason,
                                "remedy": i.remedy,
                                "actions": i.actions,
                                "evidence": i.evidence,
                                "fingerprint": i.fingerprint,
                            }))
                            .collect::<Vec<_>>()
                    );
                    value["change_requests"] = json!(
                        changes
                            .iter()
                            .map(|c| json!({
                                "id": c.id,
                                "kind": c.kind,
                                "fields": c.fields,
                                "attachments": c.attachments,
                                "opinions": c.opinions,
                                "state": c.state,
                                "created_at": c.created_at.to_rfc3339(),
                            }))
                            .collect::<Vec<_>>()
                    );
                    value["requests"] = json!(
                        requests
                            .iter()
                            .map(|r| json!({
                                "id": r.id,
                                "kind": r.kind,
                                "days": r.days,
                                "reason": r.reason,
                                "state": r.state,
                            }))
                            .collect::<Vec<_>>()
                    );
                    value["deferred_recheck"] = json!(deferred);
                    value["timeline"] = json!(
                        audit
                            .iter()
                            .map(|a| json!({
                                "seq": a.seq,
                                "at": a.at().to_rfc3339(),
                                "actor": a.actor,
                                "action": a.action,
                                "from": a.from,
                                "to": a.to,
                            }))
                            .collect::<Vec<_>>()
                    );
                    print_json(&value)?;
                }
                Format::Text => {
                    println!(
                        "整改单 {}：{}（主体备案号 {}）",
                        order.id, order.entity_name, order.filing_number
                    );
                    println!("  状态：{}", state_label(&order.state));
                    if let Some(deferred) = &deferred {
                        println!(
                            "  复查：已连续 {} 次未能得出结论（网站或核验数据源没有应答），下一次约在 {}（北京时间）",
                            deferred.undecided,
                            beijing(deferred.due)
                        );
                    }
                    println!(
                        "  整改期限：{}（北京时间）{}",
                        beijing(order.deadline_at),
                        match order.extension_state.as_str() {
                            "requested" => "，延期申请待审批".to_owned(),
                            "granted" => format!("，已延期 {} 个工作日", order.extension_days),
                            "denied" => "，延期申请未获批准".to_owned(),
                            _ => String::new(),
                        }
                    );
                    println!("整改项（{} 项）：", items.len());
                    for item in &items {
                        println!("  {}. {}", item.position + 1, item.message);
                        if let Some(field) = &item.field {
                            println!("     字段：{field}");
                        }
                        println!("     不通过原因：{}", item.reason);
                        println!("     解决措施：{}", item.remedy);
                        if !item.actions.is_empty() {
                            println!("     可选操作：{}", item.actions.join("、"));
                        }
                    }
                    if !changes.is_empty() {
                        println!("变更申请：");
                        for change in &changes {
                            println!(
                                "  #{} {}（{}）提交于 {}",
                                change.id,
                                change_kind_label(&change.kind),
                                change_state_label(&change.state),
                                beijing(change.created_at)
                            );
                            for field in change.fields["changes"].as_array().into_iter().flatten() {
                                println!(
                                    "     {}：{} → {}",
                                    field["path"].as_str().unwrap_or_default(),
                                    field["old"].as_str().unwrap_or("（空）"),
                                    field["new"].as_str().unwrap_or("（删除）")
                                );
                            }
                            for opinion in change
                                .opinions
                                .as_ref()
                                .and_then(|o| o.as_array())
                                .into_iter()
                                .flatten()
                            {
                                println!(
                                    "     审核意见 {}：{}",
                                    opinion["path"].as_str().unwrap_or_default(),
                                    opinion["opinion"].as_str().unwrap_or_default()
                                );
                            }
                        }
                    }
                    if !requests.is_empty() {
                        println!("延期与申诉：");
                        for request in &requests {
                            println!(
                                "  #{} {}{}：{}（{}）",
                                request.id,
                                if request.kind == "extension" {
                                    "延期申请"
                                } else {
                                    "申诉"
                                },
                                request
                                    .days
                                    .map(|d| format!(" {d} 个工作日"))
                                    .unwrap_or_default(),
                                request.reason,
                                change_state_label(&request.state)
                            );
                        }
                    }
                    println!("处理经过：");
                    for entry in &audit {
                        println!(
                            "  {}  {}  {}{}",
                            beijing(entry.at()),
                            entry.actor,
                            action_label(&entry.action),
                            match (&entry.from, &entry.to) {
                                (Some(from), Some(to)) if from != to =>
                                    format!("：{} → {}", state_label(from), state_label(to)),
                                (None, Some(to)) => format!("：{}", state_label(to)),
                                _ => String::new(),
                            }
                        );
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
    }
}

/// An audit action in Chinese: the workflow's event labels, and the store's own actions.
fn action_label(action: &str) -> &str {
    match action {
        "issue" => "下发整改单",
        other => kind_label(other),
    }
}

fn change_kind_label(kind: &str) -> &str {
    match kind {
        "change_filing" => "变更备案",
        "change_website" => "变更网站",
        "cancel_website" => "注销网站",
        "cancel_entity" => "注销主体",
        other => other,
    }
}

fn change_state_label(state: &str) -> &str {
    match state {
        "pending" => "待审核",
        "approved" => "已通过",
        "rejected" => "已驳回",
        "requested" => "待审批",
        "granted" => "已批准",
        "denied" => "未批准",
        "upheld" => "申诉成立",
        "dismissed" => "申诉驳回",
        other => other,
    }
}
