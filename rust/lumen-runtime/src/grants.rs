//! Grant policies: the checks made before a tool call reaches its provider.
//!
//! Standard keys (spec §9):
//! - `domain`: a host pattern — `api.example.com` (exactly that host), `*.example.com` (any
//!   subdomain at any depth, *not* `example.com` itself), `*` (any host), optionally with a
//!   port (`127.0.0.1:8080`). It is checked against the host of the `url` argument, parsed
//!   with the same WHATWG URL parser the http client uses (so `https://a.com@evil.com/` is
//!   `evil.com`); without the `native` feature (WebAssembly) with the stricter
//!   [`crate::urlhost`] extractor, which rejects every URL it cannot read unambiguously. Several `domain` grants: any may match. Hosts compare case-insensitively,
//!   a trailing dot is ignored.
//! - `path`: a file-system prefix checked against the `path` argument. Both are normalised
//!   lexically (relative paths are taken from the base directory, `.` dropped, `..` removed
//!   with its parent; a `..` above the root is denied) and compared component by component,
//!   so `/data` allows `/data/x` but not `/database`. Several `path` grants: any may match.
//! - `timeout_ms`: a non-negative integer handed to the provider (the smallest one wins).
//! - `max_calls`: a non-negative integer; calls beyond it in one run are denied (counted per
//!   alias by [`ToolGate`]).
//!
//! Any other key is handed to the provider untouched in the [`CallContext`]. A grant with a
//! value of the wrong type denies every call (the program asked for a policy the host cannot
//! enforce). Every denial is an E0907 error whose message names the alias and the grant.

use crate::provider::{CallContext, ToolError};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// The grant keys the host enforces itself; every other key is for the provider.
pub const STANDARD_KEYS: &[&str] = &["domain", "path", "timeout_ms", "max_calls"];

/// Describes a call for error messages: `tool Alias (qualified.name)`.
fn who(alias: &str, tool: &str) -> String {
    format!("tool {alias} ({tool})")
}

/// The string values of a `domain`/`path` grant: a string or a list of strings.
fn string_values(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Collects the string values of every grant with `key`; `None` when there is none.
fn collect_strings<'a>(
    grants: &'a [(String, Value)],
    key: &str,
    describe: &dyn Fn() -> String,
) -> Result<Option<Vec<&'a str>>, ToolError> {
    let mut found: Option<Vec<&str>> = None;
    for (k, v) in grants.iter().filter(|(k, _)| k == key) {
        let values = string_values(v).ok_or_else(|| {
            ToolError::denied(format!(
                "{}: grant {k} has an invalid value {v} (expected a string)",
                describe()
            ))
        })?;
        found.get_or_insert_with(Vec::new).extend(values);
    }
    Ok(found)
}

/// The smallest value of every grant with `key` (non-negative integers); `None` when none.
fn min_integer(
    grants: &[(String, Value)],
    key: &str,
    describe: &dyn Fn() -> String,
) -> Result<Option<u64>, ToolError> {
    let mut found: Option<u64> = None;
    for (k, v) in grants.iter().filter(|(k, _)| k == key) {
        let n = v.as_u64().ok_or_else(|| {
            ToolError::denied(format!(
                "{}: grant {k} has an invalid value {v} (expected a non-negative integer)",
                describe()
            ))
        })?;
        found = Some(found.map_or(n, |m| m.min(n)));
    }
    Ok(found)
}

/// Splits a domain pattern into host pattern and optional port.
fn split_port(pattern: &str) -> (&str, Option<&str>) {
    if let Some(rest) = pattern.strip_prefix('[') {
        // IPv6 literal: `[::1]` or `[::1]:8080`.
        if let Some((inside, after)) = rest.split_once(']') {
            let host_len = inside.len() + 2;
            let host = pattern.get(..host_len).unwrap_or(pattern);
            return (host, after.strip_prefix(':'));
        }
        return (pattern, None);
    }
    match pattern.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (pattern, None),
    }
}

/// Whether `host` (lower case, no trailing dot) matches the host part of a domain pattern.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            return false;
        }
        return host
            .strip_suffix(suffix)
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty());
    }
    !pattern.contains('*') && pattern == host
}

