//! Loading a manifest: one YAML file, or a folder of them, into a validated [`Manifest`]
//! and every problem found on the way.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_saphyr::Spanned;

use crate::check::{self, FileTree};
use crate::limits::Limits;
use crate::manifest::Manifest;
use crate::model::ManifestFile;
use crate::problem::{Code, Problem, Text};
use crate::refs;
use crate::schema::{self, Seg};
use crate::source::{FileId, Origin, SourceSet, Span};
use crate::yaml::{self, Node};

/// The result of loading a manifest.
#[derive(Debug)]
pub struct Loaded {
    /// Every file read, for rendering problems and findings.
    pub sources: SourceSet,
    /// The manifest, when it has no problem.
    pub manifest: Option<Manifest>,
    /// Every problem, in file and position order.
    pub problems: Vec<Problem>,
}

impl Loaded {
    /// Whether the manifest is valid.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.manifest.is_some()
    }
}

/// A file that was read and passed the schema.
pub(crate) struct ParsedFile {
    pub file: FileId,
    pub root: Spanned<Node>,
    pub model: ManifestFile,
}

/// Loads the manifest at `path`: a YAML file, or a folder whose `.yaml`/`.yml` files
/// (recursively, hidden ones excluded) together describe one institution. Anything that
/// is not a folder (a pipe such as `/dev/fd/63`, a device) is read as one file, within
/// the same size limit.
#[must_use]
pub fn load(path: &Path, limits: &Limits) -> Loaded {
    let mut sources = SourceSet::default();
    let mut problems = Vec::new();

    let files = match list_files(path, limits) {
        Ok(files) => files,
        Err(e) => {
            let (code, message, help, at) = *e;
            let file = sources.add(display(&at), Arc::from(""));
            problems.push(Problem::new(code, Origin { file, span: None }, message).help(help));
            return Loaded {
                sources,
                manifest: None,
                problems,
            };
        }
    };

    let paths: Vec<(String, std::path::PathBuf)> =
        files.into_iter().map(|f| (display(&f), f)).collect();
    read_all(sources, problems, paths, limits, read_file)
}

/// Reads, decodes and parses each file, then checks and merges them. `read` gives a
/// file's bytes (from disk, or from memory).
fn read_all<T>(
    mut sources: SourceSet,
    mut problems: Vec<Problem>,
    files: Vec<(String, T)>,
    limits: &Limits,
    mut read: impl FnMut(T, FileId, &Limits) -> Result<Vec<u8>, ReadError>,
) -> Loaded {
    let mut parsed = Vec::new();
    let mut total: u64 = 0;
    let mut all_clean = true;
    // The node budget is the manifest's, not each file's: each file gets what the files
    // before it left, so a folder of files cannot multiply it.
    let mut budget = limits.clone();
    for (name, what) in files {
        let file = sources.add(name, Arc::from(""));
        match read(what, file, limits).and_then(|bytes| sized(bytes, file, limits, &mut total)) {
            Ok(text) => {
                sources.set_text(file, Arc::clone(&text));
                match parse_file(&text, file, &budget) {
                    Ok(p) => {
                        budget.max_nodes = budget.max_nodes.saturating_sub(count_nodes(&p.root));
                        parsed.push(p);
                    }
                    Err(mut found) => {
                        all_clean = false;
                        problems.append(&mut found);
                    }
                }
            }
            Err(problem) => {
                all_clean = false;
                let (problem, text) = *problem;
                if let Some(text) = &text {
                    sources.set_text(file, Arc::clone(text));
                }
                problems.push(problem);
            }
        }
    }
    finish(sources, parsed, all_clean, problems)
}

