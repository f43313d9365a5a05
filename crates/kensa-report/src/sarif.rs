//! SARIF 2.1.0, as read by GitHub code scanning, Azure DevOps and IDE viewers.
//!
//! One run. The driver lists every rule of the catalogue (sorted by id, so that
//! `ruleIndex` is stable), each with its title, the fix, the source it comes from and a
//! link to it. Results are the findings a reader acts on: violated, upcoming, could not
//! evaluate, and waived (the last with an accepted external suppression, so viewers hide
//! it by default). Satisfied, not-applicable and delegated findings are only counted, in
//! the run's properties.
//!
//! A result is identified by its rule and entity, never by its line:
//! `partialFingerprints["kensa/v1"]` is `"<rule>:<entity>"` and
//! `fingerprints["kensa/v1"]` a hash of it, so moving an entry in the manifest keeps its
//! alert. Nothing in the output depends on the clock or the machine: the same report
//! gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kensa_engine::report::{ExceptionRef, UnusedException};
use kensa_engine::{BaselineState, Finding, Rule, Severity, Status};
use kensa_manifest::{Lang, Text};
use serde_json::{Value, json};
use serde_sarif::sarif;

use crate::Input;

/// The `$schema` written at the top: the SARIF 2.1.0 schema at its canonical home.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where kensa lives; the driver's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/kensa-dev/kensa";

/// The key of kensa's fingerprints (`partialFingerprints` and `fingerprints`).
pub const FINGERPRINT_KEY: &str = "kensa/v1";

/// The base id manifest URIs are relative to: the repository root.
pub const SRCROOT: &str = "%SRCROOT%";

/// Renders the report as a SARIF 2.1.0 log: pretty JSON with a final newline.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(Value::String(sarif::Version::V2_1_0.to_string()))
        .runs(vec![run(input)])
        .build();
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// The rules of the catalogue, sorted by id: the order of `tool.driver.rules`.
fn sorted_rules<'a>(input: &Input<'a>) -> Vec<&'a Rule> {
    let mut rules: Vec<&Rule> = input.catalogue.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    rules
}

fn run(input: &Input<'_>) -> sarif::Run {
    let rules = sorted_rules(input);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let report = input.report;

    let driver = sarif::ToolComponent::builder()
        .name("kensa")
        .full_name(format!("kensa {}", report.tool_version))
        .version(report.tool_version.clone())
        .semantic_version(report.tool_version.clone())
        .information_uri(INFORMATION_URI)
        .short_description(mms(t(
            input.lang,
            "医療情報システムの安全管理ガイドラインに照らした構成マニフェストの検査",
            "Checks configuration manifests against the MHLW security guideline",
        )))
        .rules(
            rules
                .iter()
                .map(|r| descriptor(input, r))
                .collect::<Vec<_>>(),
        )
        .build();

    let results: Vec<sarif::Result> = report
        .findings
        .iter()
        .filter(|f| is_result(f.status))
        .map(|f| result(input, f, index.get(f.rule.as_str()).copied()))
        .collect();

    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_string(),
        sarif::ArtifactLocation::builder()
            .description(message(t(
                input.lang,
                "リポジトリのルート。",
                "The root of the repository.",
            )))
            .build(),
    );

    sarif::Run::builder()
        .tool(sarif::Tool::from(driver))
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(format!("kensa/{}/", report.institution.id))
                .build(),
        )
        .invocations(vec![invocation(input)])
        .original_uri_base_ids(base_ids)
        .column_kind(json!("unicodeCodePoints"))
        .language(lang_code(input.lang))
        .results(results)
        .properties(run_properties(input))
        .build()
}

/// Whether a finding of this status is a SARIF result (something to act on).
fn is_result(status: Status) -> bool {
    matches!(
        status,
        Status::Violated | Status::Upcoming | Status::CouldNotEvaluate | Status::Waived
    )
}