/// Whether the URL `url` is allowed by the domain pattern `pattern` (host and, when the
/// pattern has one, port).
#[cfg(feature = "native")]
pub fn url_matches(pattern: &str, url: &url::Url) -> bool {
    url.host_str()
        .is_some_and(|host| target_matches(pattern, host, url.port_or_known_default()))
}

/// Whether a request to `host` (lower case) on `port` (explicit or the scheme's default) is
/// allowed by the domain pattern `pattern` (host and, when the pattern has one, port).
pub fn target_matches(pattern: &str, host: &str, port: Option<u16>) -> bool {
    let (host_pattern, wanted) = split_port(pattern.trim());
    if !host_matches(host_pattern, host) {
        return false;
    }
    match wanted {
        None => true,
        Some(p) => port.is_some_and(|actual| p.parse::<u16>().ok() == Some(actual)),
    }
}

/// The host (`None` when the URL has none) and port a URL goes to, read with the WHATWG
/// parser the native http client uses.
#[cfg(feature = "native")]
fn url_target(raw: &str) -> Result<(Option<String>, Option<u16>), String> {
    let url = url::Url::parse(raw).map_err(|e| e.to_string())?;
    Ok((
        url.host_str().map(str::to_string),
        url.port_or_known_default(),
    ))
}

/// The host and port a URL goes to, read with the strict [`crate::urlhost`] extractor.
#[cfg(not(feature = "native"))]
fn url_target(raw: &str) -> Result<(Option<String>, Option<u16>), String> {
    crate::urlhost::parse(raw).map(|t| (Some(t.host), t.port))
}

/// Normalises `path` lexically: relative paths are joined to `base` (when given), `.` is
/// dropped and `..` removes the previous component. Returns `None` when a `..` would climb
/// above the root (or above the start of a relative path) or the path is empty.
pub fn normalize_path(path: &Path, base: Option<&Path>) -> Option<PathBuf> {
    if path.as_os_str().is_empty() {
        return None;
    }
    let joined;
    let path = match base {
        Some(b) if path.is_relative() => {
            joined = b.join(path);
            joined.as_path()
        }
        _ => path,
    };
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => return None,
            },
            other => out.push(other),
        }
    }
    let result: PathBuf = out.iter().collect();
    if result.as_os_str().is_empty() {
        Some(PathBuf::from("."))
    } else {
        Some(result)
    }
}

/// Whether `path` lies under the granted prefix `grant` (both normalised against `base`).
pub fn path_allowed(grant: &str, path: &str, base: Option<&Path>) -> bool {
    let (Some(g), Some(p)) = (
        normalize_path(Path::new(grant), base),
        normalize_path(Path::new(path), base),
    ) else {
        return false;
    };
    if g == Path::new(".") {
        // A relative grant of the base itself (only reachable without a base directory).
        return p.is_relative();
    }
    p.starts_with(&g)
}

/// Checks every standard grant of one call except `max_calls` (which needs per-run state;
/// see [`ToolGate`]). The grants a standard tool requires ([`crate::standard`]) are always
/// checked, whoever provides the tool; `required` adds the keys the provider insists on. On success the
/// returned context carries all grants and the timeout.
pub fn check_call(
    tool: &str,
    alias: &str,
    grants: &[(String, Value)],
    args: &Value,
    required: &[&str],
    base: Option<&Path>,
) -> Result<CallContext, ToolError> {
    let describe = || who(alias, tool);
    let standard = crate::standard::required_grants(tool);
    for key in standard.iter().chain(required) {
        if !grants.iter().any(|(k, _)| k == key) {
            return Err(ToolError::denied(format!(
                "{}: this tool requires a `{key}` grant (for example `grant {alias} {key} \"...\"`)",
                describe()
            )));
        }
    }
    if let Some(patterns) = collect_strings(grants, "domain", &describe)? {
        let Some(raw) = args.get("url").and_then(Value::as_str) else {
            return Err(ToolError::denied(format!(
                "{}: grant domain needs a string `url` argument",
                describe()
            )));
        };
        let (host, port) = url_target(raw).map_err(|e| {
            ToolError::denied(format!(
                "{}: grant domain cannot check `{raw}`: invalid URL ({e})",
                describe()
            ))
        })?;
        let allowed = host
            .as_deref()
            .is_some_and(|h| patterns.iter().any(|p| target_matches(p, h, port)));
        if !allowed {
            let host = host.as_deref().unwrap_or("(no host)");
            return Err(ToolError::denied(format!(
                "{}: grant domain denies host `{host}` (allowed: {})",
                describe(),
                patterns.join(", ")
            )));
        }
    }
    if let Some(prefixes) = collect_strings(grants, "path", &describe)? {
        let Some(path) = args.get("path").and_then(Value::as_str) else {
            return Err(ToolError::denied(format!(
                "{}: grant path needs a string `path` argument",
                describe()
            )));
        };
        if !prefixes.iter().any(|g| path_allowed(g, path, base)) {
            return Err(ToolError::denied(format!(
                "{}: grant path denies `{path}` (allowed: {})",
                describe(),
                prefixes.join(", ")
            )));
        }
    }
    let timeout = min_integer(grants, "timeout_ms", &describe)?.map(Duration::from_millis);
    // Validate max_calls here too, so a bad value is reported even on the first call.
    min_integer(grants, "max_calls", &describe)?;
    Ok(CallContext {
        tool: tool.to_string(),
        alias: alias.to_string(),
        grants: grants.to_vec(),
        timeout,
        line: 0,
    })
}

