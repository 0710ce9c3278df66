//! Conversions between JavaScript values and Lumen / JSON values (wasm32 only).
//!
//! Lumen → JS (`RunResult.value`): null → null, Bool → boolean, Int → number when
//! |n| ≤ `Number.MAX_SAFE_INTEGER`, else BigInt; Float → number; String → string;
//! list/tuple → array; map/record → plain object (map keys as strings, in the map's order);
//! variants like the VM's JSON conversion (`{"Name": payload}` / `"Name"`); ok/err →
//! `{ok: v}` / `{err: e}`; functions → `"<fn name>"`. JSON → JS (tool arguments) uses the
//! same number rule and keeps object key order. Both are iterative (an explicit work list),
//! so a value nested any depth converts without growing the native stack.
//!
//! JS → JSON (tool results, cell arguments) follows `JSON.stringify` where JSON can say the
//! same thing: `toJSON()` is called (a `Date` becomes its ISO string), boxed primitives are
//! unwrapped, `undefined` properties are left out and `undefined` array elements become
//! null, NaN and ±Infinity become null, object keys keep their order (`Object.keys`).
//! Where `JSON.stringify` would silently lose data, the conversion fails with a message that
//! names the value and where it is (`$.items[2]`), which a tool result reports as E0906:
//! `Map`, `Set`, `WeakMap`, `WeakSet`, `Promise`, `RegExp`, `Error`, `ArrayBuffer` and other
//! non-plain built-ins, functions, symbols, a BigInt beyond 64 bits, a cyclic reference, and
//! nesting deeper than 512 levels. An exception thrown by a getter, a `toJSON` method or a
//! Proxy trap fails the conversion with its message. Typed arrays become arrays of numbers.

use crate::args_text::MAX_SAFE;
use js_sys::{Array, Function, Object, Reflect};
use lumen_vm::map::MapKey;
use lumen_vm::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};

/// Nesting beyond which JS → JSON conversion stops (the JSON side is recursive).
const MAX_DEPTH: usize = 512;

/// A JS number or BigInt for an integer.
pub fn int_to_js(i: i64) -> JsValue {
    if (-MAX_SAFE..=MAX_SAFE).contains(&i) {
        JsValue::from_f64(i as f64)
    } else {
        JsValue::from(i)
    }
}

/// Longest string [`js_key`] keeps, and how many it keeps at most.
const KEY_MAX_LEN: usize = 64;
const KEY_MAX_COUNT: usize = 4096;

thread_local! {
    static KEYS: RefCell<HashMap<String, JsValue>> = RefCell::new(HashMap::new());
    static BUILTINS: Builtins = Builtins::new();
}

/// The JS string for a property name. Short names are made once and kept (passing a
/// string into JS decodes its UTF-8 every time, which dominated small tool calls).
pub fn js_key(name: &str) -> JsValue {
    if name.len() > KEY_MAX_LEN {
        return JsValue::from_str(name);
    }
    KEYS.with(|keys| {
        if let Some(k) = keys.borrow().get(name) {
            return k.clone();
        }
        let k = JsValue::from_str(name);
        let mut keys = keys.borrow_mut();
        if keys.len() < KEY_MAX_COUNT {
            keys.insert(name.to_string(), k.clone());
        }
        k
    })
}

/// Sets `obj[key] = value` (cannot fail on a fresh plain object).
pub fn set(obj: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &js_key(name), value);
}

fn set_index(array: &JsValue, i: usize, value: &JsValue) {
    let _ = Reflect::set_u32(array, i as u32, value);
}

/// The JS value of a scalar, or an empty array/object for a container (filled later).
fn value_shell(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) => int_to_js(*i),
        Value::Float(f) => JsValue::from_f64(*f),
        Value::Str(s) => JsValue::from_str(s),
        Value::Tag(t) => JsValue::from_str(&t.name),
        Value::Func(f) => JsValue::from_str(&format!("<fn {}>", f.name)),
        Value::List(xs) | Value::Tuple(xs) => Array::new_with_length(xs.len() as u32).into(),
        Value::Map(_) | Value::Record(_) | Value::Variant(_) | Value::Ok(_) | Value::Err(_) => {
            Object::new().into()
        }
    }
}

fn is_value_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Map(_)
            | Value::Record(_)
            | Value::Variant(_)
            | Value::Ok(_)
            | Value::Err(_)
    )
}

