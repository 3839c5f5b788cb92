//! Nothing panics on any input: arbitrary text, arbitrary JSON shaped like RDAP, and real
//! replies with lines deleted, duplicated or cut short. Whatever parses serialises and
//! reads back to the same value.

use beian_registration::{Registration, parse_rdap, parse_whois};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

const SAMPLES: [&str; 4] = [
    include_str!("fixtures/cn_025bbs.cn.txt"),
    include_str!("fixtures/cn_reserved.txt"),
    include_str!("fixtures/com_google.com_verisign.txt"),
    include_str!("fixtures/google.com_verisign_flipbit.json"),
];

fn round_trips(registration: &Registration) {
    let json = serde_json::to_string(registration).expect("serialise");
    let back: Registration = serde_json::from_str(&json).expect("read back");
    assert_eq!(&back, registration);
}

fn both(text: &str, hint: Option<&str>) {
    for result in [parse_whois(text, hint), parse_rdap(text, hint)] {
        match result {
            Ok(registration) => round_trips(&registration),
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(Index),
    Duplicate(Index),
    Truncate(Index, Index),
    Swap(Index, Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<Index>().prop_map(Edit::Delete),
        any::<Index>().prop_map(Edit::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(l, c)| Edit::Truncate(l, c)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

fn mutate(sample: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = sample.split('\n').map(str::to_owned).collect();
    for edit in edits {
        if lines.is_empty() {
            break;
        }
        match edit {
            Edit::Delete(i) => {
                lines.remove(i.index(lines.len()));
            }
            Edit::Duplicate(i) => {
                let at = i.index(lines.len());
                let line = lines[at].clone();
                lines.insert(at, line);
            }
            Edit::Truncate(i, c) => {
                let at = i.index(lines.len());
                let chars: Vec<char> = lines[at].chars().collect();
                let keep = c.index(chars.len() + 1);
                lines[at] = chars[..keep].iter().collect();
            }
            Edit::Swap(a, b) => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
            }
        }
    }
    lines.join("\n")
}

/// JSON made of RDAP's member names and typical values, nested a few levels.
fn rdapish() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "objectClassName",
        "ldhName",
        "unicodeName",
        "status",
        "events",
        "eventAction",
        "eventDate",
        "entities",
        "roles",
        "vcardArray",
        "publicIds",
        "type",
        "identifier",
        "nameservers",
        "links",
        "rel",
        "href",
        "errorCode",
        "title",
        "description",
        "handle",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "domain",
            "registrar",
            "registrant",
            "expiration",
            "registration",
            "last changed",
            "vcard",
            "fn",
            "org",
            "email",
            "related",
            "IANA Registrar ID",
            "404",
            "2020-01-01T00:00:00Z",
            "2020-13-01",
            "例子.中国",
            "EXAMPLE.CN.",
            "client hold",
            "",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), hint in proptest::option::of(".{0,20}")) {
        both(&text, hint.as_deref());
    }

    #[test]
    fn whois_like_text_never_panics(
        lines in prop::collection::vec(
            (prop::sample::select(vec![
                "Domain Name", "Registrar", "Registrant", "Registration Time", "Expiration Time",
                "Creation Date", "Registry Expiry Date", "Domain Status", "Name Server",
                "Registrant Contact Information", "Name Servers Information", "Server Name",
                "Company English Name", "Email", "Record expires on", "注册时间", "域名",
            ]), prop::sample::select(vec![":", "：", " ", ": ", ""]), ".{0,30}"),
            0..20,
        )
    ) {
        let text: String = lines.iter().map(|(k, s, v)| format!("{k}{s}{v}\n")).collect();
        both(&text, None);
    }

    #[test]
    fn mutated_samples_never_panic(
        sample in prop::sample::select(SAMPLES.to_vec()),
        edits in prop::collection::vec(edit(), 0..10),
        crlf in any::<bool>(),
    ) {
        let mut text = mutate(sample, &edits);
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        both(&text, Some("example.cn"));
    }

    #[test]
    fn rdap_shaped_json_never_panics(value in rdapish()) {
        let json = value.to_string();
        both(&json, None);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        both(&String::from_utf8_lossy(&bytes), None);
    }
}
