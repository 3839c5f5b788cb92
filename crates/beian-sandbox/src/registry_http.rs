//! 外部核验接口 — the four registries as HTTP JSON servers on loopback, speaking the
//! contract of `docs/registries.md` (`POST /v1/…` with a JSON body, the API key in
//! `X-Api-Key`).
//!
//! They are unreliable on purpose, the way real registries are: for some questions (picked
//! by a hash of the question, so the same ones every run) the first attempt gets a 503, a
//! 429 with `Retry-After: 1`, a 200 whose body is an HTML error page, or an answer slower
//! than the client's timeout; the retry then gets the answer. Others are merely slow. A
//! client that retries as agreed sees the truth; one that does not sees outages. Tests can
//! also put a whole registry into an [`Outage`] and take it out again.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use beian_checks::registry_evidence::RegistryKind;
use beian_domain::filing::ValidUntil;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::registry::LineState;
use crate::world::World;

/// How long the slow first attempts take: longer than the timeout the sandbox's
/// `beian.toml` gives the clients.
pub const SLOW_FIRST_ATTEMPT: Duration = Duration::from_millis(3000);
/// Requests at once the sandbox's `beian.toml` allows per registry: more than the default
/// of 64, because a sweep against the sandbox asks far faster than a real registry would
/// be asked, and the sandbox holds some answers back on purpose.
pub const SANDBOX_IN_FLIGHT: usize = 256;
/// How long the merely slow answers take.
pub const SLOW_ANSWER: Duration = Duration::from_millis(150);
/// The per-attempt timeout written into the sandbox's `beian.toml`.
pub const CLIENT_TIMEOUT_MS: u64 = 2000;

/// The API key each registry expects.
pub fn api_key(kind: RegistryKind) -> String {
    format!("sandbox-{}-key", kind.name())
}

/// A whole registry misbehaving, for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outage {
    /// Every request gets 500.
    ServerError = 1,
    /// Every request gets 429 with `Retry-After: 1`.
    RateLimited = 2,
    /// Every request gets 200 with an HTML body.
    Garbage = 3,
    /// Every request waits [`SLOW_FIRST_ATTEMPT`] before its answer.
    Slow = 4,
}

impl Outage {
    fn from_u8(value: u8) -> Option<Outage> {
        match value {
            1 => Some(Outage::ServerError),
            2 => Some(Outage::RateLimited),
            3 => Some(Outage::Garbage),
            4 => Some(Outage::Slow),
            _ => None,
        }
    }
}

/// What one attempt meets, apart from an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The answer.
    None,
    /// 503 on the first attempt.
    Unavailable,
    /// 429 with `Retry-After: 1` on the first attempt.
    RateLimited,
    /// An HTML body with 200 on the first attempt.
    Garbage,
    /// The first attempt waits [`SLOW_FIRST_ATTEMPT`].
    SlowFirst,
    /// Every attempt waits [`SLOW_ANSWER`].
    Slow,
}

/// The trouble a question meets, from a hash of it (FNV-1a): the same every run.
pub fn trouble_for(key: &str) -> Trouble {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    match hash % 100 {
        0..5 => Trouble::Unavailable,
        5..8 => Trouble::RateLimited,
        8..11 => Trouble::Garbage,
        11..13 => Trouble::SlowFirst,
        13..20 => Trouble::Slow,
        _ => Trouble::None,
    }
}

struct State {
    world: Arc<World>,
    kind: RegistryKind,
    outage: AtomicU8,
    attempts: Mutex<HashMap<String, u32>>,
    /// Requests being answered now, and the most there ever were at once.
    busy: AtomicUsize,
    peak: AtomicUsize,
}

/// The four running registry servers.
#[derive(Debug)]
pub struct RegistryServers {
    addrs: Vec<(RegistryKind, SocketAddr)>,
    states: Vec<(RegistryKind, Arc<StateHandle>)>,
}

/// A handle on one server's outage switch.
pub struct StateHandle(Arc<State>);

impl std::fmt::Debug for StateHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateHandle")
            .field("kind", &self.0.kind)
            .finish_non_exhaustive()
    }
}

