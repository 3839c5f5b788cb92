//! `beian audit verify`: walk the hash chain of the audit log.

use crate::commands::db_args::{DbArgs, block_on};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 从第一条起逐条校验审计日志的哈希链；发现断裂时退出码为 1，并指出断在第几条
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Verify { db, format } => block_on(async {
            let store = db.open().await?;
            let report = store.audit_verify().await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&serde_json::json!({
                    "rows": report.rows,
                    "intact": report.is_intact(),
                    "broken_seq": report.broken.as_ref().map(|(seq, _)| seq),
                    "reason": report.broken.as_ref().map(|(_, why)| why),
                }))?,
                Format::Text => match &report.broken {
                    None => println!("审计日志完整：共 {} 条，哈希链逐条相符", report.rows),
                    Some((seq, why)) => {
                        println!("审计日志在第 {seq} 条断裂：{why}（共 {} 条）", report.rows)
                    }
                },
            }
            Ok(if report.is_intact() {
                Outcome::Clean
            } else {
                Outcome::Findings
            })
        }),
    }
}
