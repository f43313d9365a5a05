//! The compliance diff of two manifests (`kensa diff OLD NEW`) for people: [`text`] for a
//! terminal and [`markdown`] for a pull-request comment. The diff itself is computed by
//! `kensa_engine::diff`; these are pure functions of it.
//!
//! A comment has a size limit (65,536 characters on GitHub), so every list in the
//! Markdown shows at most [`MAX_ROWS`] entries and says how many more there are, and an
//! entity's text diff at most [`MAX_DIFF_LINES`] lines.

use crate::t;
use std::fmt::Write as _;

use kensa_engine::diff::{
    EntityChange, EntityRef, FieldChange, Gone, ManifestDiff, NewViolation, Parties,
    ResolvedViolation, ResponsibilityMove, StatusChange,
};
use kensa_engine::report::Location;
use kensa_engine::{Pattern, Severity, Status};
use kensa_manifest::Lang;
use serde_json::Value;

use crate::markdown::{code, esc};

/// A hidden marker at the top of the comment, so that CI can find and update it.
pub const MARKER: &str = "<!-- kensa:diff -->";

/// Entries listed per section of the Markdown before "and N more".
pub const MAX_ROWS: usize = 50;

/// Lines of one entity's text diff shown in the Markdown before it is cut.
pub const MAX_DIFF_LINES: usize = 200;

fn pattern_name(p: Pattern, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => p.numeral(),
        Lang::En => p.code(),
    }
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

fn status_name(s: Option<Status>, lang: Lang) -> String {
    s.map_or_else(
        || t(lang, "(なし)", "(absent)").to_string(),
        |s| s.label().get(lang).to_string(),
    )
}

/// Why a resolved violation has no status now.
fn gone_phrase(g: Option<Gone>, lang: Lang) -> &'static str {
    match g {
        Some(Gone::EntityRemoved) => t(lang, "対象が削除された", "entity removed"),
        Some(Gone::RuleRemoved) => t(
            lang,
            "規則がカタログからなくなった",
            "rule no longer in the catalogue",
        ),
        Some(Gone::NotEvaluated) | None => t(
            lang,
            "この対象では評価されなくなった",
            "no longer evaluated for this entity",
        ),
    }
}

/// The marker of a new gap in the responsibility split (nobody does a requirement).
const GAP: &str = "🕳️";

/// `file:line:column`.
fn place(loc: Option<&Location>) -> Option<String> {
    loc.map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
}

/// A value of a field change on one line: strings as they are, anything else as JSON.
fn value(v: Option<&Value>, lang: Lang) -> String {
    match v {
        None => t(lang, "(なし)", "(absent)").to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// A party for people: its name, then its id when the name does not say it.
fn party(d: &ManifestDiff, id: &str, lang: Lang) -> String {
    match d.parties.get(id) {
        Some(name) if !name.get(lang).is_empty() && name.get(lang) != id => {
            format!("{} ({id})", name.get(lang))
        }
        _ => id.to_string(),
    }
}

fn parties(d: &ManifestDiff, ids: &[String], lang: Lang) -> String {
    if ids.is_empty() {
        return t(lang, "(なし)", "(nobody)").to_string();
    }
    ids.iter()
        .map(|p| party(d, p, lang))
        .collect::<Vec<_>>()
        .join(t(lang, "、", ", "))
}

/// `renamed: clinic.yaml → manifests/clinic.yaml`, when the manifest was renamed.
fn rename_line(d: &ManifestDiff, lang: Lang) -> Option<String> {
    let r = d.rename.as_ref()?;
    Some(format!(
        "{}: {} → {}",
        t(lang, "名前の変更", "renamed"),
        r.from,
        r.to
    ))
}

fn sides_line(d: &ManifestDiff) -> String {
    if d.old.as_of == d.new.as_of {
        format!("{} → {}", d.old.label, d.new.label)
    } else {
        format!(
            "{} ({}) → {} ({})",
            d.old.label, d.old.as_of, d.new.label, d.new.as_of
        )
    }
}

fn counts_phrase(d: &ManifestDiff, lang: Lang) -> String {
    let f = &d.findings;
    let mut parts = vec![
        match lang {
            Lang::Ja => format!("新規の違反 {}", f.new.len()),
            Lang::En => format!("{} new", f.new.len()),
        },
        match lang {
            Lang::Ja => format!("解消 {}", f.resolved.len()),
            Lang::En => format!("{} resolved", f.resolved.len()),
        },
        match lang {
            Lang::Ja => format!("状態の変化 {}", f.changed.len()),
            Lang::En => format!("{} changed in status", f.changed.len()),
        },
    ];
    if !f.could_not_evaluate.is_empty() {
        parts.push(match lang {
            Lang::Ja => format!("評価不能 {}", f.could_not_evaluate.len()),
            Lang::En => format!("{} could not be evaluated", f.could_not_evaluate.len()),
        });
    }
    parts.push(match lang {
        Lang::Ja => format!(
            "変化なし {} (うち違反のまま {})",
            f.unchanged, f.still_violated
        ),
        Lang::En => format!(
            "{} unchanged ({} still violated)",
            f.unchanged, f.still_violated
        ),
    });
    let gaps = d.new_gaps();
    if gaps > 0 {
        parts.push(match lang {
            Lang::Ja => format!("新たなギャップ (実施者なし) {gaps}"),
            Lang::En if gaps == 1 => "1 new gap (nobody does it)".to_string(),
            Lang::En => format!("{gaps} new gaps (nobody does them)"),
        });
    }
    parts.join(" · ")
}

fn count_of(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{n} 件"),
        Lang::En => n.to_string(),
    }
}

fn more(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("ほか {n} 件"),
        Lang::En => format!("and {n} more"),
    }
}

