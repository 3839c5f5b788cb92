//! `beian check` end to end against a small world on loopback: Debian's dnsmasq answers
//! for the example domain, a plain HTTP/1.1 server serves the example homepage, and WHOIS
//! and RDAP servers answer with saved real registry replies (`fixtures/`).

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// dnsmasq on a free loopback port, answering `records`; everything else under `.cn`
/// is NXDOMAIN. Killed on drop.
struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
}

impl Dnsmasq {
    fn start(records: &[&str]) -> Dnsmasq {
        let port = loop {
            let udp = UdpSocket::bind((LOCALHOST, 0)).expect("bind udp");
            let port = udp.local_addr().expect("addr").port();
            if TcpListener::bind((LOCALHOST, port)).is_ok() {
                break port;
            }
        };
        let program = if Path::new("/usr/sbin/dnsmasq").exists() {
            "/usr/sbin/dnsmasq"
        } else {
            "dnsmasq"
        };
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .args([
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--user=root",
                "--local=/cn/",
                "--pid-file=",
            ])
            .args(records)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dnsmasq starts (scripts/test.sh installs dnsmasq-base)");
        let addr = SocketAddr::from((LOCALHOST, port));
        let mut server = Dnsmasq { child, addr };
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("dnsmasq exited early: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "dnsmasq did not come up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `body` as an HTML page to every request, over real HTTP/1.1 on loopback.
fn serve_page(body: Vec<u8>) -> u16 {
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind http");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                let mut stream = &stream;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}

/// The example company's world: its domain resolves to 127.0.0.1, where its homepage is
/// served.
fn company_world() -> (Dnsmasq, u16) {
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let page = std::fs::read(root().join("examples/company-homepage.html")).expect("page");
    (dns, serve_page(page))
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind((LOCALHOST, 0))
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn filing_with_ips(ips: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/company.jsonc")).expect("example");
    let text = text.replace("\"ips\": [\"203.0.113.10\"]", &format!("\"ips\": [{ips}]"));
    let dir = std::env::temp_dir().join(format!("beian-check-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(format!("filing-{}.json", ips.len()));
    std::fs::write(&path, text).expect("write filing");
    path
}

fn check(
    filing: &Path,
    dns: &Dnsmasq,
    http_port: u16,
    extra: &[&str],
) -> (Output, serde_json::Value) {
    check_of(&[filing.as_os_str()], dns, http_port, extra)
}

/// `beian check` of a subject (a filing's path, or `--site …`) in the test's world.
fn check_of(
    subject: &[&std::ffi::OsStr],
    dns: &Dnsmasq,
    http_port: u16,
    extra: &[&str],
) -> (Output, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("check")
        .args(subject)
        .args(["--dns-server", &dns.addr.to_string()])
        .args(["--http-port", &http_port.to_string()])
        .args(["--https-port", &closed_port().to_string()])
        .args([
            "--connect-timeout",
            "2",
            "--deadline",
            "5",
            "--date",
            "2026-11-29",
            "--format",
            "json",
        ])
        .args(extra)
        .current_dir(root())
        .output()
        .expect("run beian check");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn statuses<'a>(report: &'a serde_json::Value, check: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| f["status"].as_str().expect("status"))
        .collect()
}

#[test]
fn a_site_served_from_its_filed_address_passes_the_live_checks() {
    let (dns, port) = company_world();
    let filing = filing_with_ips("\"127.0.0.1\"");
    let (output, report) = check(
        &filing,
        &dns,
        port,
        &[
            "--allow-private",
            "--provider-range",
            "127.0.0.0/8",
            "--no-registration",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert!(statuses(&report, "site.domain_expired").is_empty());
    assert_eq!(statuses(&report, "site.ip_mismatch"), ["pass"]);
    assert_eq!(statuses(&report, "site.unreachable"), ["pass"]);
    assert_eq!(statuses(&report, "site.not_served_by_provider"), ["pass"]);
    assert_eq!(statuses(&report, "site.title_mismatch"), ["pass"]);
    assert_eq!(statuses(&report, "site.footer_number"), ["pass"]);
    // The evidence says where the page came from.
    let title = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["check"] == "site.title_mismatch")
        .expect("title finding");
    let source = title["evidence"][0]["source"].as_str().expect("source");
    assert!(source.starts_with("http://yunfan-data.cn:"), "{source}");
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| s["check"].as_str().expect("id"))
        .collect();
    assert!(
        skipped.contains(&"site.domain_expired") && skipped.contains(&"entity.business_status")
    );
}

#[test]
fn a_site_owner_checks_a_site_from_its_domain_number_and_name() {
    let (dns, port) = company_world();
    let run = |name: &str, more: &[&str]| {
        let mut args = vec![
            "--site",
            "YunFan-Data.cn.",
            "--icp",
            "京ICP备2024012345号-1",
            "--name",
            name,
        ];
        args.extend_from_slice(more);
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        check_of(&args, &dns, port, &["--allow-private", "--no-registration"])
    };
    let skipped_ids = |report: &serde_json::Value| -> Vec<String> {
        skipped(report).into_iter().map(|(id, _)| id).collect()
    };
    let (output, report) = run("云帆数据", &[]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["site"]["domain"], "yunfan-data.cn");
    assert_eq!(statuses(&report, "site.title_mismatch"), ["pass"]);
    assert_eq!(statuses(&report, "site.footer_number"), ["pass"]);
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .chain(report["skipped"].as_array().expect("skipped"))
        .map(|f| f["check"].as_str().expect("id"))
        .collect();
    assert!(
        checks.iter().all(|c| c.starts_with("site.")),
        "only the website checks: {checks:?}"
    );
    // Without the filed IPs and the 主办单位, the checks that need them are not judged
    // (they would fail every site), and say why.
    let not_judged = skipped_ids(&report);
    for id in ["site.ip_mismatch", "site.content_mismatch"] {
        assert!(statuses(&report, id).is_empty(), "{id}: {report:#}");
        assert!(not_judged.iter().any(|s| s == id), "{id}: {not_judged:?}");
    }

    // Given, they are judged: the right ones pass, wrong ones fail with exit 1.
    let (output, report) = run(
        "云帆数据",
        &["--owner", "北京云帆数据科技有限公司", "--ip", "127.0.0.1"],
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(statuses(&report, "site.ip_mismatch"), ["pass"]);
    assert_eq!(statuses(&report, "site.content_mismatch"), ["pass"]);
    let (output, report) = run(
        "云帆数据",
        &[
            "--owner",
            "上海星海网络科技有限公司",
            "--ip",
            "203.0.113.10",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(statuses(&report, "site.ip_mismatch"), ["fail"]);
    assert_eq!(statuses(&report, "site.content_mismatch"), ["fail"]);

    // As a personal site, the same homepage carries a company's copyright line: judged
    // without a unit's name, and failed; the description a self-check does not take is
    // listed as not judged.
    let (output, report) = run("云帆数据", &["--kind", "个人"]);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["site"]["kind"], "personal");
    assert_eq!(statuses(&report, "site.content_mismatch"), ["fail"]);
    assert!(
        skipped_ids(&report)
            .iter()
            .any(|s| s == "site.content_description")
    );

    // A filed name the homepage's title does not carry fails, with exit 1.
    let (output, report) = run("星海网络", &[]);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(statuses(&report, "site.title_mismatch"), ["fail"]);

    // Bad facts are refused with the field and value, before any lookup.
    const NUMBER: &str = "京ICP备2024012345号";
    let facts = |domain: &'static str, icp: &'static str, extra: &[&'static str]| {
        let mut args = vec!["--site", domain, "--icp", icp, "--name", "x"];
        args.extend_from_slice(extra);
        args
    };
    for (args, want) in [
        (facts("not a domain", NUMBER, &[]), "域名“not a domain”无效"),
        (facts("example.cn", "ICP123", &[]), "备案号“ICP123”无效"),
        (vec!["--site", "example.cn", "--name", "x"], "--icp"),
        (
            facts("example.cn", NUMBER, &["--kind", "公司"]),
            "主体性质“公司”无效",
        ),
        (
            facts("example.cn", NUMBER, &["--ip", "1.2.3"]),
            "IP 地址“1.2.3”无效",
        ),
        (
            [
                vec!["examples/company.jsonc"],
                facts("example.cn", NUMBER, &[]),
            ]
            .concat(),
            "--site",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_beian"))
            .arg("check")
            .args(&args)
            .current_dir(root())
            .output()
            .expect("run beian check");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

#[test]
fn a_site_resolving_elsewhere_or_not_at_all_fails() {
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let port = serve_page("<title>云帆数据</title>".as_bytes().to_vec());
    let filing = filing_with_ips("\"203.0.113.10\"");
    let (output, report) = check(&filing, &dns, port, &["--allow-private"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(statuses(&report, "site.ip_mismatch"), ["fail"]);
    assert_eq!(statuses(&report, "site.footer_number"), ["fail"]);

    let nowhere = Dnsmasq::start(&[]);
    let (_, report) = check(&filing, &nowhere, port, &["--allow-private"]);
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["check"] == "site.ip_mismatch")
        .expect("ip finding");
    assert_eq!(finding["status"], "fail");
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("未解析")),
        "{finding}"
    );
    assert_eq!(statuses(&report, "site.unreachable"), ["inconclusive"]);
}

#[test]
fn without_allow_private_the_guard_keeps_the_crawler_off_loopback() {
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let filing = filing_with_ips("\"127.0.0.1\"");
    let (_, report) = check(&filing, &dns, port, &[]);
    assert_eq!(statuses(&report, "site.unreachable"), ["inconclusive"]);
    assert!(
        listener.accept().is_err(),
        "the crawler connected to a loopback address"
    );
}

fn jsonl_of(paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(root().join(p)).expect("example");
            let filing = beian_domain::Filing::from_json(&text).expect("example parses");
            serde_json::to_string(&filing).expect("serialise")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sweep(filings: &Path, out: &Path, dns: &Dnsmasq, http_port: u16, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("sweep")
        .arg("--filings")
        .arg(filings)
        .arg("--out")
        .arg(out)
        .args(["--dns-server", &dns.addr.to_string(), "--allow-private"])
        .args([
            "--http-port",
            &http_port.to_string(),
            "--https-port",
            &closed_port().to_string(),
        ])
        .args([
            "--connect-timeout",
            "2",
            "--deadline",
            "5",
            "--date",
            "2026-11-29",
            "--concurrency",
            "4",
        ])
        .args(extra)
        .current_dir(root())
        .output()
        .expect("run beian sweep")
}

fn result_lines(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .expect("results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each result line is JSON"))
        .collect()
}

#[test]
fn a_sweep_streams_results_and_resumes_after_a_kill() {
    let (dns, port) = company_world();
    let dir = std::env::temp_dir().join(format!("beian-sweep-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let filings = dir.join("filings.jsonl");
    let good = jsonl_of(&[
        "examples/company.jsonc",
        "examples/personal-rectification.jsonc",
    ]);
    std::fs::write(&filings, format!("{good}\n\n{{\"entity\": 42}}\n")).expect("write");

    let out = dir.join("results.jsonl");
    let _ = std::fs::remove_file(&out);
    let output = sweep(&filings, &out, &dns, port, &["--quiet"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = result_lines(&out);
    let mut lines: Vec<u64> = results
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, [1, 2, 4], "one result per non-empty input line");
    let invalid = results.iter().find(|r| r["line"] == 4).expect("line 4");
    assert_eq!(invalid["status"], "invalid");
    assert!(
        invalid["error"]
            .as_str()
            .is_some_and(|e| e.contains("第 4 行") && e.contains("entity")),
        "{invalid}"
    );
    let personal = results.iter().find(|r| r["line"] == 2).expect("line 2");
    assert_eq!(personal["status"], "fail");
    assert!(
        personal["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["status"] != "pass"))
    );
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains("核查汇总") && summary.contains("site.name_violation"),
        "{summary}"
    );

    // Refuses to overwrite without --resume.
    let again = sweep(&filings, &out, &dns, port, &["--quiet"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));

    // A kill mid-write leaves the first result and half of another: resuming keeps the
    // first, drops the torn line, and does only what is left.
    let first = std::fs::read_to_string(&out)
        .expect("results")
        .lines()
        .find(|l| l.contains("\"line\":1"))
        .expect("line 1")
        .to_owned();
    std::fs::write(&out, format!("{first}\n{{\"line\":2,\"sta")).expect("torn file");
    let resumed = sweep(&filings, &out, &dns, port, &["--resume", "--quiet"]);
    assert_eq!(
        resumed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let mut lines: Vec<u64> = result_lines(&out)
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, [1, 2, 4]);
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("此前已完成 1"));
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

/// A WHOIS server on loopback: reads the query line, answers with `reply` (or, when it is
/// `None`, never answers) and closes. Returns its address and the queries it got.
fn serve_whois(reply: Option<Vec<u8>>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind whois");
    let addr = listener.local_addr().expect("addr");
    let queries = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&queries);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (reply, seen) = (reply.clone(), Arc::clone(&seen));
            std::thread::spawn(move || {
                let mut line = String::new();
                if BufReader::new(&stream).read_line(&mut line).is_err() {
                    return;
                }
                if let Ok(mut seen) = seen.lock() {
                    seen.push(line.trim_end().to_owned());
                }
                match reply {
                    Some(reply) => {
                        let _ = (&stream).write_all(&reply);
                    }
                    // Hold the connection open well past the client's deadline.
                    None => std::thread::sleep(Duration::from_secs(20)),
                }
            });
        }
    });
    (addr, queries)
}

/// Serves `body` at every path and records the paths asked.
fn serve_json(body: Vec<u8>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind http");
    let port = listener.local_addr().expect("addr").port();
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&paths);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (body, seen) = (body.clone(), Arc::clone(&seen));
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                let mut first = None;
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    if first.is_none() {
                        first = line.split_whitespace().nth(1).map(str::to_owned);
                    }
                    line.clear();
                }
                if let (Some(path), Ok(mut seen)) = (first, seen.lock()) {
                    seen.push(path);
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let mut stream = &stream;
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    (port, paths)
}

fn finding<'a>(report: &'a serde_json::Value, check: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} finding in {report:#}"))
}

fn skipped(report: &serde_json::Value) -> Vec<(String, String)> {
    report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["check"].as_str().unwrap_or_default().to_owned(),
                s["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn whois_expiry_decides_site_domain_expired() {
    let (dns, port) = company_world();
    let filing = filing_with_ips("\"127.0.0.1\"");

    // The 2014 CNNIC reply for google.cn: expired on 2015-03-17.
    let (whois, queries) = serve_whois(Some(fixture("cn_google.cn_2014.txt")));
    let server = whois.to_string();
    let (output, report) = check(
        &filing,
        &dns,
        port,
        &["--allow-private", "--whois-server", &server],
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let expired = finding(&report, "site.domain_expired");
    assert_eq!(expired["status"], "fail", "{expired:#}");
    assert!(
        expired["message"]
            .as_str()
            .is_some_and(|m| m.contains("2015-03-17")),
        "{expired:#}"
    );
    let evidence = expired["evidence"].as_array().expect("evidence");
    let value = |label: &str| {
        evidence
            .iter()
            .find(|e| e["label"] == label)
            .map(|e| e["value"].clone())
            .unwrap_or_else(|| panic!("no {label} in {expired:#}"))
    };
    assert_eq!(value("注册商"), "MarkMonitor Inc.");
    assert_eq!(value("持有人"), "Google Ireland Holdings");
    assert_eq!(value("到期时间"), "2015-03-17T12:48:36+08:00");
    assert_eq!(value("查询服务器"), server.as_str());
    assert!(evidence.iter().all(|e| e["source"] == server.as_str()));
    assert_eq!(*queries.lock().expect("queries"), ["yunfan-data.cn"]);
    let skipped = skipped(&report);
    assert!(!skipped.iter().any(|(id, _)| id == "site.domain_expired"));
    // Without the registrar's real-name data the owner check runs on the WHOIS registrant
    // as weaker evidence, says so, and only warns: Google is not the filed company.
    let owner = skipped
        .iter()
        .find(|(id, _)| id == "entity.domain_owner_mismatch")
        .expect("the owner check is listed as run in part");
    assert!(owner.1.contains("WHOIS/RDAP"), "{owner:?}");
    assert_eq!(
        statuses(&report, "entity.domain_owner_mismatch"),
        ["warn"],
        "{report:#}"
    );

    // The 2025 reply: expires 2027-03-17, more than 30 days after 2026-11-29.
    let (whois, _) = serve_whois(Some(fixture("cn_google.cn_2025.txt")));
    let (output, report) = check(
        &filing,
        &dns,
        port,
        &["--allow-private", "--whois-server", &whois.to_string()],
    );
    assert_eq!(
        statuses(&report, "site.domain_expired"),
        ["pass"],
        "{report:#}"
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    // --date moves the moment expiry is judged at: in March 2027 it has expired.
    let output = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("check")
        .arg(&filing)
        .args(["--dns-server", &dns.addr.to_string()])
        .args(["--http-port", &port.to_string()])
        .args(["--https-port", &closed_port().to_string()])
        .args(["--allow-private", "--whois-server", &whois.to_string()])
        .args(["--date", "2027-03-18", "--format", "json"])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(statuses(&report, "site.domain_expired"), ["fail"]);
}

#[test]
fn without_allow_private_whois_never_reaches_loopback() {
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let (whois, queries) = serve_whois(Some(fixture("cn_google.cn_2025.txt")));
    let filing = filing_with_ips("\"127.0.0.1\"");
    let (_, report) = check(
        &filing,
        &dns,
        closed_port(),
        &["--whois-server", &whois.to_string()],
    );
    let expired = finding(&report, "site.domain_expired");
    assert_eq!(expired["status"], "inconclusive");
    assert!(
        expired["message"]
            .as_str()
            .is_some_and(|m| m.contains("禁止访问")),
        "{expired:#}"
    );
    assert!(queries.lock().expect("queries").is_empty());
}

#[test]
fn a_silent_whois_server_is_inconclusive_within_the_deadline() {
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let (whois, _) = serve_whois(None);
    let filing = filing_with_ips("\"127.0.0.1\"");
    let started = Instant::now();
    let (_, report) = check(
        &filing,
        &dns,
        closed_port(),
        &["--allow-private", "--whois-server", &whois.to_string()],
    );
    let expired = finding(&report, "site.domain_expired");
    assert_eq!(expired["status"], "inconclusive", "{expired:#}");
    assert!(
        expired["message"]
            .as_str()
            .is_some_and(|m| m.contains("总时限")),
        "{expired:#}"
    );
    // --deadline 5 bounds the WHOIS exchange as it bounds a fetch.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

/// The example filing with its domain moved to `.com`, so that it is asked over RDAP.
fn com_filing() -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/company.jsonc")).expect("example");
    let text = text.replace(
        "\"domains\": [\"yunfan-data.cn\"]",
        "\"domains\": [\"yunfan-data.com\"]",
    );
    let dir = std::env::temp_dir().join(format!("beian-check-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("filing-com.json");
    std::fs::write(&path, text).expect("write filing");
    path
}

#[test]
fn rdap_answers_for_a_com_domain_at_the_override() {
    let dns = Dnsmasq::start(&[]);
    let (port, paths) = serve_json(fixture("google.com_verisign_flipbit.json"));
    let filing = com_filing();
    let base = format!("http://127.0.0.1:{port}/");
    let (_, report) = check(
        &filing,
        &dns,
        closed_port(),
        &["--allow-private", "--rdap-url", &base],
    );
    let expired = finding(&report, "site.domain_expired");
    assert_eq!(expired["status"], "pass", "{expired:#}");
    let source = format!("http://127.0.0.1:{port}/domain/yunfan-data.com");
    assert!(
        expired["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e["label"] == "查询服务器" && e["value"] == source.as_str()),
        "{expired:#}"
    );
    assert_eq!(*paths.lock().expect("paths"), ["/domain/yunfan-data.com"]);
}

#[test]
fn a_refreshed_bootstrap_routes_rdap() {
    let dns = Dnsmasq::start(&[]);
    let (rdap_port, rdap_paths) = serve_json(fixture("google.com_verisign_flipbit.json"));
    let bootstrap = format!(
        r#"{{"version":"1.0","publication":"2026-11-01T00:00:00Z","services":[[["com"],["http://127.0.0.1:{rdap_port}/rdap/"]]]}}"#
    );
    let (iana_port, _) = serve_json(bootstrap.into_bytes());
    let dir = std::env::temp_dir().join(format!("beian-bootstrap-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("rdap-dns.json");
    let refreshed = Command::new(env!("CARGO_BIN_EXE_beian"))
        .args(["registration", "refresh-bootstrap", "--allow-private"])
        .args([
            "--url",
            &format!("http://127.0.0.1:{iana_port}/rdap/dns.json"),
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run refresh");
    let stdout = String::from_utf8_lossy(&refreshed.stdout);
    assert_eq!(
        refreshed.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&refreshed.stderr)
    );
    assert!(
        stdout.contains(&out.display().to_string()) && stdout.contains("1 个顶级域"),
        "{stdout}"
    );

    let bootstrap_flag = out.display().to_string();
    let (_, report) = check(
        &com_filing(),
        &dns,
        closed_port(),
        &["--allow-private", "--rdap-bootstrap", &bootstrap_flag],
    );
    assert_eq!(
        statuses(&report, "site.domain_expired"),
        ["pass"],
        "{report:#}"
    );
    assert_eq!(
        *rdap_paths.lock().expect("paths"),
        ["/rdap/domain/yunfan-data.com"]
    );

    // Without --allow-private the download is refused, and the old file stays.
    let refused = Command::new(env!("CARGO_BIN_EXE_beian"))
        .args(["registration", "refresh-bootstrap"])
        .args([
            "--url",
            &format!("http://127.0.0.1:{iana_port}/rdap/dns.json"),
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run refresh");
    assert_eq!(refused.status.code(), Some(2));
    assert!(out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_registry_config_is_refused_with_file_line_and_key_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("beian-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let filing = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/company.jsonc");
    let cases = [
        (
            "typo.toml",
            "[identity]\nendpoint = \"http://127.0.0.1:9/\"\ntimout_ms = 5\n",
            "第 3 行",
            "timout_ms",
        ),
        (
            "retries.toml",
            "[phone]\nendpoint = \"http://127.0.0.1:9/\"\napi_key = \"sk-secret-xyz\"\nretries = 99\n",
            "第 4 行",
            "retries",
        ),
    ];
    for (name, text, line, key) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let output = Command::new(env!("CARGO_BIN_EXE_beian"))
            .arg("check")
            .arg(&filing)
            .arg("--config")
            .arg(&path)
            .arg("--no-registration")
            .output()
            .expect("beian check runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(line) && stderr.contains(key),
            "{stderr}"
        );
        assert!(!stderr.contains("sk-secret-xyz"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
