//! The CI templates of `ci/`: `ci/kensa.sh` run for real with this build of kensa on the
//! bundled examples, with stub `gh` and `curl` commands on PATH that record how they were
//! called (no network), and the YAML templates parsed and matched with the script.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The day the examples are written for.
const AS_OF: &str = "2026-11-21";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn kensa_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kensa")
}

/// Records each call (arguments, then standard input) in `$FAKE_GH_LOG`; prints
/// `$FAKE_GH_EXISTING` (comment ids) for a listing and exits with `$FAKE_GH_EXIT`.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
{
  printf 'CALL'
  printf ' [%s]' "$@"
  printf '\n'
  cat
  printf '\nEND CALL\n'
} >>"$FAKE_GH_LOG"
if [[ " $* " == *" --paginate "* ]]; then printf '%s' "${FAKE_GH_EXISTING:-}"; fi
exit "${FAKE_GH_EXIT:-0}"
"#;

/// Records each call (arguments, then the file of a `body@FILE` argument) in
/// `$FAKE_CURL_LOG`; answers a listing with `$FAKE_CURL_NOTES` (default `[]`).
const FAKE_CURL: &str = r#"#!/usr/bin/env bash
{
  printf 'CALL'
  printf ' [%s]' "$@"
  printf '\n'
  for a in "$@"; do
    case $a in body@*) cat "${a#body@}" ;; esac
  done
  printf '\nEND CALL\n'
} >>"$FAKE_CURL_LOG"
case " $* " in
  *" --request "*) printf '{"id": 1}' ;;
  *) printf '%s' "${FAKE_CURL_NOTES:-[]}" ;;
esac
exit "${FAKE_CURL_EXIT:-0}"
"#;

/// A temporary workplace: stub commands, a job-summary file, the reports' folder.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).expect("bin dir");
        for (name, text) in [("gh", FAKE_GH), ("curl", FAKE_CURL)] {
            let path = bin.join(name);
            fs::write(&path, text).expect("stub");
            make_executable(&path);
        }
        fs::write(dir.path().join("summary.md"), "previous step\n").expect("summary");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn out(&self, name: &str) -> PathBuf {
        self.path("out").join(name)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn read_out(&self, name: &str) -> String {
        let path = self.out(name);
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()));
        assert!(!text.trim().is_empty(), "{} is empty", path.display());
        text
    }

    /// `bash ci/kensa.sh MODE` from the repository root, with CI variables of the machine
    /// running the tests removed and the stubs first on PATH.
    fn script(&self, mode: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("ci/kensa.sh"))
            .arg(mode)
            .current_dir(root())
            .stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if ["KENSA_", "GITHUB_", "GITLAB_", "CI_", "GH_", "RUNNER_"]
                .iter()
                .any(|p| key.starts_with(p))
                || key == "CI"
            {
                cmd.env_remove(key);
            }
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.path("bin")];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).expect("PATH"))
            .env("NO_COLOR", "1")
            .env("KENSA_BIN", kensa_bin())
            .env("KENSA_AS_OF", AS_OF)
            .env("KENSA_OUT", self.path("out"))
            .env("FAKE_GH_LOG", self.path("gh.log"))
            .env("FAKE_CURL_LOG", self.path("curl.log"));
        cmd
    }

    /// The variables GitHub Actions sets for a pull request.
    fn github(&self, mode: &str) -> Command {
        let mut cmd = self.script(mode);
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_REF", "refs/pull/7/merge")
            .env("GITHUB_REPOSITORY", "aoba-hospital/manifests")
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GH_TOKEN", "test-token");
        cmd
    }

    /// The variables GitLab CI sets for a merge-request pipeline, and a token.
    fn gitlab(&self, mode: &str) -> Command {
        let mut cmd = self.script(mode);
        cmd.env("GITLAB_CI", "true")
            .env("CI_MERGE_REQUEST_IID", "3")
            .env("CI_API_V4_URL", "https://gitlab.invalid/api/v4")
            .env("CI_PROJECT_ID", "42")
            .env("KENSA_GITLAB_TOKEN", "test-token");
        cmd
    }

    /// The calls a stub recorded: (arguments, input).
    fn calls(&self, log: &str) -> Vec<(String, String)> {
        self.read(log)
            .split("\nEND CALL\n")
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                let c = c.strip_prefix('\n').unwrap_or(c);
                let (args, input) = c.split_once('\n').unwrap_or((c, ""));
                (args.to_owned(), input.to_owned())
            })
            .collect()
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run ci/kensa.sh")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// kensa's own exit code for the same check.
fn kensa_check_exit(path: &str, fail_on: &str) -> i32 {
    let status = Command::new(kensa_bin())
        .args(["check", path, "--format", "json", "--as-of", AS_OF])
        .args(["--fail-on", fail_on])
        .current_dir(root())
        .env_remove("KENSA_LANG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run kensa");
    status.code().expect("exit code")
}

