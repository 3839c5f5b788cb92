//! 编号与名称 — the identifiers a filing is made of, each a type built only by parsing.
