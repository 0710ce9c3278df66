//! One compile diagnostic as text, in codespan-reporting's ASCII layout:
//!
//! ```text
//! error[E0100]: expected expression, found `*`
//!   --> main.lm:2:15
//!   |
//! 2 |   let x = 1 + * 2
//!   |               ^
//!
//! ```
//!
//! The caret line underlines the span on its first line (at least one character; a span
//! running past the end of the line stops there). Tabs and long lines are shown as
//! [`crate::line`] says. A diagnostic without a line (`line == 0`) is reported against its
//! file: `  --> FILE`, then its notes.

use crate::line::{LineCut, Shown};
use crate::style::{Painter, Part};
use crate::Severity;
use std::fmt::Write as _;

/// What the renderer needs of a compile diagnostic (hosts convert theirs into this view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnostic<'a> {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code such as `E0300`.
    pub code: &'a str,
    /// One line.
    pub message: &'a str,
    /// The file name as given to the compiler.
    pub file: &'a str,
    /// 1-based line; 0 when the diagnostic has no location in the file.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// How many bytes the span covers (underlined on its first line).
    pub span_len: usize,
    /// The source line the span starts on (or the window of it given by `source_cut`).
    pub source_line: &'a str,
    /// Set when `source_line` is a window of a longer line.
    pub source_cut: Option<LineCut>,
    /// Notes shown under the source line (`help: ...`).
    pub notes: &'a [String],
}

/// Appends the header `error[CODE]: message` (no newline).
pub(crate) fn header(out: &mut String, p: Painter, severity: Severity, code: &str, message: &str) {
    let mut head = String::from(severity.name());
    let _ = write!(head, "[{code}]");
    p.paint(out, Part::Header(severity), &head);
    p.paint(out, Part::Message, &format!(": {message}"));
}

/// Appends `  --> ` (gutter-styled, with `pad` in front of the arrow) and `location`.
pub(crate) fn arrow(out: &mut String, p: Painter, pad: &str, location: &str) {
    p.paint(out, Part::Gutter, &format!("{pad} --> "));
    out.push_str(location);
}

/// Appends one diagnostic (header, location, source line, caret, notes, blank line), each
/// line ending in a newline.
pub fn render_diagnostic(out: &mut String, d: &Diagnostic<'_>, p: Painter) {
    header(out, p, d.severity, d.code, d.message);
    out.push('\n');
    if d.line == 0 {
        arrow(out, p, " ", d.file);
        out.push('\n');
        for note in d.notes {
            p.paint(out, Part::Gutter, "  =");
            let _ = writeln!(out, " {note}");
        }
        out.push('\n');
        return;
    }
    let number = d.line.to_string();
    let pad = " ".repeat(number.len());
    arrow(out, p, &pad, &format!("{}:{}:{}", d.file, d.line, d.column));
    out.push('\n');
    p.paint(out, Part::Gutter, &format!("{pad} |"));
    out.push('\n');
    let shown = Shown::of(d.source_line, d.column, d.source_cut);
    p.paint(out, Part::Gutter, &format!("{number} |"));
    let _ = writeln!(out, " {}", shown.text());
    p.paint(out, Part::Gutter, &format!("{pad} |"));
    out.push(' ');
    out.push_str(&" ".repeat(shown.lead()));
    p.paint(
        out,
        Part::Caret(d.severity),
        &"^".repeat(shown.carets(d.span_len)),
    );
    out.push('\n');
    for note in d.notes {
        p.paint(out, Part::Gutter, &format!("{pad} ="));
        let _ = writeln!(out, " {note}");
    }
    out.push('\n');
}

/// True when `d`'s source line is shown as a window (it is longer than
/// [`crate::line::MAX_LINE_CHARS`] characters).
pub fn is_long_line(d: &Diagnostic<'_>) -> bool {
    d.source_cut.is_some()
        || d.source_line
            .chars()
            .nth(crate::line::MAX_LINE_CHARS)
            .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag<'a>(span_len: usize, line: u32, column: u32, source_line: &'a str) -> Diagnostic<'a> {
        Diagnostic {
            severity: Severity::Error,
            code: "E0300",
            message: "expected `Int`, found `String`",
            file: "prog.lm",
            line,
            column,
            span_len,
            source_line,
            source_cut: None,
            notes: &[],
        }
    }

    fn plain(d: &Diagnostic<'_>) -> String {
        let mut out = String::new();
        render_diagnostic(&mut out, d, Painter::PLAIN);
        out
    }

    #[test]
    fn layout() {
        assert_eq!(
            plain(&diag(1, 2, 15, "  let x = 1 + * 2")),
            "error[E0300]: expected `Int`, found `String`\n  --> prog.lm:2:15\n  |\n2 |   let x = 1 + * 2\n  |               ^\n\n"
        );
    }

    #[test]
    fn wide_gutter_notes_and_multi_character_span() {
        let notes = vec!["help: add them".to_string()];
        let mut d = diag(5, 11, 18, "  let s = add(1, \"two\")");
        d.notes = &notes;
        let out = plain(&d);
        assert!(
            out.contains("   --> prog.lm:11:18\n   |\n11 |   let s"),
            "{out}"
        );
        assert!(
            out.ends_with("   |                  ^^^^^\n   = help: add them\n\n"),
            "{out}"
        );
    }

    #[test]
    fn unlocated_warning() {
        let notes = vec!["help: try this".to_string()];
        let mut d = diag(1, 0, 0, "");
        d.severity = Severity::Warning;
        d.notes = &notes;
        assert_eq!(
            plain(&d),
            "warning[E0300]: expected `Int`, found `String`\n  --> prog.lm\n  = help: try this\n\n"
        );
    }

    #[test]
    fn colours_wrap_the_parts_and_leave_the_text() {
        let d = diag(1, 2, 15, "  let x = 1 + * 2");
        let mut out = String::new();
        render_diagnostic(&mut out, &d, Painter::ANSI);
        assert!(out.starts_with("\x1b[1;91merror[E0300]\x1b[0m\x1b[1m: expected"));
        assert!(out.contains("\x1b[31m^\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[34m  --> \x1b[0mprog.lm:2:15"), "{out:?}");
        // Without the escape sequences it is the plain text.
        let stripped = strip(&out);
        assert_eq!(stripped, plain(&d));
    }

    /// `s` without SGR escape sequences.
    pub(crate) fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn long_lines() {
        let line = "x".repeat(200);
        let d = diag(1, 1, 150, &line);
        assert!(is_long_line(&d));
        assert!(!is_long_line(&diag(1, 1, 1, "short")));
        assert!(plain(&d).contains('\u{2026}'));
    }
}
