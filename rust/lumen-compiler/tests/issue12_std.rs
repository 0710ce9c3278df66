//! Issue 12 item 2: the standard module `std.http` (`import std.http: Request, Response`),
//! built into the compiler and resolved the same way on every host.

use lumen_compiler::interface::Ty;
use lumen_compiler::{check, compile, interface_of, CompileOptions, ModuleLoader, NoImports};
use lumen_vm::{Outcome, Value, Vm, VmConfig};
use std::cell::RefCell;
use std::rc::Rc;

const HANDLER: &str = r#"import std.http: Request, Response

pub cell handle(req: Request) -> Response
  if req.path == "/missing"
    return Response(status: 404)
  end
  let name = req.query["name"] ?? "world"
  Response(status: 200, headers: {"content-type": "text/plain"}, body: "hi {name} via {req.method}")
end

cell main() -> Response
  let req = Request(method: "GET", path: "/missing", query: {}, headers: {}, body: "")
  handle(req)
end
"#;

/// A loader that serves one module for every path and records what it was asked for.
struct Recording {
    asked: RefCell<Vec<String>>,
    text: &'static str,
}

impl ModuleLoader for Recording {
    fn load(&self, _importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let name = format!("{}.lm", path.join("/"));
        self.asked.borrow_mut().push(name.clone());
        Ok((name, self.text.as_bytes().to_vec()))
    }
}

fn run_main(module: lumen_vm::lir::Module) -> Value {
    let mut vm = match Vm::new(Rc::new(module), VmConfig::default()) {
        Ok(vm) => vm,
        Err(e) => panic!("VM rejected the module: {e}"),
    };
    if let Err(e) = vm.start("main", Vec::new()) {
        panic!("start failed: {e}");
    }
    match vm.run() {
        Outcome::Finished(v) => v,
        other => panic!("main did not finish: {other:?}"),
    }
}

