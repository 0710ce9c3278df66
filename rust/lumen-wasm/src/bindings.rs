//! The wasm-bindgen layer (wasm32 only): `version`, `check`, `compile`, `run` and the
//! `LumenError` class, with precise TypeScript types.
//!
//! `run` is an `async fn`: it drives a [`Session`] in fuel slices, awaits the promises of
//! JavaScript tool functions (no Asyncify, no JSPI: the VM is simply suspended while the
//! promise is pending) and yields to the event loop with a macrotask between slices
//! (`setImmediate` where it exists, else a `MessageChannel` message). Slices adapt so that
//! each takes roughly [`TARGET_SLICE_MS`] of work.

use crate::core::{Input, LumenErrorData, RunOptions, Session, Step, DEFAULT_MAX_DEPTH};
use crate::js::{error_message, js_to_json, json_to_js, set, value_to_js};
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

/** A host tool: receives the named arguments, returns (or resolves to) a JSON value. */
export type ToolFunction = (args: { [name: string]: any }) => any | Promise<any>;

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
  /** Called for each printed line. */
  onPrint?: (line: string) => void;
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
export type LumenErrorKind = 'compile' | 'runtime' | 'tool' | 'grant' | 'limit';

export interface LumenError extends Error {
  readonly name: 'LumenError';
  /** compile: diagnostics; grant: E0907; tool: E0906/E0908; limit: E0909/E0910/E0914; runtime: the rest. */
  kind: LumenErrorKind;
  /** Stable code, `E....`. */
  code: string;
  /** One line. */
  message: string;
  /** Every diagnostic (compile errors only). */
  diagnostics?: Diagnostic[];
  /** Line of the error, when known. */
  line?: number;
  /** File of the error, when known. */
  file?: string;
  /** What `lumen run` prints on standard error for this error, without colours. */
  rendered: string;
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

/// Builds the JavaScript `LumenError` for `data`.
fn lumen_error(data: &LumenErrorData) -> JsValue {
    let err = js_sys::Error::new(&data.message);
    err.set_name("LumenError");
    if let Some(proto) = error_prototype() {
        let _ = Reflect::set_prototype_of(&err, &proto);
    }
    let o: &Object = err.as_ref();
    // The stack was captured under the name `Error`; show the real one.
    if let Ok(stack) = Reflect::get(o, &JsValue::from_str("stack")) {
        if let Some(s) = stack.as_string() {
            if let Some(rest) = s.strip_prefix("Error") {
                set(o, "stack", &JsValue::from_str(&format!("LumenError{rest}")));
            }
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
    if let Some(file) = &data.file {
        set(o, "file", &JsValue::from_str(file));
    }
    set(o, "rendered", &JsValue::from_str(&data.rendered));
    err.into()
}

/// The Lumen version (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// Every error and warning of a source file (an empty array when it is fine).
#[cfg(feature = "compiler")]
#[wasm_bindgen(unchecked_return_type = "Diagnostic[]")]
pub fn check(
    source: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] filename: Option<String>,
) -> JsValue {
    diagnostics_to_js(&crate::core::check(source, filename.as_deref())).into()
}

/// Compiles source to binary LIR (the bytes of `lumen emit -o x.lmb`); throws a
/// `LumenError` of kind `compile`.
#[cfg(feature = "compiler")]
#[wasm_bindgen(unchecked_return_type = "Uint8Array")]
pub fn compile(
    source: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] filename: Option<String>,
) -> Result<JsValue, JsValue> {
    match crate::core::compile(source, filename.as_deref()) {
        Ok(bytes) => Ok(Uint8Array::from(bytes.as_slice()).into()),
        Err(e) => Err(lumen_error(&e)),
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

/// The host side of a run: options that stay JavaScript values.
struct Host {
    tools: JsValue,
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
        for a in list.iter() {
            out.args
                .push(js_to_json(&a).map_err(|m| type_error(&format!("options.args: {m}")))?);
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
    Ok((out, Host { tools, on_print }))
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

/// Calls the JavaScript tool and awaits its result (a thrown error or rejection becomes
/// the message of an E0906 error).
async fn call_tool(
    host: &Host,
    name: &str,
    args: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let f: Function = get(&host.tools, name)
        .dyn_into()
        .map_err(|_| "the tool function disappeared".to_string())?;
    let returned = f
        .call1(&JsValue::UNDEFINED, &json_to_js(args))
        .map_err(|e| error_message(&e))?;
    let settled = JsFuture::from(Promise::resolve(&returned))
        .await
        .map_err(|e| error_message(&e))?;
    js_to_json(&settled).map_err(|m| format!("the tool returned a value that is not JSON: {m}"))
}

fn flush_output(session: &mut Session, on_print: Option<&Function>) {
    if let Some(f) = on_print {
        for line in session.take_new_output() {
            // An exception in the host's callback must not stop the program.
            let _ = f.call1(&JsValue::UNDEFINED, &JsValue::from_str(&line));
        }
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Runs a program (source text, or binary LIR as a `Uint8Array`) and resolves to
/// `{value, display, output}`; rejects with a `LumenError`.
#[wasm_bindgen(unchecked_return_type = "RunResult")]
pub async fn run(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RunOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (options, host) = read_options(&options)?;
    let input = if let Some(text) = source.as_string() {
        Input::Source(text)
    } else if let Some(bytes) = source.dyn_ref::<Uint8Array>() {
        Input::Binary(bytes.to_vec())
    } else {
        return Err(type_error(
            "run() takes a source string or a Uint8Array of binary LIR",
        ));
    };
    let mut session = Session::new(input, options).map_err(|e| lumen_error(&e))?;
    let mut yielder = Yielder::new();
    let mut slice = FIRST_SLICE;
    loop {
        let started = now_ms();
        let step = session.step(slice);
        flush_output(&mut session, host.on_print.as_ref());
        match step {
            Step::Done { value, display } => {
                let result = Object::new();
                set(&result, "value", &value_to_js(&value));
                set(&result, "display", &JsValue::from_str(&display));
                let output: Array = session
                    .output()
                    .iter()
                    .map(|l| JsValue::from_str(l))
                    .collect();
                set(&result, "output", &output);
                return Ok(result.into());
            }
            Step::Error(e) => return Err(lumen_error(&e)),
            Step::Yield => {
                let elapsed = now_ms() - started;
                if elapsed < TARGET_SLICE_MS / 2.0 {
                    slice = (slice.saturating_mul(2)).min(MAX_SLICE);
                } else if elapsed > TARGET_SLICE_MS * 2.0 {
                    slice = (slice / 2).max(MIN_SLICE);
                }
                yielder.pause().await;
            }
            Step::ToolCall(call) => match call_tool(&host, &call.name, &call.args).await {
                Ok(result) => session.resume_ok(result),
                Err(message) => session.resume_err(&message),
            },
        }
    }
}
