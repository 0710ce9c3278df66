//! Native tool providers for the CLI host: file system, HTTP, environment and clock.
//!
//! | tool | arguments | result | required grant |
//! |------|-----------|--------|----------------|
//! | `fs.read` | `{path}` | `{"text"}` | `path` |
//! | `fs.write` | `{path, text}` | `{"bytes"}` | `path` |
//! | `fs.list` | `{path}` | `{"entries": [names, sorted]}` | `path` |
//! | `http.get` | `{url, headers?}` | `{"status", "body", "json"}` | `domain` |
//! | `http.post` | `{url, body, headers?}` | `{"status", "body", "json"}` | `domain` |
//! | `env.get` | `{name}` | string or null | `name` |
//! | `time.now` | `{}` | `{"unix_ms", "iso"}` | none |
//! | `echo.upper` | `{text}` | `{"text"}` | none |
//!
//! The file-system, network and environment tools refuse to run without a grant that
//! confines them (E0907): a program only touches the directories, hosts and variables its
//! source declares. The fs tools open paths through [`confine`], race-free.

pub mod confine;
pub mod env;
pub mod fs;
#[cfg(any(feature = "native", all(feature = "wasi-http", target_os = "wasi")))]
pub mod http;
pub mod time;

use crate::provider::{CallContext, ProviderRegistry, ToolError};
use serde_json::Value;

/// A registry with every native provider and `echo.upper`. Without the `native` feature
/// (the WASI build) `http.get`/`http.post` are registered as tools that fail with a
/// message saying HTTP is not available here.
pub fn native_registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    r.register(fs::FsRead);
    r.register(fs::FsWrite);
    r.register(fs::FsList);
    #[cfg(any(feature = "native", all(feature = "wasi-http", target_os = "wasi")))]
    {
        r.register(http::HttpGet);
        r.register(http::HttpPost);
    }
    #[cfg(not(any(feature = "native", all(feature = "wasi-http", target_os = "wasi"))))]
    for name in ["http.get", "http.post"] {
        r.register(crate::provider::FnProvider::new(name, |_args, ctx| {
            Err(ToolError::failed(format!(
                "{}: HTTP is not available in this build of lumen (wasm32-wasip1 has no \
                 sockets); run the program with the native lumen or a host that provides HTTP",
                ctx.describe()
            )))
        }));
    }
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
