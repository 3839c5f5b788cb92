//! The four HTTP adapters: the request each sends, and the reply each accepts.
//!
//! The wire contract is documented in `docs/registries.md` and
//! `docs/registries.openapi.yaml`. Replies may carry fields this side does not know (a
//! vendor adds some); a missing required field or a value outside the contract makes the
//! reply "not the agreed JSON", which is retried like a server error.

use beian_checks::registry_evidence::{
    Answer, BusinessQuery, BusinessRecord, BusinessStatus, IdentityVerdict, PhoneQuery,
    PhoneVerdict, RealNameRecord,
};
use beian_domain::filing::ValidUntil;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::http::{EndpointConfig, JsonClient, SetupError};
use crate::resilience::BreakerState;
use crate::{BoxFuture, BusinessRegistry, IdentityVerifier, PhoneVerifier, RealNameRegistrar};

/// Business lookups: `POST v1/business/lookup`.
pub const BUSINESS_PATH: &str = "v1/business/lookup";
/// Identity verification: `POST v1/identity/verify`.
pub const IDENTITY_PATH: &str = "v1/identity/verify";
/// Phone verification: `POST v1/phone/verify`.
pub const PHONE_PATH: &str = "v1/phone/verify";
/// Domain real-name lookups: `POST v1/domain/real-name`.
pub const REAL_NAME_PATH: &str = "v1/domain/real-name";

/// The business record on the wire.
#[derive(Debug, Deserialize)]
pub struct BusinessWire {
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 登记状态, in the registry's Chinese wording.
    pub status: String,
    /// 法定代表人.
    #[serde(default)]
    pub legal_representative: Option<String>,
    /// 住所.
    #[serde(default)]
    pub address: Option<String>,
    /// 营业期限自, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// 营业期限至, `YYYY-MM-DD` or `长期`.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// 曾用名.
    #[serde(default)]
    pub former_names: Vec<String>,
    /// 三证合一前的注册号、组织机构代码.
    #[serde(default)]
    pub former_numbers: Vec<String>,
}

/// Reads `YYYY-MM-DD`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{field} 的值“{text}”不是 YYYY-MM-DD 日期"))
}

/// Reads `YYYY-MM-DD` or `长期`.
pub fn parse_valid_until(field: &str, text: &str) -> Result<ValidUntil, String> {
    let text = text.trim();
    if text == "长期" || text.eq_ignore_ascii_case("indefinite") {
        return Ok(ValidUntil::Indefinite);
    }
    parse_day(field, text).map(ValidUntil::Date)
}

impl BusinessWire {
    /// The record this wire form describes, or what is wrong with it.
    pub fn into_record(self) -> Result<BusinessRecord, String> {
        if self.name.trim().is_empty() {
            return Err("name 为空".to_owned());
        }
        if self.status.trim().is_empty() {
            return Err("status 为空".to_owned());
        }
        let valid_from = match self.valid_from.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(text) => Some(parse_day("valid_from", text)?),
            None => None,
        };
        let valid_until = match self.valid_until.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(text) => Some(parse_valid_until("valid_until", text)?),
            None => None,
        };
        Ok(BusinessRecord {
            name: self.name.trim().to_owned(),
            credit_code: self.credit_code.trim().to_owned(),
            status: BusinessStatus::parse(&self.status),
            legal_representative: self.legal_representative,
            address: self.address,
            valid_from,
            valid_until,
            former_names: self.former_names,
            former_numbers: self.former_numbers,
        })
    }
}

fn json_error(e: serde_json::Error) -> String {
    e.to_string()
}

/// Reads a business reply body.
pub fn decode_business(bytes: &[u8]) -> Result<BusinessRecord, String> {
    serde_json::from_slice::<BusinessWire>(bytes)
        .map_err(json_error)?
        .into_record()
}

#[derive(Deserialize)]
struct VerdictWire {
    result: String,
}

/// Reads an identity reply body.
pub fn decode_identity(bytes: &[u8]) -> Result<IdentityVerdict, String> {
    let wire: VerdictWire = serde_json::from_slice(bytes).map_err(json_error)?;
    IdentityVerdict::parse(&wire.result).ok_or_else(|| {
        format!(
            "result 的值“{}”不在 match / mismatch / not_found 之中",
            wire.result
        )
    })
}

/// Reads a phone reply body.
pub fn decode_phone(bytes: &[u8]) -> Result<PhoneVerdict, String> {
    let wire: VerdictWire = serde_json::from_slice(bytes).map_err(json_error)?;
    PhoneVerdict::parse(&wire.result).ok_or_else(|| {
        format!(
            "result 的值“{}”不在 normal / vacant / suspended / not_holder 之中",
            wire.result
        )
    })
}

#[derive(Deserialize)]
struct RealNameWire {
    domain: String,
    holder_name: String,
    holder_id_type: String,
    #[serde(default)]
    holder_id_number: Option<String>,
    verified: bool,
}

/// Reads a real-name reply body.
pub fn decode_real_name(bytes: &[u8]) -> Result<RealNameRecord, String> {
    let wire: RealNameWire = serde_json::from_slice(bytes).map_err(json_error)?;
    if wire.holder_name.trim().is_empty() {
        return Err("holder_name 为空".to_owned());
    }
    Ok(RealNameRecord {
        domain: wire.domain,
        holder_name: wire.holder_name,
        holder_id_type: wire.holder_id_type,
        holder_id_number: wire.holder_id_number,
        verified: wire.verified,
    })
}

/// 工商登记查询 over HTTP.
#[derive(Debug)]
pub struct HttpBusinessRegistry {
    client: JsonClient<BusinessRecord>,
}