fn descriptor(input: &Input<'_>, rule: &Rule) -> sarif::ReportingDescriptor {
    let lang = input.lang;
    let full = match lang {
        Lang::Ja => format!(
            "{}（{}）。対象: {}。",
            rule.title.ja, rule.title.en, rule.applies_to.ja
        ),
        Lang::En => format!(
            "{} ({}). Applies to: {}.",
            rule.title.en, rule.title.ja, rule.applies_to.en
        ),
    };
    let mut tags = vec!["security".to_string(), "compliance".to_string()];
    tags.push(guideline_tag(rule).to_string());
    tags.push(rule.volume.name().to_string());
    let mut editions = rule.editions.clone();
    editions.sort();
    tags.extend(
        editions
            .iter()
            .map(|e| format!("edition-{}", e.to_lowercase())),
    );

    let mut props = BTreeMap::new();
    props.insert(
        "precision".to_string(),
        json!(match rule.evidence {
            kensa_engine::catalogue::Evidence::Automated => "high",
            kensa_engine::catalogue::Evidence::Attested => "medium",
        }),
    );
    props.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    props.insert("severity".to_string(), json!(rule.severity.name()));
    props.insert("evidence".to_string(), json!(evidence_name(rule)));
    props.insert("source".to_string(), json!(rule.source));
    props.insert(
        "patterns".to_string(),
        json!(rule.patterns.iter().map(|p| p.code()).collect::<Vec<_>>()),
    );

    let mut d = sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule_name(rule))
        .short_description(mms(rule.title.get(lang).to_string()))
        .full_description(mms(full))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text(lang, rule))
                .markdown(help_markdown(lang, rule))
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(severity_level(rule.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build();
    d.help_uri = is_absolute_uri(&rule.url).then(|| rule.url.clone());
    d
}

fn result(input: &Input<'_>, f: &Finding, rule_index: Option<usize>) -> sarif::Result {
    let lang = input.lang;
    let key = format!("{}:{}", f.rule, f.entity);
    let mut partial = BTreeMap::new();
    partial.insert(FINGERPRINT_KEY.to_string(), key.clone());
    let mut full = BTreeMap::new();
    full.insert(
        FINGERPRINT_KEY.to_string(),
        crate::fingerprint(&f.rule, &f.entity),
    );

    let (kind, level) = match f.status {
        Status::CouldNotEvaluate => (sarif::ResultKind::Fail, sarif::ResultLevel::Error),
        // Broken, but not due yet: a failure reported at the lowest level until the
        // deadline. (SARIF allows a level other than "none" only on kind "fail".)
        Status::Upcoming => (sarif::ResultKind::Fail, sarif::ResultLevel::Note),
        _ => (sarif::ResultKind::Fail, result_level(f.severity)),
    };

    let mut location = sarif::Location::builder()
        .logical_locations(vec![
            sarif::LogicalLocation::builder()
                .name(entity_name(&f.entity))
                .fully_qualified_name(f.entity.clone())
                .kind("object")
                .build(),
        ])
        .build();
    if let Some(l) = &f.location {
        location.physical_location = Some(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact_location(input.repo_path(&l.file)))
                .region(
                    sarif::Region::builder()
                        .start_line(i64::from(l.line.max(1)))
                        .start_column(i64::from(l.column.max(1)))
                        .build(),
                )
                .build(),
        );
    }

    let mut props = BTreeMap::new();
    props.insert("status".to_string(), json!(f.status.name()));
    props.insert("severity".to_string(), json!(f.severity.name()));
    props.insert("pattern".to_string(), json!(f.pattern.code()));
    if let Some(d) = f.deadline {
        props.insert("deadline".to_string(), json!(d.to_string()));
    }
    if let Some(d) = f.days_left {
        props.insert("daysLeft".to_string(), json!(d));
    }

    let mut r = sarif::Result::builder()
        .rule_id(f.rule.clone())
        .kind(kind)
        .level(level)
        .message(message(result_message(lang, f)))
        .locations(vec![location])
        .partial_fingerprints(partial)
        .fingerprints(full)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build();
    r.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());
    if f.status == Status::Waived {
        r.suppressions = Some(vec![suppression(lang, f.exception.as_deref())]);
    }
    r.baseline_state = f.baseline.map(|b| {
        json!(match b {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        })
    });
    r
}

