//! The JSON Schema of manifest v1, generated from the Rust types, and a small walker over
//! it that answers "what does the schema expect at this place?" for messages.

use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::model::ManifestFile;

/// The schema's `$id`, relative to the repository root.
pub const SCHEMA_PATH: &str = "schemas/manifest.v1.schema.json";

/// The JSON Schema of one manifest file, as a JSON value.
///
/// Draft-07, which the YAML language server and most editors support. `Option<T>` fields
/// are optional rather than nullable, so a YAML `~` is reported instead of accepted.
#[must_use]
pub fn manifest_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let generator = SchemaSettings::draft07().into_generator();
        let schema = generator.into_root_schema_for::<ManifestFile>();
        let mut value = serde_json::to_value(schema).unwrap_or(Value::Null);
        optional_not_nullable(&mut value);
        value
    })
}

/// schemars describes `Option<T>` as "T or null". In a manifest an optional field is
/// left out rather than written as `~`, so the null alternative is removed: a YAML `~` or
/// an empty value is then reported instead of silently meaning "absent".
pub fn optional_not_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get("type")
                && types.iter().any(|t| t == "null")
            {
                let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                let replacement = if rest.len() == 1 {
                    rest[0].clone()
                } else {
                    Value::Array(rest)
                };
                map.insert("type".to_owned(), replacement);
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(options)) = map.get(key) {
                    let is_null = |o: &Value| {
                        o.get("type").is_some_and(|t| t == "null")
                            && o.as_object().is_some_and(|m| m.len() == 1)
                    };
                    if options.iter().any(is_null) {
                        let rest: Vec<Value> =
                            options.iter().filter(|o| !is_null(o)).cloned().collect();
                        map.remove(key);
                        if rest.len() == 1 {
                            if let Value::Object(inner) = &rest[0] {
                                for (k, v) in inner {
                                    map.entry(k.clone()).or_insert_with(|| v.clone());
                                }
                            }
                        } else {
                            map.insert(key.to_owned(), Value::Array(rest));
                        }
                    }
                }
            }
            if map.get("default").is_some_and(Value::is_null) {
                map.remove("default");
            }
            for v in map.values_mut() {
                optional_not_nullable(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(optional_not_nullable),
        _ => {}
    }
}

/// The schema as the text committed in `schemas/`: pretty JSON with sorted keys and a
/// final newline.
#[must_use]
pub fn manifest_schema_text() -> String {
    canonical_text(manifest_schema())
}

/// Pretty JSON with keys sorted at every level and a final newline, so that the text does
/// not depend on whether `serde_json` keeps insertion order in a given build.
#[must_use]
pub fn canonical_text(value: &Value) -> String {
    fn sort(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.sort_keys();
                map.values_mut().for_each(sort);
            }
            Value::Array(items) => items.iter_mut().for_each(sort),
            _ => {}
        }
    }
    let mut value = value.clone();
    sort(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// A step in a path through a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Follows `$ref` (and a lone `allOf` wrapper) to the schema that describes the value.
#[must_use]
pub fn resolve(schema: &Value) -> &Value {
    let mut current = schema;
    for _ in 0..32 {
        if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or_default();
            match manifest_schema()
                .get("definitions")
                .and_then(|d| d.get(name))
            {
                Some(target) => current = target,
                None => return current,
            }
        } else if let Some(Value::Array(parts)) = current.get("allOf")
            && parts.len() == 1
        {
            current = &parts[0];
        } else {
            return current;
        }
    }
    current
}

/// The schema of the value at `path` below `schema`, if the schema describes it.
#[must_use]
pub fn at<'a>(schema: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut current = resolve(schema);
    for seg in path {
        current = resolve(child(current, seg)?);
    }
    Some(current)
}

/// The schema of one child of a resolved schema.
#[must_use]
pub fn child<'a>(schema: &'a Value, seg: &Seg) -> Option<&'a Value> {
    match seg {
        Seg::Key(key) => schema
            .get("properties")
            .and_then(|p| p.get(key.as_str()))
            .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object())),
        Seg::Index(_) => schema.get("items"),
    }
}

/// Whether a resolved schema wants a string (plain or enumerated).
#[must_use]
pub fn expects_string(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        _ => !enum_values(schema).is_empty(),
    }
}

/// The field names a resolved object schema allows, in schema order.
#[must_use]
pub fn property_names(schema: &Value) -> Vec<&str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The values a resolved enumeration schema allows (`enum`, or `oneOf` of `const`s).
#[must_use]
pub fn enum_values(schema: &Value) -> Vec<&str> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.iter().filter_map(Value::as_str).collect();
    }
    let mut out = Vec::new();
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            for option in options {
                let option = resolve(option);
                if let Some(c) = option.get("const").and_then(Value::as_str) {
                    out.push(c);
                } else if let Some(Value::Array(values)) = option.get("enum") {
                    out.extend(values.iter().filter_map(Value::as_str));
                } else {
                    return Vec::new();
                }
            }
        }
    }
    out
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lowered = word.to_lowercase().replace('-', "_");
    candidates
        .iter()
        .map(|c| (*c, strsim::jaro_winkler(&lowered, c)))
        .filter(|(c, score)| {
            *score >= 0.85 || (lowered.chars().count() > 3 && strsim::levenshtein(&lowered, c) <= 2)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}
