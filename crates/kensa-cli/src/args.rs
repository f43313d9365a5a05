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
    /// Print the JSON Schema of manifest v1 (the file in `schemas/`).
    Schema,
    /// Write a commented starting manifest; never overwrites a file.
    Init(InitArgs),
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
