//! Resolver: loads imported files and builds each file's top-level scope.
//!
//! Input: the root file (already extracted and parsed by the driver) and a
//! [`ModuleLoader`]. Output: a [`Program`] holding every file in load order (the root
//! first) and, per file, the map from every top-level name visible in it (its own items
//! and what it imports) to the [`Symbol`] it denotes.
//!
//! Invariants:
//! - `Program::files[0]` is the root; `scopes.len() == files.len()`.
//! - Names not in a scope may still be locals (checker/lowering), builtins, or the result
//!   constructors `ok`/`err`; the resolver does not know about those.
//! - Payload-less and payload variants are top-level names (`Circle`, `Empty`).
//! - Diagnostics it reports: duplicate definitions (E0201), import not found (E0203),
//!   circular import (E0204), unknown imported name (E0205).

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::span::{LineIndex, Span};
use std::collections::HashMap;

/// Index of a file in [`Program::files`].
pub type FileId = usize;

/// One parsed source file of the program.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name diagnostics and run-time errors use (as given, or as the loader named it).
    pub name: String,
    /// The original file text (for `.lm.md` the whole markdown file).
    pub text: String,
    pub index: LineIndex,
    pub ast: ast::Module,
}

impl SourceFile {
    /// An error located in this file.
    pub fn error(&self, code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        let mut d = Diagnostic::error(code, message, span);
        d.locate(&self.name, &self.text, &self.index);
        d
    }

    /// A warning located in this file.
    pub fn warning(&self, code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        let mut d = Diagnostic::warning(code, message, span);
        d.locate(&self.name, &self.text, &self.index);
        d
    }

    /// 1-based line of a span's start.
    pub fn line_of(&self, span: Span) -> u32 {
        self.index.line_col(&self.text, span.start as usize).0
    }
}

/// What a top-level name denotes. `item` indexes `files[file].ast.items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbol {
    Cell { file: FileId, item: usize },
    Record { file: FileId, item: usize },
    Enum { file: FileId, item: usize },
    /// `variant` indexes the enum's `variants`.
    Variant {
        file: FileId,
        item: usize,
        variant: usize,
    },
    Const { file: FileId, item: usize },
    /// A `use tool ... as Alias` item.
    Tool { file: FileId, item: usize },
}

/// The whole program after import resolution.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub files: Vec<SourceFile>,
    /// Per file: every top-level name visible in that file.
    pub scopes: Vec<HashMap<String, Symbol>>,
}

impl Program {
    /// The AST item a symbol points at.
    pub fn item(&self, sym: Symbol) -> &ast::Item {
        let (file, item) = match sym {
            Symbol::Cell { file, item }
            | Symbol::Record { file, item }
            | Symbol::Enum { file, item }
            | Symbol::Variant { file, item, .. }
            | Symbol::Const { file, item }
            | Symbol::Tool { file, item } => (file, item),
        };
        &self.files[file].ast.items[item]
    }

    /// Looks `name` up in the top-level scope of `file`.
    pub fn lookup(&self, file: FileId, name: &str) -> Option<Symbol> {
        self.scopes.get(file)?.get(name).copied()
    }
}
