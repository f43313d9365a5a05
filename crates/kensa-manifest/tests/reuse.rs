//! Reading versions piece by piece ([`Reuse`]) gives exactly what reading them whole
//! ([`load_bytes`]) gives: the same manifest, every origin included, the same problems
//! and the same sources, on every bundled manifest and fixture, on variants of them, and
//! along a sequence of versions that share pieces.

use std::path::{Path, PathBuf};

use kensa_manifest::{Limits, Loaded, Reuse, load_bytes};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A manifest's files, as `(path, bytes)`.
type Files = Vec<(String, Vec<u8>)>;

/// Every manifest of the repository: each YAML file, and each folder of them that is one
/// manifest, as `(label, files)`.
fn corpus() -> Vec<(String, Files)> {
    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["manifests/examples", "tests/fixtures", "policies/fixtures"] {
        let mut files = Vec::new();
        yaml_files(&root().join(dir), &mut files);
        for f in files {
            let label = f.display().to_string();
            let bytes = std::fs::read(&f).expect("read");
            out.push((label.clone(), vec![(label, bytes)]));
        }
    }
    // The folder manifest, as one.
    let folder = root().join("manifests/examples/hospital-mixed");
    let mut files = Vec::new();
    yaml_files(&folder, &mut files);
    out.push((
        folder.display().to_string(),
        files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read(f).expect("read")))
            .collect(),
    ));
    out.push((
        "synthetic.yaml".into(),
        vec![(
            "synthetic.yaml".into(),
            kensa_manifest::synthetic::manifest(300).into_bytes(),
        )],
    ));
    out
}

/// Everything a load gives, as text.
fn seen(l: &Loaded) -> String {
    let sources: Vec<(String, String)> = l
        .sources
        .iter()
        .map(|(_, f)| (f.path.clone(), f.text.to_string()))
        .collect();
    format!("{:#?}\n{:#?}\n{sources:?}", l.manifest, l.problems)
}

/// Runs `f` on a thread with room for the deepest documents of the corpus (debug builds
/// use far more stack per level of nesting than release builds).
fn with_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .expect("thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn same(reuse: &mut Reuse, label: &str, files: &[(String, Vec<u8>)]) {
    let limits = Limits::default();
    let whole = load_bytes(label, files.to_vec(), &limits);
    let pieces = reuse.load_bytes(label, files.to_vec(), &limits);
    let (a, b) = (seen(&whole), seen(&pieces));
    if a != b {
        let diff = similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .header("whole", "pieces")
            .to_string();
        panic!("{label}: reading by pieces differs\n{diff}");
    }
}

/// Variants of a text: entries reordered, one removed, comments and blank lines added,
/// lines moved down, CRLF line breaks, entries at column 0, a value changed.
fn variants(text: &str) -> Vec<String> {
    // Small changes first, so that they find the pieces of the ones before.
    let mut out = vec![
        format!("# heading\n\n{text}"),
        text.replacen("mfa: true", "mfa: false", 1),
        text.replacen("  - id:", "  - id: x-", 1),
        format!("{text}\n# trailing\n"),
    ];
    let lines: Vec<&str> = text.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.starts_with("  - ")) {
        let mut removed = lines.clone();
        removed.remove(i);
        out.push(removed.join("\n"));
    }
    out.extend([
        text.replace('\n', "\r\n"),
        text.replace("\n  - ", "\n\n  # entry\n  - "),
        text.replace("\n  - ", "\n- ").replace("\n    ", "\n  "),
    ]);
    out
}

#[test]
fn pieces_read_like_the_whole_on_every_bundled_manifest() {
    with_stack(|| {
        let corpus = corpus();
        assert!(corpus.len() > 200, "{}", corpus.len());
        // One memory for all, so that pieces found in one manifest are placed in others.
        let mut reuse = Reuse::new();
        for (label, files) in &corpus {
            same(&mut reuse, label, files);
        }
        // Most are plain enough to be read by pieces: otherwise this test proves nothing.
        let served = reuse.counts().0;
        assert!(
            served * 10 > corpus.len() * 8,
            "{served} of {}",
            corpus.len()
        );
    });
}

