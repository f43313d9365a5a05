//! Reading and validating any bytes as a manifest never panics, and reading versions
//! piece by piece (`Reuse`) gives exactly what reading them whole gives.
#![no_main]

use kensa_fuzz::{files, limits, load, seen, versions};
use kensa_manifest::Reuse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The input as successive versions of a manifest (a file, or a folder of files), each
    // read whole and by pieces; the pieces of one version serve the next.
    let versions = versions(data);
    let mut reuse = Reuse::new();
    for version in versions.iter().take(4) {
        let (label, files) = files(version);
        let (_, whole) = load(version);
        let pieces = reuse.load_bytes(&label, files, &limits());
        let (a, b) = (seen(&whole), seen(&pieces));
        assert!(
            a == b,
            "reading by pieces differs\nwhole:\n{a}\npieces:\n{b}"
        );
    }
    // Cut, the input lost its separators: read it as one file too, whatever its bytes
    // (a UTF-16 BOM is 0xFF 0xFE).
    if versions.len() > 1 || data.contains(&kensa_fuzz::FILE_SEP) {
        let whole = kensa_manifest::load_bytes(
            "fuzz.yaml",
            vec![("fuzz.yaml".to_owned(), data.to_vec())],
            &limits(),
        );
        // A manifest comes back only without problems.
        assert!(whole.manifest.is_none() || whole.problems.is_empty());
    }
});
