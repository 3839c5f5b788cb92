//! `beian inspect PAGE.html`: what a homepage shows, and the page checks on it.

use std::path::PathBuf;

use anyhow::{Context, bail};
use beian_checks::{PageSubject, Settings};
use beian_domain::finding::any_failed;
use beian_domain::ident::extract::ShownKind;
use beian_page::{CharsetSource, MiitLink, PageAnalysis};
use serde_json::json;

use crate::output::{Format, Painter, print_findings, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 首页 HTML 文件（任意字符集）
    page: PathBuf,
    /// 对照的备案数据文件；给出后可检查标题、备案号归属和内容是否与主体相符
    #[arg(long)]
    filing: Option<PathBuf>,
    /// 对照备案中的第几个网站（从 1 开始）；备案只有一个网站时可省略
    #[arg(long, requires = "filing")]
    website: Option<usize>,
    /// 服务器返回的 Content-Type（用于判断字符集），例如 "text/html; charset=gbk"
    #[arg(long)]
    content_type: Option<String>,
    #[command(flatten)]
    format: FormatArg,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let bytes = std::fs::read(&args.page)
        .with_context(|| format!("无法读取页面文件 {}", args.page.display()))?;
    let filing = args.filing.as_deref().map(super::read_filing).transpose()?;
    let index = match (&filing, args.website) {
        (None, _) => None,
        (Some(filing), Some(n)) => {
            if n == 0 || n > filing.websites.len() {
                bail!(
                    "--website {n} 超出范围：备案中有 {} 个网站（从 1 开始编号）",
                    filing.websites.len()
                );
            }
            Some(n - 1)
        }
        (Some(filing), None) => match filing.websites.len() {
            1 => Some(0),
            0 => bail!("备案数据中没有网站，无法对照首页"),
            n => {
                let names: Vec<String> = filing
                    .websites
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("{} {}", i + 1, w.name))
                    .collect();
                bail!(
                    "备案中有 {n} 个网站，请用 --website 指定对照哪一个：{}",
                    names.join("；")
                )
            }
        },
    };
    let page = beian_page::analyze(&bytes, args.content_type.as_deref());
    let subject = filing
        .as_ref()
        .zip(index)
        .map(|(filing, index)| PageSubject { filing, index });
    let source = args.page.display().to_string();
    let observed_at = super::now_in_china();
    let findings =
        beian_checks::inspect(&page, subject, &Settings::default(), &source, &observed_at);

    match args.format.format {
        Format::Json => print_json(&json!({
            "source": source,
            "observed_at": observed_at,
            "title": page.title,
            "title_source": page.title_source,
            "charset": page.charset,
            "charset_source": page.charset_source,
            "icp_numbers": numbers_of(&page, ShownKind::IcpFiling),
            "licence_numbers": numbers_of(&page, ShownKind::IcpLicence),
            "police_numbers": numbers_of(&page, ShownKind::Police),
            "miit_link": page.miit_link,
            "numbers": page.numbers.iter().map(|n| json!({
                "kind": kind_code(n.kind),
                "shown": &page.text[n.range.clone()],
                "normalized": n.normalized,
                "link": n.link.and_then(|i| page.links.get(i)).map(|l| l.href.as_str()),
            })).collect::<Vec<_>>(),
            "rejected_numbers": page.rejected_numbers.iter().map(|r| json!({
                "kind": kind_code(r.kind),
                "shown": &page.text[r.range.clone()],
                "reason": r.reason,
            })).collect::<Vec<_>>(),
            "findings": findings,
        }))?,
        Format::Text => {
            let paint = Painter::stdout();
            println!(
                "{}  {}（读取于 {observed_at}）",
                paint.bold("首页分析"),
                source
            );
            println!("  标题：{}", page.title.as_deref().unwrap_or("（无）"));
            println!(
                "  字符集：{}（{}）",
                page.charset,
                charset_source_label(page.charset_source)
            );
            for (kind, label) in [
                (ShownKind::IcpFiling, "ICP备案号"),
                (ShownKind::IcpLicence, "ICP许可证号"),
                (ShownKind::Police, "公安备案号"),
            ] {
                let numbers = numbers_of(&page, kind);
                let shown = if numbers.is_empty() {
                    "（无）".to_owned()
                } else {
                    numbers.join("、")
                };
                println!("  {label}：{shown}");
            }
            println!("  工信部链接：{}\n", miit_link_label(page.miit_link));
            print_findings(&findings, paint, Some(&source));
        }
    }
    Ok(if any_failed(&findings) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The distinct numbers of one kind, in page order.
fn numbers_of(page: &PageAnalysis, kind: ShownKind) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for number in page.numbers.iter().filter(|n| n.kind == kind) {
        if !numbers.contains(&number.normalized) {
            numbers.push(number.normalized.clone());
        }
    }
    numbers
}

fn kind_code(kind: ShownKind) -> &'static str {
    match kind {
        ShownKind::IcpFiling => "icp_filing",
        ShownKind::IcpLicence => "icp_licence",
        ShownKind::Police => "police",
    }
}

fn charset_source_label(source: CharsetSource) -> &'static str {
    match source {
        CharsetSource::Bom => "来自字节顺序标记",
        CharsetSource::ContentType => "来自 Content-Type",
        CharsetSource::Meta => "来自页面 meta 声明",
        CharsetSource::Detected => "按内容识别",
        CharsetSource::Default => "未声明，按默认",
    }
}

fn miit_link_label(link: MiitLink) -> &'static str {
    match link {
        MiitLink::Ok => "有，指向 beian.miit.gov.cn",
        MiitLink::LegacyHost => "指向已停用的旧地址",
        MiitLink::Missing => "没有",
    }
}
