//! The standard tools of spec §9 and the grants each one requires, stated once for every
//! host.
//!
//! A standard tool name means the same capability wherever the program runs, whoever
//! provides it: the native providers, the WASI build, or a JavaScript function handed to
//! lumen-wasm. Its required grants are therefore a property of the *name*, not of the
//! provider: [`crate::ToolGate::authorize`] looks them up here on every host, before any
//! provider (Rust or JS) is called, so a host cannot forget them.

/// One standard tool: its qualified name and the grant keys its alias must declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardTool {
    /// Qualified name, e.g. `fs.read`.
    pub name: &'static str,
    /// Grant keys that must be present (E0907 otherwise, before the provider runs).
    pub required: &'static [&'static str],
}

/// Every standard tool that requires a grant. Tools not listed (`time.now`, `echo.upper`,
/// any host-defined name) require none beyond what their provider asks for. `time.now`
/// needs none on purpose: the clock is no secret and reaches nothing outside the program
/// (see `docs/LANGUAGE.md`).
pub const STANDARD_TOOLS: &[StandardTool] = &[
    StandardTool {
        name: "fs.read",
        required: &["path"],
    },
    StandardTool {
        name: "fs.write",
        required: &["path"],
    },
    StandardTool {
        name: "fs.list",
        required: &["path"],
    },
    StandardTool {
        name: "http.get",
        required: &["domain"],
    },
    StandardTool {
        name: "http.post",
        required: &["domain"],
    },
    StandardTool {
        name: "env.get",
        required: &["name"],
    },
];

/// The grant keys the standard tool `name` requires (empty for other names).
pub fn required_grants(name: &str) -> &'static [&'static str] {
    STANDARD_TOOLS
        .iter()
        .find(|t| t.name == name)
        .map_or(&[], |t| t.required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_network_tools_require_their_confining_grant() {
        for name in ["fs.read", "fs.write", "fs.list"] {
            assert_eq!(required_grants(name), &["path"], "{name}");
        }
        for name in ["http.get", "http.post"] {
            assert_eq!(required_grants(name), &["domain"], "{name}");
        }
    }

    #[test]
    fn issue10_item11_env_get_requires_a_name_grant() {
        assert_eq!(required_grants("env.get"), &["name"]);
    }

    #[test]
    fn issue10_item11_time_now_requires_no_grant() {
        assert!(required_grants("time.now").is_empty());
    }

    #[test]
    fn other_names_require_nothing() {
        assert!(required_grants("echo.upper").is_empty());
        assert!(required_grants("kv.get").is_empty());
        assert!(required_grants("fs.read.extra").is_empty());
    }

    #[test]
    fn issue11_newuser_item1_the_compilers_enforced_grant_keys_match_the_runtime() {
        assert_eq!(
            lumen_compiler::grant_keys::ENFORCED_KEYS,
            crate::grants::STANDARD_KEYS
        );
        for t in STANDARD_TOOLS {
            let mut want: Vec<&str> = crate::grants::STANDARD_KEYS.to_vec();
            for k in t.required {
                if !want.contains(k) {
                    want.push(k);
                }
            }
            assert_eq!(
                lumen_compiler::grant_keys::enforced_for(t.name),
                want,
                "{}",
                t.name
            );
        }
    }
}
