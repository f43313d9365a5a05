//! The gap analysis as Markdown: the same sections as the HTML report, for a repository,
//! a wiki or a document converter.

use crate::t;
use std::fmt::Write as _;

use kensa_manifest::Lang;

use super::{Answer, GapReport, Score, edition_name};
use crate::markdown::{code, esc};

/// A bar of 20 cells for a score in %.
fn bar(score: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let full = ((score / 5.0).round() as usize).min(20);
    format!("{}{}", "█".repeat(full), "░".repeat(20 - full))
}

fn scores(out: &mut String, title: &str, rows: &[Score], lang: Lang) {
    let _ = writeln!(
        out,
        "| {title} | {} | {} | |\n| --- | ---: | ---: | --- |",
        t(lang, "適合率", "score"),
        t(lang, "適合 / 該当", "met / applicable"),
    );
    for s in rows {
        let _ = writeln!(
            out,
            "| {} | {:.1}% | {} / {} | `{}` |",
            esc(s.name.get(lang)),
            s.score,
            s.met,
            s.applicable,
            bar(s.score)
        );
    }
    out.push('\n');
}

fn answer_cell(a: Answer, lang: Lang) -> String {
    let label = a.label();
    match a {
        Answer::No => format!("**{}**", label.get(lang)),
        _ => label.get(lang).to_owned(),
    }
}

