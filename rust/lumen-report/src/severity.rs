//! How bad a diagnostic is, and the word each severity is printed as.

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Stops the program from compiling.
    Error,
    /// Reported, but the program still compiles and runs.
    Warning,
}

impl Severity {
    /// The word printed in headers (`error[E0300]`) and used in JSON (`"severity"`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Severity::Error.name(), "error");
        assert_eq!(Severity::Warning.name(), "warning");
    }
}
