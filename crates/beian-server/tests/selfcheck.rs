//! The public self-check against the project's sandbox: a simulated internet on loopback
//! (DNS, HTTP and HTTPS with its own CA). The server is given the engine settings that
//! point it there, as `beian serve --dns-server … --allow-private` would.

mod common;

use std::time::Duration;

use beian_sandbox::{Fault, Sandbox, ServeConfig, World, WorldConfig};
use common::world;
use serde_json::{Value, json};

fn status_of<'a>(result: &'a Value, check: &str) -> Option<&'a str> {
    result["findings"]
        .as_array()?
        .iter()
        .find(|f| f["check"] == check)?["status"]
        .as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_check_judges_sandbox_sites_and_is_rate_limited() {
    let config = WorldConfig {
        sites: 60,
        seed: 5,
        showcase: true,
        ..WorldConfig::default()
    };
    let sandbox = Sandbox::start(World::generate(&config), &ServeConfig::default())
        .await
        .expect("sandbox");
    let engine = common::sandbox_engine(&sandbox, Duration::from_secs(2), Duration::from_secs(5));
    let w = world("selfcheck", |c| {
        c.engine = Some(engine);
        c.selfcheck_per_minute = 5;
    })
    .await;
    let sites = &sandbox.world().sites;
    let request = |fault: Option<Fault>| {
        let site = sites
            .iter()
            .find(|s| s.fault == fault)
            .expect("a site with that fault");
        let website = &sandbox.world().filings[site.filing].filing.websites[site.index];
        json!({
            "domain": site.domain,
            "filing_number": website.filing_number,
            "site_name": website.name,
        })
    };
    let http = reqwest::Client::new();
    let ask = |body: Value| http.post(w.url("/api/v1/selfcheck")).json(&body).send();

    let clean: Value = ask(request(None)).await.unwrap().json().await.unwrap();
    assert_eq!(
        status_of(&clean, "site.title_mismatch"),
        Some("pass"),
        "{clean}"
    );
    // A sound site has nothing failing, though the self-check knows neither its filed IPs
    // nor its 主办单位: the checks that need them are listed as not judged, not failed.
    assert_eq!(clean["failed"], 0, "{clean}");
    let not_judged: Vec<&str> = clean["not_judged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["check"].as_str().unwrap())
        .collect();
    assert!(
        not_judged.contains(&"site.ip_mismatch") && not_judged.contains(&"site.content_mismatch"),
        "{clean}"
    );
    // Given them, the site is judged on them too.
    let site = sites.iter().find(|s| s.fault.is_none()).unwrap();
    let filing = &sandbox.world().filings[site.filing].filing;
    let mut full = request(None);
    full["owner"] = json!(filing.entity.name);
    full["ips"] = json!(filing.websites[site.index].ips);
    let judged: Value = ask(full).await.unwrap().json().await.unwrap();
    assert_eq!(
        status_of(&judged, "site.ip_mismatch"),
        Some("pass"),
        "{judged}"
    );
    assert_eq!(
        status_of(&judged, "site.content_mismatch"),
        Some("pass"),
        "{judged}"
    );
    assert_eq!(judged["failed"], 0, "{judged}");
    let mismatch: Value = ask(request(Some(Fault::TitleMismatch)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status_of(&mismatch, "site.title_mismatch"),
        Some("fail"),
        "{mismatch}"
    );
    assert!(mismatch["failed"].as_u64().unwrap() >= 1);
    assert!(
        mismatch["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["check"].as_str().unwrap().starts_with("site."))
    );

    // Bad input names the field; the sixth request in the minute is refused.
    let resp = ask(
        json!({"domain": "not a domain", "filing_number": "京ICP备2024012345号", "site_name": "x"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("域名"));
    let mut bad_kind = request(None);
    bad_kind["entity_kind"] = json!("公司");
    let resp = ask(bad_kind).await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("主体性质“公司”无效"),
        "{body}"
    );
    let resp = ask(request(None)).await.unwrap();
    assert_eq!(resp.status(), 429);

    // The page form renders the same result.
    let w2 = world("selfcheck-page", |c| {
        c.engine = w.state().config.engine.clone()
    })
    .await;
    let site = request(Some(Fault::TitleMismatch));
    let page = reqwest::Client::new()
        .post(w2.url("/selfcheck"))
        .form(&[
            ("domain", site["domain"].as_str().unwrap()),
            ("filing_number", site["filing_number"].as_str().unwrap()),
            ("site_name", site["site_name"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("自查结果") && page.contains("不通过"),
        "{page}"
    );
    sandbox.shutdown().await;
}
