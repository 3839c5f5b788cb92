//! `beian order ACTION ID`: move one rectification order through the workflow, as the
//! customer or an operator named with `--as customer:LOGIN` / `--as operator:LOGIN` (or
//! `--operator LOGIN`).
//!
//! Every action goes through `beian_service::Orders::apply`, the same path the web
//! console and the workers take: the pure state machine decides, the store writes the new
//! state and its audit row in one transaction. An account named for the first time is
//! created (without a password) so that the audit log names a real account.
//!
//! Exit codes: 0 done; 1 the workflow refused the action (wrong state, wrong role,
//! someone else was first); 2 bad input (unknown order, bad field path, missing flag).

use std::path::PathBuf;

use anyhow::Context;
use beian_domain::workflow::{
    Attachment, ChangeKind, ChangeRequest, Event, FieldChange, FieldOpinion, MiitOutcome,
    WorkflowPolicy, WorkingCalendar,
};
use beian_service::attachments::{self, Upload};
use beian_service::{Orders, ServiceError};
use beian_store::Scope;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::commands::db_args::{
    ActAs, DbArgs, account_for, beijing, block_on, parse_act_as, state_label,
};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

/// Who acts, and where.
#[derive(Debug, clap::Args)]
struct Common {
    /// 整改单编号
    id: i64,
    /// 以哪个账号操作：customer:登录名 或 operator:登录名（首次使用时自动创建，记入审计日志）
    #[arg(long = "as", value_name = "ROLE:LOGIN", value_parser = parse_act_as)]
    act_as: Option<ActAs>,
    /// 以审核员账号操作，等同 --as operator:登录名
    #[arg(long, value_name = "LOGIN", conflicts_with = "act_as")]
    operator: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    format: FormatArg,
}

