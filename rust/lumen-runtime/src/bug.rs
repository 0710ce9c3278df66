//! A panic is a bug in Lumen: every host reports it on one line, the same way. This is the
//! one place that turns a panic into that line's text.

use std::panic::PanicHookInfo;

/// `message at file:line` of a panic, for a panic hook (`unknown panic` when the payload is
/// not a string).
pub fn panic_text(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!("{msg}{place}")
}
