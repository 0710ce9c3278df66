//! Plain-text rendering of compile diagnostics, the same bytes `lumen run` / `lumen check`
//! print: the renderer is [`lumen_report`], the one every host uses (reached through
//! [`lumen_compiler::render`], which converts the compiler's diagnostics), so the package
//! and the CLI cannot drift apart (long source lines shown as a window around the caret, at
//! most [`MAX_SHOWN`] diagnostics followed by a "… and N more" line). Run-time errors are
//! rendered by the same crate (`lumen_report::runtime`, through `RuntimeError`'s display).

pub use lumen_compiler::render::{
    more_line, plural, render_compile_failure, render_diagnostic, MAX_LINE_CHARS, MAX_SHOWN,
};
