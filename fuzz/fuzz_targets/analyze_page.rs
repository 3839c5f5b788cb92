//! Page analysis takes any bytes: it must never panic, and its ranges must slice its text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let page = beian_page::analyze(bytes, None);
    for link in &page.links {
        assert!(page.text.get(link.text_range.clone()).is_some());
    }
    for number in &page.numbers {
        assert!(page.text.get(number.range.clone()).is_some());
    }
});
