//! Rendering compile diagnostics: human-readable (codespan-reporting, ASCII art, with the
//! source line and a caret) and JSON (`{code, message, file, line, column, severity}`).

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{ColorChoice, WriteColor};
use codespan_reporting::term::{self, Chars};
use lumen_compiler::render::{self, MAX_SHOWN};
use lumen_compiler::{Diagnostic, Severity};
use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::ops::Range;

/// Colours for a stream: only on a terminal, and never when `NO_COLOR` is set.
pub fn color_choice(is_terminal: bool) -> ColorChoice {
    if is_terminal && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

/// A buffered standard-error stream with the right colour choice (flush it when done:
/// unbuffered, every fragment of a diagnostic was a system call of its own).
pub fn stderr_stream() -> term::termcolor::BufferedStandardStream {
    term::termcolor::BufferedStandardStream::stderr(color_choice(io::stderr().is_terminal()))
}

/// The byte range to underline for `d` in `text`, when the span is usable: inside the text
/// and on character boundaries. An empty span is widened to the character it points at.
fn label_range(d: &Diagnostic, text: &str) -> Option<Range<usize>> {
    let start = d.span.start as usize;
    let mut end = (d.span.end as usize).max(start);
    if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return None;
    }
    if start == end {
        if let Some(c) = text.get(start..).and_then(|rest| rest.chars().next()) {
            if c != '\n' && c != '\r' {
                end = start + c.len_utf8();
            }
        }
    }
    Some(start..end)
}

/// Renders diagnostics for people. `source` gives the text of a file by name.
pub struct HumanRenderer<'a> {
    files: SimpleFiles<String, String>,
    ids: HashMap<String, Option<usize>>,
    source: &'a dyn Fn(&str) -> Option<String>,
    config: term::Config,
}

impl<'a> HumanRenderer<'a> {
    /// A renderer looking file texts up with `source`.
    pub fn new(source: &'a dyn Fn(&str) -> Option<String>) -> HumanRenderer<'a> {
        HumanRenderer {
            files: SimpleFiles::new(),
            ids: HashMap::new(),
            source,
            config: term::Config {
                chars: Chars::ascii(),
                ..term::Config::default()
            },
        }
    }

    fn file_id(&mut self, name: &str) -> Option<usize> {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = (self.source)(name).map(|text| self.files.add(name.to_string(), text));
        self.ids.insert(name.to_string(), id);
        id
    }

    /// Writes the first [`MAX_SHOWN`] of `diags`, then a line saying how many more there
    /// are (`… and 1,550 more errors; run with `--format json` to see them all`).
    pub fn emit_all(&mut self, out: &mut dyn WriteColor, diags: &[Diagnostic]) -> io::Result<()> {
        for d in diags.iter().take(MAX_SHOWN) {
            self.emit(out, d)?;
        }
        if let Some(more) = render::more_line(diags) {
            out.write_all(more.as_bytes())?;
        }
        Ok(())
    }

    /// Writes one diagnostic: `error[CODE]: message`, `--> file:line:col`, the source line
    /// with a caret, and notes. A source line longer than [`render::MAX_LINE_CHARS`] is shown
    /// as a window around the caret, by the renderer the JavaScript package uses too.
    pub fn emit(&mut self, out: &mut dyn WriteColor, d: &Diagnostic) -> io::Result<()> {
        if render::is_long_line(d) {
            let mut text = String::new();
            render::render_diagnostic(&mut text, d);
            return out.write_all(text.as_bytes());
        }
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.code)
            .with_message(d.message.clone())
            .with_notes(d.notes.clone());
        let label = self.file_id(&d.file).and_then(|id| {
            let text = self.files.get(id).ok()?.source().clone();
            label_range(d, &text).map(|r| Label::primary(id, r))
        });
        match label {
            Some(label) => {
                cs = cs.with_labels(vec![label]);
                if term::emit(out, &self.config, &self.files, &cs).is_ok() {
                    return Ok(());
                }
                plain(out, d)
            }
            None => plain(out, d),
        }
    }
}

/// Fallback rendering from the diagnostic's own line, column and source line.
fn plain(out: &mut dyn WriteColor, d: &Diagnostic) -> io::Result<()> {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(out, "{kind}[{}]: {}", d.code, d.message)?;
    writeln!(out, "  --> {}:{}:{}", d.file, d.line, d.column)?;
    if !d.source_line.is_empty() {
        let number = d.line.to_string();
        let pad = " ".repeat(number.len());
        let caret_pad: String = d
            .source_line
            .chars()
            .take(d.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(out, "{pad} |")?;
        writeln!(out, "{number} | {}", d.source_line)?;
        writeln!(out, "{pad} | {caret_pad}^")?;
    }
    for note in &d.notes {
        writeln!(out, "  = {note}")?;
    }
    writeln!(out)
}

/// Counts errors and warnings.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// `1 error`, `2 warnings`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The JSON object of one diagnostic: exactly `code, message, file, line, column, severity`.
pub fn to_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "code": d.code,
        "message": d.message,
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "severity": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codespan_reporting::term::termcolor::NoColor;
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

    fn render(d: &Diagnostic, text: Option<&str>) -> String {
        let text = text.map(str::to_string);
        let source = move |_: &str| text.clone();
        let mut r = HumanRenderer::new(&source);
        let mut out = NoColor::new(Vec::new());
        r.emit(&mut out, d).unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    #[test]
    fn human_has_code_location_source_and_caret() {
        let text = "cell main()\n  let x: Int = \"s\"\nend\n";
        let start = text.find('"').unwrap();
        let out = render(
            &diag(start, start + 3, 2, 16, "  let x: Int = \"s\""),
            Some(text),
        );
        assert!(
            out.contains("error[E0300]: expected `Int`, found `String`"),
            "{out}"
        );
        assert!(out.contains("prog.lm:2:16"), "{out}");
        assert!(out.contains("let x: Int = \"s\""), "{out}");
        assert!(out.contains("^^^"), "{out}");
    }

    #[test]
    fn empty_span_gets_a_caret() {
        let text = "a\nbcd\n";
        let out = render(&diag(3, 3, 2, 2, "bcd"), Some(text));
        assert!(out.contains("prog.lm:2:2"), "{out}");
        assert!(out.contains('^'), "{out}");
    }

    #[test]
    fn falls_back_without_text_or_with_a_bad_span() {
        let out = render(&diag(0, 1, 3, 5, "    oops"), None);
        assert!(out.contains("error[E0300]"), "{out}");
        assert!(out.contains("--> prog.lm:3:5"), "{out}");
        assert!(out.contains("3 |     oops"), "{out}");
        assert!(out.contains("  |     ^"), "{out}");
        let out = render(&diag(50, 60, 1, 1, "x"), Some("short"));
        assert!(out.contains("--> prog.lm:1:1"), "{out}");
        // Not on a character boundary.
        let out = render(&diag(1, 2, 1, 1, "é"), Some("é"));
        assert!(out.contains("prog.lm:1:1"), "{out}");
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
        assert_eq!(color_choice(false), ColorChoice::Never);
    }
}
