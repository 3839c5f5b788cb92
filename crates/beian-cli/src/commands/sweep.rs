//! `beian sweep`: verify a whole file of filings, streaming in and out, resumable.
//!
//! Input is JSON Lines, one filing per line. Output is JSON Lines too, one result per
//! input line, written as each filing finishes (so the order is completion order and
//! every line carries its input `line`). At most `--concurrency` filings are in flight
//! and the input is read only as fast as they finish, so memory stays flat however
//! long the file is. A sweep that is killed can be resumed with `--resume`: the lines
//! already in the output are skipped, and a last line cut off mid-write is dropped.
//! `--retry-inconclusive` resumes too, but first takes out of the output the filings
//! that a finding left undecided (a site that timed out, a registry that did not answer,
//! this machine short of open files), so that they are checked again.

use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use beian_domain::{Filing, Finding, Status};
use beian_engine::Engine;
use chrono::NaiveDate;
use serde_json::json;
use tokio::sync::{Semaphore, mpsc};

use crate::Outcome;
use crate::output::{Painter, pad, pad_left};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件（JSON Lines，每行一份备案）
    #[arg(long)]
    filings: PathBuf,
    /// 结果文件（JSON Lines，每行一份备案的核查结果）
    #[arg(long)]
    out: PathBuf,
    /// 同时核查的备案数（1–65536）
    #[arg(long, default_value_t = 256, value_parser = super::whole_number::<usize>(1, 65_536))]
    concurrency: usize,
    /// 从中断处继续：跳过结果文件中已有的备案
    #[arg(long)]
    resume: bool,
    /// 重新核查结果文件中有“无法判断”项的备案（站点超时、外部数据源未应答等），其余已完成的跳过；隐含 --resume
    #[arg(long)]
    retry_inconclusive: bool,
    /// 结果中也写入通过的核查项（默认只写不通过、提示和无法判断的）
    #[arg(long)]
    all_findings: bool,
    /// 核查日期（YYYY-MM-DD），默认今天（北京时间）
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    /// 不显示进度
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
}

/// What one input line became.
enum LineResult {
    /// Checked: its findings.
    Checked {
        entity: String,
        findings: Vec<Finding>,
    },
    /// Not a readable filing: why.
    Invalid(String),
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let today = args.date.unwrap_or_else(super::today_in_china);
    let total = count_lines(&args.filings)?;
    let earlier = prepare_output(&args.out, args.resume, args.retry_inconclusive)?;
    if earlier.retried > 0 && !args.quiet {
        eprintln!(
            "从结果文件中取出 {} 份有无法判断项的备案，重新核查",
            earlier.retried
        );
    }
    let (config, registry_connections) = args.engine.config_and_registry_connections()?;
    let engine = Engine::new(config).context("无法启动核查引擎")?;
    super::warn_if_short_of_files(args.concurrency, registry_connections);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let skipped = engine.skipped_checks();
    let summary = runtime.block_on(sweep(args, engine, today, total, &earlier))?;
    summary.print(Painter::stdout(), &skipped);
    Ok(if summary.failed_filings > 0 || summary.invalid > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Counts the non-empty lines of the input, for the progress bar.
fn count_lines(path: &Path) -> anyhow::Result<usize> {
    let file = File::open(path).with_context(|| format!("无法读取备案文件 {}", path.display()))?;
    let mut count = 0;
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("备案文件 {} 不是 UTF-8 文本", path.display()))?;
        if !line.trim().is_empty() {
            count += 1;
        }
    }
    Ok(count)
}

/// What an output file already holds, read back before a sweep.
#[derive(Debug, Default)]
struct Earlier {
    /// The input lines done, skipped by this sweep.
    done: HashSet<usize>,
    /// How many results `--retry-inconclusive` took out, to be checked again.
    retried: usize,
}

