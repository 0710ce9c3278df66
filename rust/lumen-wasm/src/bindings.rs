//! The wasm-bindgen layer (wasm32 only): `version`, `check`, `compile`, `run` and the
//! `LumenError` class, with precise TypeScript types.
//!
//! `run` is an `async fn`: it drives a [`Session`] in fuel slices, awaits the promises of
//! JavaScript tool functions (no Asyncify, no JSPI: the VM is simply suspended while the
//! promise is pending; a plain result resumes it at once, see `tools`) and yields to the event loop with a macrotask between slices
//! (`setImmediate` where it exists, else a `MessageChannel` message). Slices adapt so that
//! each takes roughly [`TARGET_SLICE_MS`] of work.
//!
//! Every piece of engine work (compiling, a VM slice, resuming with a tool result, value
//! conversion, dropping a deep value) runs through [`guarded`]: a trap there becomes a
//! `LumenError` of kind `internal` (E0999) and the instance stays usable, so `check`,
//! `compile` throw and `run`'s promise always settles. A JS tool call is bounded by its
//! grant's `timeout_ms` and the host-wide `toolTimeoutMs`, gets a call context with an
//! `AbortSignal`, and `run(…, { signal })` stops at the next slice or pending tool call.

use crate::core::{Input, LumenErrorData, RunOptions, Session, Step, DEFAULT_MAX_DEPTH};
use crate::guard::{describe_fault, guarded};
use crate::js::{js_to_json, set, value_to_js};
use crate::plain;
use crate::tools::{Started, ToolHost, ToolOutcome, MAX_TIMER_MS};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One compile diagnostic. */
export interface Diagnostic {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
}

/** What a JS tool gets as its second argument. */
export interface ToolCallContext {
  /** Qualified tool name (`http.get`). */
  tool: string;
  /** The alias the program called it through (`Fetch`). */
  alias: string;
  /** The tool's grants: every value of each key, in declaration order (`{ domain: ["a.com"] }`); frozen, one object for every call of the tool in the run. */
  readonly grants: { readonly [key: string]: readonly any[] };
  /** The time the call may take: the smallest `timeout_ms` grant and `toolTimeoutMs`; null when unbounded. */
  timeoutMs: number | null;
  /**
   * Fires when the call timed out or the run was cancelled: stop the work then. Calls that
   * returned plain values share it with the next calls of the tool until one returns a promise.
   */
  signal?: AbortSignal;
}

/**
 * A host tool: receives the named arguments and the call context, returns (or resolves to)
 * a JSON value. A throw or rejection fails the call (E0906) with its message; so does a
 * result JSON cannot represent (Map, Set, BigInt beyond 64 bits, a function, a cycle).
 */
export type ToolFunction = (args: { [name: string]: any }, context: ToolCallContext) => any | Promise<any>;

/** Options of `run`. */
export interface RunOptions {
  /** Decides `.lm` vs `.lm.md` and names the file in messages (default `main.lm` / `main.lm.md`). */
  filename?: string;
  /** The entry cell (default `main`). */
  cell?: string;
  /** Arguments of the entry cell, converted by its parameter types. */
  args?: any[];
  /** Tools by qualified name (`echo.upper`). */
  tools?: { [qualifiedName: string]: ToolFunction };
  /** Called for each printed line. If it throws, `run` rejects with what it threw. */
  onPrint?: (line: string) => void;
  /** Cancels the run: it stops at the next slice or pending tool call and rejects with kind 'cancelled' (E0915). */
  signal?: AbortSignal;
  /**
   * Longest time in ms any one tool call may take before it fails with E0906 "timed out"
   * (default 30000; a smaller `timeout_ms` grant wins; 0 or Infinity: no host-wide bound).
   */
  toolTimeoutMs?: number;
  /** Total instruction budget; exceeding it rejects with kind 'limit' (E0910). */
  fuel?: number;
  /** Maximum call depth (default 10000). */
  maxDepth?: number;
  /** Module sources by dotted import path (`"util.math"`). */
  modules?: { [importPath: string]: string };
}

/** What `run` resolves to. */
export interface RunResult {
  /** The entry cell's value as a plain JavaScript value. */
  value: any;
  /** What `lumen run` prints for the value ("" for null). */
  display: string;
  /** Every printed line. */
  output: string[];
}

