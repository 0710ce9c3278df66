//! Lifting and lowering by interpretation: values of a [`CType`] between their canonical-ABI
//! form (flat core values and linear memory) and `serde_json::Value` (the VM's side).
//!
//! Memory: [`load`] and [`store`] (the canonical ABI `load`/`store`); flat values:
//! `lift_flat`/`lower_flat` (private) with the variant `join` coercions; the function
//! boundary: [`lift_params`], [`lower_result`] (an export, called by the host) and
//! [`lower_params`], [`lift_result`] (an import, called by the program).
//!
//! Slots carry flat core values as raw bits: an `i32` zero-extended, an `i64` as is, an
//! `f64` as its bits. In that form the canonical ABI's variant coercions on lowering
//! (`f32`→`i32` reinterpretation, `i32`→`i64` extension, `f64`→`i64` reinterpretation) are
//! the identity, and on lifting an `i32` case value is the low 32 bits of its slot.
//!
//! Guards (a hostile host cannot crash or exhaust us): every entry point checks the type's
//! depth ([`crate::check_depth`]), so the recursion here is bounded by [`crate::MAX_DEPTH`];
//! lists hold at most [`MAX_LIST_ELEMENTS`], strings at most [`MAX_STRING_BYTES`]; pointers
//! and lengths are checked against the memory (and alignment) before anything is read or
//! allocated; invalid UTF-8 and JSON text are errors.