/// Checks the output file and returns the input lines already done.
///
/// Without `--resume` (or `--retry-inconclusive`) an existing, non-empty output is
/// refused rather than overwritten. With it, the lines already written are read back; a
/// last line without its newline (the process was killed while writing it) is cut off so
/// the file stays valid. With `--retry-inconclusive`, results holding an inconclusive
/// finding are taken out: the rest is written to a new file beside the output, which then
/// replaces it in one rename, so a kill leaves either the old file or the new one.
fn prepare_output(path: &Path, resume: bool, retry_inconclusive: bool) -> anyhow::Result<Earlier> {
    let exists = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
    if !exists {
        File::create(path).with_context(|| format!("无法创建结果文件 {}", path.display()))?;
        return Ok(Earlier::default());
    }
    if !resume && !retry_inconclusive {
        bail!(
            "结果文件 {} 已存在且不为空：加 --resume 从中断处继续，或换一个文件名",
            path.display()
        );
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("无法打开结果文件 {}", path.display()))?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("结果文件 {} 不是 UTF-8 文本", path.display()))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let mut earlier = Earlier::default();
    let mut kept = String::new();
    for (number, line) in text[..complete].lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).with_context(|| {
            format!(
                "结果文件 {} 第 {} 行不是有效的 JSON，无法继续",
                path.display(),
                number + 1
            )
        })?;
        let Some(input_line) = value["line"].as_u64() else {
            bail!(
                "结果文件 {} 第 {} 行缺少 line 字段，无法继续",
                path.display(),
                number + 1
            );
        };
        if retry_inconclusive && has_inconclusive(&value) {
            earlier.retried += 1;
            continue;
        }
        earlier.done.insert(input_line as usize);
        kept.push_str(line);
        kept.push('\n');
    }
    if earlier.retried > 0 {
        replace_whole(path, &kept)?;
    } else if complete < text.len() {
        file.set_len(complete as u64)
            .with_context(|| format!("无法截去结果文件 {} 中写了一半的最后一行", path.display()))?;
        file.seek(SeekFrom::End(0))?;
    }
    Ok(earlier)
}

/// Whether a result line holds a finding the checks could not decide.
fn has_inconclusive(result: &serde_json::Value) -> bool {
    result["findings"]
        .as_array()
        .is_some_and(|findings| findings.iter().any(|f| f["status"] == "inconclusive"))
}

/// Replaces the file at `path` by `text`: written and synced beside it, then renamed over
/// it, so that no reader and no kill ever sees half of it.
fn replace_whole(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".retry-tmp");
    let temporary = path.with_file_name(name);
    let written = (|| -> std::io::Result<()> {
        let mut file = File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("无法写入临时文件 {}", temporary.display()));
    }
    std::fs::rename(&temporary, path).with_context(|| {
        format!(
            "无法用 {} 替换结果文件 {}",
            temporary.display(),
            path.display()
        )
    })
}

async fn sweep(
    args: &Args,
    engine: Engine,
    today: NaiveDate,
    total: usize,
    earlier: &Earlier,
) -> anyhow::Result<Summary> {
    let done = &earlier.done;
    let input = File::open(&args.filings)
        .with_context(|| format!("无法读取备案文件 {}", args.filings.display()))?;
    let output = OpenOptions::new()
        .append(true)
        .open(&args.out)
        .with_context(|| format!("无法写入结果文件 {}", args.out.display()))?;

    // Which registries answered: `beian score` expects the findings only they reveal.
    let registries: Vec<&str> = engine.registries().iter().map(|k| k.name()).collect();
    let (sender, mut receiver) = mpsc::channel::<(usize, LineResult)>(args.concurrency.max(16));
    let permits = Arc::new(Semaphore::new(args.concurrency));
    let source = args.filings.display().to_string();

    // The reader: one task at a time per permit, so at most `concurrency` filings live.
    let reader = {
        let engine = engine.clone();
        let permits = Arc::clone(&permits);
        let done = done.clone();
        tokio::spawn(async move {
            for (index, line) in BufReader::new(input).lines().enumerate() {
                let Ok(line) = line else { break };
                let line_number = index + 1;
                if line.trim().is_empty() {
                    continue;
                }
                if done.contains(&line_number) {
                    continue;
                }
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    break;
                };
                let engine = engine.clone();
                let sender = sender.clone();
                let source = source.clone();
                tokio::spawn(async move {
                    let result = match Filing::from_json(&line) {
                        Ok(filing) => {
                            let report = engine.check(&filing, today).await;
                            LineResult::Checked {
                                entity: filing.entity.name.clone(),
                                findings: report.findings,
                            }
                        }
                        Err(e) => LineResult::Invalid(format!("{source} 第 {line_number} 行：{e}")),
                    };
                    drop(permit);
                    let _ = sender.send((line_number, result)).await;
                });
            }
        })
    };

    let mut writer = std::io::BufWriter::new(output);
    let mut summary = Summary::new(total, done.len(), earlier.retried);
    let mut progress = Progress::new(args.quiet, total, done.len());
    while let Some((line, result)) = receiver.recv().await {
        let record = match &result {
            LineResult::Checked { entity, findings } => {
                let failed = findings.iter().any(|f| f.status == Status::Fail);
                let undecided = findings.iter().any(|f| f.status == Status::Inconclusive);
                let shown: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| args.all_findings || f.status != Status::Pass)
                    .collect();
                let mut record = json!({
                    "line": line,
                    "entity": entity,
                    // A filing nothing failed but something left undecided has not passed.
                    "status": if failed {
                        "fail"
                    } else if undecided {
                        "inconclusive"
                    } else {
                        "pass"
                    },
                    "findings": shown,
                });
                if !registries.is_empty() {
                    record["registries"] = json!(registries);
                }
                record
            }
            LineResult::Invalid(reason) => {
                json!({ "line": line, "status": "invalid", "error": reason })
            }
        };
        serde_json::to_writer(&mut writer, &record).context("无法写入结果")?;
        writer.write_all(b"\n").context("无法写入结果")?;
        // Each line reaches the file before the next is taken, so a kill loses at most
        // the filings in flight.
        writer.flush().context("无法写入结果")?;
        summary.add(&result);
        progress.tick(&summary);
    }
    reader.await.context("读取备案文件的任务失败")?;
    progress.finish(&summary);
    Ok(summary)
}

