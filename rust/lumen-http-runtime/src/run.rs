//! One call of `handle`: a fresh VM per request (no state survives from one request to
//! the next), the `Request` JSON converted by the cell's declared parameter type, tool
//! calls answered through `lumen_runtime`'s driver (the grant check comes first, so a
//! denied call makes no request), the `Response` back as JSON.

use lumen_runtime::driver::{answer_tool_call, out_of_fuel, DEFAULT_MAX_DEPTH};
use lumen_runtime::{ProviderRegistry, ToolGate};
use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::lir::Module;
use lumen_vm::machine::{Outcome, Vm, VmConfig};
use serde_json::Value;
use std::rc::Rc;

/// The cell every request calls.
pub const HANDLER: &str = "handle";

fn plain(code: &'static str, message: String) -> RuntimeError {
    RuntimeError::plain(code, message)
}

/// Runs `handle(req)` of `module` to completion; its `Response` as JSON, or the run-time
/// error that stopped it.
pub fn handle(
    module: &Rc<Module>,
    req: Value,
    registry: &ProviderRegistry,
) -> Result<Value, RuntimeError> {
    let fi = module
        .functions
        .iter()
        .position(|f| f.exported && f.name == HANDLER)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| {
            plain(
                codes::BAD_ENTRY,
                lumen_runtime::entry::no_cell_message(module, HANDLER),
            )
        })?;
    let mut vm = Vm::new(
        module.clone(),
        VmConfig {
            max_depth: DEFAULT_MAX_DEPTH,
            fuel: None,
        },
    )?;
    let arg = match vm.convert_entry_arg(fi, 0, &req) {
        None => lumen_vm::json::from_serde(&req),
        Some(Ok(v)) => v,
        Some(Err(m)) => {
            return Err(lumen_runtime::entry::bad_entry(format!(
                "argument 1 of cell `{HANDLER}`: {m}"
            )))
        }
    };
    vm.set_output(lumen_runtime::stdio::stdout_sink());
    vm.start(HANDLER, vec![arg])?;
    let mut gate = ToolGate::new();
    let value = loop {
        match vm.run() {
            Outcome::Finished(value) => break value,
            Outcome::Error(e) => return Err(e),
            Outcome::OutOfFuel => return Err(out_of_fuel(&vm, None)),
            Outcome::ToolCall(request) => match answer_tool_call(&mut gate, registry, &request) {
                Ok(result) => vm.resume_ok(result),
                Err(e) => vm.resume_err(e.code(), e.message),
            },
        }
    };
    lumen_vm::json::to_serde(&value).map_err(|f| {
        plain(
            f.code,
            format!("the result of cell `{HANDLER}`: {}", f.message),
        )
    })
}
