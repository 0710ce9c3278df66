//! Lumen stack traces: one `  = at CELL (FILE:LINE:COLUMN)` line per frame, innermost
//! first, under a run-time error that happened inside a call (two frames or more; with one
//! frame the `-->` line already says everything).
//!
//! A deep recursion is capped twice. A host keeps at most [`KEPT_INNER`] innermost and
//! [`KEPT_OUTER`] outermost frames of a deeper stack and counts the rest as omitted (so an
//! error 100,000 frames deep does not copy 100,000 frames). The text shows the innermost
//! [`INNER_SHOWN`] frames, one `  = … N more frames` line, then the outermost
//! [`OUTER_SHOWN`] (where the recursion was entered from). A frame without a known position
//! (a module whose position table was stripped) shows what is known: `at CELL (FILE:LINE)`,
//! `at CELL (FILE)` or `at CELL`.

use crate::summary::thousands;

/// One frame of a Lumen call stack. Owned, so that an error can carry its trace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// The cell (function) running in this frame.
    pub cell: String,
    /// Its source file (empty when unknown).
    pub file: String,
    /// 1-based line of the call or failing expression (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

/// How many innermost frames a capped trace shows.
pub const INNER_SHOWN: usize = 10;

/// How many outermost frames a capped trace shows after the `… N more frames` line.
pub const OUTER_SHOWN: usize = 3;

/// How many innermost frames a host keeps of a stack deeper than
/// `KEPT_INNER + KEPT_OUTER`.
pub const KEPT_INNER: usize = 100;

/// How many outermost frames a host keeps of such a stack.
pub const KEPT_OUTER: usize = 20;

impl Frame {
    /// `FILE:LINE:COLUMN`, `FILE:LINE` or `FILE` (empty when nothing is known).
    pub fn location(&self) -> String {
        match (self.file.is_empty(), self.line, self.column) {
            (true, _, _) => String::new(),
            (false, 0, _) => self.file.clone(),
            (false, line, 0) => format!("{}:{line}", self.file),
            (false, line, column) => format!("{}:{line}:{column}", self.file),
        }
    }

    /// `CELL (LOCATION)`, or `CELL` alone without a location: what follows `at `, here and
    /// in a JavaScript `stack`.
    pub fn describe(&self) -> String {
        let location = self.location();
        if location.is_empty() {
            self.cell.clone()
        } else {
            format!("{} ({location})", self.cell)
        }
    }
}

/// The lines of the trace of `frames` (innermost first; `omitted` more frames were not
/// kept, between the innermost and the outermost), without newlines: `  = at …`, capped
/// as the module documentation says. Empty for fewer than two frames in all.
pub fn trace_lines(frames: &[Frame], omitted: usize) -> Vec<String> {
    if frames.len() + omitted < 2 {
        return Vec::new();
    }
    capped(frames, omitted, "  = ")
}

/// The Lumen frames of a JavaScript `stack`, in V8's form (`    at CELL (FILE:LINE:COLUMN)`),
/// capped like [`trace_lines`] (the gap line is `    … N more frames`); one line for one
/// frame.
pub fn stack_lines(frames: &[Frame], omitted: usize) -> Vec<String> {
    capped(frames, omitted, "    ")
}

/// Every kept frame as `CELL (LOCATION)`, innermost first, with `… N more frames` where the
/// `omitted` frames were (after the innermost [`KEPT_INNER`]): the `trace` of a
/// component's `lumen-error` record, uncapped beyond what the host kept.
pub fn frame_texts(frames: &[Frame], omitted: usize) -> Vec<String> {
    let mut texts: Vec<String> = frames.iter().map(Frame::describe).collect();
    if omitted > 0 {
        let gap = KEPT_INNER.min(texts.len());
        texts.insert(gap, format!("\u{2026} {} more frames", thousands(omitted)));
    }
    texts
}

/// One `{indent}at …` line per frame, capped as the module documentation says.
fn capped(frames: &[Frame], omitted: usize, indent: &str) -> Vec<String> {
    let total = frames.len() + omitted;
    let line = |f: &Frame| format!("{indent}at {}", f.describe());
    if total <= INNER_SHOWN + OUTER_SHOWN + 1 {
        return frames.iter().map(line).collect();
    }
    let hidden = total - INNER_SHOWN - OUTER_SHOWN;
    let mut lines: Vec<String> = frames[..INNER_SHOWN].iter().map(line).collect();
    lines.push(format!(
        "{indent}\u{2026} {} more frames",
        thousands(hidden)
    ));
    lines.extend(frames[frames.len() - OUTER_SHOWN..].iter().map(line));
    lines
}