fn field_line(f: &FieldChange, lang: Lang) -> String {
    match (&f.old, &f.new) {
        (None, Some(n)) => format!("{}: + {}", f.path, value(Some(n), lang)),
        (Some(o), None) => format!("{}: - {}", f.path, value(Some(o), lang)),
        (o, n) => format!(
            "{}: {} → {}",
            f.path,
            value(o.as_ref(), lang),
            value(n.as_ref(), lang)
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

fn heading(out: &mut String, title: &str, n: usize) {
    let _ = writeln!(out, "\n{title} ({n})");
}

fn text_new(out: &mut String, v: &NewViolation, lang: Lang) {
    let was = v.was.map_or_else(String::new, |w| {
        format!(
            "  [{} → {}]",
            w.label().get(lang),
            v.status.label().get(lang)
        )
    });
    let _ = writeln!(
        out,
        "  ✗ [{}] {} {}{was}",
        v.severity.label().get(lang),
        v.rule,
        v.entity
    );
    let _ = writeln!(out, "      {}", v.title.get(lang));
    if let Some(p) = place(v.location.as_ref()) {
        let _ = writeln!(out, "      {}: {p}", t(lang, "場所", "at"));
    }
    if let Some(detail) = &v.detail {
        let _ = writeln!(
            out,
            "      {}: {}",
            t(lang, "詳細", "detail"),
            detail.get(lang)
        );
    }
    if let Some(fix) = &v.fix {
        let _ = writeln!(out, "      {}: {}", t(lang, "対処", "fix"), fix.get(lang));
    }
}

fn text_resolved(out: &mut String, v: &ResolvedViolation, lang: Lang) {
    let now = match v.now {
        Some(s) => format!("{}: {}", t(lang, "現在", "now"), s.label().get(lang)),
        None => gone_phrase(v.gone, lang).to_string(),
    };
    let _ = writeln!(
        out,
        "  ✓ [{}] {} {}  ({now})",
        v.severity.label().get(lang),
        v.rule,
        v.entity
    );
    let _ = writeln!(out, "      {}", v.title.get(lang));
}

fn text_status(out: &mut String, c: &StatusChange, lang: Lang) {
    let _ = writeln!(
        out,
        "  {} {} {}: {} → {}",
        status_icon(c.new),
        c.rule,
        c.entity,
        status_name(c.old, lang),
        c.new.label().get(lang)
    );
    let _ = writeln!(out, "      {}", c.title.get(lang));
    if let Some(detail) = &c.detail {
        let _ = writeln!(out, "      {}", detail.get(lang));
    }
}

fn text_parties(out: &mut String, d: &ManifestDiff, label: &str, p: &Parties, lang: Lang) {
    if p.moved() {
        let _ = writeln!(
            out,
            "      {label}: {} → {}",
            parties(d, &p.old, lang),
            parties(d, &p.new, lang)
        );
    }
}

fn text_move(out: &mut String, d: &ManifestDiff, m: &ResponsibilityMove, lang: Lang) {
    let mut notes = Vec::new();
    if m.newly_applies {
        notes.push(t(lang, "新たに適用", "now applies"));
    }
    if m.no_longer_applies {
        notes.push(t(lang, "適用されなくなった", "no longer applies"));
    }
    if m.new_gap {
        notes.push(t(
            lang,
            "新たなギャップ: 実施者なし",
            "new gap: nobody does it",
        ));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", notes.join(t(lang, "、", ", ")))
    };
    let _ = writeln!(out, "  {} {}{notes}", m.rule, m.entity);
    let _ = writeln!(out, "      {}", m.title.get(lang));
    let does = t(lang, "実施", "does");
    let answers = t(lang, "説明責任", "answers for");
    if m.no_longer_applies {
        let _ = writeln!(
            out,
            "      {}: {}",
            t(lang, "実施していた", "did"),
            parties(d, &m.does.old, lang)
        );
        let _ = writeln!(
            out,
            "      {}: {}",
            t(lang, "説明責任を負っていた", "answered for"),
            parties(d, &m.accountable.old, lang)
        );
    } else if m.newly_applies {
        let _ = writeln!(out, "      {does}: {}", parties(d, &m.does.new, lang));
        let _ = writeln!(
            out,
            "      {answers}: {}",
            parties(d, &m.accountable.new, lang)
        );
    } else {
        text_parties(out, d, does, &m.does, lang);
        text_parties(out, d, answers, &m.accountable, lang);
    }
    if let Some(fix) = &m.fix {
        let _ = writeln!(out, "      {}: {}", t(lang, "対処", "fix"), fix.get(lang));
    }
}

fn text_entity(out: &mut String, mark: char, e: &EntityRef) {
    let at = place(e.location.as_ref())
        .map(|p| format!("  {p}"))
        .unwrap_or_default();
    let _ = writeln!(out, "  {mark} {}{at}", e.key);
}

fn text_changed(out: &mut String, e: &EntityChange, lang: Lang) {
    let at = place(e.location.as_ref())
        .map(|p| format!("  {p}"))
        .unwrap_or_default();
    let _ = writeln!(out, "  ~ {}{at}", e.key);
    for f in &e.fields {
        let _ = writeln!(out, "      {}", field_line(f, lang));
    }
    if !e.text_diff.is_empty() {
        out.push('\n');
        for l in e.text_diff.lines() {
            let _ = writeln!(out, "      {l}");
        }
    }
}

/// The diff for a terminal: what changed in compliance first (pattern, findings,
/// responsibility), then the entities with their fields and text diffs.
#[must_use]
pub fn text(d: &ManifestDiff, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kensa diff — {} ({})",
        d.institution_name, d.institution
    );
    let _ = writeln!(out, "{}", sides_line(d));
    if let Some(r) = rename_line(d, lang) {
        let _ = writeln!(out, "{r}");
    }
    if d.old.as_of == d.new.as_of {
        let _ = writeln!(out, "{}: {}", t(lang, "判定日", "as of"), d.new.as_of);
    }
    for p in &d.problems {
        let at = p.location.as_ref().map_or_else(String::new, |l| {
            format!("{}:{}:{}: ", l.file, l.line, l.column)
        });
        let _ = writeln!(
            out,
            "? {at}{}\n    {}: {}",
            p.message.get(lang),
            t(lang, "対処", "fix"),
            p.fix.get(lang)
        );
    }

    if let Some(p) = &d.pattern {
        let _ = writeln!(
            out,
            "\n{}: {} → {}",
            t(lang, "参照パターン", "Reference pattern"),
            pattern_name(p.old, lang),
            pattern_name(p.new, lang)
        );
        let _ = writeln!(
            out,
            "  {}: {}",
            t(lang, "変更前", "before"),
            p.old_explanation.get(lang)
        );
        let _ = writeln!(
            out,
            "  {}: {}",
            t(lang, "変更後", "after"),
            p.new_explanation.get(lang)
        );
    }
    if !d.system_patterns.is_empty() {
        if d.pattern.is_none() {
            let _ = writeln!(
                out,
                "\n{}",
                t(lang, "システムの参照パターン", "System patterns")
            );
        }
        for s in &d.system_patterns {
            let _ = writeln!(
                out,
                "  {} {}: {} ({}) → {} ({})",
                t(lang, "システム", "system"),
                s.system,
                pattern_name(s.old, lang),
                s.old_hosting,
                pattern_name(s.new, lang),
                s.new_hosting
            );
        }
    }

    let _ = writeln!(out, "\n{}", counts_phrase(d, lang));

    let f = &d.findings;
    if !f.new.is_empty() {
        heading(
            &mut out,
            t(lang, "新規の違反", "New violations"),
            f.new.len(),
        );
        for v in &f.new {
            text_new(&mut out, v, lang);
        }
    }
    if !f.could_not_evaluate.is_empty() {
        heading(
            &mut out,
            t(
                lang,
                "評価できなくなった規則 (適合とは扱いません)",
                "Could not be evaluated (never counted as compliant)",
            ),
            f.could_not_evaluate.len(),
        );
        for c in &f.could_not_evaluate {
            text_status(&mut out, c, lang);
        }
    }
    if !f.resolved.is_empty() {
        heading(
            &mut out,
            t(lang, "解消した違反", "Resolved violations"),
            f.resolved.len(),
        );
        for v in &f.resolved {
            text_resolved(&mut out, v, lang);
        }
    }
    if !f.changed.is_empty() {
        heading(
            &mut out,
            t(lang, "状態の変化", "Status changes"),
            f.changed.len(),
        );
        for c in &f.changed {
            text_status(&mut out, c, lang);
        }
    }
    if !d.responsibility.is_empty() {
        heading(
            &mut out,
            t(lang, "責任の移動", "Responsibility moves"),
            d.responsibility.len(),
        );
        for m in &d.responsibility {
            text_move(&mut out, d, m, lang);
        }
    }

    let e = &d.entities;
    let n = e.added.len() + e.removed.len() + e.changed.len();
    if n > 0 {
        heading(&mut out, t(lang, "エンティティの変化", "Entities"), n);
        for x in &e.added {
            text_entity(&mut out, '+', x);
        }
        for x in &e.removed {
            text_entity(&mut out, '-', x);
        }
        for x in &e.changed {
            text_changed(&mut out, x, lang);
        }
    }
    if d.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            t(
                lang,
                "コンプライアンス上の変化はありません。",
                "No change to compliance."
            )
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------

fn verdict(d: &ManifestDiff, lang: Lang, fail_on: Option<Severity>) -> String {
    let f = &d.findings;
    let n = f.new.len();
    if !d.problems.is_empty() {
        return t(
            lang,
            "❓ 新しい側の検査を完了できませんでした (合格とは扱いません)",
            "❓ The check of the new side is not complete (not counted as a pass)",
        )
        .to_string();
    }
    if !f.could_not_evaluate.is_empty() {
        return match lang {
            Lang::Ja => format!(
                "❓ この変更で評価できなくなった規則が {} 件あります (適合とは扱いません)",
                f.could_not_evaluate.len()
            ),
            Lang::En => format!(
                "❓ This change leaves {} rule–entity pair(s) that could not be evaluated (not counted as compliant)",
                f.could_not_evaluate.len()
            ),
        };
    }
    if d.introduces(fail_on) {
        return match lang {
            Lang::Ja => format!("❌ この変更で違反が {n} 件増えます"),
            Lang::En if n == 1 => "❌ This change adds 1 violation".to_string(),
            Lang::En => format!("❌ This change adds {n} violations"),
        };
    }
    if n > 0 {
        let below = fail_on.map_or_else(String::new, |s| match lang {
            Lang::Ja => format!(" (いずれも重要度「{}」未満)", s.label().get(lang)),
            Lang::En => format!(" (all below {})", s.name()),
        });
        return match lang {
            Lang::Ja => format!("⚠️ この変更で違反が {n} 件増えます{below}"),
            Lang::En if n == 1 => format!("⚠️ This change adds 1 violation{below}"),
            Lang::En => format!("⚠️ This change adds {n} violations{below}"),
        };
    }
    let r = f.resolved.len();
    match (lang, r) {
        (Lang::Ja, 0) => "✅ この変更で増える違反はありません".to_string(),
        (Lang::Ja, r) => format!("✅ この変更で増える違反はなく、{r} 件の違反が解消します"),
        (Lang::En, 0) => "✅ This change adds no violation".to_string(),
        (Lang::En, 1) => "✅ This change adds no violation and resolves 1".to_string(),
        (Lang::En, r) => format!("✅ This change adds no violation and resolves {r}"),
    }
}

fn md_place(loc: Option<&Location>) -> String {
    loc.map_or_else(String::new, |l| code(&format!("{}:{}", l.file, l.line)))
}

fn md_more(out: &mut String, total: usize, cols: usize, lang: Lang) {
    if total > MAX_ROWS {
        let _ = writeln!(
            out,
            "| {} |{}",
            more(total - MAX_ROWS, lang),
            " |".repeat(cols - 1)
        );
    }
}

fn md_table_head(out: &mut String, heads: &[&str]) {
    let _ = writeln!(out, "| {} |", heads.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(heads.len()));
}

fn md_rule(rule: &str, title: &str) -> String {
    format!("{} {}", code(rule), esc(title))
}

/// Text for an HTML element (`<summary>`): the characters HTML gives a meaning escaped.
fn html(s: &str) -> String {
    crate::gap::html::escape(&s.replace(['\n', '\r'], " "))
}

/// A fence that the content cannot close: one backtick more than its longest run.
fn fence_for(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn md_entity_diff(out: &mut String, e: &EntityChange, lang: Lang) {
    let paths: Vec<String> = e.fields.iter().map(|f| f.path.clone()).collect();
    let shown: Vec<String> = paths
        .iter()
        .take(5)
        .map(|p| format!("<code>{}</code>", html(p)))
        .collect();
    let rest = if paths.len() > 5 {
        format!(" {}", more(paths.len() - 5, lang))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<details><summary><code>{}</code> — {}{rest}</summary>\n",
        html(&e.key),
        shown.join(", ")
    );
    if let Some(p) = e.location.as_ref() {
        let _ = writeln!(out, "{}: {}\n", t(lang, "場所", "At"), md_place(Some(p)));
    }
    let lines: Vec<&str> = e.text_diff.lines().collect();
    let mut body = lines
        .iter()
        .take(MAX_DIFF_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > MAX_DIFF_LINES {
        let _ = write!(
            body,
            "\n# {}",
            match lang {
                Lang::Ja => format!("(ほか {} 行)", lines.len() - MAX_DIFF_LINES),
                Lang::En => format!("({} more lines)", lines.len() - MAX_DIFF_LINES),
            }
        );
    }
    let fence = fence_for(&body);
    let _ = writeln!(out, "{fence}diff\n{body}\n{fence}\n\n</details>\n");
}

fn md_status_rows(out: &mut String, rows: &[StatusChange], lang: Lang) {
    md_table_head(
        out,
        &[
            t(lang, "規則", "Rule"),
            t(lang, "対象", "Entity"),
            t(lang, "変更前", "Before"),
            t(lang, "変更後", "After"),
            t(lang, "詳細", "Detail"),
        ],
    );
    for c in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} | {} |",
            md_rule(&c.rule, c.title.get(lang)),
            code(&c.entity),
            c.old.map_or_else(
                || esc(&status_name(None, lang)),
                |s| format!("{} {}", status_icon(s), s.label().get(lang))
            ),
            status_icon(c.new),
            c.new.label().get(lang),
            c.detail
                .as_ref()
                .map_or_else(String::new, |x| esc(x.get(lang)))
        );
    }
    md_more(out, rows.len(), 5, lang);
    out.push('\n');
}

/// The parties of a move: before → after when they moved; only those after when the
/// requirement newly applies, only those before when it no longer applies.
fn md_parties(d: &ManifestDiff, p: &Parties, m: &ResponsibilityMove, lang: Lang) -> String {
    if m.no_longer_applies {
        esc(&parties(d, &p.old, lang))
    } else if p.moved() && !m.newly_applies {
        format!(
            "{} → {}",
            esc(&parties(d, &p.old, lang)),
            esc(&parties(d, &p.new, lang))
        )
    } else {
        esc(&parties(d, &p.new, lang))
    }
}

/// The requirements the change leaves with nobody doing them, and what to do.
fn md_new_gaps(out: &mut String, d: &ManifestDiff, lang: Lang) {
    let gaps: Vec<&ResponsibilityMove> = d.responsibility.iter().filter(|m| m.new_gap).collect();
    let _ = writeln!(
        out,
        "### {GAP} {} ({})\n",
        t(
            lang,
            "新たなギャップ: 実施者のいない事項",
            "New gaps: requirements nobody does"
        ),
        count_of(gaps.len(), lang)
    );
    md_table_head(
        out,
        &[
            t(lang, "規則", "Rule"),
            t(lang, "対象", "Entity"),
            t(lang, "以前の実施者", "Done before by"),
            t(lang, "対処", "Fix"),
        ],
    );
    for m in gaps.iter().take(MAX_ROWS) {
        let before = if m.newly_applies {
            esc(t(lang, "(新たに適用)", "(now applies)"))
        } else {
            esc(&parties(d, &m.does.old, lang))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {before} | {} |",
            md_rule(&m.rule, m.title.get(lang)),
            code(&m.entity),
            m.fix
                .as_ref()
                .map_or_else(String::new, |x| esc(x.get(lang)))
        );
    }
    md_more(out, gaps.len(), 4, lang);
    out.push('\n');
}

fn md_moves(out: &mut String, d: &ManifestDiff, lang: Lang) {
    let _ = writeln!(
        out,
        "### 🤝 {} ({})\n",
        t(lang, "責任の移動", "Responsibility moves"),
        count_of(d.responsibility.len(), lang)
    );
    md_table_head(
        out,
        &[
            t(lang, "規則", "Rule"),
            t(lang, "対象", "Entity"),
            t(lang, "実施", "Does"),
            t(lang, "説明責任", "Answers for"),
        ],
    );
    for m in d.responsibility.iter().take(MAX_ROWS) {
        let mut notes = String::new();
        if m.newly_applies {
            notes.push_str(t(lang, " 🆕 新たに適用", " 🆕 now applies"));
        }
        if m.no_longer_applies {
            notes.push_str(t(lang, " ⏹️ 適用されなくなった", " ⏹️ no longer applies"));
        }
        if m.new_gap {
            let _ = write!(
                notes,
                " {GAP} {}",
                t(
                    lang,
                    "新たなギャップ: 実施者なし",
                    "new gap: nobody does it"
                )
            );
        }
        let _ = writeln!(
            out,
            "| {}{notes} | {} | {} | {} |",
            md_rule(&m.rule, m.title.get(lang)),
            code(&m.entity),
            md_parties(d, &m.does, m, lang),
            md_parties(d, &m.accountable, m, lang)
        );
    }
    md_more(out, d.responsibility.len(), 4, lang);
    out.push('\n');
}

/// The diff as a pull-request comment: a marker, the verdict, the counts, then each kind
/// of change as a table, and the entities' text diffs folded away. `fail_on` decides the
/// verdict (see `ManifestDiff::introduces`).
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn markdown(d: &ManifestDiff, lang: Lang, fail_on: Option<Severity>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "## kensa diff — {}\n", esc(&d.institution_name));
    let _ = writeln!(out, "**{}**\n", verdict(d, lang, fail_on));
    for p in &d.problems {
        let at = p.location.as_ref().map_or_else(String::new, |l| {
            format!(
                " ({})",
                code(&format!("{}:{}:{}", l.file, l.line, l.column))
            )
        });
        let _ = writeln!(
            out,
            "- ❓ {}{at}  \n  {}: {}\n",
            esc(p.message.get(lang)),
            t(lang, "対処", "fix"),
            esc(p.fix.get(lang))
        );
    }
    let gaps = d.new_gaps();
    if gaps > 0 {
        let _ = writeln!(
            out,
            "**{GAP} {}**\n",
            match lang {
                Lang::Ja => format!("この変更で実施者のいない事項が {gaps} 件増えます"),
                Lang::En if gaps == 1 => {
                    "This change leaves 1 requirement with nobody doing it".to_string()
                }
                Lang::En =>
                    format!("This change leaves {gaps} requirements with nobody doing them"),
            }
        );
    }
    let _ = writeln!(
        out,
        "- {}: {} → {}",
        t(lang, "比較", "Compared"),
        code(&d.old.label),
        code(&d.new.label)
    );
    if let Some(r) = &d.rename {
        let _ = writeln!(
            out,
            "- {}: {} → {}",
            t(lang, "名前の変更", "Renamed"),
            code(&r.from),
            code(&r.to)
        );
    }
    if d.old.as_of == d.new.as_of {
        let _ = writeln!(out, "- {}: {}", t(lang, "判定日", "As of"), d.new.as_of);
    } else {
        let _ = writeln!(
            out,
            "- {}: {} → {}",
            t(lang, "判定日", "As of"),
            d.old.as_of,
            d.new.as_of
        );
    }
    match &d.pattern {
        Some(p) => {
            let _ = writeln!(
                out,
                "- {}: **{} → {}** ({})",
                t(lang, "参照パターン", "Reference pattern"),
                pattern_name(p.old, lang),
                pattern_name(p.new, lang),
                esc(p.new_explanation.get(lang))
            );
        }
        None => {
            let _ = writeln!(
                out,
                "- {}: {}",
                t(lang, "参照パターン", "Reference pattern"),
                pattern_name(d.new.pattern, lang)
            );
        }
    }
    out.push('\n');

    let f = &d.findings;
    let mut heads = vec![
        format!("🆕 {}", t(lang, "新規の違反", "New violations")),
        format!("✅ {}", t(lang, "解消", "Resolved")),
        format!("🔄 {}", t(lang, "状態の変化", "Status changes")),
        format!("❓ {}", t(lang, "評価不能", "Could not evaluate")),
        format!("❌ {}", t(lang, "違反のまま", "Still violated")),
        format!("🟰 {}", t(lang, "変化なし", "Unchanged")),
    ];
    let mut counts = vec![
        f.new.len(),
        f.resolved.len(),
        f.changed.len(),
        f.could_not_evaluate.len(),
        f.still_violated,
        f.unchanged,
    ];
    if gaps > 0 {
        heads.push(format!("{GAP} {}", t(lang, "新たなギャップ", "New gaps")));
        counts.push(gaps);
    }
    let _ = writeln!(out, "| {} |", heads.join(" | "));
    let _ = writeln!(out, "|{}", " ---: |".repeat(heads.len()));
    let _ = writeln!(
        out,
        "| {} |\n",
        counts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" | ")
    );

    if let Some(p) = &d.pattern {
        let _ = writeln!(
            out,
            "### {}\n",
            t(lang, "参照パターンの変化", "Reference pattern change")
        );
        let _ = writeln!(
            out,
            "- {} **{}**: {}",
            t(lang, "変更前", "Before"),
            pattern_name(p.old, lang),
            esc(p.old_explanation.get(lang))
        );
        let _ = writeln!(
            out,
            "- {} **{}**: {}\n",
            t(lang, "変更後", "After"),
            pattern_name(p.new, lang),
            esc(p.new_explanation.get(lang))
        );
    }
    if !d.system_patterns.is_empty() {
        if d.pattern.is_none() {
            let _ = writeln!(
                out,
                "### {}\n",
                t(lang, "システムの参照パターン", "System patterns")
            );
        }
        md_table_head(
            &mut out,
            &[
                t(lang, "システム", "System"),
                t(lang, "変更前", "Before"),
                t(lang, "変更後", "After"),
            ],
        );
        for s in d.system_patterns.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} ({}) |",
                code(&s.system),
                pattern_name(s.old, lang),
                code(&s.old_hosting),
                pattern_name(s.new, lang),
                code(&s.new_hosting)
            );
        }
        md_more(&mut out, d.system_patterns.len(), 3, lang);
        out.push('\n');
    }

    if !f.new.is_empty() {
        let _ = writeln!(
            out,
            "### 🆕 {} ({})\n",
            t(lang, "新規の違反", "New violations"),
            count_of(f.new.len(), lang)
        );
        md_table_head(
            &mut out,
            &[
                t(lang, "重要度", "Severity"),
                t(lang, "規則", "Rule"),
                t(lang, "対象", "Entity"),
                t(lang, "場所", "Location"),
                t(lang, "対処", "Fix"),
            ],
        );
        for v in f.new.iter().take(MAX_ROWS) {
            let was = v.was.map_or_else(String::new, |w| {
                format!(
                    " ({} → {})",
                    w.label().get(lang),
                    v.status.label().get(lang)
                )
            });
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | {} |",
                v.severity.label().get(lang),
                md_rule(&v.rule, v.title.get(lang)),
                esc(&was),
                code(&v.entity),
                md_place(v.location.as_ref()),
                v.fix
                    .as_ref()
                    .map_or_else(String::new, |x| esc(x.get(lang)))
            );
        }
        md_more(&mut out, f.new.len(), 5, lang);
        out.push('\n');
    }
    if !f.could_not_evaluate.is_empty() {
        let _ = writeln!(
            out,
            "### ❓ {} ({})\n",
            t(lang, "評価できなくなった規則", "Could not be evaluated"),
            count_of(f.could_not_evaluate.len(), lang)
        );
        md_status_rows(&mut out, &f.could_not_evaluate, lang);
    }
    if !f.resolved.is_empty() {
        let _ = writeln!(
            out,
            "### ✅ {} ({})\n",
            t(lang, "解消した違反", "Resolved violations"),
            count_of(f.resolved.len(), lang)
        );
        md_table_head(
            &mut out,
            &[
                t(lang, "重要度", "Severity"),
                t(lang, "規則", "Rule"),
                t(lang, "対象", "Entity"),
                t(lang, "現在", "Now"),
            ],
        );
        for v in f.resolved.iter().take(MAX_ROWS) {
            let now = v.now.map_or_else(
                || gone_phrase(v.gone, lang).to_string(),
                |s| format!("{} {}", status_icon(s), s.label().get(lang)),
            );
            let _ = writeln!(
                out,
                "| {} | {} | {} | {now} |",
                v.severity.label().get(lang),
                md_rule(&v.rule, v.title.get(lang)),
                code(&v.entity),
            );
        }
        md_more(&mut out, f.resolved.len(), 4, lang);
        out.push('\n');
    }
    if !f.changed.is_empty() {
        let _ = writeln!(
            out,
            "### 🔄 {} ({})\n",
            t(lang, "状態の変化", "Status changes"),
            count_of(f.changed.len(), lang)
        );
        md_status_rows(&mut out, &f.changed, lang);
    }
    if gaps > 0 {
        md_new_gaps(&mut out, d, lang);
    }
    if !d.responsibility.is_empty() {
        md_moves(&mut out, d, lang);
    }

    let e = &d.entities;
    if !(e.added.is_empty() && e.removed.is_empty() && e.changed.is_empty()) {
        let _ = writeln!(
            out,
            "### 📝 {}\n",
            t(lang, "エンティティの変化", "Entities")
        );
        let listed: Vec<(&str, &EntityRef)> = e
            .added
            .iter()
            .map(|x| (t(lang, "➕ 追加", "➕ added"), x))
            .chain(
                e.removed
                    .iter()
                    .map(|x| (t(lang, "🗑️ 削除", "🗑️ removed"), x)),
            )
            .collect();
        if !listed.is_empty() {
            md_table_head(
                &mut out,
                &[
                    t(lang, "変化", "Change"),
                    t(lang, "対象", "Entity"),
                    t(lang, "場所", "Location"),
                ],
            );
            for (what, x) in listed.iter().take(MAX_ROWS) {
                let _ = writeln!(
                    out,
                    "| {what} | {} | {} |",
                    code(&x.key),
                    md_place(x.location.as_ref())
                );
            }
            md_more(&mut out, listed.len(), 3, lang);
            out.push('\n');
        }
        for x in e.changed.iter().take(MAX_ROWS) {
            md_entity_diff(&mut out, x, lang);
        }
        if e.changed.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "{} ({})\n",
                more(e.changed.len() - MAX_ROWS, lang),
                t(lang, "変更されたエンティティ", "changed entities")
            );
        }
    }
    if d.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            t(
                lang,
                "コンプライアンス上の変化はありません。",
                "No change to compliance."
            )
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use kensa_engine::diff::{ManifestDiff, Side, diff};
    use kensa_engine::split::split;
    use kensa_engine::{Catalogue, Options, Severity, check};
    use kensa_manifest::{Lang, Limits, load_str};

    use super::{MARKER, MAX_ROWS, fence_for, markdown, text};

    const OLD: &str = r#"apiVersion: kensa/v1
