//! Checking one file against the JSON Schema, reporting every error with its place.
//!
//! The node tree is turned into JSON under the guidance of the schema (a number written
//! where a string is expected keeps its text, so `os_version: 1.10` stays `"1.10"`), then
//! validated by the `jsonschema` crate; each error is located back in the YAML and given a
//! message in Japanese and English.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Number, Value};
use serde_saphyr::Spanned;

use crate::problem::{Code, Problem, Text};
use crate::schema::{self, Seg};
use crate::source::{FileId, Origin, Span};
use crate::yaml::{Node, span_of};

fn validator() -> Option<&'static Validator> {
    static VALIDATOR: OnceLock<Option<Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            jsonschema::options()
                .with_draft(Draft::Draft7)
                .should_validate_formats(true)
                .build(schema::manifest_schema())
                .ok()
        })
        .as_ref()
}

/// One parsed file, with what is needed to point into it.
pub(crate) struct FileTree<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub root: &'a Spanned<Node>,
}

impl FileTree<'_> {
    /// The node at `path`.
    pub fn node(&self, path: &[Seg]) -> Option<&Spanned<Node>> {
        let mut current = self.root;
        for seg in path {
            current = match (seg, &current.value) {
                (Seg::Key(k), Node::Map(entries)) => {
                    &entries.iter().find(|(key, _)| &key.value == k)?.1
                }
                (Seg::Index(i), Node::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Where the value at `path` was written; for a missing value, the closest parent.
    pub fn origin(&self, path: &[Seg]) -> Origin {
        for len in (0..=path.len()).rev() {
            if let Some(node) = self.node(&path[..len]) {
                return Origin {
                    file: self.file,
                    span: span_of(self.text, &node.referenced),
                };
            }
        }
        Origin {
            file: self.file,
            span: None,
        }
    }

    /// Where the key of the last step of `path` was written (falls back to the value).
    pub fn key_origin(&self, path: &[Seg]) -> Origin {
        if let Some((Seg::Key(k), parent)) = path.split_last()
            && let Some(node) = self.node(parent)
            && let Some(key) = node.value.key(k)
        {
            return Origin {
                file: self.file,
                span: span_of(self.text, &key.referenced),
            };
        }
        self.origin(path)
    }

    /// The source text of a node.
    fn source_text(&self, node: &Spanned<Node>) -> Option<&str> {
        let span = node.referenced.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let end = start.checked_add(usize::try_from(span.byte_len()?).ok()?)?;
        self.text.get(start..end)
    }
}

/// Turns the tree into JSON. Where the schema wants a string and the YAML has a plain
/// number or boolean, the text as written is kept, so nothing is silently reinterpreted.
pub(crate) fn to_json(tree: &FileTree<'_>, node: &Spanned<Node>, schema: Option<&Value>) -> Value {
    let schema = schema.map(schema::resolve);
    let wants_string = schema.is_some_and(schema::expects_string);
    match &node.value {
        Node::Null => Value::Null,
        Node::Str(s) => Value::String(s.clone()),
        Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) if wants_string => {
            match tree.source_text(node) {
                Some(text) => Value::String(text.to_owned()),
                None => scalar_json(&node.value),
            }
        }
        Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) => scalar_json(&node.value),
        Node::Seq(items) => {
            let item_schema = schema.and_then(|s| s.get("items"));
            Value::Array(
                items
                    .iter()
                    .map(|i| to_json(tree, i, item_schema))
                    .collect(),
            )
        }
        Node::Map(entries) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (key, value) in entries {
                let child = schema.and_then(|s| schema::child(s, &Seg::Key(key.value.clone())));
                map.insert(key.value.clone(), to_json(tree, value, child));
            }
            Value::Object(map)
        }
    }
}

fn scalar_json(node: &Node) -> Value {
    match node {
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::Number((*i).into()),
        Node::UInt(u) => Value::Number((*u).into()),
        // Non-finite numbers have no JSON form; as text they fail the type check visibly.
        Node::Float(f) => {
            Number::from_f64(*f).map_or_else(|| Value::String(f.to_string()), Value::Number)
        }
        _ => Value::Null,
    }
}

/// Validates the JSON form of a file against the schema and reports every error.
pub(crate) fn check(tree: &FileTree<'_>, json: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    match validator() {
        Some(validator) => {
            for error in validator.iter_errors(json) {
                report(tree, &error, &mut problems);
            }
        }
        None => problems.push(Problem::new(
            Code::Syntax,
            tree.origin(&[]),
            Text::new(
                "内部エラー: マニフェストのスキーマを読み込めません",
                "internal error: the manifest schema could not be compiled",
            ),
        )),
    }
    problems
}