/// Counts for the closing table.
struct Summary {
    total: usize,
    skipped: usize,
    /// Of those checked, how many were taken out of the output to be checked again.
    retried: usize,
    checked: usize,
    invalid: usize,
    failed_filings: usize,
    /// Filings nothing failed but something left undecided.
    undecided_filings: usize,
    by_check: BTreeMap<&'static str, [usize; 3]>,
    started: Instant,
}

impl Summary {
    fn new(total: usize, skipped: usize, retried: usize) -> Self {
        Summary {
            total,
            skipped,
            retried,
            checked: 0,
            invalid: 0,
            failed_filings: 0,
            undecided_filings: 0,
            by_check: BTreeMap::new(),
            started: Instant::now(),
        }
    }

    fn add(&mut self, result: &LineResult) {
        match result {
            LineResult::Invalid(_) => self.invalid += 1,
            LineResult::Checked { findings, .. } => {
                self.checked += 1;
                if findings.iter().any(|f| f.status == Status::Fail) {
                    self.failed_filings += 1;
                } else if findings.iter().any(|f| f.status == Status::Inconclusive) {
                    self.undecided_filings += 1;
                }
                for finding in findings {
                    let slot = match finding.status {
                        Status::Fail => 0,
                        Status::Warn => 1,
                        Status::Inconclusive => 2,
                        Status::Pass => continue,
                    };
                    self.by_check.entry(finding.def().id).or_default()[slot] += 1;
                }
            }
        }
    }

    fn finished(&self) -> usize {
        self.checked + self.invalid
    }

    fn print(&self, paint: Painter, skipped: &[(beian_domain::CheckId, String)]) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            self.finished() as f64 / elapsed
        } else {
            0.0
        };
        println!("{}", paint.bold("核查汇总"));
        println!(
            "  备案 {} 份：本次核查 {}，此前已完成 {}，无法读取 {}；有不通过项的备案 {} 份",
            self.total, self.checked, self.skipped, self.invalid, self.failed_filings
        );
        if self.retried > 0 {
            println!("  其中 {} 份上次有无法判断项，本次重新核查", self.retried);
        }
        if self.undecided_filings > 0 {
            println!(
                "  没有不通过项、但有无法判断项的备案 {} 份：原因消除后可加 --retry-inconclusive 只重新核查有无法判断项的备案",
                self.undecided_filings
            );
        }
        println!("  用时 {elapsed:.1} 秒，{rate:.1} 份/秒");
        if !self.by_check.is_empty() {
            println!(
                "\n  {} {} {} {}",
                pad("核查项", 34),
                pad_left("不通过", 8),
                pad_left("提示", 8),
                pad_left("无法判断", 8)
            );
            for (id, [fail, warn, inconclusive]) in &self.by_check {
                println!("  {id:<34} {fail:>8} {warn:>8} {inconclusive:>8}");
            }
        }
        if !skipped.is_empty() {
            println!("\n  {}", paint.bold("未执行或部分未执行的核查项"));
            for (id, reason) in skipped {
                println!("  - {}  {}：{reason}", id.as_str(), id.def().title);
            }
        }
    }
}