use crate::layout::{
    case_count, case_fields, discriminant_size, field_offsets, flat_count, flatten_all, joined_len,
    payload_offset, placed, record_size_align, size_align, Flat, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
use crate::types::{check_depth, CType, Case, Param, Payload};
use crate::{AbiError, Memory};
use serde_json::{Map, Number, Value};

/// The most elements a list (or map) may have: the VM's cap.
pub const MAX_LIST_ELEMENTS: u32 = 1 << 24;
/// The most bytes a string (or JSON text) may have: the VM's cap.
pub const MAX_STRING_BYTES: u32 = 1 << 28;

// ---------------------------------------------------------------------------------------
// The function boundary.

/// Export params: slots are the flat core values as raw bits (i32 zero-extended, f32/f64 bits),
/// or ONE slot holding a pointer to the params tuple in memory when they flatten to > 16.
pub fn lift_params(
    params: &[Param],
    slots: &[u64],
    mem: &impl Memory,
) -> Result<Vec<Value>, AbiError> {
    for p in params {
        check_depth(&p.ty).map_err(|e| e.context(param_label(p)))?;
    }
    let flat: usize = params.iter().map(|p| flat_count(&p.ty)).sum();
    if flat > MAX_FLAT_PARAMS {
        let ptr = one_slot(slots, "the parameters' pointer")?;
        let tys: Vec<&CType> = params.iter().map(|p| &p.ty).collect();
        check_place(ptr, &tys, mem).map_err(|e| e.context("parameters"))?;
        let offsets = field_offsets(tys.iter().copied());
        let mut out = Vec::with_capacity(params.len());
        for (p, off) in params.iter().zip(offsets) {
            out.push(
                load_at(&p.ty, ptr as u64 + off as u64, mem)
                    .map_err(|e| e.context(param_label(p)))?,
            );
        }
        return Ok(out);
    }
    if slots.len() != flat {
        return Err(AbiError::new(format!(
            "expected {flat} flat parameter values, got {}",
            slots.len()
        )));
    }
    let mut cur = Cursor { slots, at: 0 };
    let mut out = Vec::with_capacity(params.len());
    for p in params {
        out.push(lift_flat(&p.ty, &mut cur, mem).map_err(|e| e.context(param_label(p)))?);
    }
    Ok(out)
}

/// Export result: returns the flat slots (≤ 1) or, when it flattens to > 1, writes it at a
/// fresh allocation and returns the pointer as the one slot.
pub fn lower_result(ty: &CType, v: &Value, mem: &mut impl Memory) -> Result<Vec<u64>, AbiError> {
    check_depth(ty).map_err(|e| e.context("result"))?;
    if flat_count(ty) > MAX_FLAT_RESULTS {
        let (size, align) = size_align(ty);
        let ptr = mem.alloc(size, align)?;
        store_at(ty, v, ptr as u64, mem).map_err(|e| e.context("result"))?;
        return Ok(vec![ptr as u64]);
    }
    let mut out = Vec::with_capacity(1);
    lower_flat(ty, v, mem, &mut out).map_err(|e| e.context("result"))?;
    Ok(out)
}

/// Import args from the VM's named-argument JSON object (by `Param::name`): flat slots, or one
/// pointer slot to the tuple in memory when > 16.
pub fn lower_params(
    params: &[Param],
    args: &Map<String, Value>,
    mem: &mut impl Memory,
) -> Result<Vec<u64>, AbiError> {
    for p in params {
        check_depth(&p.ty).map_err(|e| e.context(param_label(p)))?;
    }
    let arg = |p: &Param| {
        args.get(&p.name)
            .ok_or_else(|| AbiError::new(format!("missing argument `{}`", p.name)))
    };
    if let Some(k) = args.keys().find(|k| !params.iter().any(|p| &p.name == *k)) {
        return Err(AbiError::new(format!("unexpected argument `{k}`")));
    }
    let tys: Vec<&CType> = params.iter().map(|p| &p.ty).collect();
    if tys.iter().map(|t| flat_count(t)).sum::<usize>() > MAX_FLAT_PARAMS {
        let (size, align) = record_size_align(tys.iter().copied());
        let ptr = mem.alloc(size, align)?;
        let offsets = field_offsets(tys.iter().copied());
        for (p, off) in params.iter().zip(offsets) {
            store_at(&p.ty, arg(p)?, ptr as u64 + off as u64, mem)
                .map_err(|e| e.context(param_label(p)))?;
        }
        return Ok(vec![ptr as u64]);
    }
    let mut out = Vec::new();
    for p in params {
        lower_flat(&p.ty, arg(p)?, mem, &mut out).map_err(|e| e.context(param_label(p)))?;
    }
    Ok(out)
}

/// Import result: from the one flat slot, or from memory at `retptr` when it flattens to > 1.
pub fn lift_result(
    ty: &CType,
    slot: Option<u64>,
    retptr: u32,
    mem: &impl Memory,
) -> Result<Value, AbiError> {
    check_depth(ty).map_err(|e| e.context("result"))?;
    let flat = flat_count(ty);
    if flat > MAX_FLAT_RESULTS {
        return load(ty, retptr, mem).map_err(|e| e.context("result"));
    }
    let slots: Vec<u64> = slot.into_iter().collect();
    if slots.len() != flat {
        return Err(AbiError::new(format!(
            "result: expected {flat} flat values, got {}",
            slots.len()
        )));
    }
    let mut cur = Cursor {
        slots: &slots,
        at: 0,
    };
    lift_flat(ty, &mut cur, mem).map_err(|e| e.context("result"))
}

/// The value of type `ty` stored in memory at `ptr` (aligned for `ty`).
pub fn load(ty: &CType, ptr: u32, mem: &impl Memory) -> Result<Value, AbiError> {
    check_depth(ty)?;
    check_place(ptr, &[ty], mem)?;
    load_at(ty, ptr as u64, mem)
}

/// Stores `v` as a value of type `ty` at `ptr` (aligned for `ty`), allocating what strings
/// and lists point to.
pub fn store(ty: &CType, v: &Value, ptr: u32, mem: &mut impl Memory) -> Result<(), AbiError> {
    check_depth(ty)?;
    let (_, align) = size_align(ty);
    if !ptr.is_multiple_of(align) {
        return Err(misaligned(ptr, align));
    }
    store_at(ty, v, ptr as u64, mem)
}

fn param_label(p: &Param) -> String {
    format!("parameter `{}`", p.name)
}

fn one_slot(slots: &[u64], what: &str) -> Result<u32, AbiError> {
    match slots {
        [p] => Ok(*p as u32),
        _ => Err(AbiError::new(format!(
            "expected one slot with {what}, got {}",
            slots.len()
        ))),
    }
}

/// `ptr` is aligned for, and the memory holds, a record of `tys` at `ptr`.
fn check_place(ptr: u32, tys: &[&CType], mem: &impl Memory) -> Result<(), AbiError> {
    let (size, align) = record_size_align(tys.iter().copied());
    if !ptr.is_multiple_of(align) {
        return Err(misaligned(ptr, align));
    }
    mem.read(ptr, size).map(|_| ())
}

fn misaligned(ptr: u32, align: u32) -> AbiError {
    AbiError::new(format!("pointer {ptr} is not aligned to {align}"))
}

// ---------------------------------------------------------------------------------------
// JSON side helpers.

/// What a JSON value is, for messages.
fn what(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

fn mismatch(ty: &CType, v: &Value) -> AbiError {
    AbiError::new(format!("expected {}, got {}", ty.describe(), what(v)))
}

fn s64_of(v: &Value) -> Result<i64, AbiError> {
    let out_of_range = || {
        AbiError::new(format!(
            "expected s64 (Int), got {} (out of range)",
            what(v)
        ))
    };
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Err(out_of_range())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // -2^63 ≤ f < 2^63 and integral.
                if f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
                {
                    Ok(f as i64)
                } else if f.fract() == 0.0 {
                    Err(out_of_range())
                } else {
                    Err(mismatch(&CType::S64, v))
                }
            }
        }
        _ => Err(mismatch(&CType::S64, v)),
    }
}

