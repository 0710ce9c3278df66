//! Rendering compile diagnostics: human-readable (by the one renderer, [`lumen_report`]:
//! the source line with a caret, coloured on a terminal) and JSON (`{code, message, file,
//! line, column, severity}`).

use lumen_compiler::Diagnostic;
use lumen_report::style::use_colour;
use lumen_report::Painter;
use std::io::{self, IsTerminal, Write};

/// How to paint what goes to standard error: ANSI colours only on a terminal, and never
/// when `NO_COLOR` is set.
pub fn stderr_painter() -> Painter {
    Painter::new(use_colour(
        io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
    ))
}

/// The human-readable text of `diags`: the first [`lumen_report::MAX_SHOWN`], then a line
/// saying how many more there are (`… and 1,550 more errors; run with `--format json` to
/// see them all`). Each diagnostic is `error[CODE]: message`, `--> file:line:col`, the
/// source line with carets, and notes.
pub fn human(diags: &[Diagnostic], p: Painter) -> String {
    let mut out = String::new();
    lumen_compiler::render::render_diagnostics(&mut out, diags, p);
    out
}

/// Writes `text` to standard error in one piece (one system call, not one per fragment);
/// a closed standard error is ignored: there is nowhere left to report to.
pub fn to_stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Counts errors and warnings.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// `1 error`, `2 warnings`.
pub use lumen_report::plural;

/// The JSON object of one diagnostic: exactly `code, message, file, line, column, severity`.
pub fn to_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "code": d.code,
        "message": d.message,
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "severity": d.severity.name(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumen_compiler::span::Span;
    use lumen_compiler::Severity;

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
    fn human_has_code_location_source_and_caret() {
        let out = human(
            &[diag(28, 31, 2, 16, "  let x: Int = \"s\"")],
            Painter::PLAIN,
        );
        assert_eq!(
            out,
            "error[E0300]: expected `Int`, found `String`\n  --> prog.lm:2:16\n  |\n2 |   let x: Int = \"s\"\n  |                ^^^\n\n"
        );
    }

    #[test]
    fn colours_only_add_escapes() {
        let d = [diag(28, 31, 2, 16, "  let x: Int = \"s\"")];
        let coloured = human(&d, Painter::ANSI);
        assert!(coloured.contains("\x1b["), "{coloured:?}");
        assert_ne!(coloured, human(&d, Painter::PLAIN));
        // Tests run with standard error captured (not a terminal): no colours.
        assert!(!stderr_painter().is_colour() || io::stderr().is_terminal());
    }

    #[test]
    fn json_has_exactly_the_keys() {
        let mut d = diag(0, 1, 1, 2, "x").with_note("help: something");
        d.severity = Severity::Warning;
        let j = to_json(&d);
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["code", "column", "file", "line", "message", "severity"]
        );
        assert_eq!(j["severity"], "warning");
        assert_eq!(j["line"], 1);
    }

    #[test]
    fn counting_and_plurals() {
        let mut w = diag(0, 0, 1, 1, "");
        w.severity = Severity::Warning;
        assert_eq!(count(&[diag(0, 0, 1, 1, ""), w]), (1, 1));
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(2, "error"), "2 errors");
    }
}
