//! Reading a filing refuses bad input with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match beian_domain::Filing::from_json(text) {
        Ok(filing) => {
            // A filing that parsed serialises back and parses again to the same value.
            let json = serde_json::to_string(&filing).expect("serialise");
            let again = beian_domain::Filing::from_json(&json).expect("round trip");
            assert_eq!(filing, again);
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
