//! A manifest's compliance history: every commit that changed it, evaluated, with the
//! commit that introduced each violation still open (a compliance blame).
//!
//! Evaluations are cached under the repository's git directory, keyed by the git object
//! id of the manifest (its blob, or its folder's tree), the catalogue and the date judged
//! on, so commits whose manifest did not change cost nothing and a second run only reads
//! the cache.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset as _};
use kensa_engine::report::Status;
use kensa_engine::{Catalogue, Memo, Options, Pattern, Severity, Summary};
use kensa_manifest::{Limits, Reuse, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::git::{Change, GitError, Repo};

/// Version of the history format.
pub const HISTORY_VERSION: &str = "kensa.history/v1";

/// Where the schema of `kensa history --format json` is committed, relative to the
/// repository root.
pub const HISTORY_SCHEMA_PATH: &str = "schemas/history.v1.schema.json";

/// The JSON Schema of `kensa history --format json`.
#[must_use]
pub fn history_schema_text() -> String {
    kensa_engine::report::schema_text::<Timeline>()
}

/// Which date each commit is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Every commit judged on the same date (by default today): "how would this
    /// configuration fare now?".
    Date(NaiveDate),
    /// Each commit judged on its own date: "how did it fare then?".
    Commit,
}

/// A manifest's history.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Timeline {
    /// Format version.
    pub version: String,
    /// The manifest path, relative to the repository root.
    pub path: String,
    /// The commit the walk started from.
    pub head: String,
    /// `today`'s date when every commit is judged on one date, or `commit`.
    pub as_of: String,
    /// The walk stopped at a shallow clone's boundary: older history is not here.
    pub truncated: bool,
    /// One entry per commit that changed the manifest, oldest first.
    pub entries: Vec<Entry>,
    /// Each violation open at the newest readable commit, with the commit that introduced
    /// it, most severe first.
    pub open: Vec<Blame>,
}

/// One commit that changed the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    /// The commit id.
    pub commit: String,
    /// Its short id.
    pub short: String,
    /// Its date (committer time: when it entered the branch, with its offset), RFC 3339.
    pub date: String,
    /// Its author.
    pub author: String,
    /// Its first line.
    pub message: String,
    /// The manifest's path at that commit (renames followed).
    pub path: String,
    /// The path before this commit, when it renamed or moved the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The oldest commit of a shallow clone: the oldest state that can be read, which
    /// did not necessarily change the manifest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub boundary: bool,
    /// What evaluating it gave.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What evaluating one commit's manifest gave.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Checked.
    Checked {
        /// The institution's pattern.
        pattern: Pattern,
        /// Counts by status.
        summary: Summary,
        /// Share of the applicable pairs that are satisfied, delegated or waived, in %.
        score: f64,
        /// The violations this commit introduced, as `[rule, entity]`: violated here and
        /// not in the last commit before it that reads (all of them for the first).
        introduced: Vec<(String, String)>,
        /// The violations this commit resolved: violated in the last commit before it
        /// that reads, and not here.
        resolved: Vec<(String, String)>,
    },
    /// The manifest did not read at that commit: its first problems.
    Invalid {
        /// `file:line:column: message`, in both languages.
        problems: Vec<Text>,
    },
    /// The manifest was deleted at that commit (its violations end there).
    Removed,
}

/// A violation still open, and where it began.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Blame {
    /// The rule.
    pub rule: String,
    /// The entity.
    pub entity: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's title.
    pub title: Text,
    /// The commit that introduced it: the oldest of the run of commits, up to the newest,
    /// in which it is violated.
    pub since: String,
    /// Its short id.
    pub since_short: String,
    /// Its date.
    pub since_date: String,
    /// Its author.
    pub author: String,
    /// The history is truncated (a shallow clone) and the violation is already there in
    /// the oldest commit it holds: it began there or earlier.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_earlier: bool,
}

/// What evaluating one commit gave, as cached: every violated pair, whatever the
/// commits around it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum Judgement {
    Checked {
        pattern: Pattern,
        summary: Summary,
        score: f64,
        violated: Vec<(String, String)>,
    },
    Invalid {
        problems: Vec<Text>,
    },
    Removed,
}

/// A cached evaluation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    outcome: Judgement,
    /// Titles and severities of the violated rules, for the blame.
    rules: BTreeMap<String, (Severity, Text)>,
    /// kensa failed on it: shown, never cached.
    #[serde(skip)]
    internal: bool,
}

