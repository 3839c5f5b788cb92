//! RDAP — reading a registry's or registrar's RDAP domain object (RFC 9083).
//!
//! RDAP is JSON with a schema, so there is less to guess than in WHOIS, but servers still
//! differ: some omit `objectClassName`, some give only `unicodeName`, the registrar's name
//! sits in a jCard (`vcardArray`), and an unknown name comes back as an error object with
//! `errorCode` 404. Unknown members are ignored, as RFC 9083 asks.
//!
//! Times in RDAP are RFC 3339 with a zone; the lenient WHOIS reader is the fallback for
//! servers that drop it, read as UTC.

use serde_json::{Map, Value};

use crate::error::ParseError;
use crate::model::{Outcome, Registration, Source};
use crate::status::push_statuses;
use crate::time::{parse_time, utc};

/// Parses an RDAP reply. `domain_hint` is the name that was asked about: it fills
/// [`Registration::domain`] for a 404 error object, which names no domain.
pub fn parse_rdap(json: &str, domain_hint: Option<&str>) -> Result<Registration, ParseError> {
    let json = crate::strip_bom(json);
    if json.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let value: Value = serde_json::from_str(json).map_err(|e| ParseError::json(&e))?;
    let Value::Object(object) = value else {
        return Err(ParseError::NotADomain(kind_of(&value).to_owned()));
    };
    let hint = domain_hint.and_then(crate::normalise_domain);

    if let Some(code) = object.get("errorCode") {
        let code = code
            .as_i64()
            .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))
            .unwrap_or(0);
        if code == 404 {
            let mut registration = Registration::empty(Outcome::NotFound, Source::Rdap);
            registration.domain = hint;
            return Ok(registration);
        }
        return Err(ParseError::RdapError {
            code,
            title: error_title(&object),
        });
    }

    let ldh = object.get("ldhName").and_then(Value::as_str);
    let unicode = object.get("unicodeName").and_then(Value::as_str);
    match object.get("objectClassName") {
        Some(Value::String(class)) if class.eq_ignore_ascii_case("domain") => {}
        Some(Value::String(class)) => return Err(ParseError::NotADomain(class.clone())),
        Some(other) => return Err(ParseError::NotADomain(kind_of(other).to_owned())),
        None if ldh.is_some() || unicode.is_some() => {}
        None => return Err(ParseError::NotADomain("（缺失）".to_owned())),
    }

    let mut registration = Registration::empty(Outcome::Found, Source::Rdap);
    registration.domain = ldh
        .and_then(crate::normalise_domain)
        .or_else(|| unicode.and_then(crate::normalise_domain))
        .or(hint);

    for status in array(&object, "status").filter_map(Value::as_str) {
        push_statuses(status, &mut registration.statuses);
    }

    for event in array(&object, "events").filter_map(Value::as_object) {
        let action = event
            .get("eventAction")
            .and_then(Value::as_str)
            .unwrap_or("");
        let slot = match action.trim().to_ascii_lowercase().as_str() {
            "registration" => &mut registration.created,
            "expiration" => &mut registration.expires,
            "last changed" => &mut registration.updated,
            _ => continue,
        };
        if slot.is_some() {
            continue;
        }
        let Some(date) = event.get("eventDate").and_then(Value::as_str) else {
            continue;
        };
        let time = chrono::DateTime::parse_from_rfc3339(date.trim())
            .ok()
            .or_else(|| parse_time(date, utc()))
            .ok_or_else(|| ParseError::BadDate {
                field: format!("events[{action}]"),
                value: date.to_owned(),
            })?;
        *slot = Some(time);
    }

    for entity in array(&object, "entities").filter_map(Value::as_object) {
        let roles: Vec<String> = array(entity, "roles")
            .filter_map(Value::as_str)
            .map(|r| r.trim().to_ascii_lowercase())
            .collect();
        let card = VCard::of(entity);
        if roles.iter().any(|r| r == "registrar") && registration.registrar.is_none() {
            let iana = iana_id(entity);
            let name = card.text("fn").filter(|n| !n.is_empty());
            registration.registrar = match (&name, &iana) {
                (Some(name), Some(id)) => Some(format!("{name} (IANA {id})")),
                (Some(name), None) => Some(name.clone()),
                (None, Some(id)) => Some(format!("IANA {id}")),
                (None, None) => None,
            };
            registration.registrar_iana_id = iana;
        }
        if roles.iter().any(|r| r == "registrant") && registration.registrant.is_none() {
            registration.registrant = card
                .text("org")
                .filter(|n| !n.is_empty())
                .or_else(|| card.text("fn").filter(|n| !n.is_empty()));
            registration.registrant_id = entity
                .get("handle")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned);
            registration.registrant_email = card.text("email").filter(|e| !e.is_empty());
        }
    }

    for server in array(&object, "nameservers").filter_map(Value::as_object) {
        let name = server
            .get("ldhName")
            .or_else(|| server.get("unicodeName"))
            .and_then(Value::as_str)
            .and_then(crate::normalise_domain);
        if let Some(name) = name
            && !registration.name_servers.contains(&name)
        {
            registration.name_servers.push(name);
        }
    }

    registration.referral = array(&object, "links")
        .filter_map(Value::as_object)
        .find(|link| {
            link.get("rel").and_then(Value::as_str) == Some("related")
                && link
                    .get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t.contains("rdap"))
        })
        .and_then(|link| link.get("href").and_then(Value::as_str))
        .map(str::to_owned);

    Ok(registration)
}

/// The members of an array member, or nothing when it is missing or not an array.
fn array<'a>(object: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    object
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

