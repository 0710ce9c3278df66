//! The type model: a WIT value type as a Lumen program uses it ([`CType`]), and the
//! signatures of a program's exports and imports ([`ExportSig`], [`ImportSig`]).

use serde::{Deserialize, Serialize};

/// How deeply a [`CType`] may nest. Every function of this crate that walks a type or a
/// value first checks the type against it ([`check_depth`]), so no recursion goes deeper.
/// 256 is over twice the compiler's type depth (100) and keeps the deepest value's
/// lifting within a 1 MiB stack even in a debug build (about 3 KiB a level there).
pub const MAX_DEPTH: usize = 256;

/// A WIT value type as a Lumen program uses it, with the Lumen names the JSON side needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CType {
    /// WIT `bool`; JSON: a boolean.
    Bool,
    /// WIT `s64` (Lumen `Int`); JSON: an integer.
    S64,
    /// WIT `f64` (Lumen `Float`); JSON: a number (`null` for NaN and the infinities, as the
    /// VM's own JSON).
    F64,
    /// WIT `string`; JSON: a string.
    String,
    /// `string` holding JSON text; JSON side: any JSON value (Lumen `Json`).
    Json,
    /// WIT `list<T>`; JSON: an array.
    List(Box<CType>),
    /// WIT `list<tuple<K, V>>`; JSON side: an object (Int keys as their decimal text).
    Map {
        /// [`CType::String`] or [`CType::S64`].
        key: Box<CType>,
        value: Box<CType>,
    },
    /// WIT `tuple<...>`; JSON: an array.
    Tuple(Vec<CType>),
    /// JSON: object of the fields (Lumen field names).
    Record {
        /// The Lumen record name.
        name: String,
        fields: Vec<(String, CType)>,
    },
    /// A Lumen enum. JSON: payload-less case → "Name"; named fields → {"Name": {f: v}};
    /// positional fields → {"Name": [v, ...]} (an array even for one field).
    Variant {
        /// The Lumen enum name.
        name: String,
        cases: Vec<Case>,
    },
    /// WIT `option<T>`; JSON: value or null.
    Option(Box<CType>),
    /// JSON: {"ok": v} / {"err": e} (null for an absent payload).
    Result {
        ok: Option<Box<CType>>,
        err: Option<Box<CType>>,
    },
}

/// One case of a [`CType::Variant`] (a Lumen enum variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The Lumen variant name.
    pub name: String,
    pub payload: Payload,
}

/// The payload of a variant case. Its WIT type: `Named` → a WIT `record` (named
/// `<enum>-<case>` in the WIT text); `Positional` with one field → that type; several → a
/// `tuple`. In every case the layout is that of a record of the fields in order (a
/// one-element tuple is laid out like its element).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    /// No payload (also what an empty `Positional` or `Named` list means).
    None,
    /// `Circle(radius: Float)`.
    Named(Vec<(String, CType)>),
    /// `Pair(Int, Int)`.
    Positional(Vec<CType>),
}

impl Payload {
    /// The payload's field types in order (empty for no payload).
    pub fn types(&self) -> Vec<&CType> {
        match self {
            Payload::None => Vec::new(),
            Payload::Named(fs) => fs.iter().map(|(_, t)| t).collect(),
            Payload::Positional(ts) => ts.iter().collect(),
        }
    }

    /// True when the case carries no value.
    pub fn is_empty(&self) -> bool {
        match self {
            Payload::None => true,
            Payload::Named(fs) => fs.is_empty(),
            Payload::Positional(ts) => ts.is_empty(),
        }
    }
}

/// A parameter of an export or an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The Lumen parameter name (the key in the VM's named-argument object).
    pub name: String,
    pub ty: CType,
}

/// An exported cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSig {
    /// The Lumen cell name.
    pub cell: String,
    /// The WIT function name (kebab-case).
    pub wit_name: String,
    pub params: Vec<Param>,
    /// `None`: the function has no result (the cell returns `Null` or never returns).
    pub result: Option<CType>,
}

