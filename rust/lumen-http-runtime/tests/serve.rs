//! Issue 12 item 2 natively: `examples/edge_api.lm.md` compiled and served request by
//! request through [`lumen_http_runtime::serve`] — the code path of the component minus
//! wasi:http — with `http.get` answered by a counting fake, so the grant check (before
//! the provider), `max_calls` per request, the Lumen-error 500 and the 400 are seen.

use lumen_http_runtime::{serve, Body, Incoming, Reply};
use lumen_runtime::{CallContext, FnProvider, ProviderRegistry};
use lumen_vm::lir::Module;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;

fn edge_api() -> Rc<Module> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/edge_api.lm.md");
    let src = std::fs::read(path).expect("examples/edge_api.lm.md");
    match lumen_compiler::compile(
        "edge_api.lm.md",
        &src,
        &lumen_compiler::NoImports,
        &lumen_compiler::CompileOptions::default(),
    ) {
        Ok(out) => Rc::new(out.module),
        Err(d) => panic!("does not compile: {d:?}"),
    }
}

fn get(path: &str) -> Incoming {
    Incoming {
        method: "GET".into(),
        path_with_query: path.into(),
        headers: vec![("Host".into(), b"x".to_vec())],
        body: Body::Bytes(Vec::new()),
    }
}

fn json_of(r: &Reply) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap_or("")).expect("a JSON body")
}

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a [u8]> {
    r.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

#[test]
fn issue12_item2_edge_api_is_served_natively_with_the_worker_answers() {
    let module = edge_api();
    let calls = Rc::new(Cell::new(0));
    let mut registry = ProviderRegistry::new();
    let seen = calls.clone();
    registry.register(FnProvider::new(
        "http.get",
        move |args: &Value, _: &CallContext| {
            seen.set(seen.get() + 1);
            Ok(json!({"status": 299, "body": args["url"], "json": null}))
        },
    ));

    let users = serve(&module, get("/users/2"), &registry);
    assert_eq!(users.status, 200);
    assert_eq!(
        header(&users, "content-type"),
        Some(&b"application/json"[..])
    );
    assert_eq!(json_of(&users), json!({"id": 2, "name": "Grace"}));

    let hello = serve(&module, get("/hello?name=x&name=A%20b+c"), &registry);
    assert_eq!(hello.body.as_deref(), Some("hello, A b c\n"));

    // Allowed: the provider runs, once per request, in request after request.
    for i in 1..=3 {
        let ok = serve(
            &module,
            get("/fetch?url=https://api.example.com/v1"),
            &registry,
        );
        assert_eq!((ok.status, json_of(&ok)), (200, json!({"status": 299})));
        assert_eq!(calls.get(), i);
    }
    // Denied: a 500 with E0907, and the provider is not called.
    let denied = serve(&module, get("/fetch?url=https://evil.test/x"), &registry);
    assert_eq!(denied.status, 500);
    assert_eq!(
        header(&denied, "content-type"),
        Some(&b"application/json; charset=utf-8"[..])
    );
    let e = json_of(&denied);
    assert_eq!(e["error"]["code"], "E0907");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("grant domain denies host `evil.test` (allowed: api.example.com)"),
        "{e}"
    );
    assert_eq!(calls.get(), 3);

    let post = |body: &[u8]| Incoming {
        method: "post".into(),
        path_with_query: "/users".into(),
        headers: vec![],
        body: Body::Bytes(body.to_vec()),
    };
    let created = serve(&module, post(br#"{"name": "Linus"}"#), &registry);
    assert_eq!(
        (created.status, json_of(&created)),
        (201, json!({"id": 3, "name": "Linus"}))
    );
    let bad = serve(&module, post(b"not json"), &registry);
    assert_eq!(
        (bad.status, &json_of(&bad)["error"]["code"]),
        (500, &json!("E0911"))
    );
    let invalid = serve(&module, post(&[0x7b, 0xff, 0xfe, 0x7d]), &registry);
    assert_eq!(
        (invalid.status, json_of(&invalid)),
        (
            400,
            json!({"error": {"message": "the request body is not valid UTF-8 text"}})
        )
    );
}

#[test]
fn issue12_item2_a_program_without_handle_is_a_500_not_a_panic() {
    let module = match lumen_compiler::compile(
        "m.lm",
        b"pub cell main() -> Int\n  1\nend\n",
        &lumen_compiler::NoImports,
        &lumen_compiler::CompileOptions::default(),
    ) {
        Ok(out) => Rc::new(out.module),
        Err(d) => panic!("{d:?}"),
    };
    let r = serve(&module, get("/"), &ProviderRegistry::new());
    assert_eq!(r.status, 500);
    assert!(r.body.unwrap_or_default().contains("handle"));
}
