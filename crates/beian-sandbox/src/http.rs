//! 网站服务器 — HTTP/1.1 with virtual hosts by `Host`, on every sandbox address.
//!
//! Pages are kept in memory as the bytes to send (GBK pages already encoded). A site's
//! [`Behavior`] decides the answer: its page, an error status, a page sent a byte a second,
//! a page with megabytes of filler before its footer, a redirect to itself, or (for a
//! broken-TLS site) a redirect from http to an https port that does not speak TLS. The
//! same handler serves plain and TLS connections. Connections are kept alive unless the
//! client asks to close.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::page::huge_filler;
use crate::world::{Behavior, Site, World};

/// Longest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// What a huge page carries before its footer.
pub const HUGE_FILLER_BYTES: usize = 3 * 1024 * 1024;
/// How long a trickling answer goes on at most.
const TRICKLE_FOR: Duration = Duration::from_secs(600);

/// Shared state of the HTTP and HTTPS servers.
#[derive(Debug)]
pub struct HttpState {
    /// The world served.
    pub world: Arc<World>,
    /// Delay before each answer.
    pub latency: Duration,
    /// The HTTPS port, for the broken-TLS redirect.
    pub https_port: u16,
    /// The filler of huge pages.
    pub filler: Vec<u8>,
}

impl HttpState {
    /// State for `world`.
    pub fn new(world: Arc<World>, latency: Duration, https_port: u16) -> Self {
        HttpState {
            world,
            latency,
            https_port,
            filler: huge_filler(),
        }
    }
}

/// A parsed request head.
pub(crate) struct Request {
    pub(crate) path: String,
    pub(crate) host: String,
    pub(crate) keep_alive: bool,
}

/// Reads one request head; `None` when the client closed, timed out or sent garbage.
pub(crate) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Option<Request> {
    let end = loop {
        if let Some(at) = find(buf, b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = match tokio::time::timeout(HEAD_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return None,
        };
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    buf.drain(..end + 4);
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let mut parts = request_line.split_whitespace();
    let _method = parts.next()?;
    let path = parts.next()?.to_owned();
    let version = parts.next().unwrap_or("HTTP/1.0");
    let mut host = String::new();
    let mut keep_alive = version.eq_ignore_ascii_case("HTTP/1.1");
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("host") {
            host = value.to_owned();
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                keep_alive = false;
            } else if value.contains("keep-alive") {
                keep_alive = true;
            }
        }
    }
    Some(Request {
        path,
        host,
        keep_alive,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves one connection until it closes.
pub async fn serve_connection<S>(mut stream: S, state: Arc<HttpState>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::with_capacity(1024);
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        if !state.latency.is_zero() {
            tokio::time::sleep(state.latency).await;
        }
        let keep_alive = request.keep_alive;
        let site = state.world.site_for_host(&request.host);
        let result = match site {
            None => {
                simple(
                    &mut stream,
                    404,
                    "text/plain; charset=utf-8",
                    b"no such site\n",
                    keep_alive,
                )
                .await
            }
            Some(site) => answer(&mut stream, &state, site, &request).await,
        };
        match result {
            Ok(true) if keep_alive => continue,
            _ => break,
        }
    }
    let _ = stream.shutdown().await;
}

/// Answers for one site; `Ok(true)` when the connection may serve another request.
async fn answer<S>(
    stream: &mut S,
    state: &HttpState,
    site: &Site,
    request: &Request,
) -> std::io::Result<bool>
where
    S: AsyncWrite + Unpin,
{
    let keep_alive = request.keep_alive;
    match site.behavior {
        Behavior::Page => simple(stream, 200, site.content_type, &site.page, keep_alive).await,
        Behavior::Status(code) => {
            let body = format!(
                "<!DOCTYPE html><html><head><title>{code}</title></head><body><h1>{code}</h1></body></html>\n"
            );
            simple(
                stream,
                code,
                "text/html; charset=utf-8",
                body.as_bytes(),
                keep_alive,
            )
            .await
        }
        Behavior::RedirectLoop => {
            let n: u64 = request
                .path
                .split_once("?loop=")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or(0);
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: /?loop={}\r\nContent-Length: 0\r\nConnection: {}\r\n\r\n",
                n + 1,
                connection(keep_alive)
            );
            stream.write_all(head.as_bytes()).await?;
            Ok(true)
        }
        Behavior::BrokenTls => {
            // Only reached over http: the https side never completes a handshake.
            let host = request
                .host
                .rsplit_once(':')
                .map_or(request.host.as_str(), |(h, _)| h);
            let location = if state.https_port == 443 {
                format!("https://{host}/")
            } else {
                format!("https://{host}:{}/", state.https_port)
            };
            let head = format!(
                "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: {}\r\n\r\n",
                connection(keep_alive)
            );
            stream.write_all(head.as_bytes()).await?;
            Ok(true)
        }
        Behavior::Trickle => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                site.content_type,
                site.page.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
            let started = tokio::time::Instant::now();
            for byte in site.page.iter() {
                if started.elapsed() > TRICKLE_FOR {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                stream.write_all(&[*byte]).await?;
                stream.flush().await?;
            }
            Ok(false)
        }
        Behavior::HugeBody { footer_at } => {
            let (head_part, footer) = site.page.split_at(footer_at.min(site.page.len()));
            let repeats = HUGE_FILLER_BYTES.div_ceil(state.filler.len().max(1));
            let length = head_part.len() + repeats * state.filler.len() + footer.len();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {length}\r\nConnection: {}\r\n\r\n",
                site.content_type,
                connection(keep_alive)
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(head_part).await?;
            for _ in 0..repeats {
                stream.write_all(&state.filler).await?;
            }
            stream.write_all(footer).await?;
            Ok(true)
        }
    }
}

fn connection(keep_alive: bool) -> &'static str {
    if keep_alive { "keep-alive" } else { "close" }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

async fn simple<S: AsyncWrite + Unpin>(
    stream: &mut S,
    code: u16,
    content_type: &str,
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<bool> {
    let head = format!(
        "HTTP/1.1 {code} {}\r\nServer: beian-sandbox\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        reason(code),
        body.len(),
        connection(keep_alive)
    );
    // One write for small answers keeps the segment count down.
    if body.len() <= 64 * 1024 {
        let mut all = Vec::with_capacity(head.len() + body.len());
        all.extend_from_slice(head.as_bytes());
        all.extend_from_slice(body);
        stream.write_all(&all).await?;
    } else {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
    }
    stream.flush().await?;
    Ok(true)
}
