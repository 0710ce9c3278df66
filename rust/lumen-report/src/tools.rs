//! The messages about tools a host does not provide, shared by every host and the compiler.

/// `a, b, c`, or `none`.
fn list(provided: &[&str]) -> String {
    if provided.is_empty() {
        "none".to_string()
    } else {
        provided.join(", ")
    }
}

/// The run-time message of E0908, for a call of tool `name` (declared as `alias`) that the
/// host does not provide; `provided` lists the tools it does, in the order to show them.
pub fn unknown_tool(alias: &str, name: &str, provided: &[&str]) -> String {
    format!(
        "tool {alias} ({name}) is not provided by this host; provided tools: {}",
        list(provided)
    )
}

/// The compile-time message of warning W0001, for a `use tool NAME` the host does not
/// provide (`provided` sorted by the caller).
pub fn unknown_tool_warning(name: &str, provided: &[&str]) -> String {
    format!(
        "this host does not provide tool `{name}` (it provides: {})",
        list(provided)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_tool_and_list_the_provided_ones() {
        assert_eq!(
            unknown_tool("Nope", "nope.missing", &["echo.upper", "fs.read"]),
            "tool Nope (nope.missing) is not provided by this host; provided tools: echo.upper, fs.read"
        );
        assert_eq!(
            unknown_tool("X", "x", &[]),
            "tool X (x) is not provided by this host; provided tools: none"
        );
        assert_eq!(
            unknown_tool_warning("a.b", &["c.d"]),
            "this host does not provide tool `a.b` (it provides: c.d)"
        );
        assert_eq!(
            unknown_tool_warning("a.b", &[]),
            "this host does not provide tool `a.b` (it provides: none)"
        );
    }
}