const DENTAL: &str = "manifests/examples/dental-onprem-nostaff.yaml";
const PHARMACY: &str = "manifests/examples/pharmacy.yaml";

#[test]
fn github_mode_writes_reports_annotates_summarises_comments_and_fails_like_kensa() {
    let job = Job::new();
    let output = run(job
        .github("github")
        .env("KENSA_PATH", DENTAL)
        .env("KENSA_FAIL_ON", "low"));
    let (out, err) = (stdout(&output), stderr(&output));

    assert_eq!(code(&output), 1, "stderr:\n{err}");
    assert_eq!(code(&output), kensa_check_exit(DENTAL, "low"));

    let sarif: serde_json::Value =
        serde_json::from_str(&job.read_out("kensa.sarif")).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let md = job.read_out("kensa.md");
    job.read_out("kensa.json");

    let annotations: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(&format!("::error file={DENTAL},line=")))
        .collect();
    assert!(
        annotations.len() > 10,
        "annotations on the manifest lines expected, got {}:\n{out}",
        annotations.len()
    );

    assert_eq!(job.read("summary.md"), format!("previous step\n{md}"));

    let calls = job.calls("gh.log");
    assert_eq!(calls.len(), 2, "a lookup and a new comment: {calls:?}");
    assert!(
        calls[0]
            .0
            .contains("[api] [--paginate] [repos/aoba-hospital/manifests/issues/7/comments]"),
        "{}",
        calls[0].0
    );
    assert!(
        calls[1]
            .0
            .contains("[--method] [POST] [repos/aoba-hospital/manifests/issues/7/comments]"),
        "{}",
        calls[1].0
    );
    let body = &calls[1].1;
    assert!(
        body.starts_with(
            "<!-- kensa-ci-summary:manifests_examples_dental-onprem-nostaff.yaml -->\n"
        ),
        "the comment starts with its hidden marker:\n{}",
        &body[..body.len().min(300)]
    );
    assert!(body.contains(md.trim_end()), "the comment carries kensa.md");
}

#[test]
fn github_mode_with_fail_on_none_passes_like_kensa() {
    let job = Job::new();
    let output = run(job
        .github("github")
        .env("KENSA_PATH", DENTAL)
        .env("KENSA_FAIL_ON", "none"));
    assert_eq!(code(&output), 0, "stderr:\n{}", stderr(&output));
    assert_eq!(code(&output), kensa_check_exit(DENTAL, "none"));
    job.read_out("kensa.sarif");
    job.read_out("kensa.md");
}

#[test]
fn github_mode_updates_its_earlier_comment() {
    let job = Job::new();
    let output = run(job
        .github("github")
        .env("KENSA_PATH", PHARMACY)
        .env("KENSA_COMMENT_KEY", "hospital one")
        .env("FAKE_GH_EXISTING", "4242\n4343\n"));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    let calls = job.calls("gh.log");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0].0.contains("kensa-ci-summary:hospital_one"),
        "the lookup searches for this job's marker: {}",
        calls[0].0
    );
    assert!(
        calls[1]
            .0
            .contains("[--method] [PATCH] [repos/aoba-hospital/manifests/issues/comments/4242]"),
        "{}",
        calls[1].0
    );
    assert!(
        calls[1]
            .1
            .starts_with("<!-- kensa-ci-summary:hospital_one -->\n")
    );
}

