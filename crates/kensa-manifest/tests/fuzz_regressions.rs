//! Inputs with which the fuzz targets (`fuzz/`) found a defect, kept as tests. Each input
//! is a file in `tests/fixtures/fuzz/`, named after what it exercises.

use std::path::{Path, PathBuf};

use kensa_manifest::{Code, Limits, Loaded, Reuse, load_bytes};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture of `tests/fixtures/fuzz/`, as `(path, bytes)`.
fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = format!("tests/fixtures/fuzz/{name}");
    let bytes = std::fs::read(root().join(&path)).expect("fixture");
    (path, bytes)
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

/// YAML allows no control character, not even in a comment. Read by pieces, the comments
/// above `apiVersion` belong to no piece, and the manifest was accepted as valid.
#[test]
fn a_control_character_in_a_comment_above_api_version_is_a_syntax_error_read_by_pieces() {
    let (path, bytes) = fixture("reuse-control-character-in-leading-comment.yaml");
    let limits = Limits::default();
    let whole = load_bytes(&path, vec![(path.clone(), bytes.clone())], &limits);
    assert!(whole.manifest.is_none());
    let [problem] = whole.problems.as_slice() else {
        panic!("one problem expected: {:#?}", whole.problems);
    };
    assert_eq!(problem.code, Code::Syntax);
    let span = problem.at.span.expect("a located problem");
    assert_eq!((span.line, span.column), (1, 13));
    let text = &whole.sources.get(problem.at.file).text;
    assert!(text[span.offset..].starts_with('\u{1}'), "{span:?}");

    // Read by pieces on its own, and after the version without the character (whose
    // pieces are all the same).
    assert_eq!(
        seen(&Reuse::new().load_bytes(&path, vec![(path.clone(), bytes.clone())], &limits)),
        seen(&whole)
    );
    let clean: Vec<u8> = bytes.iter().copied().filter(|&b| b != 1).collect();
    let mut reuse = Reuse::new();
    let before = reuse.load_bytes(&path, vec![(path.clone(), clean)], &limits);
    assert!(before.is_valid(), "{:#?}", before.problems);
    let after = reuse.load_bytes(&path, vec![(path.clone(), bytes)], &limits);
    assert_eq!(seen(&after), seen(&whole));
}
