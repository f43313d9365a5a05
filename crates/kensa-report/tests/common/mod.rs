//! Shared by the renderer tests: the bundled examples checked on a fixed date, and the
//! outside tools (installed by `.ci/test-tools` when missing).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use kensa_engine::{Catalogue, Options, Report, check};
use kensa_manifest::{Limits, load};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built-in catalogue.
pub fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| Catalogue::builtin().expect("built-in catalogue"))
}

/// The bundled examples, by file or folder name.
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("manifests/examples"))
        .expect("examples folder")
        .flatten()
        .filter(|e| e.path().is_dir() || e.file_name().to_string_lossy().ends_with(".yaml"))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
}

/// The report of a bundled example as of 2026-11-21, its locations named
/// `manifests/examples/<name>` as a user at the repository root would see them.
pub fn example_report(name: &str) -> Report {
    let label = format!("manifests/examples/{name}");
    let loaded = load(&root().join(&label), &Limits::default());
    let m = loaded.manifest.as_ref().expect("valid example");
    let mut report = check(
        m,
        &loaded.sources,
        catalogue(),
        &Options {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            manifest_label: label.clone(),
            threads: 0,
        },
    )
    .expect("check");
    // The loader names files by the path it was given (absolute here); show them as a
    // user at the repository root would.
    let prefix = root().join("manifests/examples");
    let locations = report
        .findings
        .iter_mut()
        .filter_map(|f| f.location.as_mut())
        .chain(
            report
                .unused_exceptions
                .iter_mut()
                .filter_map(|e| e.location.as_mut()),
        );
    for l in locations {
        let p = Path::new(&*l.file);
        if let Ok(rel) = p.strip_prefix(&prefix) {
            l.file = format!("manifests/examples/{}", rel.display()).into();
        }
    }
    report
}

/// The folder `.ci/test-tools` installs into, installing the tools on first use.
pub fn tools() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new(root().join(".ci/test-tools"))
            .output()
            .expect("run .ci/test-tools");
        assert!(
            out.status.success(),
            ".ci/test-tools failed (it needs npm, python3 and the package registries):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// The official SARIF validator.
pub fn sarif_multitool() -> PathBuf {
    tools().join("npm/node_modules/.bin/sarif-multitool")
}

/// A Python with junitparser.
pub fn python() -> PathBuf {
    tools().join("venv/bin/python")
}
