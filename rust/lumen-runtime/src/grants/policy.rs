//! A tool's grants parsed and validated once ([`Policy::parse`]) and checked against each
//! call's arguments ([`Policy::check`]).
//!
//! Parsing keeps every outcome, errors included: a grant with an invalid value is stored as
//! its denial and reported by every call, at the point of the checks where reading it would
//! have failed, so a policy that is made once per run denies exactly what reading the grants
//! again on every call denied.

use super::{name_matches, path_allowed, target_matches, url_target, who};
use crate::provider::ToolError;
use lumen_vm::ToolArgs;
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

/// A call's arguments as the checks read them: the named argument when it is a string,
/// exactly the text the provider will receive.
pub trait CallArgs {
    /// The argument `name` when it is (or converts to) a JSON string.
    fn string(&self, name: &str) -> Option<Cow<'_, str>>;
}

impl CallArgs for Value {
    fn string(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).and_then(Value::as_str).map(Cow::Borrowed)
    }
}

/// A VM's arguments, read in place (no JSON is built for the check).
impl CallArgs for ToolArgs {
    fn string(&self, name: &str) -> Option<Cow<'_, str>> {
        ToolArgs::string(self, name)
    }
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
fn collect_strings(
    grants: &[(String, Value)],
    key: &str,
    describe: &dyn Fn() -> String,
) -> Result<Option<Vec<String>>, ToolError> {
    let mut found: Option<Vec<String>> = None;
    for (k, v) in grants.iter().filter(|(k, _)| k == key) {
        let values = string_values(v).ok_or_else(|| {
            ToolError::denied(format!(
                "{}: grant {k} has an invalid value {v} (expected a string)",
                describe()
            ))
        })?;
        found
            .get_or_insert_with(Vec::new)
            .extend(values.into_iter().map(str::to_string));
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

/// The parsed value of one standard grant key, or the denial its invalid value causes.
type Parsed<T> = Result<Option<T>, ToolError>;

/// Borrows a parsed grant, cloning only its denial.
fn parsed<T>(p: &Parsed<T>) -> Result<Option<&T>, ToolError> {
    p.as_ref().map(Option::as_ref).map_err(Clone::clone)
}

/// The standard grants of one tool and alias, read once.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The grant keys the standard tool requires ([`crate::standard`]).
    standard: &'static [&'static str],
    /// Every `domain` pattern.
    domains: Parsed<Vec<String>>,
    /// Every `path` prefix.
    paths: Parsed<Vec<String>>,
    /// Every `name` pattern (read only for a standard tool that requires `name`).
    names: Parsed<Vec<String>>,
    /// The smallest `timeout_ms`.
    timeout: Parsed<Duration>,
    /// The smallest `max_calls`.
    max_calls: Parsed<u64>,
}

impl Policy {
    /// Reads the standard grants of `tool` called through `alias`.
    pub(crate) fn parse(tool: &str, alias: &str, grants: &[(String, Value)]) -> Policy {
        let describe = || who(alias, tool);
        let standard = crate::standard::required_grants(tool);
        Policy {
            standard,
            domains: collect_strings(grants, "domain", &describe),
            paths: collect_strings(grants, "path", &describe),
            names: if standard.contains(&"name") {
                collect_strings(grants, "name", &describe)
            } else {
                Ok(None)
            },
            timeout: min_integer(grants, "timeout_ms", &describe)
                .map(|t| t.map(Duration::from_millis)),
            max_calls: min_integer(grants, "max_calls", &describe),
        }
    }

