//! `echo.upper`: the conformance test tool every host registers.
//!
//! `echo.upper {text}` returns `{"text": TEXT}` with the text upper-cased. It needs no
//! file system or network, so it is available without the `native` feature.

use crate::provider::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};

/// The `echo.upper` provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct EchoUpper;

impl ToolProvider for EchoUpper {
    fn name(&self) -> &str {
        "echo.upper"
    }

    fn schema(&self) -> Option<Value> {
        Some(json!({
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        }))
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let text = args.get("text").and_then(Value::as_str).ok_or_else(|| {
            ToolError::failed(format!(
                "{}: argument `text` must be a string",
                ctx.describe()
            ))
        })?;
        Ok(json!({ "text": text.to_uppercase() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_cases_text() {
        let ctx = CallContext::default();
        assert_eq!(
            EchoUpper.call(&json!({"text": "héllo"}), &ctx),
            Ok(json!({"text": "HÉLLO"}))
        );
        assert_eq!(EchoUpper.name(), "echo.upper");
        assert!(EchoUpper.schema().is_some());
    }

    #[test]
    fn rejects_non_string_text() {
        let ctx = CallContext::default();
        let e = EchoUpper.call(&json!({"text": 3}), &ctx).unwrap_err();
        assert!(e.message.contains("text"));
        assert!(EchoUpper.call(&json!({}), &ctx).is_err());
    }
}
