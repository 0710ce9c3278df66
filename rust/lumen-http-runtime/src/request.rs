//! An HTTP request as `std.http.Request` (decision 37), decoded as the Cloudflare worker's
//! `worker.js` decodes it with the WHATWG `URL` and `Headers` classes, so that one handler
//! sees the same `Request` on both hosts:
//!
//! - `method`: as sent, except that the six methods `fetch` normalises (`DELETE`, `GET`,
//!   `HEAD`, `OPTIONS`, `POST`, `PUT`, in any case) are upper case;
//! - `path`: the path without the query, not percent-decoded; `.` and `..` segments
//!   (also written `%2e`) are resolved and the bytes outside the URL path set are
//!   percent-encoded, as the URL parser does;
//! - `query`: `application/x-www-form-urlencoded` pairs, `+` a space, percent-decoded
//!   (invalid UTF-8 becomes U+FFFD), the last of a repeated name wins;
//! - `headers`: names lower case, values of a repeated name joined with `", "`, value
//!   bytes read as Latin-1 (a `ByteString`);
//! - `body`: the body as UTF-8 text; anything else is a 400 without calling `handle`.

use crate::response::{failure, Reply};
use serde_json::{Map, Value};

/// The largest request body the runtime reads (8 MiB); a longer one is a 413.
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// The most header bytes (names and values) the runtime accepts (1 MiB); more is a 431.
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// A request as the host delivers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incoming {
    /// The method as sent.
    pub method: String,
    /// The path and query as sent (`/a/b?x=1`); empty is `/`.
    pub path_with_query: String,
    /// The header fields in order, repeated names repeated.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body as read.
    pub body: Body,
}

/// A request body as the host read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// All of it.
    Bytes(Vec<u8>),
    /// It was longer than [`MAX_BODY`] (a 413).
    TooLarge,
    /// Reading it failed (a 400, as in the worker).
    Unreadable(String),
}

impl Default for Body {
    fn default() -> Body {
        Body::Bytes(Vec::new())
    }
}

/// The methods `fetch` upper-cases.
const NORMALISED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// The `method` of `Request`.
pub fn method(sent: &str) -> String {
    let upper = sent.to_ascii_uppercase();
    if NORMALISED.contains(&upper.as_str()) {
        upper
    } else {
        sent.to_string()
    }
}

/// Whether `segment` is `.` (or `%2e`) / `..` (any mix of `.` and `%2e`).
fn dots(segment: &str) -> usize {
    match segment.to_ascii_lowercase().as_str() {
        "." | "%2e" => 1,
        ".." | ".%2e" | "%2e." | "%2e%2e" => 2,
        _ => 0,
    }
}

