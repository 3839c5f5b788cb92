//! Rendering: JSON for scripts, readable Chinese text for people, coloured on a terminal.

use std::io::{IsTerminal, Write};

use beian_domain::{Finding, Status, Target};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// 中文文本
    Text,
    /// JSON
    Json,
}

/// Prints a JSON value, pretty, followed by a newline.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// ANSI colours, only when stdout is a terminal and `NO_COLOR` is unset.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    enabled: bool,
}

impl Painter {
    /// Colours if standard output is a terminal.
    pub fn stdout() -> Self {
        Painter {
            enabled: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// The status badge: ✗ 不通过, ! 提示, ✓ 通过, ? 无法判断.
    pub fn status(self, status: Status) -> String {
        match status {
            Status::Fail => self.red(&format!("✗ {}", status.label())),
            Status::Warn => self.yellow(&format!("! {}", status.label())),
            Status::Pass => self.green(&format!("✓ {}", status.label())),
            Status::Inconclusive => self.cyan(&format!("? {}", status.label())),
        }
    }
}

/// Describes a finding's target in Chinese.
pub fn target_label(target: &Target) -> String {
    match target {
        Target::Entity => "主体".to_owned(),
        Target::Website { index, name } => format!("网站 #{}「{name}」", index + 1),
        Target::Page => "页面".to_owned(),
    }
}

/// Renders findings as text: failures and warnings in full, then passes in one line each,
/// then a count. Evidence seen at `common_source` (already named in the report's header)
/// is shown without repeating its source and time.
pub fn print_findings(findings: &[Finding], paint: Painter, common_source: Option<&str>) {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| match f.status {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Inconclusive => 2,
        Status::Pass => 3,
    });
    for finding in &ordered {
        let def = finding.def();
        if finding.status == Status::Pass {
            println!(
                "{}  {}  {}",
                paint.status(finding.status),
                paint.dim(def.id),
                finding.message,
            );
            continue;
        }
        println!(
            "{}  {}  {}",
            paint.status(finding.status),
            paint.cyan(def.id),
            paint.bold(def.title)
        );
        let mut object = format!("    对象：{}", target_label(&finding.target));
        if let Some(field) = &finding.field {
            object.push_str(&format!("    字段：{field}"));
        }
        println!("{object}");
        println!("    问题：{}", finding.message);
        for evidence in &finding.evidence {
            let value = plain(&evidence.value);
            let mut line = format!("    证据：{} = {value}", evidence.label);
            if common_source.is_some() && evidence.source.as_deref() == common_source {
                println!("{}", paint.dim(&line));
                continue;
            }
            match (&evidence.source, &evidence.observed_at) {
                (Some(source), Some(at)) => line.push_str(&format!("（来源 {source}，{at}）")),
                (Some(source), None) => line.push_str(&format!("（来源 {source}）")),
                (None, Some(at)) => line.push_str(&format!("（{at}）")),
                (None, None) => {}
            }
            println!("{}", paint.dim(&line));
        }
        if matches!(finding.status, Status::Fail | Status::Warn) {
            println!("    原因：{}", def.reason);
            println!("    措施：{}", def.remedy);
            let actions: Vec<&str> = def.actions.iter().map(|a| a.label()).collect();
            println!("    可选操作：{}", actions.join("、"));
        }
        println!();
    }
    let count = |status| findings.iter().filter(|f| f.status == status).count();
    println!(
        "共 {} 项结果：{} {}，{} {}，{} {}，{} {}",
        findings.len(),
        paint.red("不通过"),
        count(Status::Fail),
        paint.yellow("提示"),
        count(Status::Warn),
        paint.green("通过"),
        count(Status::Pass),
        paint.cyan("无法判断"),
        count(Status::Inconclusive),
    );
}

/// A JSON value as plain text: strings bare, lists joined with 、, an empty list as （无）.
fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.is_empty() => "（无）".to_owned(),
        serde_json::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// Pads `text` on the right to `width` terminal columns, counting CJK characters as two.
pub fn pad(text: &str, width: usize) -> String {
    let columns: usize = text
        .chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}

/// Pads `text` on the left to `width` terminal columns, counting CJK characters as two.
pub fn pad_left(text: &str, width: usize) -> String {
    let columns: usize = text
        .chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum();
    format!("{}{text}", " ".repeat(width.saturating_sub(columns)))
}
