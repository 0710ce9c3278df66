//! Diagnostics: every compile error and warning, with a stable code.
//!
//! A [`Diagnostic`] is created with a span; [`Diagnostic::locate`] fills the file, line,
//! column and source line once the file text is known. Codes are listed in [`codes`] and
//! documented in `docs/LANGUAGE.md`.

use crate::span::{LineIndex, Span};
use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The word it is printed as (`error`, `warning`), from the one renderer.
    pub fn name(self) -> &'static str {
        lumen_report::Severity::from(self).name()
    }
}

impl From<Severity> for lumen_report::Severity {
    fn from(s: Severity) -> lumen_report::Severity {
        match s {
            Severity::Error => lumen_report::Severity::Error,
            Severity::Warning => lumen_report::Severity::Warning,
        }
    }
}

/// One compile-time finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code such as `E0300`.
    pub code: &'static str,
    /// One line, no trailing period.
    pub message: String,
    pub severity: Severity,
    /// The file name as given to the compiler.
    pub file: String,
    /// 1-based line in the original file (the markdown file for `.lm.md`).
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// Byte span in the original file.
    #[serde(skip)]
    pub span: Span,
    /// The source line the span starts on (for the caret display); for a line longer than
    /// [`crate::render::MAX_LINE_CHARS`] characters only the window around the span that
    /// is shown (see `source_cut`), so a thousand errors on one long line do not each copy it.
    #[serde(skip)]
    pub source_line: String,
    /// Set when `source_line` is a window of a longer line.
    #[serde(skip)]
    pub source_cut: Option<LineCut>,
    /// Optional extra notes ("help: ...").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error at `span`; file/line/column are filled in by [`Diagnostic::locate`].
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            severity: Severity::Error,
            file: String::new(),
            line: 0,
            column: 0,
            span,
            source_line: String::new(),
            source_cut: None,
            notes: Vec::new(),
        }
    }

    /// A new warning at `span`.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// Adds a note shown under the diagnostic.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Fills file name, line, column and source line from the original file text.
    pub fn locate(&mut self, file: &str, text: &str, index: &LineIndex) {
        let (line, column) = index.line_col(text, self.span.start as usize);
        self.file = file.to_string();
        self.line = line;
        self.column = column;
        let line_text = index.line_text(text, line);
        let at = (self.span.start as usize)
            .saturating_sub(index.line_start(line))
            .min(line_text.len());
        match crate::render::cut_line(line_text, at) {
            Some((window, cut)) => {
                self.source_line = window.to_string();
                self.source_cut = Some(cut);
            }
            None => {
                self.source_line = line_text.to_string();
                self.source_cut = None;
            }
        }
    }

    /// True for errors (not warnings).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How a long source line was cut to the window kept in [`Diagnostic::source_line`].
pub use lumen_report::LineCut;

/// The stable diagnostic codes. Each is documented in `docs/LANGUAGE.md`.
pub mod codes {
    // Source and lexical
    /// The file is not valid UTF-8.
    pub const INVALID_UTF8: &str = "E0001";
    /// A string literal has no closing quote.
    pub const UNTERMINATED_STRING: &str = "E0002";
    /// A character that starts no token.
    pub const INVALID_CHARACTER: &str = "E0003";
    /// A malformed or out-of-range number literal.
    pub const INVALID_NUMBER: &str = "E0004";
    /// An unknown escape sequence in a string.
    pub const INVALID_ESCAPE: &str = "E0005";
    /// A `{` interpolation without its `}`.
    pub const UNTERMINATED_INTERPOLATION: &str = "E0006";

    // Syntax
    /// An unexpected token.
    pub const UNEXPECTED_TOKEN: &str = "E0100";
    /// A block opened by a keyword is never closed by `end`.
    pub const MISSING_END: &str = "E0101";
    /// The left side of `=` cannot be assigned to.
    pub const INVALID_ASSIGN_TARGET: &str = "E0102";
    /// Nesting, or a chain of operators, calls, fields or indexes, deeper than the parser's
    /// limit (`parser::MAX_DEPTH`), an import chain longer than `resolve::MAX_IMPORT_DEPTH`,
    /// interpolations nested too deeply, or a type nesting deeper than
    /// `check::types::MAX_TYPE_DEPTH`.
    pub const TOO_DEEP: &str = "E0103";
    /// A program larger than the LIR format can hold: a cell needing more than 65,535
    /// registers, a call passing more than 255 arguments, more than 65,535 cells, constants,
    /// types, variants or tools, a lambda with more than 65,535 parameters or captures.
    pub const TOO_LARGE: &str = "E0104";

