//! The cost floor of a site's two homepage fetches, against the sandbox's own servers.
//!
//! A sweep fetches every site's homepage over http and https, each on a new connection
//! (it meets each host once). This bench measures what those two fetches cost in CPU at
//! both ends, with the leanest client there is (blocking sockets, one request at a time,
//! rustls verifying against the sandbox CA as the sweep does), beside the plain-HTTP fetch
//! alone, which is what the `wrk` ceiling of `scripts/bench-sweep.sh` measures. CPU is the
//! process's CPU time (the scheduler's count per thread), the sandbox's server thread included, so the
//! figures do not depend on how busy the shared machine is, only on the work.
//!
//! From them: the most sites per second any sweep could reach on this machine if DNS,
//! WHOIS, page analysis, the judges and the scheduling cost nothing, and the largest share
//! of the plain-HTTP ceiling that leaves. Run: `cargo bench -p beian-sandbox --bench
//! fetch_floor` (`FLOOR_CORES=N` for another core count than this machine's).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use beian_sandbox::world::{Behavior, World, WorldConfig};
use beian_sandbox::{Sandbox, ServeConfig};
use rustls::pki_types::ServerName;

/// Sites fetched per round (each once over http, once over https).
const SITES: usize = 400;
/// Rounds, interleaved plain / TLS / in-memory handshakes; medians are reported.
const ROUNDS: usize = 5;

/// CPU time of the whole process so far, in nanoseconds, from the scheduler's own count
/// per thread (`/proc/self/task/*/schedstat`, user and system together): the sandbox's
/// thread and this one live to the end of the bench, so none is lost.
fn cpu_time() -> Duration {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let path = task.expect("task").path().join("schedstat");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        total += text
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_nanos(total)
}

fn request(host: &str) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: beian-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// One plain-HTTP fetch on a new connection; returns the response's length.
fn fetch_plain(addr: SocketAddr, host: &str) -> usize {
    let mut stream = TcpStream::connect(addr).expect("connect (http)");
    stream.set_nodelay(true).ok();
    stream.write_all(&request(host)).expect("write (http)");
    let mut body = Vec::new();
    stream.read_to_end(&mut body).expect("read (http)");
    assert!(
        body.starts_with(b"HTTP/1.1 200"),
        "http fetch of {host} did not give 200"
    );
    body.len()
}

/// One https fetch on a new connection, with a full handshake and verification.
fn fetch_tls(addr: SocketAddr, host: &str, config: &Arc<rustls::ClientConfig>) -> usize {
    let name = ServerName::try_from(host.to_string()).expect("server name");
    let conn = rustls::ClientConnection::new(Arc::clone(config), name).expect("client");
    let tcp = TcpStream::connect(addr).expect("connect (https)");
    tcp.set_nodelay(true).ok();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(&request(host)).expect("write (https)");
    let mut body = Vec::new();
    match tls.read_to_end(&mut body) {
        Ok(_) => {}
        // A server that closes without close_notify after a complete response.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("read (https) {host}: {e}"),
    }
    assert!(
        body.starts_with(b"HTTP/1.1 200"),
        "https fetch of {host} did not give 200"
    );
    body.len()
}

/// One TLS handshake between a client and a server in memory: the crypto and the TLS state
/// machines, no sockets and no kernel. Returns the time spent in the client's calls and in
/// the server's.
fn handshake_in_memory(
    client_config: &Arc<rustls::ClientConfig>,
    server_config: &Arc<rustls::ServerConfig>,
    host: &str,
) -> (Duration, Duration) {
    let started = Instant::now();
    let name = ServerName::try_from(host.to_string()).expect("server name");
    let mut client = rustls::ClientConnection::new(Arc::clone(client_config), name).expect("c");
    let mut client_time = started.elapsed();
    let started = Instant::now();
    let mut server = rustls::ServerConnection::new(Arc::clone(server_config)).expect("s");
    let mut server_time = started.elapsed();
    let mut buf = Vec::with_capacity(8192);
    for _ in 0..16 {
        if !client.is_handshaking() && !server.is_handshaking() {
            return (client_time, server_time);
        }
        let (sent, taken) = flight(&mut client, &mut server, &mut buf);
        client_time += sent;
        server_time += taken;
        let (sent, taken) = flight(&mut server, &mut client, &mut buf);
        server_time += sent;
        client_time += taken;
    }
    panic!("handshake did not finish");
}

