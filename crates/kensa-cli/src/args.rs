//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// kensa (検査): checks medical information systems against the MHLW 「医療情報システムの
/// 安全管理に関するガイドライン」第6.0版 and its cyber-security checklist.
#[derive(Debug, Parser)]
#[command(name = "kensa", version, about, max_term_width = 100)]
pub struct Args {
    /// Language of messages (メッセージの言語).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "ja",
        env = "KENSA_LANG"
    )]
    pub lang: LangArg,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate manifests: report every problem with file, line and column (exit 0 valid, 2 invalid).
    Validate(ValidateArgs),
    /// Check a manifest against the requirement catalogue (exit 0 clean, 1 findings, 2 errors).
    Check(CheckArgs),
    /// List the rules of the catalogue, filtered by pattern, volume or checklist edition.
    Rules(RulesArgs),
    /// Explain one rule: what it checks, why, its source, how to fix, an example.
    Explain(ExplainArgs),
    /// Print a JSON Schema: of manifest v1 (default), or of the JSON output of `kensa check`,
    /// `kensa split`, `kensa diff` or `kensa history`.
    Schema(SchemaArgs),
    /// Write a commented starting manifest; never overwrites a file.
    Init(InitArgs),
    /// Merge the JSON results of `kensa check --portfolio` shards into one summary.
    Merge(MergeArgs),
    /// The responsibility split: who does and who answers for each requirement, and the gaps
    /// (exit 0 no gap, 1 gaps, 2 errors).
    Split(SplitArgs),
    /// The gap analysis (ギャップ分析) for a consultant or a director: the checklist filled in, the prioritised gaps with deadlines and who does them, the responsibility matrix, exceptions and evidence, in HTML, Markdown, Excel or CSV.
    Gap(GapArgs),
    /// What a change does to compliance: entities, findings, responsibility and pattern,
    /// between two manifests, two git revisions, or a revision and the working tree (exit 1
    /// when it introduces findings at or above --fail-on).
    Diff(DiffArgs),
    /// The compliance history of a manifest in git: a timeline of the commits that changed
    /// it, and the commit that introduced each open violation.
    History(HistoryArgs),
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW manifests (files, folders, or pipes such as `<(git show REV:PATH)`); with
    /// --rev, one path: the manifest in the repository as it is at the head (for
    /// `BASE..HEAD` it need not exist in the working tree).
    #[arg(value_name = "PATH", num_args = 1..=2)]
    pub paths: Vec<PathBuf>,
    /// Compare the manifest at two revisions, read from git objects: `BASE..HEAD`
    /// (`BASE...HEAD` compares HEAD with its merge base with BASE). One revision `BASE`
    /// compares it with the manifest in the working tree, as `git diff BASE -- PATH` does.
    /// Renames are followed from the head back to the base.
    #[arg(long, value_name = "BASE[..HEAD]")]
    pub rev: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the change introduces a violation at or above this severity.
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// The date both sides are judged on (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// A folder of extra Cedar policies; may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For the terminal.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// The whole diff as JSON.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The manifest (a file or folder) in a git repository.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Where to start walking back (default: HEAD).
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
    /// The date every commit is judged on (default: today), or `commit` to judge each
    /// commit on its own date.
    #[arg(long, value_name = "YYYY-MM-DD|commit")]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: HistoryFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A folder of extra Cedar policies; may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A timeline for the terminal.
    Text,
    /// The whole timeline as JSON.
    Json,
    /// One line per commit, for spreadsheets.
    Csv,
    /// One self-contained page with the trend as a chart.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct SplitArgs {
    /// The manifest: a YAML file or a folder of them.
    #[arg(value_name = "PATH", required_unless_present = "portfolio")]
    pub path: Option<PathBuf>,
    /// A portfolio folder (each YAML file or sub-folder one institution); with --vendor,
    /// what that vendor has undertaken where, and the gaps its contracts leave.
    #[arg(long, value_name = "DIR", conflicts_with = "path", requires = "vendor")]
    pub portfolio: Option<PathBuf>,
    /// Only the rows this party does or answers for: `institution`, a role
    /// (`role:planning_manager`), `vendor:<id>`, `carrier:<id>`, or just the id.
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// With --portfolio: the vendor (`vendors[].id`) to report on.
    #[arg(long, value_name = "ID")]
    pub vendor: Option<String>,
    /// Only the rows of entities that belong to this system (`systems[].id`).
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SplitFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The date deadlines and exception expiries are judged on (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// A folder of extra Cedar policies (your own rules or split policies); may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitFormat {
    /// A table for the terminal: requirements × parties, then the gaps.
    Text,
    /// Markdown: the matrix and the gaps, for a pull request or a document.
    Markdown,
    /// CSV: one line per requirement, entity and party (UTF-8 with a byte-order mark, for Excel).
    Csv,
    /// JSON: the whole split.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct GapArgs {
    /// The manifest: a YAML file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: GapFormat,
    /// Write the output to FILE instead of standard output (required for xlsx on a terminal).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The date the checklist is answered on: deadlines, expiries, 確認日 (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// A folder of extra Cedar policies (your own rules or split policies); may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GapFormat {
    /// One self-contained HTML page, for the screen and for print.
    Html,
    /// Markdown, for a repository or a document.
    Markdown,
    /// An Excel workbook: summary, checklist, gaps and responsibility matrix.
    Xlsx,
    /// CSV: the prioritised gaps, one line each (UTF-8 with a byte-order mark, for Excel).
    Csv,
    /// JSON: the whole analysis.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Manifest files or folders (a folder is one manifest made of all its YAML files).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ValidateFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ValidateFormat {
    /// Diagnostics with snippets on stderr, a summary on stdout.
    Human,
    /// One JSON document on stdout: every problem with file, line and column.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The manifest: a YAML file or a folder of them.
    #[arg(value_name = "PATH", required_unless_present = "portfolio")]
    pub path: Option<PathBuf>,
    /// Check a portfolio instead: every YAML file or sub-folder of DIR is one institution.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["path", "baseline"])]
    pub portfolio: Option<PathBuf>,
    /// With --portfolio: check only share K of N (1-based), chosen by a stable hash of each
    /// institution's path, so that CI jobs can split a portfolio and `kensa merge` the results.
    #[arg(long, value_name = "K/N", requires = "portfolio", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a violation at or above this severity remains (`none`: never).
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// The JSON of an earlier `kensa check --format json`: gate only on violations that are
    /// new since (matched by rule and entity, never by line), and list the ones gone.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The date deadlines and exception expiries are judged on (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// A folder of extra Cedar policies (your own rules); may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Which findings the human output lists (JSON always has them all).
    #[arg(long, value_enum, default_value = "actionable")]
    pub show: Show,
}

