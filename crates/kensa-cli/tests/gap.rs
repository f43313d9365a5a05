//! `kensa gap`: the gap analysis of the pattern Ⅳ clinic as Markdown (ja, en) and CSV,
//! snapshot-tested whole (stdout, stderr, exit code), the CSV checked against the JSON,
//! and a manifest that does not read.

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;

mod common;

use common::kensa;

const CLINIC: &str = "manifests/examples/clinic-cloud-nostaff.yaml";
const BROKEN: &str = "tests/fixtures/invalid/wrong-types.yaml";
const AS_OF: &str = "2026-11-21";

/// `kensa --lang LANG gap PATH --as-of AS_OF --format FORMAT`.
fn gap(lang: &str, path: &str, format: &str) -> Command {
    let mut cmd = kensa();
    cmd.args([
        "--lang", lang, "gap", path, "--as-of", AS_OF, "--format", format,
    ]);
    cmd
}

#[test]
fn markdown_ja() {
    assert_cmd_snapshot!(gap("ja", CLINIC, "markdown"));
}

#[test]
fn markdown_en() {
    assert_cmd_snapshot!(gap("en", CLINIC, "markdown"));
}

#[test]
fn csv_ja() {
    assert_cmd_snapshot!(gap("ja", CLINIC, "csv"));
}

/// A check that is not complete (rule ids that name nothing) gives no gap analysis, in
/// any format: exit 2, naming each problem and its place.
#[test]
fn an_incomplete_check_gives_no_gap_analysis() {
    assert_cmd_snapshot!(gap("en", "tests/hostile/unknown-rule-ids.yaml", "html"));
    for format in ["json", "markdown", "csv"] {
        let out = gap("ja", "tests/hostile/unknown-rule-ids.yaml", format)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(out.stdout.is_empty(), "{format}: wrote a report");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown-rule-ids.yaml:18:5"), "{stderr}");
    }
}

#[test]
fn a_manifest_that_does_not_read_exits_2() {
    assert_cmd_snapshot!(gap("en", BROKEN, "markdown"));
}

/// Each CSV record is one gap of the JSON, in the same order, with the same deadline.
#[test]
fn csv_lines_are_the_gaps_of_the_json() {
    let out = gap("en", CLINIC, "json").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let gaps = json["gaps"].as_array().expect("gaps");
    let out = gap("en", CLINIC, "csv").output().expect("run");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("byte-order mark");
    // No field of this example holds a line break, so records are lines.
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), gaps.len() + 1);
    for (line, g) in lines[1..].iter().zip(gaps) {
        let p = g["priority"].as_u64().expect("priority");
        assert!(
            line.starts_with(&format!("{p},{},", g["severity"].as_str().expect("sev"))),
            "{line}"
        );
        assert!(
            line.contains(g["deadline"]["date"].as_str().expect("date")),
            "{line}"
        );
        assert!(line.contains(g["rule"].as_str().expect("rule")));
    }
}
