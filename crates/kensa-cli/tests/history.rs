//! `kensa diff` and `kensa history` on a repository the test builds: a commit that disables
//! MFA on a system is one new violation in the diff, and the commit that introduced it in
//! the history.

mod common;

use common::{git, kensa};

const MANIFEST: &str = r#"apiVersion: kensa/v1
institution:
  id: t
  name: テスト診療所
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
"#;

/// A repository with four commits: the manifest, an unrelated file, MFA disabled, a
/// comment.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    git(
        d,
        &["init", "-q", "-b", "main"],
        "2026-01-01T09:00:00+09:00",
    );
    std::fs::write(d.join("clinic.yaml"), MANIFEST).expect("write");
    git(d, &["add", "."], "2026-01-01T09:00:00+09:00");
    git(
        d,
        &["commit", "-q", "-m", "Add the manifest"],
        "2026-01-01T09:00:00+09:00",
    );
    std::fs::write(d.join("README.md"), "notes\n").expect("write");
    git(d, &["add", "."], "2026-02-01T09:00:00+09:00");
    git(
        d,
        &["commit", "-q", "-m", "Unrelated"],
        "2026-02-01T09:00:00+09:00",
    );
    std::fs::write(
        d.join("clinic.yaml"),
        MANIFEST.replace("mfa: true", "mfa: false"),
    )
    .expect("write");
    git(
        d,
        &["commit", "-q", "-am", "Disable MFA on the EHR"],
        "2026-03-01T09:00:00+09:00",
    );
    std::fs::write(
        d.join("clinic.yaml"),
        format!(
            "# 診療所のマニフェスト\n{}",
            MANIFEST.replace("mfa: true", "mfa: false")
        ),
    )
    .expect("write");
    git(
        d,
        &["commit", "-q", "-am", "Add a comment"],
        "2026-04-01T09:00:00+09:00",
    );
    dir
}

#[test]
fn disabling_mfa_is_one_new_violation_and_its_commit_is_blamed() {
    let dir = repo();
    let d = dir.path();

    // The diff of the commit that disabled MFA.
    let out = kensa()
        .current_dir(d)
        .args([
            "diff",
            "--rev",
            "HEAD~2..HEAD~1",
            "clinic.yaml",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let new = diff["findings"]["new"].as_array().expect("new findings");
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["rule"], "CL-R7-PW-1-ROTATION");
    assert_eq!(new[0]["entity"], "system/ehr");

    // The same between two files on disk.
    let old = d.join("old.yaml");
    std::fs::write(&old, MANIFEST).expect("write");
    let out = kensa()
        .current_dir(d)
        .args([
            "diff",
            "old.yaml",
            "clinic.yaml",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(diff["findings"]["new"].as_array().map(Vec::len), Some(1));

    // The history: three commits changed the manifest; the blame names the MFA commit.
    let out = kensa()
        .current_dir(d)
        .args([
            "history",
            "clinic.yaml",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tl: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let entries = tl["entries"].as_array().expect("entries");
    let summaries: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(
        summaries,
        [
            "Add the manifest",
            "Disable MFA on the EHR",
            "Add a comment"
        ]
    );
    let open = tl["open"].as_array().expect("open");
    let blamed = open
        .iter()
        .find(|b| b["rule"] == "CL-R7-PW-1-ROTATION")
        .expect("the open violation");
    assert_eq!(blamed["entity"], "system/ehr");
    assert_eq!(blamed["since"], entries[1]["commit"]);

    // A second run reads the cache and gives the same timeline.
    let again = kensa()
        .current_dir(d)
        .args([
            "history",
            "clinic.yaml",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(again.stdout, out.stdout);
    assert!(
        d.join(".git/kensa").is_dir(),
        "the cache is in the git directory"
    );

    // The other formats.
    for format in ["text", "csv", "html"] {
        let out = kensa()
            .current_dir(d)
            .args([
                "--lang",
                "en",
                "history",
                "clinic.yaml",
                "--as-of",
                "2026-11-21",
                "--format",
                format,
            ])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Disable MFA on the EHR"), "{format}: {text}");
        if format == "html" {
            assert!(text.contains("<svg"), "the chart is inline SVG");
            assert!(!text.contains("http://") || text.contains("http://www.w3.org/2000/svg"));
        }
    }
}

#[test]
fn a_commit_whose_manifest_does_not_read_is_shown_as_such() {
    let dir = repo();
    let d = dir.path();
    std::fs::write(
        d.join("clinic.yaml"),
        "apiVersion: kensa/v1\ninstitution: 3\n",
    )
    .expect("write");
    git(
        d,
        &["commit", "-q", "-am", "Break it"],
        "2026-05-01T09:00:00+09:00",
    );
    let out = kensa()
        .current_dir(d)
        .args([
            "history",
            "clinic.yaml",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let tl: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let last = tl["entries"]
        .as_array()
        .and_then(|e| e.last())
        .expect("entry");
    assert_eq!(last["outcome"], "invalid");
    assert!(
        last["problems"][0]["en"]
            .as_str()
            .is_some_and(|p| p.contains("clinic.yaml:2:"))
    );
    // The blame skips it: the MFA commit is still the one that introduced the violation.
    assert!(tl["open"].as_array().is_some_and(|o| !o.is_empty()));
}

#[test]
fn outside_a_repository_and_unknown_revisions_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("m.yaml"), MANIFEST).expect("write");
    let out = kensa()
        .current_dir(dir.path())
        .args(["--lang", "en", "history", "m.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());

    let repo = repo();
    let out = kensa()
        .current_dir(repo.path())
        .args([
            "--lang",
            "en",
            "diff",
            "--rev",
            "nosuch..HEAD",
            "clinic.yaml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch"));
}
