//! `kensa diff` and `kensa history` for people, snapshot-tested (stdout, stderr, exit code):
//! two bundled manifests compared both ways in every format; a repository the test builds
//! with fixed authors and dates (so that its commit ids never change) read by `--rev`, its
//! timeline in every format, judged on one date or on each commit's own; and the errors
//! (outside a repository, an unknown revision, a shallow clone). The JSON of `kensa diff`
//! follows the committed schema, which `kensa schema diff` prints.

use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

mod common;

use common::{git, kensa, root};

const CLEAN: &str = "tests/fixtures/valid/clean.yaml";
const FINDINGS: &str = "tests/fixtures/valid/findings.yaml";
const AS_OF: &str = "2026-11-21";

/// A small clinic: one on-premise EHR with MFA, a security policy reviewed on 2025-06-01
/// (within a year of every commit's date, more than a year before `AS_OF`).
const MANIFEST: &str = r"apiVersion: kensa/v1
institution:
  id: sakura
  name: さくら診療所
  type: clinic
  online_eligibility: false
  dedicated_ops_staff: false
people:
  - { id: boss, name: 院長, roles: [executive, security_manager, planning_manager] }
systems:
  - id: ehr
    name: 電子カルテ
    category: ehr
    hosting: on_premise
    handles_medical_info: true
    authentication:
      methods: [password]
      mfa: true
      password_policy: { min_length: 8, lockout: true }
documents:
  security_policy:
    title: 医療情報システム安全管理基本方針
    reviewed_on: 2025-06-01
    approved_by: boss
    evidence: [院長室 規程ファイル]
";

// ---------------------------------------------------------------------------------------
// Two manifests on disk
// ---------------------------------------------------------------------------------------

/// `kensa --lang LANG diff OLD NEW --as-of AS_OF --format FORMAT`, from the repository root.
fn diff(lang: &str, old: &str, new: &str, format: &str) -> Command {
    let mut cmd = kensa();
    cmd.args([
        "--lang", lang, "diff", old, new, "--as-of", AS_OF, "--format", format,
    ]);
    cmd
}

macro_rules! diff_snapshots {
    ($($name:ident: $lang:literal, $old:expr, $new:expr, $format:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_cmd_snapshot!(diff($lang, $old, $new, $format));
        }
    )*};
}

diff_snapshots! {
    diff_text_ja: "ja", CLEAN, FINDINGS, "text";
    diff_text_en: "en", CLEAN, FINDINGS, "text";
    diff_markdown_ja: "ja", CLEAN, FINDINGS, "markdown";
    diff_markdown_en: "en", CLEAN, FINDINGS, "markdown";
    diff_json: "en", CLEAN, FINDINGS, "json";
    diff_reverse_text_ja: "ja", FINDINGS, CLEAN, "text";
    diff_reverse_text_en: "en", FINDINGS, CLEAN, "text";
    diff_reverse_markdown_ja: "ja", FINDINGS, CLEAN, "markdown";
    diff_reverse_markdown_en: "en", FINDINGS, CLEAN, "markdown";
    diff_reverse_json: "en", FINDINGS, CLEAN, "json";
}

/// Exit 1 only when the change introduces a violation at or above `--fail-on`: adding the
/// findings manifest's server introduces one critical violation (CL-2-7), removing it
/// introduces none.
#[test]
fn diff_fails_only_on_what_the_change_introduces() {
    let code = |old: &str, new: &str, fail_on: &str| {
        diff("en", old, new, "text")
            .args(["--fail-on", fail_on])
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(code(CLEAN, FINDINGS, "critical"), Some(1));
    assert_eq!(code(CLEAN, FINDINGS, "none"), Some(0));
    assert_eq!(code(FINDINGS, CLEAN, "low"), Some(0));
    assert_eq!(code(FINDINGS, FINDINGS, "low"), Some(0));
}

/// A manifest compared with itself changes nothing, in every format.
#[test]
fn a_manifest_compared_with_itself_changes_nothing() {
    let out = diff("en", FINDINGS, FINDINGS, "json")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for list in ["new", "resolved", "changed"] {
        assert_eq!(
            d["findings"][list].as_array().map(Vec::len),
            Some(0),
            "{list}"
        );
    }
    for list in ["added", "removed", "changed"] {
        assert_eq!(
            d["entities"][list].as_array().map(Vec::len),
            Some(0),
            "{list}"
        );
    }
    assert!(d.get("pattern").is_none());
    let text = diff("en", FINDINGS, FINDINGS, "text")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&text.stdout).contains("No change to compliance."));
}

