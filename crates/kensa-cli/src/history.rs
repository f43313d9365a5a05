//! `kensa diff` and `kensa history`: what a change does to compliance, and when each gap
//! began.

use std::io::{IsTerminal, Write};
use std::path::Path;

use kensa_engine::diff::{Rename, Side, diff};
use kensa_engine::split::{Split, split};
use kensa_engine::{Catalogue, Options, Report};
use kensa_history::Oid;
use kensa_history::git::{GitError, Repo};
use kensa_history::history::{AsOf, history};
use kensa_manifest::{Lang, Limits, Loaded};

use crate::Exit;
use crate::args::{DiffArgs, DiffFormat, HistoryArgs, HistoryFormat};
use crate::check::{catalogue, emit, pretty_json, t};
use crate::diagnostics::write_human;

/// One side of a diff: the manifest as read, and what checking and splitting it gave.
struct Evaluated {
    label: String,
    loaded: Loaded,
    report: Report,
    split: Split,
}

/// What the sides are compared on.
struct Judging<'a> {
    catalogue: &'a Catalogue,
    as_of: chrono::NaiveDate,
    lang: Lang,
}

/// A side to compare: its label, the manifest as loaded, and whether it was read from a
/// commit.
struct Loading {
    label: String,
    loaded: Loaded,
    from_git: bool,
}

/// Checks and splits a loaded manifest, or reports why it cannot (`Ok(None)`).
fn evaluate(
    side: Loading,
    judging: &Judging<'_>,
    err: &mut impl Write,
) -> std::io::Result<Option<Evaluated>> {
    let Loading {
        label,
        loaded,
        from_git,
    } = side;
    let lang = judging.lang;
    let Some(manifest) = loaded
        .manifest
        .as_ref()
        .filter(|_| loaded.problems.is_empty())
    else {
        write_human(&loaded.problems, &loaded.sources, lang, err)?;
        let message = if from_git {
            t(
                lang,
                "マニフェストに上記の問題があるため比較できません。問題を直すか、別のリビジョンと比較してください",
                "the manifest has the problems above, so it cannot be compared: fix them, or compare another revision",
            )
        } else {
            t(
                lang,
                "マニフェストに上記の問題があるため比較できません。問題を直してください",
                "the manifest has the problems above, so it cannot be compared: fix them first",
            )
        };
        writeln!(err, "✗ {label}: {message}")?;
        return Ok(None);
    };
    let options = Options {
        as_of: judging.as_of,
        manifest_label: label.clone(),
        threads: 0,
    };
    let result = kensa_engine::check(manifest, &loaded.sources, judging.catalogue, &options)
        .and_then(|report| {
            split(manifest, &loaded.sources, judging.catalogue, &report).map(|s| (report, s))
        });
    match result {
        Ok((report, split)) => Ok(Some(Evaluated {
            label,
            loaded,
            report,
            split,
        })),
        Err(e) => {
            writeln!(err, "✗ {label}: {e}")?;
            Ok(None)
        }
    }
}

fn git_error(e: &GitError, lang: Lang, err: &mut impl Write) -> std::io::Result<Exit> {
    writeln!(err, "✗ {}", e.message.get(lang))?;
    Ok(Exit::Error)
}

fn side(e: &Evaluated) -> Option<Side<'_>> {
    Some(Side {
        label: e.label.clone(),
        manifest: e.loaded.manifest.as_ref()?,
        sources: &e.loaded.sources,
        report: &e.report,
        split: &e.split,
    })
}

/// A commit's abbreviated id as `kensa history` shows it: at least 7 hex digits,
/// unambiguous in the repository.
fn short_id(repo: &Repo, id: Oid) -> String {
    repo.repository()
        .find_object(id, None)
        .ok()
        .and_then(|o| o.short_id().ok())
        .and_then(|b| b.as_str().ok().map(str::to_owned))
        .unwrap_or_else(|| id.to_string().chars().take(12).collect())
}

