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
}