// ---------------------------------------------------------------------------------------
// A repository built by the test
// ---------------------------------------------------------------------------------------

/// Short commit ids as libgit2 abbreviates them, whatever the user's `core.abbrev`.
fn pin_abbrev(dir: &Path) {
    git(
        dir,
        &["config", "core.abbrev", "7"],
        "2026-01-01T00:00:00+09:00",
    );
}

fn write(dir: &Path, path: &str, text: &str) {
    std::fs::write(dir.join(path), text).expect("write");
}

/// A clinic's repository, first parent (main) newest last:
///
/// ```text
/// 2026-01-05  Add the clinic manifest            (tag start)
/// 2026-02-02  Unrelated notes                     README only
/// 2026-03-02  Disable MFA on the EHR              (tag mfa-off)
/// 2026-04-01  Break the manifest                  institution.type: 3 (tag broken)
/// 2026-04-02  Fix the manifest                    (tag fixed)
/// 2026-05-10  More notes                          README only; the branch `cloud` has
///                                                 2026-05-01 Move the EHR to the cloud
/// 2026-05-15  Merge branch 'cloud'                --no-ff (tag merged)
/// 2026-06-01  Move the manifest into manifests/   a rename, same content
/// ```
fn clinic_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let mfa_off = MANIFEST.replace("mfa: true", "mfa: false");
    git(
        d,
        &["init", "-q", "-b", "main"],
        "2026-01-05T09:00:00+09:00",
    );
    pin_abbrev(d);
    write(d, "clinic.yaml", MANIFEST);
    git(d, &["add", "."], "2026-01-05T09:00:00+09:00");
    let commit = |message: &str, date: &str| {
        git(d, &["commit", "-q", "-a", "-m", message], date);
    };
    commit("Add the clinic manifest", "2026-01-05T09:00:00+09:00");
    git(d, &["tag", "start"], "2026-01-05T09:00:00+09:00");
    write(d, "README.md", "notes\n");
    git(d, &["add", "README.md"], "2026-02-02T09:00:00+09:00");
    commit("Unrelated notes", "2026-02-02T09:00:00+09:00");
    write(d, "clinic.yaml", &mfa_off);
    commit("Disable MFA on the EHR", "2026-03-02T09:00:00+09:00");
    git(d, &["tag", "mfa-off"], "2026-03-02T09:00:00+09:00");
    write(
        d,
        "clinic.yaml",
        &mfa_off.replace("  type: clinic", "  type: 3"),
    );
    commit("Break the manifest", "2026-04-01T09:00:00+09:00");
    git(d, &["tag", "broken"], "2026-04-01T09:00:00+09:00");
    write(d, "clinic.yaml", &mfa_off);
    commit("Fix the manifest", "2026-04-02T09:00:00+09:00");
    git(d, &["tag", "fixed"], "2026-04-02T09:00:00+09:00");
    git(
        d,
        &["checkout", "-q", "-b", "cloud"],
        "2026-05-01T09:00:00+09:00",
    );
    write(
        d,
        "clinic.yaml",
        &mfa_off.replace("hosting: on_premise", "hosting: cloud_saas"),
    );
    commit("Move the EHR to the cloud", "2026-05-01T09:00:00+09:00");
    git(d, &["checkout", "-q", "main"], "2026-05-10T09:00:00+09:00");
    write(d, "README.md", "notes\nmore notes\n");
    commit("More notes", "2026-05-10T09:00:00+09:00");
    git(
        d,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'cloud'",
            "cloud",
        ],
        "2026-05-15T09:00:00+09:00",
    );
    git(d, &["tag", "merged"], "2026-05-15T09:00:00+09:00");
    std::fs::create_dir(d.join("manifests")).expect("mkdir");
    git(
        d,
        &["mv", "clinic.yaml", "manifests/clinic.yaml"],
        "2026-06-01T09:00:00+09:00",
    );
    commit(
        "Move the manifest into manifests/",
        "2026-06-01T09:00:00+09:00",
    );
    dir
}

