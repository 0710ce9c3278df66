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
//!   lexically (relative paths are taken from the base directory, none on WebAssembly: see
//!   [`ToolGate::new`]; `.` dropped, `..` removed
//!   with its parent; a `..` above the root is denied) and compared component by component,
//!   so `/data` allows `/data/x` but not `/database`. Several `path` grants: any may match.
//! - `name` (for `env.get`, the standard tool that requires it): an allow-list of
//!   environment variable names checked against the `name` argument — `HOME` (exactly that
//!   name, case-sensitive), `LUMEN_*` (a trailing `*`: every name starting with `LUMEN_`),
//!   `*` (any name). A `*` anywhere else matches nothing. Several `name` grants: any may
//!   match. For other tools `name` is not standard and goes to the provider.
//! - `timeout_ms`: a non-negative integer handed to the provider (the smallest one wins).
//! - `max_calls`: a non-negative integer; calls beyond it in one run are denied (counted per
//!   alias by [`ToolGate`]).
//!
//! Any other key is handed to the provider untouched in the [`CallContext`]. A grant with a
//! value of the wrong type denies every call (the program asked for a policy the host cannot
//! enforce). Every denial is an E0907 error whose message names the alias and the grant.

mod policy;

use crate::provider::{CallContext, ToolError};
use lumen_vm::shared::{Grants, SharedStr};
use lumen_vm::ToolRequest;
use policy::Policy;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
#[cfg(test)]
use std::time::Duration;

/// The grant keys the host enforces itself; every other key is for the provider.
pub const STANDARD_KEYS: &[&str] = &["domain", "path", "timeout_ms", "max_calls"];

/// Describes a call for error messages: `tool Alias (qualified.name)`.
fn who(alias: &str, tool: &str) -> String {
    format!("tool {alias} ({tool})")
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
    // One trailing dot is the DNS root (`example.com.` is `example.com`); more is no host.
    let pattern = pattern.trim();
    let pattern = pattern
        .strip_suffix('.')
        .unwrap_or(pattern)
        .to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.ends_with('.') {
        return false;
    }
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

/// Whether the environment variable `name` is allowed by the `name` grant `pattern`:
/// equal to it, or, when the pattern ends in `*`, starting with what comes before the `*`.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => !prefix.contains('*') && name.starts_with(prefix),
        None => !pattern.contains('*') && pattern == name,
    }
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
    if grant.contains('\0') || path.contains('\0') {
        return false;
    }
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
    let policy = Policy::parse(tool, alias, grants);
    policy.check(tool, alias, grants, args, required, base)?;
    Ok(copied_context(tool, alias, grants, &policy))
}

/// The context of an allowed call whose name, alias and grants were given as borrowed
/// values (copied into shared ones); line 0 (the host sets it).
fn copied_context(
    tool: &str,
    alias: &str,
    grants: &[(String, Value)],
    policy: &Policy,
) -> CallContext {
    CallContext {
        tool: tool.into(),
        alias: alias.into(),
        grants: grants.into(),
        timeout: policy.timeout(),
        line: 0,
    }
}

/// The directory relative paths are resolved against on this host: the working directory
/// natively, none on WASI and other WebAssembly hosts.
pub(crate) fn host_base() -> Option<PathBuf> {
    if cfg!(target_family = "wasm") {
        None
    } else {
        std::env::current_dir().ok()
    }
}

/// The policy of one tool of a run, kept by [`ToolGate::authorize_request`] for the
/// requests that share its name, alias and grants (the same allocations: a VM's requests
/// for one tool always do).
#[derive(Debug, Clone)]
struct Prepared {
    name: SharedStr,
    alias: SharedStr,
    grants: Grants,
    policy: Policy,
    /// Index of the alias' count in [`ToolGate::counts`].
    slot: usize,
}

impl Prepared {
    /// Whether this was prepared for `request`'s tool.
    fn serves(&self, request: &ToolRequest) -> bool {
        SharedStr::ptr_eq(&self.name, &request.name)
            && SharedStr::ptr_eq(&self.alias, &request.alias)
            && Grants::ptr_eq(&self.grants, &request.grants)
    }
}

/// Per-run grant state: counts calls per alias for `max_calls` and remembers the base
/// directory relative paths are resolved against. Create one per program run.
///
/// [`ToolGate::authorize_request`] also keeps each tool's grants parsed (a [`Policy`] per
/// tool index, made on the tool's first call): later calls check their arguments against
/// it and count without allocating. The checks are the same on every call.
#[derive(Debug, Clone, Default)]
pub struct ToolGate {
    /// The index in `counts` of every alias that was seen.
    slots: HashMap<String, usize>,
    /// Calls authorised so far, per alias.
    counts: Vec<u64>,
    /// The prepared policy of each tool, by the requests' tool index.
    prepared: Vec<Option<Prepared>>,
    base: Option<PathBuf>,
}