// The doc comments are the `--help` text, where `websites[0]` must read as typed, not as a
// rustdoc link.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 客户提交变更申请（提交审核）
    Submit {
        #[command(flatten)]
        common: Common,
        /// 变更类型：变更备案、变更网站、注销网站、注销主体
        #[arg(long, value_parser = parse_kind)]
        kind: ChangeKind,
        /// 修改一个字段：路径=新值，如 websites[0].name=新名称（可重复）
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// 删除一个字段或列表中的一项，如 websites[1]（可重复）
        #[arg(long = "unset", value_name = "PATH")]
        unset: Vec<String>,
        /// 附件（营业执照、前置审批文件等扫描件）：PDF、JPG 或 PNG，每个不超过 10 MB，最多 5 个；原件存入数据库供审核员查看（可重复）
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
        /// 给审核员的说明
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 审核员通过变更申请；--miit 表示须报管局审核
    Approve {
        #[command(flatten)]
        common: Common,
        /// 变更须经管局审核（进入“管局审核”，等待同步结果）
        #[arg(long)]
        miit: bool,
    },
    /// 审核员驳回变更申请，逐个字段给出意见
    Reject {
        #[command(flatten)]
        common: Common,
        /// 字段意见：路径=意见，如 websites[0].name=名称仍与主体不符（至少一条，可重复）
        #[arg(long = "opinion", value_name = "PATH=意见", required = true)]
        opinions: Vec<String>,
    },
    /// 客户申请延期（每张整改单一次）
    Extend {
        #[command(flatten)]
        common: Common,
        /// 延长的工作日数
        #[arg(long)]
        days: u32,
        /// 理由
        #[arg(long)]
        reason: String,
    },
    /// 审核员审批延期申请
    DecideExtension {
        #[command(flatten)]
        common: Common,
        /// 批准
        #[arg(long, conflicts_with = "deny", required_unless_present = "deny")]
        grant: bool,
        /// 不批准
        #[arg(long)]
        deny: bool,
        /// 批准的工作日数，默认按申请
        #[arg(long)]
        days: Option<u32>,
        /// 审批意见（不批准时必填）
        #[arg(long, default_value = "")]
        opinion: String,
    },
    /// 客户说明已整改，申请复查
    Recheck {
        #[command(flatten)]
        common: Common,
        /// 做了哪些整改
        #[arg(long)]
        evidence: String,
        /// 证明材料：PDF、JPG 或 PNG，每个不超过 10 MB，最多 5 个（可重复）
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// 客户对复查结果提出申诉
    Appeal {
        #[command(flatten)]
        common: Common,
        /// 申诉理由
        #[arg(long)]
        reason: String,
    },
    /// 审核员处理申诉
    DecideAppeal {
        #[command(flatten)]
        common: Common,
        /// 申诉成立（整改单办结）
        #[arg(long, conflicts_with = "dismiss", required_unless_present = "dismiss")]
        uphold: bool,
        /// 驳回申诉（退回客户）
        #[arg(long)]
        dismiss: bool,
        /// 处理意见（驳回时必填）
        #[arg(long, default_value = "")]
        opinion: String,
    },
    /// 录入管局审核结果（人工同步）
    #[command(group(clap::ArgGroup::new("miit_outcome").required(true)))]
    MiitSync {
        #[command(flatten)]
        common: Common,
        /// 管局已通过
        #[arg(long, group = "miit_outcome")]
        accepted: bool,
        /// 管局已驳回
        #[arg(long, group = "miit_outcome")]
        rejected: bool,
        /// 管局仍在审核（只记录同步时间）
        #[arg(long, group = "miit_outcome")]
        pending: bool,
        /// 从管局读取结果的时间（RFC 3339），默认现在
        #[arg(long, value_name = "TIME")]
        at: Option<DateTime<Utc>>,
    },
    /// 把逾期的整改单转入待处置
    Escalate {
        #[command(flatten)]
        common: Common,
    },
    /// 审核员确认取消接入
    CancelAccess {
        #[command(flatten)]
        common: Common,
    },
    /// 审核员向管局申请注销
    Deregister {
        #[command(flatten)]
        common: Common,
    },
    /// 客户整改后恢复：整改单回到复查
    Reinstate {
        #[command(flatten)]
        common: Common,
    },
}

fn parse_kind(s: &str) -> Result<ChangeKind, String> {
    match s {
        "变更备案" | "change_filing" => Ok(ChangeKind::ChangeFiling),
        "变更网站" | "change_website" => Ok(ChangeKind::ChangeWebsite),
        "注销网站" | "cancel_website" => Ok(ChangeKind::CancelWebsite),
        "注销主体" | "cancel_entity" => Ok(ChangeKind::CancelEntity),
        _ => Err(format!(
            "未知的变更类型“{s}”：应为 变更备案、变更网站、注销网站 或 注销主体"
        )),
    }
}

/// `PATH=VALUE`, split at the first `=`.
fn split_pair<'a>(flag: &str, pair: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    let (path, value) = pair
        .split_once('=')
        .with_context(|| format!("{flag} 的值“{pair}”应写成 路径=值"))?;
    let path = path.trim();
    if path.is_empty() {
        anyhow::bail!("{flag} 的值“{pair}”缺少字段路径");
    }
    Ok((path, value))
}

/// The value at `path` (`websites[0].name`) in a filing's JSON, as text.
fn value_at(root: &Value, path: &str) -> Option<String> {
    let mut current = root;
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(open) => (&part[..open], &part[open..]),
            None => (part, ""),
        };
        current = current.get(key)?;
        while let Some(close) = rest.find(']') {
            let index: usize = rest.get(1..close)?.parse().ok()?;
            current = current.get(index)?;
            rest = &rest[close + 1..];
        }
    }
    match current {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

/// Reads the files given with `--attach` and holds them to the console's upload rules
/// (`beian_service::attachments`): PDF, JPEG or PNG by content, at most 10 MiB each and 5
/// in all. A refused file is bad input (exit 2), named in the message.
fn read_attachments(paths: &[PathBuf]) -> anyhow::Result<Vec<Upload>> {
    attachments::check_count(paths.len())?;
    paths
        .iter()
        .map(|path| {
            let name = attachments::clean_name(
                &path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string()),
            );
            // The size first, so that a huge file is refused without being read.
            let size = std::fs::metadata(path)
                .with_context(|| format!("无法读取附件 {}", path.display()))?
                .len();
            attachments::check_size(&name, size)?;
            let bytes =
                std::fs::read(path).with_context(|| format!("无法读取附件 {}", path.display()))?;
            Ok(Upload::check(&name, bytes)?)
        })
        .collect()
}