/** The class of a LumenError. */
export type LumenErrorKind = 'compile' | 'runtime' | 'tool' | 'grant' | 'limit' | 'cancelled' | 'internal';

export interface LumenError extends Error {
  readonly name: 'LumenError';
  /**
   * compile: diagnostics; grant: E0907; tool: E0906/E0908; limit: E0909/E0910/E0914;
   * cancelled: E0915 (the run's signal was aborted); internal: E0999 (the WebAssembly
   * instance trapped; the call was abandoned and the package recovered); runtime: the rest.
   */
  kind: LumenErrorKind;
  /** Stable code, `E....`. */
  code: string;
  /** One line. */
  message: string;
  /** Every diagnostic (compile errors only). */
  diagnostics?: Diagnostic[];
  /** Line of the error, when known. */
  line?: number;
  /** Column of the error, when known. */
  column?: number;
  /** File of the error, when known. */
  file?: string;
  /**
   * The Lumen call stack of a run-time error, innermost first: `frames[0]` is where it
   * failed, each other frame is at its pending call. Empty when the error is not in Lumen
   * code (bad arguments, a trap); `line`/`column` are 0 in a module whose position table
   * was stripped. Absent on compile errors. Of a stack deeper than 120 frames only the
   * innermost 100 and the outermost 20 are kept.
   */
  frames?: LumenFrame[];
  /** How many frames between the kept ones were left out (present when some were). */
  framesOmitted?: number;
  /**
   * `LumenError: message`, then the Lumen frames (`    at cell (file:line:column)`), then
   * the JavaScript ones.
   */
  stack?: string;
  /** What `lumen run` prints on standard error for this error, without colours. */
  rendered: string;
}

/** One frame of a Lumen call stack. */
export interface LumenFrame {
  /** The cell (`main`, `<lambda:12>`, `<init>` for a `const`'s initialiser). */
  cell: string;
  /** Its source file. */
  file: string;
  /** 1-based line (0 when unknown). */
  line: number;
  /** 1-based column (0 when unknown). */
  column: number;
}
"#;

/// Fuel of the first slice; later slices adapt to [`TARGET_SLICE_MS`].
const FIRST_SLICE: u64 = 1 << 20;
/// Slice bounds.
const MIN_SLICE: u64 = 1 << 12;
const MAX_SLICE: u64 = 1 << 34;
/// About how long one slice should run before yielding to the event loop.
const TARGET_SLICE_MS: f64 = 8.0;

/// The error class of every rejection and throw of this package (`err instanceof
/// LumenError`, also an `Error`): see the `LumenError` interface for its fields.
#[wasm_bindgen]
pub struct LumenError {
    _private: u8,
}

thread_local! {
    static ERROR_PROTO: RefCell<Option<Object>> = const { RefCell::new(None) };
}

/// `LumenError.prototype`, made to inherit from `Error.prototype` the first time.
fn error_prototype() -> Option<Object> {
    ERROR_PROTO.with(|cell| {
        if let Some(p) = cell.borrow().as_ref() {
            return Some(p.clone());
        }
        let sample = JsValue::from(LumenError { _private: 0 });
        let proto = Reflect::get_prototype_of(&sample).ok()?;
        let error_proto = Reflect::get_prototype_of(&js_sys::Error::new("").into()).ok()?;
        let _ = Reflect::set_prototype_of(&proto, &error_proto);
        *cell.borrow_mut() = Some(proto.clone());
        Some(proto)
    })
}

fn diagnostics_to_js(diags: &[crate::core::DiagnosticData]) -> Array {
    diags
        .iter()
        .map(|d| {
            let o = Object::new();
            set(&o, "code", &JsValue::from_str(&d.code));
            set(&o, "message", &JsValue::from_str(&d.message));
            set(&o, "file", &JsValue::from_str(&d.file));
            set(&o, "line", &JsValue::from(d.line));
            set(&o, "column", &JsValue::from(d.column));
            set(&o, "severity", &JsValue::from_str(d.severity()));
            JsValue::from(o)
        })
        .collect()
}

