//! `beian checks`: the catalogue, for people and for scripts.

use beian_domain::{CheckId, Scope};
use serde_json::json;

use crate::output::{Format, Painter};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    format: FormatArg,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match args.format.format {
        Format::Json => {
            let checks: Vec<_> = CheckId::ALL
                .iter()
                .map(|id| {
                    let def = id.def();
                    json!({
                        "id": def.id,
                        "scope": def.scope,
                        "from_seed": def.from_seed,
                        "title": def.title,
                        "sources": def.sources,
                        "reason": def.reason,
                        "remedy": def.remedy,
                        "actions": def.actions,
                    })
                })
                .collect();
            crate::output::print_json(&json!({ "checks": checks }))?;
        }
        Format::Text => {
            let paint = Painter::stdout();
            for (scope, heading) in [
                (Scope::Entity, "主体核查项"),
                (Scope::Website, "网站核查项"),
            ] {
                println!("{}", paint.bold(heading));
                for id in CheckId::ALL.iter().filter(|id| id.def().scope == scope) {
                    let def = id.def();
                    let sources: Vec<&str> = def.sources.iter().map(|s| s.label()).collect();
                    let actions: Vec<&str> = def.actions.iter().map(|a| a.label()).collect();
                    let marker = if def.from_seed { "●" } else { "○" };
                    println!(
                        "  {marker} {:<34} {}",
                        paint.cyan(def.id),
                        paint.bold(def.title)
                    );
                    println!(
                        "      证据：{}    整改操作：{}",
                        sources.join("、"),
                        actions.join("、")
                    );
                }
                println!();
            }
            println!(
                "● 来自备案整改规范的十四项核查；○ 依据备案规则增加的核查。共 {} 项。",
                CheckId::ALL.len()
            );
        }
    }
    Ok(Outcome::Clean)
}
