//! Lumen stack traces: one `  = at CELL (FILE:LINE:COLUMN)` line per frame, innermost
//! first, under a run-time error.
//!
//! A deep recursion is capped: the innermost [`INNER_SHOWN`] frames, one
//! `  = … N more frames` line, then the outermost [`OUTER_SHOWN`] (where the recursion
//! was entered from). A frame without a known position (a module whose position table was
//! stripped) shows what is known: `at CELL (FILE:LINE)`, `at CELL (FILE)` or `at CELL`.

use crate::summary::thousands;

/// One frame of a Lumen call stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The cell (function) running in this frame.
    pub cell: &'a str,
    /// Its source file (empty when unknown).
    pub file: &'a str,
    /// 1-based line of the call or failing expression (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

/// How many innermost frames a capped trace shows.
pub const INNER_SHOWN: usize = 10;

/// How many outermost frames a capped trace shows after the `… N more frames` line.
pub const OUTER_SHOWN: usize = 3;

impl Frame<'_> {
    /// `FILE:LINE:COLUMN`, `FILE:LINE` or `FILE` (empty when nothing is known).
    pub fn location(&self) -> String {
        match (self.file.is_empty(), self.line, self.column) {
            (true, _, _) => String::new(),
            (false, 0, _) => self.file.to_string(),
            (false, line, 0) => format!("{}:{line}", self.file),
            (false, line, column) => format!("{}:{line}:{column}", self.file),
        }
    }

    /// `CELL (LOCATION)`, or `CELL` alone without a location: what follows `at `, here and
    /// in a JavaScript `stack`.
    pub fn describe(&self) -> String {
        let location = self.location();
        if location.is_empty() {
            self.cell.to_string()
        } else {
            format!("{} ({location})", self.cell)
        }
    }
}

/// The lines of the trace of `frames` (innermost first), without newlines: `  = at …`,
/// capped as the module documentation says. Empty for no frames.
pub fn trace_lines(frames: &[Frame<'_>]) -> Vec<String> {
    let line = |f: &Frame<'_>| format!("  = at {}", f.describe());
    if frames.len() <= INNER_SHOWN + OUTER_SHOWN + 1 {
        return frames.iter().map(line).collect();
    }
    let hidden = frames.len() - INNER_SHOWN - OUTER_SHOWN;
    let mut lines: Vec<String> = frames[..INNER_SHOWN].iter().map(line).collect();
    lines.push(format!("  = \u{2026} {} more frames", thousands(hidden)));
    lines.extend(frames[frames.len() - OUTER_SHOWN..].iter().map(line));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(cell: &str, line: u32) -> Frame<'_> {
        Frame {
            cell,
            file: "app.lm.md",
            line,
            column: 7,
        }
    }

    #[test]
    fn one_line_per_frame_innermost_first() {
        let frames = [frame("summarize", 42), frame("main", 3)];
        assert_eq!(
            trace_lines(&frames),
            [
                "  = at summarize (app.lm.md:42:7)",
                "  = at main (app.lm.md:3:7)"
            ]
        );
        assert!(trace_lines(&[]).is_empty());
    }

    #[test]
    fn unknown_positions_fall_back_to_what_is_known() {
        let mut f = frame("f", 0);
        assert_eq!(f.describe(), "f (app.lm.md)");
        f.line = 9;
        f.column = 0;
        assert_eq!(f.describe(), "f (app.lm.md:9)");
        f.file = "";
        assert_eq!(f.describe(), "f");
        assert_eq!(f.location(), "");
    }

    #[test]
    fn deep_recursion_is_capped() {
        let names: Vec<String> = (0..5000).map(|i| format!("f{i}")).collect();
        let frames: Vec<Frame<'_>> = names.iter().map(|n| frame(n, 2)).collect();
        let lines = trace_lines(&frames);
        assert_eq!(lines.len(), INNER_SHOWN + 1 + OUTER_SHOWN);
        assert_eq!(lines[0], "  = at f0 (app.lm.md:2:7)");
        assert_eq!(lines[INNER_SHOWN - 1], "  = at f9 (app.lm.md:2:7)");
        assert_eq!(lines[INNER_SHOWN], "  = \u{2026} 4,987 more frames");
        assert_eq!(lines.last().unwrap(), "  = at f4999 (app.lm.md:2:7)");
        // One more than the shown frames would be replaced by a line: shown whole.
        let whole = &frames[..INNER_SHOWN + OUTER_SHOWN + 1];
        assert_eq!(trace_lines(whole).len(), whole.len());
        let capped = &frames[..INNER_SHOWN + OUTER_SHOWN + 2];
        assert!(trace_lines(capped)[INNER_SHOWN].ends_with(" 2 more frames"));
    }
}