    /// The time limit of the `timeout_ms` grants (`None` also when their value is invalid,
    /// which [`Policy::check`] denies).
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout.as_ref().ok().copied().flatten()
    }

    /// The smallest `max_calls`, or the denial of an invalid one.
    pub(crate) fn max_calls(&self) -> Result<Option<u64>, ToolError> {
        parsed(&self.max_calls).map(Option::<&u64>::copied)
    }

    /// Checks one call with `args` of `tool` through `alias` (whose grants this policy was
    /// parsed from: `grants`): every standard grant except the `max_calls` count, in the
    /// order of the module docs of [`crate::grants`]; `required` adds the keys the provider
    /// insists on.
    pub(crate) fn check(
        &self,
        tool: &str,
        alias: &str,
        grants: &[(String, Value)],
        args: &dyn CallArgs,
        required: &[&str],
        base: Option<&Path>,
    ) -> Result<(), ToolError> {
        let describe = || who(alias, tool);
        for key in self.standard.iter().chain(required) {
            if !grants.iter().any(|(k, _)| k == key) {
                return Err(ToolError::denied(format!(
                    "{}: this tool requires a `{key}` grant (for example `grant {alias} {key} \"...\"`)",
                    describe()
                )));
            }
        }
        if let Some(patterns) = parsed(&self.domains)? {
            check_domain(patterns, args, &describe)?;
        }
        if let Some(prefixes) = parsed(&self.paths)? {
            check_path(prefixes, args, base, &describe)?;
        }
        if let Some(patterns) = parsed(&self.names)? {
            check_name(patterns, args, &describe)?;
        }
        parsed(&self.timeout)?;
        // Validate max_calls here too, so a bad value is reported even on the first call.
        parsed(&self.max_calls)?;
        Ok(())
    }
}

/// Checks the host of the `url` argument against the `domain` patterns.
fn check_domain(
    patterns: &[String],
    args: &dyn CallArgs,
    describe: &dyn Fn() -> String,
) -> Result<(), ToolError> {
    let Some(raw) = args.string("url") else {
        return Err(ToolError::denied(format!(
            "{}: grant domain needs a string `url` argument",
            describe()
        )));
    };
    let raw: &str = &raw;
    let (host, port) = url_target(raw).map_err(|e| {
        ToolError::denied(format!(
            "{}: grant domain cannot check `{raw}`: invalid URL ({e})",
            describe()
        ))
    })?;
    let allowed = host
        .as_deref()
        .is_some_and(|h| patterns.iter().any(|p| target_matches(p, h, port)));
    if allowed {
        return Ok(());
    }
    let Some(host) = host.as_deref() else {
        return Err(ToolError::denied(format!(
            "{}: grant domain denies `{raw}`: the URL has no host",
            describe()
        )));
    };
    Err(ToolError::denied(format!(
        "{}: grant domain denies host `{host}` (allowed: {})",
        describe(),
        patterns.join(", ")
    )))
}

/// Checks the `path` argument against the `path` prefixes.
fn check_path(
    prefixes: &[String],
    args: &dyn CallArgs,
    base: Option<&Path>,
    describe: &dyn Fn() -> String,
) -> Result<(), ToolError> {
    let Some(path) = args.string("path") else {
        return Err(ToolError::denied(format!(
            "{}: grant path needs a string `path` argument",
            describe()
        )));
    };
    let path: &str = &path;
    if path.contains('\0') {
        return Err(ToolError::denied(format!(
            "{}: grant path denies `{}`: the path contains a NUL byte",
            describe(),
            path.escape_debug()
        )));
    }
    if prefixes.iter().any(|g| path_allowed(g, path, base)) {
        return Ok(());
    }
    Err(ToolError::denied(format!(
        "{}: grant path denies `{path}` (allowed: {})",
        describe(),
        prefixes
            .iter()
            .map(|p| p.escape_debug().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Checks the `name` argument against the `name` grants (`env.get`).
fn check_name(
    patterns: &[String],
    args: &dyn CallArgs,
    describe: &dyn Fn() -> String,
) -> Result<(), ToolError> {
    let Some(name) = args.string("name") else {
        return Err(ToolError::denied(format!(
            "{}: grant name needs a string `name` argument",
            describe()
        )));
    };
    let name: &str = &name;
    if patterns.iter().any(|p| name_matches(p, name)) {
        return Ok(());
    }
    Err(ToolError::denied(format!(
        "{}: grant name denies `{}` (allowed: {})",
        describe(),
        name.escape_debug(),
        patterns.join(", ")
    )))
}