/// "<entity>: <title> — <detail> <fix>", in the reader's language.
fn result_message(lang: Lang, f: &Finding) -> String {
    let mut m = format!("{}: {}", f.entity, f.title.get(lang));
    if !matches!(f.status, Status::Violated) {
        let label = f.status.label();
        match lang {
            Lang::Ja => {
                let _ = write!(m, "（{}）", label.get(lang));
            }
            Lang::En => {
                let _ = write!(m, " ({})", label.get(lang));
            }
        }
    }
    if let Some(d) = f.detail.as_deref() {
        let d = d.get(lang).trim();
        if !d.is_empty() {
            m.push_str(" — ");
            m.push_str(d);
        }
    }
    terminate(&mut m, lang);
    if let Some(fix) = f.fix.as_deref() {
        let fix = fix.get(lang).trim();
        if !fix.is_empty() {
            m.push_str(match lang {
                Lang::Ja => "対処: ",
                Lang::En => " Fix: ",
            });
            m.push_str(fix);
            terminate(&mut m, lang);
        }
    }
    m
}

/// Ends a sentence with a full stop unless it already has one.
fn terminate(s: &mut String, lang: Lang) {
    if !s.ends_with(['.', '。', '!', '?', '！', '？']) {
        s.push_str(match lang {
            Lang::Ja => "。",
            Lang::En => ".",
        });
    }
}

fn suppression(lang: Lang, exception: Option<&ExceptionRef>) -> sarif::Suppression {
    let justification = match (exception, lang) {
        (Some(e), Lang::Ja) => format!(
            "例外 {}（承認: {}、期限: {}）",
            e.id, e.approved_by, e.expires_on
        ),
        (Some(e), Lang::En) => format!(
            "Exception {} (approved by {}, expires on {})",
            e.id, e.approved_by, e.expires_on
        ),
        (None, Lang::Ja) => "例外により承認".to_string(),
        (None, Lang::En) => "Waived by an exception".to_string(),
    };
    let mut props = BTreeMap::new();
    if let Some(e) = exception {
        props.insert("exception".to_string(), json!(e.id));
        props.insert("approvedBy".to_string(), json!(e.approved_by));
        props.insert("expiresOn".to_string(), json!(e.expires_on.to_string()));
    }
    let mut s = sarif::Suppression::builder()
        .kind(json!("external"))
        .status(json!("accepted"))
        .justification(justification)
        .build();
    if !props.is_empty() {
        s.properties = Some(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    }
    s
}

/// The single invocation: no times, machine or command line, so the output is
/// reproducible. It did not succeed if the check is incomplete (a rule could not be
/// evaluated, a rule id names nothing, no rule applies); each problem that makes it so is
/// an error notification. Exceptions that waive nothing are configuration warnings.
fn invocation(input: &Input<'_>) -> sarif::Invocation {
    let report = input.report;
    let mut inv = sarif::Invocation::builder()
        .execution_successful(report.complete())
        .build();
    let errors: Vec<sarif::Notification> = report
        .problems
        .iter()
        .map(|p| {
            let mut text = crate::problem_text(p, input.lang).replace('\n', " ");
            terminate(&mut text, input.lang);
            notification(
                input,
                text,
                "error",
                &format!("kensa/{}", p.kind.name().replace('_', "-")),
                p.location.as_ref(),
            )
        })
        .collect();
    if !errors.is_empty() {
        inv.tool_execution_notifications = Some(errors);
    }
    let notes: Vec<sarif::Notification> = report
        .unused_exceptions
        .iter()
        .map(|u| unused_notification(input, u))
        .collect();
    if !notes.is_empty() {
        inv.tool_configuration_notifications = Some(notes);
    }
    inv
}

fn unused_notification(input: &Input<'_>, u: &UnusedException) -> sarif::Notification {
    let lang = input.lang;
    let mut text = match lang {
        Lang::Ja => format!(
            "例外 {}（{}、{}）は何も免除していません: {}",
            u.id,
            u.rule,
            u.target,
            u.reason.get(lang)
        ),
        Lang::En => format!(
            "Exception {} ({}, {}) waives nothing: {}",
            u.id,
            u.rule,
            u.target,
            u.reason.get(lang)
        ),
    };
    terminate(&mut text, lang);
    notification(
        input,
        text,
        "warning",
        "kensa/unused-exception",
        u.location.as_ref(),
    )
}

/// A notification about the run (not a result): its text, level, descriptor and place.
fn notification(
    input: &Input<'_>,
    text: String,
    level: &str,
    id: &str,
    location: Option<&kensa_engine::report::Location>,
) -> sarif::Notification {
    let mut n = sarif::Notification::builder()
        .message(message(text))
        .level(json!(level))
        .descriptor(
            sarif::ReportingDescriptorReference::builder()
                .id(id)
                .build(),
        )
        .build();
    n.locations = location.map(|l| vec![notification_location(input, l)]);
    n
}

fn notification_location(input: &Input<'_>, l: &kensa_engine::report::Location) -> sarif::Location {
    sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact_location(input.repo_path(&l.file)))
                .region(
                    sarif::Region::builder()
                        .start_line(i64::from(l.line.max(1)))
                        .start_column(i64::from(l.column.max(1)))
                        .build(),
                )
                .build(),
        )
        .build()
}

