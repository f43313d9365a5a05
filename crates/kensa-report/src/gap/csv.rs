//! The gap analysis as CSV: the prioritised gaps, one record each, for a spreadsheet or a
//! tracker. UTF-8 with a byte-order mark (so that Excel reads the Japanese), CRLF, and a
//! leading `'` on a cell a spreadsheet would run as a formula.

use kensa_manifest::Lang;

use super::GapReport;
use crate::split::csv_record;

/// The gaps, most urgent first.
#[must_use]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let mut out = String::from('\u{feff}');
    csv_record(
        &mut out,
        &[
            "priority",
            "severity",
            "status",
            "rule",
            "title",
            "entity",
            "deadline",
            "deadline_label",
            "responsible",
            "fix",
            "source",
            "url",
            "location",
        ],
    );
    for g in &gap.gaps {
        let who: Vec<&str> = g.responsible.iter().map(|p| p.get(lang)).collect();
        csv_record(
            &mut out,
            &[
                g.priority.to_string(),
                g.severity.name().to_owned(),
                g.status.name().to_owned(),
                g.rule.clone(),
                g.title.get(lang).to_owned(),
                g.entity.clone(),
                g.deadline.date.to_string(),
                g.deadline.label.get(lang).to_owned(),
                who.join(";"),
                g.fix.get(lang).to_owned(),
                g.source.clone(),
                g.url.clone(),
                g.location.clone().unwrap_or_default(),
            ],
        );
    }
    out
}
