//! Shared leniency: what people type and pages show, folded to what the parsers read.

/// Folds full-width ASCII to half-width, every dash to `-`, and drops whitespace and
/// zero-width characters, so that `粤ICP备 １７０８７４２７号 － 1` reads as
/// `粤ICP备17087427号-1`. Chinese characters are left alone.
pub(crate) fn compact(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

/// One character of [`compact`]: `None` drops it.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Zero-width characters that copy-paste from web pages carries along.
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        c if c.is_whitespace() => None,
        // Hyphen, non-breaking hyphen, figure dash, en dash, em dash, bar, minus.
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Some('-'),
        // Full-width ASCII block (！ … ～).
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        c => Some(c),
    }
}

/// The value as it appears in an error message: long input is cut so that a message
/// stays one line.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 40;
    let s = s.trim();
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

/// Splits off the leading run of ASCII digits.
pub(crate) fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_spaces_and_dashes_fold_away() {
        assert_eq!(
            compact("粤ICP备 １７０８７４２７号 － 1"),
            "粤ICP备17087427号-1"
        );
        assert_eq!(compact("ｉｃｐ\u{3000}备\u{200B}1"), "icp备1");
        assert_eq!(compact("0755–1234"), "0755-1234");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "号".repeat(100);
        assert_eq!(shown(&long).chars().count(), 41);
        assert_eq!(shown(" 短 "), "短");
    }

    #[test]
    fn digit_runs_split_on_char_boundaries() {
        assert_eq!(split_digits("123号-1"), ("123", "号-1"));
        assert_eq!(split_digits("号"), ("", "号"));
    }
}