/// A shallow clone (`git clone --depth DEPTH file://…`) of `repo`.
fn shallow_clone(repo: &Path, depth: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("file://{}", repo.display());
    git(
        dir.path(),
        &["clone", "-q", "--depth", depth, &url, "clone"],
        "2026-06-02T09:00:00+09:00",
    );
    pin_abbrev(&dir.path().join("clone"));
    dir
}

/// A snapshot of `kensa --lang LANG ARGS…` run in a fresh clinic repository.
fn in_clinic_repo(name: &str, lang: &str, args: &[&str]) {
    let repo = clinic_repo();
    let d = repo.path();
    snapshot(name, &[d], kensa_in(d, lang, args));
}

/// `kensa --lang LANG ARGS…`, run in `dir`.
fn kensa_in(dir: &Path, lang: &str, args: &[&str]) -> Command {
    let mut cmd = kensa();
    cmd.current_dir(dir).args(["--lang", lang]).args(args);
    cmd
}

/// Snapshots `cmd` with the temporary folders' paths (as given and as resolved) replaced
/// by `[TMP]`, should any output name them.
fn snapshot(name: &str, dirs: &[&Path], mut cmd: Command) {
    let mut filters = Vec::new();
    for d in dirs {
        for p in [
            d.to_path_buf(),
            d.canonicalize().unwrap_or_else(|_| d.to_path_buf()),
        ] {
            filters.push((regex_escape(&p.to_string_lossy()), "[TMP]".to_string()));
        }
    }
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => true }, {
        assert_cmd_snapshot!(name, cmd);
    });
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The repository's commits are the same on every machine and every run.
#[test]
fn the_repository_is_the_same_every_time() {
    let ids = |dir: &Path| {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["log", "--first-parent", "--format=%h %s"])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .expect("git log");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let (a, b) = (clinic_repo(), clinic_repo());
    let log = ids(a.path());
    assert_eq!(log, ids(b.path()));
    assert_eq!(log.lines().count(), 8, "{log}");
}