/// `[{cell, file, line, column}]`, innermost first.
fn frames_to_js(frames: &[lumen_report::Frame]) -> Array {
    frames
        .iter()
        .map(|f| {
            let o = Object::new();
            set(&o, "cell", &JsValue::from_str(&f.cell));
            set(&o, "file", &JsValue::from_str(&f.file));
            set(&o, "line", &JsValue::from(f.line));
            set(&o, "column", &JsValue::from(f.column));
            JsValue::from(o)
        })
        .collect()
}

/// Builds the JavaScript `LumenError` for `data`.
fn lumen_error(data: &LumenErrorData) -> JsValue {
    let err = js_sys::Error::new(&data.message);
    err.set_name("LumenError");
    if let Some(proto) = error_prototype() {
        let _ = Reflect::set_prototype_of(&err, &proto);
    }
    let o: &Object = err.as_ref();
    // The stack was captured under the name `Error`: show the real one, with the Lumen
    // frames before the JavaScript ones.
    if let Ok(stack) = Reflect::get(o, &JsValue::from_str("stack")) {
        if let Some(s) = stack.as_string() {
            set(o, "stack", &JsValue::from_str(&data.stack(&s)));
        }
    }
    set(o, "kind", &JsValue::from_str(data.kind.as_str()));
    set(o, "code", &JsValue::from_str(&data.code));
    if data.kind == crate::core::ErrorKind::Compile {
        set(o, "diagnostics", &diagnostics_to_js(&data.diagnostics));
    }
    if let Some(line) = data.line {
        set(o, "line", &JsValue::from(line));
    }
    if let Some(column) = data.column {
        set(o, "column", &JsValue::from(column));
    }
    if let Some(file) = &data.file {
        set(o, "file", &JsValue::from_str(file));
    }
    if data.kind != crate::core::ErrorKind::Compile {
        set(o, "frames", &frames_to_js(&data.frames));
        if data.frames_omitted > 0 {
            set(
                o,
                "framesOmitted",
                &JsValue::from(data.frames_omitted as f64),
            );
        }
    }
    set(o, "rendered", &JsValue::from_str(&data.rendered));
    err.into()
}

/// The Lumen version (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// The `LumenError` (kind `internal`, E0999) for an exception caught by [`guarded`].
fn fault_error(thrown: &JsValue) -> JsValue {
    lumen_error(&LumenErrorData::internal(&describe_fault(thrown)))
}

/// Every error and warning of a source file (an empty array when it is fine); throws a
/// `LumenError` of kind `internal` if the instance trapped.
#[cfg(feature = "compiler")]
#[wasm_bindgen(unchecked_return_type = "Diagnostic[]")]
pub fn check(
    source: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] filename: Option<String>,
) -> Result<JsValue, JsValue> {
    match guarded(|| diagnostics_to_js(&crate::core::check(source, filename.as_deref()))) {
        Ok(diags) => Ok(diags.into()),
        Err(thrown) => Err(fault_error(&thrown)),
    }
}

/// Compiles source to binary LIR (the bytes of `lumen emit -o x.lmb`); throws a
/// `LumenError` of kind `compile`.
#[cfg(feature = "compiler")]
#[wasm_bindgen(unchecked_return_type = "Uint8Array")]
pub fn compile(
    source: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] filename: Option<String>,
) -> Result<JsValue, JsValue> {
    match guarded(|| crate::core::compile(source, filename.as_deref())) {
        Ok(Ok(bytes)) => Ok(Uint8Array::from(bytes.as_slice()).into()),
        Ok(Err(e)) => Err(lumen_error(&e)),
        Err(thrown) => Err(fault_error(&thrown)),
    }
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn optional_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| type_error(&format!("options.{key} must be a string")))
}

fn optional_count(obj: &JsValue, key: &str) -> Result<Option<u64>, JsValue> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Ok(i) = i64::try_from(v.clone()) {
        return u64::try_from(i)
            .map(Some)
            .map_err(|_| type_error(&format!("options.{key} must not be negative")));
    }
    match v.as_f64() {
        Some(f) if f >= 0.0 && !f.is_nan() => Ok(Some(if f >= u64::MAX as f64 {
            u64::MAX
        } else {
            f as u64
        })),
        _ => Err(type_error(&format!(
            "options.{key} must be a non-negative number"
        ))),
    }
}

