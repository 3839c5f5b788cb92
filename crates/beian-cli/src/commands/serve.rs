//! `beian serve`: the REST API and the web console.

use std::net::SocketAddr;

use anyhow::Context;
use beian_server::app::{AppState, ServerConfig, start};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 数据库：sqlite://文件路径（默认）或 postgres://…（与其他命令一样可用环境变量 BEIAN_DB）
    #[arg(long, env = "BEIAN_DB", default_value = "sqlite://beian.db")]
    db: String,
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// 会话 Cookie 加 Secure 标记（经 HTTPS 访问时使用）
    #[arg(long)]
    secure_cookies: bool,
    /// 启动时创建的管理员账号（密码取自环境变量 BEIAN_ADMIN_PASSWORD），已存在则不变
    #[arg(long, value_name = "LOGIN")]
    admin: Option<String>,
    /// 不启用联网核查（网站自查和在线复查不可用）
    #[arg(long)]
    no_engine: bool,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let mut config = ServerConfig::new(args.db.clone(), args.listen);
    config.secure_cookies = args.secure_cookies;
    if !args.no_engine {
        config.engine = Some(args.engine.config()?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(async {
        beian_server::init_logging();
        let state = AppState::new(config).await?;
        if let Some(login) = &args.admin {
            let password = std::env::var("BEIAN_ADMIN_PASSWORD")
                .context("使用 --admin 时须设置环境变量 BEIAN_ADMIN_PASSWORD")?;
            beian_server::accounts::ensure_staff(&state.store, login, &password).await?;
        }
        let running = start(state).await?;
        eprintln!(
            "beian serve：控制台 http://{}/ ，API 文档 http://{}/api/docs",
            running.addr, running.addr
        );
        running
            .task
            .await
            .context("服务异常退出")?
            .context("服务异常退出")?;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Clean)
}
