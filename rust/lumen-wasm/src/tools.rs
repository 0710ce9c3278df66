//! Calling JavaScript tools (wasm32 only): the call context, the synchronous fast path and
//! the bounded wait for a promise.
//!
//! [`ToolHost::start`] builds the context and calls the function, through the `plain`
//! helper (arguments and a plain result as JSON text) when it can, else converting value by
//! value. A result that is not a thenable is final at once ([`Started::Done`]): no promise,
//! timer, listener or microtask turn. A thenable is raced against the call's timeout and the run's
//! signal by [`ToolHost::settle`]. A plain value always wins over a timeout or a
//! cancellation that happened during the call, as it did when every result went through
//! `Promise.race` (the driver then sees the aborted run signal before its next slice).
//!
//! What is made once per tool and alias of a run and then reused: the tool's name and
//! alias as JS strings, its `grants` object (frozen, since every call shares it), and the
//! `AbortController` behind `context.signal` until a call returns a thenable (that call
//! keeps it, so a timeout or cancellation aborts only its own signal and the next call gets
//! a new one). A signal is only ever aborted for a pending promise, so the calls that share
//! one all returned plain values. Grant checks are not here: the session's gate has passed
//! the call before it reaches [`ToolHost::start`].

use crate::core::ToolCall;
use crate::guard::guarded;
use crate::js::{error_message, js_key, json_to_js, set};
use crate::plain;
use js_sys::{Array, Function, Object, Promise, Reflect};
use lumen_vm::shared::{Grants, SharedStr};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The longest delay `setTimeout` takes (2^31 - 1 ms; longer ones fire at once).
pub const MAX_TIMER_MS: u64 = 2_147_483_647;

/// How a JS tool call ended.
pub enum ToolOutcome {
    /// It returned, or its promise resolved to, this value (still to be converted to JSON).
    Returned(JsValue),
    /// It returned plain data, already JSON text (see `plain`).
    Json(String),
    /// It threw or rejected (the E0906 message).
    Failed(String),
    /// It did not settle within this many ms.
    TimedOut(u64),
    /// The run's signal was aborted while it was pending (the abort reason).
    Cancelled(Option<String>),
    /// The instance trapped converting its arguments (the caught exception).
    Fault(JsValue),
}

/// What calling the tool gave.
pub enum Started {
    /// The call is over (a plain value, a throw, or a fault before the call).
    Done(ToolOutcome),
    /// It returned a thenable: await it with [`ToolHost::settle`].
    Pending(Pending),
}

/// A call whose thenable has not settled.
pub struct Pending {
    returned: JsValue,
    /// The controller behind this call's `context.signal` (owned by this call alone).
    controller: Option<JsValue>,
    timeout_ms: Option<u64>,
}

/// The values of one call's context.
struct CallParts {
    tool: JsValue,
    alias: JsValue,
    grants: JsValue,
    timeout_ms: JsValue,
    signal: Option<JsValue>,
}

/// What a run reuses for the calls of one tool through one alias.
struct Reused {
    name: SharedStr,
    alias: SharedStr,
    grants: Grants,
    timeout_ms: Option<u64>,
    /// The bound of each call: the smaller of `timeout_ms` and the host's.
    effective_ms: Option<u64>,
    name_js: JsValue,
    alias_js: JsValue,
    grants_js: JsValue,
    timeout_js: JsValue,
    /// The controller and its signal for the next call; `None` after a call took it.
    controller: Option<(JsValue, JsValue)>,
}

/// The tool side of a run: the `tools` object, the run's signal, the host-wide timeout.
pub struct ToolHost {
    tools: JsValue,
    /// The run's `AbortSignal`, if any.
    signal: Option<JsValue>,
    /// The host-wide bound of one tool call (`None`: unbounded).
    tool_timeout_ms: Option<u64>,
    reused: RefCell<Vec<Reused>>,
}

