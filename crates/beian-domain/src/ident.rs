//! 编号与名称 — the identifiers a filing is made of, each a type built only by parsing.
//!
//! (Being written: icp, licence, police, id_card, credit_code, phone, domain, extract.)

pub mod extract;