#[test]
fn issue12_item2_import_std_http_compiles_on_a_host_without_modules() {
    // NoImports: a host that provides no modules at all still has the standard ones.
    let out = match compile(
        "app.lm",
        HANDLER.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    ) {
        Ok(out) => out,
        Err(d) => panic!("{d:#?}"),
    };
    assert!(out.warnings.is_empty(), "{:#?}", out.warnings);
    // `Response(status: 404)` takes the defaults of `headers` and `body`.
    let shown = run_main(out.module).to_display();
    assert_eq!(shown, r#"Response(status: 404, headers: {}, body: "")"#);
}

#[test]
fn issue12_item2_request_fields_have_their_documented_types() {
    let src = "import std.http: Request, Response\ncell main(r: Request) -> Int\n  let q: map[String, String] = r.query\n  let h: map[String, String] = r.headers\n  let n: Int = r.method\n  len(q) + len(h)\nend\n";
    let diags = check(
        "app.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    );
    let errs: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, "E0300");
    assert_eq!((errs[0].file.as_str(), errs[0].line), ("app.lm", 5));
}

#[test]
fn issue12_item2_unknown_std_module_is_e0207_at_the_import() {
    let src = "cell main() -> Int\n  1\nend\n\nimport std.htp: Request\n";
    let loader = Recording {
        asked: RefCell::new(Vec::new()),
        text: "record Request\n  x: Int\nend\n",
    };
    let diags = check(
        "app.lm",
        src.as_bytes(),
        &loader,
        &CompileOptions::default(),
    );
    let d = match diags.iter().find(|d| d.code == "E0207") {
        Some(d) => d,
        None => panic!("no E0207 in {diags:#?}"),
    };
    assert_eq!((d.file.as_str(), d.line, d.column), ("app.lm", 5, 1));
    assert!(d.message.contains("`std.htp`"), "{}", d.message);
    assert!(d.message.contains("std.http"), "{}", d.message);
    // The loader was never asked, so a file on disk cannot stand in for it.
    assert!(loader.asked.borrow().is_empty(), "{:?}", loader.asked);
    // `import std: *` names the namespace itself: no such module either.
    let diags = check(
        "app.lm",
        b"import std: *\ncell main() -> Int\n  1\nend\n",
        &NoImports,
        &CompileOptions::default(),
    );
    assert!(
        diags.iter().any(|d| d.code == "E0207" && d.line == 1),
        "{diags:#?}"
    );
}

#[test]
fn issue12_item2_a_user_file_named_std_http_does_not_shadow_the_standard_module() {
    // The loader would serve a user's `std/http.lm` with a different `Request`; the
    // resolver never asks it for a `std.` path.
    let loader = Recording {
        asked: RefCell::new(Vec::new()),
        text: "record Request\n  only: Int\nend\nrecord Response\n  only: Int\nend\n",
    };
    let out = match compile(
        "app.lm",
        HANDLER.as_bytes(),
        &loader,
        &CompileOptions::default(),
    ) {
        Ok(out) => out,
        Err(d) => panic!("{d:#?}"),
    };
    assert!(loader.asked.borrow().is_empty(), "{:?}", loader.asked);
    assert!(run_main(out.module)
        .to_display()
        .starts_with("Response(status: 404"));
    // Other imports still go through the loader.
    let src = "import std.http: Response\nimport util: Request\ncell main() -> Int\n  Request(only: 3).only\nend\n";
    let out = compile(
        "app.lm",
        src.as_bytes(),
        &loader,
        &CompileOptions::default(),
    );
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(*loader.asked.borrow(), vec!["util.lm".to_string()]);
}

#[test]
fn issue12_item2_the_interface_lists_request_and_response() {
    let iface = match interface_of(
        "app.lm",
        HANDLER.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    ) {
        Ok(i) => i,
        Err(d) => panic!("{d:#?}"),
    };
    let handle = iface.cells.iter().find(|c| c.name == "handle");
    let handle = match handle {
        Some(c) => c,
        None => panic!("no handle in {:?}", iface.cells),
    };
    assert_eq!(handle.params[0].ty, Ty::Record("Request".into()));
    assert_eq!(handle.ret, Ty::Record("Response".into()));
    let string_map = Ty::Map(Box::new(Ty::String), Box::new(Ty::String));
    let req = iface.records.iter().find(|r| r.name == "Request");
    let resp = iface.records.iter().find(|r| r.name == "Response");
    let (Some(req), Some(resp)) = (req, resp) else {
        panic!("records: {:?}", iface.records);
    };
    assert_eq!(
        req.fields,
        vec![
            ("method".into(), Ty::String),
            ("path".into(), Ty::String),
            ("query".into(), string_map.clone()),
            ("headers".into(), string_map.clone()),
            ("body".into(), Ty::String),
        ]
    );
    assert!(req.defaults.is_empty());
    assert_eq!(
        resp.fields,
        vec![
            ("status".into(), Ty::Int),
            ("headers".into(), string_map),
            ("body".into(), Ty::String),
        ]
    );
    assert_eq!(
        resp.defaults,
        vec!["headers".to_string(), "body".to_string()]
    );
}

#[test]
fn issue12_item2_two_files_importing_std_http_share_one_copy() {
    // util and the root both import std.http: one Request type, so values pass between them.
    let util = "import std.http: Request\ncell path_of(r: Request) -> String\n  r.path\nend\n";
    let loader = Recording {
        asked: RefCell::new(Vec::new()),
        text: util,
    };
    let src = "import std.http: Request\nimport util: path_of\ncell main() -> String\n  path_of(Request(method: \"GET\", path: \"/p\", query: {}, headers: {}, body: \"\"))\nend\n";
    let out = match compile(
        "app.lm",
        src.as_bytes(),
        &loader,
        &CompileOptions::default(),
    ) {
        Ok(out) => out,
        Err(d) => panic!("{d:#?}"),
    };
    assert_eq!(run_main(out.module).to_display(), "/p");
}
