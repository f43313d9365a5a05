//! Reading one YAML file into a tree of nodes that remember where they were written.
//!
//! The tree is read with serde-saphyr under kensa's own budget, so hostile input (alias
//! bombs, deep nesting, huge documents) stops with an error in bounded time and memory.
//! Scalars follow YAML 1.2: only `true` and `false` are booleans, so `NO`, `yes` and `on`
//! stay the strings they were written as; numbers with leading zeros stay strings.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::limits::Limits;
use crate::problem::{Code, Problem, Text};
use crate::source::{FileId, Origin, Span};

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An integer too large for `i64`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Spanned<Node>>),
    /// A mapping, in document order.
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    /// A short English name of the node's type, for messages.
    #[must_use]
    pub fn type_name(&self) -> (&'static str, &'static str) {
        match self {
            Node::Null => ("null (値なし)", "null (no value)"),
            Node::Bool(_) => ("真偽値", "a boolean"),
            Node::Int(_) | Node::UInt(_) => ("整数", "an integer"),
            Node::Float(_) => ("小数", "a number"),
            Node::Str(_) => ("文字列", "a string"),
            Node::Seq(_) => ("リスト", "a list"),
            Node::Map(_) => ("マッピング", "a mapping"),
        }
    }

    /// The value of `key` in a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Spanned<Node>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node of `key` in a mapping.
    #[must_use]
    pub fn key(&self, key: &str) -> Option<&Spanned<String>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(k, _)| k),
            _ => None,
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or(Node::Float(v as f64), Node::UInt))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Err(E::custom(
            "binary values (!!binary) are not supported in a manifest",
        ))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<Node>>()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// The span of a serde-saphyr location in `text`. Line and column come from the parser,
/// so this is O(1): it runs for every entity of large manifests.
#[must_use]
pub fn span_of(text: &str, loc: &serde_saphyr::Location) -> Option<Span> {
    if loc.line() == 0 {
        return None;
    }
    let line = u32::try_from(loc.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(loc.column()).unwrap_or(u32::MAX);
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(offset), Some(len)) => {
            let offset = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(text.len());
            let len = usize::try_from(len).unwrap_or(0).min(text.len() - offset);
            Some(Span {
                offset,
                len,
                line,
                column,
            })
        }
        _ => Some(line_column_span(text, line, column)),
    }
}

/// A point span at a 1-based line and column (in characters).
#[must_use]
pub fn line_column_span(text: &str, line: u32, column: u32) -> Span {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let col = l
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
            return Span::at(text, offset + col, 0);
        }
        offset += l.len();
    }
    Span::at(text, text.len(), 0)
}

/// Parses `text` (already decoded, without BOM) into a node tree, or the problem that
/// stopped it.
pub fn parse(text: &str, file: FileId, limits: &Limits) -> Result<Spanned<Node>, Box<Problem>> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.with_snippet = false;
    options.budget = Some(limits.budget());
    options.alias_limits = limits.alias_limits();

    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|err| Box::new(syntax_problem(text, file, &err)))?;

    if matches!(root.value, Node::Null) {
        return Err(Box::new(
            Problem::new(
                Code::Empty,
                Origin {
                    file,
                    span: Some(Span::at(text, 0, 0)),
                },
                Text::new(
                    "マニフェストファイルが空です",
                    "the manifest file is empty",
                ),
            )
            .help(Text::new(
                "`apiVersion: kensa/v1` から始まるマッピングを書いてください（`kensa init` でひな型を作れます）",
                "write a mapping that starts with `apiVersion: kensa/v1` (`kensa init` writes a starting manifest)",
            )),
        ));
    }
    if !matches!(root.value, Node::Map(_)) {
        let (ja, en) = root.value.type_name();
        return Err(Box::new(
            Problem::new(
                Code::RootNotMapping,
                Origin {
                    file,
                    span: span_of(text, &root.referenced),
                },
                Text::new(
                    format!("ファイルの最上位がマッピングではなく{ja}です"),
                    format!("the top level of the file is {en}, not a mapping"),
                ),
            )
            .help(Text::new(
                "最上位は `apiVersion:`、`institution:`、`systems:` などのキーを持つマッピングにしてください",
                "the top level must be a mapping with keys such as `apiVersion:`, `institution:` and `systems:`",
            )),
        ));
    }
    Ok(root)
}

