//! 沙箱 — the running servers: DNS, HTTP and HTTPS on every sandbox address, WHOIS and
//! RDAP, and the black holes.
//!
//! A black hole is a listener with the smallest backlog that never accepts, whose accept
//! queue the sandbox fills at start-up with connections of its own that it keeps open:
//! the kernel then drops every later SYN, so a client's connect hangs until its own
//! timeout, as with a host that is down behind a firewall. No packet filter is needed.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::dns::DnsServer;
use crate::http::{HttpState, serve_connection};
use crate::rdap::serve_rdap;
use crate::registry_http::RegistryServers;
use crate::tls::{SandboxCa, serve_tls, server_config};
use crate::whois::serve_whois;
use crate::world::{Fault, PROVIDER_RANGE, World, listening_ips};

/// How to serve. Ports of 0 are chosen free.
#[derive(Debug, Clone, Default)]
pub struct ServeConfig {
    /// Delay before each HTTP, WHOIS and RDAP answer, so that a sweep against the sandbox
    /// waits on the network as a real one does.
    pub latency: Duration,
    /// DNS port (UDP and TCP) on 127.0.0.1.
    pub dns_port: u16,
    /// HTTP port on every sandbox address.
    pub http_port: u16,
    /// HTTPS port on every sandbox address.
    pub https_port: u16,
    /// WHOIS port on 127.0.0.1.
    pub whois_port: u16,
    /// RDAP (HTTP) port on 127.0.0.1.
    pub rdap_port: u16,
}

/// Accepts connections on `listener` forever, serving each in its own task. The tasks live
/// in a set owned by this loop, so stopping the sandbox (dropping the loop) ends every open
/// connection too. A failed accept (out of descriptors) waits a little instead of spinning.
async fn accept_loop<F, Fut>(listener: TcpListener, serve: F)
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(serve(stream));
        while connections.try_join_next().is_some() {}
    }
}

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[error("沙箱无法启动：{0}")]
pub struct StartError(pub String);

/// 运行中的沙箱.
#[derive(Debug)]
pub struct Sandbox {
    world: Arc<World>,
    dns: Option<DnsServer>,
    http_port: u16,
    https_port: u16,
    whois_addr: SocketAddr,
    rdap_addr: SocketAddr,
    ca_pem: String,
    tasks: JoinSet<()>,
    black_holes: BlackHoles,
    registries: RegistryServers,
}

/// The black-hole listeners and the connections that fill their accept queues; dropping
/// them (when the sandbox stops) closes everything.
#[derive(Debug, Default)]
struct BlackHoles {
    listeners: Vec<std::net::TcpListener>,
    fillers: Vec<std::net::TcpStream>,
}

/// How long a connect to a black hole may take before the queue counts as full.
const FILL_PROBE: Duration = Duration::from_millis(200);
/// Connections tried at most on one black hole before giving up on filling it.
const FILL_ATTEMPTS: usize = 16;

/// Binds a black hole on `addr` (backlog 0, never accepted) and fills its accept queue.
async fn black_hole(addr: SocketAddr) -> Result<BlackHoles, StartError> {
    let fail = |what: &str, e: std::io::Error| StartError(format!("黑洞 {addr} {what}: {e}"));
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .map_err(|e| fail("socket", e))?;
    socket
        .set_reuse_address(true)
        .map_err(|e| fail("SO_REUSEADDR", e))?;
    socket.bind(&addr.into()).map_err(|e| fail("bind", e))?;
    socket.listen(0).map_err(|e| fail("listen", e))?;
    let mut hole = BlackHoles {
        listeners: vec![socket.into()],
        fillers: Vec::new(),
    };
    for _ in 0..FILL_ATTEMPTS {
        match tokio::time::timeout(FILL_PROBE, tokio::net::TcpStream::connect(addr)).await {
            // Queued: keep it open, it holds a place in the queue.
            Ok(Ok(stream)) => hole
                .fillers
                .push(stream.into_std().map_err(|e| fail("connect", e))?),
            Ok(Err(e)) => return Err(fail("connect", e)),
            // The SYN was dropped: the queue is full.
            Err(_) if !hole.fillers.is_empty() => return Ok(hole),
            Err(_) => break,
        }
    }
    Err(StartError(format!("黑洞 {addr} 的连接队列填不满")))
}

