//! Tool providers and the registry that maps qualified tool names to them.
//!
//! A [`ToolProvider`] implements one tool (`fs.read`, `echo.upper`, ...). The host collects
//! providers in a [`ProviderRegistry`]; the driver looks a tool up by its qualified name
//! when the VM suspends at a tool call. Grants are checked *before* a provider is called
//! (see [`crate::grants`]), so a provider only sees calls its alias' grants allow; it gets
//! the grants anyway in the [`CallContext`] (for non-standard keys and for defence in depth).

use lumen_vm::error::codes;
use lumen_vm::shared::{Grants, SharedStr};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Everything a provider may need to know about one call besides its arguments.
///
/// The name, alias and grants are shared (reference-counted) with the VM's request, so
/// making a context copies no string or grant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallContext {
    /// Qualified tool name, e.g. `http.get`.
    pub tool: SharedStr,
    /// The alias the program declared, e.g. `Fetch`.
    pub alias: SharedStr,
    /// Every grant on the alias, in declaration order, standard and unknown keys alike.
    pub grants: Grants,
    /// The time limit from the `timeout_ms` grants (the smallest), if any.
    pub timeout: Option<Duration>,
    /// Source line of the call (0 when unknown).
    pub line: u32,
}

impl CallContext {
    /// The values of every grant with `key`, in declaration order.
    pub fn grant_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.grants
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The grants whose keys are not standard (`domain`, `path`, `timeout_ms`,
    /// `max_calls`, and the keys this standard tool requires, such as `env.get`'s `name`):
    /// the ones meant for the provider itself.
    pub fn extra_grants(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        let required = crate::standard::required_grants(&self.tool);
        self.grants
            .iter()
            .filter(move |(k, _)| {
                !crate::grants::STANDARD_KEYS.contains(&k.as_str())
                    && !required.contains(&k.as_str())
            })
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The `tool Alias (qualified.name)` prefix used in error messages.
    pub fn describe(&self) -> String {
        format!("tool {} ({})", self.alias, self.tool)
    }
}

/// Why a provider refused or failed a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolErrorKind {
    /// The tool ran and failed (I/O error, bad argument, network error): E0906.
    Failed,
    /// The provider found that the call breaks a grant (e.g. a symbolic link leading out
    /// of a granted directory): E0907.
    Denied,
    /// The host does not provide the tool: E0908 (made by the driver, not by providers).
    NotProvided,
}

/// A provider's failure, reported to the program as a run-time error with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    pub kind: ToolErrorKind,
    /// One-line message.
    pub message: String,
}

impl ToolError {
    /// The tool failed (E0906).
    pub fn failed(message: impl Into<String>) -> ToolError {
        ToolError {
            kind: ToolErrorKind::Failed,
            message: message.into(),
        }
    }

    /// The call breaks a grant (E0907).
    pub fn denied(message: impl Into<String>) -> ToolError {
        ToolError {
            kind: ToolErrorKind::Denied,
            message: message.into(),
        }
    }

    /// The tool is not provided (E0908).
    pub fn not_provided(message: impl Into<String>) -> ToolError {
        ToolError {
            kind: ToolErrorKind::NotProvided,
            message: message.into(),
        }
    }

    /// The run-time error code this failure becomes.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ToolErrorKind::Failed => codes::TOOL_FAILED,
            ToolErrorKind::Denied => codes::GRANT_DENIED,
            ToolErrorKind::NotProvided => codes::UNKNOWN_TOOL,
        }
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ToolError {}

/// One tool the host provides.
pub trait ToolProvider {
    /// The qualified name programs use in `use tool NAME as Alias`, e.g. `fs.read`.
    fn name(&self) -> &str;

    /// A JSON schema of the argument object, when the provider has one.
    fn schema(&self) -> Option<Value> {
        None
    }

    /// Grant keys the alias must declare before the tool may be called at all (the fs tools
    /// require `path`, the http tools `domain`). A missing one is E0907, checked before
    /// [`ToolProvider::call`].
    fn required_grants(&self) -> &[&'static str] {
        &[]
    }

    /// Runs the tool with the named-argument object `args`.
    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError>;
}

/// A provider made from a closure: handy for tests and embedders.
pub struct FnProvider<F> {
    name: String,
    schema: Option<Value>,
    required: Vec<&'static str>,
    func: F,
}

impl<F> FnProvider<F>
where
    F: Fn(&Value, &CallContext) -> Result<Value, ToolError>,
{
    /// A provider named `name` that runs `func`.
    pub fn new(name: impl Into<String>, func: F) -> FnProvider<F> {
        FnProvider {
            name: name.into(),
            schema: None,
            required: Vec::new(),
            func,
        }
    }

    /// Sets the argument schema.
    pub fn with_schema(mut self, schema: Value) -> FnProvider<F> {
        self.schema = Some(schema);
        self
    }

    /// Sets the grant keys the alias must declare.
    pub fn requiring(mut self, keys: &[&'static str]) -> FnProvider<F> {
        self.required = keys.to_vec();
        self
    }
}

impl<F> ToolProvider for FnProvider<F>
where
    F: Fn(&Value, &CallContext) -> Result<Value, ToolError>,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> Option<Value> {
        self.schema.clone()
    }

    fn required_grants(&self) -> &[&'static str] {
        &self.required
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        (self.func)(args, ctx)
    }
}

