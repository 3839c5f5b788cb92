//! The SSRF guard end to end: a listener on loopback counts every connection it accepts,
//! and no URL form, host name or redirect may reach it while the guard is on.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use beian_probe::{AddressPolicy, FailureStage, FetchOutcome};

use crate::support::{
    Dnsmasq, LOCALHOST, TestServer, fetcher, has_ipv6_loopback, respond, unused_resolver,
};

const DEADLINE: Duration = Duration::from_secs(5);

fn assert_blocked(outcome: &FetchOutcome, what: &str) {
    match outcome {
        FetchOutcome::Failed(f) => {
            assert_eq!(f.stage, FailureStage::Blocked, "{what}: {}", f.message)
        }
        FetchOutcome::Fetched(f) => panic!("{what}: fetched {} ({})", f.final_url, f.status),
    }
}

fn dns_zone() -> Dnsmasq {
    Dnsmasq::start(&[
        "--address=/evil.test/127.0.0.1",
        "--address=/meta.test/169.254.169.254",
        "--address=/private.test/10.0.0.1",
        "--host-record=v6loop.test,::1",
        "--host-record=mapped.test,::ffff:127.0.0.1",
        "--cname=cdn.test,evil.test",
    ])
}

#[tokio::test]
async fn literal_urls_to_loopback_never_connect() {
    let listener = TestServer::hello(LOCALHOST).await;
    let port = listener.addr.port();
    let fetcher = fetcher(AddressPolicy::strict(), unused_resolver(), DEADLINE);
    let forms = [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f000001:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://017700000001:{port}/"),
        format!("http://0177.0.0.1:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://127.0.0.1.:{port}/"),
        format!("https://127.0.0.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::ffff:7f00:1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://0:{port}/"),
        format!("http://localhost:{port}/"),
        format!("HTTP://LocalHost.:{port}/"),
        format!("http://%31%32%37.0.0.1:{port}/"),
    ];
    for url in &forms {
        assert_blocked(&fetcher.fetch(url).await, url);
    }
    assert_eq!(listener.accepted(), 0, "a blocked URL reached the listener");
}

#[tokio::test]
async fn ipv6_loopback_never_connects() {
    if !has_ipv6_loopback() {
        eprintln!("no ::1 on this machine; the IPv6 literal is still judged by the guard table");
        return;
    }
    let listener = TestServer::hello(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)).await;
    let port = listener.addr.port();
    let fetcher = fetcher(AddressPolicy::strict(), unused_resolver(), DEADLINE);
    for url in [
        format!("http://[::1]:{port}/"),
        format!("http://[0:0:0:0:0:0:0:1]:{port}/"),
    ] {
        assert_blocked(&fetcher.fetch(&url).await, &url);
    }
    assert_eq!(listener.accepted(), 0);
}

#[tokio::test]
async fn names_resolving_to_blocked_addresses_never_connect() {
    let dns = dns_zone();
    let listener = TestServer::hello(LOCALHOST).await;
    let port = listener.addr.port();
    let fetcher = fetcher(AddressPolicy::strict(), dns.resolver(), DEADLINE);
    for host in [
        "evil.test",
        "www.evil.test",
        "cdn.test",
        "meta.test",
        "private.test",
        "v6loop.test",
        "mapped.test",
    ] {
        let url = format!("http://{host}:{port}/");
        let outcome = fetcher.fetch(&url).await;
        assert_blocked(&outcome, &url);
        if let FetchOutcome::Failed(f) = &outcome {
            assert!(f.message.contains("禁止访问"), "{}", f.message);
        }
    }
    assert_eq!(listener.accepted(), 0);
}

#[tokio::test]
async fn redirects_to_blocked_destinations_never_connect() {
    let dns = dns_zone();
    let listener = TestServer::hello(LOCALHOST).await;
    let port = listener.addr.port();
    let targets: Arc<Vec<String>> = Arc::new(vec![
        format!("http://127.0.0.1:{port}/"),
        format!("http://0x7f000001:{port}/"),
        format!("http://2130706433:{port}/admin"),
        format!("http://evil.test:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://localhost:{port}/"),
    ]);
    // The "public" server: 127.0.0.2, allowed by exact address only.
    let public_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let list = Arc::clone(&targets);
    let public = TestServer::start(
        public_ip,
        Arc::new(move |path: String, mut stream| {
            let list = Arc::clone(&list);
            Box::pin(async move {
                let index: usize = path
                    .trim_start_matches("/go/")
                    .parse()
                    .unwrap_or(usize::MAX);
                let status = [
                    "301 Moved Permanently",
                    "302 Found",
                    "307 Temporary Redirect",
                ][index % 3];
                match list.get(index) {
                    Some(target) => {
                        let _ = respond(&mut stream, status, &[("Location", target)], b"").await;
                    }
                    None => {
                        let _ = respond(&mut stream, "404 Not Found", &[], b"").await;
                    }
                }
            })
        }),
    )
    .await;
    let policy = AddressPolicy {
        allow_private: false,
        allowed: vec![public_ip],
    };
    let fetcher = fetcher(policy, dns.resolver(), DEADLINE);
    for (index, target) in targets.iter().enumerate() {
        let outcome = fetcher.fetch(&public.url(&format!("/go/{index}"))).await;
        assert_blocked(&outcome, target);
        if let FetchOutcome::Failed(f) = &outcome {
            assert_eq!(f.redirects.len(), 1, "{target}: the hop is recorded");
        }
    }
    assert_eq!(public.accepted(), targets.len(), "each redirect was served");
    assert_eq!(listener.accepted(), 0, "a redirect reached the listener");
}

#[tokio::test]
async fn allow_private_opens_the_same_fetches() {
    let dns = dns_zone();
    let listener = TestServer::hello(LOCALHOST).await;
    let port = listener.addr.port();
    let fetcher = fetcher(AddressPolicy::allow_private(), dns.resolver(), DEADLINE);
    for url in [
        format!("http://evil.test:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://127.1:{port}/"),
    ] {
        match fetcher.fetch(&url).await {
            FetchOutcome::Fetched(page) => {
                assert_eq!(page.status, 200, "{url}");
                assert_eq!(page.body, b"hello");
                assert_eq!(page.remote_addr.map(|a| a.port()), Some(port));
            }
            FetchOutcome::Failed(f) => panic!("{url}: {:?} {}", f.stage, f.message),
        }
    }
    assert_eq!(listener.accepted(), 3);
}
