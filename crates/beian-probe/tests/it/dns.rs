//! DNS outcomes against a real dnsmasq on loopback, and against a UDP peer for the
//! failures dnsmasq will not produce on demand (SERVFAIL, REFUSED, silence).

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use beian_probe::{DnsResolver, HostLookup};

use crate::support::{DnsResponder, Dnsmasq};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn zone() -> Dnsmasq {
    Dnsmasq::start(&[
        "--host-record=dual.test,192.0.2.1,2001:db8::1",
        "--host-record=www.dual.test,192.0.2.2",
        "--host-record=v4only.test,192.0.2.3",
        "--host-record=target.test,192.0.2.10",
        "--cname=alias.test,mid.test",
        "--cname=mid.test,target.test",
        "--txt-record=txtonly.test,hello",
    ])
}

#[tokio::test]
async fn resolves_a_and_aaaa() {
    let server = zone();
    let got = server.resolver().lookup_host("dual.test").await;
    assert_eq!(
        got,
        HostLookup::Resolved {
            addresses: vec![ip("192.0.2.1"), ip("2001:db8::1")],
            cnames: vec![],
        }
    );
}

#[tokio::test]
async fn follows_the_cname_chain() {
    let server = zone();
    let got = server.resolver().lookup_host("alias.test").await;
    assert_eq!(
        got,
        HostLookup::Resolved {
            addresses: vec![ip("192.0.2.10")],
            cnames: vec!["mid.test".into(), "target.test".into()],
        }
    );
    assert!(
        got.describe().contains("mid.test → target.test"),
        "{}",
        got.describe()
    );
}

#[tokio::test]
async fn nxdomain_no_records_and_no_aaaa_are_told_apart() {
    let server = zone();
    let resolver = server.resolver();
    assert_eq!(
        resolver.lookup_host("missing.test").await,
        HostLookup::NxDomain
    );
    assert_eq!(
        resolver.lookup_host("txtonly.test").await,
        HostLookup::NoRecords
    );
    assert_eq!(
        resolver.lookup_host("v4only.test").await,
        HostLookup::Resolved {
            addresses: vec![ip("192.0.2.3")],
            cnames: vec![],
        }
    );
}

#[tokio::test]
async fn resolves_a_site_and_its_www_host() {
    let server = zone();
    let site = server.resolver().resolve_site("dual.test").await;
    assert_eq!(site.apex.addresses(), &[ip("192.0.2.1"), ip("2001:db8::1")]);
    assert_eq!(site.www.addresses(), &[ip("192.0.2.2")]);
    let site = server.resolver().resolve_site("v4only.test.").await;
    assert_eq!(site.www, HostLookup::NxDomain);
}

#[tokio::test]
async fn many_lookups_share_a_small_concurrency_cap() {
    let server = zone();
    let mut config = server.config();
    config.max_concurrent = 2;
    let resolver = DnsResolver::new(&config).expect("resolver builds");
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let resolver = resolver.clone();
        tasks.push(tokio::spawn(async move {
            resolver.lookup_host("dual.test").await
        }));
    }
    for task in tasks {
        let got = task.await.expect("task finishes");
        assert_eq!(got.addresses().len(), 2);
    }
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    let silent = DnsResponder::start(None).await;
    let resolver = DnsResolver::new(&silent.config()).expect("resolver builds");
    let started = Instant::now();
    assert_eq!(resolver.lookup_host("ok.test").await, HostLookup::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn servfail_is_servfail() {
    let peer = DnsResponder::start(Some(2)).await;
    let resolver = DnsResolver::new(&peer.config()).expect("resolver builds");
    assert_eq!(
        resolver.lookup_host("broken.test").await,
        HostLookup::ServFail
    );
}

#[tokio::test]
async fn refused_is_refused() {
    let peer = DnsResponder::start(Some(5)).await;
    let resolver = DnsResolver::new(&peer.config()).expect("resolver builds");
    assert_eq!(
        resolver.lookup_host("elsewhere.test").await,
        HostLookup::Refused
    );
}

#[tokio::test]
async fn an_answer_is_reused_for_a_while_then_asked_again() {
    let peer = DnsResponder::start(Some(5)).await;
    let mut config = peer.config();
    config.reuse_for = Duration::from_millis(400);
    let resolver = DnsResolver::new(&config).expect("resolver builds");
    assert_eq!(
        resolver.lookup_host("Again.test.").await,
        HostLookup::Refused
    );
    // The queries of one lookup (an A and an AAAA, and hickory's retries).
    let one_lookup = peer.queries.load(Ordering::SeqCst);
    assert!(one_lookup >= 2, "{one_lookup}");
    // The name's case and final dot do not make another host.
    for name in ["again.test", "AGAIN.test."] {
        assert_eq!(resolver.lookup_host(name).await, HostLookup::Refused);
    }
    assert_eq!(peer.queries.load(Ordering::SeqCst), one_lookup);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        resolver.lookup_host("again.test").await,
        HostLookup::Refused
    );
    assert_eq!(peer.queries.load(Ordering::SeqCst), 2 * one_lookup);
}

#[tokio::test]
async fn without_reuse_every_lookup_asks_and_timeouts_are_never_reused() {
    let peer = DnsResponder::start(Some(5)).await;
    let resolver = DnsResolver::new(&peer.config()).expect("resolver builds");
    resolver.lookup_host("each.test").await;
    let one_lookup = peer.queries.load(Ordering::SeqCst);
    resolver.lookup_host("each.test").await;
    assert_eq!(peer.queries.load(Ordering::SeqCst), 2 * one_lookup);

    let silent = DnsResponder::start(None).await;
    let mut config = silent.config();
    config.reuse_for = Duration::from_secs(60);
    let resolver = DnsResolver::new(&config).expect("resolver builds");
    assert_eq!(resolver.lookup_host("slow.test").await, HostLookup::Timeout);
    let before = silent.queries.load(Ordering::SeqCst);
    assert_eq!(resolver.lookup_host("slow.test").await, HostLookup::Timeout);
    assert!(silent.queries.load(Ordering::SeqCst) > before);
}

#[tokio::test]
async fn an_answer_too_big_for_udp_is_asked_again_over_tcp() {
    // Sixty A records do not fit in a 512-byte UDP reply: dnsmasq truncates it, and the
    // whole answer comes over TCP.
    let records: Vec<String> = (1..=60)
        .map(|i| format!("--host-record=big.test,198.51.100.{i}"))
        .collect();
    let records: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Dnsmasq::start(&records);
    let got = server.resolver().lookup_host("big.test").await;
    let HostLookup::Resolved { addresses, .. } = &got else {
        panic!("big.test should resolve, got {got:?}");
    };
    assert_eq!(addresses.len(), 60, "{got:?}");
}

#[tokio::test]
async fn a_reply_from_another_address_is_not_taken() {
    // The asked server stays silent while a well-formed SERVFAIL, with the question's id
    // and question, arrives from another port: it is dropped, so the lookup times out.
    // (The same reply from the server itself is SERVFAIL: `servfail_is_servfail`.)
    let server = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let forger = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut config = DnsResponder::start(None).await.config();
    config.servers = vec![server.local_addr().expect("addr")];
    let task = tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, asker)) = server.recv_from(&mut buf).await {
            if let Some(reply) = crate::support::error_reply(&buf[..n], 2) {
                let _ = forger.send_to(&reply, asker).await;
            }
        }
    });
    let resolver = DnsResolver::new(&config).expect("resolver builds");
    assert_eq!(resolver.lookup_host("ok.test").await, HostLookup::Timeout);
    task.abort();
}
