//! [`ToolGate::authorize_request`]: the grants of a VM's tool are parsed on its first call
//! and kept, yet every call is checked and counted as [`ToolGate::authorize`] checks and
//! counts it.

use super::*;
use crate::provider::ToolErrorKind;
use lumen_vm::map::{MapKey, MapObj};
use lumen_vm::value::{FuncObj, Value as LumenValue, VariantInfo};
use lumen_vm::ToolArgs;
use serde_json::json;
use std::rc::Rc;

/// A tool of one VM: its shared name, alias and grants, as the VM hands them out.
struct Tool {
    index: u16,
    name: SharedStr,
    alias: SharedStr,
    grants: Grants,
}

impl Tool {
    fn new(index: u16, name: &str, alias: &str, grants: &[(&str, Value)]) -> Tool {
        Tool {
            index,
            name: name.into(),
            alias: alias.into(),
            grants: grants
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    /// A request of this tool with `args` at `line`.
    fn call(&self, args: Value, line: u32) -> ToolRequest {
        ToolRequest {
            tool: self.index,
            name: self.name.clone(),
            alias: self.alias.clone(),
            args: ToolArgs::from_json(&args).expect("small arguments"),
            grants: self.grants.clone(),
            line,
        }
    }
}

#[track_caller]
fn assert_denied<T: std::fmt::Debug>(result: Result<T, ToolError>, message: &str) {
    let e = result.expect_err("the call must be denied");
    assert_eq!(e.kind, ToolErrorKind::Denied, "{}", e.message);
    assert_eq!(e.message, message);
}

#[test]
fn max_calls_counts_per_alias_across_calls_and_both_entry_points() {
    let shout = Tool::new(0, "echo.upper", "Shout", &[("max_calls", json!(3))]);
    let mut gate = ToolGate::with_base(None);
    for line in 1..=2 {
        assert!(gate
            .authorize_request(&shout.call(json!({"text": "a"}), line), &[])
            .is_ok());
    }
    assert_eq!(gate.calls("Shout"), 2);
    // The slice entry point counts against the same alias.
    let grants = shout.grants.to_vec();
    assert!(gate
        .authorize("echo.upper", "Shout", &grants, &json!({}), &[])
        .is_ok());
    assert_eq!(gate.calls("Shout"), 3);
    assert_denied(
        gate.authorize_request(&shout.call(json!({}), 9), &[]),
        "tool Shout (echo.upper): grant max_calls 3 exceeded",
    );
    assert_denied(
        gate.authorize("echo.upper", "Shout", &grants, &json!({}), &[]),
        "tool Shout (echo.upper): grant max_calls 3 exceeded",
    );
    assert_eq!(gate.calls("Shout"), 3);
    // Another tool has its own budget.
    let other = Tool::new(1, "echo.upper", "Other", &[("max_calls", json!(1))]);
    assert!(gate
        .authorize_request(&other.call(json!({}), 1), &[])
        .is_ok());
    assert_eq!((gate.calls("Other"), gate.calls("Shout")), (1, 3));
}

#[test]
fn an_invalid_grant_is_reported_on_the_first_call_and_every_later_one() {
    let bad = Tool::new(0, "echo.upper", "Bad", &[("max_calls", json!("two"))]);
    let slow = Tool::new(1, "a.b", "Slow", &[("timeout_ms", json!(-1))]);
    let mut gate = ToolGate::with_base(None);
    for line in 1..=3 {
        assert_denied(
            gate.authorize_request(&bad.call(json!({}), line), &[]),
            "tool Bad (echo.upper): grant max_calls has an invalid value \"two\" (expected a non-negative integer)",
        );
        assert_denied(
            gate.authorize_request(&slow.call(json!({}), line), &[]),
            "tool Slow (a.b): grant timeout_ms has an invalid value -1 (expected a non-negative integer)",
        );
    }
    assert_eq!((gate.calls("Bad"), gate.calls("Slow")), (0, 0));
}

#[test]
fn arguments_are_checked_on_every_call_and_denied_calls_do_not_count() {
    let fetch = Tool::new(
        2,
        "http.get",
        "Fetch",
        &[("domain", json!("a.com")), ("max_calls", json!(2))],
    );
    let mut gate = ToolGate::with_base(None);
    assert!(gate
        .authorize_request(&fetch.call(json!({"url": "https://a.com/x"}), 1), &[])
        .is_ok());
    assert_denied(
        gate.authorize_request(&fetch.call(json!({"url": "https://b.com/"}), 2), &[]),
        "tool Fetch (http.get): grant domain denies host `b.com` (allowed: a.com)",
    );
    assert_denied(
        gate.authorize_request(&fetch.call(json!({}), 3), &[]),
        "tool Fetch (http.get): grant domain needs a string `url` argument",
    );
    assert_eq!(gate.calls("Fetch"), 1);
    assert!(gate
        .authorize_request(&fetch.call(json!({"url": "https://a.com/y"}), 4), &[])
        .is_ok());
    assert_denied(
        gate.authorize_request(&fetch.call(json!({"url": "https://a.com/z"}), 5), &[]),
        "tool Fetch (http.get): grant max_calls 2 exceeded",
    );
    // The provider's required keys are checked on every call too.
    let kv = Tool::new(3, "kv.get", "Kv", &[]);
    assert!(gate.authorize_request(&kv.call(json!({}), 1), &[]).is_ok());
    assert_denied(
        gate.authorize_request(&kv.call(json!({}), 2), &["bucket"]),
        "tool Kv (kv.get): this tool requires a `bucket` grant (for example `grant Kv bucket \"...\"`)",
    );
}

#[test]
fn other_grants_at_the_same_tool_index_get_their_own_policy() {
    // Two modules run with one gate: tool 0 is a different tool in each.
    let first = Tool::new(0, "fs.read", "F", &[("path", json!("/data"))]);
    let second = Tool::new(0, "fs.read", "F", &[("path", json!("/srv"))]);
    let mut gate = ToolGate::with_base(None);
    let read = |t: &Tool, path: &str| t.call(json!({ "path": path }), 1);
    assert!(gate
        .authorize_request(&read(&first, "/data/a"), &[])
        .is_ok());
    assert_denied(
        gate.authorize_request(&read(&second, "/data/a"), &[]),
        "tool F (fs.read): grant path denies `/data/a` (allowed: /srv)",
    );
    assert!(gate
        .authorize_request(&read(&second, "/srv/a"), &[])
        .is_ok());
    // Equal text in new allocations: prepared again, with the same outcome.
    let again = Tool::new(0, "fs.read", "F", &[("path", json!("/data"))]);
    assert!(gate
        .authorize_request(&read(&again, "/data/b"), &[])
        .is_ok());
    assert_denied(
        gate.authorize_request(&read(&again, "/srv/a"), &[]),
        "tool F (fs.read): grant path denies `/srv/a` (allowed: /data)",
    );
    assert_eq!(gate.calls("F"), 3);
}

#[test]
fn the_context_shares_the_request_and_carries_timeout_and_line() {
    let ask = Tool::new(
        0,
        "ai.ask",
        "Ask",
        &[
            ("timeout_ms", json!(5000)),
            ("timeout_ms", json!(200)),
            ("model", json!("small")),
        ],
    );
    let mut gate = ToolGate::with_base(None);
    let ctx = gate
        .authorize_request(&ask.call(json!({}), 7), &[])
        .unwrap();
    assert!(SharedStr::ptr_eq(&ctx.tool, &ask.name));
    assert!(SharedStr::ptr_eq(&ctx.alias, &ask.alias));
    assert!(Grants::ptr_eq(&ctx.grants, &ask.grants));
    assert_eq!(ctx.timeout, Some(Duration::from_millis(200)));
    assert_eq!(ctx.line, 7);
    assert_eq!(
        ctx.extra_grants().collect::<Vec<_>>(),
        vec![("model", &json!("small"))]
    );
    // The same context as the slice entry point's, but for the line.
    let slice = check_call("ai.ask", "Ask", &ask.grants, &json!({}), &[], None).unwrap();
    assert_eq!(CallContext { line: 7, ..slice }, ctx);
}

#[test]
fn both_entry_points_decide_every_argument_alike() {
    // The VM's arguments are read in place, the slice entry point's are JSON: the same
    // arguments get the same answer, denial message included, for every standard grant.
    let grants: [&[(&str, Value)]; 4] = [
        &[("domain", json!(["a.com", "*.b.org:8080"]))],
        &[("path", json!("/data"))],
        &[("name", json!("HOME*"))],
        &[
            ("domain", json!("a.com")),
            ("path", json!("/srv")),
            ("name", json!("x")),
        ],
    ];
    let args = [
        json!({"url": "https://a.com/x", "path": "/data/f", "name": "HOME_DIR"}),
        json!({"url": "http://sub.b.org:8080/", "path": "/srv/../etc", "name": "x"}),
        json!({"url": "https://evil.com/", "path": "/data2", "name": "PATH"}),
        json!({"url": "not a url", "path": "/data/\u{0}x", "name": ""}),
        json!({"url": 7, "path": null, "name": ["HOME"]}),
        json!({"url": {"host": "a.com"}, "other": "https://a.com/"}),
        json!({}),
    ];
    for (i, g) in grants.iter().enumerate() {
        let tool = Tool::new(i as u16, "t.call", "T", g);
        for a in &args {
            let mut vm_gate = ToolGate::with_base(None);
            let mut json_gate = ToolGate::with_base(None);
            let in_place = vm_gate.authorize_request(&tool.call(a.clone(), 1), &[]);
            let from_json = json_gate.authorize("t.call", "T", &tool.grants, a, &[]);
            assert_eq!(
                in_place.map(|_| ()).map_err(|e| e.message),
                from_json.map(|_| ()).map_err(|e| e.message),
                "grants {g:?}, arguments {a}"
            );
        }
    }
}

#[test]
fn the_gate_checks_the_text_the_provider_receives() {
    // A payload-less variant and a function become JSON strings: the gate checks those
    // strings, as the provider will see them.
    let tag = |name: &str| {
        LumenValue::Tag(Rc::new(VariantInfo {
            id: 0,
            enum_type: 0,
            enum_name: "E".into(),
            name: name.into(),
            fields: vec![],
            field_ids: vec![],
        }))
    };
    let func = LumenValue::Func(Rc::new(FuncObj {
        func: 0,
        name: "helper".into(),
        arity: 0,
        captures: Vec::new(),
    }));
    let request = |args: Vec<(&str, LumenValue)>, tool: &Tool| {
        let mut m = MapObj::new();
        for (k, v) in args {
            m.insert(MapKey::Str(Rc::new(k.to_string())), v);
        }
        let args = ToolArgs::new(LumenValue::Map(Rc::new(m))).expect("small arguments");
        ToolRequest {
            tool: tool.index,
            name: tool.name.clone(),
            alias: tool.alias.clone(),
            args,
            grants: tool.grants.clone(),
            line: 1,
        }
    };
    let env = Tool::new(0, "env.get", "Env", &[("name", json!("Allowed"))]);
    let mut gate = ToolGate::with_base(None);
    let allowed = request(vec![("name", tag("Allowed"))], &env);
    assert_eq!(allowed.args.to_json(), json!({"name": "Allowed"}));
    assert!(gate.authorize_request(&allowed, &[]).is_ok());
    assert_denied(
        gate.authorize_request(&request(vec![("name", tag("Other"))], &env), &[]),
        "tool Env (env.get): grant name denies `Other` (allowed: Allowed)",
    );
    assert_denied(
        gate.authorize_request(&request(vec![("name", func)], &env), &[]),
        "tool Env (env.get): grant name denies `<fn helper>` (allowed: Allowed)",
    );
}
