//! The SARIF renderer: the official validator accepts the log of every bundled example,
//! and the log says what the report says.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use kensa_engine::report::{Location, UnusedException};
use kensa_engine::{BaselineState, Report, Severity, Status};
use kensa_manifest::{Lang, Text};
use kensa_report::{Input, sarif};
use serde_json::Value;

fn render(report: &Report, lang: Lang, repo_paths: &BTreeMap<String, String>) -> String {
    sarif::render(&Input {
        report,
        catalogue: common::catalogue(),
        lang,
        fail_on: Some(Severity::High),
        repo_paths,
    })
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("SARIF is JSON")
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn rules(log: &Value) -> &Vec<Value> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
}

fn is_result(status: Status) -> bool {
    matches!(
        status,
        Status::Violated | Status::Upcoming | Status::CouldNotEvaluate | Status::Waived
    )
}

/// An example report bent to exercise what the bundled examples lack: a finding without
/// a location, one that could not be evaluated, baseline states, an exception that waives
/// nothing, and a manifest path with a space and non-ASCII characters.
fn synthetic() -> (Report, BTreeMap<String, String>) {
    let mut report = common::example_report("hospital-onprem.yaml");
    let mut actionable = report
        .findings
        .iter_mut()
        .filter(|f| f.status == Status::Violated);
    let first = actionable.next().expect("a violation");
    first.location = None;
    first.baseline = Some(BaselineState::New);
    let second = actionable.next().expect("two violations");
    second.status = Status::CouldNotEvaluate;
    second.detail = Some(Text::new("評価できませんでした", "evaluation failed").into());
    let third = actionable.next().expect("three violations");
    third.baseline = Some(BaselineState::Unchanged);
    report.summary.violated -= 1;
    report.summary.could_not_evaluate += 1;
    report.unused_exceptions.push(UnusedException {
        id: "ex-old".into(),
        rule: "CL-2-6".into(),
        target: "asset/gone".into(),
        reason: Text::new("対象がありません", "no such target"),
        location: Some(Location {
            file: "manifests/examples/hospital-onprem.yaml".into(),
            line: 3,
            column: 5,
        }),
    });
    let mut paths = BTreeMap::new();
    paths.insert(
        "manifests/examples/hospital-onprem.yaml".to_string(),
        "infra/医療 manifests/hospital.yaml".to_string(),
    );
    (report, paths)
}

