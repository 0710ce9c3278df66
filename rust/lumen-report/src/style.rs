//! Optional ANSI colours for terminals.
//!
//! Every renderer writes through a [`Painter`]: [`Painter::PLAIN`] adds nothing (the bytes
//! the JavaScript package, the goldens and piped output see), [`Painter::ANSI`] wraps the
//! styled parts in SGR escape sequences, in the colours codespan-reporting used: bold red /
//! yellow headers, a bold message, blue gutter and note bullets, red / yellow carets.

use crate::Severity;

/// A styled part of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `error[E0300]` / `warning[W0001]` / `error` (by severity).
    Header(Severity),
    /// The message after the header.
    Message,
    /// Line numbers, `-->`, `|` and `=` of the gutter.
    Gutter,
    /// The carets under the span (by severity).
    Caret(Severity),
}

impl Part {
    /// The SGR parameters of the part.
    fn sgr(self) -> &'static str {
        match self {
            Part::Header(Severity::Error) => "1;91",
            Part::Header(Severity::Warning) => "1;93",
            Part::Message => "1",
            Part::Gutter => "34",
            Part::Caret(Severity::Error) => "31",
            Part::Caret(Severity::Warning) => "33",
        }
    }
}

/// Writes text plainly or with ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Painter {
    colour: bool,
}

impl Painter {
    /// No styling at all.
    pub const PLAIN: Painter = Painter { colour: false };
    /// ANSI colours (for a terminal).
    pub const ANSI: Painter = Painter { colour: true };

    /// [`Painter::ANSI`] when `colour`, else [`Painter::PLAIN`].
    pub fn new(colour: bool) -> Painter {
        Painter { colour }
    }

    /// Whether this painter adds colours.
    pub fn is_colour(self) -> bool {
        self.colour
    }

    /// Appends `text` to `out` in the style of `part`.
    pub fn paint(self, out: &mut String, part: Part, text: &str) {
        if self.colour && !text.is_empty() {
            out.push_str("\x1b[");
            out.push_str(part.sgr());
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(text);
        }
    }
}

/// Whether a host should colour what it writes to a stream: only a terminal, and never
/// when `NO_COLOR` is set (to anything; <https://no-color.org>).
pub fn use_colour(is_terminal: bool, no_color_set: bool) -> bool {
    is_terminal && !no_color_set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_adds_nothing_and_ansi_wraps() {
        let mut out = String::new();
        Painter::PLAIN.paint(&mut out, Part::Message, "hi");
        assert_eq!(out, "hi");
        let mut out = String::new();
        Painter::ANSI.paint(&mut out, Part::Header(Severity::Error), "error");
        assert_eq!(out, "\x1b[1;91merror\x1b[0m");
        let mut out = String::new();
        Painter::ANSI.paint(&mut out, Part::Gutter, "");
        assert_eq!(out, "");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, false));
        assert!(!use_colour(true, true));
        assert!(!use_colour(false, false));
        assert!(Painter::new(true).is_colour() && !Painter::new(false).is_colour());
    }
}
