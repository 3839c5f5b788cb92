//! 脱敏 — masking personal numbers in exported cells and in free text.

use beian_domain::pii::{mask_id_number, mask_phone};

/// Masks what looks like a resident ID number (17 digits and a digit or `X`) or a mainland
/// mobile number (11 digits starting with 1) inside free text, leaving the rest as it is.
///
/// Exported free text (a finding's message, its evidence) should already be masked by the
/// check that wrote it; this is the second line of defence for text the store or an
/// operator wrote, so that a spreadsheet never carries a raw number by accident.
pub fn scrub_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let followed_by_word = i < chars.len() && chars[i].is_ascii_alphanumeric();
        let masked = match run.len() {
            _ if followed_by_word => run,
            18 => mask_id_number(&run),
            11 if run.starts_with('1') => mask_phone(&run),
            _ => run,
        };
        out.push_str(&masked);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_inside_text_are_masked() {
        let cases = [
            (
                "负责人证件号码 11010519491231002X 与姓名不符",
                "负责人证件号码 1101**********002X 与姓名不符",
            ),
            ("手机13800138000无法接通", "手机138****8000无法接通"),
            ("备案号京ICP备2024012345号", "备案号京ICP备2024012345号"),
            ("IP 203.0.113.7", "IP 203.0.113.7"),
            ("订单A13800138000B", "订单A13800138000B"),
            ("23800138000", "23800138000"),
            ("", ""),
        ];
        for (text, want) in cases {
            assert_eq!(scrub_text(text), want, "{text}");
        }
    }
}
