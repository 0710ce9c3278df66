//! The VM's resource limits, each stated once (docs/LANGUAGE.md, "Limits", describes them
//! for users).
//!
//! Every operation that builds a value checks the size of the result *before* allocating,
//! so a program that doubles a string or list in a loop stops with E0914 instead of the
//! process aborting on a failed allocation. The nesting limit keeps the recursive walks
//! (display, JSON conversion) within a 1 MiB native stack, the WebAssembly default.

use crate::arith::Fault;
use crate::error::codes;
use crate::value::Value;

/// Largest string one operation builds, in bytes (256 MiB); beyond it, E0914.
pub const MAX_STRING_BYTES: usize = 1 << 28;

/// Largest list, tuple or map one operation builds, in elements: the same 256 MiB at 16
/// bytes per value, i.e. 16 Mi elements; beyond it, E0914.
pub const MAX_ELEMENTS: usize = MAX_STRING_BYTES / std::mem::size_of::<Value>();

/// Deepest nesting that display and JSON conversion walk: display writes `...` below it,
/// `to_json` and tool arguments stop with E0916.
pub const MAX_NESTING: usize = 512;

/// Most register slots across all frames (4 Mi values, 64 MiB); a call that needs more is
/// E0909, whatever the frame count.
pub const MAX_REGISTERS: usize = 1 << 22;

/// E0914 for a string of `bytes` bytes.
#[cold]
#[inline(never)]
pub(crate) fn string_too_long(bytes: usize) -> Fault {
    Fault::new(
        codes::OUT_OF_MEMORY,
        format!(
            "out of memory: a string of {bytes} bytes exceeds the limit of {MAX_STRING_BYTES} bytes"
        ),
    )
}

/// E0914 for display or JSON text that would exceed [`MAX_STRING_BYTES`].
#[cold]
#[inline(never)]
pub(crate) fn text_too_long() -> Fault {
    Fault::new(
        codes::OUT_OF_MEMORY,
        format!(
            "out of memory: the text of this value exceeds the limit of {MAX_STRING_BYTES} bytes"
        ),
    )
}

/// E0914 for a collection of `n` elements.
#[cold]
#[inline(never)]
pub(crate) fn too_many_elements(n: usize) -> Fault {
    Fault::new(
        codes::OUT_OF_MEMORY,
        format!(
            "out of memory: a collection of {n} elements exceeds the limit of {MAX_ELEMENTS} elements"
        ),
    )
}

/// Checks that a string of `bytes` bytes may be built.
#[inline]
pub(crate) fn check_string(bytes: usize) -> Result<(), Fault> {
    if bytes > MAX_STRING_BYTES {
        Err(string_too_long(bytes))
    } else {
        Ok(())
    }
}

/// Checks that a collection of `n` elements may be built.
#[inline]
pub(crate) fn check_elements(n: usize) -> Result<(), Fault> {
    if n > MAX_ELEMENTS {
        Err(too_many_elements(n))
    } else {
        Ok(())
    }
}

/// E0916 for a value nested deeper than [`MAX_NESTING`] where it must be walked whole.
#[cold]
#[inline(never)]
pub(crate) fn too_deep(what: &str) -> Fault {
    Fault::new(
        codes::TOO_DEEP,
        format!("{what}: value nested too deeply (limit {MAX_NESTING} levels)"),
    )
}
