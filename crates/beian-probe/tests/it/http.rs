//! The homepage fetch against a real HTTP/1.1 server on loopback, normal and hostile:
//! every fetch ends within its deadline with at most `max_body` bytes kept.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use beian_probe::http::DEFAULT_MAX_BODY;
use beian_probe::{AddressPolicy, FailureStage, FetchFailure, FetchOutcome, Fetched};
use flate2::{Compress, Compression, Crc, FlushCompress};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::{LOCALHOST, TestServer, fetcher, respond, unused_resolver};

const DEADLINE: Duration = Duration::from_secs(3);
/// How late past the deadline a fetch may end (scheduling on a busy 2-core machine).
const SLACK: Duration = Duration::from_secs(1);

fn gbk_page() -> Vec<u8> {
    let html = "<html><head><title>示例科技有限公司</title></head><body>\
                <a href=\"https://beian.miit.gov.cn/\">京ICP备2024012345号-1</a></body></html>";
    let (bytes, _, _) = encoding_rs::GBK.encode(html);
    bytes.into_owned()
}

/// A gzip member of `mib` MiB of zeros, about 1 KiB per MiB. Built from one compressed
/// MiB repeated: a full flush resets the compressor, so each MiB compresses to the same
/// byte-aligned blocks. The trailer's CRC is computed by combining, so the file is valid.
fn gzip_bomb(mib: u32) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut compressor = Compress::new(Compression::best(), false);
    let mut first = Vec::with_capacity(1 << 16);
    let mut second = Vec::with_capacity(1 << 16);
    compressor
        .compress_vec(&zeros, &mut first, FlushCompress::Full)
        .expect("compress");
    compressor
        .compress_vec(&zeros, &mut second, FlushCompress::Full)
        .expect("compress");
    assert_eq!(first, second, "a full flush makes every MiB compress alike");
    let mut finish = Vec::with_capacity(64);
    compressor
        .compress_vec(&[], &mut finish, FlushCompress::Finish)
        .expect("finish");

    let mut crc_mib = Crc::new();
    crc_mib.update(&zeros);
    let mut crc = Crc::new();
    for _ in 0..mib {
        crc.combine(&crc_mib);
    }

    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..mib {
        out.extend_from_slice(&first);
    }
    out.extend_from_slice(&finish);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| gzip_bomb(1024))
}