#[test]
fn a_failing_gh_warns_and_keeps_the_verdict() {
    for (fail_on, expected) in [("low", 1), ("none", 0)] {
        let job = Job::new();
        let output = run(job
            .github("github")
            .env("KENSA_PATH", DENTAL)
            .env("KENSA_FAIL_ON", fail_on)
            .env("KENSA_LANG", "en")
            .env("FAKE_GH_EXIT", "1"));
        let out = stdout(&output);
        assert_eq!(
            code(&output),
            expected,
            "--fail-on {fail_on}; stderr:\n{}",
            stderr(&output)
        );
        assert_eq!(code(&output), kensa_check_exit(DENTAL, fail_on));
        assert!(
            out.contains("::warning title=kensa::could not read the comments"),
            "{out}"
        );
        assert!(!job.calls("gh.log").is_empty(), "gh was tried");
        // The job summary does not depend on gh.
        assert!(job.read("summary.md").len() > "previous step\n".len());
    }
}

#[test]
fn no_comment_outside_a_pull_request() {
    let job = Job::new();
    let output = run(job
        .github("github")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REF", "refs/heads/main")
        .env("KENSA_PATH", PHARMACY));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    assert!(job.calls("gh.log").is_empty(), "gh must not be called");
    assert!(job.read("summary.md").contains(&job.read_out("kensa.md")));
}

#[test]
fn a_manifest_that_cannot_be_read_exits_2_and_says_so() {
    let job = Job::new();
    let output = run(job
        .github("github")
        .env("KENSA_PATH", "tests/fixtures/invalid/syntax.yaml")
        .env("KENSA_LANG", "en"));
    assert_eq!(code(&output), 2);
    assert!(
        job.read("summary.md")
            .contains("kensa could not check tests/fixtures/invalid/syntax.yaml"),
        "{}",
        job.read("summary.md")
    );
    assert!(job.calls("gh.log").is_empty());
}

#[test]
fn gitlab_mode_writes_code_quality_junit_sarif_markdown_and_a_note() {
    let job = Job::new();
    let output = run(job.gitlab("gitlab").env("KENSA_PATH", DENTAL));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    assert_eq!(code(&output), kensa_check_exit(DENTAL, "low"));

    let quality: serde_json::Value =
        serde_json::from_str(&job.read_out("gl-code-quality-report.json"))
            .expect("Code Quality report is JSON");
    let issues = quality.as_array().expect("Code Quality report is an array");
    assert!(!issues.is_empty());
    assert!(
        issues
            .iter()
            .all(|i| i["location"]["path"].as_str() == Some(DENTAL)),
        "every issue names the manifest by its repository path"
    );
    assert!(job.read_out("junit.xml").contains("<testsuites"));
    let sarif: serde_json::Value =
        serde_json::from_str(&job.read_out("kensa.sarif")).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let md = job.read_out("kensa.md");

    let calls = job.calls("curl.log");
    assert_eq!(calls.len(), 2, "a lookup and a new note: {calls:?}");
    let notes = "https://gitlab.invalid/api/v4/projects/42/merge_requests/3/notes";
    assert!(calls[0].0.contains(notes) && !calls[0].0.contains("--request"));
    assert!(calls[0].0.contains("[PRIVATE-TOKEN: test-token]"));
    assert!(
        calls[1].0.contains("[--request] [POST]") && calls[1].0.contains(&format!("[{notes}]")),
        "{}",
        calls[1].0
    );
    assert!(
        calls[1]
            .1
            .starts_with("<!-- kensa-ci-summary:manifests_examples_dental-onprem-nostaff.yaml -->")
    );
    assert!(calls[1].1.contains(md.trim_end()));
}

