//! `beian` — the command line of the ICP filing checker.
//!
//! Thin by design: parse arguments, read files, call the library crates, render. Exit
//! codes are part of the interface: 0 when nothing fails, 1 when there are failing
//! findings (or an invalid value for `validate`), 2 for bad input or usage.

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Format;

/// mimalloc rather than glibc's malloc: a sweep allocates and frees buffers for every site
/// (bodies, decoded text, findings), and with glibc that was about an eighth of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// ICP 备案信息核查：检查备案数据、网站首页和线上状态是否符合备案要求。
#[derive(Debug, Parser)]
#[command(name = "beian", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 列出全部核查项（编号、标题、证据来源、可选整改操作）
    Checks(commands::checks::Args),
    /// 校验一个编号：备案号、许可证号、公安备案号、身份证号、统一社会信用代码、电话、域名
    Validate(commands::validate::Args),
    /// 分析一个首页 HTML 文件：标题、字符集、展示的备案号，以及页面相关的核查结果
    Inspect(commands::inspect::Args),
    /// 检查一份备案数据（JSON）中不需要联网即可判断的全部规则
    Lint(commands::lint::Args),
    /// 联网核查一份备案：解析域名、访问首页，并运行可执行的全部核查项
    Check(commands::check::Args),
    /// 批量联网核查：逐行读取备案（JSON Lines），流式写出结果，可中断后继续
    Sweep(commands::sweep::Args),
    /// 域名注册信息（WHOIS / RDAP）：离线解析保存下来的回复，更新 RDAP 引导文件
    Registration(commands::registration::Args),
    /// 本机沙箱：生成带已知问题的备案和网站，在回环地址上提供 DNS、HTTP(S) 和 WHOIS 服务
    Sandbox(commands::sandbox::Args),
    /// 对照沙箱的标准答案（truth.jsonl）为一次批量核查的结果打分
    Score(commands::score::Args),
    /// 启动 REST API 和中文网页控制台（客户整改、审核员审核、网站自查）
    Serve(commands::serve::Args),
    /// 一条命令看全流程：沙箱、演示数据、批量核查、整改单和控制台
    Demo(commands::demo::Args),
    /// 数据库：创建或升级表结构
    Db(commands::db::Args),
    /// 导入备案（JSON Lines、CSV、XLSX）到数据库：按主体备案号更新，保留历史版本，逐行报告错误
    Import(commands::import::Args),
    /// 导出备案、核查结果或整改单到 CSV / XLSX（默认脱敏）
    Export(commands::export::Args),
    /// 核查批次：新建（排入任务）、列出、查看、比较两次核查
    Run(commands::run::Args),
    /// 工作进程：从任务队列领取核查任务并执行，发现问题时下发整改单；可多台同时运行
    Worker(commands::worker::Args),
    /// 调度：判定逾期、转入处置、排入复查、到期提醒和定期复核
    Scheduler(commands::scheduler::Args),
    /// 整改单：列出、查看
    Orders(commands::orders::Args),
    /// 处理一张整改单：提交、审核、延期、复查、申诉、管局同步、处置
    Order(commands::order::Args),
    /// 审计日志：校验哈希链
    Audit(commands::audit::Args),
    /// 账号：新建客户、审核员和管理员账号，设置密码，停用，签发和吊销 API 令牌
    Account(commands::account::Args),
}

/// What a command concluded, mapped to the process exit code.
pub enum Outcome {
    /// Nothing failed: exit 0.
    Clean,
    /// Something failed a rule: exit 1.
    Findings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    commands::raise_open_file_limit();
    let result = match cli.command {
        Command::Checks(args) => commands::checks::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
        Command::Registration(args) => commands::registration::run(&args),
        Command::Sandbox(args) => commands::sandbox::run(&args),
        Command::Score(args) => commands::score::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Demo(args) => commands::demo::run(&args),
        Command::Db(args) => commands::db::run(&args),
        Command::Import(args) => commands::import::run(&args),
        Command::Export(args) => commands::export::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Worker(args) => commands::worker::run(&args),
        Command::Scheduler(args) => commands::scheduler::run(&args),
        Command::Orders(args) => commands::orders::run(&args),
        Command::Order(args) => commands::order::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Account(args) => commands::account::run(&args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => {
            eprintln!("错误：{error:#}");
            ExitCode::from(2)
        }
    }
}

/// Shared `--format` flag.
#[derive(Debug, Clone, clap::Args)]
pub struct FormatArg {
    /// 输出格式：text（中文，终端中带颜色）或 json
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}