/// The values of a node tree, as the reader's budget counts them: every node and every key.
fn count_nodes(node: &Spanned<Node>) -> usize {
    match &node.value {
        Node::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Node::Map(entries) => {
            1 + entries
                .iter()
                .map(|(_, v)| 1 + count_nodes(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// Cross-file checks and the merge; problems in file and position order.
fn finish(
    sources: SourceSet,
    parsed: Vec<ParsedFile>,
    all_clean: bool,
    mut problems: Vec<Problem>,
) -> Loaded {
    let manifest = refs::check_and_merge(&sources, parsed, all_clean, &mut problems);
    problems.sort_by_key(|p| (p.at, p.code));
    problems.dedup();
    let manifest = if problems.is_empty() { manifest } else { None };
    Loaded {
        sources,
        manifest,
        problems,
    }
}

/// Loads a manifest from files already in memory (e.g. read from git objects): each
/// `(path, bytes)` is one YAML file of the manifest, held to the same limits and checks as
/// files on disk. An empty list is the same problem as a folder without YAML files.
#[must_use]
pub fn load_bytes(label: &str, files: Vec<(String, Vec<u8>)>, limits: &Limits) -> Loaded {
    let mut sources = SourceSet::default();
    let mut problems = Vec::new();
    if files.is_empty() {
        let file = sources.add(label.to_owned(), Arc::from(""));
        problems.push(Problem::new(
            Code::NoManifestFiles,
            Origin { file, span: None },
            Text::new(
                format!("`{label}` に YAML ファイル（.yaml / .yml）がありません"),
                format!("`{label}` has no YAML file (.yaml / .yml)"),
            ),
        ));
        return Loaded {
            sources,
            manifest: None,
            problems,
        };
    }
    let mut files = files;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    read_all(sources, problems, files, limits, |bytes, _, _| Ok(bytes))
}

/// Loads a manifest from text, as if read from a file at `path` (used by `kensa init`
/// and by tests).
#[must_use]
pub fn load_str(path: &str, text: &str, limits: &Limits) -> Loaded {
    let mut sources = SourceSet::default();
    let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(text));
    let file = sources.add(path.to_owned(), Arc::clone(&text));
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    match parse_file(&text, file, limits) {
        Ok(p) => parsed.push(p),
        Err(mut found) => problems.append(&mut found),
    }
    let all_clean = problems.is_empty();
    finish(sources, parsed, all_clean, problems)
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Why a manifest's files cannot be listed: the code, the message, what to do, and the
/// path it is about.
type ListError = Box<(Code, Text, Text, PathBuf)>;

fn list_files(path: &Path, limits: &Limits) -> Result<Vec<PathBuf>, ListError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Box::new((
            Code::Unreadable,
            Text::new(
                format!("`{}` を読めません: {}", display(path), io_reason_ja(&e)),
                format!("cannot read `{}`: {e}", display(path)),
            ),
            Text::new(
                "マニフェストのファイルまたはフォルダのパスを指定してください",
                "give the path of a manifest file or folder",
            ),
            path.to_path_buf(),
        ))
    })?;
    // Anything but a folder is one file: a regular file, and also a pipe or a character
    // device (`kensa diff <(git show HEAD:m.yaml) m.yaml` passes `/dev/fd/N`). Reading
    // stops one byte past the size limit, so an endless stream is refused, not read.
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let unreadable = |dir: &Path, e: &std::io::Error| -> ListError {
        Box::new((
            Code::Unreadable,
            Text::new(
                format!(
                    "フォルダ `{}` を読めません: {}",
                    display(dir),
                    io_reason_ja(e)
                ),
                format!("cannot read the folder `{}`: {e}", display(dir)),
            ),
            Text::new(
                "読み取り権限を確認してください",
                "check that the folder can be read",
            ),
            dir.to_path_buf(),
        ))
    };
    let root = std::fs::canonicalize(path).map_err(|e| unreadable(path, &e))?;
    collect_yaml(&root, path, &mut files, limits, &unreadable)?;
    if files.len() > limits.max_files {
        return Err(Box::new((
            Code::TooManyFiles,
            Text::new(
                format!(
                    "フォルダ `{}` の YAML ファイルが多すぎます（上限 {} 個）",
                    display(path),
                    limits.max_files
                ),
                format!(
                    "the folder `{}` holds too many YAML files (limit: {})",
                    display(path),
                    limits.max_files
                ),
            ),
            Text::new(
                "1つの医療機関を記述するファイルだけを1つのフォルダに置いてください",
                "keep only the files that describe one institution in one folder",
            ),
            path.to_path_buf(),
        )));
    }
    if files.is_empty() {
        return Err(Box::new((
            Code::NoManifestFiles,
            Text::new(
                format!(
                    "フォルダ `{}` に YAML ファイル（.yaml / .yml）がありません",
                    display(path)
                ),
                format!(
                    "the folder `{}` has no YAML file (.yaml / .yml)",
                    display(path)
                ),
            ),
            Text::new(
                "`kensa init` でひな型を作成できます",
                "`kensa init` writes a starting manifest",
            ),
            path.to_path_buf(),
        )));
    }
    files.sort();
    Ok(files)
}

/// Collects the `.yaml`/`.yml` files under `dir`, in name order, skipping hidden entries.
/// `root` is the manifest folder, resolved. A symbolic link is read only when it leads to
/// a file inside the manifest folder; one that leads outside it, to a folder, in a loop or
/// (for a YAML name) nowhere is an error, and so is a YAML name on a pipe or a device,
/// which would block or never end.
fn collect_yaml(
    root: &Path,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    limits: &Limits,
    unreadable: &impl Fn(&Path, &std::io::Error) -> ListError,
) -> Result<(), ListError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .and_then(|d| d.collect::<Result<Vec<_>, _>>())
        .map_err(|e| unreadable(dir, &e))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| unreadable(&path, &e))?;
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if kind.is_symlink() {
            if let Some(p) = followed_link(root, &path, yaml)? {
                out.push(p);
            }
        } else if kind.is_dir() {
            collect_yaml(root, &path, out, limits, unreadable)?;
        } else if yaml && kind.is_file() {
            out.push(path);
        } else if yaml {
            return Err(not_a_file(&path));
        }
        if out.len() > limits.max_files {
            return Ok(());
        }
    }
    Ok(())
}

