//! `env.get {name}`: an environment variable's value, or null when it is not set.
//!
//! Requires a `name` grant, an allow-list of variable names (`grant Env name "HOME"`, a
//! trailing `*` for a prefix: `"LUMEN_*"`): the environment holds secrets (tokens, keys),
//! so a program reads only the variables its source names. [`crate::ToolGate`] checks it
//! before the call on every host; the provider checks again (defence in depth).

use super::str_arg;
use crate::grants::name_matches;
use crate::provider::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};

/// The `env.get` provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvGet;

impl ToolProvider for EnvGet {
    fn name(&self) -> &str {
        "env.get"
    }

    fn schema(&self) -> Option<Value> {
        Some(json!({
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
        }))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let name = str_arg(args, "name", ctx)?;
        let patterns: Vec<&str> = ctx
            .grant_values("name")
            .flat_map(|v| match v {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            })
            .collect();
        if !patterns.iter().any(|p| name_matches(p, name)) {
            return Err(ToolError::denied(format!(
                "{}: grant name denies `{}` (allowed: {})",
                ctx.describe(),
                name.escape_debug(),
                if patterns.is_empty() {
                    "none: this tool requires a `name` grant".to_string()
                } else {
                    patterns.join(", ")
                }
            )));
        }
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(ToolError::failed(format!(
                "{}: `{name}` is not a valid environment variable name",
                ctx.describe()
            )));
        }
        Ok(match std::env::var_os(name) {
            Some(v) => Value::String(v.to_string_lossy().into_owned()),
            None => Value::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(names: &[&str]) -> CallContext {
        CallContext {
            tool: "env.get".into(),
            alias: "Env".into(),
            grants: names.iter().map(|n| ("name".into(), json!(n))).collect(),
            timeout: None,
            line: 1,
        }
    }

    #[test]
    fn reads_set_and_unset_variables() {
        let ctx = ctx(&["PATH", "LUMEN_SURELY_*"]);
        let path = std::env::var("PATH")
            .map(Value::String)
            .unwrap_or(Value::Null);
        assert_eq!(EnvGet.call(&json!({"name": "PATH"}), &ctx), Ok(path));
        assert_eq!(
            EnvGet.call(&json!({"name": "LUMEN_SURELY_UNSET_VARIABLE_42"}), &ctx),
            Ok(Value::Null)
        );
    }

    #[test]
    fn issue10_item11_provider_denies_ungranted_names() {
        let e = EnvGet
            .call(&json!({"name": "HOME"}), &ctx(&["PATH"]))
            .unwrap_err();
        assert_eq!(e.code(), "E0907");
        assert_eq!(
            e.message,
            "tool Env (env.get): grant name denies `HOME` (allowed: PATH)"
        );
        let e = EnvGet
            .call(&json!({"name": "HOME"}), &CallContext::default())
            .unwrap_err();
        assert_eq!(e.code(), "E0907");
        assert!(
            e.message.contains("requires a `name` grant"),
            "{}",
            e.message
        );
    }

    #[test]
    fn rejects_bad_names() {
        let ctx = ctx(&["*"]);
        for bad in [json!(""), json!("A=B"), json!("A\u{0}B"), json!(1)] {
            let e = EnvGet.call(&json!({ "name": bad }), &ctx).unwrap_err();
            assert_eq!(e.code(), "E0906", "{bad}: {}", e.message);
        }
    }
}
