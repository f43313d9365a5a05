//! The `kensa` command as a user sees it: stdout, stderr and exit code, snapshot-tested.

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

mod common;

use common::{kensa, root};

/// One snapshot test per broken fixture: `kensa --lang en validate tests/fixtures/invalid/<file>`.
macro_rules! invalid {
    ($($name:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $name() {
            assert_cmd_snapshot!(kensa().args(["--lang", "en", "validate", concat!("tests/fixtures/invalid/", $file)]));
        }
    )*};
}

invalid! {
    unknown_field => "unknown-field.yaml",
    wrong_types_enums_dates_and_yaml11_booleans => "wrong-types.yaml",
    dangling_references => "dangling.yaml",
    duplicate_ids => "duplicate-ids.yaml",
    duplicate_key => "duplicate-key.yaml",
    yaml_syntax_error => "syntax.yaml",
    root_not_mapping => "root-sequence.yaml",
    empty_file => "empty.yaml",
    only_comments => "only-comments.yaml",
    several_documents => "multi-document.yaml",
    invalid_utf8_shift_jis => "shift-jis.yaml",
    utf16 => "utf16.yaml",
    alias_bomb => "alias-bomb.yaml",
    deep_block_nesting => "deep-nesting.yaml",
    deep_flow_nesting => "deep-flow.yaml",
    unsupported_api_version => "api-version.yaml",
    missing_api_version_and_fields => "no-api-version.yaml",
    bom_keeps_positions => "bom-with-error.yaml",
    folder_conflicts_across_files => "split-conflicts",
    folder_without_institution => "no-institution",
    folder_without_yaml => "empty-folder",
}

#[test]
fn missing_path() {
    assert_cmd_snapshot!(kensa().args([
        "--lang",
        "en",
        "validate",
        "tests/fixtures/does-not-exist.yaml"
    ]));
}

#[test]
fn japanese_messages_by_default() {
    assert_cmd_snapshot!(kensa().args(["validate", "tests/fixtures/invalid/wrong-types.yaml"]));
}

#[test]
fn japanese_dangling_references() {
    assert_cmd_snapshot!(kensa().args(["validate", "tests/fixtures/invalid/dangling.yaml"]));
}

#[test]
fn valid_folder() {
    assert_cmd_snapshot!(kensa().args(["--lang", "en", "validate", "tests/fixtures/valid/split"]));
}

#[test]
fn several_paths_fail_if_one_fails() {
    assert_cmd_snapshot!(kensa().args([
        "--lang",
        "en",
        "validate",
        "tests/fixtures/valid/norway.yaml",
        "tests/fixtures/invalid/duplicate-key.yaml",
    ]));
}

#[test]
fn json_output() {
    assert_cmd_snapshot!(kensa().args([
        "validate",
        "--format",
        "json",
        "--lang",
        "en",
        "tests/fixtures/invalid/unknown-field.yaml",
        "tests/fixtures/valid/split",
    ]));
}

#[test]
fn file_over_the_size_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("huge.yaml");
    // A sparse file just over the 64 MiB limit: read up to the limit, then refused.
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(64 * 1024 * 1024 + 1).expect("grow");
    let output = kensa()
        .args(["--lang", "en", "validate"])
        .arg(&big)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("kensa::too-large"), "{stderr}");
    assert!(stderr.contains("huge.yaml"), "{stderr}");
    assert!(stderr.contains("limit: 64 MiB"), "{stderr}");
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let output = kensa().arg("schema").output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("schemas/manifest.v1.schema.json"))
        .expect("schemas/manifest.v1.schema.json");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        committed,
        "schemas/manifest.v1.schema.json is stale: run `cargo run -- schema > schemas/manifest.v1.schema.json`"
    );
}

