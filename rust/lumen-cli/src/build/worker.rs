//! `lumen build --target wasm --wasm-target worker app.lm.md`: a program with
//! `pub cell handle(req: Request) -> Response` (`import std.http: Request, Response`) as a
//! Cloudflare module worker (issue 12 item 2).
//!
//! The plan is the `js` program plan with [`Package::Worker`](lumen_build_plan::Package):
//! the program's npm package is staged exactly as for `--wasm-target js`
//! ([`program::stage_package`], the cached VM-only runtime, no Rust compiled when only the
//! program changed) and goes under `app/`; around it this module writes `worker.js` (the
//! `fetch` handler: `Request` in, `handle`, `Response` out), `tools.js` (the user's tools:
//! `<stem>.tools.js` from beside the program, or a default without any), `wrangler.toml`
//! (`wrangler deploy` / `wrangler dev`), `config.capnp` (bare `workerd serve`) and a README,
//! then swaps the whole directory into `--out-dir`. A program without the handler is a
//! usage error (exit 2) before anything is built or written.

use super::program::{self, Staged};
use super::{package, BuildArgs, BuildError, Built, Reporter};
use lumen_build_plan::Plan;
use std::path::Path;

/// The `fetch` handler around the program (`@FILENAME@` is the program's file name).
const WORKER_JS: &str = include_str!("worker/worker.js");
/// The default `tools.js`.
const TOOLS_JS: &str = include_str!("worker/tools.js");
/// The Workers compatibility date written into `wrangler.toml` and `config.capnp`.
const COMPATIBILITY_DATE: &str = "2026-11-01";
/// Where the program package goes inside the worker directory.
const APP: &str = "app";

/// The ES modules of the worker, relative to its directory, in the order workerd lists
/// them (the first is the main module), and the runtime's `.wasm`, imported as a module.
const MODULES: [&str; 6] = [
    "worker.js",
    "tools.js",
    "app/index.workerd.js",
    "app/runtime/index.workerd.js",
    "app/runtime/lumen_loader.js",
    "app/runtime/lumen_wasm.js",
];
const WASM_MODULE: &str = "app/runtime/lumen_wasm_bg.wasm";

