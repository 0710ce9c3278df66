//! HTTP tools: `http.get {url, headers?}` and `http.post {url, body, headers?}`.
//!
//! Blocking requests with `ureq` natively, through `wasi:http` in the `wasm32-wasip2`
//! component build (feature `wasi-http`, see `wasi_http.rs`). Both tools **require** a `domain` grant (E0907 without
//! one); the grant check runs on the `url` before the request is made. Redirects are *not*
//! followed (a redirect could leave the granted domain): a 3xx comes back as a result with its
//! status. Any status is a result, not an error: `{"status": Int, "body": String, "json":
//! parsed body or null}`. Transport failures (DNS, refused connection, timeout) are E0906.
//! The `timeout_ms` grant bounds the whole request (default 30 s). `body` is sent as is when
//! it is a string, otherwise as JSON with `Content-Type: application/json`. Only `http` and
//! `https` URLs are accepted (`https` needs the crate's `tls` feature).

use super::str_arg;
use crate::provider::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};
use std::time::Duration;

/// Timeout when the alias has no `timeout_ms` grant.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

fn schema(with_body: bool) -> Value {
    let mut props = serde_json::Map::new();
    props.insert("url".into(), json!({"type": "string"}));
    props.insert(
        "headers".into(),
        json!({"type": "object", "additionalProperties": {"type": "string"}}),
    );
    let mut required = vec![json!("url")];
    if with_body {
        props.insert("body".into(), json!({}));
        required.push(json!("body"));
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// The `headers` argument as name/value pairs.
fn headers(args: &Value, ctx: &CallContext) -> Result<Vec<(String, String)>, ToolError> {
    match args.get("headers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(ToolError::failed(format!(
                    "{}: header `{k}` must be a string",
                    ctx.describe()
                ))),
            })
            .collect(),
        Some(_) => Err(ToolError::failed(format!(
            "{}: argument `headers` must be a map of strings",
            ctx.describe()
        ))),
    }
}

/// Sends one request and shapes the response as the tool result.
fn send(
    method: &str,
    args: &Value,
    ctx: &CallContext,
    body: Option<&Value>,
) -> Result<Value, ToolError> {
    let url = str_arg(args, "url", ctx)?;
    let mut headers = headers(args, ctx)?;
    let body_text = match body {
        None => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".to_string(), "application/json".to_string()));
            }
            Some(other.to_string())
        }
    };
    let timeout = ctx.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let (status, text) = transport::request(method, url, &headers, body_text.as_deref(), timeout)
        .map_err(|e| ToolError::failed(format!("{}: {e}", ctx.describe())))?;
    let parsed_json = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    Ok(json!({ "status": status, "body": text, "json": parsed_json }))
}

/// The blocking HTTP client of the native build (ureq).
#[cfg(feature = "native")]
mod transport {
    use std::time::Duration;

    /// Sends the request; any status is a response, transport failures are errors.
    pub fn request(
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, String), String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("invalid URL `{url}`: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "only http and https URLs are supported, not `{}`",
                parsed.scheme()
            ));
        }
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(timeout)
            .build();
        let mut request = agent.request(method, url);
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let result = match body {
            None => request.call(),
            Some(text) => request.send_string(text),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(format!("{method} {url} failed: {t}")),
        };
        let status = response.status();
        let text = response
            .into_string()
            .map_err(|e| format!("cannot read the response body: {e}"))?;
        Ok((status, text))
    }
}

#[cfg(all(not(feature = "native"), feature = "wasi-http", target_os = "wasi"))]
#[path = "wasi_http.rs"]
mod transport;

/// `http.get {url, headers?}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpGet;

impl ToolProvider for HttpGet {
    fn name(&self) -> &str {
        "http.get"
    }

    fn schema(&self) -> Option<Value> {
        Some(schema(false))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        send("GET", args, ctx, None)
    }
}

/// `http.post {url, body, headers?}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpPost;

impl ToolProvider for HttpPost {
    fn name(&self) -> &str {
        "http.post"
    }

    fn schema(&self) -> Option<Value> {
        Some(schema(true))
    }

    fn required_grants(&self) -> &[&'static str] {
        crate::standard::required_grants(self.name())
    }