/// The tools a host provides, by qualified name.
#[derive(Default)]
pub struct ProviderRegistry {
    providers: BTreeMap<String, Box<dyn ToolProvider>>,
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderRegistry")
            .field("tools", &self.names())
            .finish()
    }
}

impl ProviderRegistry {
    /// An empty registry.
    pub fn new() -> ProviderRegistry {
        ProviderRegistry::default()
    }

    /// Adds a provider under its own name, returning the one it replaces, if any.
    pub fn register(
        &mut self,
        provider: impl ToolProvider + 'static,
    ) -> Option<Box<dyn ToolProvider>> {
        self.register_boxed(Box::new(provider))
    }

    /// Adds a boxed provider under its own name, returning the one it replaces, if any.
    pub fn register_boxed(
        &mut self,
        provider: Box<dyn ToolProvider>,
    ) -> Option<Box<dyn ToolProvider>> {
        self.providers.insert(provider.name().to_string(), provider)
    }

    /// The provider of the tool `name`.
    pub fn get(&self, name: &str) -> Option<&dyn ToolProvider> {
        self.providers.get(name).map(|p| p.as_ref())
    }

    /// Whether the tool `name` is provided.
    pub fn contains(&self, name: &str) -> bool {
        self.providers.contains_key(name)
    }

    /// Every provided tool name, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.providers.keys().map(String::as_str).collect()
    }

    /// Number of providers.
    pub fn len(&self) -> usize {
        self.providers.len()
    }

    /// Whether no tool is provided.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The E0908 message for a tool this registry does not provide: names the tool and
    /// lists the provided ones.
    pub fn unknown_tool_message(&self, name: &str, alias: &str) -> String {
        lumen_report::tools::unknown_tool(alias, name, &self.names())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn constant(
        name: &str,
        v: Value,
    ) -> FnProvider<impl Fn(&Value, &CallContext) -> Result<Value, ToolError>> {
        FnProvider::new(name, move |_: &Value, _: &CallContext| Ok(v.clone()))
    }

    #[test]
    fn registry_looks_up_by_qualified_name_and_lists_sorted() {
        let mut r = ProviderRegistry::new();
        assert!(r.is_empty());
        r.register(constant("z.last", json!(1)));
        r.register(constant("a.first", json!(2)));
        assert_eq!(r.len(), 2);
        assert_eq!(r.names(), vec!["a.first", "z.last"]);
        assert!(r.contains("a.first"));
        assert!(!r.contains("a"));
        let p = r
            .get("z.last")
            .map(|p| p.call(&json!({}), &CallContext::default()));
        assert_eq!(p, Some(Ok(json!(1))));
        assert!(r.get("nope").is_none());
    }

    #[test]
    fn registering_twice_replaces() {
        let mut r = ProviderRegistry::new();
        assert!(r.register(constant("t.x", json!(1))).is_none());
        assert!(r.register(constant("t.x", json!(2))).is_some());
        assert_eq!(r.len(), 1);
        let got = r
            .get("t.x")
            .map(|p| p.call(&json!({}), &CallContext::default()));
        assert_eq!(got, Some(Ok(json!(2))));
    }

    #[test]
    fn unknown_tool_message_names_tool_and_lists_provided() {
        let mut r = ProviderRegistry::new();
        assert!(r.unknown_tool_message("x.y", "X").contains("none"));
        r.register(constant("b.two", json!(null)));
        r.register(constant("a.one", json!(null)));
        let m = r.unknown_tool_message("x.y", "X");
        assert!(m.contains("x.y"), "{m}");
        assert!(m.contains("X"), "{m}");
        assert!(m.contains("a.one, b.two"), "{m}");
    }

    #[test]
    fn context_helpers() {
        let ctx = CallContext {
            tool: "t.x".into(),
            alias: "T".into(),
            grants: vec![
                ("domain".into(), json!("a.com")),
                ("retries".into(), json!(3)),
                ("domain".into(), json!("b.com")),
            ]
            .into(),
            timeout: None,
            line: 4,
        };
        let domains: Vec<&Value> = ctx.grant_values("domain").collect();
        assert_eq!(domains, vec![&json!("a.com"), &json!("b.com")]);
        let extra: Vec<(&str, &Value)> = ctx.extra_grants().collect();
        assert_eq!(extra, vec![("retries", &json!(3))]);
        assert_eq!(ctx.describe(), "tool T (t.x)");
    }

    #[test]
    fn tool_error_codes() {
        assert_eq!(ToolError::failed("x").code(), codes::TOOL_FAILED);
        assert_eq!(ToolError::denied("x").code(), codes::GRANT_DENIED);
        assert_eq!(ToolError::not_provided("x").code(), codes::UNKNOWN_TOOL);
        assert_eq!(ToolError::failed("boom").to_string(), "boom");
    }

    #[test]
    fn fn_provider_carries_schema_and_requirements() {
        let p = constant("t.x", json!(null))
            .with_schema(json!({"type": "object"}))
            .requiring(&["path"]);
        assert_eq!(p.schema(), Some(json!({"type": "object"})));
        assert_eq!(p.required_grants(), &["path"]);
    }
}
