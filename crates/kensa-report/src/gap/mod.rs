//! The gap analysis (ギャップ分析): one evaluation turned into a consultant's deliverable
//! and a director's briefing. [`analyse`] builds a [`GapReport`] from the findings, the
//! responsibility split, the catalogue and the manifest; the renderers (`markdown`, `csv`,
//! HTML, Excel) only lay it out.
//!
//! Its parts: a cover, an executive summary with scores per guideline volume and per
//! checklist section, the MHLW checklist filled in (はい / いいえ, 確認日, 目標日), the
//! prioritised gaps with deadline and responsible party, the responsibility matrix, the
//! exceptions and their expiry, the evidence on file, and every rule evaluated.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use kensa_engine::report::{Finding, Status, Summary};
use kensa_engine::split::Split;
use kensa_engine::{Catalogue, Pattern, Report, Severity, Volume};
use kensa_manifest::{Manifest, Text};
use serde::Serialize;

/// Version of the gap-analysis format.
pub const GAP_VERSION: &str = "kensa.gap/v1";

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct GapReport {
    /// Format version.
    pub version: String,
    /// The cover page.
    pub cover: Cover,
    /// The executive summary.
    pub summary: ExecutiveSummary,
    /// The MHLW checklist, filled in from the manifest.
    pub checklist: Vec<ChecklistAnswer>,
    /// What is to be done, most urgent first.
    pub gaps: Vec<GapItem>,
    /// Who does and who answers for each requirement that applies.
    pub matrix: Vec<MatrixRow>,
    /// The exceptions, soonest expiry first.
    pub exceptions: Vec<ExceptionRow>,
    /// The documents on file and their evidence.
    pub evidence: Vec<EvidenceRow>,
    /// Every rule evaluated, with its source.
    pub appendix: Vec<AppendixRow>,
}

/// The cover page.
#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    /// The institution's name.
    pub institution: String,
    /// Its id in the manifest.
    pub institution_id: String,
    /// Its kind (病院, 診療所, …).
    pub kind: Text,
    /// Its reference pattern.
    pub pattern: Pattern,
    /// What the pattern means.
    pub pattern_name: Text,
    /// Why the institution is read under it.
    pub pattern_explanation: Text,
    /// The date judged on.
    pub as_of: NaiveDate,
    /// The checklist edition answered (R5, R6, R7).
    pub edition: String,
    /// The rule editions used: the guideline and checklist versions the catalogue encodes.
    pub sources: Vec<Text>,
    /// Rules evaluated (built in and custom).
    pub rules: usize,
    /// Custom rules among them.
    pub custom_rules: usize,
    /// kensa's version.
    pub tool_version: String,
    /// The manifest, as given.
    pub manifest: String,
}

/// The executive summary.
#[derive(Debug, Clone, Serialize)]
pub struct ExecutiveSummary {
    /// Counts by status.
    pub counts: Summary,
    /// Share of the applicable pairs met (satisfied, delegated or waived), in %.
    pub score: f64,
    /// The score of each guideline volume that has applicable pairs.
    pub by_volume: Vec<Score>,
    /// The score of each checklist section (1 体制構築, 2 管理・運用, 3 インシデント).
    pub by_section: Vec<Score>,
    /// Checklist items answered はい.
    pub checklist_yes: usize,
    /// Checklist items answered いいえ.
    pub checklist_no: usize,
    /// Checklist items not applicable or that could not be evaluated.
    pub checklist_other: usize,
    /// Gaps by severity, most severe first: (severity, count).
    pub gaps_by_severity: Vec<(Severity, usize)>,
}

/// A score over a group of pairs.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    /// The group's key (`checklist`, `management`, … or `1`, `2`, `3`).
    pub key: String,
    /// Its name.
    pub name: Text,
    /// Pairs met.
    pub met: usize,
    /// Pairs that apply.
    pub applicable: usize,
    /// `met / applicable` in %, to one decimal (100 when nothing applies).
    pub score: f64,
}

