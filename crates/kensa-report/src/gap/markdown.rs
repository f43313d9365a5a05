//! The gap analysis as Markdown (to be written).

use kensa_manifest::Lang;

use super::GapReport;

/// The document.
#[must_use]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let _ = (gap, lang);
    String::new()
}
