//! Plain-text rendering of diagnostics in the layout of the CLI's human format
//! (codespan-reporting's ASCII style, without colours), shared by `lumen check`/`lumen run`
//! (for the lines codespan cannot show well, and for the cap on how many are shown) and the
//! JavaScript package, so the two print the same bytes:
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
//! character). Tabs are shown as four spaces, as codespan-reporting does. A source line
//! longer than [`MAX_LINE_CHARS`] characters is shown as a window of [`WINDOW_CHARS`]
//! characters around the caret, with `…` where it is cut. Hosts show at most
//! [`MAX_SHOWN`] diagnostics and then [`more_line`] (all of them stay in the JSON output).

use crate::diagnostic::LineCut;
use crate::{Diagnostic, Severity};
use std::fmt::Write as _;

/// How many columns a tab takes in the source and caret lines.
const TAB_WIDTH: usize = 4;

/// Source lines longer than this (in characters) are shown as a window around the caret.
pub const MAX_LINE_CHARS: usize = 120;

/// How many characters of a long source line are shown.
pub const WINDOW_CHARS: usize = 100;

/// How many characters of the window come before the caret (when the line has them).
const WINDOW_BEFORE: usize = 40;

/// How many diagnostics a human-readable report shows before [`more_line`].
pub const MAX_SHOWN: usize = 100;

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1550` as `1,550`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line printed after the first [`MAX_SHOWN`] diagnostics of `diags` when there are
/// more (`None` otherwise), e.g. `… and 1,550 more errors and 2 more warnings; run with
/// `--format json` to see them all`, followed by a blank line.
pub fn more_line(diags: &[Diagnostic]) -> Option<String> {
    let hidden = diags.get(MAX_SHOWN..).filter(|h| !h.is_empty())?;
    let errors = hidden.iter().filter(|d| d.is_error()).count();
    let warnings = hidden.len() - errors;
    let word =
        |n: usize, w: &str| format!("{} more {w}{}", thousands(n), if n == 1 { "" } else { "s" });
    let what = match (errors, warnings) {
        (e, 0) => word(e, "error"),
        (0, w) => word(w, "warning"),
        (e, w) => format!("{} and {}", word(e, "error"), word(w, "warning")),
    };
    Some(format!(
        "\u{2026} and {what}; run with `--format json` to see them all\n\n"
    ))
}

fn width(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else {
        1
    }
}

/// What is shown of a source line: the characters, how many of them precede the caret
/// column (`skip`), and the `…` markers.
struct Shown {
    chars: Vec<char>,
    skip: usize,
    cut_before: bool,
    cut_after: bool,
}

/// Moves byte index `i` of `s` back over up to `n` characters.
fn back(s: &str, mut i: usize, n: usize) -> usize {
    for _ in 0..n {
        if i == 0 {
            break;
        }
        i -= 1;
        while i > 0 && !s.is_char_boundary(i) {
            i -= 1;
        }
    }
    i
}

/// Moves byte index `i` of `s` forward over up to `n` characters.
fn forward(s: &str, i: usize, n: usize) -> usize {
    match s.get(i..).and_then(|rest| rest.char_indices().nth(n)) {
        Some((j, _)) => i + j,
        None => s.len(),
    }
}

/// For a line longer than [`MAX_LINE_CHARS`] characters: the [`WINDOW_CHARS`]-character
/// window shown for a span starting at byte `at` of the line ([`WINDOW_BEFORE`] characters
/// before it when the line has them, else from the start; the last characters near the
/// end), and how it was cut. `None` for a line short enough to show whole. Costs time in
/// the window's size, not the line's.
pub fn cut_line(line: &str, at: usize) -> Option<(&str, LineCut)> {
    if line.len() <= MAX_LINE_CHARS || forward(line, 0, MAX_LINE_CHARS) == line.len() {
        return None;
    }
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    let mut start = back(line, at, WINDOW_BEFORE);
    let mut end = forward(line, start, WINDOW_CHARS);
    if end == line.len() {
        start = start.min(back(line, line.len(), WINDOW_CHARS));
        end = forward(line, start, WINDOW_CHARS);
    }
    let window = line.get(start..end)?;
    let skip = line.get(start..at).map_or(0, |s| s.chars().count());
    Some((
        window,
        LineCut {
            before: start > 0,
            after: end < line.len(),
            skip,
        },
    ))
}

/// The part of `d`'s source line to show, and where its caret goes.
fn shown_line(d: &Diagnostic) -> Shown {
    let line = d.source_line.trim_end_matches(['\n', '\r']);
    let skip = d.column.saturating_sub(1) as usize;
    if let Some(cut) = d.source_cut {
        return Shown {
            chars: line.chars().collect(),
            skip: cut.skip,
            cut_before: cut.before,
            cut_after: cut.after,
        };
    }
    // A long line given whole (a diagnostic built by hand): cut it here.
    let at = line.char_indices().nth(skip).map_or(line.len(), |(i, _)| i);
    match cut_line(line, at) {
        Some((window, cut)) => Shown {
            chars: window.chars().collect(),
            skip: cut.skip + skip.saturating_sub(line.chars().count()),
            cut_before: cut.before,
            cut_after: cut.after,
        },
        None => Shown {
            chars: line.chars().collect(),
            skip,
            cut_before: false,
            cut_after: false,
        },
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
    let shown = shown_line(d);
    let mut text = String::new();
    if shown.cut_before {
        text.push('\u{2026}');
    }
    for &c in &shown.chars {
        if c == '\t' {
            text.push_str(&" ".repeat(TAB_WIDTH));
        } else {
            text.push(c);
        }
    }
    if shown.cut_after {
        text.push('\u{2026}');
    }
    let _ = writeln!(out, "{number} | {text}");
    let skip = shown.skip;
    // A column past the end of the line (a caret after the last character) still lines up.
    let lead: usize = usize::from(shown.cut_before)
        + shown
            .chars
            .iter()
            .take(skip)
            .copied()
            .map(width)
            .sum::<usize>()
        + skip.saturating_sub(shown.chars.len());
    // Underline as many characters as the span's bytes cover on this line.
    let span_len = d.span.end.saturating_sub(d.span.start) as usize;
    let mut covered = 0usize;
    let mut carets = 0usize;
    for &c in shown.chars.iter().skip(skip) {
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
/// the first [`MAX_SHOWN`] diagnostics (warnings too), [`more_line`] when there are more,
/// then `error: could not compile `NAME` (N errors)`. No trailing newline.
pub fn render_compile_failure(name: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags.iter().take(MAX_SHOWN) {
        render_diagnostic(&mut out, d);
    }
    if let Some(more) = more_line(diags) {
        out.push_str(&more);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let _ = write!(
        out,
        "error: could not compile `{name}` ({})",
        plural(errors.max(1), "error")
    );
    out
}

/// True when `d`'s source line is shown as a window (it is longer than [`MAX_LINE_CHARS`]).
pub fn is_long_line(d: &Diagnostic) -> bool {
    d.source_cut.is_some() || d.source_line.chars().nth(MAX_LINE_CHARS).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

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
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
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