/// The answer to a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// はい: every applicable pair is met.
    Yes,
    /// いいえ: at least one pair is violated or not yet met.
    No,
    /// 確認不要: nothing in the manifest is in the item's scope.
    NotApplicable,
    /// 要確認: a rule could not be evaluated; never taken as はい.
    Unknown,
}

impl Answer {
    /// How the checklist writes it.
    #[must_use]
    pub fn label(self) -> Text {
        match self {
            Answer::Yes => Text::new("はい", "Yes"),
            Answer::No => Text::new("いいえ", "No"),
            Answer::NotApplicable => Text::new("確認不要", "Not applicable"),
            Answer::Unknown => Text::new("要確認", "To be checked"),
        }
    }
}

/// One item of the MHLW checklist, answered.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistAnswer {
    /// The item's number as printed (`1-1`, `2-4`, `2-⑦`), or the gate item `0`.
    pub number: String,
    /// Its section: 0 (the gate), 1, 2 or 3.
    pub section: u8,
    /// The item.
    pub title: Text,
    /// The answer.
    pub answer: Answer,
    /// 確認日: the date judged on.
    pub checked_on: NaiveDate,
    /// 目標日 for いいえ: the rule's own deadline when it has one, else the end of the
    /// fiscal year.
    pub target: Option<Target>,
    /// The rules that decide it.
    pub rules: Vec<String>,
    /// Its pairs that are not met, as `rule entity`.
    pub open: Vec<String>,
}

/// A target date with how it is said.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The date.
    pub date: NaiveDate,
    /// E.g. 「令和8年度中 (2027-03-31)」 or 「令和9年度 (2027-04-01)」.
    pub label: Text,
}

/// One gap: a pair that is not met.
#[derive(Debug, Clone, Serialize)]
pub struct GapItem {
    /// 1 for the most urgent.
    pub priority: usize,
    /// The rule's severity.
    pub severity: Severity,
    /// violated, upcoming or could_not_evaluate.
    pub status: Status,
    /// The rule.
    pub rule: String,
    /// Its title.
    pub title: Text,
    /// The entity.
    pub entity: String,
    /// By when.
    pub deadline: Target,
    /// Who does it (names from the responsibility split).
    pub responsible: Vec<Text>,
    /// What to do.
    pub fix: Text,
    /// Where the requirement comes from.
    pub source: String,
    /// Its public URL.
    pub url: String,
    /// Where the entity is written, `file:line`.
    pub location: Option<String>,
}

/// Who does and who answers for one requirement on one entity.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// The requirement.
    pub rule: String,
    /// Its title.
    pub title: Text,
    /// The entity.
    pub entity: String,
    /// Its status.
    pub status: Option<Status>,
    /// Who does it.
    pub does: Vec<Text>,
    /// Who answers for it.
    pub accountable: Vec<Text>,
}

/// An exception (例外承認) and its expiry.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionRow {
    /// Its id.
    pub id: String,
    /// The rule it waives.
    pub rule: String,
    /// The entity.
    pub target: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When.
    pub approved_on: NaiveDate,
    /// Until when.
    pub expires_on: NaiveDate,
    /// Days from the date judged on to the expiry (negative once expired).
    pub days_left: i64,
}

/// A document on file.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    /// Its kind (`security_policy`, `bcp`, …).
    pub kind: String,
    /// Its name.
    pub name: Text,
    /// Its title, as written.
    pub title: Option<String>,
    /// When it was last reviewed.
    pub reviewed_on: Option<NaiveDate>,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// Where the evidence is kept.
    pub evidence: Vec<String>,
}

/// A rule evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct AppendixRow {
    /// Its id.
    pub rule: String,
    /// Its title.
    pub title: Text,
    /// Its severity.
    pub severity: Severity,
    /// Its volume.
    pub volume: Volume,
    /// Its source.
    pub source: String,
    /// Its public URL.
    pub url: String,
    /// Counts of its pairs by status.
    pub counts: Summary,
}

/// A checklist item: its number, section, text and the rules that decide it.
struct Item {
    number: &'static str,
    section: u8,
    ja: &'static str,
    en: &'static str,
    rules: &'static [&'static str],
}