/// Percent-encodes the bytes the URL parser encodes in a path (C0 controls, space, `"`,
/// `#`, `<`, `>`, `?`, `` ` ``, `{`, `}` and non-ASCII).
fn encode_path_segment(s: &str, out: &mut String) {
    for b in s.bytes() {
        let keep = (0x21..0x7f).contains(&b) && !b"\"#<>?`{}".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// The `path` of `Request`: `raw` (the part before `?`) as the URL parser leaves it.
pub fn path(raw: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = raw
        .strip_prefix('/')
        .unwrap_or(raw)
        .split(['/', '\\'])
        .collect();
    let last = parts.len().saturating_sub(1);
    for (i, seg) in parts.iter().enumerate() {
        match dots(seg) {
            2 => {
                segments.pop();
                if i == last {
                    segments.push("");
                }
            }
            1 => {
                if i == last {
                    segments.push("");
                }
            }
            _ => segments.push(seg),
        }
    }
    let mut out = String::new();
    for seg in segments {
        out.push('/');
        encode_path_segment(seg, &mut out);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Percent-decodes `s` with `+` a space; an invalid escape stays as it is; invalid UTF-8
/// becomes U+FFFD.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escape = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)),
            _ => None,
        };
        match (b, escape) {
            (_, Some((h, l))) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The `query` of `Request`: the pairs of `raw` (the part after `?`), last wins.
pub fn query(raw: &str) -> Map<String, Value> {
    let mut map = Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(name);
        // Last wins, in the place of the first (as a JavaScript object keeps it).
        map.insert(name, Value::String(form_decode(value)));
    }
    map
}

/// A header value's bytes as a `ByteString` (Latin-1), without the surrounding HTTP
/// whitespace.
fn latin1(bytes: &[u8]) -> String {
    let trimmed = {
        let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
        let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
        &bytes[start..end.max(start)]
    };
    trimmed.iter().map(|&b| b as char).collect()
}

/// The `headers` of `Request`: names lower case and sorted (as `Headers` iterates),
/// repeated ones joined with `", "`.
pub fn headers(fields: &[(String, Vec<u8>)]) -> Map<String, Value> {
    let mut joined: std::collections::BTreeMap<String, String> = Default::default();
    for (name, value) in fields {
        let value = latin1(value);
        joined
            .entry(name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    joined
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// `std.http.Request` of `incoming` as JSON (converted to the record by `handle`'s declared
/// parameter type), or the error answer (400, 413, 431) when it cannot be one.
pub fn to_request(incoming: Incoming) -> Result<Value, Reply> {
    let header_bytes: usize = incoming
        .headers
        .iter()
        .map(|(n, v)| n.len() + v.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(failure(
            431,
            None,
            &format!("the request headers are larger than {MAX_HEADER_BYTES} bytes"),
        ));
    }
    let body = match incoming.body {
        Body::Bytes(bytes) => bytes,
        Body::TooLarge => {
            return Err(failure(
                413,
                None,
                &format!("the request body is larger than {MAX_BODY} bytes"),
            ))
        }
        Body::Unreadable(m) => {
            return Err(failure(
                400,
                None,
                &format!("cannot read the request body: {m}"),
            ))
        }
    };
    let Ok(body) = String::from_utf8(body) else {
        return Err(failure(
            400,
            None,
            "the request body is not valid UTF-8 text",
        ));
    };
    let target = if incoming.path_with_query.is_empty() {
        "/"
    } else {
        incoming.path_with_query.as_str()
    };
    let target = target.split('#').next().unwrap_or("");
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Map::new();
    req.insert("method".into(), Value::String(method(&incoming.method)));
    req.insert("path".into(), Value::String(path(raw_path)));
    req.insert("query".into(), Value::Object(query(raw_query)));
    req.insert("headers".into(), Value::Object(headers(&incoming.headers)));
    req.insert("body".into(), Value::String(body));
    Ok(Value::Object(req))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issue12_item2_the_query_is_decoded_as_url_search_params_decodes_it() {
        let q = query("q=%C3%A9t%C3%A9&k=1&k=2&plus=a+b&__proto__=p&&flag&x=a=b&bad=%zz%4&u=%ff");
        assert_eq!(
            Value::Object(q),
            json!({"q": "été", "k": "2", "plus": "a b", "__proto__": "p", "flag": "", "x": "a=b", "bad": "%zz%4", "u": "\u{fffd}"})
        );
        assert_eq!(query(""), Map::new());
    }

    #[test]
    fn issue12_item2_the_path_is_resolved_and_encoded_as_the_url_parser_does() {
        assert_eq!(path("/echo/a%20b"), "/echo/a%20b");
        assert_eq!(path(""), "/");
        assert_eq!(path("/"), "/");
        assert_eq!(path("/a/../b"), "/b");
        assert_eq!(path("/a/./b/."), "/a/b/");
        assert_eq!(path("/a/b/.."), "/a/");
        assert_eq!(path("/../../x"), "/x");
        assert_eq!(path("/a/%2E%2e/c"), "/c");
        assert_eq!(path("/é {x}"), "/%C3%A9%20%7Bx%7D");
        assert_eq!(path("/a\\b"), "/a/b");
    }

    #[test]
    fn issue12_item2_headers_are_lower_case_joined_and_latin1() {
        let h = headers(&[
            ("X-Twice".into(), b"a".to_vec()),
            ("Accept".into(), b" text/plain ".to_vec()),
            ("x-twice".into(), b"b".to_vec()),
            ("x-bytes".into(), vec![0xe9]),
        ]);
        assert_eq!(
            Value::Object(h),
            json!({"accept": "text/plain", "x-bytes": "é", "x-twice": "a, b"})
        );
        assert_eq!(method("get"), "GET");
        assert_eq!(method("patch"), "patch");
        assert_eq!(method("PURGE"), "PURGE");
    }

    #[test]
    fn issue12_item2_a_body_that_is_not_utf8_too_long_or_huge_headers_are_answered() {
        let base = Incoming {
            method: "POST".into(),
            path_with_query: "/users".into(),
            headers: vec![],
            body: Body::Bytes(vec![0x7b, 0xff, 0xfe, 0x7d]),
        };
        let e = to_request(base.clone()).unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(
            e.body.as_deref(),
            Some(r#"{"error":{"message":"the request body is not valid UTF-8 text"}}"#)
        );
        let e = to_request(Incoming {
            body: Body::TooLarge,
            ..base.clone()
        })
        .unwrap_err();
        assert_eq!(e.status, 413);
        let e = to_request(Incoming {
            body: Body::Unreadable("reset".into()),
            ..base.clone()
        })
        .unwrap_err();
        assert_eq!(
            (e.status, e.body.as_deref()),
            (
                400,
                Some(r#"{"error":{"message":"cannot read the request body: reset"}}"#)
            )
        );
        let e = to_request(Incoming {
            body: Body::Bytes(vec![]),
            headers: vec![("x-big".into(), vec![b'a'; MAX_HEADER_BYTES + 1])],
            ..base.clone()
        })
        .unwrap_err();
        assert_eq!(e.status, 431);
        let ok = to_request(Incoming {
            body: Body::Bytes("héllo".as_bytes().to_vec()),
            path_with_query: "/echo?a=1#frag".into(),
            ..base
        })
        .unwrap();
        assert_eq!(
            ok,
            json!({"method": "POST", "path": "/echo", "query": {"a": "1"}, "headers": {}, "body": "héllo"})
        );
    }
}
