//! `beian check` end to end against a small world on loopback: Debian's dnsmasq answers
//! for the example domain, and a plain HTTP/1.1 server serves the example homepage.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
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
    let output = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("check")
        .arg(filing)
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
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let page = std::fs::read(root().join("examples/company-homepage.html")).expect("page");
    let port = serve_page(page);
    let filing = filing_with_ips("\"127.0.0.1\"");
    let (output, report) = check(
        &filing,
        &dns,
        port,
        &["--allow-private", "--provider-range", "127.0.0.0/8"],
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
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
    let dns = Dnsmasq::start(&["--address=/yunfan-data.cn/127.0.0.1"]);
    let port =
        serve_page(std::fs::read(root().join("examples/company-homepage.html")).expect("page"));
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
