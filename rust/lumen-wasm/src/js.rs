//! Conversions between JavaScript values and Lumen / JSON values (wasm32 only).
//!
//! Lumen → JS (`RunResult.value`): null → null, Bool → boolean, Int → number when
//! |n| ≤ `Number.MAX_SAFE_INTEGER`, else BigInt; Float → number; String → string;
//! list/tuple → array; map/record → plain object (map keys as strings); variants like the
//! VM's JSON conversion (`{"Name": payload}` / `"Name"`); ok/err → `{ok: v}` / `{err: e}`;
//! functions → `"<fn name>"`. JSON → JS (tool arguments) uses the same number rule.
//!
//! JS → JSON (tool results, cell arguments): null/undefined → null, booleans, strings,
//! numbers (integers within the safe range become JSON integers), BigInt within i64,
//! arrays, and objects by their own enumerable string keys. Functions, symbols, cycles and
//! nesting deeper than 512 levels are errors.

use js_sys::{Array, Object, Reflect};
use lumen_vm::map::MapKey;
use lumen_vm::value::Value;
use wasm_bindgen::{JsCast, JsValue};

/// Nesting beyond which conversion stops (protects the stack; also catches cycles).
const MAX_DEPTH: usize = 512;

/// 2^53 - 1.
const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// A JS number or BigInt for an integer.
pub fn int_to_js(i: i64) -> JsValue {
    if (-MAX_SAFE..=MAX_SAFE).contains(&i) {
        JsValue::from_f64(i as f64)
    } else {
        JsValue::from(i)
    }
}

/// Sets `obj[key] = value` (cannot fail on a fresh plain object).
pub fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Converts a Lumen value to a plain JavaScript value.
pub fn value_to_js(v: &Value) -> JsValue {
    value_depth(v, 0)
}

fn value_depth(v: &Value, depth: usize) -> JsValue {
    if depth > MAX_DEPTH {
        return JsValue::NULL;
    }
    let array = |xs: &[Value]| -> JsValue {
        let a = Array::new_with_length(xs.len() as u32);
        for (i, x) in xs.iter().enumerate() {
            a.set(i as u32, value_depth(x, depth + 1));
        }
        a.into()
    };
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) => int_to_js(*i),
        Value::Float(f) => JsValue::from_f64(*f),
        Value::Str(s) => JsValue::from_str(s),
        Value::List(xs) | Value::Tuple(xs) => array(xs),
        Value::Map(m) => {
            let o = Object::new();
            for (k, x) in m.iter() {
                let key = match k {
                    MapKey::Int(i) => i.to_string(),
                    MapKey::Str(s) => s.to_string(),
                };
                set(&o, &key, &value_depth(x, depth + 1));
            }
            o.into()
        }
        Value::Record(r) => {
            let o = Object::new();
            for (name, x) in r.ty.fields.iter().zip(r.fields.as_slice()) {
                set(&o, name, &value_depth(x, depth + 1));
            }
            o.into()
        }
        Value::Variant(var) => {
            let payload = var.payload.as_slice();
            let inner = if var.info.fields.iter().all(Option::is_some) {
                let o = Object::new();
                for (name, x) in var.info.fields.iter().zip(payload) {
                    set(
                        &o,
                        name.as_deref().unwrap_or(""),
                        &value_depth(x, depth + 1),
                    );
                }
                o.into()
            } else {
                array(payload)
            };
            let o = Object::new();
            set(&o, &var.info.name, &inner);
            o.into()
        }
        Value::Tag(t) => JsValue::from_str(&t.name),
        Value::Ok(x) | Value::Err(x) => {
            let o = Object::new();
            let key = if matches!(v, Value::Ok(_)) {
                "ok"
            } else {
                "err"
            };
            set(&o, key, &value_depth(x, depth + 1));
            o.into()
        }
        Value::Func(f) => JsValue::from_str(&format!("<fn {}>", f.name)),
    }
}

/// Converts JSON to a JavaScript value (integers beyond the safe range become BigInt).
pub fn json_to_js(j: &serde_json::Value) -> JsValue {
    use serde_json::Value as J;
    match j {
        J::Null => JsValue::NULL,
        J::Bool(b) => JsValue::from_bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => int_to_js(i),
            None => JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => JsValue::from_str(s),
        J::Array(xs) => {
            let a = Array::new_with_length(xs.len() as u32);
            for (i, x) in xs.iter().enumerate() {
                a.set(i as u32, json_to_js(x));
            }
            a.into()
        }
        J::Object(m) => {
            let o = Object::new();
            for (k, x) in m {
                set(&o, k, &json_to_js(x));
            }
            o.into()
        }
    }
}

/// Converts a JavaScript value to JSON (see the module docs), or says why it cannot.
pub fn js_to_json(v: &JsValue) -> Result<serde_json::Value, String> {
    js_depth(v, 0)
}

fn js_depth(v: &JsValue, depth: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err("the value is nested too deeply (or is cyclic)".into());
    }
    if v.is_null() || v.is_undefined() {
        return Ok(J::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(J::Bool(b));
    }
    if let Some(f) = v.as_f64() {
        if f.fract() == 0.0 && f.abs() <= MAX_SAFE as f64 {
            return Ok(J::from(f as i64));
        }
        return Ok(serde_json::Number::from_f64(f).map_or(J::Null, J::Number));
    }
    if let Some(s) = v.as_string() {
        return Ok(J::String(s));
    }
    if v.is_bigint() {
        return i64::try_from(v.clone())
            .map(J::from)
            .map_err(|_| "a BigInt does not fit in a 64-bit Int".to_string());
    }
    if v.is_function() || v.is_symbol() {
        return Err("functions and symbols are not JSON values".into());
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        let mut out = Vec::with_capacity(a.length() as usize);
        for x in a.iter() {
            out.push(js_depth(&x, depth + 1)?);
        }
        return Ok(J::Array(out));
    }
    if let Some(obj) = v.dyn_ref::<Object>() {
        // Typed arrays and similar become arrays of their elements via Array.from.
        if js_sys::ArrayBuffer::is_view(v) {
            return js_depth(&Array::from(v).into(), depth);
        }
        let mut out = serde_json::Map::new();
        for key in Object::keys(obj).iter() {
            let Some(name) = key.as_string() else {
                continue;
            };
            let x = Reflect::get(obj, &key).unwrap_or(JsValue::UNDEFINED);
            if x.is_undefined() || x.is_function() {
                continue;
            }
            out.insert(name, js_depth(&x, depth + 1)?);
        }
        return Ok(J::Object(out));
    }
    Err("the value is not JSON-compatible".into())
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
    if let Ok(m) = Reflect::get(e, &JsValue::from_str("message")) {
        if let Some(s) = m.as_string() {
            return s;
        }
    }
    js_sys::JSON::stringify(e)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}
