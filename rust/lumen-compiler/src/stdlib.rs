//! The standard modules: Lumen source that every host ships inside the compiler.
//!
//! An import whose path starts with `std` (`import std.http: Request`) is resolved here, by
//! the resolver, and never through the host's [`crate::ModuleLoader`]: the same text on
//! every host (CLI, wasm, WASI), and no file on disk (a user's `std/http.lm.md` is not
//! loaded by `import std.http`). See `docs/LANGUAGE.md`, decision 37.

/// The namespace every standard module lives under.
pub const NAMESPACE: &str = "std";

/// Every standard module: (dotted path, file name used in diagnostics, source text).
const MODULES: &[(&str, &str, &str)] = &[(
    "std.http",
    "<std>/http.lm.md",
    include_str!("std/http.lm.md"),
)];

/// True when `path` is in the standard namespace (its first segment is `std`).
pub fn is_std(path: &[String]) -> bool {
    path.first().is_some_and(|s| s == NAMESPACE)
}

/// The dotted paths of the standard modules (`std.http`, ...), for messages.
pub fn names() -> Vec<&'static str> {
    MODULES.iter().map(|(path, _, _)| *path).collect()
}

/// The standard module at `path`: its file name and source text, or `None` when there is
/// no such module.
pub fn lookup(path: &[String]) -> Option<(&'static str, &'static str)> {
    let dotted = path.join(".");
    MODULES
        .iter()
        .find(|(p, _, _)| *p == dotted)
        .map(|(_, name, text)| (*name, *text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_module_parses_cleanly() {
        for (path, name, text) in MODULES {
            let (_, diags) = crate::parse_source(name, text.as_bytes());
            assert!(diags.is_empty(), "{path}: {diags:#?}");
        }
    }
}