/// The symbolic link at `link`, if it is to be read: `Some` for a YAML name that leads to
/// a file inside `root`, `None` for a link kensa has no reason to read (another name that
/// leads to a file or nowhere), an error otherwise.
fn followed_link(root: &Path, link: &Path, yaml: bool) -> Result<Option<PathBuf>, ListError> {
    let target = std::fs::read_link(link)
        .map_or_else(|_| "?".to_owned(), |t| t.to_string_lossy().into_owned());
    let problem = |ja: String, en: String, help: Text| {
        Err(Box::new((
            Code::Symlink,
            Text::new(ja, en),
            help,
            link.to_path_buf(),
        )))
    };
    let resolved = match std::fs::canonicalize(link) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !yaml => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return problem(
                format!(
                    "シンボリックリンク `{}` の先 `{target}` がありません",
                    display(link)
                ),
                format!(
                    "the symbolic link `{}` leads to `{target}`, which does not exist",
                    display(link)
                ),
                Text::new(
                    "リンクを削除するか、正しい先を指してください",
                    "remove the link or point it at the right file",
                ),
            );
        }
        Err(_) => {
            return problem(
                format!(
                    "シンボリックリンク `{}` (→ `{target}`) はループしています",
                    display(link)
                ),
                format!(
                    "the symbolic link `{}` (→ `{target}`) is a loop",
                    display(link)
                ),
                Text::new("リンクを削除してください", "remove the link"),
            );
        }
    };
    let inside = resolved.starts_with(root);
    if resolved.is_dir() {
        let looped = root.starts_with(&resolved);
        return problem(
            format!(
                "シンボリックリンク `{}` はフォルダ `{target}` を指しています{}。kensa はフォルダへのリンクをたどりません",
                display(link),
                if looped {
                    " (自身を含むフォルダへのループ)"
                } else if inside {
                    ""
                } else {
                    " (マニフェストのフォルダの外)"
                }
            ),
            format!(
                "the symbolic link `{}` leads to the folder `{target}`{}; kensa does not follow links to folders",
                display(link),
                if looped {
                    " (a loop: it holds the link)"
                } else if inside {
                    ""
                } else {
                    ", outside the manifest folder"
                }
            ),
            Text::new(
                "マニフェストのファイルはフォルダの中に直接置いてください",
                "put the manifest's files in its folder itself",
            ),
        );
    }
    if !yaml {
        return Ok(None);
    }
    if !inside {
        return problem(
            format!(
                "シンボリックリンク `{}` はマニフェストのフォルダの外 `{target}` を指しています。外のファイルは読みません",
                display(link)
            ),
            format!(
                "the symbolic link `{}` leads to `{target}`, outside the manifest folder; kensa does not read files outside it",
                display(link)
            ),
            Text::new(
                "ファイルをマニフェストのフォルダにコピーするか、リンクを削除してください",
                "copy the file into the manifest folder, or remove the link",
            ),
        );
    }
    if !resolved.is_file() {
        return Err(not_a_file(link));
    }
    Ok(Some(link.to_path_buf()))
}

