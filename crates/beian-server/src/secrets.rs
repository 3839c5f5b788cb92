//! Passwords, random tokens and their hashes: the only place that touches raw secrets.
//!
//! Passwords are stored as argon2id PHC strings. Session cookies, API tokens and
//! idempotency requests are stored as SHA-256 hashes, so a copy of the database gives
//! nobody a working credential. The CSRF token of a form is derived from the session
//! token, so it needs no storage and is worthless without the HttpOnly cookie.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// Checks a password against a stored PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so that an unknown login costs
/// the same time as a wrong password and does not reveal which logins exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("beian-dummy-password"))
}

/// A new random token: 32 bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token or request body, hex: what the store keeps.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The CSRF token of the forms shown within a session.
pub fn csrf_token(session_token: &str) -> String {
    sha256_hex(format!("csrf:{session_token}").as_bytes())[..32].to_string()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source is available");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_wrong_passwords() {
        let phc = hash_password("正确的密码 1");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码 1", &phc));
        assert!(!verify_password("正确的密码 2", &phc));
        assert!(!verify_password("正确的密码 1", "not a hash"));
        assert_ne!(phc, hash_password("正确的密码 1"), "salts differ");
    }

    #[test]
    fn tokens_are_random_and_csrf_depends_on_the_session() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert_eq!(csrf_token(&a), csrf_token(&a));
        assert!(constant_time_eq(&csrf_token(&a), &csrf_token(&a)));
        assert!(!constant_time_eq(&csrf_token(&a), &csrf_token(&b)));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