/// `v[name]`, or undefined when `v` is not an object or the read throws.
fn get(v: &JsValue, name: &str) -> JsValue {
    if v.is_object() {
        Reflect::get(v, &js_key(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// A global function by name (`setTimeout`).
fn global_fn(name: &str) -> Option<Function> {
    get(&js_sys::global().into(), name).dyn_into().ok()
}

/// `{ key: [values...] }` of a call's grants, keys in declaration order, frozen all the way
/// down (every call of the tool in the run gets this one object).
fn grants_to_js(grants: &[(String, serde_json::Value)]) -> JsValue {
    let mut map = serde_json::Map::new();
    for (k, v) in grants {
        match map
            .entry(k.clone())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()))
        {
            serde_json::Value::Array(values) => values.push(v.clone()),
            other => *other = serde_json::Value::Array(vec![v.clone()]),
        }
    }
    let root = json_to_js(&serde_json::Value::Object(map));
    let mut work = vec![root.clone()];
    while let Some(v) = work.pop() {
        if let Some(obj) = v.dyn_ref::<Object>() {
            for child in Object::values(obj).iter() {
                if child.is_object() {
                    work.push(child);
                }
            }
            Object::freeze(obj);
        }
    }
    root
}

/// A new `AbortController` and its signal, when the host has them.
fn abort_controller() -> Option<(JsValue, JsValue)> {
    let ctor = global_fn("AbortController")?;
    let controller = Reflect::construct(&ctor, &Array::new()).ok()?;
    let signal = get(&controller, "signal");
    Some((controller, signal))
}

/// `controller.abort(new Error(message))`.
fn abort(controller: &Option<JsValue>, message: &str) {
    if let Some(c) = controller {
        if let Ok(f) = get(c, "abort").dyn_into::<Function>() {
            let _ = f.call1(c, &js_sys::Error::new(message).into());
        }
    }
}

/// Whether `v` is a thenable (an object or function with a callable `then`); a throwing
/// `then` getter is the call's failure, as `Promise.resolve(v)` would reject with it.
fn is_thenable(v: &JsValue) -> Result<bool, JsValue> {
    if !(v.is_object() || v.is_function()) {
        return Ok(false);
    }
    Ok(Reflect::get(v, &js_key("then"))?.is_function())
}

impl ToolHost {
    /// The tool side of a run with these options.
    pub fn new(tools: JsValue, signal: Option<JsValue>, tool_timeout_ms: Option<u64>) -> Self {
        ToolHost {
            tools,
            signal,
            tool_timeout_ms,
            reused: RefCell::new(Vec::new()),
        }
    }

    /// `Some(reason)` once the run's signal is aborted (`reason`: its message, if any).
    pub fn aborted(&self) -> Option<Option<String>> {
        let signal = self.signal.as_ref()?;
        if get(signal, "aborted").as_bool() != Some(true) {
            return None;
        }
        // `abort()` with no argument gives a DOMException named AbortError: no reason.
        let reason = get(signal, "reason");
        let default = get(&reason, "name").as_string().as_deref() == Some("AbortError");
        Some((!reason.is_undefined() && !default).then(|| error_message(&reason)))
    }

    /// The index of the reusable parts for `call`, made on its first call.
    fn reused_index(&self, call: &ToolCall) -> Result<usize, JsValue> {
        let mut reused = self.reused.borrow_mut();
        if let Some(i) = reused.iter().position(|r| {
            // The VM shares one name, alias and grants between a tool's calls: pointers
            // compare first.
            (SharedStr::ptr_eq(&r.name, &call.name) || r.name == call.name)
                && (SharedStr::ptr_eq(&r.alias, &call.alias) || r.alias == call.alias)
                && (Grants::ptr_eq(&r.grants, &call.grants) || r.grants == call.grants)
                && r.timeout_ms == call.timeout_ms
        }) {
            return Ok(i);
        }
        let timeout_ms = match (call.timeout_ms, self.tool_timeout_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let grants_js = guarded(|| grants_to_js(&call.grants))?;
        reused.push(Reused {
            name: call.name.clone(),
            alias: call.alias.clone(),
            grants: call.grants.clone(),
            timeout_ms: call.timeout_ms,
            effective_ms: timeout_ms,
            name_js: JsValue::from_str(&call.name),
            alias_js: JsValue::from_str(&call.alias),
            grants_js,
            timeout_js: timeout_ms.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64)),
            controller: None,
        });
        Ok(reused.len() - 1)
    }

    /// Calls the JavaScript tool `f(args, context)`; a thenable result is left to
    /// [`ToolHost::settle`].
    /// `text` is `args_text::args_text` of the arguments (made in the same guarded call as the
    /// step that reported the call).
    pub fn start(&self, call: &ToolCall, text: Option<String>) -> Started {
        let index = match self.reused_index(call) {
            Ok(i) => i,
            Err(thrown) => return Started::Done(ToolOutcome::Fault(thrown)),
        };
        // The borrow ends before the tool runs: the tool may start another run.
        let (f, ctx, timeout_ms) = {
            let mut reused = self.reused.borrow_mut();
            let Some(r) = reused.get_mut(index) else {
                return Started::Done(ToolOutcome::Failed("the tool cache was lost".into()));
            };
            let f = Reflect::get(&self.tools, &r.name_js).unwrap_or(JsValue::UNDEFINED);
            if r.controller.is_none() {
                r.controller = abort_controller();
            }
            let ctx = CallParts {
                tool: r.name_js.clone(),
                alias: r.alias_js.clone(),
                grants: r.grants_js.clone(),
                timeout_ms: r.timeout_js.clone(),
                signal: r.controller.as_ref().map(|(_, s)| s.clone()),
            };
            (f, ctx, r.effective_ms)
        };
        if !f.is_function() {
            return Started::Done(ToolOutcome::Failed(
                "the tool function disappeared".to_string(),
            ));
        }
        let fast = text.as_deref().and_then(|text| {
            let parts = plain::Context {
                tool: &ctx.tool,
                alias: &ctx.alias,
                grants: &ctx.grants,
                timeout_ms: &ctx.timeout_ms,
                signal: ctx.signal.as_ref(),
            };
            plain::call(&f, text, &parts)
        });
        let called = match fast {
            Some(Ok(plain::Returned::Json(text))) => {
                return Started::Done(ToolOutcome::Json(text));
            }
            Some(Ok(plain::Returned::Value(v))) => Ok(v),
            Some(Err(e)) => Err(e),
            None => match self.call_general(&f, call, &ctx) {
                Ok(called) => called,
                Err(thrown) => return Started::Done(ToolOutcome::Fault(thrown)),
            },
        };
        let returned = match called {
            Ok(v) => v,
            Err(e) => return Started::Done(ToolOutcome::Failed(error_message(&e))),
        };
        match is_thenable(&returned) {
            Ok(false) => Started::Done(ToolOutcome::Returned(returned)),
            Err(e) => Started::Done(ToolOutcome::Failed(error_message(&e))),
            Ok(true) => {
                // This call keeps its controller: its timeout or cancellation aborts it.
                let controller = self
                    .reused
                    .borrow_mut()
                    .get_mut(index)
                    .and_then(|r| r.controller.take())
                    .map(|(c, _)| c);
                Started::Pending(Pending {
                    returned,
                    controller,
                    timeout_ms,
                })
            }
        }
    }

    /// Calls `f(args, context)` with the arguments and context built property by property:
    /// `Err` when converting the arguments trapped, else what the tool returned or threw.
    fn call_general(
        &self,
        f: &JsValue,
        call: &ToolCall,
        parts: &CallParts,
    ) -> Result<Result<JsValue, JsValue>, JsValue> {
        let args = guarded(|| json_to_js(&call.args.to_json()))?;
        let ctx = Object::new();
        set(&ctx, "tool", &parts.tool);
        set(&ctx, "alias", &parts.alias);
        set(&ctx, "grants", &parts.grants);
        set(&ctx, "timeoutMs", &parts.timeout_ms);
        if let Some(signal) = &parts.signal {
            set(&ctx, "signal", signal);
        }
        let f: &Function = f.unchecked_ref();
        Ok(f.call2(&JsValue::UNDEFINED, &args, &ctx))
    }

    /// Awaits a pending call's thenable, bounded by the call's timeout and the run's signal.
    pub async fn settle(&self, pending: Pending) -> ToolOutcome {
        let Pending {
            returned,
            controller,
            timeout_ms,
        } = pending;
        // Race the tool against a timer and the run's signal; each resolves to its marker.
        let timed_out = JsValue::from(Object::new());
        let cancelled = JsValue::from(Object::new());
        let racers = Array::of1(&Promise::resolve(&returned));
        let mut timer = JsValue::UNDEFINED;
        if let (Some(ms), Some(set_timeout)) = (timeout_ms, global_fn("setTimeout")) {
            let marker = timed_out.clone();
            racers.push(&Promise::new(&mut |resolve, _reject| {
                let fire = resolve.bind1(&JsValue::UNDEFINED, &marker);
                timer = set_timeout
                    .call2(
                        &JsValue::UNDEFINED,
                        &fire,
                        &JsValue::from_f64(ms.min(MAX_TIMER_MS) as f64),
                    )
                    .unwrap_or(JsValue::UNDEFINED);
            }));
        }
        let mut listener: Option<JsValue> = None;
        if let Some(signal) = &self.signal {
            let marker = cancelled.clone();
            racers.push(&Promise::new(&mut |resolve, _reject| {
                let fire: JsValue = resolve.bind1(&JsValue::UNDEFINED, &marker).into();
                if get(signal, "aborted").as_bool() == Some(true) {
                    let _ = resolve.call1(&JsValue::UNDEFINED, &marker);
                } else if let Ok(add) = get(signal, "addEventListener").dyn_into::<Function>() {
                    let _ = add.call2(signal, &js_key("abort"), &fire);
                    listener = Some(fire);
                }
            }));
        }
        let settled = JsFuture::from(Promise::race(&racers)).await;
        if !timer.is_undefined() {
            if let Some(clear) = global_fn("clearTimeout") {
                let _ = clear.call1(&JsValue::UNDEFINED, &timer);
            }
        }
        if let (Some(signal), Some(fire)) = (&self.signal, &listener) {
            if let Ok(remove) = get(signal, "removeEventListener").dyn_into::<Function>() {
                let _ = remove.call2(signal, &js_key("abort"), fire);
            }
        }
        match settled {
            Ok(v) if v == timed_out => {
                let ms = timeout_ms.unwrap_or(0);
                abort(&controller, &format!("timed out after {ms} ms"));
                ToolOutcome::TimedOut(ms)
            }
            Ok(v) if v == cancelled => {
                let reason = self.aborted().flatten();
                abort(&controller, "the run was cancelled");
                ToolOutcome::Cancelled(reason)
            }
            Ok(v) => ToolOutcome::Returned(v),
            Err(e) => ToolOutcome::Failed(error_message(&e)),
        }
    }
}
