//! The lines around a list of diagnostics: the cap on how many are shown, how many more
//! there are, and `error: could not compile`.

use crate::diagnostic::{render_diagnostic, Diagnostic};
use crate::style::{Painter, Part};
use crate::Severity;

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
pub fn thousands(n: usize) -> String {
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

/// The line printed after the first [`MAX_SHOWN`] diagnostics when `hidden` (the rest)
/// is not empty (`None` otherwise), e.g. `… and 1,550 more errors and 2 more warnings; run
/// with `--format json` to see them all`, followed by a blank line.
pub fn more_line(hidden: &[Severity]) -> Option<String> {
    if hidden.is_empty() {
        return None;
    }
    let errors = hidden.iter().filter(|s| **s == Severity::Error).count();
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

/// Appends the first [`MAX_SHOWN`] of `diags`, then [`more_line`] when there are more.
pub fn render_diagnostics(out: &mut String, diags: &[Diagnostic<'_>], p: Painter) {
    for d in diags.iter().take(MAX_SHOWN) {
        render_diagnostic(out, d, p);
    }
    let hidden: Vec<Severity> = diags.iter().skip(MAX_SHOWN).map(|d| d.severity).collect();
    if let Some(more) = more_line(&hidden) {
        out.push_str(&more);
    }
}

/// Appends `error: could not compile `NAME` (N errors)` (at least one error; no newline).
pub fn could_not_compile(out: &mut String, name: &str, errors: usize, p: Painter) {
    p.paint(out, Part::Header(Severity::Error), Severity::Error.name());
    out.push_str(&format!(
        ": could not compile `{name}` ({})",
        plural(errors.max(1), "error")
    ));
}

/// The whole text `lumen run` prints on standard error for a program that does not
/// compile: [`render_diagnostics`] (warnings too), then [`could_not_compile`]. No trailing
/// newline.
pub fn render_compile_failure(name: &str, diags: &[Diagnostic<'_>], p: Painter) -> String {
    let mut out = String::new();
    render_diagnostics(&mut out, diags, p);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    could_not_compile(&mut out, name, errors, p);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(severity: Severity) -> Diagnostic<'static> {
        Diagnostic {
            severity,
            code: "E0300",
            message: "bad",
            file: "main.lm",
            line: 1,
            column: 1,
            span_len: 1,
            source_line: "x",
            source_cut: None,
            notes: &[],
        }
    }

    #[test]
    fn at_most_max_shown_then_how_many_more() {
        let mut diags = vec![diag(Severity::Error); 1650];
        diags[1600].severity = Severity::Warning;
        let text = render_compile_failure("main.lm", &diags, Painter::PLAIN);
        assert_eq!(text.matches("error[E0300]").count(), MAX_SHOWN);
        assert!(
            text.ends_with(
                "\u{2026} and 1,549 more errors and 1 more warning; run with `--format json` to see them all\n\nerror: could not compile `main.lm` (1649 errors)"
            ),
            "{}",
            &text[text.len() - 300..]
        );
        assert_eq!(more_line(&[]), None);
        assert_eq!(
            more_line(&[Severity::Warning, Severity::Warning]).as_deref(),
            Some("\u{2026} and 2 more warnings; run with `--format json` to see them all\n\n")
        );
    }

    #[test]
    fn failure_with_only_warnings_still_counts_one_error() {
        let text = render_compile_failure("m.lm", &[diag(Severity::Warning)], Painter::PLAIN);
        assert!(text.starts_with("warning[E0300]: bad\n"), "{text}");
        assert!(text.ends_with("\n\nerror: could not compile `m.lm` (1 error)"));
        let mut coloured = String::new();
        could_not_compile(&mut coloured, "m.lm", 2, Painter::ANSI);
        assert_eq!(
            coloured,
            "\x1b[1;91merror\x1b[0m: could not compile `m.lm` (2 errors)"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "warning"), "0 warnings");
    }
}