/// The MHLW checklist (医療機関確認用, 令和7年度版), item by item, with the rules of the
/// catalogue that decide each. Items the edition answered does not have are left out
/// (their rules are not in that edition).
const ITEMS: &[Item] = &[
    Item {
        number: "0",
        section: 0,
        ja: "医療情報システムを導入、運用している",
        en: "The institution runs medical information systems (recorded in the manifest)",
        rules: &["CL-0"],
    },
    Item {
        number: "1-1",
        section: 1,
        ja: "医療情報システム安全管理責任者を設置している",
        en: "A medical information system security manager is appointed",
        rules: &["CL-1-1"],
    },
    Item {
        number: "1-R7",
        section: 1,
        ja: "運用管理規程等を整備している (令和7年度追加)",
        en: "Operating rules are in place (added in FY2025)",
        rules: &["CL-R7-RULES"],
    },
    Item {
        number: "2-1",
        section: 2,
        ja: "サーバ、端末PC、ネットワーク機器の台帳管理を行っている",
        en: "Servers, terminal PCs and network devices are kept in an asset ledger",
        rules: &["CL-2-1", "CL-2-1-INV"],
    },
    Item {
        number: "2-2",
        section: 2,
        ja: "リモートメンテナンス (保守) を利用している機器の有無を事業者等に確認した",
        en: "Remote maintenance of each device has been confirmed with the vendor",
        rules: &["CL-2-2"],
    },
    Item {
        number: "2-3",
        section: 2,
        ja: "事業者から製造業者/サービス事業者による MDS/SDS を提出してもらう",
        en: "The vendors' MDS/SDS security disclosures have been obtained",
        rules: &["CL-2-3"],
    },
    Item {
        number: "2-4",
        section: 2,
        ja: "利用者の職種・担当業務別の情報区分毎のアクセス利用権限を設定している",
        en: "Access rights are set per job type and information category",
        rules: &["CL-2-4", "CL-2-4-ADMIN", "CL-2-4-AUTH", "CL-2-4-MATRIX"],
    },
    Item {
        number: "2-5",
        section: 2,
        ja: "退職者や使用していないアカウント等、不要なアカウントを削除している",
        en: "Accounts of leavers and unused accounts are removed",
        rules: &["CL-2-5", "CL-2-5-UNUSED"],
    },
    Item {
        number: "2-6",
        section: 2,
        ja: "アクセスログを管理している (サーバ)",
        en: "Access logs are kept (servers)",
        rules: &["CL-2-6", "CL-2-6-FIELDS", "CL-2-6-RETENTION"],
    },
    Item {
        number: "2-7",
        section: 2,
        ja: "セキュリティパッチ (最新ファームウェアや更新プログラム) を適用している",
        en: "Security patches (firmware and updates) are applied",
        rules: &["CL-2-7"],
    },
    Item {
        number: "2-8",
        section: 2,
        ja: "接続元制限を実施している (ネットワーク機器)",
        en: "Connection sources are restricted (network devices)",
        rules: &["CL-2-8", "CL-2-8-MGMT", "CL-2-8-REMOTE"],
    },
    Item {
        number: "2-9",
        section: 2,
        ja: "バックグラウンドで動作している不要なソフトウェア及びサービスを停止している",
        en: "Unnecessary background software and services are stopped",
        rules: &["CL-2-9", "CL-2-9-RDP"],
    },
    Item {
        number: "2-⑦",
        section: 2,
        ja: "パスワードは英数字、記号が混在した8文字以上とし、定期的に変更している",
        en: "Passwords are 8+ characters mixing letters, digits and symbols, and changed periodically",
        rules: &["CL-R7-PW-1", "CL-R7-PW-1-ROTATION"],
    },
    Item {
        number: "2-⑧",
        section: 2,
        ja: "パスワードの使い回しを禁止している",
        en: "Password reuse is prohibited",
        rules: &["CL-R7-PW-2", "CL-R7-PW-DEFAULT"],
    },
    Item {
        number: "2-⑨",
        section: 2,
        ja: "USB ストレージ等の外部記録媒体の接続を制限している",
        en: "USB storage and other external media are restricted",
        rules: &["CL-R7-USB"],
    },
    Item {
        number: "2-MFA",
        section: 2,
        ja: "二要素認証を導入している (令和9年度までに)",
        en: "Two-factor authentication is in place (by FY2027)",
        rules: &["CL-R7-MFA"],
    },
    Item {
        number: "3-1",
        section: 3,
        ja: "インシデント発生時における組織内と外部関係機関 (事業者、厚生労働省、警察等) への連絡体制図がある",
        en: "There is an incident contact chart covering staff, the vendor, MHLW and the police",
        rules: &["CL-3-1"],
    },
    Item {
        number: "3-2",
        section: 3,
        ja: "インシデント発生時に診療を継続するために必要な情報を検討し、データやシステムのバックアップの実施と復旧手順を確認している",
        en: "Backups of what is needed to keep treating patients are made and their restore procedure checked",
        rules: &["CL-3-2", "CL-3-2-OFFLINE", "CL-3-2-RESTORE"],
    },
    Item {
        number: "3-3",
        section: 3,
        ja: "サイバー攻撃を想定した事業継続計画 (BCP) を策定している",
        en: "A business continuity plan for cyber attacks is in place",
        rules: &["CL-3-3"],
    },
];