fn syntax_problem(text: &str, file: FileId, err: &serde_saphyr::Error) -> Problem {
    use serde_saphyr::Error as E;
    let span = err.location().and_then(|l| span_of(text, &l));
    let at = Origin { file, span };
    let raw = strip_location(&err.without_snippet().to_string());
    match err {
        E::MultipleDocuments { .. } => Problem::new(
            Code::MultipleDocuments,
            at,
            Text::new(
                "1つのファイルに複数の YAML ドキュメント（`---`）があります",
                "the file holds more than one YAML document (`---`)",
            ),
        )
        .label(Text::new("2つ目のドキュメント", "second document"))
        .help(Text::new(
            "1ファイルには1ドキュメントだけを書き、分けたい内容は同じフォルダの別ファイルにしてください",
            "keep one document per file; put the rest in other files of the same folder",
        )),
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => limit_problem(
            at,
            "エイリアス（`*name`）の展開が上限を超えました",
            "alias (`*name`) expansion exceeds the limit",
            &raw,
        ),
        _ if raw.starts_with("budget breached") => {
            let (ja, en) = if raw.contains("Depth") {
                (
                    "入れ子が深すぎます（上限 64 段）",
                    "nesting is too deep (limit: 64 levels)",
                )
            } else if raw.contains("Nodes") || raw.contains("Events") {
                (
                    "値の数が上限を超えました（エイリアスの展開を含む）",
                    "too many values (aliases expanded)",
                )
            } else if raw.contains("Alias") || raw.contains("Anchor") {
                (
                    "アンカー・エイリアスの数が上限を超えました",
                    "too many anchors or aliases",
                )
            } else {
                ("読み込みの上限を超えました", "a reading limit was exceeded")
            };
            limit_problem(at, ja, en, &raw)
        }
        _ if raw.starts_with("recursion limit exceeded") => limit_problem(
            at,
            "入れ子が深すぎます",
            "nesting is too deep",
            &raw,
        ),
        _ if raw.starts_with("duplicate mapping key") => {
            let key = raw
                .trim_start_matches("duplicate mapping key:")
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            Problem::new(
                Code::DuplicateKey,
                at,
                Text::new(
                    format!("キー `{key}` が同じマッピングに2回書かれています"),
                    format!("the key `{key}` appears twice in the same mapping"),
                ),
            )
            .label(Text::new("2回目", "second occurrence"))
            .help(Text::new(
                "どちらか一方を削除してください（後の値で上書きすることはしません）",
                "remove one of them (kensa does not let the later value win silently)",
            ))
        }
        _ => Problem::new(
            Code::Syntax,
            at,
            Text::new(
                format!("YAML の構文エラー: {raw}"),
                format!("YAML syntax error: {raw}"),
            ),
        ),
    }
}

fn limit_problem(at: Origin, ja: &str, en: &str, raw: &str) -> Problem {
    Problem::new(Code::Limit, at, Text::new(ja, en))
        .help(Text::new(
            format!("悪意のある、または壊れた入力の可能性があります（{raw}）。上限は README の「入力の上限」を参照してください"),
            format!("the input may be hostile or broken ({raw}); see \"Input limits\" in the README"),
        ))
}

/// serde-saphyr appends " at line N, column M" to messages; kensa shows the location
/// itself.
fn strip_location(msg: &str) -> String {
    let cut = msg.find(" at line ").unwrap_or(msg.len());
    msg[..cut].trim().to_owned()
}