#[test]
fn gitlab_mode_updates_its_earlier_note() {
    let job = Job::new();
    // GitLab escapes < and > in JSON; the lookup must still find the marker.
    let notes = r#"[{"id":5,"type":null,"body":"LGTM","author":{"id":1}},
        {"id":9,"type":null,"body":"\u003c!-- kensa-ci-summary:manifests_examples_pharmacy.yaml --\u003e\nold","author":{"id":2}}]"#;
    let output = run(job
        .gitlab("gitlab")
        .env("KENSA_PATH", PHARMACY)
        .env("FAKE_CURL_NOTES", notes));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    let calls = job.calls("curl.log");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].0.contains("[--request] [PUT]")
            && calls[1]
                .0
                .contains("/projects/42/merge_requests/3/notes/9]"),
        "{}",
        calls[1].0
    );
}

#[test]
fn gitlab_mode_without_a_token_posts_nothing_and_a_failing_curl_keeps_the_verdict() {
    let job = Job::new();
    let output = run(job
        .gitlab("gitlab")
        .env("KENSA_PATH", PHARMACY)
        .env_remove("KENSA_GITLAB_TOKEN"));
    assert_eq!(code(&output), 1);
    assert!(job.calls("curl.log").is_empty());

    let job = Job::new();
    let output = run(job
        .gitlab("gitlab")
        .env("KENSA_PATH", PHARMACY)
        .env("KENSA_FAIL_ON", "none")
        .env("FAKE_CURL_EXIT", "22"));
    assert_eq!(code(&output), 0, "stderr:\n{}", stderr(&output));
    assert_eq!(job.calls("curl.log").len(), 1);
}

/// A portfolio folder made of copies of the examples: five files and one folder.
fn portfolio(job: &Job) -> (PathBuf, Vec<String>) {
    let dir = job.path("institutions");
    fs::create_dir(&dir).expect("portfolio dir");
    let examples = root().join("manifests/examples");
    let mut names = Vec::new();
    for entry in fs::read_dir(&examples).expect("examples") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if path.extension().is_some_and(|e| e == "yaml") {
            fs::copy(&path, dir.join(&name)).expect("copy");
            names.push(name);
        } else if path.is_dir() {
            fs::create_dir(dir.join(&name)).expect("sub-folder");
            for file in fs::read_dir(&path).expect("folder") {
                let file = file.expect("entry").path();
                fs::copy(&file, dir.join(&name).join(file.file_name().expect("name")))
                    .expect("copy");
            }
            names.push(name);
        }
    }
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    (dir, names)
}