/// The rule ids of the checklist table, for tests: every checklist rule of the catalogue
/// must belong to exactly one item.
#[must_use]
pub fn checklist_rules() -> Vec<(&'static str, &'static str)> {
    ITEMS
        .iter()
        .flat_map(|i| i.rules.iter().map(move |r| (i.number, *r)))
        .collect()
}

/// A checklist edition as printed: `R7` is 令和7年度版.
#[must_use]
pub fn edition_name(edition: &str) -> Text {
    match edition
        .strip_prefix('R')
        .and_then(|n| n.parse::<i32>().ok())
    {
        Some(n) => Text::new(format!("令和{n}年度版"), format!("FY{} edition", n + 2018)),
        None => Text::new(edition, edition),
    }
}

fn section_name(section: u8) -> Text {
    match section {
        0 => Text::new("医療情報システムの有無", "Medical information systems"),
        1 => Text::new("1 体制構築", "1 Organisation"),
        2 => Text::new(
            "2 医療情報システムの管理・運用",
            "2 Management and operation of the systems",
        ),
        _ => Text::new(
            "3 インシデント発生に備えた対応",
            "3 Preparing for incidents",
        ),
    }
}

/// The last day of the fiscal year (April to March) that holds `d`.
#[must_use]
pub fn fiscal_year_end(d: NaiveDate) -> NaiveDate {
    let year = if d.month() >= 4 {
        d.year() + 1
    } else {
        d.year()
    };
    NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or(d)
}

/// The Japanese fiscal year (年度) of `d`, as 令和 (from 2019) or the Western year.
fn nendo(d: NaiveDate) -> (i32, String) {
    let fy = if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    };
    let ja = if fy >= 2019 {
        format!("令和{}年度", fy - 2018)
    } else {
        format!("{fy}年度")
    };
    (fy, ja)
}

/// The target for something not met: the earliest deadline still ahead among `deadlines`,
/// or the end of the fiscal year of `as_of`.
fn target(as_of: NaiveDate, deadlines: impl Iterator<Item = NaiveDate>) -> Target {
    if let Some(d) = deadlines.filter(|d| *d > as_of).min() {
        let (fy, ja) = nendo(d);
        return Target {
            date: d,
            label: Text::new(
                format!("{d} まで ({ja}開始)"),
                format!("by {d} (start of FY{fy})"),
            ),
        };
    }
    let end = fiscal_year_end(as_of);
    let (fy, ja) = nendo(as_of);
    Target {
        date: end,
        label: Text::new(format!("{ja}中 ({end})"), format!("within FY{fy} ({end})")),
    }
}