/// The default `toolTimeoutMs`.
const DEFAULT_TOOL_TIMEOUT_MS: u64 = 30_000;

/// The host side of a run: options that stay JavaScript values.
struct Host {
    /// The tools, the run's signal and the tool-call timeout.
    tools: ToolHost,
    on_print: Option<Function>,
}

/// Reads `RunOptions` into the core's options and the JavaScript callbacks.
fn read_options(options: &JsValue) -> Result<(RunOptions, Host), JsValue> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) {
        return Err(type_error("options must be an object"));
    }
    let mut out = RunOptions {
        filename: optional_string(options, "filename")?,
        ..RunOptions::default()
    };
    if let Some(cell) = optional_string(options, "cell")? {
        out.cell = cell;
    }
    let args = get(options, "args");
    if !(args.is_undefined() || args.is_null()) {
        if !Array::is_array(&args) {
            return Err(type_error("options.args must be an array"));
        }
        let list: &Array = args.unchecked_ref();
        for (i, a) in list.iter().enumerate() {
            // A value JSON cannot carry is reported against its parameter (E0913) once
            // the entry cell is known.
            let json = js_to_json(&a).unwrap_or_else(|m| {
                out.unconvertible.push((i, m.to_string()));
                serde_json::Value::Null
            });
            out.args.push(json);
        }
    }
    let tools = get(options, "tools");
    if tools.is_object() {
        for key in Object::keys(tools.unchecked_ref::<Object>()).iter() {
            if let Some(name) = key.as_string() {
                if get(&tools, &name).is_function() {
                    out.tools.push(name);
                }
            }
        }
    } else if !(tools.is_undefined() || tools.is_null()) {
        return Err(type_error("options.tools must be an object of functions"));
    }
    let on_print = get(options, "onPrint");
    let on_print = if on_print.is_function() {
        Some(on_print.unchecked_into::<Function>())
    } else if on_print.is_undefined() || on_print.is_null() {
        None
    } else {
        return Err(type_error("options.onPrint must be a function"));
    };
    out.fuel = optional_count(options, "fuel")?;
    out.max_depth = optional_count(options, "maxDepth")?.map_or(DEFAULT_MAX_DEPTH, |d| {
        usize::try_from(d).unwrap_or(usize::MAX)
    });
    let signal = get(options, "signal");
    let signal = if signal.is_undefined() || signal.is_null() {
        None
    } else if signal.is_object() && get(&signal, "aborted").as_bool().is_some() {
        Some(signal)
    } else {
        return Err(type_error("options.signal must be an AbortSignal"));
    };
    let tool_timeout_ms = match optional_count(options, "toolTimeoutMs")? {
        None => Some(DEFAULT_TOOL_TIMEOUT_MS),
        Some(0) => None,
        Some(ms) if ms >= MAX_TIMER_MS => None,
        Some(ms) => Some(ms),
    };
    let modules = get(options, "modules");
    if modules.is_object() {
        let mut map = BTreeMap::new();
        for key in Object::keys(modules.unchecked_ref::<Object>()).iter() {
            if let Some(name) = key.as_string() {
                let Some(text) = get(&modules, &name).as_string() else {
                    return Err(type_error(&format!(
                        "options.modules[\"{name}\"] must be a string"
                    )));
                };
                map.insert(name, text);
            }
        }
        out.modules = map;
    } else if !(modules.is_undefined() || modules.is_null()) {
        return Err(type_error("options.modules must be an object of strings"));
    }
    Ok((
        out,
        Host {
            tools: ToolHost::new(tools, signal, tool_timeout_ms),
            on_print,
        },
    ))
}

/// Yields to the event loop with a macrotask.
struct Yielder {
    set_immediate: Option<Function>,
    /// `port1`, `port2` of a `MessageChannel`, made on first use when there is no
    /// `setImmediate`.
    channel: Option<(JsValue, JsValue)>,
}

impl Yielder {
    fn new() -> Yielder {
        let f = get(&js_sys::global().into(), "setImmediate");
        Yielder {
            set_immediate: f.dyn_into::<Function>().ok(),
            channel: None,
        }
    }

