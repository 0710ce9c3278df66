//! Run-time errors (VM faults, tool, grant and limit errors, bad entry arguments) as text:
//!
//! ```text
//! error[E0903]: index 3 is out of range for a list of length 3
//!   --> main.lm:4:9 (in pick)
//!   = at pick (main.lm:4:9)
//!   = at main (main.lm:8:3)
//! ```
//!
//! The location line is `  --> FILE:LINE:COLUMN (in CELL)` when the failing line is known
//! (`FILE:LINE` when the column is not, `FILE (in CELL)` in a module without positions),
//! `  --> FILE` for an error about a whole file (no entry cell, an invalid `.lmb`), and
//! absent for an error with no place in the source (bad arguments, a cancelled run); the
//! stack trace ([`crate::trace`]) follows when the host has frames. No trailing newline.

use crate::diagnostic::{arrow, header};
use crate::style::{Painter, Part};
use crate::trace::{trace_lines, Frame};
use crate::Severity;

/// Where a run-time error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// Nowhere in the source.
    None,
    /// A whole file.
    File(&'a str),
    /// A line (and column) of a cell.
    Line {
        /// The source file.
        file: &'a str,
        /// 1-based line.
        line: u32,
        /// 1-based column (0 when unknown).
        column: u32,
        /// The cell that failed.
        cell: &'a str,
    },
}

impl Location<'_> {
    /// What follows `  --> `: `FILE:LINE:COLUMN (in CELL)`, `FILE:LINE (in CELL)`,
    /// `FILE (in CELL)` (no position table), `FILE`, or nothing.
    pub fn text(&self) -> String {
        match *self {
            Location::None => String::new(),
            Location::File(file) => file.to_string(),
            Location::Line {
                file,
                line: 0,
                cell,
                ..
            } => format!("{file} (in {cell})"),
            Location::Line {
                file,
                line,
                column: 0,
                cell,
            } => format!("{file}:{line} (in {cell})"),
            Location::Line {
                file,
                line,
                column,
                cell,
            } => format!("{file}:{line}:{column} (in {cell})"),
        }
    }
}

/// What the renderer needs of a run-time error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeReport<'a> {
    /// Stable code, e.g. `E0901`.
    pub code: &'a str,
    /// One line.
    pub message: &'a str,
    /// Where it happened.
    pub location: Location<'a>,
    /// The Lumen call stack, innermost first (empty when the host has none).
    pub frames: &'a [Frame],
    /// How many frames of a deep stack were not kept ([`crate::trace::kept_frames`]).
    pub frames_omitted: usize,
}

impl<'a> RuntimeReport<'a> {
    /// An error with only a code and a message (`error[CODE]: message`).
    pub fn plain(code: &'a str, message: &'a str) -> RuntimeReport<'a> {
        RuntimeReport {
            code,
            message,
            location: Location::None,
            frames: &[],
            frames_omitted: 0,
        }
    }

    /// An error about the whole of `file` (`  --> FILE` under the header).
    pub fn in_file(code: &'a str, message: &'a str, file: &'a str) -> RuntimeReport<'a> {
        RuntimeReport {
            location: Location::File(file),
            ..RuntimeReport::plain(code, message)
        }
    }
}

/// Appends the error (header, location, trace) without a trailing newline.
pub fn render_runtime(out: &mut String, r: &RuntimeReport<'_>, p: Painter) {
    header(out, p, Severity::Error, r.code, r.message);
    if r.location != Location::None {
        out.push('\n');
        arrow(out, p, " ", &r.location.text());
    }
    for line in trace_lines(r.frames, r.frames_omitted) {
        out.push('\n');
        let (gutter, rest) = line.split_at(3);
        p.paint(out, Part::Gutter, gutter);
        out.push_str(rest);
    }
}

/// The error as a `String` (see [`render_runtime`]).
pub fn runtime_text(r: &RuntimeReport<'_>, p: Painter) -> String {
    let mut out = String::new();
    render_runtime(&mut out, r, p);
    out
}

/// A failure that is not a Lumen error with a code (a usage or I/O problem of the host,
/// an argument that is not UTF-8): `error: message`.
pub fn host_error(message: &str, p: Painter) -> String {
    let mut out = String::new();
    p.paint(
        &mut out,
        Part::Header(Severity::Error),
        Severity::Error.name(),
    );
    out.push_str(": ");
    out.push_str(message);
    out
}

/// A bug in Lumen, on one line: `internal error: WHAT (please report this bug)`.
pub fn internal_error(what: &str) -> String {
    format!("internal error: {what} (please report this bug)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_locations() {
        let mut r = RuntimeReport::plain("E0913", "bad arguments");
        assert_eq!(
            runtime_text(&r, Painter::PLAIN),
            "error[E0913]: bad arguments"
        );
        assert_eq!(r.location.text(), "");
        r.location = Location::File("main.lmb");
        assert_eq!(r.location.text(), "main.lmb");
        assert_eq!(
            runtime_text(&r, Painter::PLAIN),
            "error[E0913]: bad arguments\n  --> main.lmb"
        );
        r.location = Location::Line {
            file: "main.lm",
            line: 5,
            column: 0,
            cell: "main",
        };
        assert_eq!(
            runtime_text(&r, Painter::PLAIN),
            "error[E0913]: bad arguments\n  --> main.lm:5 (in main)"
        );
        r.location = Location::Line {
            file: "main.lm",
            line: 5,
            column: 12,
            cell: "main",
        };
        assert_eq!(r.location.text(), "main.lm:5:12 (in main)");
        r.location = Location::Line {
            file: "main.lm",
            line: 0,
            column: 0,
            cell: "main",
        };
        assert_eq!(r.location.text(), "main.lm (in main)");
        assert_eq!(
            RuntimeReport::in_file("E0311", "no", "a.lm"),
            RuntimeReport {
                code: "E0311",
                message: "no",
                location: Location::File("a.lm"),
                frames: &[],
                frames_omitted: 0,
            }
        );
    }

    #[test]
    fn frames_follow_the_location() {
        let frames = [
            Frame {
                cell: "pick".into(),
                file: "main.lm".into(),
                line: 4,
                column: 9,
            },
            Frame {
                cell: "main".into(),
                file: "main.lm".into(),
                line: 8,
                column: 3,
            },
        ];
        let r = RuntimeReport {
            code: "E0903",
            message: "index 3 is out of range",
            location: Location::Line {
                file: "main.lm",
                line: 4,
                column: 9,
                cell: "pick",
            },
            frames: &frames,
            frames_omitted: 0,
        };
        assert_eq!(
            runtime_text(&r, Painter::PLAIN),
            "error[E0903]: index 3 is out of range\n  --> main.lm:4:9 (in pick)\n  = at pick (main.lm:4:9)\n  = at main (main.lm:8:3)"
        );
        let coloured = runtime_text(&r, Painter::ANSI);
        assert!(
            coloured.contains("\n\x1b[34m  =\x1b[0m at pick"),
            "{coloured:?}"
        );
    }

    #[test]
    fn host_and_internal_errors() {
        assert_eq!(
            host_error("no such file", Painter::PLAIN),
            "error: no such file"
        );
        assert_eq!(host_error("x", Painter::ANSI), "\x1b[1;91merror\x1b[0m: x");
        assert_eq!(
            internal_error("boom"),
            "internal error: boom (please report this bug)"
        );
    }
}