fn kind_name(kind: &str) -> Text {
    match kind {
        "hospital" => Text::new("病院", "hospital"),
        "clinic" => Text::new("診療所", "clinic"),
        "dental_clinic" => Text::new("歯科診療所", "dental clinic"),
        "pharmacy" => Text::new("薬局", "pharmacy"),
        other => Text::new(other, other),
    }
}

fn document_name(kind: &str) -> Text {
    let (ja, en) = match kind {
        "security_policy" => ("安全管理の方針", "security policy"),
        "operating_rules" => ("運用管理規程", "operating rules"),
        "contact_chart" => ("連絡体制図", "incident contact chart"),
        "bcp" => ("事業継続計画 (BCP)", "business continuity plan (BCP)"),
        "training" => ("研修の記録", "training record"),
        "risk_assessment" => ("リスク分析・評価", "risk assessment"),
        "audit" => ("監査・点検の記録", "audit record"),
        "asset_inventory" => ("情報資産台帳の棚卸", "asset inventory"),
        "account_review" => ("アカウントの棚卸", "account review"),
        "incident_response" => ("インシデント対応手順", "incident response procedure"),
        "vendor_management" => ("事業者管理の記録", "vendor management record"),
        "privacy_policy" => ("個人情報保護方針", "privacy policy"),
        other => (other, other),
    };
    Text::new(ja, en)
}

