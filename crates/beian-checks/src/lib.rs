//! The checks (核查项) and the offline runs that use them.
//!
//! Every check lives in its own file under `checks/` and is registered once, in
//! [`registry`]. A check gathers nothing itself here: it receives evidence that was already
//! gathered (the filing, an analysed page) and a pure function judges it, returning
//! findings. A failing check is data (`Status::Fail`), never an `Err`.
//!
//! Two kinds of check exist so far:
//! - [`FilingCheck`]s judge the filed data alone: `beian lint`.
//! - [`PageCheck`]s judge a homepage, optionally against the filing: `beian inspect`.

mod check;
pub mod checks;
pub mod lexicons;
pub mod live;
pub mod registry;
pub mod registry_evidence;
pub mod selfcheck;
mod settings;
pub mod text;

pub use check::{
    FilingCheck, FilingContext, LiveCheck, LiveContext, PageCheck, PageContext, PageSubject,
    entity_province,
};
pub use registry::{inspect, judge_live, judge_registry, lint};
pub use settings::Settings;