impl RegistryServers {
    /// Binds the four servers on 127.0.0.1 (free ports) and spawns their accept loops
    /// into `tasks`.
    pub async fn start(
        world: Arc<World>,
        tasks: &mut tokio::task::JoinSet<()>,
    ) -> Result<RegistryServers, String> {
        let mut addrs = Vec::new();
        let mut states = Vec::new();
        for kind in RegistryKind::ALL {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .await
                .map_err(|e| format!("{} 127.0.0.1:0: {e}", kind.name()))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let state = Arc::new(State {
                world: Arc::clone(&world),
                kind,
                outage: AtomicU8::new(0),
                attempts: Mutex::new(HashMap::new()),
                busy: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
            });
            let serving = Arc::clone(&state);
            tasks.spawn(async move {
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream, Arc::clone(&serving)));
                    while connections.try_join_next().is_some() {}
                }
            });
            addrs.push((kind, addr));
            states.push((kind, Arc::new(StateHandle(state))));
        }
        Ok(RegistryServers { addrs, states })
    }

    /// The address of `kind`'s server.
    pub fn addr(&self, kind: RegistryKind) -> SocketAddr {
        self.addrs
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), |(_, a)| *a)
    }

    /// The base URL of `kind`'s server.
    pub fn url(&self, kind: RegistryKind) -> String {
        format!("http://{}/", self.addr(kind))
    }

    /// Puts `kind`'s server into an outage, or (`None`) takes it out.
    pub fn set_outage(&self, kind: RegistryKind, outage: Option<Outage>) {
        if let Some((_, handle)) = self.states.iter().find(|(k, _)| *k == kind) {
            handle
                .0
                .outage
                .store(outage.map_or(0, |o| o as u8), Ordering::SeqCst);
        }
    }

    /// The most requests `kind`'s server has answered at once so far: what a client's
    /// cap on requests at once must keep down.
    pub fn peak_in_flight(&self, kind: RegistryKind) -> usize {
        self.states
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, handle)| handle.0.peak.load(Ordering::SeqCst))
    }

    /// A ready `beian.toml` for these servers.
    pub fn config_toml(&self) -> String {
        let mut text = String::from(
            "# 沙箱的外部核验接口（beian sandbox 生成）：beian check / beian sweep --config 本文件\n\
             # 超时比沙箱故意放慢的首次应答短，重试后可以拿到结果。\n",
        );
        for kind in RegistryKind::ALL {
            text.push_str(&format!(
                "\n[{}]\nendpoint = \"{}\"\napi_key = \"{}\"\ntimeout_ms = {CLIENT_TIMEOUT_MS}\nretries = 3\nbackoff_ms = 50\nbackoff_max_ms = 500\nbreaker_failures = 50\nbreaker_cooldown_s = 2\nrate_per_second = 0\nmax_in_flight = {SANDBOX_IN_FLIGHT}\n",
                kind.name(),
                self.url(kind),
                api_key(kind),
            ));
        }
        text
    }
}

/// A request: method, path, API key and body.
struct Request {
    method: String,
    path: String,
    api_key: Option<String>,
    body: Vec<u8>,
    keep_alive: bool,
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return None,
        };
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let mut length = 0usize;
    let mut api_key = None;
    let mut keep_alive = true;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok()?,
            "x-api-key" => api_key = Some(value.to_owned()),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    if length > 64 * 1024 {
        return None;
    }
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return None,
        };
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    Some(Request {
        method,
        path,
        api_key,
        body,
        keep_alive,
    })
}

/// An answer: status, extra headers, body.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    content_type: &'static str,
}

fn json_reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
        content_type: "application/json",
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    json_reply(status, json!({"error": {"code": code, "message": message}}))
}

