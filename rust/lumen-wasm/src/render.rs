//! Plain-text rendering of compile diagnostics, the same bytes `lumen run` / `lumen check`
//! print: the renderer lives in [`lumen_compiler::render`], shared with the CLI so the two
//! cannot drift apart (long source lines shown as a window around the caret, at most
//! [`MAX_SHOWN`] diagnostics followed by a "… and N more" line).

pub use lumen_compiler::render::{
    more_line, plural, render_compile_failure, render_diagnostic, MAX_LINE_CHARS, MAX_SHOWN,
};