/// Per-run grant state: counts calls per alias for `max_calls` and remembers the base
/// directory relative paths are resolved against. Create one per program run.
#[derive(Debug, Clone, Default)]
pub struct ToolGate {
    calls: HashMap<String, u64>,
    base: Option<PathBuf>,
}

impl ToolGate {
    /// A gate resolving relative paths against the process's working directory.
    pub fn new() -> ToolGate {
        ToolGate::with_base(std::env::current_dir().ok())
    }

    /// A gate resolving relative paths against `base` (`None`: relative paths are compared
    /// as they are, for hosts without a working directory).
    pub fn with_base(base: Option<PathBuf>) -> ToolGate {
        ToolGate {
            calls: HashMap::new(),
            base,
        }
    }

    /// The base directory for relative paths.
    pub fn base(&self) -> Option<&Path> {
        self.base.as_deref()
    }

    /// How many calls through `alias` were authorised so far.
    pub fn calls(&self, alias: &str) -> u64 {
        self.calls.get(alias).copied().unwrap_or(0)
    }

    /// Checks every grant of one call, `max_calls` included, and counts it when it is
    /// allowed. The error is an E0907 denial; the provider must not be called then.
    pub fn authorize(
        &mut self,
        tool: &str,
        alias: &str,
        grants: &[(String, Value)],
        args: &Value,
        required: &[&str],
    ) -> Result<CallContext, ToolError> {
        let ctx = check_call(tool, alias, grants, args, required, self.base.as_deref())?;
        let describe = || who(alias, tool);
        let made = self.calls(alias);
        if let Some(max) = min_integer(grants, "max_calls", &describe)? {
            if made >= max {
                return Err(ToolError::denied(format!(
                    "{}: grant max_calls {max} exceeded",
                    describe()
                )));
            }
        }
        self.calls.insert(alias.to_string(), made.saturating_add(1));
        Ok(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ToolErrorKind;
    use serde_json::json;

    fn g(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn fetch(grants: &[(String, Value)], url: &str) -> Result<CallContext, ToolError> {
        check_call(
            "http.get",
            "Fetch",
            grants,
            &json!({ "url": url }),
            &[],
            None,
        )
    }

    #[test]
    fn exact_domain() {
        let grants = g(&[("domain", json!("api.example.com"))]);
        assert!(fetch(&grants, "https://api.example.com/v1?q=1").is_ok());
        assert!(fetch(&grants, "https://API.Example.COM./x").is_ok());
        assert!(fetch(&grants, "http://api.example.com:8080/").is_ok());
        assert!(fetch(&grants, "https://example.com/").is_err());
        assert!(fetch(&grants, "https://x.api.example.com/").is_err());
        assert!(fetch(&grants, "https://api.example.com.evil.net/").is_err());
    }

    #[test]
    fn wildcard_domain_matches_subdomains_only() {
        let grants = g(&[("domain", json!("*.example.com"))]);
        assert!(fetch(&grants, "https://a.example.com/").is_ok());
        assert!(fetch(&grants, "https://a.b.example.com/").is_ok());
        assert!(fetch(&grants, "https://example.com/").is_err());
        assert!(fetch(&grants, "https://badexample.com/").is_err());
        assert!(fetch(&grants, "https://example.com.evil.net/").is_err());
        let any = g(&[("domain", json!("*"))]);
        assert!(fetch(&any, "https://anything.at.all/").is_ok());
    }

    #[test]
    fn userinfo_and_backslash_tricks_use_the_real_host() {
        let grants = g(&[("domain", json!("api.example.com"))]);
        let e = fetch(&grants, "https://api.example.com@evil.com/").unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Denied);
        assert!(e.message.contains("evil.com"), "{}", e.message);
        assert!(fetch(&grants, "https://evil.com\\@api.example.com/").is_err());
        assert!(fetch(&grants, "https://evil.com#@api.example.com/").is_err());
    }

    #[test]
    fn several_domain_grants_any_may_match() {
        let grants = g(&[("domain", json!("a.com")), ("domain", json!("*.b.com"))]);
        assert!(fetch(&grants, "https://a.com/").is_ok());
        assert!(fetch(&grants, "https://x.b.com/").is_ok());
        let e = fetch(&grants, "https://c.com/").unwrap_err();
        assert!(e.message.contains("a.com, *.b.com"), "{}", e.message);
        assert!(e.message.contains("tool Fetch (http.get)"), "{}", e.message);
        let list = g(&[("domain", json!(["a.com", "c.com"]))]);
        assert!(fetch(&list, "https://c.com/").is_ok());
    }

    #[test]
    fn domain_with_port() {
        let grants = g(&[("domain", json!("127.0.0.1:8080"))]);
        assert!(fetch(&grants, "http://127.0.0.1:8080/x").is_ok());
        assert!(fetch(&grants, "http://127.0.0.1:9090/x").is_err());
        assert!(fetch(&grants, "http://127.0.0.1/x").is_err());
        let v6 = g(&[("domain", json!("[::1]"))]);
        assert!(fetch(&v6, "http://[::1]:3000/").is_ok());
    }

    #[test]
    fn domain_needs_a_valid_url_with_a_host() {
        let grants = g(&[("domain", json!("example.com"))]);
        assert!(fetch(&grants, "not a url").is_err());
        assert!(fetch(&grants, "file:///etc/passwd").is_err());
        let missing = check_call("http.get", "Fetch", &grants, &json!({}), &[], None);
        assert!(missing.unwrap_err().message.contains("url"));
        let bad = g(&[("domain", json!(5))]);
        let e = fetch(&bad, "https://example.com/").unwrap_err();
        assert!(e.message.contains("invalid value"), "{}", e.message);
    }

    fn read(
        grants: &[(String, Value)],
        path: &str,
        base: Option<&Path>,
    ) -> Result<CallContext, ToolError> {
        check_call(
            "fs.read",
            "Read",
            grants,
            &json!({ "path": path }),
            &["path"],
            base,
        )
    }

    #[test]
    fn path_prefixes_compare_by_component() {
        let grants = g(&[("path", json!("/data"))]);
        assert!(read(&grants, "/data", None).is_ok());
        assert!(read(&grants, "/data/x.txt", None).is_ok());
        assert!(read(&grants, "/data/./sub/../x.txt", None).is_ok());
        assert!(read(&grants, "/database/x.txt", None).is_err());
        assert!(read(&grants, "/etc/passwd", None).is_err());
    }

    #[test]
    fn dotdot_cannot_escape() {
        let grants = g(&[("path", json!("/data"))]);
        let e = read(&grants, "/data/../etc/passwd", None).unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Denied);
        assert!(e.message.contains("grant path"), "{}", e.message);
        assert!(read(&grants, "/data/a/../../etc", None).is_err());
        assert!(read(&grants, "/../data/x", None).is_err());
        let rel = g(&[("path", json!("data"))]);
        assert!(read(&rel, "data/x", None).is_ok());
        assert!(read(&rel, "data/../../x", None).is_err());
        assert!(read(&rel, "../data/x", None).is_err());
    }

    #[test]
    fn relative_paths_use_the_base() {
        let base = Path::new("/work/proj");
        let grants = g(&[("path", json!("./out"))]);
        assert!(read(&grants, "out/a.txt", Some(base)).is_ok());
        assert!(read(&grants, "/work/proj/out/b", Some(base)).is_ok());
        assert!(read(&grants, "/work/other/out/b", Some(base)).is_err());
        let abs = g(&[("path", json!("/work/proj"))]);
        assert!(read(&abs, "src/main.lm", Some(base)).is_ok());
        assert!(read(&abs, "../x", Some(base)).is_err());
        let here = g(&[("path", json!("."))]);
        assert!(read(&here, "x", Some(base)).is_ok());
        assert!(read(&here, "x", None).is_ok());
        assert!(read(&here, "/etc/x", None).is_err());
    }

    #[test]
    fn required_grant_missing_is_denied() {
        let e = read(&[], "/data/x", None).unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Denied);
        assert!(
            e.message.contains("requires a `path` grant"),
            "{}",
            e.message
        );
        let e = read(&g(&[("path", json!("/d"))]), "", None).unwrap_err();
        assert!(e.message.contains("grant path"), "{}", e.message);
        let no_arg = check_call(
            "fs.read",
            "Read",
            &g(&[("path", json!("/d"))]),
            &json!({}),
            &[],
            None,
        );
        assert!(no_arg.unwrap_err().message.contains("`path` argument"));
    }

