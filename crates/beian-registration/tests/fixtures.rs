//! The replies kept in `tests/fixtures/` (see its SOURCES.md), parsed field by field.
//! These run without the shared test data.

use beian_registration::{Outcome, Source, parse_rdap, parse_whois};

const CNNIC: &str = include_str!("fixtures/cn_025bbs.cn.txt");
const RESERVED: &str = include_str!("fixtures/cn_reserved.txt");
const VERISIGN: &str = include_str!("fixtures/com_google.com_verisign.txt");
const RDAP: &str = include_str!("fixtures/google.com_verisign_flipbit.json");

fn rfc3339(time: Option<chrono::DateTime<chrono::FixedOffset>>) -> Option<String> {
    time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[test]
fn cnnic_record_with_bom_and_china_time() {
    assert!(
        CNNIC.starts_with('\u{feff}'),
        "the fixture keeps its byte-order mark"
    );
    assert!(
        !CNNIC.ends_with('\n'),
        "the fixture keeps its missing final newline"
    );
    let r = parse_whois(CNNIC, None).expect("parses");
    assert_eq!(r.outcome, Outcome::Found);
    assert_eq!(r.source, Source::Whois);
    assert_eq!(r.domain.as_deref(), Some("025bbs.cn"));
    assert_eq!(r.registrar.as_deref(), Some("阿里云计算有限公司（万网）"));
    assert_eq!(r.registrant.as_deref(), Some("南京越之彬网络科技有限公司"));
    assert_eq!(r.registrant_id.as_deref(), Some("hc1250473063700"));
    assert_eq!(r.registrant_email.as_deref(), Some("email@qq.com"));
    assert_eq!(
        rfc3339(r.created).as_deref(),
        Some("2018-03-13T21:45:16+08:00")
    );
    assert_eq!(
        rfc3339(r.expires).as_deref(),
        Some("2021-03-13T21:45:16+08:00")
    );
    assert_eq!(r.updated, None);
    assert_eq!(r.statuses, ["ok"]);
    assert_eq!(r.name_servers, ["dns27.hichina.com", "dns28.hichina.com"]);
    assert_eq!(r.referral, None);
    assert!(!r.is_on_hold());
}

#[test]
fn line_endings_do_not_matter() {
    let plain = parse_whois(CNNIC, None).expect("parses");
    let crlf = parse_whois(&CNNIC.replace('\n', "\r\n"), None).expect("CRLF parses");
    let cr = parse_whois(&CNNIC.replace('\n', "\r"), None).expect("CR parses");
    let no_bom = parse_whois(CNNIC.trim_start_matches('\u{feff}'), None).expect("parses");
    assert_eq!(plain, crlf);
    assert_eq!(plain, cr);
    assert_eq!(plain, no_bom);
}

#[test]
fn reserved_reply_takes_the_hint() {
    let r = parse_whois(RESERVED, Some("Example.CN")).expect("parses");
    assert_eq!(r.outcome, Outcome::Reserved);
    assert_eq!(r.domain.as_deref(), Some("example.cn"));
    assert_eq!(r.expires, None);
    let r = parse_whois(RESERVED, None).expect("parses");
    assert_eq!(r.domain, None);
}

#[test]
fn verisign_thin_record() {
    let r = parse_whois(VERISIGN, Some("google.com")).expect("parses");
    assert_eq!(r.outcome, Outcome::Found);
    assert_eq!(r.domain.as_deref(), Some("google.com"));
    assert_eq!(r.registrar.as_deref(), Some("MarkMonitor Inc."));
    assert_eq!(r.registrar_iana_id.as_deref(), Some("292"));
    assert_eq!(r.registrant, None, "a thin registry has no registrant");
    assert_eq!(rfc3339(r.created).as_deref(), Some("1997-09-15T04:00:00Z"));
    assert_eq!(rfc3339(r.expires).as_deref(), Some("2020-09-14T04:00:00Z"));
    assert_eq!(rfc3339(r.updated).as_deref(), Some("2011-07-20T16:55:31Z"));
    assert_eq!(
        r.statuses,
        [
            "clientDeleteProhibited",
            "clientTransferProhibited",
            "clientUpdateProhibited",
            "serverDeleteProhibited",
            "serverTransferProhibited",
            "serverUpdateProhibited",
        ]
    );
    assert_eq!(
        r.name_servers,
        [
            "ns1.google.com",
            "ns2.google.com",
            "ns3.google.com",
            "ns4.google.com"
        ]
    );
    assert_eq!(r.referral.as_deref(), Some("whois.markmonitor.com"));
}

#[test]
fn rdap_domain_object() {
    let r = parse_rdap(RDAP, None).expect("parses");
    assert_eq!(r.outcome, Outcome::Found);
    assert_eq!(r.source, Source::Rdap);
    assert_eq!(r.domain.as_deref(), Some("google.com"));
    assert_eq!(r.registrar.as_deref(), Some("MarkMonitor Inc. (IANA 292)"));
    assert_eq!(r.registrar_iana_id.as_deref(), Some("292"));
    assert_eq!(r.registrant, None);
    assert_eq!(rfc3339(r.created).as_deref(), Some("1997-09-15T04:00:00Z"));
    assert_eq!(rfc3339(r.expires).as_deref(), Some("2028-09-14T04:00:00Z"));
    assert_eq!(rfc3339(r.updated).as_deref(), Some("2019-09-09T15:39:04Z"));
    assert_eq!(r.statuses.len(), 6);
    assert_eq!(r.statuses[0], "clientDeleteProhibited");
    assert_eq!(r.name_servers.len(), 4);
    assert_eq!(
        r.referral.as_deref(),
        Some("https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM")
    );
}

#[test]
fn the_wrong_parser_refuses_clearly() {
    // RDAP JSON given to the WHOIS parser, and WHOIS text to the RDAP parser.
    assert!(parse_whois(RDAP, None).is_err());
    let error = parse_rdap(VERISIGN, None).expect_err("not JSON");
    assert!(error.to_string().contains("第 1 行"), "{error}");
}
