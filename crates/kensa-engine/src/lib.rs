//! The kensa engine: evaluates a validated manifest against the requirement catalogue.
//!
//! ```text
//! manifest ──build──▶ Cedar entities + aggregates ─┐
//! policies/*.cedar ──parse, re-key, validate──▶ catalogue (per entity type)
//!                                                  └─▶ applies / violates requests ──▶ findings
//! ```
//!
//! Every (rule, entity) pair gets exactly one [`Status`]; a Cedar evaluation error is
//! [`Status::CouldNotEvaluate`], never a pass. Nothing here prints.

pub mod baseline;
pub mod catalogue;
pub mod diff;
pub mod entities;
pub mod evaluate;
pub mod pattern;
pub mod report;
pub mod split;

pub use catalogue::{Catalogue, PolicyError, Rule, Severity, Volume};
pub use evaluate::{EngineError, Memo, Options, Timings, check, check_timed, check_with};
pub use pattern::Pattern;
pub use report::{BaselineState, CheckProblem, Finding, ProblemKind, Report, Status, Summary};
