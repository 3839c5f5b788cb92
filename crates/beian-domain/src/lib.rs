//! The pure domain of ICP filing verification (备案信息核查).
//!
//! Nothing here does IO: no files, no network, no clock. Everything is a value that is
//! parsed, judged or rendered, so it can be tested with tables and fuzzed.
//!
//! Reading order: [`province`] (the 31 filing authorities), [`ident`] (the numbers and
//! names a filing is made of, each a type that only parsing can build), [`filing`] (the
//! filing model), [`catalogue`] (every check and its stable id), [`finding`] (what a check
//! concludes).

pub mod catalogue;
pub mod filing;
pub mod finding;
pub mod ident;
pub mod pii;
pub mod province;
pub mod workflow;

pub use catalogue::{Action, CheckDef, CheckId, EvidenceSource, Scope};
pub use filing::{Entity, EntityKind, Filing, FilingError, Person, Website};
pub use finding::{Evidence, Finding, Status, Target};
pub use province::Province;