/// The frames a host keeps of `depth` frames, innermost first, by index (`0` innermost):
/// all of them, or the innermost [`KEPT_INNER`] and the outermost [`KEPT_OUTER`]. The
/// second value is how many were left out.
pub fn kept_frames(depth: usize) -> (impl Iterator<Item = usize>, usize) {
    let (inner, omitted) = if depth > KEPT_INNER + KEPT_OUTER {
        (KEPT_INNER, depth - KEPT_INNER - KEPT_OUTER)
    } else {
        (depth, 0)
    };
    ((0..inner).chain(inner + omitted..depth), omitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(cell: &str, line: u32) -> Frame {
        Frame {
            cell: cell.into(),
            file: "app.lm.md".into(),
            line,
            column: 7,
        }
    }

    #[test]
    fn one_line_per_frame_innermost_first() {
        let frames = [frame("summarize", 42), frame("main", 3)];
        assert_eq!(
            trace_lines(&frames, 0),
            [
                "  = at summarize (app.lm.md:42:7)",
                "  = at main (app.lm.md:3:7)"
            ]
        );
        assert!(trace_lines(&[], 0).is_empty());
        assert!(
            trace_lines(&frames[..1], 0).is_empty(),
            "one frame: the --> line says it"
        );
    }

    #[test]
    fn javascript_stack_lines_have_v8s_form() {
        let frames = [frame("summarize", 42), frame("main", 3)];
        assert_eq!(
            stack_lines(&frames, 0),
            [
                "    at summarize (app.lm.md:42:7)",
                "    at main (app.lm.md:3:7)"
            ]
        );
        assert_eq!(stack_lines(&frames[..1], 0).len(), 1);
        let deep: Vec<Frame> = (0..40).map(|i| frame(&format!("f{i}"), 1)).collect();
        let lines = stack_lines(&deep, 0);
        assert_eq!(lines[INNER_SHOWN], "    \u{2026} 27 more frames");
    }

    #[test]
    fn frame_texts_mark_the_gap() {
        let frames = [frame("f", 1), frame("main", 2)];
        assert_eq!(
            frame_texts(&frames, 0),
            ["f (app.lm.md:1:7)", "main (app.lm.md:2:7)"]
        );
        let (kept, omitted) = kept_frames(1000);
        let deep: Vec<Frame> = kept.map(|i| frame(&format!("f{i}"), 1)).collect();
        let texts = frame_texts(&deep, omitted);
        assert_eq!(texts.len(), KEPT_INNER + KEPT_OUTER + 1);
        assert_eq!(texts[KEPT_INNER], "\u{2026} 880 more frames");
        assert_eq!(texts[KEPT_INNER + 1], "f980 (app.lm.md:1:7)");
    }

    #[test]
    fn unknown_positions_fall_back_to_what_is_known() {
        let mut f = frame("f", 0);
        assert_eq!(f.describe(), "f (app.lm.md)");
        f.line = 9;
        f.column = 0;
        assert_eq!(f.describe(), "f (app.lm.md:9)");
        f.file.clear();
        assert_eq!(f.describe(), "f");
        assert_eq!(f.location(), "");
    }

    #[test]
    fn deep_recursion_is_capped() {
        let frames: Vec<Frame> = (0..5000).map(|i| frame(&format!("f{i}"), 2)).collect();
        let lines = trace_lines(&frames, 0);
        assert_eq!(lines.len(), INNER_SHOWN + 1 + OUTER_SHOWN);
        assert_eq!(lines[0], "  = at f0 (app.lm.md:2:7)");
        assert_eq!(lines[INNER_SHOWN - 1], "  = at f9 (app.lm.md:2:7)");
        assert_eq!(lines[INNER_SHOWN], "  = \u{2026} 4,987 more frames");
        assert_eq!(lines.last().unwrap(), "  = at f4999 (app.lm.md:2:7)");
        // One more than the shown frames would be replaced by a line: shown whole.
        let whole = &frames[..INNER_SHOWN + OUTER_SHOWN + 1];
        assert_eq!(trace_lines(whole, 0).len(), whole.len());
        let capped = &frames[..INNER_SHOWN + OUTER_SHOWN + 2];
        assert!(trace_lines(capped, 0)[INNER_SHOWN].ends_with(" 2 more frames"));
    }

    #[test]
    fn kept_frames_count_what_they_leave_out() {
        let (all, omitted) = kept_frames(3);
        assert_eq!(all.collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(omitted, 0);
        let edge = KEPT_INNER + KEPT_OUTER;
        assert_eq!(kept_frames(edge).0.count(), edge);
        let (kept, omitted) = kept_frames(5000);
        let kept: Vec<usize> = kept.collect();
        assert_eq!(kept.len(), edge);
        assert_eq!(omitted, 5000 - edge);
        assert_eq!(kept[KEPT_INNER - 1], KEPT_INNER - 1);
        assert_eq!(kept[KEPT_INNER], 5000 - KEPT_OUTER);
        assert_eq!(*kept.last().unwrap(), 4999);
        // The text of the kept frames is the text of all of them.
        let frames: Vec<Frame> = (0..5000).map(|i| frame(&format!("f{i}"), 2)).collect();
        let kept_frames: Vec<Frame> = kept.iter().map(|&i| frames[i].clone()).collect();
        assert_eq!(trace_lines(&kept_frames, omitted), trace_lines(&frames, 0));
    }
}
