//! 个人信息脱敏 — masking ID numbers and phone numbers wherever they are shown.
//!
//! Reports, logs and (later) the console show personal numbers masked: enough to tell
//! two numbers apart and to recognise one's own, not enough to misuse. Masking works on
//! any string, valid or not, because an invalid number is personal data too.

/// Masks an ID number: the first 4 and last 4 characters stay, the rest become `*`.
/// Strings of 8 characters or fewer keep only their last character.
pub fn mask_id_number(number: &str) -> String {
    mask(number.trim(), 4, 4)
}

/// Masks a phone number: the first 3 and last 4 digits stay (`138****8000`).
pub fn mask_phone(number: &str) -> String {
    mask(number.trim(), 3, 4)
}

/// Masks every ID number and phone number found in free text (a customer's note, an
/// operator's opinion, a log line): runs of 15 or 18 digits (the last may be `X`) as ID
/// numbers, 11-digit numbers starting with 1 and area-code landlines as phones. It errs
/// on the side of masking: an order number that looks like a phone is masked too.
pub fn mask_text(text: &str) -> String {
    static NUMBERS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\d{17}[\dXx]|\d{15}|0\d{2,3}-?\d{7,8}|1\d{10}")
            .expect("pattern is valid")
    });
    NUMBERS
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let found = &caps[0];
            // Digits glued to the match on either side mean it is part of a longer number
            // (a bank account, a long order id): mask it all the same.
            if found.len() >= 15 {
                mask_id_number(found)
            } else {
                mask_phone(found)
            }
        })
        .into_owned()
}

fn mask(text: &str, keep_front: usize, keep_back: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n <= keep_front + keep_back {
        return chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i + 1 == n { *c } else { '*' })
            .collect();
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_front || i >= n - keep_back {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_in_the_middle() {
        assert_eq!(mask_id_number("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("010-62345678"), "010*****5678");
        assert_eq!(mask_id_number("E1234567"), "*******7");
        assert_eq!(mask_id_number(""), "");
        assert_eq!(mask_phone("张三的电话号码是多少"), "张三的***码是多少");
    }

    #[test]
    fn numbers_inside_text_are_masked() {
        assert_eq!(
            mask_text("负责人身份证11010519491231002X，手机13800138000，座机010-62345678。"),
            "负责人身份证1101**********002X，手机138****8000，座机010*****5678。"
        );
        assert_eq!(
            mask_text("备案号京ICP备12345678号-1"),
            "备案号京ICP备12345678号-1"
        );
        assert_eq!(mask_text(""), "");
    }
}
