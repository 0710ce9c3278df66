//! WIT names: Lumen identifiers in kebab-case, keywords escaped with `%`.
//!
//! `user_id` → `user-id`, `UserProfile` → `user-profile`, `HTTPServer` → `http-server`,
//! `point2d` → `point2d`, `v_2` → `v2` (a word may not start with a digit in every WIT
//! parser hosts use, so a digit-led word joins the word before it). A name with no letter
//! to start with, or a character other than ASCII letters, digits and `_`, has no WIT name.

use crate::WitError;

/// Every WIT keyword (wit-parser 0.254): a name equal to one is written `%name`.
pub const KEYWORDS: &[&str] = &[
    "use",
    "type",
    "func",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "float32",
    "float64",
    "char",
    "resource",
    "own",
    "borrow",
    "record",
    "flags",
    "variant",
    "enum",
    "bool",
    "string",
    "option",
    "result",
    "future",
    "stream",
    "error-context",
    "list",
    "map",
    "as",
    "from",
    "static",
    "interface",
    "tuple",
    "world",
    "import",
    "export",
    "package",
    "constructor",
    "include",
    "with",
    "async",
];

/// The kebab-case WIT name of a Lumen identifier (unescaped); `what` names it in the error.
pub fn kebab(name: &str, what: &str) -> Result<String, WitError> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(WitError::new(format!(
            "{what} `{name}` has no WIT name: the character {c:?} is not allowed"
        )));
    }
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                // The last capital of an acronym starts the next word: `HTTPServer`.
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    // A word starting with a digit joins the previous one.
    let mut joined: Vec<String> = Vec::new();
    for w in words {
        match joined.last_mut() {
            Some(last) if w.starts_with(|c: char| c.is_ascii_digit()) => last.push_str(&w),
            _ => joined.push(w),
        }
    }
    match joined.first() {
        Some(first) if first.starts_with(|c: char| c.is_ascii_alphabetic()) => Ok(joined.join("-")),
        _ => Err(WitError::new(format!(
            "{what} `{name}` has no WIT name: it must start with a letter"
        ))),
    }
}

/// `name` as written in WIT text: `%name` when it is a keyword.
pub fn escape(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("%{name}")
    } else {
        name.to_string()
    }
}

/// A WIT identifier (kebab-case words of all-lowercase or all-uppercase letters and
/// digits, each word starting with a letter): for package and world names from options.
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            w.starts_with(|c: char| c.is_ascii_alphabetic())
                && (w
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    || w.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> String {
        kebab(s, "name").unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn issue12_item1_names_become_kebab_case() {
        assert_eq!(k("user_id"), "user-id");
        assert_eq!(k("UserProfile"), "user-profile");
        assert_eq!(k("HTTPServer"), "http-server");
        assert_eq!(k("getURL"), "get-url");
        assert_eq!(k("shift"), "shift");
        assert_eq!(k("max_tokens"), "max-tokens");
        assert_eq!(k("point2d"), "point2d");
        assert_eq!(k("v_2"), "v2");
        assert_eq!(k("Point3D"), "point3-d");
        assert_eq!(k("__x__y"), "x-y");
        assert!(k("_1").starts_with("ERR"), "{}", k("_1"));
        assert!(k("a-b").starts_with("ERR"));
        assert!(k("").starts_with("ERR"));
        assert!(k("héllo").contains("not allowed"));
        for w in ["user-id", "point3-d", "x-y"] {
            assert!(is_id(w), "{w}");
        }
    }

    #[test]
    fn issue12_item1_keywords_are_escaped() {
        assert_eq!(escape("list"), "%list");
        assert_eq!(escape("type"), "%type");
        assert_eq!(escape("result"), "%result");
        assert_eq!(escape("shift"), "shift");
        assert!(!is_id("Ab"));
        assert!(is_id("lumen"));
        assert!(!is_id("1a"));
    }
}
