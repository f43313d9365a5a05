//! The hostile-input corpus (`tests/hostile/cases.yaml`): every case ends in exit code 2
//! with a message that names the place, and none panics, hangs or runs out of memory.
//!
//! Each case runs the `kensa` binary under an address-space limit (`ulimit -v`), so a
//! case that needed more memory than the README documents would fail here rather than
//! pass; a case still running after the hang guard is killed and fails. Time and memory
//! figures are measured in a release build by `cargo bench -p kensa-engine --bench
//! hostile`, not here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

mod common;

use common::{git, kensa, root};

/// Address space a case may use, in KiB: far above the documented peak (about 600 MB),
/// well below what would hurt a CI machine.
const ADDRESS_SPACE_KIB: u64 = 4 * 1024 * 1024;
/// Longest a case may run before it counts as a hang (a debug build on a loaded machine).
const HANG_GUARD: Duration = Duration::from_secs(300);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    what: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    generate: Option<String>,
    #[serde(default)]
    args: Option<Vec<String>>,
    code: String,
    at: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/hostile/cases.yaml"))
        .expect("tests/hostile/cases.yaml");
    serde_saphyr::from_str(&text).expect("cases.yaml reads")
}

/// The input of a generated case, made under `dir`.
fn generate(name: &str, dir: &Path) -> PathBuf {
    if let Some(p) = kensa_manifest::synthetic::hostile(name, dir).expect("write the input") {
        return p;
    }
    match name {
        "fifo" => {
            let folder = dir.join("fifo");
            std::fs::create_dir_all(dir).expect("scratch");
            std::fs::create_dir_all(&folder).expect("folder");
            std::fs::write(
                folder.join("main.yaml"),
                std::fs::read(root().join("tests/fixtures/valid/clean.yaml")).expect("clean"),
            )
            .expect("write");
            let made = Command::new("mkfifo")
                .arg(folder.join("pipe.yaml"))
                .status()
                .expect("run mkfifo");
            assert!(made.success(), "mkfifo");
            folder
        }
        "corrupt-git-object" => {
            let repo = dir.join("repo");
            std::fs::create_dir_all(dir).expect("scratch");
            std::fs::create_dir_all(&repo).expect("folder");
            let date = "2026-04-01T09:00:00+09:00";
            git(&repo, &["init", "-q", "-b", "main"], date);
            let text =
                std::fs::read(root().join("tests/fixtures/valid/clean.yaml")).expect("clean");
            std::fs::write(repo.join("clinic.yaml"), &text).expect("write");
            git(&repo, &["add", "clinic.yaml"], date);
            git(&repo, &["commit", "-q", "-m", "Add the manifest"], date);
            // Damage the blob's loose object: still there, no longer zlib.
            let out = Command::new("git")
                .current_dir(&repo)
                .args(["rev-parse", "HEAD:clinic.yaml"])
                .output()
                .expect("rev-parse");
            let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let object = repo.join(".git/objects").join(&id[..2]).join(&id[2..]);
            let mut permissions = std::fs::metadata(&object).expect("object").permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&object, permissions).expect("writable");
            std::fs::write(&object, b"\x78\x01garbage, not zlib").expect("damage");
            repo.join("clinic.yaml")
        }
        other => panic!("no generator for {other}"),
    }
}

/// Runs one case; returns its combined output.
fn run(case: &Case, scratch: &Path) -> String {
    // Run from where the input is, with a relative path, so messages name no machine path.
    let (cwd, input) = match (&case.path, &case.generate) {
        (Some(p), None) => (root(), PathBuf::from(p)),
        (None, Some(g)) => {
            let dir = scratch.join(&case.name);
            let made = generate(g, &dir);
            let relative = made
                .strip_prefix(&dir)
                .expect("made under dir")
                .to_path_buf();
            (dir, relative)
        }
        _ => panic!("{}: give exactly one of path and generate", case.name),
    };
    let args = case
        .args
        .clone()
        .unwrap_or_else(|| vec!["check".to_owned()]);
    let program = kensa().get_program().to_owned();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$@\""))
        .arg("sh")
        .arg(program)
        .args(["--lang", "en"])
        .args(&args)
        .arg(&input)
        .current_dir(&cwd)
        .env("NO_COLOR", "1")
        .env_remove("KENSA_LANG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run kensa");
    // Read both pipes on threads so a large output cannot block the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("{}: still running after {HANG_GUARD:?}", case.name);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().expect("stdout thread").expect("read stdout");
    let err = err.join().expect("stderr thread").expect("read stderr");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
    assert_eq!(
        status.code(),
        Some(2),
        "{} ({}): exit {status}\n{text}",
        case.name,
        case.what
    );
    text
}

#[test]
fn every_hostile_input_ends_in_exit_2_with_a_located_message() {
    let scratch = tempfile::tempdir().expect("scratch");
    let cases = cases();
    assert!(cases.len() >= 28, "the corpus lost cases");
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "{} twice", case.name);
        let text = run(case, scratch.path());
        assert!(
            text.contains(&case.code),
            "{} ({}): no `{}` in\n{text}",
            case.name,
            case.what,
            case.code
        );
        assert!(
            text.contains(&case.at),
            "{} ({}): not located at `{}` in\n{text}",
            case.name,
            case.what,
            case.at
        );
        assert!(!text.contains("panicked"), "{}: {text}", case.name);
        insta::assert_snapshot!(format!("hostile_{}", case.name), text, &case.what);
        // Control characters from the input never reach the terminal raw.
        assert!(
            !text.contains(['\u{202e}', '\u{2067}', '\u{7}', '\u{0}']),
            "{}: raw control character in\n{text}",
            case.name
        );
    }
}
