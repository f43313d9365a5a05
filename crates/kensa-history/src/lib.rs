//! Manifests in git: read a manifest (a file or a folder) as it was at any commit straight
//! from the object database, find the commits that changed it, and evaluate its history.
//! The only crate that knows git; nothing here prints.

pub mod git;
pub mod history;
pub mod render;

/// The id of a git object, as [`git::Repo`] takes and gives commit ids.
pub use git2::Oid;
