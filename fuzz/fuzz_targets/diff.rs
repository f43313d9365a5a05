//! The compliance diff of any two valid manifests (the input cut at its first 0xFF; the
//! input twice when it has none) never panics, mirrors the diff the other way round, and
//! a manifest compared with itself changes nothing.
#![no_main]

use kensa_fuzz::{assert_mirrored, assert_self_diff, check, load, render_diff, rendering, sides};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (old, new) = sides(data);
    let (label, loaded) = load(old);
    let Some(old_checked) = check(label, loaded) else {
        return;
    };
    assert_self_diff(&old_checked);
    if old == new {
        let side = old_checked.side("self");
        render_diff(&kensa_engine::diff::diff(&side, &side), rendering(data));
        return;
    }
    let (label, loaded) = load(new);
    let Some(new_checked) = check(label, loaded) else {
        return;
    };
    assert_self_diff(&new_checked);
    let (o, n) = (old_checked.side("old"), new_checked.side("new"));
    let d = kensa_engine::diff::diff(&o, &n);
    let back = kensa_engine::diff::diff(&n, &o);
    assert_mirrored(&d, &back);
    render_diff(&d, rendering(data));
});
