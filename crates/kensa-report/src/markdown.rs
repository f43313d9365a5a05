//! Markdown for pull-request and merge-request comments: the verdict and the counts first,
//! then the violations grouped by rule with the entity and its place in the manifest, and
//! everything else folded away in `<details>`. Japanese by default, English with
//! `--lang en`.
//!
//! Comments have a size limit (65,536 characters on GitHub), so each rule lists at most
//! [`MAX_PER_RULE`] entities and says how many more there are.

use crate::t;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use kensa_engine::report::Finding;
use kensa_engine::{BaselineState, Report, Severity, Status};
use kensa_manifest::Lang;

use crate::Input;
use crate::portfolio::{Outcome, Portfolio, report_fails};

/// Entities listed per rule before "and N more".
pub const MAX_PER_RULE: usize = 20;

/// A hidden marker at the top, so that CI can find and update its earlier comment.
pub const MARKER: &str = "<!-- kensa:summary -->";

/// Escapes text for a Markdown table cell or line.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A code span that is safe in a table cell: backticks would end it, pipes the cell.
pub(crate) fn code(s: &str) -> String {
    format!(
        "`{}`",
        s.replace('`', "'")
            .replace(['\n', '\r'], " ")
            .replace('|', "\\|")
    )
}

fn status_icon(s: Status) -> &'static str {
    match s {
        Status::CouldNotEvaluate => "❓",
        Status::Violated => "❌",
        Status::Upcoming => "⏳",
        Status::Waived => "🟡",
        Status::Delegated => "🤝",
        Status::Satisfied => "✅",
        Status::NotApplicable => "➖",
    }
}

fn verdict_line(report: &Report, input: &Input<'_>) -> String {
    let lang = input.lang;
    if !report.problems.is_empty() {
        t(
            lang,
            "❓ 検査を完了できませんでした (合格とは扱いません)",
            "❓ The check is not complete (not counted as a pass)",
        )
        .to_string()
    } else if report.summary.could_not_evaluate > 0 {
        t(
            lang,
            "❓ 評価できなかった規則があります (適合とは扱いません)",
            "❓ Some rules could not be evaluated (not counted as compliant)",
        )
        .to_string()
    } else if report_fails(report, input.fail_on) {
        t(
            lang,
            "❌ 是正が必要な違反があります",
            "❌ Violations need remediation",
        )
        .to_string()
    } else {
        t(lang, "✅ 合格", "✅ Pass").to_string()
    }
}

fn counts_table(out: &mut String, report: &Report, lang: Lang) {
    let s = &report.summary;
    let cells = [
        (Status::Violated, s.violated),
        (Status::Upcoming, s.upcoming),
        (Status::CouldNotEvaluate, s.could_not_evaluate),
        (Status::Waived, s.waived),
        (Status::Delegated, s.delegated),
        (Status::Satisfied, s.satisfied),
        (Status::NotApplicable, s.not_applicable),
    ];
    let _ = writeln!(
        out,
        "| {} |",
        cells
            .iter()
            .map(|(st, _)| format!("{} {}", status_icon(*st), st.label().get(lang)))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|{}", " ---: |".repeat(cells.len()));
    let _ = writeln!(
        out,
        "| {} |",
        cells
            .iter()
            .map(|(_, n)| n.to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    );
}

fn severity_table(out: &mut String, report: &Report, lang: Lang) {
    let mut by: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.status == Status::Violated)
    {
        *by.entry(f.severity).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "| {} | {} |",
        t(lang, "重要度", "Severity"),
        Severity::ALL
            .iter()
            .map(|s| s.label().get(lang).to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "| --- |{}", " ---: |".repeat(Severity::ALL.len()));
    let _ = writeln!(
        out,
        "| {} | {} |",
        t(lang, "違反", "Violations"),
        Severity::ALL
            .iter()
            .map(|s| by.get(s).copied().unwrap_or(0).to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    );
}

fn place(f: &Finding, input: &Input<'_>) -> String {
    f.location.as_ref().map_or_else(String::new, |l| {
        code(&format!("{}:{}", input.repo_path(&l.file), l.line))
    })
}

/// One rule's findings of one status as a table, capped at [`MAX_PER_RULE`] rows.
fn rule_block(out: &mut String, findings: &[&Finding], input: &Input<'_>, with_fix: bool) {
    let lang = input.lang;
    let Some(first) = findings.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "#### {} {} {} — {} ({} {})\n",
        status_icon(first.status),
        code(&first.rule),
        esc(first.title.get(lang)),
        first.severity.label().get(lang),
        findings.len(),
        t(
            lang,
            "件",
            if findings.len() == 1 {
                "entity"
            } else {
                "entities"
            }
        ),
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n| --- | --- | --- |",
        t(lang, "対象", "Entity"),
        t(lang, "場所", "Location"),
        t(lang, "詳細", "Detail")
    );
    for f in findings.iter().take(MAX_PER_RULE) {
        let new = if f.baseline == Some(BaselineState::New) {
            t(lang, " 🆕 新規", " 🆕 new")
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {}{new} | {} | {} |",
            code(&f.entity),
            place(f, input),
            f.detail
                .as_ref()
                .map_or_else(String::new, |d| esc(d.get(lang)))
        );
    }
    if findings.len() > MAX_PER_RULE {
        let more = findings.len() - MAX_PER_RULE;
        let _ = writeln!(
            out,
            "| {} | | |",
            match lang {
                Lang::Ja => format!("ほか {more} 件"),
                Lang::En => format!("and {more} more"),
            }
        );
    }
    let _ = writeln!(out);
    if with_fix && let Some(fix) = &first.fix {
        let _ = writeln!(
            out,
            "**{}**: {}\n",
            t(lang, "対処", "Fix"),
            esc(fix.get(lang))
        );
    }
    let link = if first.source.url.is_empty() {
        esc(&first.source.citation)
    } else {
        format!("[{}]({})", esc(&first.source.citation), first.source.url)
    };
    let _ = writeln!(
        out,
        "{}: {link} ({}) · {}\n",
        t(lang, "出典", "Source"),
        esc(&first.source.reference),
        code(&format!("kensa explain {}", first.rule))
    );
}

/// Groups findings of the given statuses by rule, in report order.
fn by_rule<'r>(report: &'r Report, statuses: &[Status]) -> Vec<Vec<&'r Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| statuses.contains(&f.status))
    {
        match groups.last_mut() {
            Some(g) if g[0].rule == f.rule && g[0].status == f.status => g.push(f),
            _ => groups.push(vec![f]),
        }
    }
    groups
}

