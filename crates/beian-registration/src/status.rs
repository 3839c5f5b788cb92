//! 域名状态 — status values mapped to EPP status codes (RFC 5731).
//!
//! The checks look for `clientHold`/`serverHold` and report the rest, so one spelling per
//! status matters more than the registry's wording. RDAP spells the same codes in words
//! (`client transfer prohibited`, RFC 8056), Verisign appends a URL, TWNIC joins them with
//! commas, CNNIC's Chinese replies write them in Chinese, sometimes with the code in
//! brackets, and HKIRC says `Active` where EPP says `ok`. A value we do not know is kept
//! as given rather than dropped: it may matter to a person reading the evidence.

/// The EPP codes, in their canonical spelling.
const EPP_CODES: [&str; 23] = [
    "addPeriod",
    "autoRenewPeriod",
    "clientDeleteProhibited",
    "clientHold",
    "clientRenewProhibited",
    "clientTransferProhibited",
    "clientUpdateProhibited",
    "inactive",
    "ok",
    "pendingCreate",
    "pendingDelete",
    "pendingRenew",
    "pendingRestore",
    "pendingTransfer",
    "pendingUpdate",
    "redemptionPeriod",
    "renewPeriod",
    "serverDeleteProhibited",
    "serverHold",
    "serverRenewProhibited",
    "serverTransferProhibited",
    "serverUpdateProhibited",
    "transferPeriod",
];

/// CNNIC's Chinese names for the codes, and the words other registries use for `ok`.
const ALIASES: [(&str, &str); 16] = [
    ("active", "ok"),
    ("正常", "ok"),
    ("注册商设置禁止删除", "clientDeleteProhibited"),
    ("注册商设置禁止转移", "clientTransferProhibited"),
    ("注册商设置禁止更新", "clientUpdateProhibited"),
    ("注册商设置禁止续费", "clientRenewProhibited"),
    ("注册商设置暂停解析", "clientHold"),
    ("注册局设置禁止删除", "serverDeleteProhibited"),
    ("注册局设置禁止转移", "serverTransferProhibited"),
    ("注册局设置禁止更新", "serverUpdateProhibited"),
    ("注册局设置禁止续费", "serverRenewProhibited"),
    ("注册局设置暂停解析", "serverHold"),
    ("待删除", "pendingDelete"),
    ("等待删除", "pendingDelete"),
    ("赎回期", "redemptionPeriod"),
    ("待转移", "pendingTransfer"),
];

/// Splits one status value into its statuses and maps each to its EPP code; appends the
/// ones not yet in `into`.
pub fn push_statuses(raw: &str, into: &mut Vec<String>) {
    for part in raw.split([',', '，', ';', '；']) {
        if let Some(status) = normalise_one(part)
            && !into.contains(&status)
        {
            into.push(status);
        }
    }
}

/// One status, mapped; `None` for an empty one.
pub fn normalise_one(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    // `clientHold https://icann.org/epp#clientHold`: the code is what comes first.
    let without_url = match raw.find("http") {
        Some(0) | None => raw,
        Some(i) => raw.get(..i).unwrap_or(raw),
    };
    let without_url = without_url.trim().trim_end_matches(['(', '（']).trim();
    // `注册商设置禁止删除（clientDeleteProhibited）`: a known code in brackets wins.
    if let Some(code) = bracketed(without_url).and_then(canonical) {
        return Some(code.to_owned());
    }
    if let Some(code) = canonical(without_url) {
        return Some(code.to_owned());
    }
    // A bracketed Chinese name with an unknown code, or a name alone.
    let head = without_url
        .split(['(', '（'])
        .next()
        .unwrap_or(without_url)
        .trim();
    if let Some(code) = canonical(head) {
        return Some(code.to_owned());
    }
    Some(
        if without_url.is_empty() {
            raw
        } else {
            without_url
        }
        .to_owned(),
    )
}

/// The text between the first pair of brackets (ASCII or full-width).
fn bracketed(text: &str) -> Option<&str> {
    let open = text.find(['(', '（'])?;
    let rest = text.get(open..)?;
    let after_open = rest.char_indices().nth(1).map(|(i, _)| i)?;
    let rest = rest.get(after_open..)?;
    let close = rest.find([')', '）'])?;
    rest.get(..close).map(str::trim)
}

/// The canonical code for a spelling: case, spaces, `_` and `-` do not matter.
fn canonical(text: &str) -> Option<&'static str> {
    let key: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if key.is_empty() {
        return None;
    }
    EPP_CODES
        .iter()
        .copied()
        .find(|code| code.to_ascii_lowercase() == key)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == key)
                .map(|(_, code)| *code)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_epp_codes() {
        let cases: &[(&str, &[&str])] = &[
            ("ok", &["ok"]),
            ("OK", &["ok"]),
            ("Active", &["ok"]),
            ("active", &["ok"]),
            ("正常", &["ok"]),
            ("clientTransferProhibited", &["clientTransferProhibited"]),
            ("clienttransferprohibited", &["clientTransferProhibited"]),
            ("client transfer prohibited", &["clientTransferProhibited"]),
            ("server hold", &["serverHold"]),
            ("auto renew period", &["autoRenewPeriod"]),
            (
                "clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited",
                &["clientDeleteProhibited"],
            ),
            (
                "serverHold (https://icann.org/epp#serverHold)",
                &["serverHold"],
            ),
            (
                "clientUpdateProhibited,clientTransferProhibited,clientDeleteProhibited",
                &[
                    "clientUpdateProhibited",
                    "clientTransferProhibited",
                    "clientDeleteProhibited",
                ],
            ),
            (
                "注册商设置禁止删除（clientDeleteProhibited）",
                &["clientDeleteProhibited"],
            ),
            ("注册局设置暂停解析(serverHold)", &["serverHold"]),
            ("注册局设置禁止转移", &["serverTransferProhibited"]),
            ("注册商设置暂停解析（未知）", &["clientHold"]),
            ("", &[]),
            (" , ", &[]),
            ("connect", &["connect"]),
            (
                "Registered until renewal date.",
                &["Registered until renewal date."],
            ),
            ("ok, ok", &["ok"]),
        ];
        for (raw, expected) in cases {
            let mut got = Vec::new();
            push_statuses(raw, &mut got);
            assert_eq!(got, *expected, "{raw:?}");
        }
    }
}
