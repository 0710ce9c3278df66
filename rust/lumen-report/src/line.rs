//! What is shown of a source line: tabs, and the window cut from a long line.
//!
//! A tab is shown as [`TAB_WIDTH`] spaces, in the source line and in the caret line alike,
//! so the caret stays under its character. A line longer than [`MAX_LINE_CHARS`]
//! characters is shown as a window of [`WINDOW_CHARS`] characters around the span's start,
//! with `…` where it is cut ([`cut_line`]); the compiler keeps only that window in a
//! diagnostic, so a thousand errors on one long line do not each copy it.

/// How many columns a tab takes in the source and caret lines.
pub const TAB_WIDTH: usize = 4;

/// Source lines longer than this (in characters) are shown as a window around the caret.
pub const MAX_LINE_CHARS: usize = 120;

/// How many characters of a long source line are shown.
pub const WINDOW_CHARS: usize = 100;

/// How many characters of the window come before the caret (when the line has them).
const WINDOW_BEFORE: usize = 40;

/// How a long source line was cut to the window shown of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCut {
    /// Characters of the line precede the window (shown as `…`).
    pub before: bool,
    /// Characters of the line follow the window (shown as `…`).
    pub after: bool,
    /// 0-based character position of the span's start within the window.
    pub skip: usize,
}

/// The columns `c` takes when shown.
pub(crate) fn width(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else {
        1
    }
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

/// What is shown of a source line: the characters, how many of them precede the caret
/// column (`skip`), and the `…` markers.
pub(crate) struct Shown {
    pub chars: Vec<char>,
    pub skip: usize,
    pub cut_before: bool,
    pub cut_after: bool,
}

impl Shown {
    /// The shown part of `line` (already a window when `cut` is given) for a caret at
    /// 1-based character `column`.
    pub fn of(line: &str, column: u32, cut: Option<LineCut>) -> Shown {
        let line = line.trim_end_matches(['\n', '\r']);
        let skip = column.saturating_sub(1) as usize;
        if let Some(cut) = cut {
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

    /// The text shown after the gutter: tabs expanded, `…` where the line was cut.
    pub fn text(&self) -> String {
        let mut text = String::new();
        if self.cut_before {
            text.push('\u{2026}');
        }
        for &c in &self.chars {
            if c == '\t' {
                text.push_str(&" ".repeat(TAB_WIDTH));
            } else {
                text.push(c);
            }
        }
        if self.cut_after {
            text.push('\u{2026}');
        }
        text
    }

    /// The columns before the caret. A column past the end of the line (a caret after the
    /// last character) still lines up.
    pub fn lead(&self) -> usize {
        usize::from(self.cut_before)
            + self
                .chars
                .iter()
                .take(self.skip)
                .copied()
                .map(width)
                .sum::<usize>()
            + self.skip.saturating_sub(self.chars.len())
    }

    /// How many carets underline a span of `span_len` bytes from the caret (at least one;
    /// never past the end of the shown line).
    pub fn carets(&self, span_len: usize) -> usize {
        let mut covered = 0usize;
        let mut carets = 0usize;
        for &c in self.chars.iter().skip(self.skip) {
            if covered >= span_len {
                break;
            }
            covered += c.len_utf8();
            carets += width(c);
        }
        carets.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_not_cut() {
        assert_eq!(cut_line("abc", 1), None);
        let exactly = "é".repeat(MAX_LINE_CHARS);
        assert_eq!(cut_line(&exactly, 10), None);
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = "x".repeat(1000);
        let (window, cut) = cut_line(&line, 500).unwrap();
        assert_eq!(window.len(), WINDOW_CHARS);
        assert_eq!(
            cut,
            LineCut {
                before: true,
                after: true,
                skip: WINDOW_BEFORE
            }
        );
        let (_, cut) = cut_line(&line, 999).unwrap();
        assert!(cut.before && !cut.after);
        assert_eq!(cut.skip, WINDOW_CHARS - 1);
        // Inside a multi-byte character: backs up to its start.
        let line = "é".repeat(500);
        let (window, cut) = cut_line(&line, 301).unwrap();
        assert_eq!(window.chars().count(), WINDOW_CHARS);
        assert_eq!(cut.skip, WINDOW_BEFORE);
    }

    #[test]
    fn tabs_widen_text_lead_and_carets() {
        let shown = Shown::of("\tab\tc", 4, None);
        assert_eq!(shown.text(), "    ab    c");
        assert_eq!(shown.lead(), 6);
        assert_eq!(shown.carets(2), 5);
        // Past the end of the line.
        let shown = Shown::of("ab\n", 5, None);
        assert_eq!(shown.text(), "ab");
        assert_eq!(shown.lead(), 4);
        assert_eq!(shown.carets(9), 1);
    }
}
