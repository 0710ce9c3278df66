//! The `wasi:http/incoming-handler` export: reads the request (method, path and query,
//! headers, the body up to [`MAX_BODY`](crate::request::MAX_BODY)), answers it with
//! [`serve`](crate::serve) and writes the reply. `http.get`/`http.post` go out through
//! `wasi:http/outgoing-handler` (lumen-runtime's `wasi-http` tools); any other tool is
//! E0908, as in the worker.

use crate::request::{Body, Incoming, MAX_BODY};
use crate::response::{failure, Reply};
use lumen_runtime::native::http::{HttpGet, HttpPost};
use lumen_runtime::ProviderRegistry;
use wasi::exports::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

struct Handler;

wasi::http::proxy::export!(Handler);

impl Guest for Handler {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let reply = match crate::program::get() {
            Ok(module) => {
                let mut registry = ProviderRegistry::new();
                registry.register(HttpGet);
                registry.register(HttpPost);
                crate::serve(&module, read(&request), &registry)
            }
            Err(m) => failure(500, Some("E0912"), &m),
        };
        drop(request);
        write(out, reply);
    }
}

fn method_name(m: &Method) -> String {
    match m {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(s) => s.as_str(),
    }
    .to_string()
}

/// The request as [`Incoming`]. The host's authority is the `host` header when the host
/// took it out of the fields (as `fetch` hosts keep it).
fn read(request: &IncomingRequest) -> Incoming {
    let mut headers = request.headers().entries();
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        if let Some(authority) = request.authority() {
            headers.push(("host".to_string(), authority.into_bytes()));
        }
    }
    Incoming {
        method: method_name(&request.method()),
        path_with_query: request.path_with_query().unwrap_or_default(),
        headers,
        body: read_body(request),
    }
}

/// The body, up to [`MAX_BODY`] bytes.
fn read_body(request: &IncomingRequest) -> Body {
    let Ok(body) = request.consume() else {
        return Body::Unreadable("the body was taken already".to_string());
    };
    let Ok(stream) = body.stream() else {
        return Body::Unreadable("no body stream".to_string());
    };
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend(chunk);
                if bytes.len() > MAX_BODY {
                    return Body::TooLarge;
                }
            }
            Err(StreamError::Closed) => return Body::Bytes(bytes),
            Err(StreamError::LastOperationFailed(e)) => {
                return Body::Unreadable(e.to_debug_string())
            }
        }
    }
}

/// Sends `reply` with a `content-length` (so the host need not chunk it); a header the host
/// refuses makes it a 500 without that header.
fn write(out: ResponseOutparam, mut reply: Reply) {
    if let Some(body) = &reply.body {
        reply
            .headers
            .push(("content-length".into(), body.len().to_string().into_bytes()));
    }
    let (fields, reply) = match Fields::from_list(&reply.headers) {
        Ok(f) => (f, reply),
        Err(e) => {
            let mut r = failure(
                500,
                None,
                &format!("handle returned a header that HTTP cannot carry: {e:?}"),
            );
            let length = r.body.as_ref().map_or(0, String::len);
            r.headers
                .push(("content-length".into(), length.to_string().into_bytes()));
            match Fields::from_list(&r.headers) {
                Ok(f) => (f, r),
                Err(_) => (Fields::new(), r),
            }
        }
    };
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(reply.status);
    let Ok(body) = response.body() else {
        ResponseOutparam::set(out, Ok(response));
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    if let Some(text) = reply.body {
        if let Ok(stream) = body.write() {
            for chunk in text.as_bytes().chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
            drop(stream);
        }
    }
    let _ = OutgoingBody::finish(body, None);
}