/// Black holes on the http and https ports of every black-hole address a site uses.
async fn black_holes(world: &World, ports: [u16; 2]) -> Result<BlackHoles, StartError> {
    let ips: BTreeSet<Ipv4Addr> = world
        .sites
        .iter()
        .filter(|s| s.fault == Some(Fault::BlackHole))
        .map(|s| s.filed_ip)
        .collect();
    let mut filling = JoinSet::new();
    for ip in ips {
        for port in ports {
            filling.spawn(black_hole(SocketAddr::from((ip, port))));
        }
    }
    let mut all = BlackHoles::default();
    while let Some(joined) = filling.join_next().await {
        let hole = joined.map_err(|e| StartError(e.to_string()))??;
        all.listeners.extend(hole.listeners);
        all.fillers.extend(hole.fillers);
    }
    Ok(all)
}

/// Binds `port` (0: a free one) on every address; the same port everywhere.
async fn bind_everywhere(ips: &[Ipv4Addr], port: u16) -> Result<Vec<TcpListener>, StartError> {
    let mut attempts = 0;
    'retry: loop {
        attempts += 1;
        let mut listeners = Vec::with_capacity(ips.len());
        let mut chosen = port;
        for ip in ips {
            match TcpListener::bind((*ip, chosen)).await {
                Ok(listener) => {
                    if chosen == 0 {
                        chosen = listener
                            .local_addr()
                            .map_err(|e| StartError(e.to_string()))?
                            .port();
                    }
                    listeners.push(listener);
                }
                Err(_) if port == 0 && attempts < 50 => continue 'retry,
                Err(e) => return Err(StartError(format!("{ip}:{chosen}: {e}"))),
            }
        }
        return Ok(listeners);
    }
}

impl Sandbox {
    /// Starts every server for `world`.
    pub async fn start(world: World, config: &ServeConfig) -> Result<Sandbox, StartError> {
        let world = Arc::new(world);
        let ips = listening_ips();
        let mut tasks = JoinSet::new();

        let dns = DnsServer::start(&world, config.dns_port)
            .await
            .map_err(StartError)?;

        let https_listeners = bind_everywhere(&ips, config.https_port).await?;
        let https_port = https_listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map_or(0, |a| a.port());
        let http_listeners = bind_everywhere(&ips, config.http_port).await?;
        let http_port = http_listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map_or(0, |a| a.port());

        let black_holes = black_holes(&world, [http_port, https_port]).await?;

        let state = Arc::new(HttpState::new(
            Arc::clone(&world),
            config.latency,
            https_port,
        ));
        for listener in http_listeners {
            let state = Arc::clone(&state);
            tasks.spawn(accept_loop(listener, move |stream| {
                serve_connection(stream, Arc::clone(&state))
            }));
        }

        let ca = Arc::new(SandboxCa::new(Arc::clone(&world)).map_err(StartError)?);
        let ca_pem = ca.ca_pem.clone();
        let tls = server_config(ca).map_err(StartError)?;
        for listener in https_listeners {
            let state = Arc::clone(&state);
            let tls = Arc::clone(&tls);
            tasks.spawn(accept_loop(listener, move |stream| {
                serve_tls(stream, Arc::clone(&tls), Arc::clone(&state))
            }));
        }

        let whois = TcpListener::bind((Ipv4Addr::LOCALHOST, config.whois_port))
            .await
            .map_err(|e| StartError(format!("WHOIS 127.0.0.1:{}: {e}", config.whois_port)))?;
        let whois_addr = whois.local_addr().map_err(|e| StartError(e.to_string()))?;
        let whois_world = Arc::clone(&world);
        let latency = config.latency;
        tasks.spawn(accept_loop(whois, move |stream| {
            let world = Arc::clone(&whois_world);
            async move {
                tokio::time::sleep(latency).await;
                serve_whois(stream, world).await;
            }
        }));

        let rdap = TcpListener::bind((Ipv4Addr::LOCALHOST, config.rdap_port))
            .await
            .map_err(|e| StartError(format!("RDAP 127.0.0.1:{}: {e}", config.rdap_port)))?;
        let rdap_addr = rdap.local_addr().map_err(|e| StartError(e.to_string()))?;
        let rdap_world = Arc::clone(&world);
        tasks.spawn(accept_loop(rdap, move |stream| {
            let world = Arc::clone(&rdap_world);
            async move {
                tokio::time::sleep(latency).await;
                serve_rdap(stream, world).await;
            }
        }));

        let registries = RegistryServers::start(Arc::clone(&world), &mut tasks)
            .await
            .map_err(StartError)?;

        Ok(Sandbox {
            registries,
            world,
            dns: Some(dns),
            http_port,
            https_port,
            whois_addr,
            rdap_addr,
            ca_pem,
            tasks,
            black_holes,
        })
    }