institution:
  id: t
  name: テスト診療所 | <b>
  type: clinic
  online_eligibility: false
  dedicated_ops_staff: false
people:
  - { id: boss, name: 院長, roles: [executive, security_manager, planning_manager] }
systems:
  - id: ehr
    name: 電子カルテ
    category: ehr
    hosting: on_premise
    vendor: v1
    handles_medical_info: true
    authentication:
      methods: [password]
      mfa: true
      password_policy: { min_length: 13, lockout: true }
vendors:
  - { id: v1, name: 事業者1, roles: [system_vendor] }
"#;

    fn diff_of(old: &str, new: &str) -> ManifestDiff {
        let c = Catalogue::builtin().expect("catalogue");
        let options = |label: &str| Options {
            as_of: NaiveDate::from_ymd_opt(2027, 5, 1).expect("date"),
            manifest_label: label.into(),
            threads: 1,
        };
        let lo = load_str("old.yaml", old, &Limits::default());
        let ln = load_str("new.yaml", new, &Limits::default());
        let mo = lo.manifest.as_ref().expect("old manifest");
        let mn = ln.manifest.as_ref().expect("new manifest");
        let ro = check(mo, &lo.sources, &c, &options("old.yaml")).expect("check");
        let rn = check(mn, &ln.sources, &c, &options("new.yaml")).expect("check");
        let so = split(mo, &lo.sources, &c, &ro).expect("split");
        let sn = split(mn, &ln.sources, &c, &rn).expect("split");
        diff(
            &Side {
                label: "main".into(),
                manifest: mo,
                sources: &lo.sources,
                report: &ro,
                split: &so,
            },
            &Side {
                label: "HEAD".into(),
                manifest: mn,
                sources: &ln.sources,
                report: &rn,
                split: &sn,
            },
        )
    }

    fn mfa_off() -> String {
        OLD.replace("mfa: true", "mfa: false")
    }

    #[test]
    fn markdown_says_how_many_violations_the_change_adds() {
        let d = diff_of(OLD, &mfa_off());
        let md = markdown(&d, Lang::Ja, Some(Severity::High));
        assert!(md.starts_with(MARKER), "{md}");
        assert!(md.contains("**❌ この変更で違反が 1 件増えます**"), "{md}");
        assert!(md.contains("`CL-R7-MFA`"), "{md}");
        assert!(md.contains("`new.yaml:11`"), "{md}");
        assert!(md.contains(
            "<details><summary><code>system/ehr</code> — <code>authentication.mfa</code></summary>"
        ));
        assert!(
            md.contains("```diff\n--- main system/ehr\n+++ HEAD system/ehr\n"),
            "{md}"
        );
        assert!(md.contains("\n-  mfa: true\n+  mfa: false\n"), "{md}");
        // The institution's name cannot break the heading or inject HTML.
        assert!(md.contains("テスト診療所 \\| &lt;b&gt;"), "{md}");
        assert!(!md.contains("<b>"));
        // Below the threshold, a warning; with no threshold, the same.
        let low = markdown(&d, Lang::En, None);
        assert!(low.contains("**⚠️ This change adds 1 violation**"), "{low}");
        // The fix resolves it.
        let back = diff_of(&mfa_off(), OLD);
        let ok = markdown(&back, Lang::En, Some(Severity::Low));
        assert!(
            ok.contains("**✅ This change adds no violation and resolves 1**"),
            "{ok}"
        );
        assert!(ok.contains("### ✅ Resolved violations (1)"), "{ok}");
    }

    #[test]
    fn text_lists_the_violation_the_field_and_the_text_diff() {
        let d = diff_of(OLD, &mfa_off());
        let out = text(&d, Lang::En);
        assert!(out.contains("main → HEAD\n"), "{out}");
        assert!(out.contains("1 new · 0 resolved"), "{out}");
        assert!(
            out.contains("  ✗ [critical] CL-R7-MFA system/ehr  [satisfied → violated]"),
            "{out}"
        );
        assert!(out.contains("      at: new.yaml:11:5\n"), "{out}");
        assert!(out.contains("      fix: "), "{out}");
        assert!(
            out.contains("  ~ system/ehr  new.yaml:11:5\n      authentication.mfa: true → false\n"),
            "{out}"
        );
        assert!(
            out.contains("\n      -  mfa: true\n      +  mfa: false\n"),
            "{out}"
        );
        let ja = text(&d, Lang::Ja);
        assert!(ja.contains("新規の違反 (1)"), "{ja}");
        let same = diff_of(OLD, OLD);
        assert!(text(&same, Lang::En).contains("No change to compliance."));
        assert!(
            markdown(&same, Lang::Ja, Some(Severity::Low))
                .contains("✅ この変更で増える違反はありません")
        );
    }

    #[test]
    fn long_lists_are_capped_and_output_is_deterministic() {
        let mut d = diff_of(OLD, &mfa_off());
        let one = d.findings.new[0].clone();
        d.findings.new = (0..MAX_ROWS + 7)
            .map(|i| {
                let mut v = one.clone();
                v.entity = format!("system/s{i:03}");
                v
            })
            .collect();
        let md = markdown(&d, Lang::Ja, Some(Severity::Critical));
        assert!(md.contains("❌ この変更で違反が 57 件増えます"), "{md}");
        assert_eq!(md.matches("| 重大 | `CL-R7-MFA`").count(), MAX_ROWS);
        assert!(md.contains("| ほか 7 件 | | | | |"), "{md}");
        assert_eq!(md, markdown(&d, Lang::Ja, Some(Severity::Critical)));
        assert_eq!(text(&d, Lang::Ja), text(&d, Lang::Ja));
    }

    /// Moving the EHR to the cloud with no contract leaves the lock-out with nobody: a new
    /// gap, flagged on its row with what to do and counted in the summary.
    #[test]
    fn a_move_to_nobody_is_flagged_as_a_new_gap_and_counted() {
        let old = mfa_off();
        let new = old.replace("hosting: on_premise", "hosting: cloud_saas");
        let d = diff_of(&old, &new);
        let n = d.new_gaps();
        assert!(n > 0, "{:#?}", d.responsibility);
        let out = text(&d, Lang::En);
        let counted = if n == 1 {
            "1 new gap (nobody does it)".to_string()
        } else {
            format!("{n} new gaps (nobody does them)")
        };
        assert!(out.contains(&counted), "{out}");
        assert!(
            out.contains("  C-14-2-LOCKOUT system/ehr  (new gap: nobody does it)\n"),
            "{out}"
        );
        assert!(out.contains(" → (nobody)\n      fix: "), "{out}");
        let ja = text(&d, Lang::Ja);
        assert!(
            ja.contains(&format!("新たなギャップ (実施者なし) {n}")),
            "{ja}"
        );
        assert!(ja.contains("(新たなギャップ: 実施者なし)"), "{ja}");
        let md = markdown(&d, Lang::En, Some(Severity::High));
        assert!(md.contains("**🕳️ This change leaves "), "{md}");
        assert!(
            md.contains(&format!("### 🕳️ New gaps: requirements nobody does ({n})")),
            "{md}"
        );
        assert!(md.contains("| 🟰 Unchanged | 🕳️ New gaps |"), "{md}");
        assert!(md.contains(" 🕳️ new gap: nobody does it |"), "{md}");
        let json = serde_json::to_value(&d).expect("json");
        assert!(
            json["responsibility"].as_array().is_some_and(|r| r
                .iter()
                .any(|m| m["new_gap"] == true && m["fix"].is_object())),
            "{json:#}"
        );
        // Back on premises: no new gap, and no gap line or column.
        let back = diff_of(&new, &old);
        assert_eq!(back.new_gaps(), 0);
        assert!(!text(&back, Lang::En).contains("new gap"));
        assert!(!markdown(&back, Lang::En, None).contains("🕳️"));
    }

    /// Requirements that stop applying are listed like those that start; a violation of a
    /// removed entity says the entity was removed; each marker means one thing.
    #[test]
    fn what_stops_applying_and_what_was_removed_are_said_plainly() {
        let on = diff_of(OLD, &mfa_off());
        let off = diff_of(&mfa_off(), OLD);
        let out = text(&on, Lang::En);
        assert!(
            out.contains("  C-14-2-LOCKOUT system/ehr  (now applies)\n"),
            "{out}"
        );
        let out = text(&off, Lang::En);
        assert!(
            out.contains("  C-14-2-LOCKOUT system/ehr  (no longer applies)\n"),
            "{out}"
        );
        assert!(out.contains("      did: "), "{out}");
        let ja = text(&off, Lang::Ja);
        assert!(ja.contains("(適用されなくなった)"), "{ja}");
        let md = markdown(&off, Lang::En, None);
        assert!(md.contains(" ⏹️ no longer applies |"), "{md}");

        let with_pc = OLD.replace(
            "vendors:\n",
            "assets:\n  - { id: pc-1, name: 受付PC, kind: terminal_pc, systems: [ehr] }\nvendors:\n",
        );
        let removed = diff_of(&with_pc, OLD);
        assert!(!removed.findings.resolved.is_empty(), "{removed:#?}");
        let out = text(&removed, Lang::En);
        assert!(out.contains("asset/pc-1  (entity removed)"), "{out}");
        assert!(!out.contains("rule or entity gone"), "{out}");
        let ja = text(&removed, Lang::Ja);
        assert!(ja.contains("asset/pc-1  (対象が削除された)"), "{ja}");
        let md = markdown(&removed, Lang::En, None);
        assert!(md.contains("| `asset/pc-1` | entity removed |"), "{md}");
        assert!(md.contains("| 🗑️ removed | `asset/pc-1` |"), "{md}");
        // ➖ is kept for "not applicable" alone, as in `kensa check --format markdown`.
        for line in md.lines().filter(|l| l.contains('➖')) {
            assert!(line.contains("➖ not applicable"), "{line}");
        }
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_in_the_diff() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
    }
}
