//! [`AbiError`]: a value or a memory access that does not fit the canonical ABI.

use std::fmt;

/// Why a value could not be lifted or lowered: a JSON value of the wrong shape, an
/// out-of-bounds pointer, invalid UTF-8, a length over the caps, ... The message is for the
/// user; [`AbiError::context`] prefixes where it happened (`parameter p: field x: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiError {
    message: String,
}

impl AbiError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> AbiError {
        AbiError {
            message: message.into(),
        }
    }

    /// The same error, its message prefixed with `what: `.
    pub fn context(self, what: impl fmt::Display) -> AbiError {
        AbiError {
            message: format!("{what}: {}", self.message),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AbiError {}
