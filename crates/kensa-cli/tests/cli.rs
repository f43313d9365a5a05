//! The `kensa` command as a user sees it: stdout, stderr and exit code, snapshot-tested.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kensa() -> Command {
    let mut cmd = Command::new(get_cargo_bin("kensa"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("KENSA_LANG");
    cmd
}

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
