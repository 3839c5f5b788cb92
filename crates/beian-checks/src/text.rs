//! Text comparison helpers shared by the judges.

use unicode_normalization::UnicodeNormalization;

/// Folds a string for comparing names and titles: NFKC (full-width → half-width and
/// compatibility forms), lower case, and no whitespace at all, because a title such as
/// `云帆 数据` shows the same name as `云帆数据`.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .collect()
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_ignores_width_case_and_spaces() {
        assert_eq!(fold("ＡＢＣ　云帆 数据"), "abc云帆数据");
        assert_eq!(fold("Yun\u{200B}Fan"), "yunfan");
    }
}
