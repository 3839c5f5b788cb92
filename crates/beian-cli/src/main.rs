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