    fn channel(&mut self) -> Option<(JsValue, JsValue)> {
        if self.channel.is_none() {
            let ctor = get(&js_sys::global().into(), "MessageChannel");
            let ctor: Function = ctor.dyn_into().ok()?;
            let ch = Reflect::construct(&ctor, &Array::new()).ok()?;
            self.channel = Some((get(&ch, "port1"), get(&ch, "port2")));
        }
        self.channel.clone()
    }

    async fn pause(&mut self) {
        let promise = if let Some(si) = self.set_immediate.clone() {
            Promise::new(&mut |resolve, _reject| {
                let _ = si.call1(&JsValue::UNDEFINED, &resolve);
            })
        } else if let Some((port1, port2)) = self.channel() {
            Promise::new(&mut |resolve, _reject| {
                let _ = Reflect::set(&port1, &JsValue::from_str("onmessage"), &resolve);
                if let Ok(post) = get(&port2, "postMessage").dyn_into::<Function>() {
                    let _ = post.call1(&port2, &JsValue::NULL);
                }
            })
        } else {
            Promise::new(&mut |resolve, _reject| {
                if let Ok(st) = get(&js_sys::global().into(), "setTimeout").dyn_into::<Function>() {
                    let _ = st.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(0));
                } else {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            })
        };
        let _ = JsFuture::from(promise).await;
    }
}

impl Drop for Yielder {
    fn drop(&mut self) {
        if let Some((port1, port2)) = self.channel.take() {
            for port in [port1, port2] {
                if let Ok(close) = get(&port, "close").dyn_into::<Function>() {
                    let _ = close.call0(&port);
                }
            }
        }
    }
}

