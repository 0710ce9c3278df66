//! The named arguments of one tool call, as the VM hands them to the host: the program's
//! own value, shared (a reference count, no copy), checked once against the limits of
//! tool arguments, read in place by the grant gate, and converted to JSON only by the host
//! that needs JSON.
//!
//! Every reading gives what the JSON conversion (`json` module docs) would give:
//! [`ToolArgs::string`] is `to_json()[name]` when that is a JSON string, so the gate checks
//! exactly the text the provider receives.

use std::borrow::Cow;

use crate::arith::Fault;
use crate::json;
use crate::map::{KeyRef, MapKey};
use crate::value::Value;

/// The arguments of a tool call (a map of the named arguments, for a VM's request).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolArgs {
    value: Value,
}

impl ToolArgs {
    /// The arguments `value`: E0916 / E0914 when its JSON would be nested too deep or too
    /// large (the limits of [`json::check_serde`]).
    pub fn new(value: Value) -> Result<ToolArgs, Fault> {
        json::check_serde(&value)?;
        Ok(ToolArgs { value })
    }

    /// The arguments of a JSON value (objects become maps, see [`json::from_serde`]): for
    /// hosts and tests that have JSON in hand.
    pub fn from_json(j: &serde_json::Value) -> Result<ToolArgs, Fault> {
        ToolArgs::new(json::from_serde(j))
    }

    /// The arguments as the program's value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The arguments as JSON (the `json` module's mapping).
    pub fn to_json(&self) -> serde_json::Value {
        json::to_serde_checked(&self.value)
    }

    /// The argument `name` when it converts to a JSON string: a String, a payload-less
    /// variant (its name) or a function (`<fn name>`). Where JSON conversion would give an
    /// object two equal keys (an Int key `1` and a String key `"1"`, or a repeated record
    /// field), the last one counts, as in the converted object.
    pub fn string(&self, name: &str) -> Option<Cow<'_, str>> {
        let found = match &self.value {
            Value::Map(m) => {
                let as_int = name
                    .parse::<i64>()
                    .ok()
                    .filter(|i| itoa::Buffer::new().format(*i) == name);
                match as_int {
                    None => m.get(KeyRef::Str(name)),
                    Some(i) => m.entries().iter().rev().find_map(|(k, v)| match k {
                        MapKey::Int(k) if *k == i => Some(v),
                        MapKey::Str(k) if k.as_str() == name => Some(v),
                        _ => None,
                    }),
                }
            }
            Value::Record(r) => {
                r.ty.fields
                    .iter()
                    .zip(r.fields.as_slice())
                    .rev()
                    .find_map(|(field, v)| (field == name).then_some(v))
            }
            Value::Ok(x) if name == "ok" => Some(&x.0),
            Value::Err(x) if name == "err" => Some(&x.0),
            _ => None,
        }?;
        match found {
            Value::Str(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Tag(t) => Some(Cow::Borrowed(t.name.as_str())),
            Value::Func(f) => Some(Cow::Owned(format!("<fn {}>", f.name))),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "tool_args_tests.rs"]
mod tests;
