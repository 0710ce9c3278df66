//! The handler every HTTP target calls (`--wasm-target worker`, `--wasm-target http`):
//! `pub cell handle(req: Request) -> Response` with the `std.http` records (decision 37).

use lumen_compiler::interface::{Interface, Ty};

/// The program must export `handle(req: Request) -> Response` with the `std.http`
/// records; the error names what is missing and says that `host` ("a worker") needs it.
pub(super) fn check(iface: &Interface, filename: &str, host: &str) -> Result<(), String> {
    let want =
        "`pub cell handle(req: Request) -> Response` (with `import std.http: Request, Response`)";
    let Some(handle) = iface.cells.iter().find(|c| c.name == "handle") else {
        let exported: Vec<&str> = iface.cells.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "`{filename}` has no {want}: {host} calls it for every request (exported cells: {})",
            if exported.is_empty() {
                "none".to_string()
            } else {
                exported.join(", ")
            }
        ));
    };
    let takes_request =
        handle.params.len() == 1 && handle.params[0].ty == Ty::Record("Request".into());
    if !takes_request || handle.ret != Ty::Record("Response".into()) {
        let params: Vec<String> = handle
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, type_name(&p.ty)))
            .collect();
        return Err(format!(
            "`handle` in `{filename}` is `handle({}) -> {}`; {host} needs {want}",
            params.join(", "),
            type_name(&handle.ret)
        ));
    }
    let std = std_records()?;
    for name in ["Request", "Response"] {
        let mine = iface.records.iter().find(|r| r.name == name);
        let theirs = std.records.iter().find(|r| r.name == name);
        if mine.map(|r| &r.fields) != theirs.map(|r| &r.fields) {
            return Err(format!(
                "`{name}` in `{filename}` is not the `{name}` of `std.http`; {host} needs {want}"
            ));
        }
    }
    Ok(())
}

/// The records of `std.http`, as the compiler defines them.
fn std_records() -> Result<Interface, String> {
    lumen_compiler::interface_of(
        "<std.http>",
        b"import std.http: Request, Response\n",
        &lumen_compiler::NoImports,
        &lumen_compiler::CompileOptions::default(),
    )
    .map_err(|d| format!("the compiler's std.http does not check: {d:?}"))
}

/// A type's name for messages.
fn type_name(t: &Ty) -> String {
    match t {
        Ty::Record(n) | Ty::Enum(n) => n.clone(),
        other => format!("{other:?}"),
    }
}

/// The tools the program declares beyond `http.get` and `http.post`, the two every HTTP
/// host provides itself.
pub(super) fn tools_without_provider(iface: &Interface) -> Vec<String> {
    let mut v: Vec<String> = iface
        .tools
        .iter()
        .map(|t| t.qualified.clone())
        .filter(|q| q != "http.get" && q != "http.post")
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(src: &str) -> Interface {
        match lumen_compiler::interface_of(
            "app.lm",
            src.as_bytes(),
            &lumen_compiler::NoImports,
            &lumen_compiler::CompileOptions::default(),
        ) {
            Ok(i) => i,
            Err(d) => panic!("{d:#?}"),
        }
    }

    #[test]
    fn issue12_item2_an_http_host_needs_handle_taking_the_std_request() {
        let ok = "import std.http: Request, Response\npub cell handle(req: Request) -> Response\n  Response(status: 200)\nend\n";
        assert_eq!(check(&iface(ok), "app.lm", "a worker"), Ok(()));
        let none = "pub cell main() -> Int\n  1\nend\n";
        let e = check(&iface(none), "app.lm", "a worker").unwrap_err();
        assert!(
            e.contains("has no `pub cell handle(req: Request) -> Response`"),
            "{e}"
        );
        assert!(e.contains("exported cells: main"), "{e}");
        let wrong =
            "import std.http: Request, Response\npub cell handle(n: Int) -> String\n  \"x\"\nend\n";
        let e = check(&iface(wrong), "app.lm", "an HTTP component").unwrap_err();
        assert!(
            e.contains("is `handle(n: Int) -> String`; an HTTP component needs"),
            "{e}"
        );
        let own = "record Request\n  path: String\nend\nrecord Response\n  status: Int\nend\npub cell handle(req: Request) -> Response\n  Response(status: 1)\nend\n";
        let e = check(&iface(own), "app.lm", "a worker").unwrap_err();
        assert!(e.contains("is not the `Request` of `std.http`"), "{e}");
    }
}