/// The whole analysis as one Markdown document.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn render(gap: &GapReport, lang: Lang) -> String {
    let c = &gap.cover;
    let s = &gap.summary;
    let pattern = match lang {
        Lang::Ja => c.pattern.numeral(),
        Lang::En => c.pattern.code(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        t(lang, "ギャップ分析報告書", "Gap analysis"),
        esc(&c.institution)
    );
    let rows: [(&str, String); 7] = [
        (
            t(lang, "医療機関等", "Institution"),
            format!(
                "{} ({}, {})",
                esc(&c.institution),
                esc(c.kind.get(lang)),
                code(&c.institution_id)
            ),
        ),
        (
            t(lang, "参照パターン", "Reference pattern"),
            format!(
                "{} {pattern} — {}",
                t(lang, "パターン", "pattern"),
                esc(c.pattern_name.get(lang))
            ),
        ),
        (
            t(lang, "パターンの根拠", "Why this pattern"),
            esc(c.pattern_explanation.get(lang)),
        ),
        (t(lang, "確認日", "As of"), c.as_of.to_string()),
        (
            t(lang, "チェックリスト", "Checklist"),
            esc(edition_name(&c.edition).get(lang)),
        ),
        (
            t(lang, "評価した規則", "Rules evaluated"),
            format!(
                "{} ({} {})",
                c.rules,
                c.custom_rules,
                t(lang, "件は独自規則", "custom")
            ),
        ),
        (
            t(lang, "マニフェスト", "Manifest"),
            format!("{} (kensa {})", code(&c.manifest), esc(&c.tool_version)),
        ),
    ];
    let _ = writeln!(out, "| | |\n| --- | --- |");
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(out, "\n{}\n", t(lang, "**準拠する資料**", "**Sources**"));
    for src in &c.sources {
        let _ = writeln!(out, "- {}", esc(src.get(lang)));
    }

    // 1. Executive summary.
    let _ = writeln!(out, "\n## 1. {}\n", t(lang, "概要", "Executive summary"));
    let _ = writeln!(
        out,
        "{} **{:.1}%** — {}\n",
        t(lang, "全体の適合率", "Overall score"),
        s.score,
        match lang {
            Lang::Ja => format!(
                "チェックリスト {} 項目中 はい {}・いいえ {}・その他 {}",
                s.checklist_yes + s.checklist_no + s.checklist_other,
                s.checklist_yes,
                s.checklist_no,
                s.checklist_other
            ),
            Lang::En => format!(
                "checklist: {} yes, {} no, {} other of {} items",
                s.checklist_yes,
                s.checklist_no,
                s.checklist_other,
                s.checklist_yes + s.checklist_no + s.checklist_other
            ),
        }
    );
    let n = &s.counts;
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} | {} | {} | {} |\n",
        t(lang, "違反", "violated"),
        t(lang, "期限前", "upcoming"),
        t(lang, "評価不能", "not evaluated"),
        t(lang, "適合", "satisfied"),
        t(lang, "委託", "delegated"),
        t(lang, "例外承認", "waived"),
        t(lang, "対象外", "not applicable"),
        n.violated,
        n.upcoming,
        n.could_not_evaluate,
        n.satisfied,
        n.delegated,
        n.waived,
        n.not_applicable
    );
    scores(
        &mut out,
        t(lang, "チェックリストの区分", "Checklist section"),
        &s.by_section,
        lang,
    );
    scores(
        &mut out,
        t(lang, "ガイドライン等", "Source"),
        &s.by_volume,
        lang,
    );
    if !s.gaps_by_severity.is_empty() {
        let parts: Vec<String> = s
            .gaps_by_severity
            .iter()
            .map(|(sev, k)| format!("{} {k}", sev.label().get(lang)))
            .collect();
        let _ = writeln!(
            out,
            "{}: {}\n",
            t(lang, "対応が必要な項目", "Gaps to close"),
            parts.join(" · ")
        );
    }

    // 2. The checklist.
    let _ = writeln!(
        out,
        "## 2. {}\n",
        t(
            lang,
            "サイバーセキュリティ対策チェックリスト (医療機関確認用)",
            "Cyber-security checklist (institution's list)"
        )
    );
    let _ = writeln!(
        out,
        "{}\n",
        t(
            lang,
            "マニフェストの記載から回答しています。「いいえ」の目標日は規則の期限、なければ今年度末です。",
            "Answered from the manifest. For \"No\", the target is the rule's deadline, or else the end of the fiscal year."
        )
    );
    let _ = writeln!(
        out,
        "| No. | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
        t(lang, "項目", "Item"),
        t(lang, "回答", "Answer"),
        t(lang, "確認日", "Checked on"),
        t(lang, "目標日", "Target"),
    );
    for item in &gap.checklist {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            esc(&item.number),
            esc(item.title.get(lang)),
            answer_cell(item.answer, lang),
            item.checked_on,
            item.target
                .as_ref()
                .map_or_else(String::new, |x| esc(x.label.get(lang)))
        );
    }

    // 3. The gaps.
    let _ = writeln!(
        out,
        "\n## 3. {} ({})\n",
        t(lang, "対応が必要な項目 (優先順)", "Gaps, most urgent first"),
        gap.gaps.len()
    );
    if gap.gaps.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            t(lang, "対応が必要な項目はありません。", "Nothing to close.")
        );
    } else {
        let _ = writeln!(
            out,
            "| # | {} | {} | {} | {} | {} | {} |\n| ---: | --- | --- | --- | --- | --- | --- |",
            t(lang, "重要度", "Severity"),
            t(lang, "要件と対象", "Requirement and entity"),
            t(lang, "期限", "Deadline"),
            t(lang, "担当", "Responsible"),
            t(lang, "対応", "What to do"),
            t(lang, "出典", "Source"),
        );
        for g in &gap.gaps {
            let who: Vec<&str> = g.responsible.iter().map(|p| p.get(lang)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} {}<br>{}{} | {} | {} | {} | [{}]({}) |",
                g.priority,
                g.severity.label().get(lang),
                code(&g.rule),
                esc(g.title.get(lang)),
                code(&g.entity),
                g.location
                    .as_ref()
                    .map_or_else(String::new, |l| format!(" ({})", code(l))),
                esc(g.deadline.label.get(lang)),
                esc(&who.join("、")),
                esc(g.fix.get(lang)),
                esc(&g.source),
                g.url.replace(')', "%29")
            );
        }
    }

    // 4. The responsibility matrix.
    let _ = writeln!(
        out,
        "\n## 4. {} ({})\n",
        t(lang, "責任分界", "Responsibility matrix"),
        gap.matrix.len()
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n| --- | --- | --- | --- |",
        t(lang, "要件", "Requirement"),
        t(lang, "対象", "Entity"),
        t(lang, "実施", "Does"),
        t(lang, "説明責任", "Answers for"),
    );
    for m in &gap.matrix {
        let does: Vec<&str> = m.does.iter().map(|p| p.get(lang)).collect();
        let acc: Vec<&str> = m.accountable.iter().map(|p| p.get(lang)).collect();
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            code(&m.rule),
            esc(m.title.get(lang)),
            code(&m.entity),
            esc(&does.join("、")),
            esc(&acc.join("、"))
        );
    }

    // 5. Exceptions.
    let _ = writeln!(
        out,
        "\n## 5. {} ({})\n",
        t(lang, "例外承認", "Exceptions"),
        gap.exceptions.len()
    );
    if gap.exceptions.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "例外承認はありません。", "None."));
    } else {
        let _ = writeln!(
            out,
            "| ID | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- |",
            t(lang, "規則と対象", "Rule and entity"),
            t(lang, "理由", "Reason"),
            t(lang, "承認", "Approved"),
            t(lang, "有効期限", "Expires"),
            t(lang, "残り", "Left"),
        );
        for e in &gap.exceptions {
            let left = if e.days_left < 0 {
                format!("**{}**", t(lang, "期限切れ", "expired"))
            } else {
                format!("{} {}", e.days_left, t(lang, "日", "days"))
            };
            let _ = writeln!(
                out,
                "| {} | {} {} | {} | {} ({}) | {} | {left} |",
                code(&e.id),
                code(&e.rule),
                code(&e.target),
                esc(&e.reason),
                esc(&e.approved_by),
                e.approved_on,
                e.expires_on
            );
        }
    }

    // 6. Evidence.
    let _ = writeln!(
        out,
        "\n## 6. {} ({})\n",
        t(lang, "文書と証跡", "Documents and evidence"),
        gap.evidence.len()
    );
    if gap.evidence.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            t(
                lang,
                "記載された文書はありません。",
                "No document is recorded."
            )
        );
    } else {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
            t(lang, "文書", "Document"),
            t(lang, "表題", "Title"),
            t(lang, "見直し日", "Reviewed"),
            t(lang, "承認者", "Approved by"),
            t(lang, "証跡", "Evidence"),
        );
        for e in &gap.evidence {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                esc(e.name.get(lang)),
                esc(e.title.as_deref().unwrap_or("")),
                e.reviewed_on.map(|d| d.to_string()).unwrap_or_default(),
                esc(e.approved_by.as_deref().unwrap_or("")),
                esc(&e.evidence.join("、"))
            );
        }
    }

    // Appendix.
    let _ = writeln!(
        out,
        "\n## {} ({})\n",
        t(lang, "付録: 評価した規則", "Appendix: rules evaluated"),
        gap.appendix.len()
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | ---: | ---: |",
        t(lang, "規則", "Rule"),
        t(lang, "要件", "Requirement"),
        t(lang, "重要度", "Severity"),
        t(lang, "出典", "Source"),
        t(lang, "違反", "Violated"),
        t(lang, "適合", "Met"),
    );
    for r in &gap.appendix {
        let _ = writeln!(
            out,
            "| {} | {} | {} | [{}]({}) | {} | {} |",
            code(&r.rule),
            esc(r.title.get(lang)),
            r.severity.label().get(lang),
            esc(&r.source),
            r.url.replace(')', "%29"),
            r.counts.violated + r.counts.upcoming + r.counts.could_not_evaluate,
            r.counts.satisfied + r.counts.delegated + r.counts.waived
        );
    }
    out
}