    /// The world served.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The DNS server's address (UDP and TCP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns
            .as_ref()
            .map_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), |d| d.addr)
    }

    /// The receive buffer each DNS UDP socket got from the kernel.
    pub fn dns_recv_buffer(&self) -> usize {
        self.dns.as_ref().map_or(0, |d| d.recv_buffer)
    }

    /// The HTTP port (on every sandbox address).
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The HTTPS port (on every sandbox address).
    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    /// The WHOIS server's address.
    pub fn whois_addr(&self) -> SocketAddr {
        self.whois_addr
    }

    /// The RDAP server's address (HTTP).
    pub fn rdap_addr(&self) -> SocketAddr {
        self.rdap_addr
    }

    /// The RDAP base URL for `--rdap-url`: `http://127.0.0.1:P/`.
    pub fn rdap_url(&self) -> String {
        format!("http://{}/", self.rdap_addr)
    }

    /// How many black-hole listeners hang connects (two per address used: http, https).
    pub fn black_hole_listeners(&self) -> usize {
        self.black_holes.listeners.len()
    }

    /// The sandbox CA, PEM: trust it to fetch the sites over https.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The flags that point `beian check` and `beian sweep` at this sandbox. `ca_path` is
    /// where the CA was written; `with_whois` adds `--whois-server` and
    /// `--whois-interval-ms 0` (for a `check` that has them), `with_rdap` adds
    /// `--rdap-url` (`.com` then goes to the sandbox's RDAP server, `.cn` to its WHOIS).
    pub fn flags(&self, ca_path: Option<&Path>, with_whois: bool, with_rdap: bool) -> Vec<String> {
        let mut flags = vec![
            "--dns-server".to_owned(),
            self.dns_addr().to_string(),
            "--allow-private".to_owned(),
            "--http-port".to_owned(),
            self.http_port.to_string(),
        ];
        if let Some(path) = ca_path {
            flags.extend([
                "--https-port".to_owned(),
                self.https_port.to_string(),
                "--ca-cert".to_owned(),
                path.display().to_string(),
            ]);
        }
        flags.extend(["--provider-range".to_owned(), PROVIDER_RANGE.to_owned()]);
        if with_whois {
            // One WHOIS server answers for every domain: no pause between queries.
            flags.extend([
                "--whois-server".to_owned(),
                self.whois_addr.to_string(),
                "--whois-interval-ms".to_owned(),
                "0".to_owned(),
            ]);
        }
        if with_rdap {
            flags.extend(["--rdap-url".to_owned(), self.rdap_url()]);
        }
        flags.extend([
            "--date".to_owned(),
            self.world.config.check_date.format("%Y-%m-%d").to_string(),
        ]);
        flags
    }

    /// The four registry servers (business registry, identity, phone, real-name).
    pub fn registries(&self) -> &RegistryServers {
        &self.registries
    }

    /// Writes `filings.jsonl`, `truth.jsonl`, `ca.pem` and `beian.toml` (the registry
    /// configuration for `--config`) into `dir` (created if needed).
    pub fn write_files(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("filings.jsonl"), self.world.filings_jsonl())?;
        std::fs::write(dir.join("truth.jsonl"), self.world.truth_jsonl())?;
        std::fs::write(dir.join("ca.pem"), &self.ca_pem)?;
        std::fs::write(dir.join("beian.toml"), self.registries.config_toml())?;
        Ok(())
    }

    /// Stops every server.
    pub async fn shutdown(mut self) {
        self.black_holes = BlackHoles::default();
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        if let Some(dns) = self.dns.take() {
            dns.shutdown().await;
        }
    }
}

/// Waits for Ctrl-C (SIGINT).
pub async fn ctrl_c() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