/// Keys and text values with a control character or a bidirectional formatting character
/// ([`crate::problem::is_unsafe_char`]). No field needs one, and such a character makes
/// what a reviewer sees differ from what kensa reads (`"a\u202eb"` shows as `ab` reversed),
/// so each is an error at its place.
pub(crate) fn unsafe_text(tree: &FileTree<'_>) -> Vec<Problem> {
    fn walk(
        tree: &FileTree<'_>,
        node: &Spanned<Node>,
        path: &mut Vec<Seg>,
        out: &mut Vec<Problem>,
    ) {
        match &node.value {
            Node::Str(s) => flag(tree, s, &node.referenced, path, false, out),
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(tree, item, path, out);
                    path.pop();
                }
            }
            Node::Map(entries) => {
                for (k, v) in entries {
                    path.push(Seg::Key(k.value.clone()));
                    flag(tree, &k.value, &k.referenced, path, true, out);
                    walk(tree, v, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    fn flag(
        tree: &FileTree<'_>,
        text: &str,
        at: &serde_saphyr::Location,
        path: &[Seg],
        key: bool,
        out: &mut Vec<Problem>,
    ) {
        let Some(c) = text.chars().find(|c| crate::problem::is_unsafe_char(*c)) else {
            return;
        };
        let here = display_path(path);
        let code = format!("U+{:04X}", u32::from(c));
        let (name_ja, name_en) = match c {
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061c}'
            | '\u{200e}'
            | '\u{200f}' => (
                "双方向テキストの制御文字",
                "bidirectional formatting character",
            ),
            _ => ("制御文字", "control character"),
        };
        let (what_ja, what_en) = if key {
            (format!("キー `{here}`"), format!("the key `{here}`"))
        } else {
            (format!("`{here}` の値"), format!("the value of `{here}`"))
        };
        out.push(
            Problem::new(
                Code::ControlCharacter,
                Origin {
                    file: tree.file,
                    span: span_of(tree.text, at),
                },
                Text::new(
                    format!("{what_ja}に見えない{name_ja} {code} があります"),
                    format!("{what_en} contains the invisible {name_en} {code}"),
                ),
            )
            .label(Text::new(name_ja, name_en))
            .help(Text::new(
                "表示と実際の内容が食い違うため使えません。文字を削除してください (コピー＆ペーストで混入することがあります)",
                "it makes what is shown differ from what is read, so it is not allowed; delete it (it often comes in with copy and paste)",
            )),
        );
    }
    let mut out = Vec::new();
    walk(tree, tree.root, &mut Vec::new(), &mut out);
    out
}

fn path_of(error: &ValidationError<'_>) -> Vec<Seg> {
    error
        .instance_path()
        .iter()
        .map(|seg| match seg {
            LocationSegment::Property(p) => Seg::Key(p.into_owned()),
            LocationSegment::Index(i) => Seg::Index(i),
        })
        .collect()
}

/// `systems[0].authentication`, or `(top level)`.
pub(crate) fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        out.push_str("(top level)");
    }
    out
}

fn field_name(path: &[Seg]) -> String {
    match path.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k.clone()),
        Seg::Index(_) => None,
    }) {
        Some(k) => k,
        None => "(top level)".to_owned(),
    }
}

fn list(values: &[&str]) -> String {
    let shown: Vec<String> = values.iter().take(16).map(|v| format!("`{v}`")).collect();
    let mut out = shown.join(", ");
    if values.len() > 16 {
        out.push_str(", …");
    }
    out
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

const YAML11_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF", "True", "TRUE", "False", "FALSE",
];