    // Names and imports
    /// A name that is not defined.
    pub const UNKNOWN_NAME: &str = "E0200";
    /// A name defined twice in the same scope.
    pub const DUPLICATE_DEFINITION: &str = "E0201";
    /// A type that is not defined.
    pub const UNKNOWN_TYPE: &str = "E0202";
    /// An imported module file does not exist or cannot be read.
    pub const IMPORT_NOT_FOUND: &str = "E0203";
    /// Modules import each other in a cycle.
    pub const CIRCULAR_IMPORT: &str = "E0204";
    /// An imported name that the module does not define.
    pub const UNKNOWN_IMPORT_NAME: &str = "E0205";
    /// A grant on a name that is not a tool alias, or a bad grant value.
    pub const INVALID_GRANT: &str = "E0206";
    /// `import std.x` where `x` is not a standard module (the message lists them).
    pub const UNKNOWN_STD_MODULE: &str = "E0207";
    /// A grant key that is a likely typo of a key the runtime enforces (`max_call`), which
    /// would silently not be enforced.
    pub const MISSPELT_GRANT_KEY: &str = "E0208";

    // Types
    /// A value of the wrong type.
    pub const TYPE_MISMATCH: &str = "E0300";
    /// A call with the wrong number of arguments.
    pub const WRONG_ARG_COUNT: &str = "E0301";
    /// A field that a record (or variant) does not have.
    pub const UNKNOWN_FIELD: &str = "E0302";
    /// Assignment to a binding not declared `mut`.
    pub const ASSIGN_IMMUTABLE: &str = "E0303";
    /// A `match` that does not cover every case.
    pub const NON_EXHAUSTIVE_MATCH: &str = "E0304";
    /// A named argument that the callee has no parameter for, a missing one, or one given twice.
    pub const BAD_NAMED_ARG: &str = "E0305";
    /// Calling something that is not a function.
    pub const NOT_CALLABLE: &str = "E0306";
    /// An operator applied to operands it does not accept.
    pub const BAD_OPERANDS: &str = "E0307";
    /// `break`/`continue` outside a loop, or `return` where it is not allowed.
    pub const MISPLACED_CONTROL: &str = "E0308";
    /// `?` applied outside a cell returning `result`, or to a non-result.
    pub const BAD_TRY: &str = "E0309";
    /// A pattern that cannot match the scrutinee's type.
    pub const BAD_PATTERN: &str = "E0310";
    /// The program has no cell to run (no `main`, or the `--cell` name is unknown).
    pub const NO_ENTRY: &str = "E0311";
    /// A cell or lambda parameter without a type annotation where none can be inferred.
    pub const MISSING_ANNOTATION: &str = "E0312";
    /// A typed tool's parameter default that is not a constant (a literal, `null`, or a
    /// list, tuple or map of constants).
    pub const TOOL_DEFAULT_NOT_CONSTANT: &str = "E0313";
    /// A typed tool's result type that no JSON value can be checked against: it contains a
    /// function type or a record with `where` constraints.
    pub const BAD_TOOL_RESULT_TYPE: &str = "E0314";

    // Warnings
    /// A tool the known host does not provide.
    pub const UNKNOWN_TOOL: &str = "W0001";
    /// An unreachable match arm.
    pub const UNREACHABLE_ARM: &str = "W0002";
    /// A grant key the runtime does not enforce and the host did not declare.
    pub const UNKNOWN_GRANT_KEY: &str = "W0003";
    /// A markdown file with no `lumen` code block (it defines nothing; the message names
    /// the fences it has, e.g. ```` ```lm ````).
    pub const NO_LUMEN_BLOCK: &str = "W0004";

    /// Internal compiler error: a bug, reported instead of panicking.
    pub const INTERNAL: &str = "E0999";
}
