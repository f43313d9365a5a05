//! `kensa`: checks the security of medical information systems against the MHLW guideline.
//!
//! This is the only crate that prints or exits.

mod args;
mod check;
mod diagnostics;
mod gap;
mod history;
mod init;
mod portfolio;
mod rules;
mod split;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Args, Command};

/// See the workspace `Cargo.toml` for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything is fine.
    Success = 0,
    /// `kensa check`: violations at or above `--fail-on` remain.
    Findings = 1,
    /// Bad input, a rule that could not be evaluated, or a failure of the tool.
    Error = 2,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Error as u8 } else { 0 });
        }
    };
    // Buffered: a check's JSON or report can be tens of thousands of lines, and a locked
    // stdout alone flushes at every newline.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    let result = match &args.command {
        Command::Validate(v) => validate::run(v, args.lang.into(), &mut out, &mut err),
        Command::Check(c) => check::run(c, args.lang.into(), &mut out, &mut err),
        Command::Rules(r) => rules::list(r, args.lang.into(), &mut out, &mut err),
        Command::Explain(e) => rules::explain(e, args.lang.into(), &mut out, &mut err),
        Command::Schema(s) => match s.which {
            args::SchemaKind::Manifest => {
                write!(out, "{}", kensa_manifest::schema::manifest_schema_text())
            }
            args::SchemaKind::Findings => {
                write!(out, "{}", kensa_engine::report::findings_schema_text())
            }
            args::SchemaKind::Split => {
                write!(out, "{}", kensa_engine::split::split_schema_text())
            }
            args::SchemaKind::Diff => {
                write!(out, "{}", kensa_engine::diff::diff_schema_text())
            }
            args::SchemaKind::History => {
                write!(out, "{}", kensa_history::history::history_schema_text())
            }
        }
        .map(|()| Exit::Success),
        Command::Init(i) => init::run(i, args.lang.into(), &mut out, &mut err),
        Command::Merge(m) => portfolio::merge_files(m, args.lang.into(), &mut out, &mut err),
        Command::Split(s) => split::run(s, args.lang.into(), &mut out, &mut err),
        Command::Gap(g) => gap::run(g, args.lang.into(), &mut out, &mut err),
        Command::Diff(d) => history::run_diff(d, args.lang.into(), &mut out, &mut err),
        Command::History(h) => history::run_history(h, args.lang.into(), &mut out, &mut err),
    };
    let result = result.and_then(|code| out.flush().map(|()| code));
    match result {
        Ok(code) => ExitCode::from(code as u8),
        // A closed pipe (`kensa schema | head`) is not a failure of the tool; commands that
        // judge input decide their exit code before writing, so it is never lost.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(Exit::Error as u8)
        }
    }
}