/// The manifest's path at commit `to`, given its path `path` at commit `from`: the renames
/// between them are followed along the first parents of `from` (the changes `kensa history`
/// walks), as long as `to` is an ancestor of the commit that renamed it. `None` when it
/// does not exist at `to` under that path.
fn path_at(repo: &Repo, from: Oid, to: Oid, path: &str) -> Result<Option<String>, GitError> {
    let git = repo.repository();
    let mut at = path.to_owned();
    if from != to {
        for change in repo.history(from, path)?.changes {
            if change.commit == to {
                at = change.path;
                break;
            }
            // Only the changes made after `to` lie between it and `from`.
            if !git.graph_descendant_of(change.commit, to).unwrap_or(false) {
                break;
            }
            if let Some(old) = change.renamed_from {
                at = old;
            }
        }
    }
    Ok(repo.entry_id(to, &at)?.map(|_| at))
}

/// A commit of the comparison, for messages: its short id, and which side it is.
struct Named<'a> {
    short: &'a str,
    side_ja: &'a str,
    side_en: &'a str,
}

/// How far the manifest's path was looked for before it was found missing.
#[derive(Clone, Copy)]
enum Searched {
    /// At the path only.
    Path,
    /// At the path and at every earlier path renames gave it.
    Renames,
    /// At the path only, at the newer side of the range: renames are followed from the
    /// newer side back, so the path must be the one at the head.
    NotTheHeadPath,
}

/// The manifest is not at one side's commit: says which commit, how it was looked for,
/// and what to do.
fn not_in_commit(
    path: &str,
    at: &Named<'_>,
    searched: Searched,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let p = if path.is_empty() { "." } else { path };
    let short = at.short;
    let (side_ja, side_en) = (at.side_ja, at.side_en);
    let message = match (searched, lang) {
        (Searched::Path, Lang::Ja) => format!(
            "`{p}` はコミット {short}（{side_ja}）にありません。リポジトリのルートからのパスとリビジョンを確認してください（`git log --oneline --follow -- {p}` でこのパスを変更したコミットを一覧できます）"
        ),
        (Searched::Path, Lang::En) => format!(
            "`{p}` is not in commit {short} ({side_en}): check the path (relative to the repository root) and the revision (`git log --oneline --follow -- {p}` lists the commits that changed it)"
        ),
        (Searched::Renames, Lang::Ja) => format!(
            "`{p}` はコミット {short}（{side_ja}）にありません（名前の変更をさかのぼっても見つかりません）。リポジトリのルートからのパスとリビジョンを確認してください（`git log --oneline --follow -- {p}` でこのパスを変更したコミットを一覧できます）"
        ),
        (Searched::Renames, Lang::En) => format!(
            "`{p}` is not in commit {short} ({side_en}), under this path or any earlier one it was renamed from: check the path (relative to the repository root) and the revision (`git log --oneline --follow -- {p}` lists the commits that changed it)"
        ),
        (Searched::NotTheHeadPath, Lang::Ja) => format!(
            "`{p}` はコミット {short}（{side_ja}）にありません。{side_ja}でのマニフェストのパスを指定してください（名前の変更はそこから比較元へさかのぼってたどります）"
        ),
        (Searched::NotTheHeadPath, Lang::En) => format!(
            "`{p}` is not in commit {short} ({side_en}): give the manifest's path as it is at {side_en} (renames are followed from there back to the base)"
        ),
    };
    writeln!(err, "✗ {message}")?;
    Ok(Exit::Error)
}

/// The manifest at `path` in `commit`, loaded with its files named `<short>:<file>` (as
/// `git show` names them), so that problems and findings say which side they are on.
fn load_commit(
    repo: &Repo,
    commit: Oid,
    path: &str,
    at: &Named<'_>,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Result<Loading, Exit>> {
    let snapshot = match repo.snapshot(commit, path) {
        Ok(Some(s)) => s,
        Ok(None) => return not_in_commit(path, at, Searched::Path, lang, err).map(Err),
        Err(e) => return git_error(&e, lang, err).map(Err),
    };
    let short = at.short;
    let label = format!("{short}:{}", if path.is_empty() { "." } else { path });
    let files = snapshot
        .files
        .into_iter()
        .map(|(name, bytes)| (format!("{short}:{name}"), bytes))
        .collect();
    let loaded = kensa_manifest::load_bytes(&label, files, &Limits::default());
    Ok(Ok(Loading {
        label,
        loaded,
        from_git: true,
    }))
}

