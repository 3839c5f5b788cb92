//! The DNS server under load: 20,000 UDP queries from four concurrent clients, each
//! keeping up to 500 queries in flight (2,000 in all, four times the 512 one engine keeps
//! with its default 256 lookups of two queries each) and never retrying; every query
//! must be answered, correctly. Where the kernel grants a smaller receive buffer than
//! asked for, the window shrinks with it (the server can only queue what fits).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use beian_sandbox::dns::DnsServer;
use beian_sandbox::{World, WorldConfig};
use hickory_server::proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_server::proto::rr::{Name, RData, RecordType};
use tokio::net::UdpSocket;

const CLIENTS: usize = 4;
const PER_CLIENT: usize = 5_000;
const MAX_WINDOW: usize = 500;

/// What a host should resolve to: an address, or NXDOMAIN (`None`).
type Answers = Vec<(String, Option<Ipv4Addr>)>;

async fn client(
    window: usize,
    server: std::net::SocketAddr,
    hosts: Arc<Answers>,
    offset: usize,
) -> (usize, usize, usize) {
    // A client buffer as large as the server's, so that what is measured is the server.
    let raw =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
    let _ = raw.set_recv_buffer_size(beian_sandbox::dns::UDP_RECV_BUFFER);
    raw.set_nonblocking(true).expect("nonblocking");
    raw.bind(&std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind");
    let socket = UdpSocket::from_std(raw.into()).expect("tokio socket");
    socket.connect(server).await.expect("connect");
    let mut pending: HashMap<u16, usize> = HashMap::new();
    let (mut sent, mut answered, mut wrong) = (0usize, 0usize, 0usize);
    let mut buf = vec![0u8; 4096];
    loop {
        while sent < PER_CLIENT && pending.len() < window {
            let host_index = (offset + sent * 7) % hosts.len();
            let id = sent as u16;
            let mut message = Message::new(id, MessageType::Query, OpCode::Query);
            message.metadata.recursion_desired = true;
            let name = Name::from_ascii(format!("{}.", hosts[host_index].0)).expect("name");
            message.add_query(Query::query(name, RecordType::A));
            socket
                .send(&message.to_vec().expect("encode"))
                .await
                .expect("send");
            pending.insert(id, host_index);
            sent += 1;
        }
        if pending.is_empty() {
            break;
        }
        // No retries: a query whose answer does not come within 2 s is lost.
        let n = match tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf)).await {
            Ok(Ok(n)) => n,
            _ => break,
        };
        let Ok(response) = Message::from_vec(&buf[..n]) else {
            wrong += 1;
            continue;
        };
        let Some(host_index) = pending.remove(&response.metadata.id) else {
            continue;
        };
        answered += 1;
        let expected = hosts[host_index].1;
        let got: Vec<IpAddr> = response
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                _ => None,
            })
            .collect();
        let ok = match expected {
            Some(ip) => {
                response.metadata.response_code == ResponseCode::NoError
                    && got == vec![IpAddr::V4(ip)]
            }
            None => response.metadata.response_code == ResponseCode::NXDomain && got.is_empty(),
        };
        if !ok {
            wrong += 1;
        }
    }
    (sent, answered, wrong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_queries_none_lost() {
    let world = World::generate(&WorldConfig {
        sites: 2_000,
        seed: 4,
        ..WorldConfig::default()
    });
    let server = DnsServer::start(&world, 0).await.expect("dns starts");
    let mut hosts: Answers = Vec::new();
    for site in &world.sites {
        hosts.push((site.domain.clone(), site.resolves_to));
        hosts.push((format!("www.{}", site.domain), site.resolves_to));
    }
    assert!(
        hosts.iter().any(|(_, ip)| ip.is_none()),
        "some names are NXDOMAIN"
    );
    let hosts = Arc::new(hosts);
    // About 4 KiB of buffer per queued datagram, with room to spare.
    let window = (server.recv_buffer / 4096).clamp(32, MAX_WINDOW);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        tasks.spawn(client(window, server.addr, Arc::clone(&hosts), c * 1_000));
    }
    let (mut sent, mut answered, mut wrong) = (0, 0, 0);
    while let Some(result) = tasks.join_next().await {
        let (s, a, w) = result.expect("client");
        sent += s;
        answered += a;
        wrong += w;
    }
    let elapsed = started.elapsed();
    let rate = answered as f64 / elapsed.as_secs_f64();
    eprintln!(
        "DNS load: {answered}/{sent} answered, {wrong} wrong, {} lost, {:.0} queries/s ({:?}), {CLIENTS} clients x {window} in flight, UDP receive buffer {} bytes x {} sockets",
        sent - answered,
        rate,
        elapsed,
        server.recv_buffer,
        beian_sandbox::dns::UDP_SOCKETS
    );
    server.shutdown().await;
    assert_eq!(sent, CLIENTS * PER_CLIENT);
    assert_eq!(answered, sent, "queries lost");
    assert_eq!(wrong, 0);
}