/// What a JSON value is, in Chinese, for the "not a domain object" message.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "对象",
    }
}

/// An error object's title and description.
fn error_title(object: &Map<String, Value>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(title) = object.get("title").and_then(Value::as_str) {
        parts.push(title.trim().to_owned());
    }
    parts.extend(
        array(object, "description")
            .filter_map(Value::as_str)
            .map(|d| d.trim().to_owned()),
    );
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        "（未给出说明）".to_owned()
    } else {
        parts.join("；")
    }
}

/// The registrar's IANA id from `publicIds`.
fn iana_id(entity: &Map<String, Value>) -> Option<String> {
    array(entity, "publicIds")
        .filter_map(Value::as_object)
        .find(|id| {
            id.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_uppercase().contains("IANA"))
        })
        .and_then(|id| id.get("identifier"))
        .and_then(|id| match id {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|id| !id.is_empty())
}

/// A jCard (RFC 7095): `["vcard", [[name, params, type, value…], …]]`.
struct VCard<'a> {
    properties: Vec<&'a [Value]>,
}

impl<'a> VCard<'a> {
    fn of(entity: &'a Map<String, Value>) -> Self {
        let properties = entity
            .get("vcardArray")
            .and_then(Value::as_array)
            .and_then(|card| card.get(1))
            .and_then(Value::as_array)
            .map(|props| {
                props
                    .iter()
                    .filter_map(Value::as_array)
                    .map(Vec::as_slice)
                    .collect()
            })
            .unwrap_or_default();
        VCard { properties }
    }

    /// The first property of that name, its values joined with spaces.
    fn text(&self, name: &str) -> Option<String> {
        let property = self.properties.iter().find(|p| {
            p.first()
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })?;
        let mut words = Vec::new();
        for value in property.get(3..).unwrap_or_default() {
            collect_text(value, &mut words);
        }
        Some(words.join(" "))
    }
}

fn collect_text(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => into.push(s.trim().to_owned()),
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, into)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_objects() {
        let not_found = parse_rdap(r#"{"errorCode":404,"title":"Not Found"}"#, Some("A.CN"))
            .expect("404 is an answer");
        assert_eq!(not_found.outcome, Outcome::NotFound);
        assert_eq!(not_found.domain.as_deref(), Some("a.cn"));
        assert_eq!(
            parse_rdap(r#"{"errorCode":"404"}"#, None).map(|r| r.outcome),
            Ok(Outcome::NotFound)
        );
        assert_eq!(
            parse_rdap(
                r#"{"errorCode":429,"title":"Too Many Requests","description":["slow down"]}"#,
                None
            ),
            Err(ParseError::RdapError {
                code: 429,
                title: "Too Many Requests；slow down".into()
            })
        );
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, ParseError)] = &[
            ("", ParseError::Empty),
            ("[]", ParseError::NotADomain("数组".into())),
            ("42", ParseError::NotADomain("数字".into())),
            (
                r#"{"objectClassName":"nameserver","ldhName":"ns1.a.com"}"#,
                ParseError::NotADomain("nameserver".into()),
            ),
            ("{}", ParseError::NotADomain("（缺失）".into())),
            (
                "{\n  \"ldhName\": \"a.com\",\n  oops\n}",
                ParseError::InvalidJson {
                    line: 3,
                    column: 3,
                    reason: "语法错误",
                },
            ),
            (
                r#"{"ldhName":"a.com""#,
                ParseError::InvalidJson {
                    line: 1,
                    column: 18,
                    reason: "内容不完整，提前结束",
                },
            ),
            (
                r#"{"ldhName":"a.com","events":[{"eventAction":"expiration","eventDate":"soon"}]}"#,
                ParseError::BadDate {
                    field: "events[expiration]".into(),
                    value: "soon".into(),
                },
            ),
        ];
        for (json, error) in cases {
            assert_eq!(parse_rdap(json, None).as_ref(), Err(error), "{json}");
        }
    }

    #[test]
    fn a_minimal_domain_object() {
        let json = r#"{
            "objectClassName": "domain",
            "unicodeName": "例子.中国",
            "status": ["active", "client hold"],
            "events": [{"eventAction": "expiration", "eventDate": "2030-01-02T03:04:05Z"}],
            "entities": [
              {"roles": ["registrant"], "handle": "C1",
               "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                        ["fn", {}, "text", "张三"],
                                        ["org", {}, "text", "某某有限公司"],
                                        ["email", {}, "text", "a@example.cn"]]]},
              {"roles": ["registrar"],
               "vcardArray": ["vcard", [["fn", {}, "text", "某注册商"]]]}
            ],
            "nameservers": [{"ldhName": "NS1.EXAMPLE.CN."}]
        }"#;
        let r = parse_rdap(json, None).expect("parses");
        assert_eq!(r.domain.as_deref(), Some("xn--fsqu00a.xn--fiqs8s"));
        assert_eq!(r.statuses, ["ok", "clientHold"]);
        assert!(r.is_on_hold());
        assert_eq!(r.registrant.as_deref(), Some("某某有限公司"));
        assert_eq!(r.registrant_id.as_deref(), Some("C1"));
        assert_eq!(r.registrant_email.as_deref(), Some("a@example.cn"));
        assert_eq!(r.registrar.as_deref(), Some("某注册商"));
        assert_eq!(r.name_servers, ["ns1.example.cn"]);
        assert_eq!(
            r.expires.map(|t| t.to_rfc3339()).as_deref(),
            Some("2030-01-02T03:04:05+00:00")
        );
        assert_eq!(r.created, None);
    }
}
