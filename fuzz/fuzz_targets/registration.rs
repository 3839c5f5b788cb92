//! WHOIS and RDAP replies are read from the network: any bytes must give a registration
//! or an error, never a panic, and a registration must serialise and read back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let hint = text.lines().next().filter(|l| l.len() < 64);
    for result in [
        beian_registration::parse_whois(text, hint),
        beian_registration::parse_rdap(text, hint),
    ] {
        match result {
            Ok(registration) => {
                let json = serde_json::to_string(&registration).expect("serialise");
                let again: beian_registration::Registration =
                    serde_json::from_str(&json).expect("read back");
                assert_eq!(registration, again);
            }
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
});