fn not_a_file(path: &Path) -> ListError {
    Box::new((
        Code::NotAFile,
        Text::new(
            format!(
                "`{}` は通常のファイルではありません (パイプやデバイス)",
                display(path)
            ),
            format!(
                "`{}` is not a regular file (a pipe or a device)",
                display(path)
            ),
        ),
        Text::new(
            "マニフェストのフォルダには YAML ファイルだけを置いてください",
            "keep only YAML files in a manifest folder",
        ),
        path.to_path_buf(),
    ))
}

fn io_reason_ja(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "見つかりません",
        std::io::ErrorKind::PermissionDenied => "読み取り権限がありません",
        _ => "読み込みに失敗しました",
    }
}

/// A problem reading a file, with the text when there is some to show.
type ReadError = Box<(Problem, Option<Arc<str>>)>;

fn read_file(
    path: std::path::PathBuf,
    file: FileId,
    limits: &Limits,
) -> Result<Vec<u8>, ReadError> {
    let path = path.as_path();
    let no_span = Origin { file, span: None };
    let unreadable = |e: &std::io::Error| {
        Box::new((
            Problem::new(
                Code::Unreadable,
                no_span,
                Text::new(
                    format!("`{}` を読めません: {}", display(path), io_reason_ja(e)),
                    format!("cannot read `{}`: {e}", display(path)),
                ),
            ),
            None,
        ))
    };
    let handle = File::open(path).map_err(|e| unreadable(&e))?;
    let mut bytes = Vec::new();
    handle
        .take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&e))?;
    Ok(bytes)
}

/// Holds a file's bytes to the size limits, then decodes them.
fn sized(
    bytes: Vec<u8>,
    file: FileId,
    limits: &Limits,
    total: &mut u64,
) -> Result<Arc<str>, ReadError> {
    let no_span = Origin { file, span: None };
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(Box::new((
            too_large(no_span, limits.max_file_bytes, "ファイル", "file"),
            None,
        )));
    }
    *total += size;
    if *total > limits.max_total_bytes {
        return Err(Box::new((
            too_large(
                no_span,
                limits.max_total_bytes,
                "マニフェスト全体",
                "manifest",
            ),
            None,
        )));
    }
    decode(bytes, file)
}

fn too_large(at: Origin, limit: u64, ja: &str, en: &str) -> Problem {
    let mib = limit / (1024 * 1024);
    Problem::new(
        Code::TooLarge,
        at,
        Text::new(
            format!("{ja}が大きすぎます（上限 {mib} MiB）"),
            format!("the {en} is too large (limit: {mib} MiB)"),
        ),
    )
    .help(Text::new(
        "アカウントや資産は別ファイルに分けられます（フォルダ形式のマニフェスト）",
        "accounts and assets can be split into several files of a manifest folder",
    ))
}

