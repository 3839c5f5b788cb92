//! The console in headless Chromium (Debian's chromium and chromium-driver, driven over
//! WebDriver): a customer finds the row in 备案整改, opens a finding and submits a change;
//! an operator approves it and records the re-check; the row is back to 正常. Screenshots
//! of the main pages go to docs/screenshots/.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use beian_store::Actor;
use chrono::Utc;
use common::{PASSWORD, World, world};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> (Driver, Client) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "install Debian's chromium, chromium-driver and fonts-noto-cjk (scripts/test.sh does)"
    );
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--no-first-run", "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=zh-CN"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer: {last:?}");
}

/// docs/screenshots when `BEIAN_SCREENSHOTS=1` (to refresh the README's pictures), a
/// temporary directory otherwise, so that a test run leaves the work tree as it was.
fn shots_dir() -> PathBuf {
    let dir = if std::env::var_os("BEIAN_SCREENSHOTS").is_some() {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
    } else {
        std::env::temp_dir().join(format!("beian-screenshots-{}", std::process::id()))
    };
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

async fn shot(c: &Client, name: &str) {
    // Full-page height so the pictures show whole pages.
    let height = c
        .execute("return Math.max(document.body.scrollHeight, 700);", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(900)
        .min(2400) as u32;
    c.set_window_size(1366, height + 90).await.expect("resize");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).expect("write screenshot");
    c.set_window_size(1366, 900).await.expect("resize");
}

async fn login(c: &Client, w: &World, login: &str) {
    c.goto(&w.url("/login")).await.unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn logout(c: &Client) {
    follow(c, Locator::Css(".userbox button"), "login").await;
}

/// More to look at: a second filing of customer A in 正常, and a run with failures.
async fn furnish(w: &World) {
    let mut extra = beian_domain::Filing::from_json(common::COMPANY).unwrap();
    extra.entity.filing_number = Some("京ICP备2024067890号".into());
    extra.websites[0].name = "云帆开发者社区".into();
    extra.websites[0].filing_number = Some("京ICP备2024067890号-1".into());
    extra.websites[0].domains = vec!["yunfan-dev.cn".into()];
    let now = Utc::now();
    let out = w
        .store()
        .upsert_filings(
            &[(Some(w.a.customer_id), &extra)],
            &Actor::system("test"),
            now,
        )
        .await
        .unwrap();
    let run = w
        .store()
        .create_run(
            "sweep",
            &json!({"scope": "all"}),
            3,
            &Actor::system("test"),
            now,
        )
        .await
        .unwrap();
    w.store()
        .record_findings(
            run,
            w.a.filing_id,
            &[common::title_finding("云帆数据")],
            now,
        )
        .await
        .unwrap();
    w.store()
        .record_findings(
            run,
            w.b.filing_id,
            &[common::title_finding("星海网络")],
            now,
        )
        .await
        .unwrap();
    let mut undecided = common::title_finding("云帆开发者社区");
    undecided.status = beian_domain::Status::Inconclusive;
    w.store()
        .record_findings(run, out[0].filing_id, &[undecided], now)
        .await
        .unwrap();
    w.store().finish_run(run, "finished", now).await.unwrap();

    // B asked for a re-check that no source has answered for, three times in a row.
    let tb = common::token(w, &w.b.login).await;
    let resp = reqwest::Client::new()
        .post(w.url(&format!("/api/v1/orders/{}/events", w.b.order_id)))
        .bearer_auth(tb)
        .json(&json!({"kind": "request_recheck", "data": {"evidence": "已修改首页标题", "attachments": []}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let queue = beian_service::worker::VERIFY_QUEUE;
    let now = Utc::now();
    let taken = w
        .store()
        .claim(queue, "worker", chrono::Duration::seconds(60), now)
        .await
        .unwrap()
        .expect("B's re-check");
    w.store().complete(taken.id, "worker", now).await.unwrap();
    let deferred = beian_service::worker::VerifyJob {
        run_id: run,
        filing_id: w.b.filing_id,
        undecided: 3,
    };
    beian_service::worker::enqueue_recheck(
        w.store(),
        deferred,
        now + chrono::Duration::minutes(40),
        now,
    )
    .await
    .unwrap();
}

/// Waits (up to 30 s) until the page's source contains `needle`: after a form posts back
/// to the page it came from, an element of the old page would satisfy a wait at once.
async fn wait_for_source(c: &Client, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if c.source().await.unwrap_or_default().contains(needle) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page never showed {needle}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Clicks what `what` finds and waits for the page that has an element with id `arrives`.
async fn follow(c: &Client, what: Locator<'_>, arrives: &str) {
    c.find(what).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id(arrives)).await.unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_fixes_operator_approves_row_returns_to_normal() {
    let w = world("browser", |_| {}).await;
    furnish(&w).await;
    let (_driver, c) = browser().await;

    // The customer sees the row in 备案整改 with the time left.
    login(&c, &w, &w.a.login).await;
    c.wait().for_element(Locator::Id("filings")).await.unwrap();
    let row = "tr[data-filing='京ICP备2024012345号']";
    assert_eq!(text(&c, &format!("{row} td.status")).await, "备案整改");
    assert!(
        text(&c, row).await.contains("剩余"),
        "the deadline countdown is shown"
    );
    shot(&c, "filings").await;

    // The entity page, then the order and one finding's details.
    follow(&c, Locator::Css(&format!("{row} td a")), "sites").await;
    shot(&c, "entity").await;
    follow(&c, Locator::LinkText("处理整改"), "timeline").await;
    follow(&c, Locator::LinkText("查看详情"), "remedy").await;
    assert!(text(&c, "#reason").await.contains("标题"));
    assert!(
        c.source().await.unwrap().contains("欢迎光临"),
        "the evidence shows what was seen"
    );
    shot(&c, "finding").await;

    // 变更备案: rename the site to what the homepage shows, and submit for review.
    follow(&c, Locator::LinkText("变更备案"), "change-form").await;
    let name = c
        .find(Locator::Css("input[data-path='websites[0].name']"))
        .await
        .unwrap();
    name.clear().await.unwrap();
    name.send_keys("云帆数据官网").await.unwrap();
    c.find(Locator::Id("note"))
        .await
        .unwrap()
        .send_keys("首页标题已改为“云帆数据官网”，同步变更备案网站名称")
        .await
        .unwrap();
    // A scanned document chosen in the file input, as a customer would: a real PDF, the
    // only kind of file (with JPEG and PNG) the form takes.
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n".to_vec();
    pdf.extend((0..=255_u8).cycle().take(2048));
    pdf.extend_from_slice(b"\n%%EOF\n");
    let pdf_path = w.dir.join("营业执照.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write the PDF");
    c.find(Locator::Id("attachment"))
        .await
        .unwrap()
        .send_keys(pdf_path.to_str().expect("a UTF-8 path"))
        .await
        .unwrap();
    // The native control is hidden behind a Chinese button; the chosen name shows beside it.
    let chosen = c
        .find(Locator::Css("[data-files-for='attachment']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(chosen, "已选 1 个文件：营业执照.pdf");
    shot(&c, "change").await;
    c.find(Locator::Id("submit-change"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_source(&c, "已提交审核").await;
    assert!(c.source().await.unwrap().contains("待审核"));
    shot(&c, "order").await;
    logout(&c).await;

    // The operator: dashboard, review queue, approve, re-check passed.
    login(&c, &w, &w.operator).await;
    c.wait().for_element(Locator::Css(".stats")).await.unwrap();
    assert!(
        text(&c, "#undecided-rechecks").await.contains("3 次"),
        "B's undecided re-check is listed"
    );
    let source = c.source().await.unwrap();
    let chart = &source[source.find("不通过项分布").expect("the failures card")..];
    let chart = &chart[..chart.find("</div>\n</div>").unwrap_or(chart.len())];
    assert!(
        chart.contains("网站标题与备案网站名称不一致"),
        "the failures of the latest sweep, not of the day's re-checks: {chart}"
    );
    shot(&c, "dashboard").await;
    c.goto(&w.url("/ops/review")).await.unwrap();
    let order_row = format!("tr[data-order='{}'] a", w.a.order_id);
    c.wait()
        .for_element(Locator::Css(&order_row))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("approve")).await.unwrap();
    assert!(
        c.source().await.unwrap().contains("云帆数据官网"),
        "the reviewer sees the new value"
    );
    // …and the document, linked in the review card, its bytes kept as uploaded.
    let link = c
        .find(Locator::Css("#review-attachments a.attachment"))
        .await
        .unwrap();
    assert_eq!(link.text().await.unwrap(), "营业执照.pdf");
    let sha256 = link
        .attr("data-sha256")
        .await
        .unwrap()
        .expect("the link names its document");
    assert!(
        link.attr("href")
            .await
            .unwrap()
            .unwrap_or_default()
            .ends_with(&format!(
                "/ops/orders/{}/attachments/{sha256}",
                w.a.order_id
            ))
    );
    let kept = w
        .store()
        .attachment(beian_store::Scope::All, w.a.order_id, &sha256)
        .await
        .unwrap()
        .expect("the bytes are stored");
    assert_eq!(
        (kept.bytes, kept.media_type.as_str()),
        (pdf, "application/pdf")
    );
    shot(&c, "review").await;
    c.find(Locator::Id("approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("op-recheck_passed"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The page before the click has a notice too, so wait for the new page's content.
    wait_for_source(&c, "已整改").await;
    // The runs: furnish's run left one filing undecided, which can be checked again alone.
    c.goto(&w.url("/ops/runs")).await.unwrap();
    c.wait().for_element(Locator::Id("runs")).await.unwrap();
    assert!(
        c.find(Locator::Css("button[id^='retry-']")).await.is_ok(),
        "a retry button for the undecided filing"
    );
    shot(&c, "runs").await;
    follow(
        &c,
        Locator::Css("#runs tr:last-child a[href^='/ops/runs/']"),
        "run-summary",
    )
    .await;
    shot(&c, "run").await;
    logout(&c).await;

    // Back to the customer: the row is 正常 again.
    login(&c, &w, &w.a.login).await;
    c.wait().for_element(Locator::Id("filings")).await.unwrap();
    assert_eq!(text(&c, &format!("{row} td.status")).await, "正常");
    assert!(
        text(&c, row).await.contains("云帆数据官网"),
        "the approved change is the filing now"
    );
    shot(&c, "filings-after").await;
    c.goto(&w.url("/console/inbox")).await.unwrap();
    assert!(c.source().await.unwrap().contains("整改已完成"));
    shot(&c, "inbox").await;
    c.goto(&w.url("/console/footer?icp=京ICP备2024012345号-1&police=京公网安备11010802012345号"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("snippet-code"))
        .await
        .unwrap();
    assert!(
        text(&c, "#snippet-code")
            .await
            .contains("https://beian.miit.gov.cn/")
    );
    shot(&c, "footer").await;
    c.goto(&w.url("/selfcheck")).await.unwrap();
    shot(&c, "selfcheck").await;
    c.goto(&w.url("/api/docs")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("details.op"))
        .await
        .unwrap();
    shot(&c, "api-docs").await;
    c.close().await.unwrap();
}
