//! Grant keys the runtime enforces, and the check that catches misspelt ones
//! (`docs/LANGUAGE.md`, decision 39).
//!
//! A grant key the runtime does not know is handed to the tool's provider
//! (`CallContext::extra_grants`), so it cannot be an error in general. But a key that is a
//! likely typo of an enforced key (`max_call`, `maxcalls`) silently removes the limit the
//! author meant to set, so it is error E0208. Any other unknown key is warning W0003 unless
//! the host declared it ([`crate::CompileOptions::grant_keys`]).

use crate::{ast, diagnostic::codes, resolve, Diagnostic};
use std::collections::HashMap;

/// The keys the runtime enforces on every tool (the runtime's `grants::STANDARD_KEYS`).
pub const ENFORCED_KEYS: &[&str] = &["domain", "path", "timeout_ms", "max_calls"];

/// Keys the runtime enforces on one standard tool only, beyond [`ENFORCED_KEYS`] (the
/// runtime's `standard::STANDARD_TOOLS` entries whose key is not already in that list).
pub const TOOL_KEYS: &[(&str, &str)] = &[("env.get", "name")];

/// The keys the runtime enforces for the tool with qualified name `tool`.
pub fn enforced_for(tool: &str) -> Vec<&'static str> {
    let mut keys = ENFORCED_KEYS.to_vec();
    keys.extend(
        TOOL_KEYS
            .iter()
            .filter(|(t, _)| *t == tool)
            .map(|(_, k)| *k),
    );
    keys
}

/// The enforced key that `key` is a likely typo of: equal once `_` is removed and case
/// folded, or within edit distance 1 of a short enforced key (≤ 5 letters: `path`, `name`;
/// at 2 a host key such as `auth` would count as `path`) or 2 of a longer one
/// (`max_calls`, `timeout_ms`, `domain`). `None` for an enforced key itself.
pub fn likely_typo_of<'a>(key: &str, enforced: &[&'a str]) -> Option<&'a str> {
    if enforced.contains(&key) {
        return None;
    }
    let fold = |s: &str| s.replace('_', "").to_lowercase();
    let folded = fold(key);
    enforced
        .iter()
        .map(|k| {
            (
                *k,
                if fold(k) == folded {
                    0
                } else {
                    distance(key, k)
                },
            )
        })
        .filter(|(k, d)| *d <= if k.chars().count() <= 5 { 1 } else { 2 })
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