    #[test]
    fn normalize() {
        assert_eq!(
            normalize_path(Path::new("/a/./b/../c"), None),
            Some(PathBuf::from("/a/c"))
        );
        assert_eq!(
            normalize_path(Path::new("a/.."), None),
            Some(PathBuf::from("."))
        );
        assert_eq!(normalize_path(Path::new(".."), None), None);
        assert_eq!(normalize_path(Path::new(""), None), None);
        assert_eq!(
            normalize_path(Path::new("x/y"), Some(Path::new("/base"))),
            Some(PathBuf::from("/base/x/y"))
        );
    }

    #[test]
    fn timeout_and_extra_keys_reach_the_context() {
        let grants = g(&[
            ("timeout_ms", json!(5000)),
            ("timeout_ms", json!(200)),
            ("model", json!("small")),
        ]);
        let ctx = check_call("ai.ask", "Ask", &grants, &json!({}), &[], None).unwrap();
        assert_eq!(ctx.timeout, Some(Duration::from_millis(200)));
        assert_eq!(ctx.alias, "Ask");
        assert_eq!(ctx.tool, "ai.ask");
        assert_eq!(
            ctx.extra_grants().collect::<Vec<_>>(),
            vec![("model", &json!("small"))]
        );
        let bad = g(&[("timeout_ms", json!(-1))]);
        assert!(check_call("a.b", "A", &bad, &json!({}), &[], None).is_err());
    }

