//! Every output format of `kensa check`, snapshot-tested (stdout, stderr, exit code) on a
//! clean manifest, one with findings and a broken one; baselines; portfolios and merge.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

mod common;

use common::{kensa, root};

const CLEAN: &str = "tests/fixtures/valid/clean.yaml";
const FINDINGS: &str = "tests/fixtures/valid/findings.yaml";
const BROKEN: &str = "tests/fixtures/invalid/wrong-types.yaml";
/// Reads, but an exception and a contract name rules that do not exist: not complete.
const INCOMPLETE: &str = "tests/hostile/unknown-rule-ids.yaml";

fn check(path: &str, format: &str, lang: &str) -> Command {
    let mut cmd = kensa();
    cmd.args([
        "--lang",
        lang,
        "check",
        path,
        "--as-of",
        "2026-11-21",
        "--format",
        format,
    ]);
    cmd
}

macro_rules! format_snapshots {
    ($($name:ident: $format:literal, $path:expr, $lang:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_cmd_snapshot!(check($path, $format, $lang));
        }
    )*};
}

format_snapshots! {
    markdown_clean: "markdown", CLEAN, "ja";
    markdown_findings_ja: "markdown", FINDINGS, "ja";
    markdown_findings_en: "markdown", FINDINGS, "en";
    markdown_broken: "markdown", BROKEN, "en";
    github_clean: "github", CLEAN, "en";
    github_findings: "github", FINDINGS, "ja";
    github_broken: "github", BROKEN, "en";
    gitlab_clean: "gitlab", CLEAN, "en";
    gitlab_findings: "gitlab", FINDINGS, "en";
    gitlab_broken: "gitlab", BROKEN, "en";
    sarif_clean: "sarif", CLEAN, "en";
    sarif_findings: "sarif", FINDINGS, "ja";
    sarif_broken: "sarif", BROKEN, "en";
    junit_clean: "junit", CLEAN, "en";
    junit_findings: "junit", FINDINGS, "en";
    junit_broken: "junit", BROKEN, "en";
    human_incomplete_ja: "human", INCOMPLETE, "ja";
    markdown_incomplete: "markdown", INCOMPLETE, "ja";
    github_incomplete: "github", INCOMPLETE, "en";
    gitlab_incomplete: "gitlab", INCOMPLETE, "en";
    sarif_incomplete: "sarif", INCOMPLETE, "en";
    junit_incomplete: "junit", INCOMPLETE, "en";
}

/// A check that is not complete fails in every format, whatever `--fail-on` says, and each
/// format carries the reason.
#[test]
fn an_incomplete_check_fails_in_every_format_whatever_fail_on_says() {
    for format in [
        "human", "json", "markdown", "github", "gitlab", "sarif", "junit",
    ] {
        for fail_on in ["critical", "none"] {
            let out = check(INCOMPLETE, format, "en")
                .args(["--fail-on", fail_on])
                .output()
                .expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{format} --fail-on {fail_on}\n{stdout}"
            );
            for id in ["CL-2-66", "CL-2-6X"] {
                assert!(stdout.contains(id), "{format}: no {id} in\n{stdout}");
            }
        }
    }
    let json = check(INCOMPLETE, "json", "en").output().expect("run");
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let kinds: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["unknown_rule_in_contract", "unknown_rule_in_exception"]
    );
    let sarif = check(INCOMPLETE, "sarif", "en").output().expect("run");
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // A clean manifest stays complete.
    let clean = check(CLEAN, "json", "en").output().expect("run");
    let report: serde_json::Value = serde_json::from_slice(&clean.stdout).expect("json");
    assert!(report.get("problems").is_none());
    assert_eq!(clean.status.code(), Some(0));
}

/// The diff of a change that leaves the new side incomplete fails, and says why.
#[test]
fn a_diff_whose_new_side_is_incomplete_fails() {
    let out = kensa()
        .args([
            "--lang",
            "en",
            "diff",
            INCOMPLETE,
            INCOMPLETE,
            "--as-of",
            "2026-11-21",
            "--fail-on",
            "none",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("names rule \"CL-2-66\""), "{stdout}");
}

fn json_of(path: &str, dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let status = check(path, "json", "en")
        .args(["--output"])
        .arg(&out)
        .status()
        .expect("run");
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    out
}

/// The baseline gates only on what is new: against itself nothing is new (exit 0 at any
/// --fail-on); against the clean manifest's results every violation is new (exit 1).
#[test]
fn baseline_gates_only_on_new_violations() {
    let dir = tempfile::tempdir().expect("tmp");
    let same = json_of(FINDINGS, dir.path(), "findings.json");
    let clean = json_of(CLEAN, dir.path(), "clean.json");

    let out = check(FINDINGS, "json", "en")
        .arg("--baseline")
        .arg(&same)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["baseline"]["new"], 0);
    assert_eq!(r["baseline"]["unchanged"], 12);

    let out = check(FINDINGS, "json", "en")
        .arg("--baseline")
        .arg(&clean)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["baseline"]["new"], 12);
    assert!(
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["status"] == "violated")
            .all(|f| f["baseline"] == "new")
    );

    // The other way round: the clean manifest resolves every violation of the baseline.
    let mut cmd = check(CLEAN, "markdown", "en");
    cmd.arg("--baseline").arg(&same);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("Resolved violations (12)"), "{md}");
}

