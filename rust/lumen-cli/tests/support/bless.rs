//! Bless mode of the golden and snapshot tests: with `BLESS=1` in the environment (and only
//! then) a test rewrites the expected files that differ instead of failing.

use std::path::Path;

/// Whether `BLESS=1` is set.
pub fn blessing() -> bool {
    is_bless(std::env::var_os("BLESS").as_deref())
}

/// Whether a value of `BLESS` asks for blessing: exactly `1`.
pub fn is_bless(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| v == "1")
}

/// The sentence failure messages end with: how to update the expected files of `test`.
pub fn hint(test: &str) -> String {
    format!(
        "if the new output is right, `BLESS=1 cargo test -p lumen-cli --test {test}` rewrites the expected files (review the diff before committing)"
    )
}

/// Writes `text` to `path`, or removes `path` when `text` is `None`; `Err` says why not.
pub fn write(path: &Path, text: Option<&str>) -> Result<(), String> {
    match text {
        Some(text) => std::fs::write(path, text),
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
    }
    .map_err(|e| format!("cannot bless {}: {e}", path.display()))
}