/// Whether `range` holds `..` but is not a range git reads: no side at all, or more
/// than two.
fn malformed_range(range: &str) -> bool {
    let range = range.trim();
    let (a, b) = range
        .split_once("...")
        .or_else(|| range.split_once(".."))
        .unwrap_or((range, "x"));
    a.contains("..") || b.contains("..") || (a.is_empty() && b.is_empty())
}

/// The two sides of `kensa diff --rev`, loaded: `BASE..HEAD` (or `BASE...HEAD`) reads both
/// from git; one revision `BASE` compares it with the working tree, as `git diff BASE --
/// PATH` does. Renames between the sides are followed.
fn rev_sides(
    range: &str,
    path: &Path,
    lang: Lang,
    err: &mut impl Write,
) -> std::io::Result<Result<RevSides, Exit>> {
    if malformed_range(range) {
        let range = range.trim();
        writeln!(
            err,
            "✗ {}",
            match lang {
                Lang::Ja => format!(
                    "`{range}` は範囲として読めません。`BASE..HEAD`、`BASE...HEAD`、または作業ツリーと比べる1つのリビジョンを指定してください"
                ),
                Lang::En => format!(
                    "`{range}` is not a range: give `BASE..HEAD`, `BASE...HEAD`, or one revision to compare with the working tree"
                ),
            }
        )?;
        return Ok(Err(Exit::Error));
    }
    let (repo, rel) = match Repo::discover(path) {
        Ok(r) => r,
        Err(e) => return git_error(&e, lang, err).map(Err),
    };
    if range.contains("..") {
        let (base, head) = match repo.resolve_range(range) {
            Ok(r) => r,
            Err(e) => return git_error(&e, lang, err).map(Err),
        };
        let (base_short, head_short) = (short_id(&repo, base), short_id(&repo, head));
        let base_at = Named {
            short: &base_short,
            side_ja: "比較元",
            side_en: "the base",
        };
        let head_at = Named {
            short: &head_short,
            side_ja: "比較先",
            side_en: "the head",
        };
        let present = |commit| repo.entry_id(commit, &rel).map(|e| e.is_some());
        let (in_base, in_head) = match (present(base), present(head)) {
            (Ok(b), Ok(h)) => (b, h),
            (Err(e), _) | (_, Err(e)) => return git_error(&e, lang, err).map(Err),
        };
        let paths = match (in_base, in_head) {
            (true, true) => Ok((Some(rel.clone()), Some(rel.clone()))),
            (false, true) => path_at(&repo, head, base, &rel).map(|b| (b, Some(rel.clone()))),
            (true, false) => path_at(&repo, base, head, &rel).map(|h| (Some(rel.clone()), h)),
            (false, false) => {
                let shown = if rel.is_empty() { "." } else { rel.as_str() };
                writeln!(
                    err,
                    "✗ {}",
                    match lang {
                        Lang::Ja => format!(
                            "`{shown}` はコミット {base_short}（比較元）にも {head_short}（比較先）にもありません。リポジトリのルートからのパスを確認してください（`git ls-tree -r --name-only {head_short}` でコミットのファイルを一覧できます）"
                        ),
                        Lang::En => format!(
                            "`{shown}` is in neither commit {base_short} (the base) nor {head_short} (the head): check the path, relative to the repository root (`git ls-tree -r --name-only {head_short}` lists a commit's files)"
                        ),
                    }
                )?;
                return Ok(Err(Exit::Error));
            }
        };
        let (base_path, head_path) = match paths {
            Ok((Some(b), Some(h))) => (b, h),
            Ok((None, _)) => {
                return not_in_commit(&rel, &base_at, Searched::Renames, lang, err).map(Err);
            }
            Ok((_, None)) => {
                // Renames were followed back from the base only if the head is older.
                let older = repo
                    .repository()
                    .graph_descendant_of(base, head)
                    .unwrap_or(false);
                let searched = if older {
                    Searched::Renames
                } else {
                    Searched::NotTheHeadPath
                };
                return not_in_commit(&rel, &head_at, searched, lang, err).map(Err);
            }
            Err(e) => return git_error(&e, lang, err).map(Err),
        };
        let old = match load_commit(&repo, base, &base_path, &base_at, lang, err)? {
            Ok(s) => s,
            Err(exit) => return Ok(Err(exit)),
        };
        let new = match load_commit(&repo, head, &head_path, &head_at, lang, err)? {
            Ok(s) => s,
            Err(exit) => return Ok(Err(exit)),
        };
        let rename = (base_path != head_path).then_some(Rename {
            from: base_path,
            to: head_path,
        });
        return Ok(Ok(RevSides { old, new, rename }));
    }

    // One revision: against the working tree.
    if repo.is_bare() {
        writeln!(
            err,
            "✗ {}",
            t(
                lang,
                "ベアリポジトリには作業ツリーがないため、1つのリビジョンとは比べられません。`--rev BASE..HEAD` で2つのリビジョンを指定してください",
                "a bare repository has no working tree to compare one revision with: give two revisions, `--rev BASE..HEAD`"
            )
        )?;
        return Ok(Err(Exit::Error));
    }
    let base = match repo.resolve(range.trim()) {
        Ok(id) => id,
        Err(e) => return git_error(&e, lang, err).map(Err),
    };
    let base_short = short_id(&repo, base);
    let base_at = Named {
        short: &base_short,
        side_ja: "比較元",
        side_en: "the base",
    };
    // The working tree's file is at `rel` in HEAD, unless it is new or renamed and not
    // yet committed: then it can only be found at `rel` in the base.
    let head = repo.resolve("HEAD").ok();
    let in_head = head.is_some_and(|h| matches!(repo.entry_id(h, &rel), Ok(Some(_))));
    let base_path = match head {
        Some(h) if in_head => path_at(&repo, h, base, &rel),
        _ => repo.entry_id(base, &rel).map(|e| e.map(|_| rel.clone())),
    };
    let base_path = match base_path {
        Ok(Some(p)) => p,
        Ok(None) => {
            let searched = if in_head {
                Searched::Renames
            } else {
                Searched::Path
            };
            return not_in_commit(&rel, &base_at, searched, lang, err).map(Err);
        }
        Err(e) => return git_error(&e, lang, err).map(Err),
    };
    let old = match load_commit(&repo, base, &base_path, &base_at, lang, err)? {
        Ok(s) => s,
        Err(exit) => return Ok(Err(exit)),
    };
    let label = path.to_string_lossy().replace('\\', "/");
    let loaded = kensa_manifest::load(path, &Limits::default());
    let rename = (base_path != rel).then_some(Rename {
        from: base_path,
        to: rel,
    });
    Ok(Ok(RevSides {
        old,
        new: Loading {
            label,
            loaded,
            from_git: false,
        },
        rename,
    }))
}

