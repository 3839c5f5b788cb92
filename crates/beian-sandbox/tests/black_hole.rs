//! Black holes hang a connect until the client's timeout (they do not refuse it), and the
//! RDAP server says what the WHOIS server says about every `.com` domain.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use beian_sandbox::{Fault, Sandbox, ServeConfig, World, WorldConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn world(seed: u64) -> World {
    World::generate(&WorldConfig {
        sites: 60,
        seed,
        black_hole_percent: 25,
        ..WorldConfig::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_to_a_black_hole_times_out() {
    let sandbox = Sandbox::start(world(8), &ServeConfig::default())
        .await
        .expect("sandbox starts");
    let holes: Vec<_> = sandbox
        .world()
        .sites
        .iter()
        .filter(|s| s.fault == Some(Fault::BlackHole))
        .map(|s| s.filed_ip)
        .collect();
    assert!(!holes.is_empty());
    assert!(sandbox.black_hole_listeners() >= 2);
    for ip in holes.iter().take(3) {
        for port in [sandbox.http_port(), sandbox.https_port()] {
            let addr = SocketAddr::from((*ip, port));
            let started = Instant::now();
            let outcome =
                tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await;
            assert!(
                outcome.is_err(),
                "{addr}: the connect ended with {outcome:?} instead of hanging"
            );
            assert!(started.elapsed() >= Duration::from_millis(300));
        }
    }
    // Several clients at once hang as well.
    let ip = holes[0];
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let addr = SocketAddr::from((ip, sandbox.http_port()));
        all.spawn(async move {
            tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr))
                .await
                .is_err()
        });
    }
    while let Some(hung) = all.join_next().await {
        assert!(hung.expect("task"));
    }
    // A dead address, by contrast, refuses at once.
    let refused = TcpStream::connect(SocketAddr::from((
        beian_sandbox::world::dead_ip(0),
        sandbox.http_port(),
    )))
    .await;
    assert!(refused.is_err());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn without_black_holes_nothing_is_bound() {
    let world = World::generate(&WorldConfig {
        sites: 30,
        ..WorldConfig::default()
    });
    assert!(
        world
            .sites
            .iter()
            .all(|s| s.fault != Some(Fault::BlackHole))
    );
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts");
    assert_eq!(sandbox.black_hole_listeners(), 0);
    sandbox.shutdown().await;
}

/// One plain HTTP/1.1 GET; the status and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("read");
    let reply = String::from_utf8(reply).expect("utf-8");
    let (head, body) = reply.split_once("\r\n\r\n").expect("head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rdap_says_what_whois_says() {
    let world = World::generate(&WorldConfig {
        sites: 40,
        seed: 15,
        showcase: true,
        ..WorldConfig::default()
    });
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts");
    let world = sandbox.world();
    let mut compared = 0;
    for site in &world.sites {
        let (status, body) = get(sandbox.rdap_addr(), &format!("/domain/{}", site.domain)).await;
        if !site.domain.ends_with(".com") {
            assert_eq!(status, 404, "{}", site.domain);
            let error = beian_registration::parse_rdap(&body, Some(&site.domain)).expect("parses");
            assert_eq!(error.outcome, beian_registration::Outcome::NotFound);
            continue;
        }
        assert_eq!(status, 200, "{}", site.domain);
        let rdap = beian_registration::parse_rdap(&body, Some(&site.domain)).expect("rdap");
        let text = beian_sandbox::whois::reply(world, &site.domain);
        let whois = beian_registration::parse_whois(&text, Some(&site.domain)).expect("whois");
        assert_eq!(rdap.outcome, beian_registration::Outcome::Found);
        assert_eq!(rdap.domain, whois.domain);
        assert_eq!(rdap.expires, whois.expires, "{}", site.domain);
        assert_eq!(rdap.created, whois.created, "{}", site.domain);
        assert_eq!(rdap.statuses, whois.statuses, "{}", site.domain);
        assert!(
            rdap.registrar
                .as_deref()
                .is_some_and(|r| r.starts_with(site.registration.registrar))
        );
        compared += 1;
    }
    assert!(compared >= 5, "{compared}");
    let (status, body) = get(sandbox.rdap_addr(), "/domain/nobody.com").await;
    assert_eq!(status, 404);
    assert!(body.contains("\"errorCode\":404"));
    sandbox.shutdown().await;
}