fn f64_of(v: &Value) -> Result<f64, AbiError> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        // The VM's JSON writes NaN and the infinities as null.
        Value::Null => Ok(f64::NAN),
        _ => Err(mismatch(&CType::F64, v)),
    }
}

fn f64_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn bytes_of_str<'a>(
    ty: &CType,
    v: &'a Value,
    json_buf: &'a mut String,
) -> Result<&'a [u8], AbiError> {
    let bytes: &[u8] = match ty {
        CType::Json => {
            *json_buf = serde_json::to_string(v)
                .map_err(|e| AbiError::new(format!("cannot write JSON text: {e}")))?;
            json_buf.as_bytes()
        }
        _ => match v {
            Value::String(s) => s.as_bytes(),
            _ => return Err(mismatch(ty, v)),
        },
    };
    if bytes.len() > MAX_STRING_BYTES as usize {
        return Err(AbiError::new(format!(
            "string of {} bytes is over the limit of {MAX_STRING_BYTES}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn text_value(ty: &CType, bytes: &[u8]) -> Result<Value, AbiError> {
    let s = std::str::from_utf8(bytes)
        .map_err(|e| AbiError::new(format!("invalid UTF-8 in a string: {e}")))?;
    match ty {
        CType::Json => {
            serde_json::from_str(s).map_err(|e| AbiError::new(format!("invalid JSON text: {e}")))
        }
        _ => Ok(Value::String(s.to_string())),
    }
}

/// The case of a variant a JSON value names, and its payload value.
fn variant_case<'a, 'v>(
    ty: &CType,
    name: &str,
    cases: &'a [Case],
    v: &'v Value,
) -> Result<(usize, &'a Case, Option<&'v Value>), AbiError> {
    let (label, payload) = match v {
        Value::String(s) => (s.as_str(), None),
        Value::Object(o) if o.len() == 1 => match o.iter().next() {
            Some((k, p)) => (k.as_str(), Some(p)),
            None => return Err(mismatch(ty, v)),
        },
        _ => return Err(mismatch(ty, v)),
    };
    let (i, case) = cases
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == label)
        .ok_or_else(|| AbiError::new(format!("enum {name} has no variant {label:?}")))?;
    match (case.payload.is_empty(), payload) {
        (true, None) | (true, Some(Value::Null)) => Ok((i, case, None)),
        (false, Some(p)) => Ok((i, case, Some(p))),
        (true, Some(_)) => Err(AbiError::new(format!(
            "variant {name}.{label} has no payload: expected the string {label:?}"
        ))),
        (false, None) => Err(AbiError::new(format!(
            "variant {name}.{label} has a payload: expected {{{label:?}: ...}}"
        ))),
    }
}

/// The payload field values of a case, in order, from its JSON form.
fn payload_values<'v>(
    enum_name: &str,
    case: &Case,
    p: &'v Value,
) -> Result<Vec<&'v Value>, AbiError> {
    let ctx = || format!("variant {enum_name}.{}", case.name);
    match &case.payload {
        Payload::None => Ok(Vec::new()),
        Payload::Named(fields) => record_values(fields, p).map_err(|e| e.context(ctx())),
        Payload::Positional(ts) => match p {
            Value::Array(a) if a.len() == ts.len() => Ok(a.iter().collect()),
            _ => Err(AbiError::new(format!(
                "expected an array of {}, got {}",
                ts.len(),
                what(p)
            ))
            .context(ctx())),
        },
    }
}

