//! Whatever a filing or a page holds, the checks judge it without panicking, and every
//! finding they produce is complete.

use beian_checks::{PageSubject, Settings, inspect, lint};
use beian_domain::{Filing, Finding};
use chrono::NaiveDate;
use proptest::prelude::*;

const TEMPLATE: &str = r#"{
  "entity": {
    "kind": "KIND", "name": "NAME", "certificate_type": "CERT_TYPE", "certificate_number": "CERT",
    "filing_number": "ENTITY_NUMBER", "address": "ADDRESS",
    "principal": {"name": "NAME", "id_type": "resident_id", "id_number": "ID",
      "id_valid_until": "长期", "mobile": "MOBILE", "emergency_phone": "EMERGENCY", "email": "EMAIL"}
  },
  "websites": [{"name": "SITE", "filing_number": "SITE_NUMBER", "domains": ["DOMAIN"],
    "ips": ["203.0.113.9"], "content_description": "DESCRIPTION"}]
}"#;

fn filing(fields: &[(&str, String)]) -> Option<Filing> {
    let mut text = TEMPLATE.to_owned();
    for (key, value) in fields {
        let escaped = serde_json::to_string(value).ok()?;
        text = text.replace(&format!("\"{key}\""), &escaped);
    }
    Filing::from_json(&text).ok()
}

fn complete(finding: &Finding) -> bool {
    !finding.message.is_empty() && !finding.def().title.is_empty()
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[京蜀川萌粤]ICP备[0-9 ]{0,12}号?(-[0-9]{1,3})?",
        "[0-9Xx]{0,19}",
        "[a-z0-9.@-]{0,20}",
        Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lint_judges_any_filing_without_panicking(
        kind in prop_oneof![Just("company"), Just("personal"), Just("government"), Just("other")],
        cert_type in prop_oneof![Just("credit_code"), Just("resident_id"), Just("passport"), Just("legacy_organization_code")],
        values in proptest::collection::vec(field(), 11),
    ) {
        let keys = ["NAME", "CERT", "ENTITY_NUMBER", "ADDRESS", "ID", "MOBILE", "EMERGENCY", "EMAIL", "SITE", "SITE_NUMBER", "DOMAIN"];
        let mut fields: Vec<(&str, String)> = keys.iter().copied().zip(values).collect();
        fields.push(("KIND", kind.to_owned()));
        fields.push(("CERT_TYPE", cert_type.to_owned()));
        fields.push(("DESCRIPTION", "个人随笔".to_owned()));
        if let Some(filing) = filing(&fields) {
            let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
            let findings = lint(&filing, today, &Settings::default());
            prop_assert!(!findings.is_empty());
            prop_assert!(findings.iter().all(complete));
        }
    }

    #[test]
    fn inspect_judges_any_page_without_panicking(
        body in "\\PC{0,400}",
        footer in prop_oneof![Just(String::new()), "<a href=\"[a-z:/.]{0,30}\">[京粤]ICP备[0-9]{8}号-1</a>", "[京沪]公网安备[0-9]{14}号"],
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let filing = filing(&[
            ("KIND", "personal".to_owned()), ("NAME", "王小红".to_owned()), ("CERT_TYPE", "resident_id".to_owned()),
            ("CERT", "510107199211080022".to_owned()), ("ENTITY_NUMBER", "蜀ICP备2021003158号".to_owned()),
            ("ADDRESS", "四川省".to_owned()), ("ID", "510107199211080022".to_owned()), ("MOBILE", "13800138000".to_owned()),
            ("EMERGENCY", "13055556666".to_owned()), ("EMAIL", "a@example.cn".to_owned()), ("SITE", "小红的旅行笔记".to_owned()),
            ("SITE_NUMBER", "蜀ICP备2021003158号-1".to_owned()), ("DOMAIN", "example.cn".to_owned()), ("DESCRIPTION", "游记".to_owned()),
        ]).expect("fixed filing parses");
        let html = format!("<html><title>{body}</title><body><p>{body}</p><footer>{footer}</footer></body></html>");
        for page_bytes in [html.as_bytes(), bytes.as_slice()] {
            let page = beian_page::analyze(page_bytes, None);
            let subject = Some(PageSubject { filing: &filing, index: 0 });
            for subject in [subject, None] {
                let findings = inspect(&page, subject, &Settings::default(), "page.html", "2026-11-29T12:00:00+08:00");
                prop_assert!(findings.iter().all(complete));
            }
        }
    }
}
