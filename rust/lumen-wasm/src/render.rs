//! Plain-text rendering of compile diagnostics, the same layout `lumen run` / `lumen check`
//! print (codespan-reporting's ASCII style, without colours), kept small for WebAssembly:
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
//! The caret line underlines the diagnostic's span on its first line (at least one
//! character). Tabs are shown as four spaces, as codespan-reporting does.

use lumen_compiler::{Diagnostic, Severity};
use std::fmt::Write as _;

/// How many columns a tab takes in the source and caret lines.
const TAB_WIDTH: usize = 4;

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn width(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else {
        1
    }
}

/// Appends one diagnostic (header, location, source line, caret, notes, blank line).
pub fn render_diagnostic(out: &mut String, d: &Diagnostic) {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{kind}[{}]: {}", d.code, d.message);
    if d.line == 0 {
        let _ = writeln!(out, "  --> {}", d.file);
        for note in &d.notes {
            let _ = writeln!(out, "  = {note}");
        }
        out.push('\n');
        return;
    }
    let number = d.line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(out, "{pad} --> {}:{}:{}", d.file, d.line, d.column);
    let _ = writeln!(out, "{pad} |");
    let line = d.source_line.trim_end_matches(['\n', '\r']);
    let shown: String = line
        .chars()
        .map(|c| {
            if c == '\t' {
                " ".repeat(TAB_WIDTH)
            } else {
                c.to_string()
            }
        })
        .collect();
    let _ = writeln!(out, "{number} | {shown}");
    let skip = d.column.saturating_sub(1) as usize;
    // A column past the end of the line (a caret after the last character) still lines up.
    let lead: usize = line.chars().take(skip).map(width).sum::<usize>()
        + skip.saturating_sub(line.chars().count());
    // Underline as many characters as the span's bytes cover on this line.
    let span_len = d.span.end.saturating_sub(d.span.start) as usize;
    let mut covered = 0usize;
    let mut carets = 0usize;
    for c in line.chars().skip(skip) {
        if covered >= span_len {
            break;
        }
        covered += c.len_utf8();
        carets += width(c);
    }
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(lead),
        "^".repeat(carets.max(1))
    );
    for note in &d.notes {
        let _ = writeln!(out, "{pad} = {note}");
    }
    out.push('\n');
}

/// The whole text `lumen run` prints on standard error for a program that does not compile:
/// every diagnostic (warnings too), then `error: could not compile `NAME` (N errors)`.
/// No trailing newline.
pub fn render_compile_failure(name: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        render_diagnostic(&mut out, d);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let _ = write!(
        out,
        "error: could not compile `{name}` ({})",
        plural(errors.max(1), "error")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumen_compiler::span::Span;

    fn diag(start: usize, end: usize, line: u32, column: u32, source_line: &str) -> Diagnostic {
        let mut d = Diagnostic::error(
            "E0300",
            "expected `Int`, found `String`",
            Span::new(start, end),
        );
        d.file = "prog.lm".into();
        d.line = line;
        d.column = column;
        d.source_line = source_line.into();
        d
    }

    #[test]
    fn layout_matches_the_cli() {
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(30, 31, 2, 15, "  let x = 1 + * 2"));
        assert_eq!(
            out,
            "error[E0300]: expected `Int`, found `String`\n  --> prog.lm:2:15\n  |\n2 |   let x = 1 + * 2\n  |               ^\n\n"
        );
    }

    #[test]
    fn wide_gutter_and_multi_character_span() {
        let mut out = String::new();
        render_diagnostic(
            &mut out,
            &diag(100, 105, 11, 18, "  let s = add(1, \"two\")"),
        );
        assert!(
            out.contains("   --> prog.lm:11:18\n   |\n11 |   let s"),
            "{out}"
        );
        assert!(out.contains("   |                  ^^^^^\n"), "{out}");
    }

    #[test]
    fn spans_past_the_line_end_stop_there_and_empty_spans_get_one_caret() {
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(0, 50, 1, 3, "abcd"));
        assert!(out.ends_with("1 | abcd\n  |   ^^\n\n"), "{out}");
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(5, 5, 1, 9, ""));
        assert!(out.ends_with("1 | \n  |         ^\n\n"), "{out}");
    }

    #[test]
    fn tabs_unicode_warnings_and_unlocated() {
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(1, 3, 1, 2, "\té x"));
        assert!(out.contains("1 |     é x\n  |     ^\n"), "{out}");
        let mut w = diag(0, 1, 0, 0, "");
        w.severity = Severity::Warning;
        w.notes.push("help: try this".into());
        let mut out = String::new();
        render_diagnostic(&mut out, &w);
        assert_eq!(
            out,
            "warning[E0300]: expected `Int`, found `String`\n  --> prog.lm\n  = help: try this\n\n"
        );
    }

    #[test]
    fn failure_summary() {
        let text = render_compile_failure("main.lm", &[diag(0, 1, 1, 1, "x")]);
        assert!(
            text.ends_with("\n\nerror: could not compile `main.lm` (1 error)"),
            "{text}"
        );
        assert_eq!(plural(2, "error"), "2 errors");
    }
}