fn decode(mut bytes: Vec<u8>, file: FileId) -> Result<Arc<str>, ReadError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Box::new((
            Problem::new(
                Code::Encoding,
                Origin { file, span: None },
                Text::new(
                    "ファイルが UTF-16 で保存されています",
                    "the file is encoded in UTF-16",
                ),
            )
            .help(Text::new(
                "UTF-8 で保存し直してください",
                "save it as UTF-8",
            )),
            None,
        )));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        // A UTF-8 byte-order mark (as some Windows editors write) carries no content.
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text: Arc<str> = Arc::from(String::from_utf8_lossy(e.as_bytes()).into_owned());
            let span = Span::at(&text, valid, 1);
            Err(Box::new((
                Problem::new(
                    Code::Encoding,
                    Origin {
                        file,
                        span: Some(span),
                    },
                    Text::new(
                        "UTF-8 として読めないバイトがあります",
                        "the file is not valid UTF-8",
                    ),
                )
                .label(Text::new("UTF-8 ではない", "not UTF-8"))
                .help(Text::new(
                    "Shift_JIS などで保存されていませんか。UTF-8 で保存し直してください",
                    "it may be Shift_JIS or another encoding; save it as UTF-8",
                )),
                Some(text),
            )))
        }
    }
}

/// Parses one file and checks it against the schema.
pub(crate) fn parse_file(
    text: &str,
    file: FileId,
    limits: &Limits,
) -> Result<ParsedFile, Vec<Problem>> {
    let root = yaml::parse(text, file, limits).map_err(|p| vec![*p])?;
    let tree = FileTree {
        file,
        text,
        root: &root,
    };
    let json = check::to_json(&tree, &root, Some(schema::manifest_schema()));
    let mut problems = check::unsafe_text(&tree);
    problems.extend(check::check(&tree, &json));
    if !problems.is_empty() {
        return Err(problems);
    }
    match serde_json::from_value::<ManifestFile>(json) {
        Ok(mut model) => {
            set_origins(&tree, &mut model);
            Ok(ParsedFile { file, root, model })
        }
        Err(e) => Err(vec![Problem::new(
            Code::Syntax,
            Origin {
                file,
                span: Some(check::file_start(text)),
            },
            Text::new(
                format!("内部エラー: スキーマに合うのに読み込めません: {e}"),
                format!("internal error: valid by the schema but not readable: {e}"),
            ),
        )]),
    }
}

fn set_origins(tree: &FileTree<'_>, m: &mut ManifestFile) {
    each_origin(m, |section, index, origin| {
        *origin = match index {
            Some(i) => tree.origin(&[Seg::Key(section.to_owned()), Seg::Index(i)]),
            None => tree.origin(&[Seg::Key(section.to_owned())]),
        };
    });
}

/// Calls `f` with every origin of `m`: its section, its index in a list section (`None`
/// for `institution` and `documents`) and the origin itself.
pub(crate) fn each_origin(
    m: &mut ManifestFile,
    mut f: impl FnMut(&str, Option<usize>, &mut Origin),
) {
    fn each<T>(
        section: &str,
        items: &mut [T],
        origin: impl Fn(&mut T) -> &mut Origin,
        f: &mut impl FnMut(&str, Option<usize>, &mut Origin),
    ) {
        for (i, item) in items.iter_mut().enumerate() {
            f(section, Some(i), origin(item));
        }
    }
    if let Some(inst) = &mut m.institution {
        f("institution", None, &mut inst.origin);
    }
    if let Some(docs) = &mut m.documents {
        f("documents", None, &mut docs.origin);
    }
    each("people", &mut m.people, |x| &mut x.origin, &mut f);
    each("roles", &mut m.roles, |x| &mut x.origin, &mut f);
    each("systems", &mut m.systems, |x| &mut x.origin, &mut f);
    each("assets", &mut m.assets, |x| &mut x.origin, &mut f);
    each("networks", &mut m.networks, |x| &mut x.origin, &mut f);
    each("connections", &mut m.connections, |x| &mut x.origin, &mut f);
    each("accounts", &mut m.accounts, |x| &mut x.origin, &mut f);
    each(
        "access_matrix",
        &mut m.access_matrix,
        |x| &mut x.origin,
        &mut f,
    );
    each("vendors", &mut m.vendors, |x| &mut x.origin, &mut f);
    each("contracts", &mut m.contracts, |x| &mut x.origin, &mut f);
    each("backups", &mut m.backups, |x| &mut x.origin, &mut f);
    each("exceptions", &mut m.exceptions, |x| &mut x.origin, &mut f);
}
