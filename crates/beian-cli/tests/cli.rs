//! The `beian` binary end to end: exit codes, the documented JSON, and clear errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn beian(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beian"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run beian")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn statuses_of<'a>(report: &'a serde_json::Value, check: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| f["status"].as_str().expect("status"))
        .collect()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("beian-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[test]
fn a_clean_filing_exits_zero() {
    let output = beian(&[
        "lint",
        "examples/company.jsonc",
        "--date",
        "2026-11-29",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json(&output);
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(
        statuses_of(&report, "entity.principal_id_expired")
            .iter()
            .all(|s| *s == "pass")
    );
}

#[test]
fn the_rectification_example_fails_the_expected_checks() {
    let output = beian(&[
        "lint",
        "examples/personal-rectification.jsonc",
        "--date",
        "2026-11-29",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    for check in [
        "entity.filing_number_invalid",
        "entity.principal_id_expired",
        "entity.emergency_phone",
        "site.name_violation",
        "site.content_description",
    ] {
        assert!(
            statuses_of(&report, check).contains(&"fail"),
            "{check} should fail"
        );
    }
    assert!(statuses_of(&report, "site.domain_count").contains(&"warn"));
    let finding = &report["findings"][0];
    for field in [
        "check", "status", "title", "target", "field", "message", "reason", "remedy", "actions",
        "evidence",
    ] {
        assert!(
            finding.get(field).is_some(),
            "finding lacks {field}: {finding}"
        );
    }
}

#[test]
fn no_personal_number_is_printed_unmasked() {
    for format in ["text", "json"] {
        let output = beian(&[
            "lint",
            "examples/personal-rectification.jsonc",
            "--format",
            format,
        ]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        for secret in ["510107199211080022", "13800138000", "138-0013-8000"] {
            assert!(!stdout.contains(secret), "{format} output shows {secret}");
        }
    }
}

#[test]
fn inspect_reports_the_documented_json() {
    let output = beian(&[
        "inspect",
        "examples/company-homepage.html",
        "--filing",
        "examples/company.jsonc",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let page = json(&output);
    assert_eq!(page["title"], "云帆数据 - 企业数据分析服务");
    assert_eq!(page["charset"], "UTF-8");
    assert_eq!(
        page["icp_numbers"],
        serde_json::json!(["京ICP备2024012345号-1"])
    );
    assert_eq!(
        page["police_numbers"],
        serde_json::json!(["京公网安备11010802012345号"])
    );
    assert_eq!(page["licence_numbers"], serde_json::json!([]));
    assert_eq!(page["miit_link"], "ok");
    assert!(
        page["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["status"] != "fail"))
    );
}

#[test]
fn inspect_decodes_gbk_and_finds_the_faults() {
    let output = beian(&[
        "inspect",
        "examples/personal-homepage-gbk.html",
        "--filing",
        "examples/personal-rectification.jsonc",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let page = json(&output);
    assert_eq!(page["charset"], "GBK");
    assert_eq!(page["title"], "小红的旅行笔记");
    assert_eq!(page["miit_link"], "legacy_host");
    // The number in the HTML comment is not shown to visitors and must not be reported.
    assert_eq!(
        page["icp_numbers"],
        serde_json::json!(["蜀ICP备2021003158号-2"])
    );
    for check in [
        "site.title_mismatch",
        "site.footer_number",
        "site.footer_link",
        "site.content_mismatch",
    ] {
        assert_eq!(statuses_of(&page, check), ["fail"], "{check}");
    }
}

#[test]
fn inspect_without_a_filing_judges_what_it_can() {
    let page = temp_file(
        "bare.html",
        "<title>示例</title><p>京ICP备2024012345号</p>".as_bytes(),
    );
    let output = beian(&[
        "inspect",
        page.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let report = json(&output);
    assert_eq!(
        report["icp_numbers"],
        serde_json::json!(["京ICP备2024012345号"])
    );
    assert_eq!(report["miit_link"], "missing");
    assert!(statuses_of(&report, "site.title_mismatch").is_empty());
    assert_eq!(statuses_of(&report, "site.footer_link"), ["fail"]);
}

#[test]
fn bad_filings_are_refused_with_path_line_and_reason() {
    let text = std::fs::read_to_string(root().join("examples/company.jsonc")).expect("example");
    let cases = [
        (
            text.replace("\"company\"", "\"firm\""),
            "entity.kind",
            "firm",
        ),
        (
            text.replace("\"203.0.113.10\"", "\"203.0.113\""),
            "websites[0].ips[0]",
            "line",
        ),
        (
            text.replace("\"2035-06-30\"", "\"2035-13-01\""),
            "entity.principal.id_valid_until",
            "2035-13-01",
        ),
        (
            text.replace("\"email\": \"liming", "\"e_mail\": \"liming"),
            "e_mail",
            "unknown field",
        ),
        ("{\"entity\": ".to_owned(), "line 1", "EOF"),
    ];
    for (i, (contents, path, detail)) in cases.into_iter().enumerate() {
        let file = temp_file(&format!("bad-{i}.json"), contents.as_bytes());
        let output = beian(&["lint", file.to_str().expect("utf-8 path")]);
        assert_eq!(output.status.code(), Some(2), "case {i}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(path) && stderr.contains(detail),
            "case {i}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("bad-{i}.json")),
            "names the file: {stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "nothing on stdout for refused input"
        );
    }
}

#[test]
fn missing_files_and_bad_usage_exit_two() {
    let output = beian(&["lint", "no/such/filing.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/filing.json"));
    assert_eq!(beian(&["inspect"]).status.code(), Some(2));
    assert_eq!(
        beian(&["validate", "passport", "E1"]).status.code(),
        Some(2)
    );
    let output = beian(&[
        "inspect",
        "examples/company-homepage.html",
        "--filing",
        "examples/company.jsonc",
        "--website",
        "3",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--website 3"));
}

#[test]
fn numbers_out_of_range_are_refused_before_any_work() {
    // Each of these once panicked (a semaphore, a chrono duration or a token expiry that
    // overflowed: exit 101) or meant something else than it says (a negative LIMIT).
    let db_path = std::env::temp_dir().join(format!("beian-range-{}.db", std::process::id()));
    let db = format!("sqlite://{}", db_path.display());
    let huge = "18446744073709551615";
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "sweep",
                "--filings",
                "examples/filings.jsonl",
                "--out",
                "x.jsonl",
                "--concurrency",
                huge,
            ],
            "--concurrency",
        ),
        (
            &[
                "sweep",
                "--filings",
                "examples/filings.jsonl",
                "--out",
                "x.jsonl",
                "--concurrency",
                "0",
            ],
            "--concurrency",
        ),
        (
            &[
                "sweep",
                "--filings",
                "examples/filings.jsonl",
                "--out",
                "x.jsonl",
                "--per-ip",
                huge,
            ],
            "--per-ip",
        ),
        (
            &["check", "examples/company.jsonc", "--deadline", "0"],
            "--deadline",
        ),
        (
            &["check", "examples/company.jsonc", "--connect-timeout", huge],
            "--connect-timeout",
        ),
        (
            &[
                "check",
                "examples/company.jsonc",
                "--whois-interval-ms",
                huge,
            ],
            "--whois-interval-ms",
        ),
        (
            &[
                "worker",
                "--db",
                &db,
                "--lease-seconds",
                "9223372036854775807",
            ],
            "--lease-seconds",
        ),
        (
            &["worker", "--db", &db, "--concurrency", huge],
            "--concurrency",
        ),
        (
            &["worker", "--db", &db, "--recheck-backoff", "86401"],
            "--recheck-backoff",
        ),
        (
            &[
                "scheduler",
                "--db",
                &db,
                "--once",
                "--period-days",
                "9223372036854775807",
            ],
            "--period-days",
        ),
        (
            &["scheduler", "--db", &db, "--once", "--batch=-1"],
            "--batch",
        ),
        (&["orders", "list", "--db", &db, "--limit=-5"], "--limit"),
        (&["orders", "list", "--db", &db, "--after=0"], "--after"),
        (&["run", "list", "--db", &db, "--limit", "1001"], "--limit"),
        (
            &[
                "account",
                "token",
                "op",
                "--db",
                &db,
                "--days",
                "4294967295",
            ],
            "--days",
        ),
        (
            &["account", "token", "op", "--db", &db, "--days", "0"],
            "--days",
        ),
        (&["sandbox", "--sites", huge], "--sites"),
        (&["sandbox", "--sites", "0"], "--sites"),
    ];
    for (args, flag) in cases {
        let output = beian(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(flag) && stderr.contains("之间的整数"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(!db_path.exists(), "a refused command opened the database");
}

#[test]
fn validate_normalises_and_explains() {
    let cases = [
        (
            vec!["validate", "icp", "粤ICP备 17087427号 - 1"],
            Some(0),
            "粤ICP备17087427号-1",
        ),
        (
            vec!["validate", "icp", "川ICP备2021003158号"],
            Some(1),
            "蜀",
        ),
        (
            vec!["validate", "police", "沪公网安备 31011502009028号"],
            Some(0),
            "沪公网安备31011502009028号",
        ),
        (
            vec!["validate", "licence", "京ICP证030173号"],
            Some(0),
            "京ICP证030173号",
        ),
        (
            vec!["validate", "credit-code", "91110108MA01XY7K9D"],
            Some(0),
            "北京",
        ),
        (
            vec!["validate", "id-card", "11010519491231002X"],
            Some(0),
            "1101**********002X",
        ),
        (
            vec!["validate", "id-card", "110105194912310021"],
            Some(1),
            "校验",
        ),
        (
            vec!["validate", "phone", "+86 138 0013 8000"],
            Some(0),
            "138****8000",
        ),
        (vec!["validate", "domain", "WWW.例子.中国"], Some(0), "xn--"),
    ];
    for (args, code, expected) in cases {
        let output = beian(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), code, "{args:?}: {stdout}");
        assert!(stdout.contains(expected), "{args:?}: {stdout}");
    }
    let output = beian(&[
        "validate",
        "id-card",
        "11010519491231002X",
        "--format",
        "json",
    ]);
    let value = json(&output);
    assert_eq!(value["valid"], true);
    assert!(
        !output
            .stdout
            .windows(18)
            .any(|w| w == b"11010519491231002X")
    );
}

#[test]
fn checks_lists_the_whole_catalogue() {
    let output = beian(&["checks", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let checks = json(&output);
    let ids: Vec<&str> = checks["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&"entity.business_status") && ids.contains(&"site.content_violation"));
    assert!(ids.len() >= 14);
    let text = beian(&["checks"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("网站标题与备案网站名称不一致"));
}

#[test]
fn invalid_personal_numbers_are_masked_in_errors_too() {
    for (kind, value) in [
        ("id-card", "110105491231002"),
        ("id-card", "110105194912310021"),
        ("phone", "1440123456789"),
        ("phone", "12345678901"),
        ("phone", "0755-0123456"),
    ] {
        for format in ["text", "json"] {
            let output = beian(&["validate", kind, value, "--format", format]);
            assert_eq!(output.status.code(), Some(1), "{kind} {value}");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                !stdout.contains(value),
                "{format} output shows {value}: {stdout}"
            );
        }
    }
}

const REGISTRATION_FIXTURES: &str = "crates/beian-registration/tests/fixtures";

fn registration_fixture(name: &str) -> String {
    format!("{REGISTRATION_FIXTURES}/{name}")
}

#[test]
fn registration_parse_reads_a_cnnic_whois_reply() {
    let file = registration_fixture("cn_025bbs.cn.txt");
    let output = beian(&[
        "registration",
        "parse",
        "--whois",
        &file,
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply = json(&output);
    assert_eq!(reply["outcome"], "found");
    assert_eq!(reply["source"], "whois");
    assert_eq!(reply["domain"], "025bbs.cn");
    assert_eq!(reply["registrar"], "阿里云计算有限公司（万网）");
    assert_eq!(reply["registrant"], "南京越之彬网络科技有限公司");
    assert_eq!(reply["created"], "2018-03-13T21:45:16+08:00");
    assert_eq!(reply["expires"], "2021-03-13T21:45:16+08:00");
    assert_eq!(reply["updated"], serde_json::Value::Null);
    assert_eq!(reply["status"], serde_json::json!(["ok"]));
    assert_eq!(
        reply["name_servers"],
        serde_json::json!(["dns27.hichina.com", "dns28.hichina.com"])
    );
    assert_eq!(reply["on_hold"], false);
    assert!(reply["days_until_expiry"].as_i64().is_some_and(|d| d < 0));
}

#[test]
fn registration_parse_reads_an_rdap_reply() {
    let file = registration_fixture("google.com_verisign_flipbit.json");
    let output = beian(&["registration", "parse", "--rdap", &file, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let reply = json(&output);
    assert_eq!(reply["outcome"], "found");
    assert_eq!(reply["source"], "rdap");
    assert_eq!(reply["domain"], "google.com");
    assert_eq!(reply["registrar"], "MarkMonitor Inc. (IANA 292)");
    assert_eq!(reply["registrant"], serde_json::Value::Null);
    assert_eq!(reply["created"], "1997-09-15T04:00:00Z");
    assert_eq!(reply["expires"], "2028-09-14T04:00:00Z");
    assert_eq!(reply["updated"], "2019-09-09T15:39:04Z");
    assert_eq!(reply["status"].as_array().map(Vec::len), Some(6));
}

#[test]
fn registration_parse_reports_reserved_and_unregistered_names() {
    let file = registration_fixture("cn_reserved.txt");
    let output = beian(&[
        "registration",
        "parse",
        "--whois",
        &file,
        "--domain",
        "Example.CN",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let reply = json(&output);
    assert_eq!(reply["outcome"], "reserved");
    assert_eq!(reply["domain"], "example.cn");
    assert_eq!(reply["expires"], serde_json::Value::Null);
    assert_eq!(reply["status"], serde_json::json!([]));

    let not_found = temp_file("not-found.txt", b"no matching record.\r\n");
    let output = beian(&[
        "registration",
        "parse",
        "--whois",
        not_found.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["outcome"], "not_found");

    let rdap_404 = temp_file(
        "rdap-404.json",
        br#"{"errorCode": 404, "title": "Not Found"}"#,
    );
    let output = beian(&[
        "registration",
        "parse",
        "--rdap",
        rdap_404.to_str().expect("utf-8 path"),
        "--domain",
        "nothing.cn",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let reply = json(&output);
    assert_eq!(reply["outcome"], "not_found");
    assert_eq!(reply["domain"], "nothing.cn");
}

#[test]
fn registration_parse_prints_chinese_text() {
    let file = registration_fixture("com_google.com_verisign.txt");
    let output = beian(&["registration", "parse", "--whois", &file]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "域名：google.com",
        "注册商：MarkMonitor Inc.",
        "持有人：（无）",
        "注册时间：1997-09-15 04:00:00",
        "到期时间：2020-09-14 04:00:00",
        "状态：clientDeleteProhibited、",
        "注册商查询地址：whois.markmonitor.com",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn registration_parse_refuses_bad_input_with_exit_two() {
    let output = beian(&["registration", "parse", "--whois", "no/such/reply.txt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/reply.txt"));

    let junk = temp_file("junk.txt", b"hello\nthis is not a whois reply\n");
    let junk = junk.to_str().expect("utf-8 path");
    let output = beian(&["registration", "parse", "--whois", junk]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("junk.txt") && stderr.contains("WHOIS"),
        "{stderr}"
    );

    let bad_json = temp_file("bad.json", b"{\n  \"ldhName\": \"a.cn\",\n  oops\n}\n");
    let output = beian(&[
        "registration",
        "parse",
        "--rdap",
        bad_json.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.json") && stderr.contains("第 3 行"),
        "{stderr}"
    );

    let file = registration_fixture("cn_025bbs.cn.txt");
    assert_eq!(
        beian(&["registration", "parse"]).status.code(),
        Some(2),
        "a reply file is required"
    );
    assert_eq!(
        beian(&["registration", "parse", "--whois", &file, "--rdap", &file])
            .status
            .code(),
        Some(2),
        "only one of --whois and --rdap"
    );
}

#[test]
fn score_counts_hits_misses_and_extras_against_the_truth() {
    let truth = temp_file(
        "truth.jsonl",
        concat!(
            r#"{"line":1,"expected":[{"check":"site.ip_mismatch","status":"fail","target":{"kind":"website","index":0}}]}"#,
            "\n",
            r#"{"line":2,"expected":[]}"#,
            "\n",
            r#"{"line":3,"expected":[{"check":"site.title_mismatch","status":"fail","target":{"kind":"website","index":0}}]}"#,
            "\n"
        )
        .as_bytes(),
    );
    let exact = temp_file(
        "exact.jsonl",
        concat!(
            r#"{"line":2,"findings":[{"check":"site.police_number","status":"pass","target":{"kind":"website","index":0}}]}"#,
            "\n",
            r#"{"line":1,"findings":[{"check":"site.ip_mismatch","status":"fail","target":{"kind":"website","index":0}}]}"#,
            "\n"
        )
        .as_bytes(),
    );
    let truth_path = truth.to_str().expect("utf-8");
    let output = beian(&[
        "score",
        "--truth",
        truth_path,
        "--results",
        exact.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "line 3 was not swept, so it is not counted"
    );
    let report = json(&output);
    assert_eq!(
        (report["expected"].as_u64(), report["found"].as_u64()),
        (Some(1), Some(1))
    );

    let wrong = temp_file(
        "wrong.jsonl",
        concat!(
            r#"{"line":1,"findings":[]}"#,
            "\n",
            r#"{"line":2,"findings":[{"check":"site.footer_link","status":"fail","target":{"kind":"website","index":0}}]}"#,
            "\n"
        )
        .as_bytes(),
    );
    let output = beian(&[
        "score",
        "--truth",
        truth_path,
        "--results",
        wrong.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["missing"][0]["check"], "site.ip_mismatch");
    assert_eq!(report["extra"][0]["check"], "site.footer_link");
}