/// Carries what `from` has to send to `to`, which processes it: the time each side spent.
fn flight<A: rustls::SideData, B: rustls::SideData>(
    from: &mut rustls::ConnectionCommon<A>,
    to: &mut rustls::ConnectionCommon<B>,
    buf: &mut Vec<u8>,
) -> (Duration, Duration) {
    let started = Instant::now();
    buf.clear();
    while from.wants_write() {
        from.write_tls(buf).expect("write");
    }
    let sent = started.elapsed();
    let started = Instant::now();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).expect("read");
    }
    to.process_new_packets().expect("process");
    (sent, started.elapsed())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let world = World::generate(&WorldConfig {
        sites: SITES * 2,
        seed: 7,
        ..WorldConfig::default()
    });
    let targets: Vec<(String, Ipv4Addr)> = world
        .sites
        .iter()
        .filter(|s| s.behavior == Behavior::Page && s.fault.is_none())
        .filter_map(|s| Some((s.domain.clone(), s.resolves_to?)))
        .take(SITES)
        .collect();
    assert!(
        targets.len() >= SITES / 2,
        "too few plain sites in the world"
    );
    let page_bytes: usize = targets
        .iter()
        .filter_map(|(d, _)| world.site_for_host(d))
        .map(|s| s.page.len())
        .sum::<usize>()
        / targets.len();

    // The sandbox on a thread of its own (a one-thread runtime, as one core's worth).
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let sandbox = Sandbox::start(world, &ServeConfig::default())
                .await
                .expect("sandbox");
            let ca = sandbox.ca_pem().to_string();
            let own_ca = Arc::new(
                beian_sandbox::tls::SandboxCa::new(Arc::clone(sandbox.world())).expect("CA"),
            );
            let own_config =
                beian_sandbox::tls::server_config(Arc::clone(&own_ca)).expect("server config");
            let tls_server = (own_ca, own_config);
            ready_tx
                .send((sandbox.http_port(), sandbox.https_port(), ca, tls_server))
                .expect("ready");
            let _ = stop_rx.await;
            sandbox.shutdown().await;
        });
    });
    let (http_port, https_port, ca_pem, memory_server) = ready_rx.recv().expect("sandbox up");

    // The sweep's own client (`beian_probe::http::tls_config`), trusting the sandbox CA; the
    // in-memory pair's client trusts that pair's own CA.
    let client_trusting = |pem: &str| {
        let config = beian_probe::http::tls_config(&[pem.as_bytes().to_vec()]).expect("client");
        Arc::new(config)
    };
    let client = client_trusting(&ca_pem);
    let memory_client = client_trusting(&memory_server.0.ca_pem);

    // Warm-up: every site's certificate is signed on its first handshake, then cached.
    for (domain, ip) in &targets {
        fetch_tls(SocketAddr::from((*ip, https_port)), domain, &client);
        fetch_plain(SocketAddr::from((*ip, http_port)), domain);
        handshake_in_memory(&memory_client, &memory_server.1, domain);
    }

    let n = targets.len() as f64;
    let (mut plain, mut tls, mut memory) = (Vec::new(), Vec::new(), Vec::new());
    let (mut memory_client_side, mut memory_server_side) = (Vec::new(), Vec::new());
    let (mut plain_wall, mut tls_wall) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (c, w) = (cpu_time(), Instant::now());
        for (domain, ip) in &targets {
            fetch_plain(SocketAddr::from((*ip, http_port)), domain);
        }
        plain.push((cpu_time() - c).as_secs_f64() * 1e6 / n);
        plain_wall.push(w.elapsed().as_secs_f64() * 1e6 / n);
        let (c, w) = (cpu_time(), Instant::now());
        for (domain, ip) in &targets {
            fetch_tls(SocketAddr::from((*ip, https_port)), domain, &client);
        }
        tls.push((cpu_time() - c).as_secs_f64() * 1e6 / n);
        tls_wall.push(w.elapsed().as_secs_f64() * 1e6 / n);
        let c = cpu_time();
        let (mut client_side, mut server_side) = (Duration::ZERO, Duration::ZERO);
        for (domain, _) in &targets {
            let (a, b) = handshake_in_memory(&memory_client, &memory_server.1, domain);
            client_side += a;
            server_side += b;
        }
        memory.push((cpu_time() - c).as_secs_f64() * 1e6 / n);
        memory_client_side.push(client_side.as_secs_f64() * 1e6 / n);
        memory_server_side.push(server_side.as_secs_f64() * 1e6 / n);
    }
    let _ = stop_tx.send(());
    let _ = server.join();

    let (p, t, h) = (median(&mut plain), median(&mut tls), median(&mut memory));
    let (hc, hs) = (
        median(&mut memory_client_side),
        median(&mut memory_server_side),
    );
    let (pw, tw) = (median(&mut plain_wall), median(&mut tls_wall));
    let cores: f64 = std::env::var("FLOOR_CORES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64));
    println!(
        "{} sites, pages of {page_bytes} bytes on average, {ROUNDS} rounds; CPU of both ends (client and sandbox), median µs per fetch",
        targets.len()
    );
    println!(
        "(a) plain http, new connection (what wrk's ceiling measures)   {p:8.1} µs CPU  ({pw:.1} µs wall)"
    );
    println!(
        "(b) https, new connection, full handshake, verified             {t:8.1} µs CPU  ({tw:.1} µs wall)"
    );
    println!(
        "    of which the handshake alone, in memory (no sockets)        {h:8.1} µs CPU  (client {hc:.1}, server {hs:.1} µs wall)"
    );
    println!(
        "the handshake alone: at most {:.0} per second on {cores} cores, with nothing else done",
        cores * 1e6 / h
    );
    println!("ratio (b)/(a): {:.2}×", t / p);
    let both = p + t;
    println!(
        "a site's two fetches: {both:.1} µs of CPU; on {cores} cores, with DNS, WHOIS, page analysis and the judges free: at most {:.0} sites/s (target 8,000: needs ≤ {:.0} µs per site)",
        cores * 1e6 / both,
        cores * 1e6 / 8000.0
    );
    println!(
        "the plain ceiling on the same cores is {:.0} fetches/s; the two fetches alone reach at most {:.1}% of it (target: 25%, needs ≤ {:.1} µs per site, 4 × (a))",
        cores * 1e6 / p,
        100.0 * p / both,
        4.0 * p
    );
}
