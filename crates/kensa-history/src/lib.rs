//! Manifests in git: read a manifest (a file or a folder) as it was at any commit straight
//! from the object database, find the commits that changed it, and evaluate its history.
//! The only crate that knows git; nothing here prints.

pub mod git;
pub mod history;
pub mod render;