#[test]
fn baseline_that_is_not_a_report_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"findings\": [1, 2]\n}\n").expect("write");
    let out = check(FINDINGS, "human", "en")
        .arg("--baseline")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json:2:"), "{err}");
    assert!(err.contains("kensa check --format json"), "{err}");
}

/// A portfolio folder: each file or sub-folder one institution; a broken one is reported
/// with its place and makes the exit code 2; shards split it with no overlap and merge
/// back to the whole.
#[test]
fn portfolio_shards_merge_back_to_the_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let pf = dir.path().join("clients");
    std::fs::create_dir(&pf).expect("mkdir");
    for name in [
        "clinic-cloud-nostaff.yaml",
        "dental-onprem-nostaff.yaml",
        "pharmacy.yaml",
        "hospital-onprem.yaml",
    ] {
        std::fs::copy(root().join("manifests/examples").join(name), pf.join(name)).expect("copy");
    }
    std::fs::create_dir(pf.join("mixed")).expect("mkdir");
    for e in std::fs::read_dir(root().join("manifests/examples/hospital-mixed")).expect("read") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), pf.join("mixed").join(e.file_name())).expect("copy");
    }
    std::fs::copy(root().join(CLEAN), pf.join("clean.yaml")).expect("copy");

    let whole = dir.path().join("whole.json");
    let status = kensa()
        .args([
            "check",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
            "--portfolio",
        ])
        .arg(&pf)
        .arg("-o")
        .arg(&whole)
        .status()
        .expect("run");
    assert_eq!(status.code(), Some(1));
    let whole: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&whole).expect("read")).expect("json");
    let paths = |v: &serde_json::Value| -> Vec<String> {
        v["institutions"]
            .as_array()
            .expect("institutions")
            .iter()
            .map(|i| i["path"].as_str().expect("path").to_string())
            .collect()
    };
    assert_eq!(paths(&whole).len(), 6);

    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard-{k}.json"));
        let status = kensa()
            .args([
                "check",
                "--as-of",
                "2026-11-21",
                "--format",
                "json",
                "--shard",
                &format!("{k}/3"),
                "--portfolio",
            ])
            .arg(&pf)
            .arg("-o")
            .arg(&out)
            .status()
            .expect("run");
        assert!(matches!(status.code(), Some(0 | 1)));
        shards.push(out);
    }
    let mut seen: Vec<String> = Vec::new();
    for s in &shards {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(s).expect("read")).expect("json");
        seen.extend(paths(&v));
    }
    seen.sort();
    let mut all = paths(&whole);
    all.sort();
    assert_eq!(seen, all, "shards cover the portfolio exactly once");

    let merged = kensa()
        .args(["merge", "--format", "json"])
        .args(&shards)
        .output()
        .expect("run");
    assert_eq!(merged.status.code(), Some(1));
    let merged: serde_json::Value = serde_json::from_slice(&merged.stdout).expect("json");
    assert_eq!(paths(&merged), paths(&whole));
    assert!(
        merged.get("shards").is_none(),
        "all shards present: the whole portfolio"
    );
    assert_eq!(merged["institutions"], whole["institutions"]);

    // A missing shard is said; the same shard twice is an overlap.
    let out = kensa()
        .args(["merge"])
        .args(&shards[..2])
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shards without results: 3")
            || String::from_utf8_lossy(&out.stderr).contains("結果のないシャード: 3")
    );
    let out = kensa()
        .args(["--lang", "en", "merge"])
        .arg(&shards[0])
        .arg(&shards[0])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("overlap"));

    // A broken institution: reported with its place, exit 2.
    std::fs::write(
        pf.join("broken.yaml"),
        "apiVersion: kensa/v1\ninstitution: 3\n",
    )
    .expect("write");
    let mut cmd = kensa();
    cmd.args([
        "--lang",
        "en",
        "check",
        "--as-of",
        "2026-11-21",
        "--portfolio",
    ])
    .arg(&pf);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("broken.yaml:2:14"), "{text}");
}

#[test]
fn portfolio_markdown_snapshot() {
    assert_cmd_snapshot!(kensa().args([
        "--lang",
        "en",
        "check",
        "--as-of",
        "2026-11-21",
        "--format",
        "markdown",
        "--portfolio",
        "manifests/examples",
    ]));
}

#[test]
fn shard_must_be_k_of_n() {
    let out = kensa()
        .args([
            "check",
            "--portfolio",
            "manifests/examples",
            "--shard",
            "4/3",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 1 and N"));
}

/// `kensa split --format json` follows the committed split schema, and `kensa schema split`
/// prints it.
#[test]
fn split_json_follows_the_committed_split_schema() {
    let text =
        std::fs::read_to_string(root().join("schemas/split.v1.schema.json")).expect("schema");
    let printed = kensa().args(["schema", "split"]).output().expect("run");
    assert_eq!(String::from_utf8_lossy(&printed.stdout), text);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for example in [
        "manifests/examples/clinic-cloud-nostaff.yaml",
        "manifests/examples/hospital-mixed",
    ] {
        let out = kensa()
            .args([
                "split",
                example,
                "--as-of",
                "2026-11-21",
                "--format",
                "json",
            ])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{example}: gaps exit 1");
        let split: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&split)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{example}: {errors:?}");
        assert_eq!(split["version"], "kensa.split/v1");
    }
}
