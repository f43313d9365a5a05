//! The gap analysis as CSV (to be written).

use kensa_manifest::Lang;

use super::GapReport;

/// The gaps, one line each.
#[must_use]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let _ = (gap, lang);
    String::new()
}