/// The two sides of `kensa diff --rev`, labelled and loaded, and the rename between them.
struct RevSides {
    old: Loading,
    new: Loading,
    rename: Option<Rename>,
}

pub fn run_diff(
    args: &DiffArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let Some(catalogue) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let judging = Judging {
        catalogue: &catalogue,
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        lang,
    };
    let (loaded, rename) = if let Some(range) = &args.rev {
        let [path] = args.paths.as_slice() else {
            writeln!(
                err,
                "✗ {}",
                t(
                    lang,
                    "--rev では、リポジトリ内のマニフェストのパスを1つだけ指定してください (例: kensa diff --rev main..HEAD manifests/clinic.yaml)",
                    "with --rev, give exactly one path: the manifest in the repository (e.g. kensa diff --rev main..HEAD manifests/clinic.yaml)"
                )
            )?;
            return Ok(Exit::Error);
        };
        match rev_sides(range, path, lang, err)? {
            Ok(s) => ([s.old, s.new], s.rename),
            Err(exit) => return Ok(exit),
        }
    } else {
        let [old_path, new_path] = args.paths.as_slice() else {
            writeln!(
                err,
                "✗ {}",
                t(
                    lang,
                    "比較する2つのマニフェスト (OLD NEW) か、--rev BASE..HEAD PATH を指定してください",
                    "give two manifests (OLD NEW), or --rev BASE..HEAD PATH"
                )
            )?;
            return Ok(Exit::Error);
        };
        let load = |path: &Path| Loading {
            label: path.to_string_lossy().replace('\\', "/"),
            loaded: kensa_manifest::load(path, &Limits::default()),
            from_git: false,
        };
        ([load(old_path), load(new_path)], None)
    };
    let [old, new] = loaded;
    let Some(old) = evaluate(old, &judging, err)? else {
        return Ok(Exit::Error);
    };
    let Some(new) = evaluate(new, &judging, err)? else {
        return Ok(Exit::Error);
    };
    let (Some(o), Some(n)) = (side(&old), side(&new)) else {
        return Ok(Exit::Error);
    };
    let mut d = diff(&o, &n);
    d.rename = rename;
    let fail_on = args.fail_on.threshold();
    let exit = if !new.report.complete() {
        Exit::Error
    } else if d.introduces(fail_on) {
        Exit::Findings
    } else {
        Exit::Success
    };
    let text = match args.format {
        DiffFormat::Text => kensa_report::diff::text(&d, lang),
        DiffFormat::Markdown => kensa_report::diff::markdown(&d, lang, fail_on),
        DiffFormat::Json => pretty_json(&d)?,
    };
    emit(
        text.as_bytes(),
        args.output.as_deref(),
        exit,
        lang,
        out,
        err,
    )
}