#[test]
fn diff_rev_text_en() {
    in_clinic_repo(
        "diff_rev_text_en",
        "en",
        &[
            "diff",
            "--rev",
            "start..mfa-off",
            "clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    );
}

#[test]
fn diff_rev_text_ja() {
    in_clinic_repo(
        "diff_rev_text_ja",
        "ja",
        &[
            "diff",
            "--rev",
            "start..mfa-off",
            "clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    );
}

/// The merge brings the cloud move in: the pattern changes from Ⅲ to Ⅳ.
#[test]
fn diff_rev_pattern_change_markdown_ja() {
    in_clinic_repo(
        "diff_rev_pattern_change_markdown_ja",
        "ja",
        &[
            "diff",
            "--rev",
            "fixed..merged",
            "clinic.yaml",
            "--as-of",
            AS_OF,
            "--format",
            "markdown",
        ],
    );
}

#[test]
fn diff_rev_pattern_change_text_en() {
    in_clinic_repo(
        "diff_rev_pattern_change_text_en",
        "en",
        &[
            "diff",
            "--rev",
            "fixed..merged",
            "clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    );
}

#[test]
fn diff_rev_json() {
    in_clinic_repo(
        "diff_rev_json",
        "en",
        &[
            "diff",
            "--rev",
            "start..mfa-off",
            "clinic.yaml",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
}

/// A side whose manifest does not read: its problems, and exit 2.
#[test]
fn diff_rev_to_a_broken_commit() {
    in_clinic_repo(
        "diff_rev_to_a_broken_commit",
        "en",
        &[
            "diff",
            "--rev",
            "mfa-off..broken",
            "clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    );
}

/// The broken side is named as git names a file in a commit (`<commit>:<path>`), in the
/// snippet and in the message, so that it is clear which side does not read.
#[test]
fn diff_rev_names_the_commit_of_a_broken_side() {
    let repo = clinic_repo();
    let d = repo.path();
    let out = kensa_in(
        d,
        "en",
        &[
            "diff",
            "--rev",
            "mfa-off..broken",
            "clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let short = rev_short(d, "broken");
    assert_eq!(short.len(), 7, "{short}");
    assert!(
        stderr.contains(&format!("[{short}:clinic.yaml:5:9]")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("✗ {short}:clinic.yaml: ")),
        "{stderr}"
    );
}

/// `git rev-parse --short REV` in `dir`: the short id git and `kensa history` show.
fn rev_short(dir: &Path, rev: &str) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", "--short", rev])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git rev-parse");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The manifest was moved into manifests/ after `merged`: the base's path is found by
/// following the rename, and the output says so.
#[test]
fn diff_rev_across_a_rename_en() {
    in_clinic_repo(
        "diff_rev_across_a_rename_en",
        "en",
        &[
            "diff",
            "--rev",
            "start..HEAD",
            "manifests/clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    );
}

#[test]
fn diff_rev_across_a_rename_markdown_ja() {
    in_clinic_repo(
        "diff_rev_across_a_rename_markdown_ja",
        "ja",
        &[
            "diff",
            "--rev",
            "start..HEAD",
            "manifests/clinic.yaml",
            "--as-of",
            AS_OF,
            "--format",
            "markdown",
        ],
    );
}

/// Renames are followed both ways, by the path at either side, and recorded in the JSON.
#[test]
fn diff_rev_follows_renames_either_way() {
    let repo = clinic_repo();
    let d = repo.path();
    let json = |range: &str, path: &str| -> serde_json::Value {
        let out = kensa_in(
            d,
            "en",
            &[
                "diff", "--rev", range, path, "--as-of", AS_OF, "--format", "json",
            ],
        )
        .output()
        .expect("run");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{range} {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let (start, head) = (rev_short(d, "start"), rev_short(d, "HEAD"));
    let forward = json("start..HEAD", "manifests/clinic.yaml");
    assert_eq!(forward["old"]["label"], format!("{start}:clinic.yaml"));
    assert_eq!(
        forward["new"]["label"],
        format!("{head}:manifests/clinic.yaml")
    );
    assert_eq!(
        forward["rename"],
        serde_json::json!({ "from": "clinic.yaml", "to": "manifests/clinic.yaml" })
    );
    let backward = json("HEAD..start", "manifests/clinic.yaml");
    assert_eq!(
        backward["old"]["label"],
        format!("{head}:manifests/clinic.yaml")
    );
    assert_eq!(backward["new"]["label"], format!("{start}:clinic.yaml"));
    assert_eq!(
        backward["rename"],
        serde_json::json!({ "from": "manifests/clinic.yaml", "to": "clinic.yaml" })
    );
    // Renames are followed from the head back: the old name with a newer head is refused
    // with what to give instead.
    let out = kensa_in(d, "en", &["diff", "--rev", "start..HEAD", "clinic.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "`clinic.yaml` is not in commit {head} (the head): give the manifest's path as it is at the head"
        )),
        "{stderr}"
    );
    // No rename, no `rename`.
    assert!(
        json("start..mfa-off", "clinic.yaml")
            .get("rename")
            .is_none()
    );
}

/// A path that is not in a commit, under any name: the short id, which side, and what to
/// do, in both languages.
#[test]
fn diff_rev_path_not_in_the_base_en() {
    in_clinic_repo(
        "diff_rev_path_not_in_the_base_en",
        "en",
        &["diff", "--rev", "start..HEAD", "README.md"],
    );
}

#[test]
fn diff_rev_path_not_in_the_base_ja() {
    in_clinic_repo(
        "diff_rev_path_not_in_the_base_ja",
        "ja",
        &["diff", "--rev", "start..HEAD", "README.md"],
    );
}

#[test]
fn diff_rev_path_in_neither_commit_en() {
    in_clinic_repo(
        "diff_rev_path_in_neither_commit_en",
        "en",
        &["diff", "--rev", "start..HEAD", "nosuch.yaml"],
    );
}

/// One revision compares it with the working tree, as `git diff REV -- PATH` does: here
/// the working copy turns two-factor authentication back on, against `mfa-off` (where
/// the manifest had its old name).
#[test]
fn diff_rev_against_the_working_tree_en() {
    let repo = clinic_repo();
    let d = repo.path();
    write(d, "manifests/clinic.yaml", MANIFEST);
    snapshot(
        "diff_rev_against_the_working_tree_en",
        &[d],
        kensa_in(
            d,
            "en",
            &[
                "diff",
                "--rev",
                "mfa-off",
                "manifests/clinic.yaml",
                "--as-of",
                AS_OF,
            ],
        ),
    );
    // With the working tree as committed, nothing changed since HEAD.
    write(
        d,
        "manifests/clinic.yaml",
        &MANIFEST
            .replace("mfa: true", "mfa: false")
            .replace("hosting: on_premise", "hosting: cloud_saas"),
    );
    let out = kensa_in(
        d,
        "en",
        &[
            "diff",
            "--rev",
            "HEAD",
            "manifests/clinic.yaml",
            "--as-of",
            AS_OF,
        ],
    )
    .output()
    .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No change to compliance."));
}

/// A range git does not read is refused with the forms that are.
#[test]
fn diff_rev_malformed_range_en() {
    in_clinic_repo(
        "diff_rev_malformed_range_en",
        "en",
        &["diff", "--rev", "a..b..c", "clinic.yaml"],
    );
}

/// A manifest piped in (`kensa diff <(git show HEAD:m.yaml) m.yaml`) is read as a file.
#[cfg(unix)]
#[test]
fn diff_reads_a_manifest_from_a_pipe() {
    let kensa = kensa();
    let out = Command::new("bash")
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("KENSA_LANG")
        .arg("-c")
        .arg(r#""$0" --lang en diff <(cat "$1") "$2" --as-of "$3" --format json"#)
        .arg(kensa.get_program())
        .args([CLEAN, FINDINGS, AS_OF])
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        piped["old"]["label"]
            .as_str()
            .is_some_and(|l| l.starts_with("/dev/fd/") || l.starts_with("/proc/")),
        "{piped:#}"
    );
    let direct: serde_json::Value = serde_json::from_slice(
        &diff("en", CLEAN, FINDINGS, "json")
            .output()
            .expect("run")
            .stdout,
    )
    .expect("json");
    assert_eq!(piped["findings"], direct["findings"]);
    assert_eq!(piped["responsibility"], direct["responsibility"]);
}

/// `kensa history` in every format, judged on one date or on each commit's own, and from
/// an older revision (where the manifest still has its old path).
macro_rules! history_snapshots {
    ($($name:ident: $lang:literal, $path:literal, [$($arg:expr),*];)*) => {$(
        #[test]
        fn $name() {
            let repo = clinic_repo();
            let d = repo.path();
            snapshot(
                stringify!($name),
                &[d],
                kensa_in(d, $lang, &["history", $path, $($arg),*]),
            );
        }
    )*};
}

history_snapshots! {
    history_text_ja: "ja", "manifests/clinic.yaml", ["--as-of", AS_OF];
    history_text_en: "en", "manifests/clinic.yaml", ["--as-of", AS_OF];
    history_json: "en", "manifests/clinic.yaml", ["--as-of", AS_OF, "--format", "json"];
    history_csv_ja: "ja", "manifests/clinic.yaml", ["--as-of", AS_OF, "--format", "csv"];
    history_csv_en: "en", "manifests/clinic.yaml", ["--as-of", AS_OF, "--format", "csv"];
    history_html_en: "en", "manifests/clinic.yaml", ["--as-of", AS_OF, "--format", "html"];
    history_html_ja: "ja", "manifests/clinic.yaml", ["--as-of", AS_OF, "--format", "html"];
    history_as_of_commit_en: "en", "manifests/clinic.yaml", ["--as-of", "commit"];
    history_as_of_commit_ja: "ja", "manifests/clinic.yaml", ["--as-of", "commit"];
    history_from_a_revision_en: "en", "clinic.yaml", ["--rev", "fixed", "--as-of", AS_OF];
}

/// The timeline follows the rename and the first parent, shows the broken commit as
/// such, and blames the MFA commit; judged on each commit's date, the security policy
/// (reviewed 2025-06-01) was still within its year, and the FY2027 MFA deadline further.
#[test]
fn history_follows_the_rename_and_judges_each_commit_on_its_date() {
    let repo = clinic_repo();
    let d = repo.path();
    let timeline = |as_of: &str| -> serde_json::Value {
        let out = kensa_in(
            d,
            "en",
            &[
                "history",
                "manifests/clinic.yaml",
                "--as-of",
                as_of,
                "--format",
                "json",
            ],
        )
        .output()
        .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let today = timeline(AS_OF);
    let entries = today["entries"].as_array().expect("entries");
    let messages: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "Add the clinic manifest",
            "Disable MFA on the EHR",
            "Break the manifest",
            "Fix the manifest",
            "Merge branch 'cloud'",
            "Move the manifest into manifests/",
        ]
    );
    let paths: Vec<&str> = entries.iter().filter_map(|e| e["path"].as_str()).collect();
    assert_eq!(paths[0], "clinic.yaml");
    assert_eq!(paths[5], "manifests/clinic.yaml");
    assert_eq!(entries[2]["outcome"], "invalid");
    assert_eq!(entries[3]["pattern"], "III");
    assert_eq!(entries[4]["pattern"], "IV");
    let open = today["open"].as_array().expect("open");
    let blamed = |tl: &serde_json::Value, rule: &str, entity: &str| {
        tl["open"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|b| b["rule"] == rule && b["entity"] == entity)
            })
            .and_then(|b| b["since"].as_str().map(str::to_owned))
    };
    assert_eq!(
        blamed(&today, "CL-R7-PW-1-ROTATION", "system/ehr").as_deref(),
        entries[1]["commit"].as_str()
    );
    assert!(
        blamed(&today, "G-1.2.1a-1", "document/security_policy").is_some(),
        "the policy is more than a year old on {AS_OF}: {open:?}"
    );

    let then = timeline("commit");
    assert_eq!(then["as_of"], "commit");
    assert_eq!(
        blamed(&then, "G-1.2.1a-1", "document/security_policy"),
        None,
        "judged on 2026-06-01 the policy was reviewed within the year"
    );
    let violated =
        |tl: &serde_json::Value, i: usize| tl["entries"][i]["summary"]["violated"].as_u64();
    assert!(violated(&then, 0) < violated(&today, 0));
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn history_outside_a_repository() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "clinic.yaml", MANIFEST);
    snapshot(
        "history_outside_a_repository",
        &[dir.path()],
        kensa_in(dir.path(), "en", &["history", "clinic.yaml"]),
    );
}

#[test]
fn diff_rev_outside_a_repository_ja() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "clinic.yaml", MANIFEST);
    snapshot(
        "diff_rev_outside_a_repository_ja",
        &[dir.path()],
        kensa_in(
            dir.path(),
            "ja",
            &["diff", "--rev", "HEAD~1..HEAD", "clinic.yaml"],
        ),
    );
}

#[test]
fn diff_rev_unknown_revision() {
    in_clinic_repo(
        "diff_rev_unknown_revision",
        "en",
        &["diff", "--rev", "nosuch..HEAD", "manifests/clinic.yaml"],
    );
}

#[test]
fn history_unknown_revision_ja() {
    in_clinic_repo(
        "history_unknown_revision_ja",
        "ja",
        &["history", "manifests/clinic.yaml", "--rev", "nosuch"],
    );
}

#[test]
fn history_of_a_path_never_committed() {
    let repo = clinic_repo();
    let d = repo.path();
    write(d, "manifests/new.yaml", MANIFEST);
    snapshot(
        "history_of_a_path_never_committed",
        &[d],
        kensa_in(d, "en", &["history", "manifests/new.yaml"]),
    );
}

#[test]
fn history_with_a_malformed_as_of() {
    in_clinic_repo(
        "history_with_a_malformed_as_of",
        "en",
        &["history", "manifests/clinic.yaml", "--as-of", "2026-13-01"],
    );
}

/// A clone of depth 1 lacks the base: the message says how to fetch it.
#[test]
fn diff_rev_in_a_shallow_clone_en() {
    let repo = clinic_repo();
    let clone = shallow_clone(repo.path(), "1");
    let d = clone.path().join("clone");
    snapshot(
        "diff_rev_in_a_shallow_clone_en",
        &[repo.path(), clone.path()],
        kensa_in(
            &d,
            "en",
            &[
                "diff",
                "--rev",
                "HEAD~1..HEAD",
                "manifests/clinic.yaml",
                "--as-of",
                AS_OF,
            ],
        ),
    );
}

#[test]
fn diff_rev_in_a_shallow_clone_ja() {
    let repo = clinic_repo();
    let clone = shallow_clone(repo.path(), "1");
    let d = clone.path().join("clone");
    snapshot(
        "diff_rev_in_a_shallow_clone_ja",
        &[repo.path(), clone.path()],
        kensa_in(
            &d,
            "ja",
            &[
                "diff",
                "--rev",
                "HEAD~1..HEAD",
                "manifests/clinic.yaml",
                "--as-of",
                AS_OF,
            ],
        ),
    );
}

/// A clone of depth 3 holds the last two changes: the timeline says it is truncated.
#[test]
fn history_in_a_shallow_clone() {
    let repo = clinic_repo();
    let clone = shallow_clone(repo.path(), "3");
    let d = clone.path().join("clone");
    snapshot(
        "history_in_a_shallow_clone",
        &[repo.path(), clone.path()],
        kensa_in(
            &d,
            "en",
            &["history", "manifests/clinic.yaml", "--as-of", AS_OF],
        ),
    );
}

/// A clone of depth 1 (what actions/checkout fetches by default): its one commit is read
/// as the oldest state there is.
#[test]
fn history_in_a_clone_of_depth_1() {
    let repo = clinic_repo();
    let clone = shallow_clone(repo.path(), "1");
    let d = clone.path().join("clone");
    snapshot(
        "history_in_a_clone_of_depth_1",
        &[repo.path(), clone.path()],
        kensa_in(
            &d,
            "en",
            &["history", "manifests/clinic.yaml", "--as-of", AS_OF],
        ),
    );
}

// ---------------------------------------------------------------------------------------
// The diff schema
// ---------------------------------------------------------------------------------------

/// `kensa schema diff` prints the committed schema, and every `kensa diff --format json`
/// above follows it: files both ways, a field change, a pattern change, a responsibility
/// move.
#[test]
fn diff_json_follows_the_committed_diff_schema() {
    let text = std::fs::read_to_string(root().join("schemas/diff.v1.schema.json")).expect("schema");
    let printed = kensa().args(["schema", "diff"]).output().expect("run");
    assert_eq!(printed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&printed.stdout), text);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");

    let repo = clinic_repo();
    let d = repo.path();
    let runs = [
        diff("en", CLEAN, FINDINGS, "json"),
        diff("en", FINDINGS, CLEAN, "json"),
        kensa_in(
            d,
            "en",
            &[
                "diff",
                "--rev",
                "start..mfa-off",
                "clinic.yaml",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        ),
        kensa_in(
            d,
            "en",
            &[
                "diff",
                "--rev",
                "fixed..merged",
                "clinic.yaml",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for mut cmd in runs {
        let out = cmd.output().expect("run");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{cmd:?}: {errors:?}");
        assert_eq!(value["version"], "kensa.diff/v1");
        for key in ["pattern", "responsibility", "system_patterns"] {
            if value.get(key).is_some() {
                seen.insert(key);
            }
        }
        if value["entities"]["changed"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
        {
            seen.insert("entities.changed");
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            "entities.changed",
            "pattern",
            "responsibility",
            "system_patterns"
        ],
        "the runs cover every optional part of the schema"
    );
}

/// `kensa schema history` prints the committed schema, and `kensa history --format json`
/// follows it, with an invalid commit, a rename and a merge in the timeline, and in a
/// shallow clone (its oldest commit and blame marked).
#[test]
fn history_json_follows_the_committed_history_schema() {
    let text =
        std::fs::read_to_string(root().join("schemas/history.v1.schema.json")).expect("schema");
    let printed = kensa().args(["schema", "history"]).output().expect("run");
    assert_eq!(printed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&printed.stdout), text);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");

    let repo = clinic_repo();
    let shallow = shallow_clone(repo.path(), "2");
    for dir in [repo.path().to_path_buf(), shallow.path().join("clone")] {
        let out = kensa_in(
            &dir,
            "en",
            &[
                "history",
                "manifests/clinic.yaml",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        )
        .output()
        .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(value["entries"].as_array().is_some_and(|e| !e.is_empty()));
    }
}
