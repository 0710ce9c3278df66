//! One call of an exported cell, and `main` as `wasi:cli/run`: lifting the arguments,
//! running the VM with every tool answered through the imports, lowering the result.
//!
//! Tools go through `lumen_runtime`'s driver ([`answer_tool_call`]): the [`ToolGate`]
//! checks the alias' grants and `max_calls` first, and only an allowed call reaches the
//! provider, which is the import. A typed tool's arguments are lowered by its signature and
//! its result lifted back (the VM then checks it against the declared type, as for every
//! host); an untyped tool goes through import 0, `host.call(name, args-json) ->
//! result<string, string>`.

use crate::host::Host;
use crate::program::Loaded;
use lumen_cabi::{
    flatten, lift_params, lift_result, lower_params, lower_result, size_align, ImportSig,
    MAX_FLAT_PARAMS,
};
use lumen_runtime::driver::{answer_tool_call, out_of_fuel, DEFAULT_MAX_DEPTH};
use lumen_runtime::{FnProvider, ProviderRegistry, ToolError, ToolGate};
use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::machine::{Outcome, Vm, VmConfig};
use lumen_vm::value::Value;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Why a call failed. Its `Display` is what goes to standard error, like `lumen run`.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// A Lumen run-time error (the program's, or E0913 for arguments that do not fit).
    Runtime(RuntimeError),
    /// The host broke the canonical ABI (an export index that does not exist, invalid
    /// UTF-8, a pointer out of bounds), or the runtime itself failed: E0999.
    Internal(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Runtime(e) => write!(f, "{e}"),
            CallError::Internal(m) => f.write_str(&lumen_report::runtime_text(
                &lumen_report::RuntimeReport::plain("E0999", m),
                lumen_report::Painter::PLAIN,
            )),
        }
    }
}

fn plain(code: &'static str, message: String) -> RuntimeError {
    RuntimeError::plain(code, message)
}

/// How many 8-byte slots the flat parameters take: one per flat value, or one pointer when
/// they flatten to more than [`MAX_FLAT_PARAMS`].
pub fn param_slots(params: &[lumen_cabi::Param]) -> usize {
    let n: usize = params.iter().map(|p| flatten(&p.ty).len()).sum();
    if n > MAX_FLAT_PARAMS {
        1
    } else {
        n
    }
}

/// Runs export `idx` with its flat parameters `slots`; returns the flat result slots (at
/// most one: a pointer when the result flattens to more than one value).
///
/// A wrapped export (decision 38: every export `lumen-wit` generates) answers a Lumen
/// run-time error as its result's `err` case, a [`lumen_cabi::lumen_error`] record, and
/// `Err` comes back only when even that cannot be lowered (memory exhausted). An unwrapped
/// one returns every failure as `Err` (the caller traps).
pub fn call_export<H: Host + 'static>(
    host: Rc<RefCell<H>>,
    loaded: &Loaded,
    idx: u32,
    slots: &[u64],
) -> Result<Vec<u64>, CallError> {
    let sig = loaded
        .blob
        .exports
        .get(idx as usize)
        .ok_or_else(|| CallError::Internal(format!("there is no export number {idx}")))?;
    let outcome = cell_value(host.clone(), loaded, sig, slots);
    let Some(ty) = &sig.result else {
        return outcome.map(|_| Vec::new());
    };
    let json = match (outcome, sig.wrapped) {
        (Ok(v), true) => serde_json::json!({ "ok": v }),
        (Err(e), true) => serde_json::json!({ "err": error_record(&e) }),
        (Ok(v), false) => v,
        (Err(e), false) => return Err(e),
    };
    let mut h = host.borrow_mut();
    match lower_result(ty, &json, &mut *h) {
        Ok(out) => Ok(out),
        Err(e) if sig.wrapped && json.get("ok").is_some() => {
            // The cell's value does not fit its WIT type (a runtime bug): an error value.
            let err = CallError::Internal(format!(
                "the result of cell `{}` does not fit its WIT type: {e}",
                sig.cell
            ));
            let json = serde_json::json!({ "err": error_record(&err) });
            lower_result(ty, &json, &mut *h).map_err(|e| CallError::Internal(e.to_string()))
        }
        Err(e) => Err(CallError::Internal(format!(
            "the result of cell `{}` does not fit its WIT type: {e}",
            sig.cell
        ))),
    }
}

/// The cell's value as JSON (`null` when it has no result), or why the call failed.
fn cell_value<H: Host + 'static>(
    host: Rc<RefCell<H>>,
    loaded: &Loaded,
    sig: &lumen_cabi::ExportSig,
    slots: &[u64],
) -> Result<serde_json::Value, CallError> {
    let args = {
        let h = host.borrow();
        lift_params(&sig.params, slots, &*h).map_err(|e| {
            CallError::Runtime(plain(
                codes::BAD_ENTRY,
                format!("arguments of cell `{}`: {e}", sig.cell),
            ))
        })?
    };
    let value = run(loaded, host, &sig.cell, Entry::Json(&args), false)?;
    if sig.cell_result().is_none() {
        return Ok(serde_json::Value::Null);
    }
    lumen_vm::json::to_serde(&value).map_err(|f| {
        CallError::Runtime(plain(
            f.code,
            format!("the result of cell `{}`: {}", sig.cell, f.message),
        ))
    })
}

