//! `kensa gap --format html` from the command line: one self-contained page, in Japanese
//! unless `--lang en`, the same bytes for the same date judged on.

mod common;

use common::kensa;

const EXAMPLE: &str = "manifests/examples/clinic-cloud-nostaff.yaml";

fn page(extra: &[&str]) -> String {
    let out = kensa()
        .args(["gap", EXAMPLE, "--as-of", "2026-11-21", "--format", "html"])
        .args(extra)
        .output()
        .expect("run kensa gap");
    assert!(
        out.status.success(),
        "kensa gap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 page")
}

#[test]
fn the_page_is_japanese_by_default_and_the_same_each_time() {
    let first = page(&[]);
    assert!(first.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert!(first.trim_end().ends_with("</html>"));
    assert!(first.contains("さくら内科クリニック"));
    assert!(first.contains("パターンⅣ"));
    assert!(first.contains("チェックリスト回答"));
    assert_eq!(first, page(&[]), "two runs gave different pages");
}

#[test]
fn english_on_request() {
    let en = page(&["--lang", "en"]);
    assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(en.contains("Pattern IV"));
    assert!(en.contains("Executive summary"));
    assert!(!en.contains("エグゼクティブサマリー"));
}

#[test]
fn written_to_a_file_with_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gap.html");
    let out = kensa()
        .args([
            "gap",
            EXAMPLE,
            "--as-of",
            "2026-11-21",
            "--format",
            "html",
            "-o",
        ])
        .arg(&path)
        .output()
        .expect("run kensa gap");
    assert!(out.status.success());
    let written = std::fs::read_to_string(&path).expect("the page");
    assert_eq!(written, page(&[]));
}