/// Version of the cache entries' format, part of their key.
const CACHE_FORMAT: &str = "kensa.history-cache/2";

/// Violated pairs, each held once for the whole timeline and named by a number.
#[derive(Default)]
struct Pairs {
    ids: HashMap<(String, String), u32>,
    names: Vec<(String, String)>,
}

impl Pairs {
    /// The evaluation with its violated pairs as sorted numbers; rule titles go to
    /// `rules`.
    fn hold(&mut self, cached: Cached, rules: &mut BTreeMap<String, (Severity, Text)>) -> Held {
        rules.extend(cached.rules);
        let mut violated = Vec::new();
        let outcome = match cached.outcome {
            Judgement::Checked {
                pattern,
                summary,
                score,
                violated: pairs,
            } => {
                for pair in pairs {
                    let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                    let id = *self.ids.entry(pair).or_insert_with_key(|p| {
                        self.names.push(p.clone());
                        next
                    });
                    violated.push(id);
                }
                violated.sort_unstable();
                violated.dedup();
                Judgement::Checked {
                    pattern,
                    summary,
                    score,
                    violated: Vec::new(),
                }
            }
            other => other,
        };
        Held { outcome, violated }
    }

    /// The pairs of `ids`, sorted by rule and entity.
    fn named(&self, ids: impl Iterator<Item = u32>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = ids.map(|i| self.names[i as usize].clone()).collect();
        out.sort();
        out
    }
}

/// An evaluation held for the timeline.
struct Held {
    outcome: Judgement,
    /// Its violated pairs (numbers from [`Pairs`]), sorted.
    violated: Vec<u32>,
}

/// The members of sorted `a` that are not in sorted `b`.
fn minus<'a>(a: &'a [u32], b: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    a.iter().copied().filter(|x| b.binary_search(x).is_err())
}