#[test]
fn shards_of_a_portfolio_merge_into_one_summary_and_verdict() {
    let job = Job::new();
    let (dir, names) = portfolio(&job);
    for k in 1..=2 {
        let output = run(job
            .github("github")
            .env("KENSA_PORTFOLIO", &dir)
            .env("KENSA_SHARD", format!("{k}/2")));
        assert_eq!(
            code(&output),
            0,
            "a shard leaves the verdict to the merge; stderr:\n{}",
            stderr(&output)
        );
        job.read_out(&format!("shards/kensa-shard-{k}-of-2.json"));
    }
    assert!(
        job.calls("gh.log").is_empty(),
        "shards post no comment: the merge does"
    );

    let output = run(job.github("merge").env("KENSA_PORTFOLIO", &dir));
    let shards = [1, 2].map(|k| job.out(&format!("shards/kensa-shard-{k}-of-2.json")));
    let own = Command::new(kensa_bin())
        .arg("merge")
        .args(&shards)
        .args(["--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("kensa merge");
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    assert_eq!(output.status.code(), own.code());

    let md = job.read_out("kensa.md");
    job.read_out("kensa.json");
    for name in &names {
        assert!(
            md.contains(name.as_str()),
            "{name} missing from the summary"
        );
    }
    assert_eq!(job.read("summary.md"), format!("previous step\n{md}"));
    let calls = job.calls("gh.log");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[1].0.contains("[--method] [POST]"));
    assert!(calls[1].1.starts_with("<!-- kensa-ci-summary:"));
    assert!(calls[1].1.contains(md.trim_end()));

    // The same shards, with nothing failing.
    let output = run(job
        .script("merge")
        .env("KENSA_PORTFOLIO", &dir)
        .env("KENSA_FAIL_ON", "none"));
    assert_eq!(code(&output), 0, "stderr:\n{}", stderr(&output));
}

#[test]
fn a_missing_shard_fails_the_merge() {
    let job = Job::new();
    let (dir, _) = portfolio(&job);
    let output = run(job
        .script("github")
        .env("KENSA_PORTFOLIO", &dir)
        .env("KENSA_SHARD", "1/2"));
    assert_eq!(code(&output), 0, "stderr:\n{}", stderr(&output));
    let output = run(job
        .script("merge")
        .env("KENSA_LANG", "en")
        .env("KENSA_FAIL_ON", "none"));
    assert_eq!(code(&output), 2);
    assert!(
        job.read_out("kensa.md")
            .contains("no result from shard 2/2"),
        "{}",
        job.read_out("kensa.md")
    );
}

#[test]
fn a_portfolio_in_one_job_is_checked_and_merged_at_once() {
    let job = Job::new();
    let (dir, names) = portfolio(&job);
    let output = run(job.gitlab("gitlab").env("KENSA_PORTFOLIO", &dir));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    job.read_out("shards/kensa-shard-1-of-1.json");
    let md = job.read_out("kensa.md");
    assert!(names.iter().all(|n| md.contains(n.as_str())));
    assert_eq!(job.calls("curl.log").len(), 2, "a lookup and a note");
}

#[test]
fn gitlab_parallel_jobs_become_shards() {
    let job = Job::new();
    let (dir, _) = portfolio(&job);
    let output = run(job
        .gitlab("gitlab")
        .env("KENSA_PORTFOLIO", &dir)
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3"));
    assert_eq!(code(&output), 0, "stderr:\n{}", stderr(&output));
    job.read_out("shards/kensa-shard-2-of-3.json");
    assert!(job.calls("curl.log").is_empty());
}

#[test]
fn bad_usage_exits_2() {
    let job = Job::new();
    assert_eq!(code(&run(&mut job.script("deploy"))), 2);
    assert_eq!(code(&run(&mut job.script(""))), 2);
    let output = run(job
        .script("github")
        .env("KENSA_PORTFOLIO", "institutions")
        .env("KENSA_SHARD", "3/2"));
    assert_eq!(code(&output), 2);
    let output = run(job
        .script("gitlab")
        .env("KENSA_BIN", job.path("bin/no-such-kensa")));
    assert_eq!(code(&output), 2);
}

#[test]
fn a_crashing_kensa_counts_as_an_error() {
    let job = Job::new();
    let crash = job.path("bin/kensa-crash");
    fs::write(&crash, "#!/bin/sh\nexit 101\n").expect("stub");
    make_executable(&crash);
    let output = run(job
        .github("github")
        .env("KENSA_BIN", &crash)
        .env("KENSA_PATH", PHARMACY)
        .env("KENSA_LANG", "en"));
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("kensa stopped with exit code 101"));
    assert!(job.read("summary.md").contains("kensa could not check"));
}

/// The modes `ci/kensa.sh` has, from its `MODES="..."` line.
fn script_modes() -> BTreeSet<String> {
    let text = fs::read_to_string(root().join("ci/kensa.sh")).expect("ci/kensa.sh");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("MODES=\""))
        .expect("a MODES=\"...\" line");
    line.trim_end_matches('"')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The modes a template runs: the word after `kensa.sh` (or `kensa.sh"`) outside comments.
fn template_modes(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| {
            l.match_indices("kensa.sh")
                .map(move |(i, m)| &l[i + m.len()..])
        })
        .filter_map(|rest| {
            let rest = rest.trim_start_matches('"').strip_prefix(' ')?;
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!word.is_empty()).then_some(word)
        })
        .collect()
}

