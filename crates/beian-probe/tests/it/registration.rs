//! WHOIS and RDAP against real servers on loopback: a WHOIS server that answers with a
//! saved real reply (or never answers), and a small HTTP server serving a saved RDAP
//! object. Every test counts what reached the server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use beian_probe::registration::registrable;
use beian_probe::whois::{RateLimiter, ServerAddr};
use beian_probe::{
    AddressPolicy, Bootstrap, DnsResolver, RdapClient, RdapConfig, RegistrationClient,
    RegistrationConfig, WhoisClient, WhoisConfig, refresh_bootstrap,
};
use beian_registration::Outcome;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::support::{Dnsmasq, LOCALHOST, TestServer, respond, unused_resolver};

/// The real replies saved by `beian-registration` (flipbit/whois, MIT; see its SOURCES.md).
fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../beian-registration/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How the test WHOIS server answers.
#[derive(Clone)]
enum Answer {
    /// Writes these bytes and closes.
    Reply(Vec<u8>),
    /// Accepts, reads the query and never answers.
    Silent,
}

/// A WHOIS server on loopback: reads one query line, answers, closes. Records each query
/// with the time it arrived.
struct WhoisServer {
    addr: SocketAddr,
    queries: Arc<Mutex<Vec<(String, Instant)>>>,
    accepted: Arc<Mutex<usize>>,
    task: JoinHandle<()>,
}

impl WhoisServer {
    async fn start(answer: Answer) -> WhoisServer {
        let listener = TcpListener::bind((LOCALHOST, 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let queries = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(0));
        let (q, a) = (Arc::clone(&queries), Arc::clone(&accepted));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                *a.lock().expect("lock") += 1;
                let (q, answer) = (Arc::clone(&q), answer.clone());
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.is_err() {
                        return;
                    }
                    q.lock()
                        .expect("lock")
                        .push((line.trim_end().to_owned(), Instant::now()));
                    match answer {
                        Answer::Reply(bytes) => {
                            let _ = stream.get_mut().write_all(&bytes).await;
                            let _ = stream.get_mut().shutdown().await;
                        }
                        Answer::Silent => {
                            tokio::time::sleep(Duration::from_secs(60)).await;
                        }
                    }
                });
            }
        });
        WhoisServer {
            addr,
            queries,
            accepted,
            task,
        }
    }

    fn server(&self) -> ServerAddr {
        ServerAddr::parse(&self.addr.to_string()).expect("server address")
    }

    fn queries(&self) -> Vec<String> {
        self.queries
            .lock()
            .expect("lock")
            .iter()
            .map(|(q, _)| q.clone())
            .collect()
    }

    fn accepted(&self) -> usize {
        *self.accepted.lock().expect("lock")
    }
}

impl Drop for WhoisServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn config(whois: Option<ServerAddr>) -> RegistrationConfig {
    RegistrationConfig {
        whois_server: whois,
        min_interval: Duration::ZERO,
        connect_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(2),
        ..RegistrationConfig::default()
    }
}

fn client(
    config: RegistrationConfig,
    policy: AddressPolicy,
    dns: DnsResolver,
) -> RegistrationClient {
    RegistrationClient::new(config, dns, policy, Vec::new()).expect("client builds")
}