/// Evaluates the history of `path` from `from`, reporting progress as (done, total).
///
/// # Errors
/// A [`GitError`] when the repository cannot be read.
pub fn history(
    repo: &Repo,
    from: git2::Oid,
    path: &str,
    catalogue: &Catalogue,
    as_of: AsOf,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Timeline, GitError> {
    let walked = repo.history(from, path)?;
    let mut changes: Vec<Change> = walked.changes;
    // A shallow clone's oldest commit shows the oldest state there is to read.
    let boundary = walked.boundary.filter(|b| b.entry.is_some());
    let has_boundary = boundary.is_some();
    changes.extend(boundary);
    changes.reverse();
    let fingerprint = catalogue_fingerprint(catalogue);
    let cache = repo.cache_dir().join("history");
    let total = changes.len();
    let judged = |change: &Change| match as_of {
        AsOf::Date(d) => d,
        AsOf::Commit => commit_date(change).date_naive(),
    };
    // What the cache already knows; the rest is evaluated below.
    let mut pairs = Pairs::default();
    let mut rules: BTreeMap<String, (Severity, Text)> = BTreeMap::new();
    let mut results: Vec<Option<Held>> = changes
        .iter()
        .map(|change| match change.entry {
            None => Some(Held {
                outcome: Judgement::Removed,
                violated: Vec::new(),
            }),
            Some(id) => read_cache(&cache, &cache_key(id, fingerprint, judged(change)))
                .map(|c| pairs.hold(c, &mut rules)),
        })
        .collect();
    let missing: Vec<usize> = (0..total).filter(|&i| results[i].is_none()).collect();
    let mut done = total - missing.len();
    progress(done, total);
    // The commits to evaluate are cut into one run of consecutive commits per thread.
    // Each thread reads its own from git and keeps what it read and what Cedar answered
    // for the next commit, which differs from the last in a few entries.
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8)
        .min(missing.len().div_ceil(MIN_RUN))
        .max(1);
    let runs: Vec<&[usize]> = missing
        .chunks(missing.len().div_ceil(threads).max(1))
        .collect();
    let mut handles = Vec::with_capacity(runs.len());
    for _ in &runs {
        handles.push(repo.reopen()?);
    }
    let mut failure: Option<GitError> = None;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Cached, GitError>)>();
        for (run, own) in runs.iter().zip(handles) {
            let tx = tx.clone();
            let changes = &changes;
            let judged = &judged;
            let work = move || {
                let mut reuse = Reuse::new();
                let mut memo = Memo::new();
                for &i in *run {
                    let change = &changes[i];
                    let result = own.snapshot(change.commit, &change.path).map(|snap| {
                        evaluate(
                            snap,
                            change,
                            catalogue,
                            judged(change),
                            &mut reuse,
                            &mut memo,
                        )
                    });
                    let stop = result.is_err();
                    if tx.send((i, result)).is_err() || stop {
                        break;
                    }
                }
            };
            // Deeply nested (hostile) manifests need more stack than a thread's default
            // to be read and refused cleanly.
            if let Err(e) = std::thread::Builder::new()
                .name("kensa-history".into())
                .stack_size(STACK)
                .spawn_scoped(scope, work)
            {
                failure.get_or_insert(GitError::other(
                    format!("評価用のスレッドを起動できません: {e}"),
                    format!("cannot start an evaluation thread: {e}"),
                ));
            }
        }
        drop(tx);
        for (i, result) in rx {
            match result {
                Ok(cached) => {
                    if let Some(id) = changes[i].entry.filter(|_| !cached.internal) {
                        write_cache(
                            &cache,
                            &cache_key(id, fingerprint, judged(&changes[i])),
                            &cached,
                        );
                    }
                    results[i] = Some(pairs.hold(cached, &mut rules));
                    done += 1;
                    progress(done, total);
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let mut entries = Vec::with_capacity(total);
    // Each entry's violated pairs, for the entries that read (a removed manifest has
    // none).
    let mut sets: Vec<Option<Vec<u32>>> = Vec::with_capacity(total);
    let mut before: Vec<u32> = Vec::new();
    for (i, (change, held)) in changes.iter().zip(results).enumerate() {
        let held = held.unwrap_or(Held {
            outcome: Judgement::Removed,
            violated: Vec::new(),
        });
        let outcome = match held.outcome {
            Judgement::Checked {
                pattern,
                summary,
                score,
                ..
            } => Outcome::Checked {
                pattern,
                summary,
                score,
                introduced: pairs.named(minus(&held.violated, &before)),
                resolved: pairs.named(minus(&before, &held.violated)),
            },
            Judgement::Invalid { problems } => Outcome::Invalid { problems },
            Judgement::Removed => Outcome::Removed,
        };
        if matches!(outcome, Outcome::Invalid { .. }) {
            sets.push(None);
        } else {
            before.clone_from(&held.violated);
            sets.push(Some(held.violated));
        }
        entries.push(Entry {
            commit: change.commit.to_string(),
            short: change.short.clone(),
            date: commit_date(change).to_rfc3339(),
            author: change.author.clone(),
            message: change.summary.clone(),
            path: change.path.clone(),
            renamed_from: change.renamed_from.clone(),
            boundary: has_boundary && i == 0,
            outcome,
        });
    }
    progress(total, total);
    let open = blame(&entries, &sets, &pairs, &rules, walked.truncated);
    Ok(Timeline {
        version: HISTORY_VERSION.to_string(),
        path: path.to_string(),
        head: from.to_string(),
        as_of: match as_of {
            AsOf::Date(d) => d.to_string(),
            AsOf::Commit => "commit".to_string(),
        },
        truncated: walked.truncated,
        entries,
        open,
    })
}

fn commit_date(change: &Change) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(change.offset_minutes * 60).unwrap_or(chrono::Utc.fix());
    DateTime::from_timestamp(change.time, 0)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// Fewest commits worth a thread of their own.
const MIN_RUN: usize = 8;

/// Stack of each evaluating thread.
const STACK: usize = 64 * 1024 * 1024;

/// Evaluates one commit's manifest (already read from git), reusing what `reuse` and
/// `memo` kept of the commits before it on the same thread.
fn evaluate(
    snapshot: Option<crate::git::Snapshot>,
    change: &Change,
    catalogue: &Catalogue,
    as_of: NaiveDate,
    reuse: &mut Reuse,
    memo: &mut Memo,
) -> Cached {
    let Some(snapshot) = snapshot else {
        return Cached {
            outcome: Judgement::Removed,
            rules: BTreeMap::new(),
            internal: false,
        };
    };
    let loaded = reuse.load_bytes(&change.path, snapshot.files, &Limits::default());
    let Some(manifest) = loaded
        .manifest
        .as_ref()
        .filter(|_| loaded.problems.is_empty())
    else {
        let problems = loaded
            .problems
            .iter()
            .take(5)
            .map(|p| {
                let file = &loaded.sources.get(p.at.file).path;
                let at =
                    p.at.span
                        .map_or_else(String::new, |s| format!(":{}:{}", s.line, s.column));
                Text::new(
                    format!("{file}{at}: {}", p.message.ja),
                    format!("{file}{at}: {}", p.message.en),
                )
            })
            .collect();
        return Cached {
            outcome: Judgement::Invalid { problems },
            rules: BTreeMap::new(),
            internal: false,
        };
    };
    let options = Options {
        as_of,
        manifest_label: change.path.clone(),
        threads: 1,
    };
    let report =
        match kensa_engine::check_with(manifest, &loaded.sources, catalogue, &options, memo) {
            Ok(r) => r,
            Err(e) => {
                return internal_error(&e.to_string());
            }
        };
    let mut rules = BTreeMap::new();
    let mut violated = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.status == Status::Violated)
    {
        violated.push((f.rule.clone(), f.entity.clone()));
        rules
            .entry(f.rule.clone())
            .or_insert_with(|| (f.severity, (*f.title).clone()));
    }
    Cached {
        outcome: Judgement::Checked {
            pattern: report.patterns.institution,
            score: report.summary.score(),
            summary: report.summary,
            violated,
        },
        rules,
        internal: false,
    }
}

/// A commit that kensa itself failed on: shown as not read, never as compliant.
fn internal_error(what: &str) -> Cached {
    Cached {
        outcome: Judgement::Invalid {
            problems: vec![Text::new(
                format!(
                    "kensa の内部エラーで評価できませんでした ({what})。不具合として報告してください"
                ),
                format!(
                    "kensa could not evaluate it because of an internal error ({what}); please report it as a bug"
                ),
            )],
        },
        rules: BTreeMap::new(),
        internal: true,
    }
}

/// The compliance blame: for each violation open at the newest entry that reads, the
/// oldest entry of the run (newest backwards) in which it is violated. Entries that did
/// not read neither start nor break a run.
fn blame(
    entries: &[Entry],
    sets: &[Option<Vec<u32>>],
    pairs: &Pairs,
    rules: &BTreeMap<String, (Severity, Text)>,
    truncated: bool,
) -> Vec<Blame> {
    let read: Vec<(&Entry, &[u32])> = entries
        .iter()
        .zip(sets)
        .filter_map(|(e, s)| s.as_deref().map(|s| (e, s)))
        .collect();
    let Some((_, open)) = read.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &id in *open {
        let mut since = read.len() - 1;
        while since > 0 && read[since - 1].1.binary_search(&id).is_ok() {
            since -= 1;
        }
        let e = read[since].0;
        let (rule, entity) = &pairs.names[id as usize];
        let (severity, title) = rules
            .get(rule)
            .cloned()
            .unwrap_or((Severity::Medium, Text::new(rule.clone(), rule.clone())));
        out.push(Blame {
            rule: rule.clone(),
            entity: entity.clone(),
            severity,
            title,
            since: e.commit.clone(),
            since_short: e.short.clone(),
            since_date: e.date.clone(),
            author: e.author.clone(),
            or_earlier: truncated && since == 0,
        });
    }
    out.sort_by(|a, b| (a.severity, &a.rule, &a.entity).cmp(&(b.severity, &b.rule, &b.entity)));
    out
}

/// What the cached results depend on besides the manifest: kensa's version and every
/// rule and split policy (their annotations and where they are written).
fn catalogue_fingerprint(catalogue: &Catalogue) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    CACHE_FORMAT.hash(&mut h);
    serde_json::to_string(&catalogue.rules)
        .unwrap_or_default()
        .hash(&mut h);
    serde_json::to_string(&catalogue.split_policies)
        .unwrap_or_default()
        .hash(&mut h);
    catalogue.split.to_string().hash(&mut h);
    for sets in catalogue.by_type.values() {
        sets.violates.to_string().hash(&mut h);
        sets.applies.to_string().hash(&mut h);
    }
    h.finish()
}

fn cache_key(entry: git2::Oid, fingerprint: u64, as_of: NaiveDate) -> String {
    format!("{entry}-{fingerprint:016x}-{as_of}")
}

fn cache_file(dir: &std::path::Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.json"))
}

fn read_cache(dir: &std::path::Path, key: &str) -> Option<Cached> {
    let text = std::fs::read_to_string(cache_file(dir, key)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Best effort: a cache that cannot be written (a read-only repository) only costs time.
fn write_cache(dir: &std::path::Path, key: &str, value: &Cached) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(text) = serde_json::to_string(value) {
        let tmp = dir.join(format!("{key}.tmp{}", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, cache_file(dir, key));
        }
    }
}