impl ToolGate {
    /// A gate resolving relative paths against the process's working directory; on WASI,
    /// which has none (wasi-libc reports `/`), relative paths are compared as they are,
    /// as in the JavaScript hosts: with `/` as the base a relative grant such as `.` would
    /// cover every absolute path, which it does not natively.
    pub fn new() -> ToolGate {
        ToolGate::with_base(host_base())
    }

    /// A gate resolving relative paths against `base` (`None`: relative paths are compared
    /// as they are, for hosts without a working directory).
    pub fn with_base(base: Option<PathBuf>) -> ToolGate {
        ToolGate {
            base,
            ..ToolGate::default()
        }
    }

    /// The base directory for relative paths.
    pub fn base(&self) -> Option<&Path> {
        self.base.as_deref()
    }

    /// How many calls through `alias` were authorised so far.
    pub fn calls(&self, alias: &str) -> u64 {
        self.slots
            .get(alias)
            .and_then(|&i| self.counts.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The index of `alias`' count, made on its first use.
    fn slot(&mut self, alias: &str) -> usize {
        if let Some(&i) = self.slots.get(alias) {
            return i;
        }
        let i = self.counts.len();
        self.counts.push(0);
        self.slots.insert(alias.to_string(), i);
        i
    }

    /// Denies a call beyond `max_calls`, else counts it in `slot`.
    fn count(
        &mut self,
        slot: usize,
        max: Option<u64>,
        tool: &str,
        alias: &str,
    ) -> Result<(), ToolError> {
        let made = self.counts.get(slot).copied().unwrap_or(0);
        if let Some(max) = max {
            if made >= max {
                return Err(ToolError::denied(format!(
                    "{}: grant max_calls {max} exceeded",
                    who(alias, tool)
                )));
            }
        }
        if let Some(c) = self.counts.get_mut(slot) {
            *c = made.saturating_add(1);
        }
        Ok(())
    }

    /// Checks every grant of one call, `max_calls` included, and counts it when it is
    /// allowed. The error is an E0907 denial; the provider must not be called then.
    /// (Reads the grants afresh; a VM's [`ToolRequest`] goes through
    /// [`ToolGate::authorize_request`], which reads them once per tool.)
    pub fn authorize(
        &mut self,
        tool: &str,
        alias: &str,
        grants: &[(String, Value)],
        args: &Value,
        required: &[&str],
    ) -> Result<CallContext, ToolError> {
        let policy = Policy::parse(tool, alias, grants);
        policy.check(tool, alias, grants, args, required, self.base.as_deref())?;
        let max = policy.max_calls()?;
        let slot = self.slot(alias);
        self.count(slot, max, tool, alias)?;
        Ok(copied_context(tool, alias, grants, &policy))
    }

    /// [`ToolGate::authorize`] for a VM's tool request: the same checks, in the same order,
    /// on every call, against the tool's grants as parsed on its first call in this run. On
    /// success the context shares the request's name, alias and grants and carries its line.
    pub fn authorize_request(
        &mut self,
        request: &ToolRequest,
        required: &[&str],
    ) -> Result<CallContext, ToolError> {
        let index = request.tool as usize;
        let ready = matches!(self.prepared.get(index), Some(Some(p)) if p.serves(request));
        if !ready {
            let prepared = Prepared {
                name: request.name.clone(),
                alias: request.alias.clone(),
                grants: request.grants.clone(),
                policy: Policy::parse(&request.name, &request.alias, &request.grants),
                slot: self.slot(&request.alias),
            };
            if self.prepared.len() <= index {
                self.prepared.resize_with(index + 1, || None);
            }
            if let Some(entry) = self.prepared.get_mut(index) {
                *entry = Some(prepared);
            }
        }
        let Some(Some(p)) = self.prepared.get(index) else {
            return Err(ToolError::denied(format!(
                "{}: the gate lost the tool's grants",
                who(&request.alias, &request.name)
            )));
        };
        p.policy.check(
            &request.name,
            &request.alias,
            &request.grants,
            &request.args,
            required,
            self.base.as_deref(),
        )?;
        let (slot, max, timeout) = (p.slot, p.policy.max_calls()?, p.policy.timeout());
        self.count(slot, max, &request.name, &request.alias)?;
        Ok(CallContext {
            tool: request.name.clone(),
            alias: request.alias.clone(),
            grants: request.grants.clone(),
            timeout,
            line: request.line,
        })
    }
}

#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod tests;