/// A one-line progress display on standard error: done/total, rate, ETA, failures.
struct Progress {
    enabled: bool,
    terminal: bool,
    total: usize,
    already: usize,
    last: Instant,
}

impl Progress {
    fn new(quiet: bool, total: usize, already: usize) -> Self {
        Progress {
            enabled: !quiet,
            terminal: std::io::stderr().is_terminal(),
            total,
            already,
            last: Instant::now(),
        }
    }

    fn tick(&mut self, summary: &Summary) {
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        if self.enabled && self.last.elapsed() >= every {
            self.last = Instant::now();
            self.draw(summary);
        }
    }

    fn draw(&self, summary: &Summary) {
        let done = self.already + summary.finished();
        let elapsed = summary.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            summary.finished() as f64 / elapsed
        } else {
            0.0
        };
        let left = self.total.saturating_sub(done);
        let eta = if rate > 0.0 {
            format!("{:.0} 秒", left as f64 / rate)
        } else {
            "未知".to_owned()
        };
        let percent = (done * 100).checked_div(self.total).unwrap_or(100);
        let line = format!(
            "已完成 {done}/{} ({percent}%)  {rate:.1} 份/秒  预计剩余 {eta}  有不通过项 {}  无法读取 {}",
            self.total, summary.failed_filings, summary.invalid
        );
        if self.terminal {
            eprint!("\r\x1b[2K{line}");
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self, summary: &Summary) {
        if self.enabled {
            self.draw(summary);
            if self.terminal {
                eprintln!();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("beian-sweep-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir.join("results.jsonl")
    }

    const DECIDED: &str =
        r#"{"line":1,"status":"fail","findings":[{"check":"site.ip_mismatch","status":"fail"}]}"#;
    const UNDECIDED: &str = r#"{"line":2,"status":"pass","findings":[{"check":"site.unreachable","status":"inconclusive"}]}"#;
    const INVALID: &str = r#"{"line":4,"status":"invalid","error":"x"}"#;

    #[test]
    fn retrying_takes_out_only_the_undecided_filings_and_the_cut_off_line() {
        let path = scratch("retry");
        let cut = r#"{"line":3,"status":"pa"#;
        std::fs::write(&path, format!("{DECIDED}\n{UNDECIDED}\n{INVALID}\n{cut}")).unwrap();
        let earlier = prepare_output(&path, false, true).expect("prepared");
        assert_eq!(earlier.retried, 1);
        assert_eq!(earlier.done, HashSet::from([1, 4]));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{DECIDED}\n{INVALID}\n")
        );
        let neighbours: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(neighbours, ["results.jsonl"], "no temporary file is left");
    }

    #[test]
    fn resuming_keeps_the_undecided_filings() {
        let path = scratch("resume");
        std::fs::write(&path, format!("{DECIDED}\n{UNDECIDED}\n{{\"li")).unwrap();
        let earlier = prepare_output(&path, true, false).expect("prepared");
        assert_eq!(earlier.retried, 0);
        assert_eq!(earlier.done, HashSet::from([1, 2]));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{DECIDED}\n{UNDECIDED}\n")
        );
    }

    #[test]
    fn an_unreadable_line_stops_the_retry_and_leaves_the_file_alone() {
        let path = scratch("broken");
        let before = format!("{UNDECIDED}\nnot json\n");
        std::fs::write(&path, &before).unwrap();
        let error = prepare_output(&path, false, true).expect_err("refused");
        assert!(
            format!("{error:#}").contains("第 2 行不是有效的 JSON"),
            "{error:#}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn an_existing_output_is_not_overwritten_without_a_resume_flag() {
        let path = scratch("refuse");
        std::fs::write(&path, format!("{DECIDED}\n")).unwrap();
        let error = prepare_output(&path, false, false).expect_err("refused");
        assert!(format!("{error:#}").contains("--resume"), "{error:#}");
    }
}
