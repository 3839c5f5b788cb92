//! The test world: a server on a loopback port over a fresh SQLite file, two customers
//! (A and B) with one filing and one open order each, and an operator.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use beian_domain::catalogue::CheckId;
use beian_domain::{Evidence, Filing, Finding, Status, Target};
use beian_server::app::{AppState, Running, ServerConfig, start};
use beian_store::{Actor, Role, Store};
use chrono::Utc;

pub const PASSWORD: &str = "测试密码-2026";
pub const COMPANY: &str = include_str!("../../../../examples/company.jsonc");

/// The raw personal numbers of the example filings: no answer and no log may show them.
pub const RAW_PII: &[&str] = &[
    "11010819850615003X",
    "440305199003120042",
    "13911112222",
    "13622223333",
    "13055556666",
    "11010519491231002X",
    "13800138000",
];

pub struct Party {
    pub customer_id: i64,
    pub login: String,
    pub filing_id: i64,
    pub order_id: i64,
}

pub struct World {
    pub running: Running,
    pub base: String,
    pub a: Party,
    pub b: Party,
    pub operator: String,
    pub dir: PathBuf,
}

impl World {
    pub fn store(&self) -> &Store {
        &self.running.state.store
    }
    pub fn state(&self) -> &Arc<AppState> {
        &self.running.state
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "beian-server-{name}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Customer B's filing: the example company under another number, name and people.
pub fn other_filing() -> Filing {
    let mut f = Filing::from_json(COMPANY).expect("example filing");
    f.entity.name = "上海星海网络科技有限公司".into();
    f.entity.filing_number = Some("沪ICP备2023054321号".into());
    f.entity.principal.id_number = "11010519491231002X".into();
    f.entity.principal.mobile = "13800138000".into();
    f.websites[0].name = "星海网络".into();
    f.websites[0].filing_number = Some("沪ICP备2023054321号-1".into());
    f.websites[0].domains = vec!["xinghai-net.cn".into()];
    f.websites[0].principal = None;
    f
}

/// The failed finding the orders are issued for: the homepage title does not show the
/// filed site name.
pub fn title_finding(site: &str) -> Finding {
    Finding::new(
        CheckId::SiteTitleMismatch,
        Status::Fail,
        Target::Website {
            index: 0,
            name: site.into(),
        },
        format!("首页标题“欢迎光临”不包含备案网站名称“{site}”"),
    )
    .field("网站名称")
    .with(
        Evidence::new("首页标题", "欢迎光临")
            .from_source("https://example.invalid/ (203.0.113.10)")
            .at("2026-11-29T10:00:00+08:00"),
    )
}

async fn party(state: &AppState, name: &str, login: &str, filing: &Filing) -> Party {
    let store = &state.store;
    let (customer_id, _) = beian_server::accounts::create_customer(store, name, login, PASSWORD)
        .await
        .expect("customer");
    let now = Utc::now();
    let out = store
        .upsert_filings(&[(Some(customer_id), filing)], &Actor::system("test"), now)
        .await
        .expect("upsert");
    let filing_id = out[0].filing_id;
    let site = filing.websites[0].name.clone();
    let order_id = issue(state, filing_id, &[title_finding(&site)]).await;
    Party {
        customer_id,
        login: login.into(),
        filing_id,
        order_id,
    }
}

/// Issues an order for a filing's failed findings, as a run would (through the service
/// every part of the system issues orders with).
pub async fn issue(state: &AppState, filing_id: i64, findings: &[Finding]) -> i64 {
    beian_service::Orders::new(
        state.store.clone(),
        state.config.policy,
        state.calendar.clone(),
    )
    .issue(
        filing_id,
        None,
        findings,
        &beian_service::Who::system("test"),
        Utc::now(),
    )
    .await
    .expect("issue")
    .expect("an order")
    .order_id()
}

/// Starts a server over a fresh SQLite store with the two customers and an operator.
pub async fn world(name: &str, configure: impl FnOnce(&mut ServerConfig)) -> World {
    install_crypto();
    let dir = temp_dir(name);
    let db = format!("sqlite://{}", dir.join("beian.db").display());
    let mut config = ServerConfig::new(db, SocketAddr::from(([127, 0, 0, 1], 0)));
    config.login_per_minute = 1000;
    configure(&mut config);
    let state = AppState::new(config).await.expect("state");
    let company = Filing::from_json(COMPANY).expect("example filing");
    let a = party(&state, "北京云帆数据科技有限公司", "yunfan", &company).await;
    let b = party(
        &state,
        "上海星海网络科技有限公司",
        "xinghai",
        &other_filing(),
    )
    .await;
    beian_server::accounts::create(
        &state.store,
        "reviewer",
        PASSWORD,
        Role::Operator,
        None,
        "审核员王芳",
    )
    .await
    .expect("operator");
    let running = start(state).await.expect("server");
    let base = format!("http://{}", running.addr);
    World {
        running,
        base,
        a,
        b,
        operator: "reviewer".into(),
        dir,
    }
}

/// A client logged in through the console's login form (session cookie).
pub async fn session(world: &World, login: &str) -> reqwest::Client {
    install_crypto();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(world.url("/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").expect("csrf field");
    let resp = client
        .post(world.url("/login"))
        .form(&[
            ("login", login),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 303, "login of {login} redirects");
    client
}

/// An API token for a login, made through the API itself.
pub async fn token(world: &World, login: &str) -> String {
    let client = session(world, login).await;
    let page = client
        .get(world.url("/selfcheck"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").unwrap_or_default();
    let resp = client
        .post(world.url("/api/v1/tokens"))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({"name": "test"}))
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), 201, "token for {login}");
    let v: serde_json::Value = resp.json().await.expect("json");
    v["token"].as_str().expect("token").to_string()
}

pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let i = text.find(start)? + start.len();
    let j = text[i..].find(end)? + i;
    Some(text[i..j].to_string())
}

/// reqwest is built on rustls without a default provider: the tests pick ring.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The engine settings that point the live checks at a sandbox world on loopback, as
/// `beian serve --dns-server … --allow-private` would (no registration lookups).
pub fn sandbox_engine(
    sandbox: &beian_sandbox::Sandbox,
    connect_timeout: std::time::Duration,
    fetch_deadline: std::time::Duration,
) -> beian_engine::EngineConfig {
    beian_engine::EngineConfig {
        dns: beian_probe::DnsConfig {
            servers: vec![sandbox.dns_addr()],
            ..beian_probe::DnsConfig::default()
        },
        policy: beian_probe::AddressPolicy::allow_private(),
        connect_timeout,
        fetch_deadline,
        http_port: sandbox.http_port(),
        https_port: sandbox.https_port(),
        extra_root_certs_pem: vec![sandbox.ca_pem().as_bytes().to_vec()],
        registration: None,
        ..beian_engine::EngineConfig::default()
    }
}
