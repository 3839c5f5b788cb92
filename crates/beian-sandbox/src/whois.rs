//! WHOIS — port-43 style answers for the generated domains: CNNIC's format for `.cn` and
//! `.com.cn` (Registration Time / Expiration Time / Registrant / Sponsoring Registrar /
//! Domain Status, times in Beijing time without a zone, as whois.cnnic.cn prints them),
//! Verisign's for `.com`. One query line in, one reply out, then the connection closes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::world::{Site, World};

/// The reply for `query` (a domain name, any case, optional trailing dot).
pub fn reply(world: &World, query: &str) -> String {
    let domain = query.trim().trim_end_matches('.').to_ascii_lowercase();
    let com = domain.ends_with(".com") && !domain.ends_with(".com.cn");
    match world.site_for_domain(&domain) {
        Some(site) if com => verisign(site),
        Some(site) => cnnic(site),
        None if com => format!(
            "No match for \"{}\".\r\n>>> Last update of whois database: 2026-11-29T00:00:00Z <<<\r\n",
            domain.to_ascii_uppercase()
        ),
        None => "No matching record.\n".to_owned(),
    }
}

fn cnnic(site: &Site) -> String {
    let r = &site.registration;
    let mut out = format!("Domain Name: {}\nROID: {}\n", site.domain, r.roid);
    for status in &r.statuses {
        out.push_str(&format!("Domain Status: {status}\n"));
    }
    out.push_str(&format!(
        "Registrant: {}\nRegistrant Contact Email: {}\nSponsoring Registrar: {}\n\
         Name Server: ns1.sandbox.cn\nName Server: ns2.sandbox.cn\n\
         Registration Time: {}\nExpiration Time: {}\nDNSSEC: unsigned\n",
        r.registrant,
        r.email,
        r.registrar,
        r.created.format("%Y-%m-%d %H:%M:%S"),
        r.expires.format("%Y-%m-%d %H:%M:%S"),
    ));
    out
}

fn verisign(site: &Site) -> String {
    let r = &site.registration;
    // Verisign prints UTC; the registry times here are Beijing time.
    let utc = |t: chrono::NaiveDateTime| {
        (t - chrono::Duration::hours(8))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let mut out = format!(
        "   Domain Name: {}\r\n   Registry Domain ID: {}\r\n   Registrar WHOIS Server: whois.sandbox.com\r\n\
         \x20  Updated Date: {}\r\n   Creation Date: {}\r\n   Registry Expiry Date: {}\r\n\
         \x20  Registrar: {}\r\n   Registrar IANA ID: 1599\r\n",
        site.domain.to_ascii_uppercase(),
        r.roid,
        utc(r.created),
        utc(r.created),
        utc(r.expires),
        r.registrar,
    );
    for status in &r.statuses {
        out.push_str(&format!(
            "   Domain Status: {status} https://icann.org/epp#{status}\r\n"
        ));
    }
    out.push_str(
        "   Name Server: NS1.SANDBOX.COM\r\n   Name Server: NS2.SANDBOX.COM\r\n   DNSSEC: unsigned\r\n\
         >>> Last update of whois database: 2026-11-29T00:00:00Z <<<\r\n",
    );
    out
}

/// Serves one WHOIS connection: reads a line, answers, closes.
pub async fn serve_whois(mut stream: TcpStream, world: Arc<World>) {
    let mut buf = Vec::with_capacity(256);
    let read = async {
        let mut chunk = [0u8; 512];
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.contains(&b'\n') || buf.len() > 1024 {
                break;
            }
        }
        Some(())
    };
    if tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()
        .flatten()
        .is_none()
    {
        return;
    }
    let line = String::from_utf8_lossy(&buf);
    let query = line.lines().next().unwrap_or_default();
    let answer = reply(&world, query);
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