/// Hands the new printed lines to `onPrint`; what it throws rejects the run.
fn flush_output(session: &mut Session, on_print: Option<&Function>) -> Result<(), JsValue> {
    if let Some(f) = on_print {
        for line in session.take_new_output() {
            f.call1(&JsValue::UNDEFINED, &JsValue::from_str(&line))?;
        }
    }
    Ok(())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// How the driver loop ended.
enum Exit {
    /// The run finished (resolve) or failed cleanly (reject): the session may be dropped.
    Clean(Result<JsValue, JsValue>),
    /// The instance trapped while the session was in use: reject, and never touch the
    /// session again.
    Poisoned(JsValue),
}

/// Runs a program (source text, or binary LIR as a `Uint8Array`) and resolves to
/// `{value, display, output}`; rejects with a `LumenError` (or with what `onPrint` threw).
#[wasm_bindgen(unchecked_return_type = "RunResult")]
pub async fn run(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RunOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (options, host) = match guarded(|| read_options(&options)) {
        Ok(read) => read?,
        Err(thrown) => return Err(fault_error(&thrown)),
    };
    let input = if let Some(text) = source.as_string() {
        Input::Source(text)
    } else if let Some(bytes) = source.dyn_ref::<Uint8Array>() {
        Input::Binary(bytes.to_vec())
    } else {
        return Err(type_error(
            "run() takes a source string or a Uint8Array of binary LIR",
        ));
    };
    if let Some(reason) = host.tools.aborted() {
        return Err(lumen_error(&LumenErrorData::cancelled(reason.as_deref())));
    }
    let mut session = match guarded(|| Session::new(input, options)) {
        Ok(Ok(session)) => session,
        Ok(Err(e)) => return Err(lumen_error(&e)),
        Err(thrown) => return Err(fault_error(&thrown)),
    };
    match drive(&mut session, &host).await {
        Exit::Clean(result) => {
            // Dropping the VM drops its values, which may be nested deeply.
            if guarded(move || drop(session)).is_err() {
                return Err(fault_error(&JsValue::from_str(
                    "the run's values could not be freed",
                )));
            }
            result
        }
        Exit::Poisoned(error) => {
            std::mem::forget(session);
            Err(error)
        }
    }
}

/// Steps `session` to its end: slices, yields, tool calls, cancellation.
///
/// A slice's clock runs from the last yield and leaves out the time spent awaiting tool
/// promises; it sizes the next slice. Synchronous tool calls never yield by themselves, so
/// when a slice has run `2 × TARGET_SLICE_MS` the driver yields after the call.
async fn drive(session: &mut Session, host: &Host) -> Exit {
    let mut yielder = Yielder::new();
    let mut slice = FIRST_SLICE;
    let mut slice_started = now_ms();
    loop {
        if let Some(reason) = host.tools.aborted() {
            return Exit::Clean(Err(lumen_error(&session.cancel(reason.as_deref()))));
        }
        let stepped = guarded(|| {
            let step = session.step(slice);
            let text = match &step {
                Step::ToolCall(call) => crate::args_text::args_text(&call.args),
                _ => None,
            };
            (step, text)
        });
        let (step, args_text) = match stepped {
            Ok(stepped) => stepped,
            Err(thrown) => return Exit::Poisoned(fault_error(&thrown)),
        };
        if let Err(thrown) = flush_output(session, host.on_print.as_ref()) {
            if guarded(move || drop(step)).is_err() {
                return Exit::Poisoned(thrown);
            }
            return Exit::Clean(Err(thrown));
        }
        match step {
            Step::Done { value, display } => {
                let converted = guarded(move || {
                    let js = value_to_js(&value);
                    drop(value);
                    js
                });
                let value = match converted {
                    Ok(v) => v,
                    Err(thrown) => return Exit::Poisoned(fault_error(&thrown)),
                };
                let result = Object::new();
                set(&result, "value", &value);
                set(&result, "display", &JsValue::from_str(&display));
                let output: Array = session
                    .output()
                    .iter()
                    .map(|l| JsValue::from_str(l))
                    .collect();
                set(&result, "output", &output);
                return Exit::Clean(Ok(result.into()));
            }
            Step::Error(e) => return Exit::Clean(Err(lumen_error(&e))),
            Step::Yield => {
                let elapsed = now_ms() - slice_started;
                if elapsed < TARGET_SLICE_MS / 2.0 {
                    slice = (slice.saturating_mul(2)).min(MAX_SLICE);
                } else if elapsed > TARGET_SLICE_MS * 2.0 {
                    slice = (slice / 2).max(MIN_SLICE);
                }
                yielder.pause().await;
                slice_started = now_ms();
            }
            Step::ToolCall(call) => {
                let outcome = match host.tools.start(&call, args_text) {
                    Started::Done(outcome) => outcome,
                    Started::Pending(pending) => {
                        let waiting = now_ms();
                        let outcome = host.tools.settle(pending).await;
                        slice_started += now_ms() - waiting;
                        outcome
                    }
                };
                // One guarded call converts the result, frees the call and resumes the VM.
                let vm = &mut *session;
                let resumed = guarded(move || {
                    drop(call);
                    match outcome {
                        ToolOutcome::Returned(v) => {
                            let encoded =
                                plain::encode(&v).is_some_and(|t| vm.resume_text(&t).is_ok());
                            if !encoded {
                                match js_to_json(&v) {
                                    Ok(json) => vm.resume_ok(json),
                                    Err(why) => vm.resume_err(&format!(
                                        "the tool returned a value that is not JSON: {why}"
                                    )),
                                }
                            }
                        }
                        ToolOutcome::Json(text) => {
                            if let Err(e) = vm.resume_text(&text) {
                                vm.resume_err(&format!(
                                    "the tool returned a value that is not JSON: {e}"
                                ));
                            }
                        }
                        ToolOutcome::Failed(message) => vm.resume_err(&message),
                        ToolOutcome::TimedOut(ms) => vm.resume_timeout(ms),
                        other => return Some(other),
                    }
                    None
                });
                match resumed {
                    Ok(None) => {}
                    Ok(Some(ToolOutcome::Cancelled(reason))) => {
                        return Exit::Clean(Err(lumen_error(&session.cancel(reason.as_deref()))))
                    }
                    Ok(Some(ToolOutcome::Fault(thrown))) | Err(thrown) => {
                        return Exit::Poisoned(fault_error(&thrown))
                    }
                    Ok(Some(_)) => {}
                }
                if now_ms() - slice_started > TARGET_SLICE_MS * 2.0 {
                    yielder.pause().await;
                    slice_started = now_ms();
                }
            }
        }
    }
}