/// The JSON form of a case's payload from its field values.
fn payload_json(case: &Case, values: Vec<Value>) -> Value {
    match &case.payload {
        Payload::None => Value::String(case.name.clone()),
        Payload::Named(fields) => {
            let obj: Map<String, Value> =
                fields.iter().map(|(n, _)| n.clone()).zip(values).collect();
            single(&case.name, Value::Object(obj))
        }
        Payload::Positional(_) => single(&case.name, Value::Array(values)),
    }
}

fn single(key: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), v);
    Value::Object(m)
}

/// A record's field values in declaration order; every field present, no other.
fn record_values<'v>(fields: &[(String, CType)], v: &'v Value) -> Result<Vec<&'v Value>, AbiError> {
    let Value::Object(o) = v else {
        return Err(AbiError::new(format!(
            "expected an object, got {}",
            what(v)
        )));
    };
    if let Some(k) = o.keys().find(|k| !fields.iter().any(|(f, _)| f == *k)) {
        return Err(AbiError::new(format!("unexpected field `{k}`")));
    }
    fields
        .iter()
        .map(|(f, _)| {
            o.get(f)
                .ok_or_else(|| AbiError::new(format!("missing field `{f}`")))
        })
        .collect()
}

/// Which case of an option/result a JSON value is: (index, payload value).
fn option_case(v: &Value) -> (usize, Option<&Value>) {
    match v {
        Value::Null => (0, None),
        other => (1, Some(other)),
    }
}

fn result_case<'v>(ty: &CType, v: &'v Value) -> Result<(usize, &'v Value), AbiError> {
    match v {
        Value::Object(o) if o.len() == 1 => {
            if let Some(x) = o.get("ok") {
                Ok((0, x))
            } else if let Some(x) = o.get("err") {
                Ok((1, x))
            } else {
                Err(mismatch(ty, v))
            }
        }
        _ => Err(mismatch(ty, v)),
    }
}

/// The case a variant-like JSON value is, and its payload field values.
fn lower_case<'v>(ty: &CType, v: &'v Value) -> Result<(usize, Vec<&'v Value>), AbiError> {
    match ty {
        CType::Variant { name, cases } => {
            let (i, case, p) = variant_case(ty, name, cases, v)?;
            let values = match p {
                Some(p) => payload_values(name, case, p)?,
                None => Vec::new(),
            };
            Ok((i, values))
        }
        CType::Option(_) => {
            let (i, p) = option_case(v);
            Ok((i, p.into_iter().collect()))
        }
        CType::Result { ok, err } => {
            let (i, p) = result_case(ty, v)?;
            let has = if i == 0 { ok.is_some() } else { err.is_some() };
            Ok((i, if has { vec![p] } else { vec![] }))
        }
        _ => Err(mismatch(ty, v)),
    }
}

