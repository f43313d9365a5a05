//! The gap analysis as one self-contained HTML page (to be written).

use kensa_manifest::Lang;

use super::GapReport;

/// The page.
#[must_use]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let _ = (gap, lang);
    String::new()
}