/// Converts a Lumen value to a plain JavaScript value.
pub fn value_to_js(v: &Value) -> JsValue {
    let root = value_shell(v);
    let mut work: Vec<(&Value, JsValue)> = Vec::new();
    if is_value_container(v) {
        work.push((v, root.clone()));
    }
    while let Some((v, into)) = work.pop() {
        // Puts the shell of `x` at `key` of `target` and queues `x` when it has children.
        let put = |target: &JsValue, key: Key, x: &'_ Value| -> Option<JsValue> {
            let shell = value_shell(x);
            match key {
                Key::Index(i) => set_index(target, i, &shell),
                Key::Name(name) => {
                    let _ = Reflect::set(target, &js_key(name), &shell);
                }
            }
            is_value_container(x).then_some(shell)
        };
        let mut children: Vec<(&Value, JsValue)> = Vec::new();
        match v {
            Value::List(xs) | Value::Tuple(xs) => {
                for (i, x) in xs.iter().enumerate() {
                    if let Some(s) = put(&into, Key::Index(i), x) {
                        children.push((x, s));
                    }
                }
            }
            Value::Map(m) => {
                for (k, x) in m.iter() {
                    let key = match k {
                        MapKey::Int(i) => i.to_string(),
                        MapKey::Str(s) => s.to_string(),
                    };
                    if let Some(s) = put(&into, Key::Name(&key), x) {
                        children.push((x, s));
                    }
                }
            }
            Value::Record(r) => {
                for (name, x) in r.ty.fields.iter().zip(r.fields.as_slice()) {
                    if let Some(s) = put(&into, Key::Name(name), x) {
                        children.push((x, s));
                    }
                }
            }
            Value::Variant(var) => {
                let payload = var.payload.as_slice();
                let named = var.info.fields.iter().all(Option::is_some);
                let inner: JsValue = if named {
                    Object::new().into()
                } else {
                    Array::new_with_length(payload.len() as u32).into()
                };
                let _ = Reflect::set(&into, &js_key(&var.info.name), &inner);
                for (i, x) in payload.iter().enumerate() {
                    let key = if named {
                        Key::Name(
                            var.info
                                .fields
                                .get(i)
                                .and_then(Option::as_deref)
                                .unwrap_or(""),
                        )
                    } else {
                        Key::Index(i)
                    };
                    if let Some(s) = put(&inner, key, x) {
                        children.push((x, s));
                    }
                }
            }
            Value::Ok(x) | Value::Err(x) => {
                let key = if matches!(v, Value::Ok(_)) {
                    "ok"
                } else {
                    "err"
                };
                if let Some(s) = put(&into, Key::Name(key), x) {
                    children.push((x, s));
                }
            }
            _ => {}
        }
        work.extend(children);
    }
    root
}

/// Where a converted child goes in its parent.
enum Key<'a> {
    Index(usize),
    Name(&'a str),
}

fn json_shell(j: &serde_json::Value) -> JsValue {
    use serde_json::Value as J;
    match j {
        J::Null => JsValue::NULL,
        J::Bool(b) => JsValue::from_bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => int_to_js(i),
            None => JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => JsValue::from_str(s),
        J::Array(xs) => Array::new_with_length(xs.len() as u32).into(),
        J::Object(_) => Object::new().into(),
    }
}

/// Converts JSON to a JavaScript value (integers beyond the safe range become BigInt;
/// object keys keep their order).
pub fn json_to_js(j: &serde_json::Value) -> JsValue {
    use serde_json::Value as J;
    let root = json_shell(j);
    let mut work: Vec<(&J, JsValue)> = Vec::new();
    if matches!(j, J::Array(_) | J::Object(_)) {
        work.push((j, root.clone()));
    }
    while let Some((j, into)) = work.pop() {
        match j {
            J::Array(xs) => {
                for (i, x) in xs.iter().enumerate() {
                    let shell = json_shell(x);
                    set_index(&into, i, &shell);
                    if matches!(x, J::Array(_) | J::Object(_)) {
                        work.push((x, shell));
                    }
                }
            }
            J::Object(m) => {
                for (k, x) in m {
                    let shell = json_shell(x);
                    let _ = Reflect::set(&into, &js_key(k), &shell);
                    if matches!(x, J::Array(_) | J::Object(_)) {
                        work.push((x, shell));
                    }
                }
            }
            _ => {}
        }
    }
    root
}

/// Why a JavaScript value has no JSON form, and where in the value (`$.a[2]`).
#[derive(Debug)]
pub struct NotJson {
    what: String,
    /// Path segments from the innermost outwards (`[2]`, `.a`).
    path: Vec<String>,
}

impl NotJson {
    fn new(what: impl Into<String>) -> NotJson {
        NotJson {
            what: what.into(),
            path: Vec::new(),
        }
    }

    fn within(mut self, segment: String) -> NotJson {
        self.path.push(segment);
        self
    }
}

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path: String = self.path.iter().rev().map(String::as_str).collect();
        write!(f, "{} at `${path}`", self.what)
    }
}