#[expect(clippy::too_many_lines, reason = "one arm per kind of schema error")]
fn report(tree: &FileTree<'_>, error: &ValidationError<'_>, out: &mut Vec<Problem>) {
    let path = path_of(error);
    let here = display_path(&path);
    let schema_here = schema::at(schema::manifest_schema(), &path);
    let node = tree.node(&path);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = schema_here.map(schema::property_names).unwrap_or_default();
            for key in unexpected {
                let mut key_path = path.clone();
                key_path.push(Seg::Key(key.clone()));
                let mut problem = Problem::new(
                    Code::UnknownField,
                    tree.key_origin(&key_path),
                    Text::new(
                        format!("`{here}` に不明なフィールド `{key}` があります"),
                        format!("unknown field `{key}` in `{here}`"),
                    ),
                )
                .label(Text::new("不明なフィールド", "unknown field"));
                problem = match schema::did_you_mean(key, &allowed) {
                    Some(s) => problem.help(Text::new(
                        format!("`{s}` のことですか？"),
                        format!("did you mean `{s}`?"),
                    )),
                    None => problem.help(Text::new(
                        format!("使えるフィールド: {}", list(&allowed)),
                        format!("expected one of: {}", list(&allowed)),
                    )),
                };
                out.push(problem);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let origin = tree.origin(&path);
            if path.is_empty() && name == "apiVersion" {
                out.push(
                    Problem::new(
                        Code::ApiVersion,
                        origin,
                        Text::new("`apiVersion` がありません", "`apiVersion` is missing"),
                    )
                    .label(Text::new("ここに追加", "add it here"))
                    .help(Text::new(
                        "ファイルの先頭に `apiVersion: kensa/v1` を書いてください",
                        "start the file with `apiVersion: kensa/v1`",
                    )),
                );
                return;
            }
            let description = schema_here
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.get(name))
                .map(schema::resolve)
                .and_then(|s| s.get("description"))
                .and_then(Value::as_str)
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "));
            let mut problem = Problem::new(
                Code::MissingField,
                origin,
                Text::new(
                    format!("`{here}` に必須フィールド `{name}` がありません"),
                    format!("missing required field `{name}` in `{here}`"),
                ),
            )
            .label(Text::new(
                format!("`{name}` が必要"),
                format!("needs `{name}`"),
            ));
            if let Some(d) = description {
                problem = problem.help(Text::new(
                    format!("`{name}`: {d}"),
                    format!("`{name}`: {d}"),
                ));
            }
            out.push(problem);
        }
        ValidationErrorKind::Type { kind } => {
            let expected = expected_type(kind);
            let found = node.map_or(("値", "a value"), |n| n.value.type_name());
            let mut problem = Problem::new(
                Code::WrongType,
                tree.origin(&path),
                Text::new(
                    format!(
                        "`{here}` には{}が必要ですが、{}が書かれています",
                        expected.0, found.0
                    ),
                    format!("`{here}` must be {}, found {}", expected.1, found.1),
                ),
            )
            .label(Text::new(
                format!("{}が必要", expected.0),
                format!("expected {}", expected.1),
            ));
            if let Some(help) = type_help(node.map(|n| &n.value), expected.1) {
                problem = problem.help(help);
            }
            out.push(problem);
        }
        ValidationErrorKind::Constant { expected_value } => {
            let is_api = path == [Seg::Key("apiVersion".to_owned())];
            let problem = Problem::new(
                if is_api {
                    Code::ApiVersion
                } else {
                    Code::InvalidValue
                },
                tree.origin(&path),
                Text::new(
                    format!("`{here}` の値 {} は使えません", describe(error.instance())),
                    format!(
                        "unsupported value {} for `{here}`",
                        describe(error.instance())
                    ),
                ),
            )
            .label(Text::new(
                format!("{} が必要", describe(expected_value)),
                format!("expected {}", describe(expected_value)),
            ))
            .help(Text::new(
                format!("{} と書いてください", describe(expected_value)),
                format!("write {}", describe(expected_value)),
            ));
            out.push(problem);
        }
        ValidationErrorKind::Enum { .. }
        | ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::AnyOf { .. }
            if schema_here.is_some_and(|s| !schema::enum_values(s).is_empty()) =>
        {
            let allowed = schema_here.map(schema::enum_values).unwrap_or_default();
            out.push(invalid_value(tree, &path, error.instance(), &allowed));
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Report the branch that came closest: the one with the fewest errors.
            match context
                .iter()
                .filter(|c| !c.is_empty())
                .min_by_key(|c| c.len())
            {
                Some(best) => {
                    for e in best {
                        report(tree, e, out);
                    }
                }
                None => out.push(generic(tree, &path, error)),
            }
        }
        ValidationErrorKind::Format { format } if format == "date" => {
            out.push(
                Problem::new(
                    Code::InvalidDate,
                    tree.origin(&path),
                    Text::new(
                        format!(
                            "`{here}` の {} は正しい日付ではありません",
                            describe(error.instance())
                        ),
                        format!(
                            "{} in `{here}` is not a valid date",
                            describe(error.instance())
                        ),
                    ),
                )
                .label(Text::new("日付ではない", "not a date"))
                .help(Text::new(
                    "実在する日付を YYYY-MM-DD の形で書いてください（例: 2026-04-01）",
                    "write a real calendar date as YYYY-MM-DD (e.g. 2026-04-01)",
                )),
            );
        }
        ValidationErrorKind::Pattern { pattern } => {
            let is_id = pattern.contains("[A-Za-z0-9._-]{0,127}$") && !pattern.contains('|');
            let (help_ja, help_en) = if is_id {
                (
                    "識別子は英数字と `.` `_` `-` だけで、英数字から始めてください（日本語の名前は `name` に書きます）".to_owned(),
                    "identifiers use ASCII letters, digits, `.`, `_` and `-`, starting with a letter or digit (put Japanese names in `name`)".to_owned(),
                )
            } else if field_name(&path) == "target" {
                (
                    "`asset/pc-1` のように `種類/id` で、または `institution` と書いてください"
                        .to_owned(),
                    "write `kind/id`, such as `asset/pc-1`, or `institution`".to_owned(),
                )
            } else {
                (
                    format!("形式: `{pattern}`"),
                    format!("expected the form `{pattern}`"),
                )
            };
            out.push(
                Problem::new(
                    Code::InvalidValue,
                    tree.origin(&path),
                    Text::new(
                        format!(
                            "`{here}` の {} は形式が正しくありません",
                            describe(error.instance())
                        ),
                        format!(
                            "{} is not a valid `{}`",
                            describe(error.instance()),
                            field_name(&path)
                        ),
                    ),
                )
                .label(Text::new("形式が違う", "wrong form"))
                .help(Text::new(help_ja, help_en)),
            );
        }
        _ => out.push(generic(tree, &path, error)),
    }
}