/// Renders one report as a pull-request comment.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let r = input.report;
    let lang = input.lang;
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(
        out,
        "## kensa {} — {}\n",
        t(lang, "検査結果", "results"),
        esc(&r.institution.name)
    );
    let _ = writeln!(out, "**{}**\n", verdict_line(r, input));
    for p in &r.problems {
        let at = p.location.as_ref().map_or_else(String::new, |l| {
            format!(
                " ({})",
                code(&format!(
                    "{}:{}:{}",
                    input.repo_path(&l.file),
                    l.line,
                    l.column
                ))
            )
        });
        let _ = writeln!(
            out,
            "- ❓ {}{at}  \n  {}: {}",
            esc(p.message.get(lang)),
            t(lang, "対処", "fix"),
            esc(p.fix.get(lang))
        );
    }
    if !r.problems.is_empty() {
        let _ = writeln!(out);
    }
    let p = r.patterns.institution;
    let _ = writeln!(
        out,
        "- {}: {}\n- {}: {} ({})\n- {}: {} · {} {} · {} {}\n",
        t(lang, "マニフェスト", "Manifest"),
        code(input.repo_path(&r.manifest)),
        t(lang, "参照パターン", "Reference pattern"),
        match lang {
            Lang::Ja => p.numeral(),
            Lang::En => p.code(),
        },
        esc(r.patterns.explanation.get(lang)),
        t(lang, "判定日", "As of"),
        r.as_of,
        t(lang, "チェックリスト", "checklist edition"),
        r.institution.edition,
        t(lang, "規則", "rules"),
        r.catalogue.rules,
    );
    counts_table(&mut out, r, lang);
    let _ = writeln!(out);
    severity_table(&mut out, r, lang);
    let _ = writeln!(out);
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            out,
            "{}: {} ({}) — 🆕 {} {} · {} {} · ✔️ {} {}\n",
            t(lang, "基準との比較", "Against the baseline"),
            code(&b.file),
            b.as_of,
            t(lang, "新規", "new"),
            b.new,
            t(lang, "既存", "unchanged"),
            b.unchanged,
            t(lang, "解消", "resolved"),
            b.resolved.len()
        );
    }

    let violated = by_rule(r, &[Status::CouldNotEvaluate, Status::Violated]);
    if !violated.is_empty() {
        let _ = writeln!(
            out,
            "### {} ({})\n",
            t(lang, "違反・評価不能", "Violations and rules not evaluated"),
            r.summary.violated + r.summary.could_not_evaluate
        );
        for g in &violated {
            rule_block(&mut out, g, input, true);
        }
    }

    if let Some(b) = r.baseline.as_ref().filter(|b| !b.resolved.is_empty()) {
        let _ = writeln!(
            out,
            "<details><summary>✔️ {} ({})</summary>\n",
            t(lang, "解消した違反", "Resolved violations"),
            b.resolved.len()
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} |\n| --- | --- | --- |",
            t(lang, "規則", "Rule"),
            t(lang, "対象", "Entity"),
            t(lang, "現在", "Now")
        );
        for f in &b.resolved {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} |",
                code(&f.rule),
                esc(f.title.get(lang)),
                code(&f.entity),
                f.now.map_or_else(
                    || t(lang, "削除", "removed").to_string(),
                    |s| s.label().get(lang).to_string()
                )
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }

    for (statuses, ja, en) in [
        (&[Status::Upcoming][..], "期限前", "Upcoming deadlines"),
        (&[Status::Waived][..], "例外承認", "Waived by an exception"),
        (&[Status::Delegated][..], "委託", "Delegated to a contract"),
    ] {
        let groups = by_rule(r, statuses);
        if groups.is_empty() {
            continue;
        }
        let n: usize = groups.iter().map(Vec::len).sum();
        let _ = writeln!(
            out,
            "<details><summary>{} {} ({n})</summary>\n",
            status_icon(statuses[0]),
            t(lang, ja, en)
        );
        for g in &groups {
            rule_block(&mut out, g, input, statuses[0] == Status::Upcoming);
        }
        let _ = writeln!(out, "</details>\n");
    }

    // Satisfied and not applicable: counts per rule only.
    let mut per_rule: BTreeMap<&str, (usize, usize, &Finding)> = BTreeMap::new();
    for f in &r.findings {
        let e = per_rule.entry(f.rule.as_str()).or_insert((0, 0, f));
        match f.status {
            Status::Satisfied => e.0 += 1,
            Status::NotApplicable => e.1 += 1,
            _ => {}
        }
    }
    per_rule.retain(|_, (s, n, _)| *s + *n > 0);
    if !per_rule.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} {} {} · {} {} {}</summary>\n",
            status_icon(Status::Satisfied),
            t(lang, "適合", "Satisfied"),
            r.summary.satisfied,
            status_icon(Status::NotApplicable),
            t(lang, "対象外", "not applicable"),
            r.summary.not_applicable
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} |\n| --- | ---: | ---: |",
            t(lang, "規則", "Rule"),
            t(lang, "適合", "Satisfied"),
            t(lang, "対象外", "Not applicable")
        );
        for (rule, (s, n, f)) in &per_rule {
            let _ = writeln!(
                out,
                "| {} {} | {s} | {n} |",
                code(rule),
                esc(f.title.get(lang))
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }

    if !r.unused_exceptions.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>⚠️ {} ({})</summary>\n",
            t(
                lang,
                "何も免除していない例外",
                "Exceptions that waive nothing"
            ),
            r.unused_exceptions.len()
        );
        for e in &r.unused_exceptions {
            let _ = writeln!(
                out,
                "- {} ({} → {}): {}",
                code(&e.id),
                code(&e.rule),
                code(&e.target),
                esc(e.reason.get(lang))
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    let _ = writeln!(
        out,
        "<sub>kensa {} · {}</sub>",
        r.tool_version,
        t(
            lang,
            "医療情報システムの安全管理に関するガイドライン 第6.0版",
            "MHLW Guidelines for the Security Management of Medical Information Systems, 6.0"
        )
    );
    out
}

/// Renders a portfolio (or merged shards) as one comment: a row per institution.
#[must_use]
pub fn render_portfolio(p: &Portfolio, lang: Lang, fail_on: Option<Severity>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(
        out,
        "## kensa {} — {} ({} {})\n",
        t(lang, "ポートフォリオ", "portfolio"),
        code(&p.root),
        p.institutions.len(),
        t(lang, "機関", "institutions")
    );
    let verdict = match p.verdict(fail_on) {
        crate::portfolio::Verdict::Pass => t(lang, "✅ 合格", "✅ Pass"),
        crate::portfolio::Verdict::Fail => t(
            lang,
            "❌ 是正が必要な違反があります",
            "❌ Violations need remediation",
        ),
        crate::portfolio::Verdict::Error => t(
            lang,
            "❓ 検査できなかった機関または規則があります",
            "❓ Some institutions or rules could not be checked",
        ),
    };
    let _ = writeln!(
        out,
        "**{verdict}** · {} {}\n",
        t(lang, "判定日", "as of"),
        p.as_of
    );
    let missing = p.missing_shards();
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "⚠️ {}: {}\n",
            t(lang, "結果のないシャード", "shards without results"),
            missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        out,
        "| {} | {} | {} | ❌ | ⏳ | ❓ | {} | {} |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
        t(lang, "機関", "Institution"),
        t(lang, "マニフェスト", "Manifest"),
        t(lang, "パターン", "Pattern"),
        t(lang, "重大・高", "critical/high"),
        t(lang, "適合", "satisfied"),
    );
    for i in &p.institutions {
        match &i.outcome {
            Outcome::Checked { report } => {
                let s = &report.summary;
                let severe = report
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Violated && f.severity <= Severity::High)
                    .count();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {severe} | {} |",
                    esc(&report.institution.name),
                    code(&i.path),
                    match lang {
                        Lang::Ja => report.patterns.institution.numeral(),
                        Lang::En => report.patterns.institution.code(),
                    },
                    s.violated,
                    s.upcoming,
                    s.could_not_evaluate,
                    s.satisfied
                );
            }
            Outcome::Invalid { problems } => {
                let first = problems.first().map_or_else(String::new, |m| {
                    format!("{}:{}:{} {}", m.file, m.line, m.column, m.message.get(lang))
                });
                let _ = writeln!(
                    out,
                    "| ❓ {} | {} | | | | | | {} |",
                    t(lang, "読めないマニフェスト", "invalid manifest"),
                    code(&i.path),
                    esc(&first)
                );
            }
        }
    }
    out
}
