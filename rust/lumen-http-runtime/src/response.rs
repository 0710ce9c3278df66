//! The answer to a request: the program's `std.http.Response` checked as `worker.js`
//! checks it, or one of the host's JSON error answers (`{"error": {"code"?, "message"}}`
//! with `content-type: application/json; charset=utf-8`).

use serde_json::{Map, Value};

/// The content type of the host's error answers.
pub const JSON_TYPE: &str = "application/json; charset=utf-8";
/// The content type `fetch` gives a text body that has none.
pub const TEXT_TYPE: &str = "text/plain;charset=UTF-8";
/// Statuses that carry no body.
const WITHOUT_BODY: [u16; 3] = [204, 205, 304];

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200–599.
    pub status: u16,
    /// Header fields, names as given.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, `None` for none.
    pub body: Option<String>,
}

/// A JSON error answer: `{"error": {"code": code, "message": message}}` (no `code` when
/// `None`).
pub fn failure(status: u16, code: Option<&str>, message: &str) -> Reply {
    let mut error = Map::new();
    if let Some(code) = code {
        error.insert("code".into(), Value::String(code.to_string()));
    }
    error.insert("message".into(), Value::String(message.to_string()));
    let mut top = Map::new();
    top.insert("error".into(), Value::Object(error));
    Reply {
        status,
        headers: vec![("content-type".into(), JSON_TYPE.as_bytes().to_vec())],
        body: Some(Value::Object(top).to_string()),
    }
}

/// The 500 of a Lumen run-time error.
pub fn lumen_error(code: &str, message: &str) -> Reply {
    failure(500, Some(code), message)
}

/// A header value as a `ByteString`: every character must be at most U+00FF.
fn byte_string(name: &str, value: &str) -> Result<Vec<u8>, String> {
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| format!("header `{name}` has a character beyond U+00FF"))
}

/// Whether `name` is an HTTP token.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The reply of `handle`'s `Response` (as JSON): a status outside 200–599 or a header HTTP
/// cannot carry is a 500; a text body without a `content-type` gets `fetch`'s.
pub fn to_reply(res: &Value) -> Reply {
    let status = res.get("status").and_then(Value::as_i64);
    let status = match status.and_then(|s| u16::try_from(s).ok()) {
        Some(s) if (200..=599).contains(&s) => s,
        _ => {
            let shown = res
                .get("status")
                .map_or("undefined".to_string(), |s| s.to_string());
            return failure(
                500,
                None,
                &format!("handle returned status {shown}: a response status is 200 to 599"),
            );
        }
    };
    let mut headers = Vec::new();
    if let Some(map) = res.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            let text = value.as_str().unwrap_or_default();
            let text = text.trim_matches([' ', '\t', '\r', '\n']);
            let checked = if !is_token(name) {
                Err(format!("`{name}` is not a header name"))
            } else if text.contains(['\r', '\n', '\0']) {
                Err(format!(
                    "header `{name}` has a line break or NUL in its value"
                ))
            } else {
                byte_string(name, text)
            };
            match checked {
                Ok(bytes) => headers.push((name.to_ascii_lowercase(), bytes)),
                Err(m) => {
                    return failure(
                        500,
                        None,
                        &format!("handle returned a header that HTTP cannot carry: {m}"),
                    )
                }
            }
        }
    }
    let body = if WITHOUT_BODY.contains(&status) {
        None
    } else {
        Some(
            res.get("body")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )
    };
    if body.is_some() && !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push(("content-type".into(), TEXT_TYPE.as_bytes().to_vec()));
    }
    Reply {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issue12_item2_a_response_is_checked_as_the_worker_checks_it() {
        let ok = to_reply(
            &json!({"status": 201, "headers": {"Content-Type": "application/json"}, "body": "{}"}),
        );
        assert_eq!(ok.status, 201);
        assert_eq!(
            ok.headers,
            vec![("content-type".to_string(), b"application/json".to_vec())]
        );
        assert_eq!(ok.body.as_deref(), Some("{}"));
        let text = to_reply(&json!({"status": 200, "headers": {}, "body": "hi"}));
        assert_eq!(
            text.headers,
            vec![("content-type".to_string(), TEXT_TYPE.as_bytes().to_vec())]
        );
        let none = to_reply(&json!({"status": 204, "headers": {}, "body": "dropped"}));
        assert_eq!((none.body, none.headers.len()), (None, 0));
        for bad in [
            json!({"status": 700}),
            json!({"status": 199}),
            json!({"status": -1}),
        ] {
            let r = to_reply(&bad);
            assert_eq!(r.status, 500);
            assert!(r
                .body
                .unwrap_or_default()
                .contains("a response status is 200 to 599"));
        }
        let r = to_reply(&json!({"status": 200, "headers": {"bad name": "x"}, "body": ""}));
        assert_eq!(r.status, 500);
        let r = to_reply(&json!({"status": 200, "headers": {"x": "a\r\nb: c"}, "body": ""}));
        assert_eq!(r.status, 500);
        let r = to_reply(&json!({"status": 200, "headers": {"x": "☃"}, "body": ""}));
        assert!(r.body.unwrap_or_default().contains("beyond U+00FF"));
        assert_eq!(
            lumen_error("E0907", "no").body.as_deref(),
            Some(r#"{"error":{"code":"E0907","message":"no"}}"#)
        );
    }
}
