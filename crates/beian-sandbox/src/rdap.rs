//! RDAP — `GET /domain/{name}` for the generated `.com` domains, in the shape of
//! Verisign's registry replies (RFC 9083): the domain object with its status in words
//! (`client transfer prohibited`, `client hold`, `active` for `ok`), the registration,
//! expiration and last-changed events in UTC, the registrar entity with its IANA id, the
//! name servers. The dates and statuses are the ones the WHOIS server prints, so a check
//! over RDAP sees what it sees over WHOIS. An unknown name (or a domain that is not
//! `.com`) gets 404 with an RDAP error object, anything else than `/domain/…` 400.

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde_json::{Value, json};
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;

use crate::http::read_request;
use crate::world::{Site, World};

/// The `Registrar IANA ID` the WHOIS server prints for every registrar.
const IANA_ID: &str = "1599";
/// When the registry's database was last updated, as the WHOIS server says.
const DATABASE_UPDATED: &str = "2026-11-29T00:00:00Z";

/// The answer for a request path: HTTP status and RDAP JSON.
pub fn answer(world: &World, path: &str) -> (u16, Value) {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let Some((_, name)) = path.rsplit_once("/domain/") else {
        return (400, error(400, "Bad Request", "只支持 /domain/{域名} 查询"));
    };
    let domain = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let com = domain.ends_with(".com") && !domain.ends_with(".com.cn");
    match world.site_for_domain(&domain) {
        Some(site) if com => (200, domain_object(site)),
        _ => (
            404,
            error(404, "Not Found", &format!("没有 {domain} 的注册信息")),
        ),
    }
}

/// RFC 9083 §6: the error object.
fn error(code: u16, title: &str, description: &str) -> Value {
    json!({
        "rdapConformance": ["rdap_level_0"],
        "errorCode": code,
        "title": title,
        "description": [description],
    })
}

/// The registry's times are Beijing time; RDAP gives UTC, as Verisign's WHOIS does.
fn utc(t: NaiveDateTime) -> String {
    (t - chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An EPP status in RDAP's words (RFC 8056): `clientHold` → `client hold`, `ok` → `active`.
pub fn status_words(epp: &str) -> String {
    if epp == "ok" {
        return "active".to_owned();
    }
    let mut words = String::with_capacity(epp.len() + 4);
    for c in epp.chars() {
        if c.is_ascii_uppercase() {
            words.push(' ');
            words.push(c.to_ascii_lowercase());
        } else {
            words.push(c);
        }
    }
    words
}

fn domain_object(site: &Site) -> Value {
    let r = &site.registration;
    let upper = site.domain.to_ascii_uppercase();
    let statuses: Vec<String> = r.statuses.iter().map(|s| status_words(s)).collect();
    json!({
        "objectClassName": "domain",
        "handle": r.roid,
        "ldhName": upper,
        "links": [{
            "value": format!("/domain/{upper}"),
            "rel": "self",
            "href": format!("/domain/{upper}"),
            "type": "application/rdap+json",
        }],
        "status": statuses,
        "entities": [{
            "objectClassName": "entity",
            "handle": IANA_ID,
            "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": IANA_ID}],
            "vcardArray": ["vcard", [
                ["version", {}, "text", "4.0"],
                ["fn", {}, "text", r.registrar],
            ]],
        }],
        "events": [
            {"eventAction": "registration", "eventDate": utc(r.created)},
            {"eventAction": "expiration", "eventDate": utc(r.expires)},
            {"eventAction": "last changed", "eventDate": utc(r.created)},
            {"eventAction": "last update of RDAP database", "eventDate": DATABASE_UPDATED},
        ],
        "secureDNS": {"delegationSigned": false},
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": "NS1.SANDBOX.COM"},
            {"objectClassName": "nameserver", "ldhName": "NS2.SANDBOX.COM"},
        ],
        "rdapConformance": [
            "rdap_level_0",
            "icann_rdap_technical_implementation_guide_1",
            "icann_rdap_response_profile_1",
        ],
        "notices": [{
            "title": "Terms of Service",
            "description": ["沙箱生成的注册信息，仅供测试。"],
        }],
    })
}

/// Serves one RDAP connection (HTTP/1.1, kept alive unless the client closes).
pub async fn serve_rdap(stream: TcpStream, world: Arc<World>) {
    let mut stream = BufWriter::new(stream);
    let mut buf = Vec::with_capacity(512);
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        let (status, body) = answer(&world, &request.path);
        let body = body.to_string();
        let reason = match status {
            200 => "OK",
            404 => "Not Found",
            _ => "Bad Request",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nServer: beian-sandbox\r\nContent-Type: application/rdap+json\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
            body.len(),
            if request.keep_alive {
                "keep-alive"
            } else {
                "close"
            }
        );
        let written = async {
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            stream.flush().await
        };
        if written.await.is_err() || !request.keep_alive {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    #[test]
    fn status_words_follow_rfc_8056() {
        assert_eq!(status_words("clientHold"), "client hold");
        assert_eq!(
            status_words("clientTransferProhibited"),
            "client transfer prohibited"
        );
        assert_eq!(status_words("ok"), "active");
    }

    #[test]
    fn com_domains_are_answered_and_others_are_not_found() {
        let world = World::generate(&WorldConfig {
            sites: 40,
            ..WorldConfig::default()
        });
        let com = world
            .sites
            .iter()
            .find(|s| s.domain.ends_with(".com"))
            .expect("a .com site");
        let (status, body) = answer(&world, &format!("/domain/{}", com.domain.to_uppercase()));
        assert_eq!(status, 200);
        assert_eq!(body["objectClassName"], "domain");
        assert_eq!(body["handle"], com.registration.roid.as_str());
        let cn = world
            .sites
            .iter()
            .find(|s| !s.domain.ends_with(".com"))
            .expect("a .cn site");
        let (status, body) = answer(&world, &format!("/domain/{}", cn.domain));
        assert_eq!(status, 404);
        assert_eq!(body["errorCode"], 404);
        assert_eq!(answer(&world, "/domain/nobody.com").0, 404);
        assert_eq!(answer(&world, "/entity/1599").0, 400);
    }
}
