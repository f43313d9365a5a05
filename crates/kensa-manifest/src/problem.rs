//! Problems found while reading and validating a manifest, as plain data. The CLI turns
//! them into miette diagnostics; nothing here prints.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::source::Origin;

/// Language of messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 日本語.
    #[default]
    Ja,
    /// English.
    En,
}

/// A message in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Text {
    /// 日本語.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A message in both languages. Characters that would change how a terminal or an
    /// editor shows the text around them ([`is_unsafe_char`]) are written as `\u{…}`, so
    /// that a value quoted from a manifest cannot hide or reorder a message.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ja: escape_unsafe(ja.into()),
            en: escape_unsafe(en.into()),
        }
    }

    /// The message in `lang`.
    #[must_use]
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// Whether `c` changes how the text around it is shown rather than showing itself: a
/// control character other than tab and line breaks (a bell, an escape sequence, a NUL),
/// or a bidirectional formatting character (U+202E RIGHT-TO-LEFT OVERRIDE and its kin,
/// the "Trojan Source" characters).
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with each [unsafe character](is_unsafe_char) written as `\u{202e}`.
#[must_use]
pub fn escape_unsafe(s: String) -> String {
    if !s.chars().any(is_unsafe_char) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// What kind of problem this is. The code is stable, so that tools and people can search
/// for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The path does not exist or cannot be read.
    Unreadable,
    /// A folder without any YAML file.
    NoManifestFiles,
    /// A file or manifest over the size limit.
    TooLarge,
    /// Too many files in a manifest folder.
    TooManyFiles,
    /// Not UTF-8 (e.g. Shift_JIS or UTF-16).
    Encoding,
    /// An empty file, or one with only comments.
    Empty,
    /// YAML that cannot be parsed.
    Syntax,
    /// More than one YAML document in a file.
    MultipleDocuments,
    /// A resource limit was reached: nesting depth, node count, alias expansion.
    Limit,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// The root of a file is not a mapping.
    RootNotMapping,
    /// Missing or unsupported `apiVersion`.
    ApiVersion,
    /// A field the schema does not know.
    UnknownField,
    /// A required field is missing.
    MissingField,
    /// A value of the wrong type.
    WrongType,
    /// A value outside the allowed set.
    InvalidValue,
    /// A malformed or impossible date.
    InvalidDate,
    /// A reference to an entity that does not exist.
    DanglingReference,
    /// An id used twice for entities of the same kind.
    DuplicateId,
    /// A section that may appear only once per manifest appears twice.
    DuplicateSection,
    /// The manifest has no `institution`.
    MissingInstitution,
    /// Dates or values that contradict each other.
    Inconsistent,
    /// Text with a control or bidirectional formatting character.
    ControlCharacter,
    /// A symbolic link in a manifest folder that leads outside it, to itself, or nowhere.
    Symlink,
    /// A path in a manifest folder that is neither a file nor a folder (a pipe, a device).
    NotAFile,
}

impl Code {
    /// The code as written in output, e.g. `unknown-field`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unreadable => "unreadable",
            Code::NoManifestFiles => "no-manifest-files",
            Code::TooLarge => "too-large",
            Code::TooManyFiles => "too-many-files",
            Code::Encoding => "encoding",
            Code::Empty => "empty",
            Code::Syntax => "syntax",
            Code::MultipleDocuments => "multiple-documents",
            Code::Limit => "limit",
            Code::DuplicateKey => "duplicate-key",
            Code::RootNotMapping => "root-not-mapping",
            Code::ApiVersion => "api-version",
            Code::UnknownField => "unknown-field",
            Code::MissingField => "missing-field",
            Code::WrongType => "wrong-type",
            Code::InvalidValue => "invalid-value",
            Code::InvalidDate => "invalid-date",
            Code::DanglingReference => "dangling-reference",
            Code::DuplicateId => "duplicate-id",
            Code::DuplicateSection => "duplicate-section",
            Code::MissingInstitution => "missing-institution",
            Code::Inconsistent => "inconsistent",
            Code::ControlCharacter => "control-character",
            Code::Symlink => "symlink",
            Code::NotAFile => "not-a-file",
        }
    }
}

/// A second place that explains a problem, such as the first definition of a duplicate id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub at: Origin,
    /// What is there.
    pub label: Text,
}

/// One problem in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Kind of problem.
    pub code: Code,
    /// Where it is.
    pub at: Origin,
    /// What is wrong.
    pub message: Text,
    /// Short label shown under the snippet.
    pub label: Option<Text>,
    /// What to do about it.
    pub help: Option<Text>,
    /// Other places involved.
    pub related: Vec<Related>,
}

impl Problem {
    /// A problem with a message and nothing else yet.
    #[must_use]
    pub fn new(code: Code, at: Origin, message: Text) -> Problem {
        Problem {
            code,
            at,
            message,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// Adds a label.
    #[must_use]
    pub fn label(mut self, label: Text) -> Problem {
        self.label = Some(label);
        self
    }

    /// Adds help.
    #[must_use]
    pub fn help(mut self, help: Text) -> Problem {
        self.help = Some(help);
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn related(mut self, at: Origin, label: Text) -> Problem {
        self.related.push(Related { at, label });
        self
    }
}
