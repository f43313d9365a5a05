//! Shared by the CLI tests: the repository root and the `kensa` binary run from it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::get_cargo_bin;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `kensa`, run from the repository root, without colour or a language from the
/// environment.
pub fn kensa() -> Command {
    let mut cmd = Command::new(get_cargo_bin("kensa"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("KENSA_LANG");
    cmd
}
