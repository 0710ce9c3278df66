//! Run-time errors and their stable codes.

/// Stable run-time error codes (documented in `docs/LANGUAGE.md`).
pub mod codes {
    /// Any other run-time failure (a type error on a Json value, a bad conversion).
    pub const RUNTIME: &str = "E0900";
    /// `Int` arithmetic overflowed.
    pub const INT_OVERFLOW: &str = "E0901";
    /// Division or modulo by zero.
    pub const DIV_BY_ZERO: &str = "E0902";
    /// An index out of range (or negative).
    pub const INDEX_OUT_OF_RANGE: &str = "E0903";
    /// A record field's `where` constraint failed.
    pub const CONSTRAINT: &str = "E0904";
    /// `halt("message")`.
    pub const HALT: &str = "E0905";
    /// A tool provider failed.
    pub const TOOL_FAILED: &str = "E0906";
    /// A grant was violated; the tool was not called.
    pub const GRANT_DENIED: &str = "E0907";
    /// The host does not provide the tool.
    pub const UNKNOWN_TOOL: &str = "E0908";
    /// More than `max_depth` frames.
    pub const RECURSION_LIMIT: &str = "E0909";
    /// The fuel budget ran out and the host chose to stop.
    pub const OUT_OF_FUEL: &str = "E0910";
    /// A Json value lacks a field or has the wrong shape.
    pub const JSON_SHAPE: &str = "E0911";
    /// The LIR is invalid (failed validation or a corrupt binary file).
    pub const INVALID_LIR: &str = "E0912";
    /// The requested entry cell does not exist or got the wrong arguments.
    pub const BAD_ENTRY: &str = "E0913";
    /// A memory cap was exceeded.
    pub const OUT_OF_MEMORY: &str = "E0914";
    /// The host cancelled the run (the JavaScript `run(…, { signal })` was aborted).
    pub const CANCELLED: &str = "E0915";
    /// A value is nested too deeply to convert (`to_json`, tool arguments).
    pub const TOO_DEEP: &str = "E0916";
}

/// One frame of an error's Lumen call stack: the cell, its file, and the line and column
/// of the failing expression (innermost frame) or of the pending call (the others); 0 when
/// the module's position table was stripped.
pub use lumen_report::Frame;

/// A run-time error: the program stops; the host reports it and carries on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeError {
    /// Stable code, e.g. `E0901`.
    pub code: &'static str,
    /// One-line message.
    pub message: String,
    /// Source file of the failing instruction (empty when not in Lumen code).
    pub file: String,
    /// 1-based source line of the failing expression (0 when unknown).
    pub line: u32,
    /// 1-based column of the failing expression (0 when unknown).
    pub column: u32,
    /// Name of the function that failed (empty when not in Lumen code).
    pub function: String,
    /// The Lumen call stack, innermost first (`frames[0]` is `file:line:column` in
    /// `function`); empty for an error outside Lumen code. Of a stack deeper than
    /// `KEPT_INNER + KEPT_OUTER` frames only the innermost and outermost are kept
    /// ([`lumen_report::kept_frames`]). A boxed slice, not a `Vec`, so that the error stays
    /// within clippy's `result_large_err` bound.
    pub frames: Box<[Frame]>,
    /// How many frames between the kept ones were left out.
    pub frames_omitted: usize,
}

impl RuntimeError {
    /// An error outside Lumen code: a code and a message, no file, line or frames.
    pub fn plain(code: &'static str, message: impl Into<String>) -> RuntimeError {
        RuntimeError {
            code,
            message: message.into(),
            ..RuntimeError::default()
        }
    }

    /// The renderer's view of this error: located at `file:line:column (in function)`
    /// in Lumen code (`file (in function)` without a position table), else nowhere; the
    /// frames follow.
    pub fn report(&self) -> lumen_report::RuntimeReport<'_> {
        let location = if !self.function.is_empty() {
            lumen_report::Location::Line {
                file: &self.file,
                line: self.line,
                column: self.column,
                cell: &self.function,
            }
        } else {
            lumen_report::Location::None
        };
        lumen_report::RuntimeReport {
            code: self.code,
            message: &self.message,
            location,
            frames: &self.frames,
            frames_omitted: self.frames_omitted,
        }
    }

    /// The view of this error reported against `file`: `  --> FILE` when the error has no
    /// line of its own (an invalid module, a missing entry cell).
    pub fn report_in<'a>(&'a self, file: &'a str) -> lumen_report::RuntimeReport<'a> {
        let mut r = self.report();
        if self.function.is_empty() {
            r.location = lumen_report::Location::File(file);
        }
        r
    }
}

/// `error[CODE]: message`, `  --> FILE:LINE:COLUMN (in CELL)` and the trace, by the one renderer
/// ([`lumen_report::runtime`]), without colours.
impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&lumen_report::runtime_text(
            &self.report(),
            lumen_report::Painter::PLAIN,
        ))
    }
}

impl std::error::Error for RuntimeError {}
