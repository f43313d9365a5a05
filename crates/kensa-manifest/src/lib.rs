//! Reading and validating kensa institution manifests.
//!
//! A manifest describes one institution (医療機関等): its systems, assets, networks,
//! accounts, vendors, contracts, backups, documents and exceptions. It is one YAML file
//! or a folder of them. [`load`] reads it under [`Limits`], checks it against the JSON
//! Schema generated from [`model`], resolves references across files, and returns either
//! a [`Manifest`] or every [`Problem`] found, each with its file, line and column.
//!
//! This crate does no printing and no exiting: problems are plain data.

mod check;
pub mod limits;
pub mod load;
pub mod manifest;
pub mod model;
pub mod problem;
mod refs;
pub mod reuse;
pub mod schema;
pub mod source;
pub mod synthetic;
pub mod template;
pub mod yaml;

pub use limits::Limits;
pub use load::{Loaded, load, load_bytes, load_str};
pub use manifest::{EntityKind, Manifest};
pub use problem::{Code, Lang, Problem, Text};
pub use reuse::Reuse;
pub use source::{FileId, Origin, SourceFile, SourceSet, Span};