fn invalid_value(tree: &FileTree<'_>, path: &[Seg], instance: &Value, allowed: &[&str]) -> Problem {
    let here = display_path(path);
    let problem = Problem::new(
        Code::InvalidValue,
        tree.origin(path),
        Text::new(
            format!("{} は `{here}` に使えない値です", describe(instance)),
            format!("{} is not a valid value for `{here}`", describe(instance)),
        ),
    )
    .label(Text::new("使えない値", "invalid value"));
    let suggestion = instance
        .as_str()
        .and_then(|s| schema::did_you_mean(s, allowed));
    match suggestion {
        Some(s) => problem.help(Text::new(
            format!("`{s}` のことですか？ 使える値: {}", list(allowed)),
            format!("did you mean `{s}`? expected one of: {}", list(allowed)),
        )),
        None => problem.help(Text::new(
            format!("使える値: {}", list(allowed)),
            format!("expected one of: {}", list(allowed)),
        )),
    }
}

fn generic(tree: &FileTree<'_>, path: &[Seg], error: &ValidationError<'_>) -> Problem {
    let here = display_path(path);
    let detail = error.to_string();
    Problem::new(
        Code::InvalidValue,
        tree.origin(path),
        Text::new(
            format!("`{here}` の値が正しくありません: {detail}"),
            format!("invalid value in `{here}`: {detail}"),
        ),
    )
}

fn expected_type(kind: &TypeKind) -> (String, String) {
    let names = |t: &str| match t {
        "boolean" => ("真偽値（true/false）", "a boolean (true or false)"),
        "integer" => ("整数", "an integer"),
        "number" => ("数値", "a number"),
        "string" => ("文字列", "a string"),
        "array" => ("リスト", "a list"),
        "object" => ("マッピング", "a mapping"),
        "null" => ("null", "null"),
        _ => ("値", "a value"),
    };
    match kind {
        TypeKind::Single(t) => {
            let (ja, en) = names(&t.to_string());
            (ja.to_owned(), en.to_owned())
        }
        TypeKind::Multiple(set) => {
            let all: Vec<(&str, &str)> = set.iter().map(|t| names(&t.to_string())).collect();
            (
                all.iter()
                    .map(|(j, _)| *j)
                    .collect::<Vec<_>>()
                    .join("または"),
                all.iter().map(|(_, e)| *e).collect::<Vec<_>>().join(" or "),
            )
        }
    }
}

fn type_help(node: Option<&Node>, expected_en: String) -> Option<Text> {
    let node = node?;
    match node {
        Node::Str(s)
            if expected_en.starts_with("a boolean") && YAML11_BOOLEANS.contains(&s.as_str()) =>
        {
            Some(Text::new(
                format!(
                    "YAML 1.1 では `{s}` が真偽値になりますが、kensa は YAML 1.2 に従い `true` と `false` だけを真偽値とします。意図した値を `true` か `false` で書いてください"
                ),
                format!(
                    "YAML 1.1 reads `{s}` as a boolean; kensa follows YAML 1.2, where only `true` and `false` are booleans, so nothing is guessed. Write `true` or `false`"
                ),
            ))
        }
        Node::Str(s)
            if (expected_en.starts_with("an integer") || expected_en.starts_with("a number"))
                && s.trim().parse::<f64>().is_ok() =>
        {
            Some(Text::new(
                "数値を引用符で囲まずに書いてください",
                "write the number without quotes",
            ))
        }
        Node::Null => Some(Text::new(
            "値が空です。値を書くか、この行を削除してください",
            "the value is empty: write a value or remove the line",
        )),
        Node::Str(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) | Node::Bool(_)
            if expected_en == "a list" =>
        {
            Some(Text::new(
                "1つだけでもリストで書いてください（例: `[ehr]`）",
                "write a list even for one item (e.g. `[ehr]`)",
            ))
        }
        _ => None,
    }
}

/// A span for a point at the start of the file (used when nothing better is known).
#[must_use]
pub(crate) fn file_start(text: &str) -> Span {
    Span::at(text, 0, 0)
}
