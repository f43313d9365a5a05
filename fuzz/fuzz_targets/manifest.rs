//! Reading and validating any bytes as a manifest never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loaded = kensa_manifest::load_bytes(
        "fuzz.yaml",
        vec![("fuzz.yaml".to_owned(), data.to_vec())],
        &kensa_manifest::Limits::default(),
    );
    // A manifest comes back only without problems.
    assert!(loaded.manifest.is_none() || loaded.problems.is_empty());
});