    #[test]
    fn max_calls_is_counted_per_alias() {
        let grants = g(&[("max_calls", json!(2))]);
        let mut gate = ToolGate::with_base(None);
        let args = json!({"text": "x"});
        assert!(gate
            .authorize("echo.upper", "Shout", &grants, &args, &[])
            .is_ok());
        assert!(gate
            .authorize("echo.upper", "Shout", &grants, &args, &[])
            .is_ok());
        // Another alias has its own budget.
        assert!(gate
            .authorize("echo.upper", "Other", &grants, &args, &[])
            .is_ok());
        let e = gate
            .authorize("echo.upper", "Shout", &grants, &args, &[])
            .unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Denied);
        assert_eq!(
            e.message,
            "tool Shout (echo.upper): grant max_calls 2 exceeded"
        );
        assert_eq!(gate.calls("Shout"), 2);
        let zero = g(&[("max_calls", json!(0))]);
        assert!(gate
            .authorize("echo.upper", "Never", &zero, &args, &[])
            .is_err());
        let bad = g(&[("max_calls", json!("two"))]);
        assert!(gate
            .authorize("echo.upper", "Bad", &bad, &args, &[])
            .is_err());
    }

    #[test]
    fn denied_calls_do_not_count() {
        let grants = g(&[("max_calls", json!(1)), ("domain", json!("a.com"))]);
        let mut gate = ToolGate::with_base(None);
        assert!(gate
            .authorize(
                "http.get",
                "F",
                &grants,
                &json!({"url": "https://b.com"}),
                &[]
            )
            .is_err());
        assert_eq!(gate.calls("F"), 0);
        assert!(gate
            .authorize(
                "http.get",
                "F",
                &grants,
                &json!({"url": "https://a.com"}),
                &[]
            )
            .is_ok());
    }
}
