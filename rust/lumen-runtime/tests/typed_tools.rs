//! Issue 11 item 4 on the native runtime: a typed tool's arguments reach the provider as
//! named JSON (defaults included), and its result is checked against the declared type
//! before the program sees it (E0906 on a mismatch).

use std::cell::RefCell;
use std::rc::Rc;

use lumen_compiler::{compile, CompileOptions, NoImports};
use lumen_runtime::{run_program, CallContext, FnProvider, ProviderRegistry, RunConfig};
use lumen_vm::RuntimeError;
use serde_json::{json, Value};

const PROGRAM: &str = r#"
record Person
  name: String
  age: Int
end

use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String
use tool db.people as People(limit: Int) -> list[Person]

cell main()
  let s = Chat("hi")
  print(s ++ "!")
  let people = People(limit: 2)
  for p in people
    print("{p.name} is {p.age}")
  end
end
"#;

/// Runs `main` of [`PROGRAM`] with `chat` and `people` answering: printed lines and the
/// outcome, plus the arguments each tool received.
fn run(chat: Value, people: Value) -> (Vec<String>, Result<(), RuntimeError>, Vec<String>) {
    let module = match compile(
        "t.lm",
        PROGRAM.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    ) {
        Ok(out) => Rc::new(out.module),
        Err(d) => panic!("does not compile: {d:?}"),
    };
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut registry = ProviderRegistry::new();
    for (name, answer) in [("llm.chat", chat), ("db.people", people)] {
        let seen = seen.clone();
        registry.register(FnProvider::new(
            name,
            move |args: &Value, _: &CallContext| {
                seen.borrow_mut().push(format!("{name} {args}"));
                Ok(answer.clone())
            },
        ));
    }
    let printed = Rc::new(RefCell::new(Vec::new()));
    let sink = printed.clone();
    let config = RunConfig {
        output: Some(Box::new(move |l: &str| {
            sink.borrow_mut().push(l.to_string())
        })),
        ..RunConfig::default()
    };
    let r = run_program(module, "main", vec![], &registry, config).map(|_| ());
    let out = printed.borrow().clone();
    let calls = seen.borrow().clone();
    (out, r, calls)
}

#[test]
fn issue11_item4_typed_tool_gets_named_arguments_with_defaults_and_a_typed_result() {
    let (out, r, calls) = run(
        json!("hello"),
        json!([{"name": "Ann", "age": 31}, {"name": "Bo", "age": 7.0}]),
    );
    assert_eq!(r, Ok(()));
    assert_eq!(out, ["hello!", "Ann is 31", "Bo is 7"]);
    assert_eq!(
        calls,
        [
            r#"llm.chat {"prompt":"hi","max_tokens":256}"#,
            r#"db.people {"limit":2}"#
        ]
    );
}

#[test]
fn issue11_item4_tool_result_of_the_wrong_type_is_a_tool_error() {
    let (out, r, _) = run(json!(42), json!([]));
    let e = r.expect_err("a number is not a String");
    assert_eq!(e.code, "E0906");
    assert_eq!(
        e.message,
        "tool llm.chat returned a number (42), expected String"
    );
    assert_eq!(e.line, 11, "the line of the call");
    assert!(out.is_empty(), "the program never saw the result: {out:?}");
}

#[test]
fn issue11_item4_nested_mismatch_in_list_of_records_is_a_tool_error() {
    let (out, r, _) = run(
        json!("ok"),
        json!([{"name": "Ann", "age": 31}, {"name": "Bo", "age": "seven"}]),
    );
    let e = r.expect_err("age must be an Int");
    assert_eq!(e.code, "E0906");
    assert_eq!(
        e.message,
        "tool db.people returned a string (\"seven\") at $[1].age, expected Int"
    );
    assert_eq!(e.line, 13);
    assert_eq!(out, ["ok!"], "only the first tool's result was used");
}