/// An imported function (a tool, or the generic `call`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSig {
    /// The tool's qualified name (`llm.chat`); empty for the generic `call`.
    pub qualified: String,
    /// The WIT interface name the function is in (`llm`, `host`).
    pub wit_interface: String,
    /// The WIT function name (`chat`, `call`).
    pub wit_func: String,
    pub params: Vec<Param>,
    pub result: Option<CType>,
}

impl ImportSig {
    /// Import 0 of every program: `call(name: string, args: string) -> result<string,
    /// string>` in interface `host`, through which every untyped tool goes.
    pub fn generic_call() -> ImportSig {
        ImportSig {
            qualified: String::new(),
            wit_interface: "host".into(),
            wit_func: "call".into(),
            params: vec![
                Param {
                    name: "name".into(),
                    ty: CType::String,
                },
                Param {
                    name: "args".into(),
                    ty: CType::String,
                },
            ],
            result: Some(CType::Result {
                ok: Some(Box::new(CType::String)),
                err: Some(Box::new(CType::String)),
            }),
        }
    }
}

/// The nesting depth of a type (a scalar is 1), computed without recursion; `Err` with the
/// message when it exceeds [`MAX_DEPTH`].
pub fn check_depth(ty: &CType) -> Result<usize, crate::AbiError> {
    let mut stack: Vec<(&CType, usize)> = vec![(ty, 1)];
    let mut max = 0;
    while let Some((t, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return Err(crate::AbiError::new(format!(
                "type nests deeper than {MAX_DEPTH} levels"
            )));
        }
        max = max.max(d);
        match t {
            CType::Bool | CType::S64 | CType::F64 | CType::String | CType::Json => {}
            CType::List(e) | CType::Option(e) => stack.push((e, d + 1)),
            CType::Map { key, value } => {
                stack.push((key, d + 1));
                stack.push((value, d + 1));
            }
            CType::Tuple(ts) => stack.extend(ts.iter().map(|t| (t, d + 1))),
            CType::Record { fields, .. } => stack.extend(fields.iter().map(|(_, t)| (t, d + 1))),
            CType::Variant { cases, .. } => {
                for c in cases {
                    stack.extend(c.payload.types().into_iter().map(|t| (t, d + 2)));
                }
            }
            CType::Result { ok, err } => {
                stack.extend(ok.iter().chain(err.iter()).map(|t| (&**t, d + 1)));
            }
        }
    }
    Ok(max)
}

impl CType {
    /// A short description for error messages (`s64`, `record Point`, `list<...>`).
    pub fn describe(&self) -> String {
        match self {
            CType::Bool => "bool".into(),
            CType::S64 => "s64 (Int)".into(),
            CType::F64 => "f64 (Float)".into(),
            CType::String => "string".into(),
            CType::Json => "JSON text".into(),
            CType::List(_) => "list".into(),
            CType::Map { .. } => "map (an object)".into(),
            CType::Tuple(ts) => format!("tuple of {}", ts.len()),
            CType::Record { name, .. } => format!("record {name}"),
            CType::Variant { name, .. } => format!("enum {name}"),
            CType::Option(_) => "option".into(),
            CType::Result { .. } => "result ({\"ok\": ..} or {\"err\": ..})".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue12_item1_type_depth_is_checked_without_recursion() {
        let mut t = CType::S64;
        for _ in 0..100_000 {
            t = CType::List(Box::new(t));
        }
        // Dropping a 100 000-deep Box chain recurses; the check itself must not.
        let r = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let r = check_depth(&t).map_err(|e| e.to_string());
                std::mem::forget(t);
                r
            })
            .map(|h| h.join());
        match r {
            Ok(Ok(Err(msg))) => assert!(msg.contains("deeper than 256"), "{msg}"),
            other => panic!("expected a depth error, got {other:?}"),
        }
        let ok = CType::Option(Box::new(CType::List(Box::new(CType::S64))));
        assert_eq!(check_depth(&ok).map_err(|e| e.to_string()), Ok(3));
    }
}
