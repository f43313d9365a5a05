//! Renderers: a [`Report`] (or several, for a portfolio) turned into the formats reviewers
//! already read. Each renderer is a pure function from an [`Input`] to text; nothing here
//! reads files, prints or exits.
//!
//! | format | module | read by |
//! | --- | --- | --- |
//! | SARIF 2.1.0 | [`sarif`] | GitHub code scanning, Azure DevOps, IDE viewers |
//! | JUnit XML | [`junit`] | CI test dashboards (GitLab, Jenkins, Azure) |
//! | Markdown | [`markdown`] | pull-request and merge-request comments |
//! | workflow commands | [`github`] | GitHub Actions annotations on the diff |
//! | Code Quality JSON | [`gitlab`] | GitLab merge-request widget |

use std::collections::BTreeMap;

use kensa_engine::{Catalogue, Report, Severity};
use kensa_manifest::Lang;

pub mod diff;
pub mod gap;
pub mod github;
pub mod gitlab;
pub mod junit;
pub mod markdown;
pub mod portfolio;
pub mod sarif;
pub mod split;

/// The text for `lang`.
pub(crate) fn t<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// A problem that keeps the check from being complete, as one text: what is wrong, then
/// what to do.
pub(crate) fn problem_text(p: &kensa_engine::CheckProblem, lang: Lang) -> String {
    format!(
        "{}\n{}: {}",
        p.message.get(lang),
        t(lang, "対処", "fix"),
        p.fix.get(lang)
    )
}

/// What every renderer is given.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The findings.
    pub report: &'a Report,
    /// The catalogue the report was made with (rule documentation, help, links).
    pub catalogue: &'a Catalogue,
    /// Language of the text meant for people.
    pub lang: Lang,
    /// The lowest severity that fails the check (`None`: nothing fails).
    pub fail_on: Option<Severity>,
    /// Manifest paths as they appear in the report's locations, mapped to paths relative
    /// to the repository root with forward slashes. A path not in the map is used as is.
    pub repo_paths: &'a BTreeMap<String, String>,
}

impl Input<'_> {
    /// The repository-relative path of a manifest file named in a location.
    #[must_use]
    pub fn repo_path<'s>(&'s self, file: &'s str) -> &'s str {
        self.repo_paths.get(file).map_or(file, String::as_str)
    }
}

/// FNV-1a, 64 bits: a small stable hash for fingerprints and shards (the same input gives
/// the same value on every machine and every version).
#[must_use]
pub fn fnv1a64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The stable identity of a finding, `rule:entity`, hashed to 16 hex digits.
#[must_use]
pub fn fingerprint(rule: &str, entity: &str) -> String {
    format!("{:016x}", fnv1a64(&format!("{rule}:{entity}")))
}