fn run_properties(input: &Input<'_>) -> sarif::PropertyBag {
    let report = input.report;
    let s = &report.summary;
    let mut props = BTreeMap::new();
    props.insert("findingsVersion".to_string(), json!(report.version));
    props.insert("asOf".to_string(), json!(report.as_of.to_string()));
    props.insert("manifest".to_string(), json!(report.manifest));
    props.insert(
        "institution".to_string(),
        json!({
            "id": report.institution.id,
            "name": report.institution.name,
            "edition": report.institution.edition,
        }),
    );
    props.insert(
        "pattern".to_string(),
        json!(report.patterns.institution.code()),
    );
    props.insert(
        "summary".to_string(),
        json!({
            "violated": s.violated,
            "satisfied": s.satisfied,
            "not_applicable": s.not_applicable,
            "delegated": s.delegated,
            "waived": s.waived,
            "upcoming": s.upcoming,
            "could_not_evaluate": s.could_not_evaluate,
        }),
    );
    if let Some(fail_on) = input.fail_on {
        props.insert("failOn".to_string(), json!(fail_on.name()));
    }
    if let Some(b) = &report.baseline {
        props.insert(
            "baseline".to_string(),
            json!({
                "file": b.file,
                "asOf": b.as_of.to_string(),
                "new": b.new,
                "unchanged": b.unchanged,
                "resolved": b.resolved.len(),
            }),
        );
    }
    sarif::PropertyBag::builder()
        .additional_properties(props)
        .build()
}

/// An artifact location for a repository-relative manifest path: a relative URI under
/// `%SRCROOT%`, or a `file:` URI if the path is absolute after all.
fn artifact_location(path: &str) -> sarif::ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if windows_drive {
        // file:///C:/dir/file
        let (drive, rest) = path.split_at(2);
        return sarif::ArtifactLocation::builder()
            .uri(format!("file:///{drive}{}", encode_path(rest)))
            .build();
    }
    if path.starts_with('/') {
        return sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_path(&path)))
            .build();
    }
    let mut rel = path.as_str();
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest;
    }
    sarif::ArtifactLocation::builder()
        .uri(encode_path(rel))
        .uri_base_id(SRCROOT)
        .build()
}