/// Quotes an argument for the POSIX shell: the validator's npm launcher runs it through
/// one (`shell: true`), which would split `a;b` lists and paths with spaces.
fn sh_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Every bundled example in both languages (and the synthetic report), validated by the
/// official SARIF validator in one run with its SARIF and GitHub rule sets: no errors, no
/// warnings. A deliberately broken log goes through the same run to prove the validator
/// reports what it finds.
#[test]
fn every_example_validates_in_the_official_validator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    let no_paths = BTreeMap::new();
    for name in common::examples() {
        let report = common::example_report(&name);
        for (lang, code) in [(Lang::Ja, "ja"), (Lang::En, "en")] {
            let file = dir.path().join(format!("{name}.{code}.sarif"));
            std::fs::write(&file, render(&report, lang, &no_paths)).expect("write");
            files.push(file);
        }
    }
    let (report, paths) = synthetic();
    for (lang, code) in [(Lang::Ja, "ja"), (Lang::En, "en")] {
        let file = dir.path().join(format!("synthetic.{code}.sarif"));
        std::fs::write(&file, render(&report, lang, &paths)).expect("write");
        files.push(file);
    }
    // The control: a result pointing at a rule that does not exist.
    let mut broken = parse(&render(
        &common::example_report("pharmacy.yaml"),
        Lang::En,
        &no_paths,
    ));
    broken["runs"][0]["results"][0]["ruleIndex"] = Value::from(100_000);
    let control = dir.path().join("control-broken.sarif");
    std::fs::write(&control, broken.to_string()).expect("write");

    let out = dir.path().join("validation.sarif");
    let mut args = vec![
        "validate".to_string(),
        "--output".to_string(),
        out.display().to_string(),
        "--log".to_string(),
        "ForceOverwrite".to_string(),
        // SARIF's own rules and GitHub code scanning's ingestion rules.
        "--rule-kind".to_string(),
        "Sarif;Ghas".to_string(),
        "--level".to_string(),
        "Error;Warning".to_string(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.push(control.display().to_string());
    let args: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
    let run = Command::new(common::sarif_multitool())
        .args(&args)
        .output()
        .expect("run sarif-multitool");
    assert!(
        run.status.success(),
        "sarif-multitool failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    let log = parse(&std::fs::read_to_string(&out).expect("validation log"));
    let vrun = &log["runs"][0];
    let messages: BTreeMap<String, Value> = vrun["tool"]["driver"]["rules"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| (r["id"].as_str().unwrap_or("").to_string(), r.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in vrun["results"].as_array().into_iter().flatten() {
        let file = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or("?");
        let file = Path::new(file)
            .file_name()
            .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
        // An absent level is "warning" (SARIF 3.27.10).
        let level = r["level"].as_str().unwrap_or("warning");
        let rule = r["ruleId"].as_str().unwrap_or("?");
        let template = messages
            .get(rule)
            .and_then(|d| d["messageStrings"][r["message"]["id"].as_str()?]["text"].as_str())
            .unwrap_or("");
        problems.entry(file).or_default().push(format!(
            "{level} {rule}: {template} {}",
            r["message"]["arguments"]
        ));
    }
    let control_problems = problems.remove("control-broken.sarif").unwrap_or_default();
    assert!(
        control_problems
            .iter()
            .any(|p| p.starts_with("error SARIF1009")),
        "the validator did not catch the broken control log: {control_problems:#?}"
    );
    assert!(
        problems.is_empty(),
        "the validator found errors or warnings:\n{problems:#?}"
    );
    // Every file was read.
    let scanned = String::from_utf8_lossy(&run.stdout);
    assert!(
        scanned.contains(&format!("{} files scanned", files.len() + 1)),
        "{scanned}"
    );
}

#[test]
fn results_are_the_actionable_findings() {
    let no_paths = BTreeMap::new();
    let mut statuses = BTreeSet::new();
    for name in common::examples() {
        let report = common::example_report(&name);
        for lang in [Lang::Ja, Lang::En] {
            let log = parse(&render(&report, lang, &no_paths));
            assert_eq!(log["version"], "2.1.0");
            let run = &log["runs"][0];
            let driver = &run["tool"]["driver"];
            assert_eq!(driver["name"], "kensa");
            assert_eq!(driver["version"], report.tool_version.as_str());
            assert_eq!(driver["semanticVersion"], report.tool_version.as_str());
            assert_eq!(run["columnKind"], "unicodeCodePoints");
            assert_eq!(
                run["automationDetails"]["id"],
                format!("kensa/{}/", report.institution.id)
            );
            assert_eq!(
                run["properties"]["summary"]["satisfied"],
                report.summary.satisfied
            );

            let expected: Vec<_> = report
                .findings
                .iter()
                .filter(|f| is_result(f.status))
                .collect();
            let results = results(&log);
            assert_eq!(results.len(), expected.len(), "{name}");
            let by_key: BTreeMap<String, &Value> = results
                .iter()
                .map(|r| {
                    (
                        r["partialFingerprints"]["kensa/v1"]
                            .as_str()
                            .expect("partial fingerprint")
                            .to_string(),
                        r,
                    )
                })
                .collect();
            assert_eq!(by_key.len(), results.len(), "fingerprints are unique");

            for f in expected {
                statuses.insert(f.status);
                let key = format!("{}:{}", f.rule, f.entity);
                let r = by_key
                    .get(&key)
                    .unwrap_or_else(|| panic!("no result for {key}"));
                assert_eq!(r["ruleId"], f.rule.as_str());
                let index =
                    usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).expect("index");
                assert_eq!(rules(&log)[index]["id"], f.rule.as_str());
                assert_eq!(
                    r["fingerprints"]["kensa/v1"],
                    kensa_report::fingerprint(&f.rule, &f.entity)
                );
                let level = match (f.status, f.severity) {
                    (Status::CouldNotEvaluate, _) => "error",
                    (Status::Upcoming, _) => "note",
                    (_, Severity::Critical | Severity::High) => "error",
                    (_, Severity::Medium) => "warning",
                    (_, Severity::Low) => "note",
                };
                assert_eq!(r["level"], level, "{key} {:?}", f.status);
                assert_eq!(r["kind"], "fail", "{key}");

                let message = r["message"]["text"].as_str().expect("message");
                assert!(
                    message.starts_with(&format!("{}: {}", f.entity, f.title.get(lang))),
                    "{message}"
                );
                if let Some(fix) = &f.fix {
                    assert!(message.contains(fix.get(lang)), "{message}");
                }

                let loc = &r["locations"][0];
                assert_eq!(
                    loc["logicalLocations"][0]["fullyQualifiedName"],
                    f.entity.as_str()
                );
                let l = f.location.as_ref().expect("examples locate their findings");
                let phys = &loc["physicalLocation"];
                let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
                assert_eq!(uri, &*l.file, "repo-relative as given");
                assert!(uri.starts_with("manifests/examples/"), "{uri}");
                assert!(!uri.contains('\\') && !uri.starts_with('/') && !uri.contains(':'));
                assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                assert_eq!(phys["region"]["startLine"], l.line);
                assert_eq!(phys["region"]["startColumn"], l.column);

                if f.status == Status::Waived {
                    let s = &r["suppressions"][0];
                    assert_eq!(s["kind"], "external");
                    assert_eq!(s["status"], "accepted");
                    let e = f.exception.as_ref().expect("waived by an exception");
                    let j = s["justification"].as_str().expect("justification");
                    assert!(j.contains(&e.id) && j.contains(&e.approved_by), "{j}");
                    assert!(j.contains(&e.expires_on.to_string()), "{j}");
                } else {
                    assert!(r.get("suppressions").is_none(), "{key}");
                }
                assert!(r.get("baselineState").is_none(), "no baseline given");
            }
        }
    }
    // The examples cover what they are meant to.
    for s in [Status::Violated, Status::Upcoming, Status::Waived] {
        assert!(statuses.contains(&s), "no example has a {s:?} finding");
    }
}

#[test]
fn rules_describe_the_whole_catalogue() {
    let report = common::example_report("pharmacy.yaml");
    let catalogue = common::catalogue();
    for lang in [Lang::Ja, Lang::En] {
        let log = parse(&render(&report, lang, &BTreeMap::new()));
        let rules = rules(&log);
        let ids: Vec<&str> = rules
            .iter()
            .map(|r| r["id"].as_str().expect("id"))
            .collect();
        let mut sorted: Vec<&str> = catalogue.rules.iter().map(|r| r.id.as_str()).collect();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "every rule, sorted by id");
        for (d, id) in rules.iter().zip(&ids) {
            let rule = catalogue.rule(id).expect("rule");
            assert_eq!(d["shortDescription"]["text"], rule.title.get(lang));
            let full = d["fullDescription"]["text"].as_str().expect("full");
            assert!(full.contains(&rule.title.ja) && full.contains(&rule.title.en));
            let name = d["name"].as_str().expect("name");
            assert!(
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{name}"
            );
            let help = d["help"]["text"].as_str().expect("help");
            assert!(help.contains(rule.fix.get(lang)), "{help}");
            assert!(help.contains(&rule.source), "{help}");
            let md = d["help"]["markdown"].as_str().expect("markdown");
            assert!(md.contains(&format!("]({})", rule.url)), "{md}");
            assert_eq!(d["helpUri"], rule.url.as_str());
            let (level, score) = match rule.severity {
                Severity::Critical => ("error", "9.5"),
                Severity::High => ("error", "8.0"),
                Severity::Medium => ("warning", "5.5"),
                Severity::Low => ("note", "3.0"),
            };
            assert_eq!(d["defaultConfiguration"]["level"], level, "{id}");
            assert_eq!(d["properties"]["security-severity"], score, "{id}");
            let tags = d["properties"]["tags"].as_array().expect("tags");
            assert!(tags.contains(&Value::from("security")));
            assert!(tags.contains(&Value::from(rule.volume.name())));
            let precision = match rule.evidence {
                kensa_engine::catalogue::Evidence::Automated => "high",
                kensa_engine::catalogue::Evidence::Attested => "medium",
            };
            assert_eq!(d["properties"]["precision"], precision);
        }
    }
}

#[test]
fn output_is_deterministic_pretty_json() {
    for name in common::examples() {
        let a = render(&common::example_report(&name), Lang::Ja, &BTreeMap::new());
        let b = render(&common::example_report(&name), Lang::Ja, &BTreeMap::new());
        assert_eq!(a, b, "{name}");
        assert!(
            a.starts_with("{\n  \"$schema\": ") && a.ends_with("}\n"),
            "{name}"
        );
        assert!(!a.contains("Utc\""), "no timestamps");
    }
}

#[test]
fn fingerprints_do_not_follow_lines() {
    let report = common::example_report("hospital-onprem.yaml");
    let before = parse(&render(&report, Lang::En, &BTreeMap::new()));
    let mut moved = report.clone();
    for f in &mut moved.findings {
        if let Some(l) = &mut f.location {
            l.line += 40;
            l.column += 2;
        }
    }
    let after = parse(&render(&moved, Lang::En, &BTreeMap::new()));
    let (b, a) = (results(&before), results(&after));
    assert_eq!(a.len(), b.len());
    for (rb, ra) in b.iter().zip(a) {
        assert_eq!(rb["partialFingerprints"], ra["partialFingerprints"]);
        assert_eq!(rb["fingerprints"], ra["fingerprints"]);
        let line =
            |r: &Value| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64();
        assert_eq!(line(ra), line(rb).map(|l| l + 40));
    }
}

#[test]
fn synthetic_cases() {
    let (report, paths) = synthetic();
    let log = parse(&render(&report, Lang::Ja, &paths));
    let run = &log["runs"][0];
    assert_eq!(run["language"], "ja");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let note = &run["invocations"][0]["toolConfigurationNotifications"][0];
    assert!(
        note["message"]["text"]
            .as_str()
            .expect("text")
            .contains("ex-old")
    );
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/%E5%8C%BB%E7%99%82%20manifests/hospital.yaml"
    );

    let all = results(&log);
    let expected = report
        .findings
        .iter()
        .filter(|f| is_result(f.status))
        .count();
    assert_eq!(all.len(), expected);
    let find = |key: &str| {
        all.iter()
            .find(|r| r["partialFingerprints"]["kensa/v1"] == key)
            .unwrap_or_else(|| panic!("no result {key}"))
    };
    let key = |f: &kensa_engine::Finding| format!("{}:{}", f.rule, f.entity);

    let unlocated = report
        .findings
        .iter()
        .find(|f| f.location.is_none())
        .expect("one");
    let r = find(&key(unlocated));
    assert!(r["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        unlocated.entity.as_str()
    );
    assert_eq!(r["baselineState"], "new");

    let failed = report
        .findings
        .iter()
        .find(|f| f.status == Status::CouldNotEvaluate)
        .expect("one");
    let r = find(&key(failed));
    assert_eq!(r["level"], "error");
    assert_eq!(r["kind"], "fail");
    assert!(
        r["message"]["text"]
            .as_str()
            .expect("text")
            .contains("評価できませんでした")
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/%E5%8C%BB%E7%99%82%20manifests/hospital.yaml"
    );

    let unchanged = report
        .findings
        .iter()
        .find(|f| f.baseline == Some(BaselineState::Unchanged))
        .expect("one");
    assert_eq!(find(&key(unchanged))["baselineState"], "unchanged");

    // Paths: backslashes become slashes, "./" goes, absolute paths become file URIs.
    let mut report = common::example_report("pharmacy.yaml");
    for (given, uri, base) in [
        (
            "manifests\\examples\\pharmacy.yaml",
            "manifests/examples/pharmacy.yaml",
            true,
        ),
        (
            "./manifests/examples/pharmacy.yaml",
            "manifests/examples/pharmacy.yaml",
            true,
        ),
        ("a#b?c%d.yaml", "a%23b%3Fc%25d.yaml", true),
        (
            "/srv/repo/pharmacy.yaml",
            "file:///srv/repo/pharmacy.yaml",
            false,
        ),
        (
            "C:\\repo\\pharmacy.yaml",
            "file:///C:/repo/pharmacy.yaml",
            false,
        ),
    ] {
        let mut paths = BTreeMap::new();
        paths.insert(
            "manifests/examples/pharmacy.yaml".to_string(),
            given.to_string(),
        );
        let log = parse(&render(&report, Lang::En, &paths));
        let a = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(a["uri"], uri, "{given}");
        assert_eq!(a.get("uriBaseId").is_some(), base, "{given}");
    }
    // A finding of a rule outside the catalogue still gets a result, without an index.
    report.findings[0].status = Status::Violated;
    report.findings[0].rule = "X-UNKNOWN".into();
    let log = parse(&render(&report, Lang::En, &BTreeMap::new()));
    let r = &results(&log)[0];
    assert_eq!(r["ruleId"], "X-UNKNOWN");
    assert!(r.get("ruleIndex").is_none());
}
