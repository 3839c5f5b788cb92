//! Real servers on loopback for the integration tests: dnsmasq (Debian's, started and
//! killed by the test), a tiny HTTP/1.1 server speaking over real TCP, a listener that
//! counts the connections it accepts, and a UDP peer that answers every DNS query with a
//! fixed error code.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream as StdTcpStream, UdpSocket as StdUdp};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use beian_probe::{AddressPolicy, DnsConfig, DnsResolver, FetchConfig, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

pub const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A dnsmasq process on a free loopback port; killed and reaped on drop.
pub struct Dnsmasq {
    child: Child,
    pub addr: SocketAddr,
    pid_file: PathBuf,
}

impl Dnsmasq {
    /// Starts dnsmasq with the given record options (`--address=…`, `--cname=…`, …).
    /// Everything under `test.` is local: names it does not know are NXDOMAIN.
    pub fn start(records: &[&str]) -> Dnsmasq {
        let port = free_udp_port();
        let pid_file = std::env::temp_dir().join(format!(
            "beian-probe-dnsmasq-{}-{port}.pid",
            std::process::id()
        ));
        let child = Command::new(dnsmasq_program())
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
                "--local=/test/",
                "--log-facility=-",
            ])
            .arg(format!("--pid-file={}", pid_file.display()))
            .args(records)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dnsmasq starts (scripts/test.sh installs dnsmasq-base)");
        let addr = SocketAddr::new(LOCALHOST, port);
        let mut server = Dnsmasq {
            child,
            addr,
            pid_file,
        };
        // dnsmasq also listens on TCP: it is up once a TCP connect succeeds.
        let started = Instant::now();
        while StdTcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
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

    pub fn config(&self) -> DnsConfig {
        DnsConfig {
            servers: vec![self.addr],
            timeout: Duration::from_secs(2),
            attempts: 1,
            max_concurrent: 16,
            reuse_for: Duration::ZERO,
        }
    }

    pub fn resolver(&self) -> DnsResolver {
        DnsResolver::new(&self.config()).expect("resolver builds")
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

/// `dnsmasq` from PATH, or Debian's sbin when PATH lacks it (a non-login root shell).
fn dnsmasq_program() -> &'static str {
    let on_path = Command::new("dnsmasq")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        "dnsmasq"
    } else {
        "/usr/sbin/dnsmasq"
    }
}

fn free_udp_port() -> u16 {
    // Free on both UDP and TCP, since dnsmasq takes both.
    loop {
        let udp = StdUdp::bind((LOCALHOST, 0)).expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind((LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// A UDP peer that answers every query with an empty response carrying `rcode`
/// (2 = SERVFAIL, 5 = REFUSED), or never answers when `rcode` is None.
pub struct DnsResponder {
    pub addr: SocketAddr,
    /// Queries received so far.
    pub queries: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl DnsResponder {
    pub async fn start(rcode: Option<u8>) -> DnsResponder {
        let socket = UdpSocket::bind((LOCALHOST, 0)).await.expect("bind udp");
        let addr = socket.local_addr().expect("addr");
        let queries = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&queries);
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                let Some(rcode) = rcode else { continue };
                if let Some(reply) = error_reply(&buf[..n], rcode) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
        DnsResponder {
            addr,
            queries,
            task,
        }
    }

    pub fn config(&self) -> DnsConfig {
        DnsConfig {
            servers: vec![self.addr],
            timeout: Duration::from_millis(300),
            attempts: 1,
            max_concurrent: 4,
            reuse_for: Duration::ZERO,
        }
    }
}

impl Drop for DnsResponder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The query's header and question, turned into a response with `rcode` and no records.
pub fn error_reply(query: &[u8], rcode: u8) -> Option<Vec<u8>> {
    let mut end = 12;
    loop {
        let len = *query.get(end)? as usize;
        end += 1;
        if len == 0 {
            break;
        }
        end += len;
    }
    end += 4; // QTYPE, QCLASS
    let mut reply = query.get(..end)?.to_vec();
    reply[2] = 0x80 | (query[2] & 0x79); // QR, same opcode and RD
    reply[3] = 0x80 | (rcode & 0x0f); // RA, RCODE
    reply[6..12].fill(0); // no answers, authorities or additionals
    Some(reply)
}

/// How a test server answers one request: given the path, write to the stream.
pub type Handler =
    Arc<dyn Fn(String, TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A small HTTP/1.1 server over real TCP, one task per connection; stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl TestServer {
    pub async fn start(ip: IpAddr, handler: Handler) -> TestServer {
        let listener = TcpListener::bind((ip, 0)).await.expect("bind tcp");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    if let Some(path) = read_request_path(&mut stream).await {
                        handler(path, stream).await;
                    }
                });
            }
        });
        TestServer {
            addr,
            accepted,
            task,
        }
    }

    /// A server answering every request with a small 200 page.
    pub async fn hello(ip: IpAddr) -> TestServer {
        TestServer::start(
            ip,
            Arc::new(|_path, mut stream| {
                Box::pin(async move {
                    let _ = respond(&mut stream, "200 OK", &[], b"hello").await;
                })
            }),
        )
        .await
    }

    /// Wraps a listener task the test wrote itself.
    pub fn from_parts(addr: SocketAddr, accepted: Arc<AtomicUsize>, task: JoinHandle<()>) -> Self {
        TestServer {
            addr,
            accepted,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        match self.addr {
            SocketAddr::V4(a) => format!("http://{}:{}{path}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("http://[{}]:{}{path}", a.ip(), a.port()),
        }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the request head (up to 16 KiB) and returns the request target.
async fn read_request_path(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_owned();
    line.split_whitespace().nth(1).map(str::to_owned)
}

/// Writes a complete response with a Content-Length and closes the connection.
pub async fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// A fetcher under `policy` with short limits, resolving through `dns`.
pub fn fetcher(policy: AddressPolicy, dns: DnsResolver, deadline: Duration) -> Fetcher {
    let mut config = FetchConfig::new(dns);
    config.policy = policy;
    config.deadline = deadline;
    config.connect_timeout = Duration::from_secs(2);
    config.read_timeout = Duration::from_secs(5);
    Fetcher::new(config).expect("fetcher builds")
}

/// A resolver that is never asked (for tests with IP-literal URLs only): its server is a
/// UDP port nobody answers on.
pub fn unused_resolver() -> DnsResolver {
    DnsResolver::new(&DnsConfig {
        servers: vec![SocketAddr::new(LOCALHOST, 9)],
        timeout: Duration::from_millis(200),
        attempts: 1,
        max_concurrent: 4,
        reuse_for: Duration::ZERO,
    })
    .expect("resolver builds")
}

/// Whether this machine has IPv6 loopback.
pub fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}