/// Reads, checks and stores the files of `--attach`, so that the reviewer can open them;
/// the event then lists them by name, SHA-256 and size.
async fn keep_attachments(
    store: &beian_store::Store,
    order_id: i64,
    paths: &[PathBuf],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Attachment>> {
    let uploads = read_attachments(paths)?;
    attachments::keep(store, Scope::All, order_id, &uploads, now)
        .await
        .context("无法保存附件")
}

fn common(action: &Action) -> &Common {
    match action {
        Action::Submit { common, .. }
        | Action::Approve { common, .. }
        | Action::Reject { common, .. }
        | Action::Extend { common, .. }
        | Action::DecideExtension { common, .. }
        | Action::Recheck { common, .. }
        | Action::Appeal { common, .. }
        | Action::DecideAppeal { common, .. }
        | Action::MiitSync { common, .. }
        | Action::Escalate { common }
        | Action::CancelAccess { common }
        | Action::Deregister { common }
        | Action::Reinstate { common } => common,
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let common = common(&args.action);
    let act_as = match (&common.act_as, &common.operator) {
        (Some(who), _) => who.clone(),
        (None, Some(login)) => parse_act_as(&format!("operator:{login}"))
            .map_err(|e| anyhow::anyhow!("--operator：{e}"))?,
        (None, None) => anyhow::bail!(
            "请用 --as customer:登录名 或 --as operator:登录名（或 --operator 登录名）说明由谁操作"
        ),
    };
    block_on(async {
        let store = common.db.open().await?;
        let now = Utc::now();
        let id = common.id;
        // The order is looked up first as staff, only to learn its customer (a customer
        // account is created for that customer); the action itself runs in the account's
        // own scope.
        let order = store
            .order(Scope::All, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("整改单 {id} 不存在"))?;
        let (who, scope) = account_for(&store, &act_as, order.customer_id, now).await?;
        let event = event_for(&args.action, &store, &order, now).await?;
        let calendar = WorkingCalendar::bundled().context("节假日日历有误")?;
        let orders = Orders::new(store.clone(), WorkflowPolicy::default(), calendar);
        let result = orders.apply(scope, id, &who, &event, now).await;
        store.close().await;
        match result {
            Ok(outcome) => {
                let order = outcome.order;
                match common.format.format {
                    Format::Json => print_json(&json!({
                        "id": order.id,
                        "state": order.state,
                        "state_label": state_label(&order.state),
                        "deadline": order.deadline_at.to_rfc3339(),
                        "audit_seq": outcome.audit_seq,
                    }))?,
                    Format::Text => println!(
                        "整改单 {}：{}，现为“{}”，整改期限 {}（北京时间）",
                        order.id,
                        event.label(),
                        state_label(&order.state),
                        beijing(order.deadline_at)
                    ),
                }
                Ok(Outcome::Clean)
            }
            Err(ServiceError::Refused(refusal)) => {
                eprintln!("未执行：{refusal}");
                Ok(Outcome::Findings)
            }
            Err(ServiceError::Conflict) => {
                eprintln!("未执行：{}", ServiceError::Conflict);
                Ok(Outcome::Findings)
            }
            Err(ServiceError::OrderNotFound(_)) => {
                anyhow::bail!("整改单 {id} 不存在（或不属于账号 {}）", act_as.login)
            }
            Err(other) => Err(anyhow::Error::new(other).context(format!("整改单 {id}"))),
        }
    })
}

async fn event_for(
    action: &Action,
    store: &beian_store::Store,
    order: &beian_store::Order,
    now: DateTime<Utc>,
) -> anyhow::Result<Event> {
    Ok(match action {
        Action::Submit {
            kind,
            set,
            unset,
            attach,
            note,
            ..
        } => {
            let filing = store
                .filing_body(Scope::All, order.filing_id)
                .await?
                .with_context(|| format!("整改单 {} 的备案已不存在", order.id))?;
            let current = serde_json::to_value(&filing)?;
            let mut fields = Vec::new();
            for pair in set {
                let (path, value) = split_pair("--set", pair)?;
                fields.push(FieldChange {
                    path: path.to_owned(),
                    old: value_at(&current, path),
                    new: Some(value.to_owned()),
                });
            }
            for path in unset {
                fields.push(FieldChange {
                    path: path.trim().to_owned(),
                    old: value_at(&current, path.trim()),
                    new: None,
                });
            }
            // Refuse a change that could never be applied now, not at approval.
            beian_service::change::apply_changes(&filing, &fields)
                .map_err(|e| anyhow::anyhow!("变更申请有误：{e}"))?;
            Event::Submit(ChangeRequest {
                kind: *kind,
                fields,
                attachments: keep_attachments(store, order.id, attach, now).await?,
                note: note.clone(),
            })
        }
        Action::Approve { miit, .. } => Event::Approve { needs_miit: *miit },
        Action::Reject { opinions, .. } => Event::Reject {
            opinions: opinions
                .iter()
                .map(|pair| {
                    let (path, opinion) = split_pair("--opinion", pair)?;
                    Ok(FieldOpinion {
                        path: path.to_owned(),
                        opinion: opinion.trim().to_owned(),
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        },
        Action::Extend { days, reason, .. } => Event::RequestExtension {
            working_days: *days,
            reason: reason.clone(),
        },
        Action::DecideExtension {
            grant,
            days,
            opinion,
            ..
        } => {
            let asked = store
                .order_requests(Scope::All, order.id)
                .await?
                .into_iter()
                .rev()
                .find(|r| r.kind == "extension")
                .and_then(|r| r.days)
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(0);
            Event::DecideExtension {
                granted: *grant,
                working_days: days.unwrap_or(asked),
                opinion: opinion.clone(),
            }
        }
        Action::Recheck {
            evidence, attach, ..
        } => Event::RequestRecheck {
            evidence: evidence.clone(),
            attachments: keep_attachments(store, order.id, attach, now).await?,
        },
        Action::Appeal { reason, .. } => Event::Appeal {
            reason: reason.clone(),
        },
        Action::DecideAppeal {
            uphold, opinion, ..
        } => Event::DecideAppeal {
            upheld: *uphold,
            opinion: opinion.clone(),
        },
        Action::MiitSync {
            accepted,
            rejected,
            at,
            ..
        } => Event::MiitSynced {
            outcome: if *accepted {
                MiitOutcome::Accepted
            } else if *rejected {
                MiitOutcome::Rejected
            } else {
                MiitOutcome::Pending
            },
            synced_at: at
                .unwrap_or(now)
                .with_timezone(&beian_domain::workflow::calendar::shanghai()),
        },
        Action::Escalate { .. } => Event::Escalate,
        Action::CancelAccess { .. } => Event::ConfirmAccessCancellation,
        Action::Deregister { .. } => Event::RequestDeregistration,
        Action::Reinstate { .. } => Event::Reinstate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_path_reads_the_current_value() {
        let filing = json!({"websites": [{"name": "旧名", "domains": ["a.cn", "b.cn"]}]});
        assert_eq!(
            value_at(&filing, "websites[0].name").as_deref(),
            Some("旧名")
        );
        assert_eq!(
            value_at(&filing, "websites[0].domains").as_deref(),
            Some("a.cn,b.cn")
        );
        assert_eq!(value_at(&filing, "websites[3].name"), None);
        assert_eq!(value_at(&filing, "entity.name"), None);
    }

    #[test]
    fn change_kinds_are_named_in_chinese() {
        assert_eq!(parse_kind("变更网站"), Ok(ChangeKind::ChangeWebsite));
        assert_eq!(parse_kind("注销主体"), Ok(ChangeKind::CancelEntity));
        assert!(parse_kind("改网站").unwrap_err().contains("变更备案"));
    }
}