/// Builds the gap analysis of one evaluation.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn analyse(
    manifest: &Manifest,
    report: &Report,
    split: &Split,
    catalogue: &Catalogue,
) -> GapReport {
    let as_of = report.as_of;
    let people: HashMap<&str, &str> = manifest
        .people
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    // A person as a director knows them: 「佐藤 一郎 (dr-sato)」.
    let person = |id: &str| -> String {
        people
            .get(id)
            .map_or_else(|| id.to_owned(), |n| format!("{n} ({id})"))
    };
    // A party with, for a role, the people who hold it: 「企画管理者 (佐藤 一郎)」.
    let party: HashMap<&str, Text> = split
        .parties
        .iter()
        .map(|p| {
            let holders: Vec<&str> = p
                .detail
                .iter()
                .filter(|_| p.kind == "role")
                .map(|id| people.get(id.as_str()).copied().unwrap_or(id.as_str()))
                .collect();
            let name = if holders.is_empty() {
                p.name.clone()
            } else {
                let h = holders.join("、");
                Text::new(
                    format!("{} ({h})", p.name.ja),
                    format!("{} ({h})", p.name.en),
                )
            };
            (p.id.as_str(), name)
        })
        .collect();
    let names = |ids: &[kensa_engine::split::Assignment]| -> Vec<Text> {
        let mut out: Vec<Text> = ids
            .iter()
            .map(|a| {
                party
                    .get(a.party.as_str())
                    .cloned()
                    .unwrap_or_else(|| Text::new(a.party.clone(), a.party.clone()))
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        out.retain(|t| seen.insert(t.ja.clone()));
        out
    };
    let rows: HashMap<(&str, &str), &kensa_engine::split::Row> = split
        .rows
        .iter()
        .map(|r| ((r.rule.as_str(), r.entity.as_str()), r))
        .collect();

    // Per rule: its findings' counts.
    let mut per_rule: BTreeMap<&str, Summary> = BTreeMap::new();
    let mut of_rule: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &report.findings {
        per_rule.entry(f.rule.as_str()).or_default().add(f.status);
        of_rule.entry(f.rule.as_str()).or_default().push(f);
    }

    // Scores per volume.
    let mut by_volume = Vec::new();
    for volume in Volume::ALL {
        let mut s = Summary::default();
        for r in catalogue.rules.iter().filter(|r| r.volume == volume) {
            if let Some(c) = per_rule.get(r.id.as_str()) {
                s.merge(c);
            }
        }
        if s.applicable() > 0 {
            by_volume.push(Score {
                key: serde_json::to_value(volume)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                name: volume.label(),
                met: s.met(),
                applicable: s.applicable(),
                score: s.score(),
            });
        }
    }

    // The checklist.
    let edition = report.institution.edition.clone();
    let mut checklist = Vec::new();
    let mut by_section: BTreeMap<u8, Summary> = BTreeMap::new();
    for item in ITEMS {
        let rules: Vec<&kensa_engine::Rule> = item
            .rules
            .iter()
            .filter_map(|id| catalogue.rule(id))
            .filter(|r| r.in_edition(&edition))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let mut s = Summary::default();
        let mut open = Vec::new();
        let mut deadlines = Vec::new();
        for r in &rules {
            for f in of_rule.get(r.id.as_str()).into_iter().flatten() {
                s.add(f.status);
                if matches!(
                    f.status,
                    Status::Violated | Status::Upcoming | Status::CouldNotEvaluate
                ) {
                    open.push(format!("{} {}", f.rule, f.entity));
                    deadlines.extend(f.deadline.or(r.deadline));
                }
            }
        }
        if item.section > 0 {
            by_section.entry(item.section).or_default().merge(&s);
        }
        let answer = if s.violated + s.upcoming > 0 {
            Answer::No
        } else if s.could_not_evaluate > 0 {
            Answer::Unknown
        } else if s.met() > 0 {
            Answer::Yes
        } else {
            Answer::NotApplicable
        };
        checklist.push(ChecklistAnswer {
            number: item.number.to_owned(),
            section: item.section,
            title: Text::new(item.ja, item.en),
            answer,
            checked_on: as_of,
            target: matches!(answer, Answer::No | Answer::Unknown)
                .then(|| target(as_of, deadlines.into_iter())),
            rules: rules.iter().map(|r| r.id.clone()).collect(),
            open,
        });
    }
    let by_section = by_section
        .into_iter()
        .map(|(section, s)| Score {
            key: section.to_string(),
            name: section_name(section),
            met: s.met(),
            applicable: s.applicable(),
            score: s.score(),
        })
        .collect();

    // The gaps, most urgent first: severity, then deadline, then rule and entity.
    let mut gaps: Vec<GapItem> = report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.status,
                Status::Violated | Status::Upcoming | Status::CouldNotEvaluate
            )
        })
        .map(|f| {
            let rule = catalogue.rule(&f.rule);
            let responsible = rows
                .get(&(f.rule.as_str(), f.entity.as_str()))
                .map(|r| names(&r.does))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    vec![Text::new(
                        manifest.institution.name.clone(),
                        manifest.institution.name.clone(),
                    )]
                });
            GapItem {
                priority: 0,
                severity: f.severity,
                status: f.status,
                rule: f.rule.clone(),
                title: (*f.title).clone(),
                entity: f.entity.clone(),
                deadline: target(
                    as_of,
                    f.deadline.or(rule.and_then(|r| r.deadline)).into_iter(),
                ),
                responsible,
                fix: f
                    .fix
                    .as_deref()
                    .cloned()
                    .or_else(|| rule.map(|r| r.fix.clone()))
                    .unwrap_or_else(|| Text::new("", "")),
                source: f.source.citation.clone(),
                url: f.source.url.clone(),
                location: f
                    .location
                    .as_ref()
                    .map(|l| format!("{}:{}", l.file, l.line)),
            }
        })
        .collect();
    gaps.sort_by(|a, b| {
        (a.severity, a.deadline.date, &a.rule, &a.entity).cmp(&(
            b.severity,
            b.deadline.date,
            &b.rule,
            &b.entity,
        ))
    });
    for (i, g) in gaps.iter_mut().enumerate() {
        g.priority = i + 1;
    }
    let mut gaps_by_severity: Vec<(Severity, usize)> = Vec::new();
    for g in &gaps {
        match gaps_by_severity.last_mut() {
            Some((s, n)) if *s == g.severity => *n += 1,
            _ => gaps_by_severity.push((g.severity, 1)),
        }
    }

    let matrix = split
        .rows
        .iter()
        .filter(|r| r.rule != kensa_engine::split::LINE_FAILURE)
        .map(|r| MatrixRow {
            rule: r.rule.clone(),
            title: (*r.title).clone(),
            entity: r.entity.clone(),
            status: r.status,
            does: names(&r.does),
            accountable: names(&r.accountable),
        })
        .collect();

    let mut exceptions: Vec<ExceptionRow> = manifest
        .exceptions
        .iter()
        .map(|e| ExceptionRow {
            id: e.id.to_string(),
            rule: e.rule.clone(),
            target: e.target.clone(),
            reason: e.reason.clone(),
            approved_by: person(e.approved_by.as_str()),
            approved_on: e.approved_on,
            expires_on: e.expires_on,
            days_left: (e.expires_on - as_of).num_days(),
        })
        .collect();
    exceptions.sort_by(|a, b| (a.expires_on, &a.id).cmp(&(b.expires_on, &b.id)));

    let mut evidence = Vec::new();
    if let Ok(serde_json::Value::Object(docs)) = serde_json::to_value(&manifest.documents) {
        for kind in kensa_engine::entities::DOCUMENT_KINDS {
            let Some(d) = docs.get(kind).filter(|d| d.is_object()) else {
                continue;
            };
            let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            evidence.push(EvidenceRow {
                kind: kind.to_owned(),
                name: document_name(kind),
                title: text("title"),
                reviewed_on: text("reviewed_on").and_then(|s| s.parse().ok()),
                approved_by: text("approved_by").map(|id| person(&id)),
                evidence: d
                    .get("evidence")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }

    let mut appendix: Vec<AppendixRow> = catalogue
        .rules
        .iter()
        .map(|r| AppendixRow {
            rule: r.id.clone(),
            title: r.title.clone(),
            severity: r.severity,
            volume: r.volume,
            source: r.source.clone(),
            url: r.url.clone(),
            counts: per_rule.get(r.id.as_str()).cloned().unwrap_or_default(),
        })
        .collect();
    appendix.sort_by(|a, b| (a.volume, &a.rule).cmp(&(b.volume, &b.rule)));

    let yes = checklist.iter().filter(|c| c.answer == Answer::Yes).count();
    let no = checklist.iter().filter(|c| c.answer == Answer::No).count();
    let counts = report.summary.clone();
    GapReport {
        version: GAP_VERSION.to_owned(),
        cover: Cover {
            institution: manifest.institution.name.clone(),
            institution_id: manifest.institution.id.to_string(),
            kind: kind_name(&kensa_engine::entities::name(&manifest.institution.kind)),
            pattern: report.patterns.institution,
            pattern_name: report.patterns.institution.describe(),
            pattern_explanation: report.patterns.explanation.clone(),
            as_of,
            edition: edition.clone(),
            sources: vec![
                Text::new(
                    "医療情報システムの安全管理に関するガイドライン 第6.0版 (厚生労働省、令和5年5月)",
                    "Guidelines for the Security Management of Medical Information Systems, 6th edition (MHLW, May 2023)",
                ),
                Text::new(
                    format!(
                        "医療機関におけるサイバーセキュリティ対策チェックリスト ({})",
                        edition_name(&edition).ja
                    ),
                    format!(
                        "MHLW cyber-security checklist for medical institutions ({})",
                        edition_name(&edition).en
                    ),
                ),
                Text::new(
                    "医療情報を取り扱う情報システム・サービスの提供事業者における安全管理ガイドライン (総務省・経済産業省)",
                    "Security guideline for providers of systems and services handling medical information (MIC and METI)",
                ),
            ],
            rules: catalogue.rules.len(),
            custom_rules: catalogue.rules.iter().filter(|r| !r.builtin).count(),
            tool_version: report.tool_version.clone(),
            manifest: report.manifest.clone(),
        },
        summary: ExecutiveSummary {
            score: counts.score(),
            counts,
            by_volume,
            by_section,
            checklist_yes: yes,
            checklist_no: no,
            checklist_other: checklist.len() - yes - no,
            gaps_by_severity,
        },
        checklist,
        gaps,
        matrix,
        exceptions,
        evidence,
        appendix,
    }
}

pub mod csv;
pub mod html;
pub mod markdown;
pub mod xlsx;