/// A share of a portfolio: K of N, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, 1..=total.
    pub index: u32,
    /// How many shares.
    pub total: u32,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("\"{s}\" is not K/N (e.g. 1/4)"))?;
    let index: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("\"{k}\" is not a number"))?;
    let total: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("\"{n}\" is not a number"))?;
    if total == 0 || index == 0 || index > total {
        return Err(format!("K must be between 1 and N (got {index}/{total})"));
    }
    Ok(Shard { index, total })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Findings grouped by severity, with the manifest line of each.
    Human,
    /// One JSON document following `schemas/findings.v1.schema.json`.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, IDEs).
    Sarif,
    /// JUnit XML: one test case per rule and entity, for CI test dashboards.
    Junit,
    /// Markdown for a pull-request comment (follows --lang).
    Markdown,
    /// GitHub Actions workflow commands: annotations on the manifest lines.
    Github,
    /// GitLab Code Quality report (JSON).
    Gitlab,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// JSON files written by `kensa check --portfolio ... --format json`.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: MergeFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a violation at or above this severity remains in any institution.
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// A table of institutions.
    Human,
    /// The merged portfolio JSON.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    None,
}

impl FailOn {
    /// The lowest severity that fails, if any.
    pub fn threshold(self) -> Option<kensa_engine::Severity> {
        use kensa_engine::Severity as S;
        match self {
            FailOn::Critical => Some(S::Critical),
            FailOn::High => Some(S::High),
            FailOn::Medium => Some(S::Medium),
            FailOn::Low => Some(S::Low),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Show {
    /// Violations, upcoming deadlines, waivers, delegations and evaluation errors.
    Actionable,
    /// Also satisfied and not-applicable pairs.
    All,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Only rules read under this reference pattern.
    #[arg(long, value_enum)]
    pub pattern: Option<PatternArg>,
    /// Only rules from this source volume.
    #[arg(long, value_enum)]
    pub volume: Option<VolumeArg>,
    /// Only rules of this checklist edition.
    #[arg(long, value_enum)]
    pub edition: Option<EditionArg>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// A folder of extra Cedar policies to include; may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. CL-2-6.
    #[arg(value_name = "ID")]
    pub id: String,
    /// A folder of extra Cedar policies to include; may be repeated.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum, default_value = "manifest")]
    pub which: SchemaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The manifest (`schemas/manifest.v1.schema.json`).
    Manifest,
    /// The JSON output of `kensa check` (`schemas/findings.v1.schema.json`).
    Findings,
    /// The JSON output of `kensa split` (`schemas/split.v1.schema.json`).
    Split,
    /// The JSON output of `kensa diff` (`schemas/diff.v1.schema.json`).
    Diff,
    /// The JSON output of `kensa history` (`schemas/history.v1.schema.json`).
    History,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PatternArg {
    #[value(name = "I")]
    I,
    #[value(name = "II")]
    Ii,
    #[value(name = "III")]
    Iii,
    #[value(name = "IV")]
    Iv,
}

impl From<PatternArg> for kensa_engine::Pattern {
    fn from(p: PatternArg) -> Self {
        match p {
            PatternArg::I => kensa_engine::Pattern::I,
            PatternArg::Ii => kensa_engine::Pattern::II,
            PatternArg::Iii => kensa_engine::Pattern::III,
            PatternArg::Iv => kensa_engine::Pattern::IV,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VolumeArg {
    /// サイバーセキュリティ対策チェックリスト.
    Checklist,
    /// 経営管理編.
    Management,
    /// 企画管理編.
    Planning,
    /// システム運用編.
    Operations,
    /// 事業者向けガイドライン.
    Vendor,
    /// --policies.
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    #[value(name = "R5")]
    R5,
    #[value(name = "R6")]
    R6,
    #[value(name = "R7")]
    R7,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the manifest.
    #[arg(default_value = "kensa.yaml", value_name = "PATH")]
    pub path: PathBuf,
    /// Kind of institution (医療機関等の種別).
    #[arg(long = "type", value_enum, default_value = "clinic")]
    pub kind: InstitutionArg,
    /// Where the main system runs (提供形態).
    #[arg(long, value_enum, default_value = "cloud")]
    pub hosting: HostingArg,
    /// The institution has staff dedicated to system operation (システム運用専任の担当者).
    #[arg(long)]
    pub dedicated_staff: bool,
    /// Name of the institution (名称).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InstitutionArg {
    Hospital,
    Clinic,
    DentalClinic,
    Pharmacy,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HostingArg {
    /// オンプレミス型.
    OnPremise,
    /// クラウドサービス型 (SaaS).
    Cloud,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// 日本語.
    Ja,
    /// English.
    En,
}

impl From<LangArg> for kensa_manifest::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Ja => kensa_manifest::Lang::Ja,
            LangArg::En => kensa_manifest::Lang::En,
        }
    }
}
