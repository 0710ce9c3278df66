//! The prebuilt Lumen HTTP runtime: a VM-only `wasm32-wasip1` core module (a `cdylib`, no
//! compiler) that implements `wasi:http/incoming-handler` by calling the program's
//! `pub cell handle(req: Request) -> Response` (`std.http`, `docs/LANGUAGE.md` decision 37).
//! `lumen build --target wasm --wasm-target http app.lm.md` embeds the program's binary LIR
//! behind the two `lumen:program` imports (`lumen-embed`, as for `lumen-wasi-app`) and
//! componentizes the module with the WASI preview1 *proxy* adapter: the result is a
//! `wasi:http/proxy` component that `wasmtime serve`, Spin, Fastly Compute and wasmCloud
//! run. No Rust is compiled per program.
//!
//! Per request ([`serve`]): the request is turned into `std.http.Request` exactly as the
//! Cloudflare worker's `worker.js` does it ([`request`]), `handle` runs in a fresh VM with
//! `http.get`/`http.post` under the program's grants ([`run`]), and its `Response` is
//! checked and written ([`response`]). Errors are the worker's: a body that is not UTF-8
//! is a 400, a Lumen error a 500 with `{"error": {"code", "message"}}`, a status outside
//! 200–599 a 500; a body over [`request::MAX_BODY`] is a 413 and headers over
//! [`request::MAX_HEADER_BYTES`] a 431.

pub mod program;
pub mod request;
pub mod response;
pub mod run;
#[cfg(target_family = "wasm")]
mod wasm;

pub use request::{Body, Incoming};
pub use response::Reply;

use lumen_runtime::ProviderRegistry;
use lumen_vm::lir::Module;

/// The answer to one request: `incoming` decoded, `handle` of `module` run with the tools
/// of `registry`, its `Response` checked. Never panics on any input.
pub fn serve(
    module: &std::rc::Rc<Module>,
    incoming: Incoming,
    registry: &ProviderRegistry,
) -> Reply {
    let req = match request::to_request(incoming) {
        Ok(req) => req,
        Err(reply) => return reply,
    };
    match run::handle(module, req, registry) {
        Ok(res) => response::to_reply(&res),
        Err(e) => response::lumen_error(e.code, &e.message),
    }
}