#[tokio::test]
async fn a_cnnic_reply_is_fetched_and_parsed() {
    let server = WhoisServer::start(Answer::Reply(fixture("cn_025bbs.cn.txt"))).await;
    let client = client(
        config(Some(server.server())),
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let lookup = client.lookup("www.025BBS.cn").await;
    assert_eq!(lookup.domain, "025bbs.cn");
    assert_eq!(lookup.server, server.server().to_string());
    let registration = lookup.outcome.expect("parsed");
    assert_eq!(registration.outcome, Outcome::Found);
    assert_eq!(
        registration.registrar.as_deref(),
        Some("阿里云计算有限公司（万网）")
    );
    assert_eq!(
        registration.registrant.as_deref(),
        Some("南京越之彬网络科技有限公司")
    );
    assert_eq!(
        registration.expires.map(|t| t.to_rfc3339()),
        Some("2021-03-13T21:45:16+08:00".to_owned())
    );
    assert_eq!(server.queries(), ["025bbs.cn"]);
}

#[tokio::test]
async fn a_gbk_reply_is_decoded() {
    let text = "Domain Name: gbk-test.cn\nDomain Status: ok\nRegistrant: 某某科技有限公司\nSponsoring Registrar: 北京新网数码信息技术有限公司\nExpiration Time: 2030-01-01 00:00:00\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let server = WhoisServer::start(Answer::Reply(gbk.into_owned())).await;
    let whois = WhoisClient::new(WhoisConfig {
        policy: AddressPolicy::allow_private(),
        ..WhoisConfig::new(unused_resolver())
    });
    let reply = whois
        .query(&server.server(), "gbk-test.cn")
        .await
        .expect("reply");
    assert_eq!(reply.encoding, "gbk");
    assert!(reply.text.contains("北京新网数码信息技术有限公司"));
}

#[tokio::test]
async fn the_guard_keeps_whois_off_loopback() {
    let server = WhoisServer::start(Answer::Reply(fixture("cn_025bbs.cn.txt"))).await;
    // By address.
    let strict = client(
        config(Some(server.server())),
        AddressPolicy::strict(),
        unused_resolver(),
    );
    let lookup = strict.lookup("025bbs.cn").await;
    let reason = lookup.outcome.expect_err("refused");
    assert!(reason.contains("禁止访问"), "{reason}");
    // By a name that resolves to loopback.
    let dns = Dnsmasq::start(&["--address=/whois.evil.test/127.0.0.1"]);
    let by_name =
        ServerAddr::parse(&format!("whois.evil.test:{}", server.addr.port())).expect("server");
    let strict = client(
        config(Some(by_name)),
        AddressPolicy::strict(),
        dns.resolver(),
    );
    let reason = strict
        .lookup("025bbs.cn")
        .await
        .outcome
        .expect_err("refused");
    assert!(reason.contains("禁止访问"), "{reason}");
    for name in ["localhost", "whois.localhost"] {
        let local = ServerAddr::parse(&format!("{name}:{}", server.addr.port())).expect("server");
        let strict = client(config(Some(local)), AddressPolicy::strict(), dns.resolver());
        let reason = strict
            .lookup("025bbs.cn")
            .await
            .outcome
            .expect_err("refused");
        assert!(reason.contains("禁止访问"), "{name}: {reason}");
    }
    assert_eq!(
        server.accepted(),
        0,
        "a refused WHOIS query reached the server"
    );
}

#[tokio::test]
async fn queries_to_one_server_are_spaced_by_the_interval() {
    let server = WhoisServer::start(Answer::Reply(fixture("cn_025bbs.cn.txt"))).await;
    let interval = Duration::from_millis(400);
    let client = client(
        RegistrationConfig {
            min_interval: interval,
            ..config(Some(server.server()))
        },
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let (a, b, c) = tokio::join!(
        client.lookup("first.cn"),
        client.lookup("second.cn"),
        client.lookup("third.cn")
    );
    assert!(a.outcome.is_ok() && b.outcome.is_ok() && c.outcome.is_ok());
    let mut times: Vec<Instant> = server
        .queries
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, t)| *t)
        .collect();
    times.sort();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        // A little under the interval for the server's own scheduling.
        assert!(
            gap >= interval - Duration::from_millis(50),
            "queries {gap:?} apart"
        );
    }
    // The limiter on its own: another server is not held up.
    let limiter = RateLimiter::new(Duration::from_secs(5));
    let started = Instant::now();
    limiter.wait("a:43").await;
    limiter.wait("b:43").await;
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn one_registrable_domain_is_asked_once() {
    let server = WhoisServer::start(Answer::Reply(fixture("cn_025bbs.cn.txt"))).await;
    let client = client(
        config(Some(server.server())),
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let (a, b) = tokio::join!(client.lookup("025bbs.cn"), client.lookup("www.025bbs.cn"));
    let c = client.lookup("WWW.025bbs.cn.").await;
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(server.queries(), ["025bbs.cn"]);
    // A zero TTL asks again.
    let fresh = RegistrationClient::new(
        RegistrationConfig {
            cache_ttl: Duration::ZERO,
            ..config(Some(server.server()))
        },
        unused_resolver(),
        AddressPolicy::allow_private(),
        Vec::new(),
    )
    .expect("client");
    fresh.lookup("025bbs.cn").await;
    fresh.lookup("025bbs.cn").await;
    assert_eq!(server.queries().len(), 3);
}

#[tokio::test]
async fn a_silent_server_ends_at_the_deadline() {
    let server = WhoisServer::start(Answer::Silent).await;
    let client = client(
        RegistrationConfig {
            deadline: Duration::from_secs(1),
            ..config(Some(server.server()))
        },
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let started = Instant::now();
    let lookup = client.lookup("slow.cn").await;
    let elapsed = started.elapsed();
    let reason = lookup.outcome.expect_err("timed out");
    assert!(reason.contains("总时限"), "{reason}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(server.queries(), ["slow.cn"]);
}

#[tokio::test]
async fn a_huge_reply_is_cut_at_the_cap() {
    let mut huge = b"Domain Name: huge.cn\n".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 4 * 1024 * 1024));
    let server = WhoisServer::start(Answer::Reply(huge)).await;
    let whois = WhoisClient::new(WhoisConfig {
        policy: AddressPolicy::allow_private(),
        max_reply: 64 * 1024,
        ..WhoisConfig::new(unused_resolver())
    });
    let reply = whois
        .query(&server.server(), "huge.cn")
        .await
        .expect("reply");
    assert!(reply.truncated);
    assert_eq!(reply.text.len(), 64 * 1024);
}

#[tokio::test]
async fn a_closed_port_and_an_unknown_tld_are_outcomes() {
    let closed = std::net::TcpListener::bind((LOCALHOST, 0))
        .expect("bind")
        .local_addr()
        .expect("addr");
    let client = client(
        config(Some(ServerAddr::parse(&closed.to_string()).expect("addr"))),
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let reason = client.lookup("gone.cn").await.outcome.expect_err("refused");
    assert!(reason.contains("无法连接"), "{reason}");

    let client = RegistrationClient::new(
        RegistrationConfig {
            bootstrap: Bootstrap::default(),
            ..config(None)
        },
        unused_resolver(),
        AddressPolicy::allow_private(),
        Vec::new(),
    )
    .expect("client");
    let lookup = client.lookup("example.invalid").await;
    let reason = lookup.outcome.expect_err("no server");
    assert!(reason.contains("不知道 .invalid"), "{reason}");
}

/// An RDAP server: `/domain/google.com` is the saved Verisign object, anything else 404.
async fn rdap_server() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&paths);
    let object = fixture("google.com_verisign_flipbit.json");
    let server = TestServer::start(
        LOCALHOST,
        Arc::new(move |path, mut stream| {
            seen.lock().expect("lock").push(path.clone());
            let object = object.clone();
            Box::pin(async move {
                if path == "/domain/google.com" {
                    let headers = [("Content-Type", "application/rdap+json")];
                    let _ = respond(&mut stream, "200 OK", &headers, &object).await;
                } else {
                    let _ = respond(&mut stream, "404 Not Found", &[], b"").await;
                }
            })
        }),
    )
    .await;
    (server, paths)
}

