//! Checking any valid manifest with the built-in catalogue never fails, and the report,
//! the responsibility split and every rendering keep their invariants: counts equal the
//! findings, findings are sorted and unique, evaluating again gives the same JSON.
#![no_main]

use kensa_fuzz::{
    assert_deterministic, assert_own_baseline, assert_self_diff, check, load, render_all, rendering,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (label, loaded) = load(data);
    let Some(checked) = check(label, loaded) else {
        return;
    };
    assert_deterministic(&checked);
    assert_own_baseline(&checked.report);
    assert_self_diff(&checked);
    render_all(&checked, rendering(data));
});