/// A failed call as the `lumen-error` record's JSON: `code`, `message` (what `lumen run`
/// prints after `error[CODE]: `) and `trace` (the Lumen call stack, innermost first, one
/// `CELL (FILE:LINE:COLUMN)` per frame, as `lumen run` prints it after `= at `, and
/// `… N more frames` where a deep stack's frames were left out).
pub fn error_record(e: &CallError) -> serde_json::Value {
    let (code, message, trace) = match e {
        CallError::Runtime(r) => {
            let trace = lumen_report::frame_texts(&r.frames, r.frames_omitted);
            (r.code.to_string(), r.message.clone(), trace)
        }
        CallError::Internal(m) => ("E0999".to_string(), m.clone(), Vec::new()),
    };
    serde_json::json!({ "code": code, "message": message, "trace": trace })
}

/// Runs `main` with the command-line arguments `raw` (all of them `main`'s, converted as
/// `lumen run app.lm.md -- ARGS` converts them), printing like `lumen run`: printed lines
/// on standard output, then `main`'s value unless `null`; an error on standard error.
/// Returns whether it succeeded.
pub fn run_main<H: Host + 'static>(host: Rc<RefCell<H>>, loaded: &Loaded, raw: &[String]) -> bool {
    use std::io::Write;
    match run(loaded, host, "main", Entry::Cli(raw), true) {
        Ok(value) => {
            let mut out = std::io::stdout().lock();
            if !value.is_null() {
                let _ = writeln!(out, "{value}");
            }
            let _ = out.flush();
            true
        }
        Err(e) => {
            let _ = std::io::stdout().flush();
            match (&e, loaded.module.files.first()) {
                (CallError::Runtime(r), Some(file))
                    if r.code == codes::BAD_ENTRY
                        && r.line == 0
                        && r.message.starts_with("no cell") =>
                {
                    let text = lumen_report::runtime_text(
                        &r.report_in(file),
                        lumen_report::Painter::PLAIN,
                    );
                    eprintln!("{text}");
                }
                _ => eprintln!("{e}"),
            }
            false
        }
    }
}

/// The entry cell's arguments as they come.
enum Entry<'a> {
    /// Lifted from the canonical ABI: converted by the cell's declared types.
    Json(&'a [serde_json::Value]),
    /// Command-line text.
    Cli(&'a [String]),
}

/// Runs `cell` to completion with a fresh VM, answering tool calls through the imports.
fn run<H: Host + 'static>(
    loaded: &Loaded,
    host: Rc<RefCell<H>>,
    cell: &str,
    entry: Entry<'_>,
    cli: bool,
) -> Result<Value, CallError> {
    let module = loaded.module.clone();
    let fi = loaded.cell_index(cell).map_err(|m| {
        let code = if cli { "E0311" } else { codes::BAD_ENTRY };
        CallError::Runtime(plain(code, m))
    })?;
    let func = module
        .functions
        .get(fi as usize)
        .ok_or_else(|| CallError::Internal(format!("cell `{cell}` is missing")))?;
    let mut vm = Vm::new(
        module.clone(),
        VmConfig {
            max_depth: DEFAULT_MAX_DEPTH,
            fuel: None,
        },
    )
    .map_err(CallError::Runtime)?;
    let values = match entry {
        Entry::Cli(raw) => lumen_runtime::entry::convert_cli_args(func, raw),
        Entry::Json(args) => convert_json_args(&vm, fi, func, args),
    }
    .map_err(|m| CallError::Runtime(lumen_runtime::entry::bad_entry(m)))?;
    vm.set_output(lumen_runtime::stdio::stdout_sink());
    vm.start(cell, values).map_err(CallError::Runtime)?;
    let registry = registry(loaded, host);
    let mut gate = ToolGate::new();
    loop {
        match vm.run() {
            Outcome::Finished(value) => return Ok(value),
            Outcome::Error(e) => return Err(CallError::Runtime(e)),
            Outcome::OutOfFuel => return Err(CallError::Runtime(out_of_fuel(&vm, None))),
            Outcome::ToolCall(request) => match answer_tool_call(&mut gate, &registry, &request) {
                Ok(result) => vm.resume_ok(result),
                Err(e) => vm.resume_err(e.code(), e.message),
            },
        }
    }
}