#[test]
fn pieces_read_like_the_whole_on_variants() {
    with_stack(|| {
        let mut reuse = Reuse::new();
        // Every tenth rule fixture is enough to vary the layouts; all the others are used.
        for (i, (label, files)) in corpus().into_iter().enumerate() {
            if files.len() != 1 || (label.contains("policies/fixtures") && i % 10 != 0) {
                continue;
            }
            let Ok(text) = String::from_utf8(files[0].1.clone()) else {
                continue;
            };
            // Files read whole anyway (an alias bomb, say) would only test `load_bytes`
            // against itself, slowly.
            let mut probe = Reuse::new();
            let _ = probe.load_bytes(&label, files.clone(), &Limits::default());
            if probe.counts().1 == 0 {
                continue;
            }
            for v in variants(&text) {
                same(&mut reuse, &label, &[(files[0].0.clone(), v.into_bytes())]);
            }
        }
        let (served, read, reused) = reuse.counts();
        assert!(
            served > 150 && reused * 2 > read,
            "{served} {read} {reused}"
        );
    });
}

#[test]
fn a_history_of_small_changes_reads_only_what_changed() {
    let base = kensa_manifest::synthetic::manifest(200);
    let mut reuse = Reuse::new();
    let mut text = base.clone();
    for i in 0..20 {
        // Each version marks one more account unused and adds a comment above it, so
        // every later line moves down.
        text = text.replacen(
            &format!("  - {{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }}"),
            &format!("  # version {i}\n  - {{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2025-01-01 }}"),
            1,
        );
        same(
            &mut reuse,
            "clinic.yaml",
            &[("clinic.yaml".into(), text.clone().into_bytes())],
        );
    }
    let (served, read, reused) = reuse.counts();
    assert_eq!(served, 20);
    // The first version is read whole; later ones read their changed entry only.
    let pieces = base.matches("\n  - ").count() + 1;
    assert_eq!(read, pieces + 19, "{read} {pieces}");
    assert_eq!(reused, 19 * (pieces - 1));
}

#[test]
fn tricky_layouts_read_the_same() {
    let head = "apiVersion: kensa/v1\ninstitution:\n  id: t\n  name: テスト\n  type: clinic\n  online_eligibility: false\n  dedicated_ops_staff: false\n";
    let cases = [
        // A block scalar that keeps its trailing blank lines.
        "people:\n  - id: a\n    name: |+\n      長い\n      名前\n\n\n  - id: b\n    name: B\n",
        // A quoted scalar over several lines.
        "people:\n  - id: a\n    name: \"山田\n      太郎\"\n  - id: b\n    name: B\n",
        // A quoted scalar whose next line looks like an entry.
        "people:\n  - id: a\n    name: \"山田\n  - id: b\"\n  - id: b\n    name: B\n",
        // A plain scalar over several lines.
        "people:\n  - id: a\n    name: 山田\n      太郎\n  - id: b\n    name: B\n",
        // A flow mapping over several lines.
        "people:\n  - { id: a,\n      name: A }\n  - id: b\n    name: B\n",
        // A flow list over several lines as the section's value.
        "people: [\n  { id: a, name: A },\n  { id: b, name: B } ]\n",
        // A comment at column 0 between entries, and a document end marker.
        "people:\n  - id: a\n    name: A\n# between\n  - id: b\n    name: B\n...\n",
        // An entry whose value is a scalar (wrong type).
        "people:\n  - a\n  - id: b\n    name: B\n",
        // An empty entry.
        "people:\n  -\n  - id: b\n    name: B\n",
        // The same key twice in one entry.
        "people:\n  - id: a\n    name: A\n    name: B\n",
        // The same id in two entries.
        "people:\n  - id: a\n    name: A\n  - id: a\n    name: B\n",
        // A dangling reference.
        "accounts:\n  - id: u\n    holder: nobody\n",
        // A key after the lists, at column 0.
        "people:\n  - id: a\n    name: A\ndocuments:\n  security_policy: { established_on: 2025-01-01 }\n",
        // Text after a key on the same line as a list section.
        "people: # 職員\n  - id: a\n    name: A\n",
        // Unknown top-level key.
        "peple:\n  - id: a\n",
        // apiVersion with a comment.
        "people:\n  - id: a\n    name: A\n",
    ];
    let mut reuse = Reuse::new();
    for case in cases {
        for text in [
            format!("{head}{case}"),
            format!("{}{head}{case}", "apiVersion: kensa/v1 # 版\n").replacen(
                "apiVersion: kensa/v1\n",
                "",
                1,
            ),
        ] {
            same(
                &mut reuse,
                "t.yaml",
                &[("t.yaml".into(), text.clone().into_bytes())],
            );
            same(
                &mut Reuse::new(),
                "t.yaml",
                &[("t.yaml".into(), text.into_bytes())],
            );
        }
    }
}