/// Levenshtein distance over chars, stopping early once it exceeds 2 (keys are
/// identifiers, but the cost stays linear in the key length either way).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|m| *m > 2) {
            return 3;
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Checks the key of every `grant` in `program`: E0208 for a likely typo of an enforced
/// key, W0003 for another key that `host_keys` does not list.
pub fn check(program: &resolve::Program, host_keys: &[String]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for file in &program.files {
        let tools: HashMap<&str, &str> = file
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::UseTool(t) => Some((t.alias.name.as_str(), t.tool.as_str())),
                _ => None,
            })
            .collect();
        for item in &file.ast.items {
            let ast::Item::Grant(g) = item else { continue };
            let key = g.key.name.as_str();
            let enforced = enforced_for(tools.get(g.alias.name.as_str()).copied().unwrap_or(""));
            if enforced.contains(&key) || host_keys.iter().any(|h| h == key) {
                continue;
            }
            if let Some(meant) = likely_typo_of(key, &enforced) {
                diags.push(file.error(
                    codes::MISSPELT_GRANT_KEY,
                    format!(
                        "unknown grant key `{key}`: did you mean `{meant}`? (a misspelt key \
                         would not be enforced)"
                    ),
                    g.key.span,
                ));
            } else {
                diags.push(file.warning(
                    codes::UNKNOWN_GRANT_KEY,
                    format!(
                        "grant key `{key}` is not enforced by the runtime (it enforces: {}); \
                         it is only passed to the tool's provider",
                        enforced.join(", ")
                    ),
                    g.key.span,
                ));
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_enforced_keys_are_found() {
        for k in ["max_call", "maxcalls", "MaxCalls", "max_callz", "maxcall"] {
            assert_eq!(likely_typo_of(k, ENFORCED_KEYS), Some("max_calls"), "{k}");
        }
        assert_eq!(likely_typo_of("timeout", ENFORCED_KEYS), None);
        assert_eq!(
            likely_typo_of("timeoutms", ENFORCED_KEYS),
            Some("timeout_ms")
        );
        assert_eq!(likely_typo_of("domian", ENFORCED_KEYS), Some("domain"));
        assert_eq!(likely_typo_of("paths", ENFORCED_KEYS), Some("path"));
        assert_eq!(likely_typo_of("retries", ENFORCED_KEYS), None);
        assert_eq!(likely_typo_of("style", ENFORCED_KEYS), None);
        // Two edits from a short key is a different word, not a typo (a host's own keys).
        assert_eq!(likely_typo_of("auth", ENFORCED_KEYS), None);
        assert_eq!(likely_typo_of("mode", ENFORCED_KEYS), None);
        assert_eq!(likely_typo_of("pth", ENFORCED_KEYS), Some("path"));
        assert_eq!(likely_typo_of("max_calls", ENFORCED_KEYS), None);
        assert_eq!(
            likely_typo_of("names", &enforced_for("env.get")),
            Some("name")
        );
        assert_eq!(likely_typo_of("names", &enforced_for("kv.get")), None);
    }

    #[test]
    fn distance_is_bounded_and_correct() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("max_call", "max_calls"), 1);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance(&"x".repeat(10_000), "path"), 3);
    }

    fn diags(src: &str, host_keys: &[&str]) -> Vec<Diagnostic> {
        let options = crate::CompileOptions {
            grant_keys: host_keys.iter().map(|k| k.to_string()).collect(),
            ..Default::default()
        };
        crate::check("t.lm", src.as_bytes(), &crate::NoImports, &options)
    }

    const PROGRAM: &str = "use tool echo.upper as Shout\ngrant Shout KEY 1\ncell main() -> Null\n  return null\nend\n";

    #[test]
    fn issue11_newuser_item1_a_misspelt_grant_key_is_an_error_with_a_suggestion() {
        for key in ["max_call", "maxcalls"] {
            let d = diags(&PROGRAM.replace("KEY", key), &[]);
            assert_eq!(d.len(), 1, "{d:#?}");
            assert!(d[0].is_error());
            assert_eq!(d[0].code, "E0208");
            assert_eq!((d[0].line, d[0].column), (2, 13), "{d:#?}");
            assert!(
                d[0].message.contains("did you mean `max_calls`?"),
                "{}",
                d[0].message
            );
        }
        let out = crate::compile(
            "t.lm",
            PROGRAM.replace("KEY", "max_call").as_bytes(),
            &crate::NoImports,
            &crate::CompileOptions::default(),
        );
        assert!(out.is_err(), "a misspelt key must not compile");
    }

    #[test]
    fn issue11_newuser_item1_an_unknown_grant_key_warns_unless_the_host_declared_it() {
        let src = PROGRAM.replace("KEY", "retries");
        let d = diags(&src, &[]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(!d[0].is_error());
        assert_eq!(d[0].code, "W0003");
        assert!(
            d[0].message.contains("domain, path, timeout_ms, max_calls"),
            "{}",
            d[0].message
        );
        assert!(diags(&src, &["retries"]).is_empty());
        // Enforced keys stay silent; `name` is enforced for `env.get` only.
        assert!(diags(&PROGRAM.replace("KEY", "max_calls"), &[]).is_empty());
        let env = "use tool env.get as Env\ngrant Env name \"HOME\"\ngrant Env names \"X\"\n";
        let d = diags(env, &[]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message.contains("did you mean `name`?"),
            "{}",
            d[0].message
        );
    }
}
