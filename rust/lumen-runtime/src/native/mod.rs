//! Native tool providers for the CLI host: file system, HTTP, environment and clock.
//!
//! | tool | arguments | result | required grant |
//! |------|-----------|--------|----------------|
//! | `fs.read` | `{path}` | `{"text"}` | `path` |
//! | `fs.write` | `{path, text}` | `{"bytes"}` | `path` |
//! | `fs.list` | `{path}` | `{"entries": [names, sorted]}` | `path` |
//! | `http.get` | `{url, headers?}` | `{"status", "body", "json"}` | `domain` |
//! | `http.post` | `{url, body, headers?}` | `{"status", "body", "json"}` | `domain` |
//! | `env.get` | `{name}` | string or null | none |
//! | `time.now` | `{}` | `{"unix_ms", "iso"}` | none |
//! | `echo.upper` | `{text}` | `{"text"}` | none |
//!
//! The file-system and network tools refuse to run without a grant that confines them
//! (E0907): a program only touches the directories and hosts its source declares.

pub mod env;
pub mod fs;
pub mod http;
pub mod time;

use crate::provider::{CallContext, ProviderRegistry, ToolError};
use serde_json::Value;

/// A registry with every native provider and `echo.upper`.
pub fn native_registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    r.register(fs::FsRead);
    r.register(fs::FsWrite);
    r.register(fs::FsList);
    r.register(http::HttpGet);
    r.register(http::HttpPost);
    r.register(env::EnvGet);
    r.register(time::TimeNow);
    r.register(crate::echo::EchoUpper);
    r
}

/// The string argument `key`, or a "must be a string" failure.
pub(crate) fn str_arg<'a>(
    args: &'a Value,
    key: &str,
    ctx: &CallContext,
) -> Result<&'a str, ToolError> {
    args.get(key).and_then(Value::as_str).ok_or_else(|| {
        ToolError::failed(format!(
            "{}: argument `{key}` must be a string",
            ctx.describe()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_every_native_tool() {
        let r = native_registry();
        assert_eq!(
            r.names(),
            vec![
                "echo.upper",
                "env.get",
                "fs.list",
                "fs.read",
                "fs.write",
                "http.get",
                "http.post",
                "time.now"
            ]
        );
        for name in r.names() {
            assert!(
                r.get(name).and_then(|p| p.schema()).is_some(),
                "{name} has no schema"
            );
        }
    }
}
