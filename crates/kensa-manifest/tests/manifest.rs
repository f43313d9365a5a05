//! The manifest reader: examples, the committed schema, YAML 1.2 scalars, limits, folders,
//! templates and determinism.

use std::path::{Path, PathBuf};

use kensa_manifest::model::{Hosting, InstitutionType};
use kensa_manifest::template::{TemplateOptions, render};
use kensa_manifest::{Code, Limits, Loaded, load, load_bytes, load_str};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn codes(loaded: &Loaded) -> Vec<Code> {
    loaded.problems.iter().map(|p| p.code).collect()
}

/// Every example (a file, or a folder that is one manifest) in `manifests/examples/`.
fn examples() -> Vec<PathBuf> {
    let dir = root().join("manifests/examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("manifests/examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_example_is_valid() {
    let examples = examples();
    assert!(
        examples.len() >= 6,
        "expected at least six examples, found {examples:?}"
    );
    for example in examples {
        let loaded = load(&example, &Limits::default());
        assert!(
            loaded.is_valid(),
            "{} is not valid: {:#?}",
            example.display(),
            loaded.problems
        );
    }
}

#[test]
fn a_large_example_is_split_into_several_files() {
    let split: Vec<PathBuf> = examples().into_iter().filter(|p| p.is_dir()).collect();
    assert!(!split.is_empty(), "no example folder");
    for dir in split {
        let loaded = load(&dir, &Limits::default());
        assert!(
            loaded.sources.len() >= 3,
            "{} has fewer than 3 files",
            dir.display()
        );
    }
}

/// Each example file starts with the modeline that makes the YAML language server validate
/// it, and the path it names is the committed schema.
#[test]
fn every_example_file_names_the_schema() {
    let schema =
        std::fs::canonicalize(root().join("schemas/manifest.v1.schema.json")).expect("schema");
    let mut files = Vec::new();
    for example in examples() {
        if example.is_dir() {
            for e in std::fs::read_dir(&example).expect("dir") {
                files.push(e.expect("entry").path());
            }
        } else {
            files.push(example);
        }
    }
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(file).expect("read");
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{} does not start with the modeline", file.display()));
        let resolved = std::fs::canonicalize(file.parent().expect("parent").join(target))
            .unwrap_or_else(|_| panic!("{}: the modeline names a missing file", file.display()));
        assert_eq!(
            resolved,
            schema,
            "{}: the modeline names another file",
            file.display()
        );
    }
}

#[test]
fn committed_schema_is_fresh() {
    let path = root().join(kensa_manifest::schema::SCHEMA_PATH);
    let fresh = kensa_manifest::schema::manifest_schema_text();
    if std::env::var_os("KENSA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).expect("committed schema");
    assert!(
        committed == fresh,
        "schemas/manifest.v1.schema.json is stale: run `KENSA_UPDATE_SCHEMA=1 cargo test -p kensa-manifest`"
    );
}

#[test]
fn schema_carries_japanese_descriptions() {
    let schema = kensa_manifest::schema::manifest_schema();
    let text = schema.to_string();
    assert!(text.contains("医療情報システム安全管理責任者"));
    assert!(text.contains("システム運用専任の担当者"));
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

/// YAML 1.1 would turn `NO`, `on` and `1.10` into a boolean and a float; kensa keeps what
/// was written wherever the schema expects text.
#[test]
fn yaml_scalars_are_not_reinterpreted() {
    let loaded = load(
        &root().join("tests/fixtures/valid/norway.yaml"),
        &Limits::default(),
    );
    let m = loaded
        .manifest
        .as_ref()
        .unwrap_or_else(|| panic!("{:#?}", loaded.problems));
    assert_eq!(m.institution.name, "NO");
    assert_eq!(m.institution.prefecture.as_deref(), Some("NO"));
    assert_eq!(m.institution.code.as_deref(), Some("0012345"));
    let pc = &m.assets[0];
    assert_eq!(pc.name, "yes");
    assert_eq!(pc.os.as_deref(), Some("on"));
    assert_eq!(pc.os_version.as_deref(), Some("1.10"));
    assert_eq!(pc.firmware_version.as_deref(), Some("2.0"));
    assert_eq!(pc.ledger_no.as_deref(), Some("0755"));
    assert_eq!(pc.ip_address.as_deref(), Some("192.168.1.10"));
}

#[test]
fn yaml11_booleans_are_refused_in_boolean_fields() {
    let text = "apiVersion: kensa/v1\ninstitution:\n  id: x\n  name: x\n  type: clinic\n  online_eligibility: yes\n  dedicated_ops_staff: off\n";
    let loaded = load_str("m.yaml", text, &Limits::default());
    assert_eq!(codes(&loaded), vec![Code::WrongType, Code::WrongType]);
    let first = loaded.problems[0].at.span.expect("span");
    assert_eq!((first.line, first.column), (6, 23));
}

#[test]
fn folder_merges_files_and_resolves_references_across_them() {
    let loaded = load(
        &root().join("tests/fixtures/valid/split"),
        &Limits::default(),
    );
    let m = loaded
        .manifest
        .as_ref()
        .unwrap_or_else(|| panic!("{:#?}", loaded.problems));
    assert_eq!(m.institution.id, "minato-clinic");
    assert_eq!(m.accounts[0].holder.as_deref(), Some("dr-kato"));
    // Entities remember their file and line, for findings later.
    let account = m.accounts[0].origin;
    assert_eq!(
        loaded.sources.get(account.file).path.rsplit('/').next(),
        Some("accounts.yaml")
    );
    assert_eq!(account.span.map(|s| s.line), Some(4));
}

#[test]
fn duplicates_across_files_name_both_places() {
    let loaded = load(
        &root().join("tests/fixtures/invalid/split-conflicts"),
        &Limits::default(),
    );
    let dup = loaded
        .problems
        .iter()
        .find(|p| p.code == Code::DuplicateId)
        .expect("duplicate id reported");
    assert_ne!(dup.at.file, dup.related[0].at.file);
    assert!(codes(&loaded).contains(&Code::DuplicateSection));
}

#[test]
fn every_problem_is_reported_at_once() {
    let loaded = load(
        &root().join("tests/fixtures/invalid/wrong-types.yaml"),
        &Limits::default(),
    );
    assert_eq!(
        codes(&loaded),
        vec![
            Code::InvalidValue,
            Code::WrongType,
            Code::WrongType,
            Code::WrongType,
            Code::InvalidValue,
            Code::InvalidDate,
            Code::InvalidDate,
            Code::WrongType,
        ]
    );
}

#[test]
fn results_are_deterministic() {
    let path = root().join("tests/fixtures/invalid/dangling.yaml");
    let a = load(&path, &Limits::default());
    let b = load(&path, &Limits::default());
    assert_eq!(a.problems, b.problems);
    assert_eq!(a.problems.len(), 6);
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_file_bytes: 64,
        ..Limits::default()
    };
    let loaded = load(&root().join("tests/fixtures/valid/norway.yaml"), &limits);
    assert_eq!(codes(&loaded), vec![Code::TooLarge]);

    let limits = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    let loaded = load(&root().join("tests/fixtures/valid/norway.yaml"), &limits);
    assert_eq!(codes(&loaded), vec![Code::Limit]);

    let loaded = load(
        &root().join("tests/fixtures/invalid/alias-bomb.yaml"),
        &Limits::default(),
    );
    assert_eq!(codes(&loaded), vec![Code::Limit]);
}

#[test]
fn a_utf8_bom_is_accepted_and_positions_stay_right() {
    let loaded = load(
        &root().join("tests/fixtures/invalid/bom-with-error.yaml"),
        &Limits::default(),
    );
    let span = loaded.problems[0].at.span.expect("span");
    assert_eq!((span.line, span.column), (5, 9));
    assert_eq!(
        &loaded.sources.get(loaded.problems[0].at.file).text[span.offset..span.offset + span.len],
        "clinc"
    );
}

#[test]
fn every_starting_manifest_is_valid() {
    let kinds = [
        InstitutionType::Hospital,
        InstitutionType::Clinic,
        InstitutionType::DentalClinic,
        InstitutionType::Pharmacy,
    ];
    for kind in kinds {
        for hosting in [Hosting::OnPremise, Hosting::CloudSaas] {
            for staff in [false, true] {
                let text = render(&TemplateOptions {
                    kind,
                    hosting,
                    dedicated_ops_staff: staff,
                    name: Some("テスト: \"引用符\" 医院".to_owned()),
                    schema_ref: "./manifest.v1.schema.json".to_owned(),
                });
                let loaded = load_str("kensa.yaml", &text, &Limits::default());
                let m = loaded.manifest.as_ref().unwrap_or_else(|| {
                    panic!("{kind:?} {hosting:?} {staff}: {:#?}", loaded.problems)
                });
                assert_eq!(m.institution.kind, kind);
                assert_eq!(m.institution.dedicated_ops_staff, staff);
                assert_eq!(m.institution.name, "テスト: \"引用符\" 医院");
                assert_eq!(m.systems[0].hosting, hosting);
            }
        }
    }
}

/// A manifest read from memory (e.g. from git objects) gets the same checks as one read
/// from disk: the same manifest and problems for the same files, and the same problem for
/// nothing to read or for bytes that are not UTF-8.
#[test]
fn manifests_from_memory_read_like_manifests_from_disk() {
    let dir = root().join("manifests/examples/hospital-mixed");
    let from_disk = load(&dir, &Limits::default());
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).expect("read dir").flatten() {
        let path = e.path();
        let label = path.to_string_lossy().replace('\\', "/");
        files.push((label, std::fs::read(&path).expect("read")));
    }
    files.reverse();
    let from_memory = load_bytes("hospital-mixed", files, &Limits::default());
    assert!(from_memory.problems.is_empty());
    assert_eq!(
        serde_json::to_string(&from_memory.manifest).expect("json"),
        serde_json::to_string(&from_disk.manifest).expect("json")
    );

    let empty = load_bytes("nothing", Vec::new(), &Limits::default());
    assert_eq!(codes(&empty), [Code::NoManifestFiles]);

    let broken = load_bytes(
        "m.yaml",
        vec![(
            "m.yaml".into(),
            b"apiVersion: kensa/v1\nname: \xff\xfe\n".to_vec(),
        )],
        &Limits::default(),
    );
    let from_file = load(
        &root().join("tests/fixtures/invalid/utf16.yaml"),
        &Limits::default(),
    );
    assert_eq!(codes(&broken).len(), 1);
    assert_eq!(codes(&broken), codes(&from_file));
}

/// A pipe (`kensa diff <(git show HEAD:m.yaml) m.yaml` passes `/dev/fd/N`) is read as one
/// file, held to the same size limit: an endless writer is cut off, not read to the end.
#[cfg(unix)]
#[test]
fn a_pipe_is_read_as_one_file_within_the_size_limit() {
    use std::io::Write;

    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read(root().join("tests/fixtures/valid/norway.yaml")).expect("read");
    // Writes `chunks` copies of `bytes` into a new pipe at `name`, from another thread
    // (opening a pipe for writing waits for its reader).
    let pipe = |name: &str, bytes: Vec<u8>, chunks: usize| {
        let path = dir.path().join(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo {}", path.display());
        let at = path.clone();
        let writer = std::thread::spawn(move || {
            let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&at) else {
                return;
            };
            for _ in 0..chunks {
                // The reader closes the pipe once it has read enough.
                if f.write_all(&bytes).is_err() {
                    return;
                }
            }
        });
        (path, writer)
    };

    let (path, writer) = pipe("manifest", text.clone(), 1);
    let from_pipe = load(&path, &Limits::default());
    writer.join().expect("writer");
    assert!(from_pipe.problems.is_empty(), "{:?}", codes(&from_pipe));
    let from_file = load(
        &root().join("tests/fixtures/valid/norway.yaml"),
        &Limits::default(),
    );
    assert_eq!(
        serde_json::to_string(&from_pipe.manifest).expect("json"),
        serde_json::to_string(&from_file.manifest).expect("json")
    );

    let limits = Limits {
        max_file_bytes: 4096,
        ..Limits::default()
    };
    let (path, writer) = pipe("endless", vec![b'#'; 1024], 1_000_000);
    let too_large = load(&path, &limits);
    writer.join().expect("writer");
    assert_eq!(codes(&too_large), [Code::TooLarge]);
}
