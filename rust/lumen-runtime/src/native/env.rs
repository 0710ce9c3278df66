//! `env.get {name}`: an environment variable's value, or null when it is not set.
//!
//! Not confined by a standard grant: the environment is read-only and the program names the
//! variable in its source.

use super::str_arg;
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

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let name = str_arg(args, "name", ctx)?;
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

    #[test]
    fn reads_set_and_unset_variables() {
        let ctx = CallContext::default();
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
    fn rejects_bad_names() {
        let ctx = CallContext::default();
        assert!(EnvGet.call(&json!({"name": ""}), &ctx).is_err());
        assert!(EnvGet.call(&json!({"name": "A=B"}), &ctx).is_err());
        assert!(EnvGet.call(&json!({"name": 1}), &ctx).is_err());
    }
}