pub fn run_history(
    args: &HistoryArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let as_of = match args.as_of.as_deref() {
        None => AsOf::Date(chrono::Local::now().date_naive()),
        Some("commit") => AsOf::Commit,
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => AsOf::Date(d),
            Err(_) => {
                writeln!(
                    err,
                    "✗ --as-of {d}: {}",
                    t(
                        lang,
                        "YYYY-MM-DD の日付か commit を指定してください",
                        "give a date as YYYY-MM-DD, or `commit`"
                    )
                )?;
                return Ok(Exit::Error);
            }
        },
    };
    let Some(catalogue) = catalogue(&args.policies, lang, err)? else {
        return Ok(Exit::Error);
    };
    let (repo, rel) = match Repo::discover(&args.path) {
        Ok(r) => r,
        Err(e) => return git_error(&e, lang, err),
    };
    let from = match repo.resolve(&args.rev) {
        Ok(r) => r,
        Err(e) => return git_error(&e, lang, err),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(t(lang, "コミットを評価しています", "evaluating commits"));
        bar
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let timeline = match history(&repo, from, &rel, &catalogue, as_of, &mut progress) {
        Ok(t) => t,
        Err(e) => {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            return git_error(&e, lang, err);
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if timeline.entries.is_empty() {
        writeln!(
            err,
            "! {rel}: {}",
            t(
                lang,
                "このマニフェストを変更したコミットがありません",
                "no commit has changed this manifest"
            )
        )?;
    }
    let text = match args.format {
        HistoryFormat::Text => kensa_history::render::text(&timeline, lang),
        HistoryFormat::Json => pretty_json(&timeline)?,
        HistoryFormat::Csv => kensa_history::render::csv(&timeline, lang),
        HistoryFormat::Html => kensa_history::render::html(&timeline, lang),
    };
    emit(
        text.as_bytes(),
        args.output.as_deref(),
        Exit::Success,
        lang,
        out,
        err,
    )
}