fn garbage() -> Reply {
    Reply {
        status: 200,
        headers: Vec::new(),
        body: "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>".to_owned(),
        content_type: "text/html",
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::with_capacity(1024);
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        let now = state.busy.fetch_add(1, Ordering::SeqCst) + 1;
        state.peak.fetch_max(now, Ordering::SeqCst);
        let reply = answer(&state, &request).await;
        state.busy.fetch_sub(1, Ordering::SeqCst);
        let reason = match reply.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            405 => "Method Not Allowed",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            _ => "Service Unavailable",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nServer: beian-sandbox\r\nContent-Type: {}; charset=utf-8\r\nContent-Length: {}\r\n",
            reply.status,
            reply.content_type,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(if request.keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        let written = async {
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(reply.body.as_bytes()).await?;
            stream.flush().await
        };
        if written.await.is_err() || !request.keep_alive {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

fn path_of(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::BusinessRegistry => "/v1/business/lookup",
        RegistryKind::Identity => "/v1/identity/verify",
        RegistryKind::Phone => "/v1/phone/verify",
        RegistryKind::DomainRealName => "/v1/domain/real-name",
    }
}

async fn answer(state: &State, request: &Request) -> Reply {
    if request.path.split('?').next() != Some(path_of(state.kind)) {
        return error(404, "no_such_path", "没有这个接口");
    }
    if request.method != "POST" {
        return error(405, "method_not_allowed", "只接受 POST");
    }
    if request.api_key.as_deref() != Some(api_key(state.kind).as_str()) {
        return error(401, "unauthorized", "API 密钥无效");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return error(400, "bad_request", "请求体不是 JSON");
    };
    match Outage::from_u8(state.outage.load(Ordering::SeqCst)) {
        Some(Outage::ServerError) => return error(500, "internal", "内部错误"),
        Some(Outage::RateLimited) => {
            let mut reply = error(429, "rate_limited", "请求过于频繁");
            reply.headers.push(("Retry-After", "1".to_owned()));
            return reply;
        }
        Some(Outage::Garbage) => return garbage(),
        Some(Outage::Slow) => tokio::time::sleep(SLOW_FIRST_ATTEMPT).await,
        None => {}
    }
    let key = format!("{}:{body}", state.kind.name());
    let attempt = {
        let mut attempts = state
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = attempts.entry(key.clone()).or_insert(0);
        *n += 1;
        *n
    };
    match (trouble_for(&key), attempt) {
        (Trouble::Unavailable, 1) => return error(503, "unavailable", "服务暂时不可用"),
        (Trouble::RateLimited, 1) => {
            let mut reply = error(429, "rate_limited", "请求过于频繁");
            reply.headers.push(("Retry-After", "1".to_owned()));
            return reply;
        }
        (Trouble::Garbage, 1) => return garbage(),
        (Trouble::SlowFirst, 1) => tokio::time::sleep(SLOW_FIRST_ATTEMPT).await,
        (Trouble::Slow, _) => tokio::time::sleep(SLOW_ANSWER).await,
        _ => {}
    }
    let text = |field: &str| {
        body[field]
            .as_str()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let registry = &state.world.registry;
    match state.kind {
        RegistryKind::BusinessRegistry => {
            let code = text("credit_code");
            let name = text("name");
            let entry = if !code.is_empty() {
                registry.business_by_code(&code)
            } else if !name.is_empty() {
                registry.business_by_name(&name)
            } else {
                return error(400, "bad_request", "需要 credit_code 或 name");
            };
            match entry {
                Some(e) => json_reply(
                    200,
                    json!({
                        "name": e.name,
                        "credit_code": e.credit_code,
                        "status": e.status,
                        "legal_representative": e.legal_representative,
                        "address": e.address,
                        "valid_from": e.valid_from.format("%Y-%m-%d").to_string(),
                        "valid_until": match e.valid_until {
                            ValidUntil::Indefinite => "长期".to_owned(),
                            ValidUntil::Date(d) => d.format("%Y-%m-%d").to_string(),
                        },
                        "former_names": e.former_names,
                        "former_numbers": e.former_numbers,
                    }),
                ),
                None => error(404, "not_found", "查无此企业"),
            }
        }
        RegistryKind::Identity => {
            let (name, id) = (text("name"), text("id_number"));
            if name.is_empty() || id.is_empty() {
                return error(400, "bad_request", "需要 name 和 id_number");
            }
            let result = match registry.identities.get(&id.to_ascii_uppercase()) {
                None => "not_found",
                Some(registered) if *registered == name => "match",
                Some(_) => "mismatch",
            };
            json_reply(200, json!({ "result": result }))
        }
        RegistryKind::Phone => {
            let number = text("number");
            if number.is_empty() {
                return error(400, "bad_request", "需要 number");
            }
            let (name, id) = (text("name"), text("id_number"));
            let result = match registry.phones.get(&number) {
                None => "vacant",
                Some(entry) => match entry.state {
                    LineState::Vacant => "vacant",
                    LineState::Suspended => "suspended",
                    LineState::Normal
                        if !name.is_empty()
                            && (entry.holder_name != name
                                || !entry.holder_id.eq_ignore_ascii_case(&id)) =>
                    {
                        "not_holder"
                    }
                    LineState::Normal => "normal",
                },
            };
            json_reply(200, json!({ "result": result }))
        }
        RegistryKind::DomainRealName => {
            let domain = text("domain").to_ascii_lowercase();
            if domain.is_empty() {
                return error(400, "bad_request", "需要 domain");
            }
            match registry.holders.get(&domain) {
                Some(holder) => json_reply(
                    200,
                    json!({
                        "domain": domain,
                        "holder_name": holder.name,
                        "holder_id_type": holder.id_type,
                        "holder_id_number": holder.id_number,
                        "verified": holder.verified,
                    }),
                ),
                None => error(404, "not_found", "该域名不在本注册商"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_is_spread_and_stable() {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for i in 0..10_000 {
            *counts
                .entry(format!(
                    "{:?}",
                    trouble_for(&format!("phone:{{\"number\":\"139{i:08}\"}}"))
                ))
                .or_default() += 1;
        }
        assert!(counts["None"] > 7000, "{counts:?}");
        for kind in ["Unavailable", "RateLimited", "Garbage", "SlowFirst", "Slow"] {
            assert!(
                counts.get(kind).copied().unwrap_or(0) > 100,
                "{kind}: {counts:?}"
            );
        }
        assert_eq!(trouble_for("x"), trouble_for("x"));
    }
}