#[tokio::test]
async fn rdap_is_asked_at_the_override() {
    let (server, paths) = rdap_server().await;
    let base = url::Url::parse(&server.url("/")).expect("url");
    let client = client(
        RegistrationConfig {
            rdap_url: Some(base),
            ..config(None)
        },
        AddressPolicy::allow_private(),
        unused_resolver(),
    );
    let lookup = client.lookup("www.google.com").await;
    assert_eq!(lookup.server, server.url("/domain/google.com"));
    let registration = lookup.outcome.expect("parsed");
    assert_eq!(registration.outcome, Outcome::Found);
    assert_eq!(
        registration.registrar.as_deref(),
        Some("MarkMonitor Inc. (IANA 292)")
    );
    assert_eq!(
        registration.expires.map(|t| t.to_rfc3339()),
        Some("2028-09-14T04:00:00+00:00".to_owned())
    );
    let missing = client.lookup("nosuchname.com").await.outcome.expect("404");
    assert_eq!(missing.outcome, Outcome::NotFound);
    assert_eq!(
        *paths.lock().expect("lock"),
        ["/domain/google.com", "/domain/nosuchname.com"]
    );
}

#[tokio::test]
async fn rdap_is_guarded_too() {
    let (server, paths) = rdap_server().await;
    let client = client(
        RegistrationConfig {
            rdap_url: Some(url::Url::parse(&server.url("/")).expect("url")),
            ..config(None)
        },
        AddressPolicy::strict(),
        unused_resolver(),
    );
    let reason = client
        .lookup("google.com")
        .await
        .outcome
        .expect_err("refused");
    assert!(
        reason.contains("不能访问") || reason.contains("禁止访问"),
        "{reason}"
    );
    assert_eq!(server.accepted(), 0);
    assert!(paths.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn the_bootstrap_is_refreshed_from_a_url() {
    let body = beian_probe::rdap::BUNDLED_BOOTSTRAP.as_bytes().to_vec();
    let server = TestServer::start(
        LOCALHOST,
        Arc::new(move |path, mut stream| {
            let body = body.clone();
            Box::pin(async move {
                if path == "/rdap/dns.json" {
                    let _ = respond(&mut stream, "200 OK", &[], &body).await;
                } else {
                    let _ = respond(&mut stream, "200 OK", &[], b"<html>not json</html>").await;
                }
            })
        }),
    )
    .await;
    let rdap = RdapClient::new(RdapConfig {
        policy: AddressPolicy::allow_private(),
        ..RdapConfig::new(unused_resolver())
    })
    .expect("client");
    let dir = std::env::temp_dir().join(format!("beian-probe-bootstrap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("rdap-dns.json");
    let refreshed = refresh_bootstrap(&rdap, &server.url("/rdap/dns.json"), &out)
        .await
        .expect("refreshed");
    assert!(refreshed.tlds >= 3);
    let written = std::fs::read_to_string(&out).expect("written");
    assert_eq!(Bootstrap::parse(&written), Ok(Bootstrap::bundled()));
    // Something that is not a bootstrap file is not written over the good one.
    let err = refresh_bootstrap(&rdap, &server.url("/other"), &out).await;
    assert!(err.is_err());
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), written);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn registrable_names() {
    assert_eq!(registrable("a.b.example.com.cn"), "example.com.cn");
}