/// The YAML file as JSON, through Python's `yaml`; `None` when that is not installed.
fn yaml(path: &Path) -> Option<serde_json::Value> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
        ])
        .arg(path)
        .output()
        .ok()?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            err.contains("No module named 'yaml'"),
            "{} does not parse:\n{err}",
            path.display()
        );
        return None;
    }
    Some(serde_json::from_slice(&output.stdout).expect("JSON from python"))
}

#[test]
fn templates_run_modes_the_script_has() {
    let modes = script_modes();
    assert_eq!(
        modes,
        ["github", "gitlab", "merge"]
            .map(str::to_owned)
            .into_iter()
            .collect()
    );
    let github = fs::read_to_string(root().join("ci/github/kensa.yml")).expect("workflow");
    let gitlab =
        fs::read_to_string(root().join("ci/gitlab/kensa.gitlab-ci.yml")).expect("template");
    let used_github = template_modes(&github);
    let used_gitlab = template_modes(&gitlab);
    assert_eq!(
        used_github,
        ["github", "merge"].map(str::to_owned).into_iter().collect()
    );
    assert_eq!(
        used_gitlab,
        ["gitlab", "merge"].map(str::to_owned).into_iter().collect()
    );
    for mode in used_github.union(&used_gitlab) {
        assert!(modes.contains(mode), "templates run unknown mode {mode}");
    }
}

#[test]
fn templates_parse_as_yaml_and_fit_the_script() {
    let ci = root().join("ci");
    let files = [
        "github/kensa.yml",
        "github/example-caller.yml",
        "gitlab/kensa.gitlab-ci.yml",
        "github-actions-validate.yml",
        "gitlab-ci-validate.yml",
    ];
    let mut parsed = Vec::new();
    for file in files {
        let Some(value) = yaml(&ci.join(file)) else {
            eprintln!(
                "skipped: python3 with the yaml module is needed to parse the templates (pip install pyyaml)"
            );
            return;
        };
        assert!(value.is_object(), "{file} is a mapping");
        parsed.push(value);
    }

    // GitHub: a reusable workflow with the inputs and permissions the README names.
    let workflow = &parsed[0];
    // YAML 1.1 reads the key `on` as true.
    let on = workflow
        .get("on")
        .or_else(|| workflow.get("true"))
        .expect("on:");
    let inputs = on["workflow_call"]["inputs"]
        .as_object()
        .expect("workflow_call inputs");
    for input in [
        "path",
        "portfolio",
        "shards",
        "fail-on",
        "lang",
        "baseline",
        "kensa-ref",
    ] {
        assert!(inputs.contains_key(input), "input {input}");
    }
    assert_eq!(inputs["shards"]["type"], "number");
    assert_eq!(workflow["permissions"]["contents"], "read");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    assert_eq!(workflow["permissions"]["pull-requests"], "write");
    assert_eq!(workflow["env"]["KENSA_OUT"], "kensa-out");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    for job in ["check", "plan", "shard", "merge"] {
        assert!(jobs.contains_key(job), "job {job}");
    }
    let steps = |job: &str| -> Vec<serde_json::Value> {
        jobs[job]["steps"].as_array().expect("steps").clone()
    };
    let uses = |job: &str, action: &str| {
        steps(job).into_iter().find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{action}@")))
        })
    };
    let sarif = uses("check", "github/codeql-action/upload-sarif").expect("SARIF upload");
    assert_eq!(sarif["with"]["sarif_file"], "kensa-out/kensa.sarif");
    assert!(sarif["if"].as_str().is_some_and(|c| c.contains("always()")));
    assert!(uses("check", "actions/cache").is_some());
    assert_eq!(
        jobs["shard"]["strategy"]["matrix"]["shard"],
        "${{ fromJSON(needs.plan.outputs.shards) }}"
    );
    let download = uses("merge", "actions/download-artifact").expect("shards download");
    assert_eq!(download["with"]["path"], "kensa-out/shards");

    let caller = &parsed[1];
    assert_eq!(
        caller["jobs"]["kensa"]["uses"],
        "./.github/workflows/kensa.yml"
    );

    // GitLab: the reports sit where the script writes them.
    let template = &parsed[2];
    assert_eq!(
        template[".kensa-setup"]["variables"]["KENSA_OUT"],
        "kensa-out"
    );
    let reports = &template[".kensa"]["artifacts"]["reports"];
    assert_eq!(
        reports["codequality"],
        "kensa-out/gl-code-quality-report.json"
    );
    assert_eq!(reports["junit"], "kensa-out/junit.xml");
    assert_eq!(template["kensa"]["extends"], ".kensa");
    assert_eq!(
        template[".kensa-shard"]["artifacts"]["paths"][0],
        "kensa-out/shards/"
    );
    assert_eq!(template[".kensa-merge"]["extends"], ".kensa-setup");
    for variable in [
        "KENSA_PATH",
        "KENSA_PORTFOLIO",
        "KENSA_FAIL_ON",
        "KENSA_LANG",
        "KENSA_BASELINE",
        "KENSA_REF",
    ] {
        assert!(
            template["variables"].get(variable).is_some(),
            "variable {variable}"
        );
    }

    // A copy published for `uses: owner/kensa/.github/workflows/kensa.yml@tag` must not drift.
    let published = root().join(".github/workflows/kensa.yml");
    if published.exists() {
        assert_eq!(
            fs::read_to_string(published).expect("published workflow"),
            fs::read_to_string(ci.join("github/kensa.yml")).expect("workflow"),
            ".github/workflows/kensa.yml differs from ci/github/kensa.yml"
        );
    }
}

