//! 注册信息 — the one model both parsers produce.

use chrono::{DateTime, FixedOffset, TimeZone};
use serde::{Deserialize, Serialize};

/// 查询结果 — what the registry said about the name at all.
///
/// A reply that says "no such domain" or "this name is reserved" is a valid answer, not a
/// parse error: the checks need to tell an unregistered name (anyone may register it)
/// from a reserved one (nobody may) and from a registered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已注册: the registry has a record for the name.
    Found,
    /// 未注册: the registry has no record (`No matching record.`, `No match for "…"`,
    /// RDAP error 404).
    NotFound,
    /// 保留或禁止注册: the name is on the registry's reserved list or may not be
    /// registered (CNNIC's reserved and prohibited replies).
    Reserved,
}

impl Outcome {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Found => "已注册",
            Outcome::NotFound => "未注册",
            Outcome::Reserved => "保留或禁止注册",
        }
    }
}

/// 信息来源 — which protocol the reply came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// WHOIS (port 43) text.
    Whois,
    /// RDAP JSON.
    Rdap,
}

/// 域名注册信息 — one domain's registration data, as one reply states it.
///
/// Every field is what the reply says, or `None` / empty when it says nothing: a missing
/// expiry is unknown, never guessed from the creation date or a typical term. Times keep
/// the offset the registry meant (`+08:00` for CNNIC, HKIRC and TWNIC, whose replies print
/// local time without a zone; `Z` where the reply says UTC), so a report shows the date the
/// registry shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Whether the name is registered, unregistered or reserved.
    pub outcome: Outcome,
    /// WHOIS or RDAP.
    pub source: Source,
    /// The domain in lower-case ASCII (punycode), as the reply names it, or the caller's
    /// hint when the reply does not (not-found and reserved replies often don't).
    pub domain: Option<String>,
    /// 注册商: the sponsoring registrar, as written (full-width punctuation kept). RDAP
    /// adds the IANA id: `MarkMonitor Inc. (IANA 292)`.
    pub registrar: Option<String>,
    /// The registrar's IANA id, when the reply gives one.
    pub registrar_iana_id: Option<String>,
    /// 持有人 (域名注册人): the organisation holding the domain, else the person. Kept as
    /// evidence for the domain-owner check; may be personal data.
    pub registrant: Option<String>,
    /// The registry's id of the registrant contact (CNNIC `Registrant ID`).
    pub registrant_id: Option<String>,
    /// The registrant's contact email; may be personal data.
    pub registrant_email: Option<String>,
    /// 注册时间.
    #[serde(with = "rfc3339")]
    pub created: Option<DateTime<FixedOffset>>,
    /// 到期时间. `None` when the reply gives none.
    #[serde(with = "rfc3339")]
    pub expires: Option<DateTime<FixedOffset>>,
    /// 更新时间.
    #[serde(with = "rfc3339")]
    pub updated: Option<DateTime<FixedOffset>>,
    /// 域名状态: EPP status codes (`clientTransferProhibited`, `serverHold`, `ok`); RDAP's
    /// spaced forms, CNNIC's Chinese forms and `Active` are mapped to them, unknown values
    /// are kept as given.
    pub statuses: Vec<String>,
    /// 域名服务器, lower-case, in the reply's order, without repeats.
    pub name_servers: Vec<String>,
    /// Where to ask next: the registrar's WHOIS host a thin registry refers to
    /// (`Registrar WHOIS Server:`), or for RDAP the registrar's RDAP URL (`related` link).
    pub referral: Option<String>,
}

impl Registration {
    /// An empty registration with the given outcome: the start of every parse.
    pub(crate) fn empty(outcome: Outcome, source: Source) -> Self {
        Registration {
            outcome,
            source,
            domain: None,
            registrar: None,
            registrar_iana_id: None,
            registrant: None,
            registrant_id: None,
            registrant_email: None,
            created: None,
            expires: None,
            updated: None,
            statuses: Vec::new(),
            name_servers: Vec::new(),
            referral: None,
        }
    }

    /// 暂停解析: the registrar (`clientHold`) or the registry (`serverHold`) has taken the
    /// domain out of DNS. Such a site cannot be reached whatever its filing says.
    pub fn is_on_hold(&self) -> bool {
        self.statuses
            .iter()
            .any(|s| s.eq_ignore_ascii_case("clientHold") || s.eq_ignore_ascii_case("serverHold"))
    }

    /// Whether the domain has expired at `now`: `None` when the expiry is unknown, so that
    /// a caller cannot mistake "no date" for "not expired".
    pub fn expired_at<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Option<bool> {
        self.expires.map(|expires| expires <= *now)
    }

    /// Whole days from `now` until expiry, rounded down: negative once expired (one hour
    /// past expiry is day −1), `None` when the expiry is unknown.
    pub fn days_until_expiry<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Option<i64> {
        let expires = self.expires?;
        let seconds = expires.signed_duration_since(now.clone()).num_seconds();
        Some(seconds.div_euclid(86_400))
    }
}

/// Optional times as RFC 3339 strings (`2021-03-13T21:45:16+08:00`, `Z` for UTC), or null.
mod rfc3339 {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<FixedOffset>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(time) => {
                serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|t| DateTime::parse_from_rfc3339(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("test time")
    }

    fn with_expiry(expires: Option<&str>, statuses: &[&str]) -> Registration {
        let mut r = Registration::empty(Outcome::Found, Source::Whois);
        r.expires = expires.map(at);
        r.statuses = statuses.iter().map(|s| s.to_string()).collect();
        r
    }

    #[test]
    fn expiry_helpers() {
        let r = with_expiry(Some("2021-03-13T21:45:16+08:00"), &[]);
        let cases: &[(&str, bool, i64)] = &[
            ("2021-03-13T13:45:15Z", false, 0),
            ("2021-03-13T13:45:16Z", true, 0),
            ("2021-03-13T14:45:16Z", true, -1),
            ("2021-03-03T13:45:16Z", false, 10),
            ("2021-03-03T13:45:17Z", false, 9),
            ("2022-03-13T13:45:16Z", true, -365),
        ];
        for (now, expired, days) in cases {
            let now = at(now).with_timezone(&Utc);
            assert_eq!(r.expired_at(&now), Some(*expired), "{now}");
            assert_eq!(r.days_until_expiry(&now), Some(*days), "{now}");
        }
        let unknown = with_expiry(None, &[]);
        let now = at("2021-03-13T13:45:15Z");
        assert_eq!(unknown.expired_at(&now), None);
        assert_eq!(unknown.days_until_expiry(&now), None);
    }

    #[test]
    fn hold_statuses() {
        assert!(with_expiry(None, &["ok", "serverHold"]).is_on_hold());
        assert!(with_expiry(None, &["clientHold"]).is_on_hold());
        assert!(!with_expiry(None, &["clientTransferProhibited", "ok"]).is_on_hold());
        assert!(!with_expiry(None, &[]).is_on_hold());
    }

    #[test]
    fn serialises_times_as_rfc3339_and_round_trips() {
        let mut r = with_expiry(Some("2021-03-13T21:45:16+08:00"), &["ok"]);
        r.created = Some(at("1997-09-15T04:00:00Z"));
        let json = serde_json::to_value(&r).expect("serialise");
        assert_eq!(json["expires"], "2021-03-13T21:45:16+08:00");
        assert_eq!(json["created"], "1997-09-15T04:00:00Z");
        assert_eq!(json["updated"], serde_json::Value::Null);
        assert_eq!(json["outcome"], "found");
        assert_eq!(json["source"], "whois");
        let back: Registration = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, r);
    }
}