    fn call(&self, args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let body = args.get("body").unwrap_or(&Value::Null);
        send("POST", args, ctx, Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ToolErrorKind;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    /// Serves one request on 127.0.0.1 with `response`; returns the URL base and a receiver
    /// for the raw request (head and body).
    fn serve_once(response: &'static str) -> (String, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            head.push_str(&String::from_utf8_lossy(&body));
            let mut stream = reader.into_inner();
            let _ = stream.write_all(response.as_bytes());
            let _ = tx.send(head);
        });
        (format!("http://{addr}"), rx)
    }

    fn ctx() -> CallContext {
        CallContext {
            tool: "http.get".into(),
            alias: "Fetch".into(),
            grants: vec![("domain".into(), json!("127.0.0.1"))].into(),
            timeout: Some(Duration::from_secs(5)),
            line: 1,
        }
    }

    #[test]
    fn get_returns_status_body_and_json() {
        let (base, rx) = serve_once(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"a\": [1]}\n",
        );
        let out = HttpGet
            .call(
                &json!({"url": format!("{base}/data?x=1"), "headers": {"X-Test": "yes"}}),
                &ctx(),
            )
            .unwrap();
        assert_eq!(out["status"], json!(200));
        assert_eq!(out["body"], json!("{\"a\": [1]}\n"));
        assert_eq!(out["json"], json!({"a": [1]}));
        let request = rx.recv().unwrap();
        assert!(request.starts_with("GET /data?x=1 HTTP/1.1"), "{request}");
        assert!(
            request.to_ascii_lowercase().contains("x-test: yes"),
            "{request}"
        );
    }

    #[test]
    fn post_sends_json_body_and_error_status_is_a_result() {
        let (base, rx) = serve_once(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope",
        );
        let out = HttpPost
            .call(
                &json!({"url": format!("{base}/items"), "body": {"n": 1}}),
                &ctx(),
            )
            .unwrap();
        assert_eq!(out["status"], json!(404));
        assert_eq!(out["body"], json!("nope"));
        assert_eq!(out["json"], Value::Null);
        let request = rx.recv().unwrap();
        assert!(request.starts_with("POST /items"), "{request}");
        assert!(
            request
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{request}"
        );
        assert!(request.ends_with("{\"n\":1}"), "{request}");
    }

    #[test]
    fn redirects_are_not_followed() {
        let (base, _rx) = serve_once(
            "HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        let out = HttpGet
            .call(&json!({"url": format!("{base}/")}), &ctx())
            .unwrap();
        assert_eq!(out["status"], json!(302));
    }

    #[test]
    fn connection_refused_is_a_failure() {
        // Bind then drop to get a port nothing listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = HttpGet
            .call(&json!({"url": format!("http://127.0.0.1:{port}/")}), &ctx())
            .unwrap_err();
        assert_eq!(e.kind, ToolErrorKind::Failed);
        assert!(e.message.contains("tool Fetch (http.get)"), "{}", e.message);
    }

    #[test]
    fn timeout_is_obeyed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        // Accept and never answer until the client has given up (at most 30 s).
        let handle = std::thread::spawn(move || {
            let conn = listener.accept();
            let _ = done_rx.recv_timeout(Duration::from_secs(30));
            drop(conn);
        });
        let mut c = ctx();
        c.timeout = Some(Duration::from_millis(100));
        let e = HttpGet
            .call(&json!({"url": format!("http://{addr}/")}), &c)
            .unwrap_err();
        // The server only lets go after this answer: the error can only be the timeout.
        let _ = done_tx.send(());
        assert_eq!(e.kind, ToolErrorKind::Failed);
        assert!(
            e.message.to_ascii_lowercase().contains("timed out"),
            "{}",
            e.message
        );
        let _ = handle.join();
    }

    #[test]
    fn bad_arguments_fail_without_network() {
        let failed = |args: Value| {
            let e = HttpGet.call(&args, &ctx()).unwrap_err();
            assert_eq!(e.code(), "E0906", "{args}: {}", e.message);
            e.message
        };
        failed(json!({"url": "ftp://127.0.0.1/"}));
        failed(json!({"url": "::"}));
        assert!(failed(json!({})).contains("`url`"));
        let m = failed(json!({"url": "http://127.0.0.1:1/", "headers": {"a": 1}}));
        assert!(m.contains("header"), "{m}");
        let m = failed(json!({"url": "http://127.0.0.1:1/", "headers": [1]}));
        assert!(m.contains("header"), "{m}");
    }
}