#[test]
fn init_writes_a_valid_manifest_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = kensa();
    cmd.current_dir(dir.path());
    assert_cmd_snapshot!(cmd.args([
        "--lang",
        "en",
        "init",
        "clinic.yaml",
        "--type",
        "dental-clinic",
        "--hosting",
        "on-premise"
    ]));
    let written = std::fs::read_to_string(dir.path().join("clinic.yaml")).expect("written");
    assert!(written.starts_with("# yaml-language-server: $schema=./manifest.v1.schema.json\n"));
    assert!(written.contains("type: dental_clinic"));
    assert!(dir.path().join("manifest.v1.schema.json").exists());

    let validate = kensa()
        .args(["validate"])
        .arg(dir.path().join("clinic.yaml"))
        .output()
        .expect("run");
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );

    std::fs::write(dir.path().join("clinic.yaml"), "mine\n").expect("edit");
    let mut again = kensa();
    again.current_dir(dir.path());
    assert_cmd_snapshot!(again.args(["--lang", "en", "init", "clinic.yaml"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("clinic.yaml")).expect("kept"),
        "mine\n",
        "init changed an existing file"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_cmd_snapshot!(kensa().args(["validate"]));
}

// --- kensa check / rules / explain ---------------------------------------------------

/// `kensa check` judged on the day the examples are written for.
fn check(args: &[&str]) -> Command {
    let mut cmd = kensa();
    cmd.arg("check").args(args).args(["--as-of", "2026-11-21"]);
    cmd
}

#[test]
fn check_clinic_cloud_nostaff_in_japanese() {
    assert_cmd_snapshot!(check(&["manifests/examples/clinic-cloud-nostaff.yaml"]));
}

#[test]
fn check_dental_onprem_in_english() {
    let mut cmd = check(&["manifests/examples/dental-onprem-nostaff.yaml"]);
    cmd.args(["--lang", "en"]);
    assert_cmd_snapshot!(cmd);
}

#[test]
fn check_hospital_mixed_fail_on_critical() {
    let mut cmd = check(&["manifests/examples/hospital-mixed", "--fail-on", "critical"]);
    cmd.args(["--lang", "en"]);
    assert_cmd_snapshot!(cmd);
}

#[test]
fn check_fail_on_none_exits_0_with_violations() {
    let out = check(&[
        "manifests/examples/dental-onprem-nostaff.yaml",
        "--fail-on",
        "none",
    ])
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("✗ CL-"));
}

#[test]
fn check_invalid_manifest_exits_2() {
    assert_cmd_snapshot!(check(&[
        "tests/fixtures/invalid/dangling.yaml",
        "--lang",
        "en"
    ]));
}

#[test]
fn check_with_custom_policies() {
    let mut cmd = check(&[
        "manifests/examples/hospital-mixed",
        "--policies",
        "tests/fixtures/policies/custom",
        "--format",
        "json",
    ]);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let custom: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "ORG-ADMIN-MFA" && f["status"] == "violated")
        .map(|f| f["entity"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(custom, ["account/seiran-rm", "account/svc-backup"]);
    assert_eq!(
        report["catalogue"]["custom_policy_dirs"],
        serde_json::json!(["tests/fixtures/policies/custom"])
    );
}

#[test]
fn check_with_broken_policies_names_file_line_and_column() {
    assert_cmd_snapshot!(check(&[
        "manifests/examples/clinic-cloud-nostaff.yaml",
        "--policies",
        "tests/fixtures/policies/broken",
        "--lang",
        "en",
    ]));
}

#[test]
fn check_json_follows_the_committed_findings_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/findings.v1.schema.json")).expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for example in [
        "manifests/examples/hospital-onprem.yaml",
        "manifests/examples/hospital-mixed",
        "manifests/examples/pharmacy.yaml",
    ] {
        let out = check(&[example, "--format", "json"]).output().expect("run");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{example}: {errors:?}");
        assert_eq!(report["version"], "kensa.findings/v1");
    }
}

#[test]
fn check_is_deterministic() {
    let a = check(&["manifests/examples/hospital-mixed", "--format", "json"])
        .output()
        .expect("run");
    let b = check(&["manifests/examples/hospital-mixed", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn findings_schema_command_prints_the_committed_schema() {
    let output = kensa().args(["schema", "findings"]).output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("schemas/findings.v1.schema.json"))
        .expect("schemas/findings.v1.schema.json");
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[test]
fn rules_lists_the_vendor_volume() {
    assert_cmd_snapshot!(kensa().args(["--lang", "en", "rules", "--volume", "vendor"]));
}

#[test]
fn rules_json_has_at_least_80_rules_and_filters_by_pattern_and_edition() {
    let all = kensa()
        .args(["rules", "--format", "json"])
        .output()
        .expect("run");
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).expect("json");
    assert!(all["count"].as_u64().unwrap_or(0) >= 80);
    let r7 = kensa()
        .args(["rules", "--format", "json", "--edition", "R7"])
        .output()
        .expect("run");
    let r7: serde_json::Value = serde_json::from_slice(&r7.stdout).expect("json");
    assert!(r7["rules"].as_array().expect("rules").iter().all(|r| {
        r["editions"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == "R7"))
    }));
    let under_ii = kensa()
        .args(["rules", "--format", "json", "--pattern", "II"])
        .output()
        .expect("run");
    let under_ii: serde_json::Value = serde_json::from_slice(&under_ii.stdout).expect("json");
    assert!(under_ii["count"].as_u64() < all["count"].as_u64());
}

#[test]
fn explain_a_rule() {
    assert_cmd_snapshot!(kensa().args(["explain", "CL-2-6"]));
}

#[test]
fn explain_an_unknown_rule_suggests_one() {
    assert_cmd_snapshot!(kensa().args(["--lang", "en", "explain", "CL-2-66"]));
}
