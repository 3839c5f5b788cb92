//! 沙箱 — the running servers: DNS, HTTP and HTTPS on every sandbox address, WHOIS.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::dns::DnsServer;
use crate::http::{HttpState, serve_connection};
use crate::tls::{SandboxCa, serve_tls, server_config};
use crate::whois::serve_whois;
use crate::world::{PROVIDER_RANGE, World, listening_ips};

/// How to serve. Ports of 0 are chosen free.
#[derive(Debug, Clone, Default)]
pub struct ServeConfig {
    /// Delay before each HTTP answer.
    pub latency: Duration,
    /// DNS port (UDP and TCP) on 127.0.0.1.
    pub dns_port: u16,
    /// HTTP port on every sandbox address.
    pub http_port: u16,
    /// HTTPS port on every sandbox address.
    pub https_port: u16,
    /// WHOIS port on 127.0.0.1.
    pub whois_port: u16,
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
    ca_pem: String,
    tasks: JoinSet<()>,
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

        let state = Arc::new(HttpState::new(
            Arc::clone(&world),
            config.latency,
            https_port,
        ));
        for listener in http_listeners {
            let state = Arc::clone(&state);
            tasks.spawn(async move {
                // Dropping this set (when the sandbox stops) ends every open connection.
                let mut connections = JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        // Out of descriptors: wait instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, Arc::clone(&state)));
                    while connections.try_join_next().is_some() {}
                }
            });
        }

        let ca = Arc::new(SandboxCa::new(Arc::clone(&world)).map_err(StartError)?);
        let ca_pem = ca.ca_pem.clone();
        let tls = server_config(ca).map_err(StartError)?;
        for listener in https_listeners {
            let state = Arc::clone(&state);
            let tls = Arc::clone(&tls);
            tasks.spawn(async move {
                let mut connections = JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_tls(stream, Arc::clone(&tls), Arc::clone(&state)));
                    while connections.try_join_next().is_some() {}
                }
            });
        }

        let whois = TcpListener::bind((Ipv4Addr::LOCALHOST, config.whois_port))
            .await
            .map_err(|e| StartError(format!("WHOIS 127.0.0.1:{}: {e}", config.whois_port)))?;
        let whois_addr = whois.local_addr().map_err(|e| StartError(e.to_string()))?;
        let whois_world = Arc::clone(&world);
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = whois.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                connections.spawn(serve_whois(stream, Arc::clone(&whois_world)));
                while connections.try_join_next().is_some() {}
            }
        });

        Ok(Sandbox {
            world,
            dns: Some(dns),
            http_port,
            https_port,
            whois_addr,
            ca_pem,
            tasks,
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

    /// The sandbox CA, PEM: trust it to fetch the sites over https.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The flags that point `beian check` and `beian sweep` at this sandbox. `ca_path` is
    /// where the CA was written; `with_whois` adds `--whois-server` and
    /// `--whois-interval-ms 0` (for a `check` that has them).
    pub fn flags(&self, ca_path: Option<&Path>, with_whois: bool) -> Vec<String> {
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
        flags.extend([
            "--date".to_owned(),
            self.world.config.check_date.format("%Y-%m-%d").to_string(),
        ]);
        flags
    }

    /// Writes `filings.jsonl`, `truth.jsonl` and `ca.pem` into `dir` (created if needed).
    pub fn write_files(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("filings.jsonl"), self.world.filings_jsonl())?;
        std::fs::write(dir.join("truth.jsonl"), self.world.truth_jsonl())?;
        std::fs::write(dir.join("ca.pem"), &self.ca_pem)?;
        Ok(())
    }

    /// Stops every server.
    pub async fn shutdown(mut self) {
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
