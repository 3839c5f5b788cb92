//! 权威 DNS — an authoritative server (hickory-server) for the generated zone.
//!
//! The sandbox is authoritative for `cn.` and `com.` (the `com.cn` names live in `cn.`):
//! every resolving site has an A record for its domain and its `www` host, in a zone of
//! its own (see [`zones`]); everything else under those zones is NXDOMAIN, as for a name
//! that is not registered or was taken off the zone (clientHold).
//!
//! Not losing queries under load: UDP is served by [`UDP_SOCKETS`] sockets bound to the
//! same port with `SO_REUSEPORT`, so the kernel spreads the clients over several receive
//! queues, each drained by its own task (hickory-server then answers every query in a task
//! of its own); each socket asks for a [`UDP_RECV_BUFFER`] receive buffer so a burst
//! waits in the kernel instead of being dropped. TCP is served too (same port).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::proto::rr::rdata::{A, NS, SOA};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use socket2::{Domain, Protocol, Socket, Type};

use crate::world::World;

/// UDP sockets sharing the port.
pub const UDP_SOCKETS: usize = 4;
/// Receive buffer asked for per UDP socket (the kernel caps it at `net.core.rmem_max`).
pub const UDP_RECV_BUFFER: usize = 8 * 1024 * 1024;
/// TTL of the generated records.
const TTL: u32 = 300;
const SERIAL: u32 = 2026112901;

/// The running DNS server.
pub struct DnsServer {
    /// Where it answers (UDP and TCP).
    pub addr: SocketAddr,
    /// The receive buffer the kernel granted each UDP socket.
    pub recv_buffer: usize,
    server: Server<Catalog>,
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("addr", &self.addr)
            .field("recv_buffer", &self.recv_buffer)
            .finish_non_exhaustive()
    }
}

/// The zones and their records: (origin, records).
///
/// Each resolving site is a zone of its own (SOA, NS, and A for the domain and `www`),
/// under a `cn.` and a `com.` zone that hold only their SOA and NS and so answer NXDOMAIN
/// for every other name. One big zone would answer the same, but hickory-server answers a
/// negative query (every AAAA query here, and every unregistered name) by scanning all the
/// records of the zone: with 100,000 sites that scan was most of the sandbox's CPU during a
/// sweep. The catalog finds a name's zone by its labels, so every answer now costs the same
/// however large the world.
pub fn zones(world: &World) -> Result<Vec<(Name, Vec<Record>)>, String> {
    let name = |s: &str| Name::from_ascii(s).map_err(|e| format!("bad name {s}: {e}"));
    let apex = |origin: &Name, tld: &str| -> Result<Vec<Record>, String> {
        let ns = name(&format!("ns1.sandbox.{tld}."))?;
        Ok(vec![
            Record::from_rdata(
                origin.clone(),
                TTL,
                RData::SOA(SOA::new(
                    ns.clone(),
                    name(&format!("hostmaster.sandbox.{tld}."))?,
                    SERIAL,
                    3600,
                    900,
                    604_800,
                    TTL,
                )),
            ),
            Record::from_rdata(origin.clone(), TTL, RData::NS(NS(ns))),
        ])
    };
    let mut zones = Vec::new();
    for tld in ["cn", "com"] {
        let origin = name(&format!("{tld}."))?;
        let mut records = apex(&origin, tld)?;
        records.push(Record::from_rdata(
            name(&format!("ns1.sandbox.{tld}."))?,
            TTL,
            RData::A(A(Ipv4Addr::new(127, 0, 0, 1))),
        ));
        zones.push((origin, records));
    }
    // One zone per domain, even if two generated sites were to share it.
    let mut by_domain: BTreeMap<&str, Vec<Ipv4Addr>> = BTreeMap::new();
    for site in &world.sites {
        let Some(ip) = site.resolves_to else {
            continue;
        };
        if site.domain.ends_with(".cn") || site.domain.ends_with(".com") {
            let ips = by_domain.entry(site.domain.as_str()).or_default();
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
    }
    for (domain, ips) in by_domain {
        let tld = if domain.ends_with(".cn") { "cn" } else { "com" };
        let origin = name(&format!("{domain}."))?;
        let mut records = apex(&origin, tld)?;
        for host in [domain.to_owned(), format!("www.{domain}")] {
            let host = name(&format!("{host}."))?;
            for ip in &ips {
                records.push(Record::from_rdata(host.clone(), TTL, RData::A(A(*ip))));
            }
        }
        zones.push((origin, records));
    }
    Ok(zones)
}

fn udp_socket(addr: SocketAddr) -> std::io::Result<(tokio::net::UdpSocket, usize)> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_port(true)?;
    // Best effort: a smaller buffer still works, it only drops sooner under a burst.
    let _ = socket.set_recv_buffer_size(UDP_RECV_BUFFER);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    let granted = socket.recv_buffer_size().unwrap_or(0);
    let std: std::net::UdpSocket = socket.into();
    Ok((tokio::net::UdpSocket::from_std(std)?, granted))
}

impl DnsServer {
    /// Starts the server for `world` on `127.0.0.1:port` (a free port when 0).
    pub async fn start(world: &World, port: u16) -> Result<DnsServer, String> {
        let mut catalog = Catalog::new();
        for (origin, records) in zones(world)? {
            let mut handler = InMemoryZoneHandler::<
                hickory_server::net::runtime::TokioRuntimeProvider,
            >::empty(
                origin.clone(), ZoneType::Primary, AxfrPolicy::Deny
            );
            for record in records {
                if !handler.upsert_mut(record, SERIAL) {
                    return Err(format!("zone {origin}: a record was refused"));
                }
            }
            let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
            catalog.upsert(LowerName::new(&origin), vec![handler]);
        }
        // Find a port free for UDP and TCP alike.
        let mut attempts = 0;
        let (udp, tcp, addr, granted) = loop {
            attempts += 1;
            let want = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let (first, granted) = udp_socket(want).map_err(|e| format!("DNS UDP {want}: {e}"))?;
            let addr = first.local_addr().map_err(|e| e.to_string())?;
            match tokio::net::TcpListener::bind(addr).await {
                Ok(tcp) => {
                    let mut udp = vec![first];
                    for _ in 1..UDP_SOCKETS {
                        let (socket, _) =
                            udp_socket(addr).map_err(|e| format!("DNS UDP {addr}: {e}"))?;
                        udp.push(socket);
                    }
                    break (udp, tcp, addr, granted);
                }
                Err(e) if port != 0 || attempts > 20 => {
                    return Err(format!("DNS TCP {addr}: {e}"));
                }
                Err(_) => continue,
            }
        };
        let mut server = Server::new(catalog);
        for socket in udp {
            server.register_socket(socket);
        }
        server.register_listener(tcp, Duration::from_secs(5), 64);
        Ok(DnsServer {
            addr,
            recv_buffer: granted,
            server,
        })
    }

    /// Stops answering.
    pub async fn shutdown(mut self) {
        let _ = self.server.shutdown_gracefully().await;
    }
}