/// Percent-encodes a path for a URI: everything but unreserved characters and `/`
/// (UTF-8 bytes, upper-case hex).
#[must_use]
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn is_absolute_uri(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

/// A PascalCase name from the English title (or the id when the title gives nothing).
fn rule_name(rule: &Rule) -> String {
    let pascal = |s: &str| -> String {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                // "LANs" → "Lans", "WPA2" → "Wpa2": one capital per word.
                let mut cs = w.chars();
                cs.next().map_or_else(String::new, |c| {
                    c.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase()
                })
            })
            .collect()
    };
    let name = pascal(&rule.title.en);
    let name = if name.is_empty() {
        pascal(&rule.id)
    } else {
        name
    };
    // A name must not start with a digit to read as an identifier.
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Rule{name}")
    } else {
        name
    }
}

fn help_text(lang: Lang, rule: &Rule) -> String {
    let (applies, fix, source) = match lang {
        Lang::Ja => ("対象", "対処", "出典"),
        Lang::En => ("Applies to", "Fix", "Source"),
    };
    let mut s = format!(
        "{}\n\n{applies}: {}\n{fix}: {}\n{source}: {}",
        rule.title.get(lang),
        rule.applies_to.get(lang),
        rule.fix.get(lang),
        rule.source
    );
    if !rule.reference.is_empty() {
        let _ = write!(s, " ({})", rule.reference);
    }
    if !rule.url.is_empty() {
        let _ = write!(s, "\n{}", rule.url);
    }
    s
}

fn help_markdown(lang: Lang, rule: &Rule) -> String {
    let (applies, fix, source, severity) = match lang {
        Lang::Ja => ("対象", "対処", "出典", "重要度"),
        Lang::En => ("Applies to", "Fix", "Source", "Severity"),
    };
    let mut s = String::new();
    let doc = rule.doc.trim();
    if doc.is_empty() {
        let _ = write!(s, "**{}**", md_escape(rule.title.get(lang)));
    } else {
        s.push_str(doc);
    }
    let _ = write!(
        s,
        "\n\n---\n\n- **{applies}:** {}\n- **{fix}:** {}\n- **{severity}:** {}\n- **{source}:** ",
        md_escape(rule.applies_to.get(lang)),
        md_escape(rule.fix.get(lang)),
        rule.severity.label().get(lang),
    );
    if is_absolute_uri(&rule.url) {
        let _ = write!(s, "[{}]({})", md_escape(&rule.source), rule.url);
    } else {
        s.push_str(&md_escape(&rule.source));
    }
    if !rule.reference.is_empty() {
        let _ = write!(s, " — {}", md_escape(&rule.reference));
    }
    s.push('\n');
    s
}

/// Escapes the characters that would start Markdown markup inside a line of text.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn guideline_tag(rule: &Rule) -> &'static str {
    use kensa_engine::Volume;
    match rule.volume {
        Volume::Checklist | Volume::Management | Volume::Planning | Volume::Operations => {
            "mhlw-guideline"
        }
        Volume::Vendor => "meti-guideline",
        Volume::Custom => "custom-rule",
    }
}

fn evidence_name(rule: &Rule) -> &'static str {
    match rule.evidence {
        kensa_engine::catalogue::Evidence::Automated => "automated",
        kensa_engine::catalogue::Evidence::Attested => "attested",
    }
}

/// The SARIF level of a severity: critical and high are errors, medium a warning, low a note.
#[must_use]
pub fn severity_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn result_level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

/// GitHub's `security-severity` score of a severity (critical ≥ 9.0, high ≥ 7.0,
/// medium ≥ 4.0, low below).
#[must_use]
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The id part of an entity key (`asset/srv-1` → `srv-1`).
fn entity_name(entity: &str) -> String {
    entity
        .rsplit_once('/')
        .map_or(entity, |(_, id)| id)
        .to_string()
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

fn t(lang: Lang, ja: &str, en: &str) -> String {
    Text::new(ja, en).get(lang).to_string()
}

fn mms(text: String) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(text)
        .build()
}

fn message(text: String) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}