/// The JavaScript built-ins the conversion calls, looked up once per instance.
struct Builtins {
    keys: Option<Function>,
    tag: Option<Function>,
    /// `"[object Object]"` and `"[object Array]"`, the common tags, compared without
    /// decoding them.
    object_tag: JsValue,
    array_tag: JsValue,
}

impl Builtins {
    fn new() -> Builtins {
        let object = Reflect::get(&js_sys::global(), &JsValue::from_str("Object")).ok();
        let keys = object
            .as_ref()
            .and_then(|o| Reflect::get(o, &JsValue::from_str("keys")).ok())
            .and_then(|f| f.dyn_into::<Function>().ok());
        let tag = object
            .as_ref()
            .and_then(|o| Reflect::get(o, &JsValue::from_str("prototype")).ok())
            .and_then(|p| Reflect::get(&p, &JsValue::from_str("toString")).ok())
            .and_then(|f| f.dyn_into::<Function>().ok());
        Builtins {
            keys,
            tag,
            object_tag: JsValue::from_str("[object Object]"),
            array_tag: JsValue::from_str("[object Array]"),
        }
    }

    /// `Object.prototype.toString.call(v)` without its `[object ` `]` (`Map`, `Object`).
    fn tag_of(&self, v: &JsValue) -> Result<String, NotJson> {
        let Some(f) = &self.tag else {
            return Ok("Object".into());
        };
        let tag = f.call0(v).map_err(|e| {
            NotJson::new(format!(
                "an object whose type check threw ({})",
                error_message(&e)
            ))
        })?;
        if tag == self.object_tag {
            return Ok("Object".into());
        }
        if tag == self.array_tag {
            return Ok("Array".into());
        }
        let s = tag.as_string().unwrap_or_default();
        Ok(s.strip_prefix("[object ")
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or("Object")
            .to_string())
    }

    /// `Object.keys(v)` (each key as a JS string and as text), with a throwing Proxy trap
    /// as an error.
    fn keys_of(&self, v: &JsValue) -> Result<Vec<(JsValue, String)>, NotJson> {
        let keys = match &self.keys {
            Some(f) => f.call1(&JsValue::UNDEFINED, v).map_err(|e| {
                NotJson::new(format!(
                    "an object whose keys threw ({})",
                    error_message(&e)
                ))
            })?,
            None => return Ok(Vec::new()),
        };
        let keys: Array = keys.dyn_into().unwrap_or_default();
        Ok(keys
            .iter()
            .filter_map(|k| k.as_string().map(|s| (k, s)))
            .collect())
    }
}

/// `a` and `an` for messages.
fn article(name: &str) -> String {
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    if vowel {
        format!("an {name}")
    } else {
        format!("a {name}")
    }
}

/// `Object.prototype.toString` tags of built-in objects whose data JSON cannot carry
/// (JSON.stringify would make most of them `{}`).
const NOT_JSON_TAGS: &[&str] = &[
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "FinalizationRegistry",
    "Promise",
    "RegExp",
    "Error",
    "ArrayBuffer",
    "SharedArrayBuffer",
    "DataView",
    "Generator",
    "AsyncGenerator",
    "Symbol",
];

/// Converts a JavaScript value to JSON (see the module docs), or says why it cannot.
pub fn js_to_json(v: &JsValue) -> Result<serde_json::Value, NotJson> {
    BUILTINS.with(|builtins| {
        let mut ancestors = Vec::new();
        convert(builtins, v, &js_key(""), 0, &mut ancestors)
    })
}

fn get_property(obj: &JsValue, key: &JsValue) -> Result<JsValue, NotJson> {
    Reflect::get(obj, key)
        .map_err(|e| NotJson::new(format!("reading the property threw: {}", error_message(&e))))
}

