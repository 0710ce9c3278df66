//! The HTTP client of the WASI component build: one blocking request through `wasi:http`
//! (`outgoing-handler`), as in `wasmtime run -S http`. Redirects are not followed (the host
//! does not follow them either); any status is a response.

use std::time::Duration;
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme};
use wasi::io::streams::StreamError;

/// `(scheme, authority, path with query)` of an `http`/`https` URL; the fragment is dropped.
fn split_url(url: &str) -> Result<(Scheme, &str, &str), String> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else {
        let scheme = url.split(':').next().unwrap_or("");
        return Err(format!(
            "only http and https URLs are supported, not `{scheme}`"
        ));
    };
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("invalid URL `{url}`: no plain host"));
    }
    Ok((scheme, authority, if path.is_empty() { "/" } else { path }))
}

fn method_of(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "POST" => Method::Post,
        other => Method::Other(other.to_string()),
    }
}

/// Sends the request; any status is a response, transport failures are errors.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let (scheme, authority, path) = split_url(url)?;
    let fields = Fields::new();
    for (name, value) in headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|e| format!("header `{name}`: {e:?}"))?;
    }
    let req = OutgoingRequest::new(fields);
    let bad = |what: &str| format!("invalid URL `{url}`: bad {what}");
    req.set_method(&method_of(method))
        .map_err(|_| bad("method"))?;
    req.set_scheme(Some(&scheme)).map_err(|_| bad("scheme"))?;
    req.set_authority(Some(authority))
        .map_err(|_| bad("host"))?;
    req.set_path_with_query(Some(path))
        .map_err(|_| bad("path"))?;
    let out_body = req
        .body()
        .map_err(|_| "cannot open the request body".to_string())?;
    if let Some(text) = body {
        let stream = out_body
            .write()
            .map_err(|_| "cannot write the request body".to_string())?;
        for chunk in text.as_bytes().chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("cannot write the request body: {e:?}"))?;
        }
        drop(stream);
    }
    OutgoingBody::finish(out_body, None).map_err(|e| format!("{method} {url} failed: {e:?}"))?;
    let options = RequestOptions::new();
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));
    let pending = outgoing_handler::handle(req, Some(options))
        .map_err(|e| format!("{method} {url} failed: {e:?}"))?;
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return Err(format!("{method} {url} failed: {e:?}")),
        _ => return Err(format!("{method} {url} failed: no response")),
    };
    let status = response.status();
    let incoming = response
        .consume()
        .map_err(|_| "cannot read the response body".to_string())?;
    let stream = incoming
        .stream()
        .map_err(|_| "cannot read the response body".to_string())?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend(chunk),
            Err(StreamError::Closed) => break,
            Err(e) => return Err(format!("cannot read the response body: {e:?}")),
        }
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| "cannot read the response body: it is not UTF-8".to_string())?;
    Ok((status, text))
}