async fn write_forever(stream: &mut TcpStream, chunk: &[u8], pause: Duration) {
    loop {
        if stream.write_all(chunk).await.is_err() {
            return;
        }
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
}

async fn hostile_server() -> TestServer {
    TestServer::start(
        LOCALHOST,
        Arc::new(|path: String, mut stream| {
            Box::pin(async move {
                let s = &mut stream;
                match path.as_str() {
                    "/ok" => {
                        let _ = respond(s, "200 OK", &[("Content-Type", "text/html; charset=gbk")], &gbk_page()).await;
                    }
                    "/gone" => {
                        let _ = respond(s, "404 Not Found", &[("Content-Type", "text/html")], b"nope").await;
                    }
                    p if p.starts_with("/chain/") => {
                        let n: u32 = p.trim_start_matches("/chain/").parse().unwrap_or(0);
                        let next = if n == 0 { "/ok".to_owned() } else { format!("/chain/{}", n - 1) };
                        let _ = respond(s, "302 Found", &[("Location", &next)], b"").await;
                    }
                    "/loop" => {
                        let _ = respond(s, "301 Moved Permanently", &[("Location", "/loop")], b"").await;
                    }
                    "/bad-location" => {
                        let _ = respond(s, "302 Found", &[("Location", "http://[oops/")], b"").await;
                    }
                    "/slow" => {
                        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n";
                        if s.write_all(head.as_bytes()).await.is_ok() {
                            write_forever(s, b"x", Duration::from_secs(1)).await;
                        }
                    }
                    "/huge" => {
                        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
                        if s.write_all(head.as_bytes()).await.is_ok() {
                            write_forever(s, &[b'a'; 64 * 1024], Duration::ZERO).await;
                        }
                    }
                    "/bomb" => {
                        let body = bomb();
                        let _ = respond(
                            s,
                            "200 OK",
                            &[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                            body,
                        )
                        .await;
                    }
                    _ => {
                        let _ = respond(s, "404 Not Found", &[], b"").await;
                    }
                }
            })
        }),
    )
    .await
}

/// A server that answers anything with bytes that are neither TLS nor HTTP.
async fn garbage_server() -> TestServer {
    let server = tokio::net::TcpListener::bind((LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = server.local_addr().expect("addr");
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = server.accept().await {
            tokio::spawn(async move {
                let _ = stream
                    .write_all(b"\x15\x03\x03\x00\x02garbage\x00\xff not tls\r\n\r\n")
                    .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            });
        }
    });
    TestServer::from_parts(addr, accepted, task)
}

fn open_fetcher() -> beian_probe::Fetcher {
    fetcher(AddressPolicy::allow_private(), unused_resolver(), DEADLINE)
}

async fn fetched(url: &str) -> Fetched {
    match open_fetcher().fetch(url).await {
        FetchOutcome::Fetched(page) => page,
        FetchOutcome::Failed(f) => panic!("{url}: {:?} {}", f.stage, f.message),
    }
}

async fn failed(url: &str) -> FetchFailure {
    match open_fetcher().fetch(url).await {
        FetchOutcome::Failed(f) => {
            eprintln!("{url}: {:?} {}", f.stage, f.message);
            f
        }
        FetchOutcome::Fetched(page) => panic!("{url}: fetched {}", page.status),
    }
}

#[tokio::test]
async fn fetches_a_gbk_page_with_its_content_type() {
    let server = hostile_server().await;
    let page = fetched(&server.url("/ok")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, gbk_page());
    assert!(!page.truncated);
    assert_eq!(page.content_type.as_deref(), Some("text/html; charset=gbk"));
    assert_eq!(page.remote_addr, Some(server.addr));
    assert!(page.redirects.is_empty());
}

#[tokio::test]
async fn an_error_status_is_a_fetched_page() {
    let server = hostile_server().await;
    let page = fetched(&server.url("/gone")).await;
    assert_eq!(page.status, 404);
    assert_eq!(page.body, b"nope");
}

#[tokio::test]
async fn follows_and_records_a_redirect_chain() {
    let server = hostile_server().await;
    let page = fetched(&server.url("/chain/3")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.final_url.path(), "/ok");
    let hops: Vec<(&str, u16)> = page
        .redirects
        .iter()
        .map(|r| (r.url.path(), r.status))
        .collect();
    assert_eq!(
        hops,
        [
            ("/chain/3", 302),
            ("/chain/2", 302),
            ("/chain/1", 302),
            ("/chain/0", 302)
        ]
    );
}

#[tokio::test]
async fn a_long_chain_and_a_loop_stop_after_five_redirects() {
    let server = hostile_server().await;
    for path in ["/chain/20", "/loop"] {
        let f = failed(&server.url(path)).await;
        assert_eq!(f.stage, FailureStage::TooManyRedirects, "{path}");
        assert_eq!(
            f.redirects.len(),
            6,
            "{path}: five followed, the sixth refused"
        );
    }
    assert_eq!(server.accepted(), 12);
}

#[tokio::test]
async fn a_bad_location_is_an_invalid_url() {
    let server = hostile_server().await;
    let f = failed(&server.url("/bad-location")).await;
    assert_eq!(f.stage, FailureStage::InvalidUrl);
    assert_eq!(f.redirects.len(), 1);
}

#[tokio::test]
async fn slowloris_ends_at_the_deadline() {
    let server = hostile_server().await;
    let started = Instant::now();
    let f = failed(&server.url("/slow")).await;
    let took = started.elapsed();
    assert_eq!(f.stage, FailureStage::Timeout, "{}", f.message);
    assert!(took >= DEADLINE && took < DEADLINE + SLACK, "took {took:?}");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let server = hostile_server().await;
    let started = Instant::now();
    let page = fetched(&server.url("/huge")).await;
    assert!(page.truncated);
    assert_eq!(page.body.len(), DEFAULT_MAX_BODY);
    assert!(page.body.iter().all(|&b| b == b'a'));
    assert!(started.elapsed() < DEADLINE);
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_at_the_decoded_cap() {
    let body = bomb();
    assert!(
        body.len() < 2 << 20,
        "the bomb is small: {} bytes",
        body.len()
    );
    let server = hostile_server().await;
    let started = Instant::now();
    let page = fetched(&server.url("/bomb")).await;
    assert!(page.truncated);
    assert_eq!(page.body.len(), DEFAULT_MAX_BODY);
    assert!(page.body.iter().all(|&b| b == 0), "decoded, not raw gzip");
    assert!(started.elapsed() < DEADLINE + SLACK);
    // 1 GiB was on offer; the whole test process must have stayed far below it.
    eprintln!("gzip bomb: {} bytes for 1 GiB", body.len());
    if let Some(peak) = peak_rss_kib() {
        eprintln!("peak RSS {peak} KiB");
        assert!(peak < 256 * 1024, "peak RSS {peak} KiB");
    }
}

#[tokio::test]
async fn tls_garbage_is_a_tls_failure() {
    let server = garbage_server().await;
    let url = format!("https://127.0.0.1:{}/", server.addr.port());
    let started = Instant::now();
    let f = failed(&url).await;
    assert_eq!(f.stage, FailureStage::Tls, "{}", f.message);
    assert!(f.message.starts_with("TLS 握手失败"), "{}", f.message);
    assert!(started.elapsed() < DEADLINE);
}

#[tokio::test]
async fn http_garbage_is_an_http_failure() {
    let server = garbage_server().await;
    let f = failed(&format!("http://127.0.0.1:{}/", server.addr.port())).await;
    assert_eq!(f.stage, FailureStage::Http, "{}", f.message);
}

#[tokio::test]
async fn a_closed_port_is_a_connect_failure() {
    let port = {
        let l = std::net::TcpListener::bind((LOCALHOST, 0)).expect("bind");
        l.local_addr().expect("addr").port()
    };
    let f = failed(&format!("http://127.0.0.1:{port}/")).await;
    assert_eq!(f.stage, FailureStage::Connect, "{}", f.message);
    assert!(f.message.starts_with("无法连接"), "{}", f.message);
}

#[tokio::test]
async fn bad_input_is_an_invalid_url_not_a_panic() {
    for input in [
        "",
        "not a url",
        "ftp://example.com/",
        "http://",
        "file:///etc/passwd",
    ] {
        let f = failed(input).await;
        assert_eq!(
            f.stage,
            FailureStage::InvalidUrl,
            "{input:?}: {}",
            f.message
        );
    }
}

/// The process's peak resident set (VmHWM), where /proc has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
