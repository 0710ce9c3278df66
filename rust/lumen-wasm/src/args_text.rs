//! A tool call's arguments as JSON text, for the `plain` helper's `JSON.parse` (one string
//! across the boundary instead of one crossing per property). Written from the program's
//! value directly: no `serde_json::Value` is built for a call that takes this path.
//!
//! The text is made only when `JSON.parse` of it gives what the general path
//! (`js::json_to_js` of [`ToolArgs::to_json`]) gives; anything else returns `None` and
//! takes that path:
//! - every Int within ±[`MAX_SAFE`] (beyond, the general path makes a BigInt);
//! - no object key `__proto__` (`JSON.parse` makes it an own property, the general path
//!   too, but through a different route: not worth the doubt);
//! - no Int map key (a map with keys `1` and `"1"` has one JSON key; left to the general
//!   path, which converts the `serde_json` object);
//! - the text within the VM's string limit.
//!
//! Floats are written with the shortest digits that read back as the same `f64`, so
//! `JSON.parse` gives the same number; `inf`/`nan` are `null` on both paths.

use lumen_vm::json;
use lumen_vm::map::MapKey;
use lumen_vm::value::Value;
use lumen_vm::ToolArgs;

/// The largest integer JavaScript numbers hold exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// The JSON text of `args` when `JSON.parse` reads it back as the general path converts
/// them (see the module docs), else `None`.
pub fn args_text(args: &ToolArgs) -> Option<String> {
    if !parses_the_same(args.value()) {
        return None;
    }
    json::to_json_string(args.value()).ok()
}

/// Whether the JSON text of `v` parses in JavaScript to what the general path makes.
/// (Recursive: [`ToolArgs`] are at most `MAX_NESTING` deep.)
fn parses_the_same(v: &Value) -> bool {
    const PROTO: &str = "__proto__";
    match v {
        Value::Int(i) => (-MAX_SAFE..=MAX_SAFE).contains(i),
        Value::List(xs) | Value::Tuple(xs) => xs.iter().all(parses_the_same),
        Value::Map(m) => m.iter().all(|(k, x)| match k {
            MapKey::Int(_) => false,
            MapKey::Str(k) => k.as_str() != PROTO && parses_the_same(x),
        }),
        Value::Record(r) => {
            r.ty.fields.iter().all(|f| f != PROTO)
                && r.fields.as_slice().iter().all(parses_the_same)
        }
        Value::Variant(var) => {
            var.info.name != PROTO
                && var.info.fields.iter().all(|f| f.as_deref() != Some(PROTO))
                && var.payload.as_slice().iter().all(parses_the_same)
        }
        Value::Ok(x) | Value::Err(x) => parses_the_same(x),
        Value::Null
        | Value::Bool(_)
        | Value::Float(_)
        | Value::Str(_)
        | Value::Tag(_)
        | Value::Func(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(j: serde_json::Value) -> ToolArgs {
        ToolArgs::from_json(&j).expect("within the limits")
    }

    #[test]
    fn plain_arguments_are_their_json() {
        for j in [
            serde_json::json!({"text": "a"}),
            serde_json::json!({"url": "https://a.example/?q=\"x\"\n", "n": -3, "f": 1.5e-7}),
            serde_json::json!({"xs": [1, [2, {"deep": null}], true], "big": MAX_SAFE, "neg": -MAX_SAFE}),
            serde_json::json!({"ctl": "\u{1}\u{7f}\u{2028}", "f": 1e300, "z": -0.0, "i": 2.0}),
            serde_json::json!({}),
        ] {
            let a = args(j);
            let text = args_text(&a).expect("plain");
            let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(back, a.to_json(), "{text}");
        }
    }

    #[test]
    fn other_arguments_take_the_general_path() {
        for j in [
            serde_json::json!({"big": MAX_SAFE + 1}),
            serde_json::json!({"xs": [{"small": i64::MIN}]}),
            serde_json::json!({"__proto__": {"polluted": true}}),
            serde_json::json!({"nested": {"__proto__": 1}}),
        ] {
            assert_eq!(args_text(&args(j.clone())), None, "{j}");
        }
    }
}