/// Converts lifted JSON arguments by the cell's declared parameter types (the VM's
/// `convert_entry_arg`, as the JavaScript hosts do), or as plain JSON where the module
/// declares none.
fn convert_json_args(
    vm: &Vm,
    fi: u32,
    func: &lumen_vm::lir::Function,
    args: &[serde_json::Value],
) -> Result<Vec<Value>, String> {
    lumen_runtime::entry::convert_args(func, args, |_, _| Ok(Value::Null))?;
    args.iter()
        .enumerate()
        .map(|(i, j)| match vm.convert_entry_arg(fi, i, j) {
            None => Ok(lumen_vm::json::from_serde(j)),
            Some(Ok(v)) => Ok(v),
            Some(Err(m)) => {
                let name = func.params.get(i).map(String::as_str).unwrap_or("?");
                let ty = func.param_types.get(i).map(String::as_str).unwrap_or("");
                Err(format!(
                    "argument {} (`{name}: {ty}`) of cell `{}`: {m}",
                    i + 1,
                    func.name
                ))
            }
        })
        .collect()
}

/// One provider per tool the program declares: a typed import when the blob has one for
/// its qualified name, else the generic `host.call` (import 0).
fn registry<H: Host + 'static>(loaded: &Loaded, host: Rc<RefCell<H>>) -> ProviderRegistry {
    let mut registry = ProviderRegistry::new();
    let imports = &loaded.blob.imports;
    for def in &loaded.module.tools {
        if registry.contains(&def.name) {
            continue;
        }
        let typed = imports
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, s)| s.qualified == def.name);
        let host = host.clone();
        match typed {
            Some((k, sig)) => {
                let sig = sig.clone();
                let k = k as u32;
                registry.register(FnProvider::new(
                    def.name.clone(),
                    move |args: &serde_json::Value, ctx: &lumen_runtime::CallContext| {
                        let empty = serde_json::Map::new();
                        let args = args.as_object().unwrap_or(&empty);
                        let mut h = host.borrow_mut();
                        call_import(&mut *h, k, &sig, args).map_err(|m| {
                            ToolError::failed(format!(
                                "tool {} ({}) failed: {m}",
                                ctx.alias, ctx.tool
                            ))
                        })
                    },
                ));
            }
            None => {
                let sig = imports
                    .first()
                    .cloned()
                    .unwrap_or_else(ImportSig::generic_call);
                registry.register(FnProvider::new(
                    def.name.clone(),
                    move |args: &serde_json::Value, ctx: &lumen_runtime::CallContext| {
                        let fail = |m: String| {
                            ToolError::failed(format!(
                                "tool {} ({}) failed: {m}",
                                ctx.alias, ctx.tool
                            ))
                        };
                        let mut call = serde_json::Map::new();
                        call.insert("name".into(), ctx.tool.to_string().into());
                        call.insert("args".into(), args.to_string().into());
                        let mut h = host.borrow_mut();
                        let out = call_import(&mut *h, 0, &sig, &call).map_err(fail)?;
                        if let Some(text) = out.get("ok").and_then(|t| t.as_str()) {
                            serde_json::from_str(text).map_err(|e| {
                                fail(format!("the host's result is not JSON text: {e}"))
                            })
                        } else if let Some(text) = out.get("err").and_then(|t| t.as_str()) {
                            Err(fail(text.to_string()))
                        } else {
                            Err(fail(format!("unexpected result {out}")))
                        }
                    },
                ));
            }
        }
    }
    registry
}

/// Lowers `args` by `sig`, calls import `k` and lifts its result (`null` without one).
fn call_import<H: Host>(
    h: &mut H,
    k: u32,
    sig: &ImportSig,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Value, String> {
    let slots = lower_params(&sig.params, args, h).map_err(|e| e.to_string())?;
    let buf = h
        .alloc(8 * slots.len().max(1) as u32, 8)
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(8 * slots.len());
    for s in &slots {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    h.write(buf, &bytes).map_err(|e| e.to_string())?;
    let flat = sig.result.as_ref().map_or(0, |t| flatten(t).len());
    let (size, align) = match &sig.result {
        Some(t) if flat > 1 => size_align(t),
        _ => (8, 8),
    };
    let retptr = h
        .alloc(size.max(8), align.max(8))
        .map_err(|e| e.to_string())?;
    h.call_import(k, buf, retptr);
    let Some(ty) = &sig.result else {
        return Ok(serde_json::Value::Null);
    };
    let slot = if flat == 1 {
        Some(read_slot(h, retptr)?)
    } else {
        None
    };
    lift_result(ty, slot, retptr, h).map_err(|e| e.to_string())
}

/// The 8-byte little-endian slot at `ptr`.
pub fn read_slot<H: lumen_cabi::Memory>(h: &H, ptr: u32) -> Result<u64, String> {
    let b = h.read(ptr, 8).map_err(|e| e.to_string())?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b.get(..8).ok_or("short read")?);
    Ok(u64::from_le_bytes(a))
}