/// Writes `lines` lines of 30 kana for `--format markdown`, `{}` for other files; exits 1.
const LONG_KENSA: &str = r#"#!/usr/bin/env bash
out=
format=
while (($#)); do
  case $1 in
    --output) out=$2; shift ;;
    --format) format=$2; shift ;;
  esac
  shift
done
if [[ -n $out ]]; then
  if [[ $format == markdown ]]; then
    for ((i = 0; i < 3000; i++)); do echo "| $i | あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほ |"; done >"$out"
  else
    echo '{}' >"$out"
  fi
fi
exit 1
"#;

#[test]
fn a_comment_too_long_for_github_is_cut_at_a_line_with_a_note() {
    let job = Job::new();
    let long = job.path("bin/kensa-long");
    fs::write(&long, LONG_KENSA).expect("stub");
    make_executable(&long);
    let output = run(job
        .github("github")
        .env("KENSA_BIN", &long)
        .env("KENSA_PATH", PHARMACY)
        .env("KENSA_LANG", "en"));
    assert_eq!(code(&output), 1, "stderr:\n{}", stderr(&output));
    let md = job.read_out("kensa.md");
    assert!(md.chars().count() > 65_536);
    // The job summary (1 MiB) takes it whole.
    assert_eq!(job.read("summary.md"), format!("previous step\n{md}"));
    let calls = job.calls("gh.log");
    let body = &calls.last().expect("a comment").1;
    assert!(
        body.chars().count() <= 65_536,
        "{} characters",
        body.chars().count()
    );
    let (kept, note) = body
        .trim_end()
        .rsplit_once("\n\n")
        .expect("a note after the cut");
    assert_eq!(
        note,
        "… (cut: too long; the whole text is in the job artifact kensa.md)"
    );
    assert!(
        kept.lines().skip(1).all(|l| l.ends_with(" |")),
        "cut at a line boundary"
    );
    assert!(md.starts_with(kept.split_once('\n').expect("marker line").1.trim_end()));
}
