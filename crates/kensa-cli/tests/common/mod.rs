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

/// `git ARGS` in `dir` as a fixed author and committer at `date`, without the machine's or
/// the user's configuration, so that commit ids are the same on every machine.
pub fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "tester@example.invalid")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "tester@example.invalid")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
