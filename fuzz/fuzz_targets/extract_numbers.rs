//! Number extraction must never panic, and every range it returns must slice the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let found = beian_domain::ident::extract::extract_numbers(text);
    for number in &found.accepted {
        let shown = text.get(number.range.clone()).expect("range on char boundaries");
        assert!(!shown.is_empty());
    }
    for rejected in &found.rejected {
        assert!(text.get(rejected.range.clone()).is_some());
    }
});
