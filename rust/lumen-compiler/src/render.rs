//! The compiler's diagnostics rendered by the one renderer, [`lumen_report`]: this module
//! only turns a [`Diagnostic`] into the renderer's view, for the hosts that hold compiler
//! diagnostics (`lumen check` / `lumen run`, the JavaScript package), so they print the
//! same bytes:
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
//! character). Tabs are shown as four spaces. A source line longer than
//! [`MAX_LINE_CHARS`] characters is shown as a window of [`WINDOW_CHARS`] characters around
//! the caret, with `…` where it is cut. Hosts show at most [`MAX_SHOWN`] diagnostics and
//! then [`more_line`] (all of them stay in the JSON output).

use crate::Diagnostic;
use lumen_report::Painter;

pub use lumen_report::line::{cut_line, MAX_LINE_CHARS, WINDOW_CHARS};
pub use lumen_report::summary::{plural, MAX_SHOWN};

/// The renderer's view of `d`.
pub fn view(d: &Diagnostic) -> lumen_report::Diagnostic<'_> {
    lumen_report::Diagnostic {
        severity: d.severity.into(),
        code: d.code,
        message: &d.message,
        file: &d.file,
        line: d.line,
        column: d.column,
        span_len: d.span.end.saturating_sub(d.span.start) as usize,
        source_line: &d.source_line,
        source_cut: d.source_cut,
        notes: &d.notes,
    }
}

/// The views of `diags`.
pub fn views(diags: &[Diagnostic]) -> Vec<lumen_report::Diagnostic<'_>> {
    diags.iter().map(view).collect()
}

/// The line printed after the first [`MAX_SHOWN`] diagnostics of `diags` when there are
/// more (`None` otherwise), e.g. `… and 1,550 more errors and 2 more warnings; run with
/// `--format json` to see them all`, followed by a blank line.
pub fn more_line(diags: &[Diagnostic]) -> Option<String> {
    let hidden: Vec<lumen_report::Severity> = diags
        .iter()
        .skip(MAX_SHOWN)
        .map(|d| d.severity.into())
        .collect();
    lumen_report::summary::more_line(&hidden)
}

/// Appends one diagnostic (header, location, source line, caret, notes, blank line),
/// without colours.
pub fn render_diagnostic(out: &mut String, d: &Diagnostic) {
    lumen_report::render_diagnostic(out, &view(d), Painter::PLAIN);
}

/// Appends the first [`MAX_SHOWN`] of `diags`, then [`more_line`] when there are more,
/// plainly or in colour.
pub fn render_diagnostics(out: &mut String, diags: &[Diagnostic], p: Painter) {
    lumen_report::render_diagnostics(out, &views(diags), p);
}

/// The whole text `lumen run` prints on standard error for a program that does not compile:
/// the first [`MAX_SHOWN`] diagnostics (warnings too), [`more_line`] when there are more,
/// then `error: could not compile `NAME` (N errors)`. No trailing newline, no colours.
pub fn render_compile_failure(name: &str, diags: &[Diagnostic]) -> String {
    lumen_report::render_compile_failure(name, &views(diags), Painter::PLAIN)
}

/// True when `d`'s source line is shown as a window (it is longer than [`MAX_LINE_CHARS`]).
pub fn is_long_line(d: &Diagnostic) -> bool {
    lumen_report::diagnostic::is_long_line(&view(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use crate::Severity;

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

    #[test]
    fn issue10_item14_long_line_is_a_window_around_the_caret() {
        // A 10,000-character line with the error at character 5,001 (column 5,001).
        let line = format!("{}@{}", "a".repeat(5000), "b".repeat(4999));
        let mut d = diag(5000, 5001, 2, 5001, &line);
        d.message = "bad".into();
        let mut out = String::new();
        render_diagnostic(&mut out, &d);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "  --> prog.lm:2:5001");
        // `…`, 40 characters before the caret, the caret's character, 59 after, `…`.
        let shown = format!("2 | \u{2026}{}@{}\u{2026}", "a".repeat(40), "b".repeat(59));
        assert_eq!(lines[3], shown);
        // The caret sits under `@`: after the gutter, `…` and the 40 characters.
        assert_eq!(lines[4], format!("  | {}^", " ".repeat(41)));
        assert!(out.len() < 400, "{} bytes", out.len());
        // Near the start of a long line there is no leading `…`; near the end no trailing one.
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(2, 3, 1, 3, &line));
        assert!(
            out.contains(&format!("1 | {}\u{2026}\n", "a".repeat(100))),
            "{out}"
        );
        assert!(out.contains("  |   ^\n"), "{out}");
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(9998, 9999, 1, 9999, &line));
        assert!(
            out.contains(&format!("1 | \u{2026}{}\n", "b".repeat(100))),
            "{out}"
        );
        assert!(out.contains(&format!("  | {}^\n", " ".repeat(99))), "{out}");
        // Lines up to the limit are shown whole.
        let short = "x".repeat(MAX_LINE_CHARS);
        let mut out = String::new();
        render_diagnostic(&mut out, &diag(0, 1, 1, 1, &short));
        assert!(out.contains(&format!("1 | {short}\n")), "{out}");
    }

    #[test]
    fn issue10_item14_at_most_max_shown_then_how_many_more() {
        let mut diags: Vec<Diagnostic> = (0..1650).map(|i| diag(i, i + 1, 1, 1, "x")).collect();
        diags[1600].severity = Severity::Warning;
        let text = render_compile_failure("main.lm", &diags);
        assert_eq!(text.matches("error[E0300]").count(), MAX_SHOWN);
        assert!(
            text.contains(
                "\u{2026} and 1,549 more errors and 1 more warning; run with `--format json` to see them all\n\nerror: could not compile `main.lm` (1649 errors)"
            ),
            "{}",
            &text[text.len() - 300..]
        );
        assert_eq!(more_line(&diags[..MAX_SHOWN]), None);
        assert_eq!(
            more_line(&diags[..MAX_SHOWN + 1]).as_deref(),
            Some("\u{2026} and 1 more error; run with `--format json` to see them all\n\n")
        );
    }

    #[test]
    fn issue10_item14_located_long_line_keeps_only_the_window_and_renders_the_same() {
        // 3,000 copies of `é-"a", ` (non-ASCII too) on line 2; the error at copy 1,500.
        let unit = "\u{e9}-\"a\", ";
        let line = format!("  let xs = [{}]", unit.repeat(3000));
        let text = format!("cell main()\n{line}\nend\n");
        let at_char = 13 + 1500 * unit.chars().count();
        let line_start = "cell main()\n".len();
        let at = line_start + line.char_indices().nth(at_char - 1).unwrap().0;
        let mut located = Diagnostic::error("E0307", "bad", Span::new(at, at + 6));
        let index = crate::span::LineIndex::new(&text);
        located.locate("prog.lm", &text, &index);
        assert!(
            located.source_line.len() < 4 * WINDOW_CHARS,
            "{}",
            located.source_line.len()
        );
        assert!(located.source_cut.is_some());
        // The same diagnostic with the whole line, cut only when rendered.
        let mut whole = located.clone();
        whole.source_line = text.lines().nth(1).unwrap().to_string();
        whole.source_cut = None;
        let (mut a, mut b) = (String::new(), String::new());
        render_diagnostic(&mut a, &located);
        render_diagnostic(&mut b, &whole);
        assert_eq!(a, b);
        assert!(a.contains("\u{2026}"), "{a}");
        assert!(is_long_line(&located) && is_long_line(&whole));
    }
}
