//! Plain-data shortcuts across the boundary for tool calls (wasm32 only).
//!
//! Each value or property that crosses between WebAssembly and JavaScript one at a time
//! costs a call through the bindings; for a small tool call those calls cost more than the
//! call itself. Two JavaScript helpers, made once with `Function` (like the trap guard's
//! trampoline), move whole values as JSON text instead:
//!
//! - `call(f, argsText, tool, alias, grants, timeoutMs, signal)` parses the arguments with
//!   `JSON.parse`, builds the call context in one object literal, calls the tool and
//!   returns `encode` of the result when that is text, else the result in a box. Used only
//!   for arguments where `JSON.parse` gives what [`crate::js::json_to_js`] gives (the text
//!   and its rules are [`crate::args_text`]).
//! - `encode(v)` returns the JSON text of a tree of plain data — well-formed strings (a lone
//!   surrogate has no JSON text `serde_json` reads), booleans, null,
//!   safe integers, arrays and plain objects (prototype `Object.prototype` or null) without
//!   `toJSON` or `Symbol.toStringTag`, at most 64 levels, `undefined` left out of objects
//!   and null in arrays as in `JSON.stringify` — and `undefined` for anything else. Other
//!   numbers are left out because `serde_json` (without `float_roundtrip`) need not parse
//!   every float back to the same bits. Then [`crate::js::js_to_json`] converts the value
//!   itself; its rules are the reference, and on plain data both give the same JSON. A
//!   getter or Proxy trap met before the helper gives up runs again in that conversion.
//!
//! Without the helpers (a Content-Security-Policy without `unsafe-eval`) every call takes
//! the general path.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The helpers' source: the body of a function returning `[call, encode]`.
const FACTORY: &str = r#"
const BAIL = {};
const held = { value: undefined };
const isWellFormed = String.prototype.isWellFormed;
const LONE = /\p{Cs}/u;
const wellFormed = isWellFormed ? (s) => isWellFormed.call(s) : (s) => !LONE.test(s);
function str(s) {
  if (!wellFormed(s)) throw BAIL;
  return JSON.stringify(s);
}
function enc(v, depth) {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return str(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'number': if (Number.isSafeInteger(v)) return String(v); throw BAIL;
    case 'object': break;
    default: throw BAIL;
  }
  if (depth > 64) throw BAIL;
  const proto = Object.getPrototypeOf(v);
  let out;
  if (proto === Array.prototype && Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (i > 0) out += ',';
      out += x === undefined ? 'null' : enc(x, depth + 1);
    }
    return out + ']';
  }
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v || Symbol.toStringTag in v) {
    throw BAIL;
  }
  out = '{';
  let first = true;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + str(k) + ':' + enc(x, depth + 1);
    first = false;
  }
  return out + '}';
}
function encode(v) {
  try { return enc(v, 0); } catch (e) { return undefined; }
}
function call(f, argsText, tool, alias, grants, timeoutMs, signal) {
  const ctx = signal === undefined
    ? { tool, alias, grants, timeoutMs }
    : { tool, alias, grants, timeoutMs, signal };
  const r = f(JSON.parse(argsText), ctx);
  const text = encode(r);
  if (text !== undefined) return text;
  held.value = r;
  return held;
}
return [call, encode];
"#;

#[wasm_bindgen]
extern "C" {
    /// The `call` helper.
    #[wasm_bindgen(extends = Function)]
    type CallHelper;

    #[wasm_bindgen(method, catch, js_name = call)]
    #[allow(clippy::too_many_arguments)]
    fn invoke(
        this: &CallHelper,
        this_arg: &JsValue,
        f: &JsValue,
        args_text: &str,
        tool: &JsValue,
        alias: &JsValue,
        grants: &JsValue,
        timeout_ms: &JsValue,
        signal: &JsValue,
    ) -> Result<JsValue, JsValue>;

    /// The `encode` helper.
    #[wasm_bindgen(extends = Function)]
    type EncodeHelper;

    #[wasm_bindgen(method, js_name = call)]
    fn invoke(this: &EncodeHelper, this_arg: &JsValue, v: &JsValue) -> Option<String>;
}

/// The two helpers.
pub struct Helpers {
    call: CallHelper,
    encode: EncodeHelper,
}

thread_local! {
    static HELPERS: Option<Helpers> = make();
}

fn make() -> Option<Helpers> {
    let ctor = Reflect::get(&js_sys::global(), &JsValue::from_str("Function")).ok()?;
    let ctor: Function = ctor.dyn_into().ok()?;
    // Throws under a CSP without 'unsafe-eval': then there are no helpers.
    let factory = Reflect::construct(&ctor, &Array::of1(&JsValue::from_str(FACTORY))).ok()?;
    let pair = factory
        .dyn_into::<Function>()
        .ok()?
        .call0(&JsValue::NULL)
        .ok()?;
    let call = Reflect::get_u32(&pair, 0).ok()?;
    let encode = Reflect::get_u32(&pair, 1).ok()?;
    if !(call.is_function() && encode.is_function()) {
        return None;
    }
    Some(Helpers {
        call: call.unchecked_into(),
        encode: encode.unchecked_into(),
    })
}

/// The fields of one call's context (`ToolCallContext`).
pub struct Context<'a> {
    /// Qualified tool name.
    pub tool: &'a JsValue,
    /// The alias the program called it through.
    pub alias: &'a JsValue,
    /// The frozen grants object.
    pub grants: &'a JsValue,
    /// The call's bound in ms, or null.
    pub timeout_ms: &'a JsValue,
    /// The call's `AbortSignal`, when the host has `AbortController`.
    pub signal: Option<&'a JsValue>,
}

/// What a tool called through the helper returned.
pub enum Returned {
    /// Plain data, as JSON text (a thenable never is).
    Json(String),
    /// Anything else.
    Value(JsValue),
}

/// Calls `f(JSON.parse(args_text), context)` through the helper: what the tool returned
/// or threw, or `None` when there is no helper.
pub fn call(f: &JsValue, args_text: &str, ctx: &Context) -> Option<Result<Returned, JsValue>> {
    HELPERS.with(|h| {
        let h = h.as_ref()?;
        let returned = h.call.invoke(
            &JsValue::UNDEFINED,
            f,
            args_text,
            ctx.tool,
            ctx.alias,
            ctx.grants,
            ctx.timeout_ms,
            ctx.signal.unwrap_or(&JsValue::UNDEFINED),
        );
        Some(returned.map(|r| match r.as_string() {
            Some(text) => Returned::Json(text),
            None => {
                // The box: take the value out so that the helper does not keep it alive.
                let value = Reflect::get(&r, &crate::js::js_key("value")).unwrap_or_default();
                let _ = Reflect::set(&r, &crate::js::js_key("value"), &JsValue::UNDEFINED);
                Returned::Value(value)
            }
        }))
    })
}

/// The JSON text of a plain-data value, when the helper can encode it (see the module docs).
pub fn encode(v: &JsValue) -> Option<String> {
    HELPERS.with(|h| h.as_ref()?.encode.invoke(&JsValue::UNDEFINED, v))
}