/// Builds the worker of `program` with `plan` (a [`Plan::for_program`] plan for `worker`).
pub(super) fn build(
    a: &BuildArgs,
    plan: &Plan,
    program: &Path,
    r: &Reporter,
) -> Result<Built, BuildError> {
    let filename = program
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let user_tools = tools_file(program);
    let tools_js = match &user_tools {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| BuildError::usage(format!("cannot read {}: {e}", p.display())))?,
        None => TOOLS_JS.to_string(),
    };
    let staged = program::stage_package(a, plan, program, r, |iface| {
        super::handler::check(iface, &filename, "a worker").map_err(BuildError::usage)
    })?;
    if user_tools.is_none() {
        let missing = super::handler::tools_without_provider(&staged.iface);
        if !missing.is_empty() {
            r.notice(&format!(
                "warning: the worker provides only http.get and http.post; {} {} with E0908 until `{}` provides {} (see tools.js)",
                missing.join(", "),
                if missing.len() == 1 { "fails" } else { "fail" },
                tools_file_name(program),
                if missing.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    let root = staged.scratch.path().join("worker");
    write(&staged, &root, &filename, &tools_js).map_err(|e| BuildError::failed(e, Vec::new()))?;
    package::replace_dir(&root, &staged.out_dir, staged.scratch.path())
        .map_err(BuildError::usage)?;
    staged.finish(&format!("{APP}/runtime/{}", plan.wasm_file), r)
}

/// `<stem>.tools.js` beside the program (`app.lm.md` → `app.tools.js`).
fn tools_file_name(program: &Path) -> String {
    let stem = Plan::app_file_name(program);
    format!("{}.tools.js", stem.strip_suffix(".wasm").unwrap_or(&stem))
}

/// The user's tools file, when there is one beside the program.
fn tools_file(program: &Path) -> Option<std::path::PathBuf> {
    let p = program
        .parent()
        .unwrap_or(Path::new(""))
        .join(tools_file_name(program));
    p.is_file().then_some(p)
}

/// Moves the staged program package to `root/app` and writes the worker's files.
fn write(staged: &Staged, root: &Path, filename: &str, tools_js: &str) -> Result<(), String> {
    std::fs::create_dir_all(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    std::fs::rename(&staged.dir, root.join(APP))
        .map_err(|e| format!("cannot move the program package: {e}"))?;
    package::write(
        &root.join("worker.js"),
        &WORKER_JS.replace("/*@FILENAME@*/", &format!("`{filename}`")),
    )?;
    package::write(&root.join("tools.js"), tools_js)?;
    package::write(&root.join("wrangler.toml"), &wrangler_toml(&staged.name))?;
    package::write(&root.join("config.capnp"), &config_capnp())?;
    package::write(&root.join("README.md"), &readme(&staged.name, filename))?;
    for m in MODULES.iter().chain([&WASM_MODULE]) {
        if !root.join(m).is_file() {
            return Err(format!("the worker lacks {m}"));
        }
    }
    Ok(())
}

/// `wrangler.toml` for `wrangler dev` / `wrangler deploy` (wrangler bundles `worker.js`
/// and loads the `.wasm` import as a compiled module by its default rules).
fn wrangler_toml(name: &str) -> String {
    // A Worker name is lower case letters, digits and dashes.
    let worker: String = name
        .trim_start_matches('@')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!(
        "# Generated by `lumen build --wasm-target worker`: `npx wrangler dev` serves it locally,\n\
         # `npx wrangler deploy` publishes it.\n\
         name = \"{worker}\"\n\
         main = \"worker.js\"\n\
         compatibility_date = \"{COMPATIBILITY_DATE}\"\n"
    )
}

/// A workerd configuration serving the worker on `127.0.0.1:8787`, loopback only (`npx
/// workerd serve config.capnp`; `--socket-addr http=ADDR:PORT` picks another address), every
/// module listed as it is (no bundler needed).
fn config_capnp() -> String {
    let mut modules: Vec<String> = MODULES
        .iter()
        .map(|m| format!("    (name = \"{m}\", esModule = embed \"{m}\"),"))
        .collect();
    modules.push(format!(
        "    (name = \"{WASM_MODULE}\", wasm = embed \"{WASM_MODULE}\"),"
    ));
    format!(
        "# Generated by `lumen build --wasm-target worker`: serve the worker with bare workerd,\n\
         #   npx workerd serve config.capnp [--socket-addr http=127.0.0.1:PORT]\n\
         # It listens on 127.0.0.1:8787 (this machine only); to expose it on every interface,\n\
         # pass --socket-addr http=*:8787 or change `address` below.\n\
         # Outgoing requests (http.get, http.post) go through the `internet` service: public\n\
         # addresses only; add \"private\" or \"local\" to `allow` to reach others.\n\
         using Workerd = import \"/workerd/workerd.capnp\";\n\n\
         const config :Workerd.Config = (\n\
         \x20 services = [\n\
         \x20   (name = \"main\", worker = .worker),\n\
         \x20   (name = \"internet\", network = (allow = [\"public\"], tlsOptions = (trustBrowserCas = true))),\n\
         \x20 ],\n\
         \x20 sockets = [(name = \"http\", address = \"127.0.0.1:8787\", http = (), service = \"main\")],\n\
         );\n\n\
         const worker :Workerd.Worker = (\n\
         \x20 modules = [\n{}\n  ],\n\
         \x20 compatibilityDate = \"{COMPATIBILITY_DATE}\",\n\
         \x20 globalOutbound = \"internet\",\n\
         );\n",
        modules.join("\n")
    )
}

fn readme(name: &str, filename: &str) -> String {
    format!(
        "# {name}: a Cloudflare Worker\n\n`{filename}` built with `lumen build --target wasm --wasm-target worker`. \
Every request calls the program's `handle(req: Request) -> Response` in a fresh Lumen VM: no state survives \
between requests.\n\n\
- `npx wrangler dev` / `npx wrangler deploy` (`wrangler.toml`)\n\
- `npx workerd serve config.capnp` (bare workerd, on `127.0.0.1:8787`: this machine only; \
`--socket-addr http=*:8787` listens on every interface, `--socket-addr http=127.0.0.1:PORT` picks another port)\n\n\
`worker.js` converts the request (method, path, decoded query, lower-case headers, body text; a body that is \
not UTF-8 is answered 400) and the response; a Lumen error is a 500 with `{{\"error\": {{\"code\", \"message\"}}}}`. \
`http.get` and `http.post` go through `fetch` under the program's `domain` grants; other tools come from \
`tools.js`. `app/` is the program's npm package.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue11_newuser_item6_workerd_listens_on_loopback_by_default() {
        let c = config_capnp();
        assert!(c.contains("address = \"127.0.0.1:8787\""), "{c}");
        assert!(!c.contains("\"*:8787\""), "{c}");
        assert!(readme("app", "app.lm.md").contains("--socket-addr http=*:8787"));
    }

    #[test]
    fn issue12_item2_the_workerd_config_lists_every_module() {
        let c = config_capnp();
        for m in MODULES {
            assert!(
                c.contains(&format!("(name = \"{m}\", esModule = embed \"{m}\")")),
                "{m}"
            );
        }
        assert!(c.contains(&format!("wasm = embed \"{WASM_MODULE}\"")));
        assert!(wrangler_toml("@me/edge.api").contains("name = \"me-edge-api\""));
        assert_eq!(
            tools_file_name(Path::new("x/edge_api.lm.md")),
            "edge_api.tools.js"
        );
    }
}
