//! One module per subcommand, and what they share: reading a filing, today's date.

pub mod account;
pub mod audit;
pub mod check;
pub mod checks;
pub mod db;
pub mod db_args;
pub mod demo;
pub mod engine_args;
pub mod export;
pub mod import;
pub mod inspect;
pub mod lint;
pub mod order;
pub mod orders;
pub mod registration;
pub mod run;
pub mod sandbox;
pub mod scheduler;
pub mod score;
pub mod serve;
pub mod sweep;
pub mod validate;
pub mod worker;

use std::path::Path;

use anyhow::Context;
use beian_domain::Filing;
use chrono::{FixedOffset, NaiveDate, Utc};

/// Reads and parses a filing file; the error names the file, the JSON path, the line and
/// the reason.
pub fn read_filing(path: &Path) -> anyhow::Result<Filing> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取备案数据文件 {}", path.display()))?;
    Filing::from_json(&text)
        .map_err(|e| anyhow::anyhow!("备案数据文件 {} 有误：{e}", path.display()))
}

/// China Standard Time: filings, deadlines and validity dates are all judged in it.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in Beijing.
pub fn today_in_china() -> NaiveDate {
    Utc::now().with_timezone(&china()).date_naive()
}

/// Now in Beijing, RFC 3339 with seconds.
pub fn now_in_china() -> String {
    Utc::now()
        .with_timezone(&china())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Raises this process's soft limit on open files to its hard limit, as Go programs do
/// on start (`main` calls it once, before any command).
///
/// Many systems start processes with a soft limit of 1,024 and a much higher hard limit.
/// A sweep at its default concurrency needs more than 1,024 sockets at once (two fetches
/// and a WHOIS lookup per filing, plus the registries' connections), and each connect
/// beyond the limit fails with "too many open files".
pub fn raise_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        // A refusal (a hard limit of "unlimited" that the system will not grant as a soft
        // one) leaves the limit as it was; the warning below then tells the user.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            },
        );
    }
}

/// Warns on standard error when `in_flight` filings checked at once, with registries that
/// may hold `registry_connections`, may need more open files than the process may hold
/// (its soft limit, after [`raise_open_file_limit`]): connections beyond the limit are
/// not made, and the checks that needed them end as inconclusive rather than failing the
/// sites.
pub fn warn_if_short_of_files(in_flight: usize, registry_connections: usize) {
    let open_file_limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    // Per filing at once: the https and http fetches and a WHOIS or RDAP lookup; then the
    // registries' connections, and the runtime, the DNS sockets and the files.
    let need = (in_flight as u64)
        .saturating_mul(3)
        .saturating_add(registry_connections as u64)
        .saturating_add(64);
    if let Some(limit) = open_file_limit
        && limit < need
    {
        eprintln!(
            "提示：本进程最多可打开 {limit} 个文件（含网络连接），同时核查 {in_flight} 份备案约需 {need} 个；\
             超出时连接无法建立，相关核查项记为“无法判断”（本机资源不足），不会判网站不通过。\
             可用 ulimit -n 提高上限，或调低并发数。"
        );
    }
}

/// A clap value parser for a whole number from `min` to `max`, refused in Chinese with the
/// value and the bounds. Every numeric flag goes through one: a count or a duration far
/// beyond any sane use (a semaphore of 2⁶⁴ permits, a lease of 2⁶³ seconds) would
/// otherwise panic deep inside a library, or silently mean something else (a `--limit` of
/// -5 used to be clamped to 1 without a word).
pub fn whole_number<T>(
    min: T,
    max: T,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |s: &str| match s.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => Err(format!("“{s}”不是 {min} 到 {max} 之间的整数")),
    }
}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn a_whole_number_is_taken_only_within_its_bounds() {
        let count = whole_number::<usize>(1, 65_536);
        assert_eq!(count("1"), Ok(1));
        assert_eq!(count("65536"), Ok(65_536));
        for bad in ["0", "65537", "18446744073709551616", "-1", "1.5", "", "八"] {
            let err = count(bad).expect_err(bad);
            assert!(err.contains("1 到 65536"), "{bad}: {err}");
            assert!(err.contains(bad), "{bad}: {err}");
        }
        let days = whole_number::<i64>(0, 3650);
        assert_eq!(days("0"), Ok(0));
        assert!(days("-5").is_err());
        assert!(days("9223372036854775807").is_err());
    }
}