fn convert(
    b: &Builtins,
    v: &JsValue,
    key: &JsValue,
    depth: usize,
    ancestors: &mut Vec<JsValue>,
) -> Result<serde_json::Value, NotJson> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err(NotJson::new(format!(
            "a value nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let mut v = v.clone();
    // toJSON first, as JSON.stringify does (Date and user classes).
    if v.is_object() {
        let to_json = get_property(&v, &js_key("toJSON"))?;
        if let Some(f) = to_json.dyn_ref::<Function>() {
            v = f
                .call1(&v, key)
                .map_err(|e| NotJson::new(format!("toJSON() threw: {}", error_message(&e))))?;
        }
    }
    if v.is_null() || v.is_undefined() {
        return Ok(J::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(J::Bool(b));
    }
    if let Some(f) = v.as_f64() {
        return Ok(number(f));
    }
    if let Some(s) = v.as_string() {
        return Ok(J::String(s));
    }
    if v.is_bigint() {
        return i64::try_from(v.clone())
            .map(J::from)
            .map_err(|_| NotJson::new("a BigInt that does not fit in a 64-bit Int"));
    }
    if v.is_function() {
        return Err(NotJson::new("a function (JSON has no functions)"));
    }
    if v.is_symbol() {
        return Err(NotJson::new("a symbol (JSON has no symbols)"));
    }
    if !v.is_object() {
        return Err(NotJson::new("a value that is not JSON-compatible"));
    }
    if ancestors.iter().any(|a| a == &v) {
        return Err(NotJson::new(
            "a cyclic reference (the value contains itself)",
        ));
    }
    let tag = b.tag_of(&v)?;
    let out = match tag.as_str() {
        // Boxed primitives: their primitive value.
        "Number" | "String" | "Boolean" | "BigInt" => {
            let value_of = get_property(&v, &js_key("valueOf"))?;
            let prim = match value_of.dyn_ref::<Function>() {
                Some(f) => f
                    .call0(&v)
                    .map_err(|e| NotJson::new(format!("valueOf() threw: {}", error_message(&e))))?,
                None => JsValue::NULL,
            };
            if prim.is_object() {
                return Err(NotJson::new(format!("a {tag} object")));
            }
            return convert(b, &prim, key, depth, ancestors);
        }
        "Array" | "Arguments" => {
            let len = get_property(&v, &js_key("length"))?.as_f64().unwrap_or(0.0) as u32;
            ancestors.push(v.clone());
            let mut items = Vec::with_capacity(len.min(1 << 16) as usize);
            for i in 0..len {
                let x = Reflect::get_u32(&v, i).map_err(|e| {
                    NotJson::new(format!("reading the element threw: {}", error_message(&e)))
                        .within(format!("[{i}]"))
                })?;
                let item = convert(b, &x, &js_key(&i.to_string()), depth + 1, ancestors)
                    .map_err(|e| e.within(format!("[{i}]")))?;
                items.push(item);
            }
            ancestors.pop();
            J::Array(items)
        }
        _ if js_sys::ArrayBuffer::is_view(&v) && tag != "DataView" => {
            // Typed arrays: an array of their numbers (JSON.stringify would give an object
            // with index keys).
            let items = Array::from(&v);
            let mut out = Vec::with_capacity(items.length() as usize);
            for x in items.iter() {
                if let Some(f) = x.as_f64() {
                    out.push(number(f));
                } else {
                    out.push(convert(
                        b,
                        &x,
                        &JsValue::from_str(""),
                        depth + 1,
                        ancestors,
                    )?);
                }
            }
            J::Array(out)
        }
        _ if !NOT_JSON_TAGS.contains(&tag.as_str()) => {
            // Plain objects, class instances and anything else with a tag of its own.
            ancestors.push(v.clone());
            let mut map = serde_json::Map::new();
            for (k, name) in b.keys_of(&v)? {
                let segment = || property_segment(&name);
                let x = get_property(&v, &k).map_err(|e| e.within(segment()))?;
                if x.is_undefined() {
                    continue;
                }
                let item =
                    convert(b, &x, &k, depth + 1, ancestors).map_err(|e| e.within(segment()))?;
                map.insert(name, item);
            }
            ancestors.pop();
            J::Object(map)
        }
        other => {
            let hint = match other {
                "Map" => " (convert it, e.g. with Object.fromEntries(map))",
                "Set" => " (convert it, e.g. with Array.from(set))",
                "Promise" => " (await it)",
                _ => "",
            };
            return Err(NotJson::new(format!(
                "{}, which JSON cannot represent{hint}",
                article(other)
            )));
        }
    };
    Ok(out)
}

/// `.name`, or `["odd key"]` for a key that is not an identifier.
fn property_segment(name: &str) -> String {
    let ident = !name.is_empty()
        && name.chars().enumerate().all(|(i, c)| {
            c == '_' || c == '$' || c.is_alphabetic() || (i > 0 && c.is_ascii_digit())
        });
    if ident {
        format!(".{name}")
    } else {
        format!("[{}]", serde_json::Value::String(name.to_string()))
    }
}

/// A JS number as JSON: integers within the safe range are JSON integers, NaN and ±Infinity
/// are null (as in JSON.stringify).
fn number(f: f64) -> serde_json::Value {
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE as f64 {
        return serde_json::Value::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The message of a thrown JavaScript value: `error.message` for errors, else its text.
pub fn error_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let m: String = err.message().into();
        if !m.is_empty() {
            return m;
        }
    }
    if let Some(s) = e.as_string() {
        return s;
    }
    if e.is_object() {
        if let Ok(m) = Reflect::get(e, &JsValue::from_str("message")) {
            if let Some(s) = m.as_string() {
                return s;
            }
        }
    }
    if let Ok(s) = js_sys::JSON::stringify(e) {
        if let Some(s) = s.as_string() {
            return s;
        }
    }
    "unknown error".to_string()
}
