//! The gap analysis as an Excel workbook (to be written).

use kensa_manifest::Lang;

use super::GapReport;

/// The workbook's bytes, or why it could not be made.
///
/// # Errors
/// A message when the workbook cannot be written.
pub fn render(gap: &GapReport, lang: Lang) -> Result<Vec<u8>, String> {
    let _ = (gap, lang);
    Err("not yet".into())
}