impl HttpBusinessRegistry {
    /// A client of the registry at `config.endpoint`.
    pub fn new(config: EndpointConfig) -> Result<Self, SetupError> {
        Ok(HttpBusinessRegistry {
            client: JsonClient::new("工商登记查询接口", config)?,
        })
    }

    /// The circuit breaker's state.
    pub fn breaker(&self) -> BreakerState {
        self.client.breaker_state()
    }
}

impl BusinessRegistry for HttpBusinessRegistry {
    fn lookup<'a>(&'a self, query: &'a BusinessQuery) -> BoxFuture<'a, Answer<BusinessRecord>> {
        Box::pin(async move {
            let body = match query {
                BusinessQuery::CreditCode(code) => json!({ "credit_code": code }),
                BusinessQuery::Name(name) => json!({ "name": name }),
            };
            self.client
                .ask(BUSINESS_PATH, &query.key(), &body, decode_business)
                .await
        })
    }
}

/// 身份核验 over HTTP.
#[derive(Debug)]
pub struct HttpIdentityVerifier {
    client: JsonClient<IdentityVerdict>,
}

impl HttpIdentityVerifier {
    /// A client of the service at `config.endpoint`.
    pub fn new(config: EndpointConfig) -> Result<Self, SetupError> {
        Ok(HttpIdentityVerifier {
            client: JsonClient::new("身份核验接口", config)?,
        })
    }

    /// The circuit breaker's state.
    pub fn breaker(&self) -> BreakerState {
        self.client.breaker_state()
    }
}

impl IdentityVerifier for HttpIdentityVerifier {
    fn verify<'a>(
        &'a self,
        name: &'a str,
        id_number: &'a str,
    ) -> BoxFuture<'a, Answer<IdentityVerdict>> {
        Box::pin(async move {
            let body = json!({ "name": name, "id_number": id_number });
            self.client
                .ask(
                    IDENTITY_PATH,
                    &format!("{name}|{id_number}"),
                    &body,
                    decode_identity,
                )
                .await
        })
    }
}

/// 号码核验 over HTTP.
#[derive(Debug)]
pub struct HttpPhoneVerifier {
    client: JsonClient<PhoneVerdict>,
}

impl HttpPhoneVerifier {
    /// A client of the service at `config.endpoint`.
    pub fn new(config: EndpointConfig) -> Result<Self, SetupError> {
        Ok(HttpPhoneVerifier {
            client: JsonClient::new("运营商号码核验接口", config)?,
        })
    }

    /// The circuit breaker's state.
    pub fn breaker(&self) -> BreakerState {
        self.client.breaker_state()
    }
}

impl PhoneVerifier for HttpPhoneVerifier {
    fn verify<'a>(&'a self, query: &'a PhoneQuery) -> BoxFuture<'a, Answer<PhoneVerdict>> {
        Box::pin(async move {
            let mut body = json!({ "number": query.number });
            if let (Some(name), Some(id)) = (&query.name, &query.id_number) {
                body["name"] = json!(name);
                body["id_number"] = json!(id);
            }
            self.client
                .ask(PHONE_PATH, &query.key(), &body, decode_phone)
                .await
        })
    }
}

/// 注册商实名信息 over HTTP.
#[derive(Debug)]
pub struct HttpRealNameRegistrar {
    client: JsonClient<RealNameRecord>,
}

impl HttpRealNameRegistrar {
    /// A client of the registrar at `config.endpoint`.
    pub fn new(config: EndpointConfig) -> Result<Self, SetupError> {
        Ok(HttpRealNameRegistrar {
            client: JsonClient::new("注册商实名信息接口", config)?,
        })
    }

    /// The circuit breaker's state.
    pub fn breaker(&self) -> BreakerState {
        self.client.breaker_state()
    }
}

impl RealNameRegistrar for HttpRealNameRegistrar {
    fn holder<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Answer<RealNameRecord>> {
        Box::pin(async move {
            let body = json!({ "domain": domain });
            self.client
                .ask(REAL_NAME_PATH, domain, &body, decode_real_name)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_by_the_contract() {
        let record = decode_business(
            "{\"name\":\"北京云帆数据科技有限公司\",\"credit_code\":\"91110108772551611J\",\"status\":\"存续\",\
             \"valid_until\":\"长期\",\"extra\":1}"
                .as_bytes(),
        )
        .expect("record");
        assert_eq!(record.status, BusinessStatus::Existing);
        assert_eq!(record.valid_until, Some(ValidUntil::Indefinite));
        for bad in [
            &b"<html>502 Bad Gateway</html>"[..],
            br#"{"name":"x"}"#,
            "{\"name\":\"x\",\"credit_code\":\"y\",\"status\":\"存续\",\"valid_until\":\"明年\"}"
                .as_bytes(),
        ] {
            assert!(
                decode_business(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            decode_identity(br#"{"result":"mismatch"}"#),
            Ok(IdentityVerdict::Mismatch)
        );
        assert!(decode_identity(br#"{"result":"maybe"}"#).is_err());
        assert_eq!(
            decode_phone(br#"{"result":"suspended"}"#),
            Ok(PhoneVerdict::Suspended)
        );
        assert!(decode_phone(b"").is_err());
        let holder = decode_real_name(
            br#"{"domain":"a.cn","holder_name":"x","holder_id_type":"resident_id","verified":false}"#,
        )
        .expect("holder");
        assert!(!holder.verified);
        assert!(
            decode_real_name(
                br#"{"domain":"a.cn","holder_name":" ","holder_id_type":"x","verified":true}"#
            )
            .is_err()
        );
    }
}