/// The JSON value of case `i` of a variant-like type from its payload field values.
fn lift_case(ty: &CType, i: usize, mut values: Vec<Value>) -> Value {
    match ty {
        CType::Variant { cases, .. } => match cases.get(i) {
            Some(c) => payload_json(c, values),
            None => Value::Null,
        },
        CType::Option(_) => values.pop().unwrap_or(Value::Null),
        CType::Result { .. } => single(
            if i == 0 { "ok" } else { "err" },
            values.pop().unwrap_or(Value::Null),
        ),
        _ => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------
// Memory.

fn addr(ptr: u64) -> Result<u32, AbiError> {
    u32::try_from(ptr).map_err(|_| AbiError::new(format!("address {ptr} is out of bounds")))
}

fn read_uint(mem: &impl Memory, ptr: u64, n: u32) -> Result<u64, AbiError> {
    let b = mem.read(addr(ptr)?, n)?;
    let mut x = [0u8; 8];
    x[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
    Ok(u64::from_le_bytes(x))
}

fn write_uint(mem: &mut impl Memory, ptr: u64, n: u32, x: u64) -> Result<(), AbiError> {
    let b = x.to_le_bytes();
    mem.write(addr(ptr)?, &b[..n as usize])
}

fn span_ok(
    mem: &impl Memory,
    base: u32,
    len: u32,
    size: u32,
    align: u32,
    max: u32,
    what: &str,
) -> Result<(), AbiError> {
    if len > max {
        return Err(AbiError::new(format!(
            "{what} of {len} is over the limit of {max}"
        )));
    }
    if !base.is_multiple_of(align.max(1)) {
        return Err(misaligned(base, align));
    }
    let total = len as u64 * size as u64;
    let total = u32::try_from(total)
        .map_err(|_| AbiError::new(format!("{what} of {len} does not fit in memory")))?;
    mem.read(base, total).map(|_| ())
}

// Each compound type is its own function so the frames on the recursive path stay small
// (in debug builds every local of a function has its own stack slot).

fn load_at(ty: &CType, ptr: u64, mem: &impl Memory) -> Result<Value, AbiError> {
    Ok(match ty {
        CType::Bool => Value::Bool(read_uint(mem, ptr, 1)? != 0),
        CType::S64 => Value::from(read_uint(mem, ptr, 8)? as i64),
        CType::F64 => f64_value(f64::from_bits(read_uint(mem, ptr, 8)?)),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => {
            let (base, len) = read_pair(mem, ptr)?;
            match ty {
                CType::List(elem) => load_list(elem, base, len, mem)?,
                CType::Map { key, value } => load_map(key, value, base, len, mem)?,
                _ => load_text(ty, base, len, mem)?,
            }
        }
        CType::Tuple(ts) => load_tuple(ts, ptr, mem)?,
        CType::Record { fields, .. } => load_record(fields, ptr, mem)?,
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => {
            load_variant(ty, ptr, mem)?
        }
    })
}

fn load_tuple(ts: &[CType], ptr: u64, mem: &impl Memory) -> Result<Value, AbiError> {
    let mut out = Vec::with_capacity(ts.len());
    for (i, (t, at)) in placed(ts, ptr).enumerate() {
        out.push(load_at(t, at, mem).map_err(|e| e.context(format!("element {i}")))?);
    }
    Ok(Value::Array(out))
}

fn load_record(fields: &[(String, CType)], ptr: u64, mem: &impl Memory) -> Result<Value, AbiError> {
    let mut out = Map::new();
    for ((f, _), (t, at)) in fields
        .iter()
        .zip(placed(fields.iter().map(|(_, t)| t), ptr))
    {
        let v = load_at(t, at, mem).map_err(|e| e.context(format!("field `{f}`")))?;
        out.insert(f.clone(), v);
    }
    Ok(Value::Object(out))
}

fn load_variant(ty: &CType, ptr: u64, mem: &impl Memory) -> Result<Value, AbiError> {
    let i = read_uint(mem, ptr, discriminant_size(case_count(ty)))? as usize;
    let fields = case_fields(ty, i).ok_or_else(|| bad_case(ty, i))?;
    let mut values = Vec::new();
    for (t, at) in placed(fields, ptr + payload_offset(ty) as u64) {
        values.push(load_at(t, at, mem)?);
    }
    Ok(lift_case(ty, i, values))
}

fn bad_case(ty: &CType, i: usize) -> AbiError {
    AbiError::new(format!("{}: case index {i} is out of range", ty.describe()))
}

fn store_at(ty: &CType, v: &Value, ptr: u64, mem: &mut impl Memory) -> Result<(), AbiError> {
    match ty {
        CType::Bool => match v {
            Value::Bool(b) => write_uint(mem, ptr, 1, *b as u64),
            _ => Err(mismatch(ty, v)),
        },
        CType::S64 => write_uint(mem, ptr, 8, s64_of(v)? as u64),
        CType::F64 => write_uint(mem, ptr, 8, f64_of(v)?.to_bits()),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => {
            let (base, len) = store_span(ty, v, mem)?;
            write_uint(mem, ptr, 4, base as u64)?;
            write_uint(mem, ptr + 4, 4, len as u64)
        }
        CType::Tuple(ts) => store_tuple(ty, ts, v, ptr, mem),
        CType::Record { name, fields } => store_record(name, fields, v, ptr, mem),
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => {
            store_variant(ty, v, ptr, mem)
        }
    }
}

fn tuple_values<'v>(ty: &CType, n: usize, v: &'v Value) -> Result<&'v [Value], AbiError> {
    match v {
        Value::Array(a) if a.len() == n => Ok(a),
        _ => Err(mismatch(ty, v)),
    }
}

fn store_tuple(
    ty: &CType,
    ts: &[CType],
    v: &Value,
    ptr: u64,
    mem: &mut impl Memory,
) -> Result<(), AbiError> {
    let a = tuple_values(ty, ts.len(), v)?;
    for (i, ((t, at), x)) in placed(ts, ptr).zip(a).enumerate() {
        store_at(t, x, at, mem).map_err(|e| e.context(format!("element {i}")))?;
    }
    Ok(())
}

fn store_record(
    name: &str,
    fields: &[(String, CType)],
    v: &Value,
    ptr: u64,
    mem: &mut impl Memory,
) -> Result<(), AbiError> {
    let values = record_values(fields, v).map_err(|e| e.context(format!("record {name}")))?;
    let tys = placed(fields.iter().map(|(_, t)| t), ptr);
    for (((f, _), (t, at)), x) in fields.iter().zip(tys).zip(values) {
        store_at(t, x, at, mem).map_err(|e| e.context(format!("field `{f}`")))?;
    }
    Ok(())
}

fn store_variant(ty: &CType, v: &Value, ptr: u64, mem: &mut impl Memory) -> Result<(), AbiError> {
    let (i, values) = lower_case(ty, v)?;
    write_uint(mem, ptr, discriminant_size(case_count(ty)), i as u64)?;
    let fields = case_fields(ty, i).ok_or_else(|| bad_case(ty, i))?;
    for ((t, at), x) in placed(fields, ptr + payload_offset(ty) as u64).zip(values) {
        store_at(t, x, at, mem)?;
    }
    Ok(())
}

/// Stores the elements of a string, JSON text, list or map at a fresh allocation: `(ptr, len)`.
fn store_span(ty: &CType, v: &Value, mem: &mut impl Memory) -> Result<(u32, u32), AbiError> {
    match ty {
        CType::List(elem) => store_list(ty, elem, v, mem),
        CType::Map { key, value } => store_map(ty, key, value, v, mem),
        _ => store_text(ty, v, mem),
    }
}

fn store_list(
    ty: &CType,
    elem: &CType,
    v: &Value,
    mem: &mut impl Memory,
) -> Result<(u32, u32), AbiError> {
    let Value::Array(a) = v else {
        return Err(mismatch(ty, v));
    };
    let (size, align) = size_align(elem);
    let (base, len) = alloc_span(mem, a.len(), size, align, "a list")?;
    for (i, x) in a.iter().enumerate() {
        store_at(elem, x, base as u64 + i as u64 * size as u64, mem)
            .map_err(|e| e.context(format!("element {i}")))?;
    }
    Ok((base, len))
}

fn store_map(
    ty: &CType,
    key: &CType,
    value: &CType,
    v: &Value,
    mem: &mut impl Memory,
) -> Result<(u32, u32), AbiError> {
    let Value::Object(o) = v else {
        return Err(mismatch(ty, v));
    };
    let (size, align) = record_size_align([key, value]);
    let offs = field_offsets([key, value]);
    let (base, len) = alloc_span(mem, o.len(), size, align, "a map")?;
    for (i, (k, x)) in o.iter().enumerate() {
        let at = base as u64 + i as u64 * size as u64;
        let kv = match key {
            CType::S64 => Value::from(
                k.parse::<i64>()
                    .map_err(|_| AbiError::new(format!("map key {k:?} is not an Int")))?,
            ),
            _ => Value::String(k.clone()),
        };
        store_at(key, &kv, at, mem).map_err(|e| e.context(format!("key {k:?}")))?;
        store_at(value, x, at + offs[1] as u64, mem)
            .map_err(|e| e.context(format!("value of key {k:?}")))?;
    }
    Ok((base, len))
}

fn store_text(ty: &CType, v: &Value, mem: &mut impl Memory) -> Result<(u32, u32), AbiError> {
    let mut buf = String::new();
    let bytes = bytes_of_str(ty, v, &mut buf)?;
    let len = bytes.len() as u32;
    let base = mem.alloc(len, 1)?;
    mem.write(base, bytes)?;
    Ok((base, len))
}

fn alloc_span(
    mem: &mut impl Memory,
    n: usize,
    size: u32,
    align: u32,
    what: &str,
) -> Result<(u32, u32), AbiError> {
    if n > MAX_LIST_ELEMENTS as usize {
        return Err(AbiError::new(format!(
            "{what} of {n} is over the limit of {MAX_LIST_ELEMENTS}"
        )));
    }
    let total = u32::try_from(n as u64 * size as u64)
        .map_err(|_| AbiError::new(format!("{what} of {n} does not fit in memory")))?;
    Ok((mem.alloc(total, align)?, n as u32))
}

/// The string, JSON text, list or map of `len` elements at `base`.
fn load_span(ty: &CType, base: u32, len: u32, mem: &impl Memory) -> Result<Value, AbiError> {
    match ty {
        CType::List(elem) => load_list(elem, base, len, mem),
        CType::Map { key, value } => load_map(key, value, base, len, mem),
        _ => load_text(ty, base, len, mem),
    }
}

fn read_pair(mem: &impl Memory, ptr: u64) -> Result<(u32, u32), AbiError> {
    Ok((
        read_uint(mem, ptr, 4)? as u32,
        read_uint(mem, ptr + 4, 4)? as u32,
    ))
}

fn load_text(ty: &CType, base: u32, len: u32, mem: &impl Memory) -> Result<Value, AbiError> {
    span_ok(mem, base, len, 1, 1, MAX_STRING_BYTES, "a string")?;
    text_value(ty, mem.read(base, len)?)
}

fn load_list(elem: &CType, base: u32, len: u32, mem: &impl Memory) -> Result<Value, AbiError> {
    let (size, align) = size_align(elem);
    span_ok(mem, base, len, size, align, MAX_LIST_ELEMENTS, "a list")?;
    let mut out = Vec::with_capacity(len.min(1 << 16) as usize);
    for i in 0..len {
        out.push(
            load_at(elem, base as u64 + i as u64 * size as u64, mem)
                .map_err(|e| e.context(format!("element {i}")))?,
        );
    }
    Ok(Value::Array(out))
}

fn load_map(
    key: &CType,
    value: &CType,
    base: u32,
    len: u32,
    mem: &impl Memory,
) -> Result<Value, AbiError> {
    let (size, align) = record_size_align([key, value]);
    let offs = field_offsets([key, value]);
    span_ok(mem, base, len, size, align, MAX_LIST_ELEMENTS, "a map")?;
    let mut out = Map::new();
    for i in 0..len {
        let at = base as u64 + i as u64 * size as u64;
        let k = match load_at(key, at, mem).map_err(|e| e.context(format!("key {i}")))? {
            Value::String(s) => s,
            Value::Number(n) if n.is_i64() => n.to_string(),
            other => {
                return Err(AbiError::new(format!(
                    "map keys must be strings or Ints, got {}",
                    what(&other)
                )))
            }
        };
        let v = load_at(value, at + offs[1] as u64, mem)
            .map_err(|e| e.context(format!("value of key {k:?}")))?;
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Flat values.

/// Reads flat values in order.
struct Cursor<'a> {
    slots: &'a [u64],
    at: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Result<u64, AbiError> {
        let x = self
            .slots
            .get(self.at)
            .copied()
            .ok_or_else(|| AbiError::new("too few flat values"))?;
        self.at += 1;
        Ok(x)
    }
}

fn lift_flat(ty: &CType, cur: &mut Cursor<'_>, mem: &impl Memory) -> Result<Value, AbiError> {
    Ok(match ty {
        CType::Bool => Value::Bool(cur.next()? as u32 != 0),
        CType::S64 => Value::from(cur.next()? as i64),
        CType::F64 => f64_value(f64::from_bits(cur.next()?)),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => {
            let base = cur.next()? as u32;
            let len = cur.next()? as u32;
            load_span(ty, base, len, mem)?
        }
        CType::Tuple(ts) => lift_tuple(ts, cur, mem)?,
        CType::Record { fields, .. } => lift_record(fields, cur, mem)?,
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => {
            lift_variant(ty, cur, mem)?
        }
    })
}

fn lift_tuple(ts: &[CType], cur: &mut Cursor<'_>, mem: &impl Memory) -> Result<Value, AbiError> {
    let mut out = Vec::with_capacity(ts.len());
    for (i, t) in ts.iter().enumerate() {
        out.push(lift_flat(t, cur, mem).map_err(|e| e.context(format!("element {i}")))?);
    }
    Ok(Value::Array(out))
}

fn lift_record(
    fields: &[(String, CType)],
    cur: &mut Cursor<'_>,
    mem: &impl Memory,
) -> Result<Value, AbiError> {
    let mut out = Map::new();
    for (f, t) in fields {
        let v = lift_flat(t, cur, mem).map_err(|e| e.context(format!("field `{f}`")))?;
        out.insert(f.clone(), v);
    }
    Ok(Value::Object(out))
}

fn lift_variant(ty: &CType, cur: &mut Cursor<'_>, mem: &impl Memory) -> Result<Value, AbiError> {
    let i = cur.next()? as u32 as usize;
    let n = joined_len(ty);
    let raw = cur
        .slots
        .get(cur.at..cur.at + n)
        .ok_or_else(|| AbiError::new("too few flat values"))?;
    cur.at += n;
    let fields = case_fields(ty, i).ok_or_else(|| bad_case(ty, i))?;
    // Coerce each joined slot to the case's own flat type: an i32 is the low bits.
    let own = flatten_all(fields.clone());
    let coerced: Vec<u64> = own
        .iter()
        .zip(raw)
        .map(|(f, x)| match f {
            Flat::I32 | Flat::F32 => *x & 0xffff_ffff,
            Flat::I64 | Flat::F64 => *x,
        })
        .collect();
    let mut sub = Cursor {
        slots: &coerced,
        at: 0,
    };
    let mut values = Vec::new();
    for t in fields {
        values.push(lift_flat(t, &mut sub, mem)?);
    }
    Ok(lift_case(ty, i, values))
}

fn lower_flat(
    ty: &CType,
    v: &Value,
    mem: &mut impl Memory,
    out: &mut Vec<u64>,
) -> Result<(), AbiError> {
    match ty {
        CType::Bool => match v {
            Value::Bool(b) => out.push(*b as u64),
            _ => return Err(mismatch(ty, v)),
        },
        CType::S64 => out.push(s64_of(v)? as u64),
        CType::F64 => out.push(f64_of(v)?.to_bits()),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => {
            let (base, len) = store_span(ty, v, mem)?;
            out.extend([base as u64, len as u64]);
        }
        CType::Tuple(ts) => lower_tuple(ty, ts, v, mem, out)?,
        CType::Record { name, fields } => lower_record(name, fields, v, mem, out)?,
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => {
            lower_variant(ty, v, mem, out)?
        }
    }
    Ok(())
}

fn lower_tuple(
    ty: &CType,
    ts: &[CType],
    v: &Value,
    mem: &mut impl Memory,
    out: &mut Vec<u64>,
) -> Result<(), AbiError> {
    let a = tuple_values(ty, ts.len(), v)?;
    for (i, (t, x)) in ts.iter().zip(a).enumerate() {
        lower_flat(t, x, mem, out).map_err(|e| e.context(format!("element {i}")))?;
    }
    Ok(())
}

fn lower_record(
    name: &str,
    fields: &[(String, CType)],
    v: &Value,
    mem: &mut impl Memory,
    out: &mut Vec<u64>,
) -> Result<(), AbiError> {
    let values = record_values(fields, v).map_err(|e| e.context(format!("record {name}")))?;
    for ((f, t), x) in fields.iter().zip(values) {
        lower_flat(t, x, mem, out).map_err(|e| e.context(format!("field `{f}`")))?;
    }
    Ok(())
}

fn lower_variant(
    ty: &CType,
    v: &Value,
    mem: &mut impl Memory,
    out: &mut Vec<u64>,
) -> Result<(), AbiError> {
    let (i, values) = lower_case(ty, v)?;
    let fields = case_fields(ty, i).ok_or_else(|| bad_case(ty, i))?;
    out.push(i as u64);
    let start = out.len();
    for (t, x) in fields.zip(values) {
        lower_flat(t, x, mem, out)?;
    }
    // Raw bits make the join coercions the identity; pad the unused slots with 0.
    out.resize(start + joined_len(ty), 0);
    Ok(())
}

#[cfg(test)]
mod tests;
