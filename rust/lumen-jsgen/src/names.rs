//! Safe spellings of Lumen names in JavaScript and TypeScript.
//!
//! Lumen identifiers are ASCII (`[A-Za-z_][A-Za-z0-9_]*`), so every one is already a valid
//! JavaScript identifier *unless* it is a reserved word or would shadow a name the
//! generated code needs. Such a name gets `_` appended (`delete` → `delete_`), repeatedly
//! until it is unique in its scope (`delete_` taken too → `delete__`). The rule is the same
//! for cells (exported functions), parameters, and records/enums (exported types); field,
//! argument and tool names are property keys, which are quoted when they are not plain
//! identifiers and never renamed.

use std::collections::BTreeSet;

/// Words that cannot name a binding in strict-mode ES module code (reserved words, future
/// reserved words, `arguments`/`eval`), plus globals a declaration must not shadow, and the
/// CommonJS wrapper's parameters (the CommonJS entry declares one function per cell at
/// module scope).
const JS_RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "let",
    "static",
    "implements",
    "interface",
    "package",
    "private",
    "protected",
    "public",
    "arguments",
    "eval",
    "undefined",
    "NaN",
    "Infinity",
    "globalThis",
    "require",
    "module",
    "exports",
    "__filename",
    "__dirname",
    // Exported by every generated module.
    "LumenError",
    "init",
];

/// Names a TypeScript type declaration cannot take (primitive type names, type-level
/// keywords) or must not shadow (the names the generated declarations use).
const TS_TYPE_RESERVED: &[&str] = &[
    "any",
    "unknown",
    "never",
    "string",
    "number",
    "bigint",
    "boolean",
    "symbol",
    "object",
    "void",
    "undefined",
    "null",
    "type",
    "keyof",
    "infer",
    "is",
    "asserts",
    "readonly",
    "unique",
    "as",
    "satisfies",
    "declare",
    "namespace",
    "module",
    "abstract",
    "global",
    "out",
    "accessor",
    // Used by the generated declarations.
    "Promise",
    "AbortSignal",
    "JsonValue",
    "LumenError",
    "ToolCallContext",
    "InitInput",
    "Tools",
    "Options",
];

/// True for `[A-Za-z_$][A-Za-z0-9_$]*`.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Turns any text into an identifier: characters that cannot appear become `_`, and a
/// leading digit (or an empty name) gets a `_` in front.
fn identifier_chars(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if matches!(out.chars().next(), None | Some('0'..='9')) {
        out.insert(0, '_');
    }
    out
}

/// Hands out unique safe spellings within one scope.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
    reserved: &'static [&'static str],
}

impl Scope {
    /// A scope for JavaScript bindings (functions, parameters).
    pub fn values() -> Scope {
        Scope {
            taken: BTreeSet::new(),
            reserved: JS_RESERVED,
        }
    }

    /// A scope for exported TypeScript type names.
    pub fn types() -> Scope {
        Scope {
            taken: BTreeSet::new(),
            reserved: TS_TYPE_RESERVED,
        }
    }

    /// Marks `name` as used (a name the generated code declares itself).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// The safe spelling of `name` in this scope, now taken.
    pub fn claim(&mut self, name: &str) -> String {
        let mut out = identifier_chars(name);
        while self.reserved.contains(&out.as_str())
            || JS_RESERVED.contains(&out.as_str())
            || self.taken.contains(&out)
        {
            out.push('_');
        }
        self.taken.insert(out.clone());
        out
    }
}

/// A property key: the name itself when it is a plain identifier (reserved words are fine
/// as keys), else a quoted string.
pub fn property_key(name: &str) -> String {
    if is_plain_identifier(name) {
        name.to_string()
    } else {
        string_literal(name)
    }
}

/// A JavaScript string literal (JSON string syntax, valid JavaScript since ES2019).
pub fn string_literal(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// Text made safe inside a `/** ... */` comment.
pub fn comment_text(text: &str) -> String {
    text.replace("*/", "*\\/")
}
