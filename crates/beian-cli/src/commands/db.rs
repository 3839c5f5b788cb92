//! `beian db migrate`: create or update the store's schema.

use crate::Outcome;
use crate::commands::db_args::{DbArgs, block_on, redact};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 创建或升级数据库表结构（已是最新时不做任何改动）
    Migrate(DbArgs),
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Migrate(db) => block_on(async {
            let store = db.open().await?;
            store.migrate().await?;
            store.close().await;
            println!("数据库 {} 的表结构已是最新", redact(&db.db));
            Ok(Outcome::Clean)
        }),
    }
}
