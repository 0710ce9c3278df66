//! Run-time values of the Lumen VM.
//!
//! A [`Value`] is 16 bytes: `Null`, `Bool`, `Int` and `Float` are unboxed; every heap value
//! sits behind a *thin* `Rc` pointer so the enum stays small. Heap values are immutable from
//! the program's point of view; the VM updates them in place only when it holds the only
//! reference (`Rc::get_mut` / `Rc::make_mut`, i.e. copy-on-write).
//!
//! Values are self-describing: records and variants point at their (shared) type
//! description, so a value can be displayed or converted to JSON without the module.
//!
//! Display follows spec §7 (see [`Value`]'s `Display` impl); JSON conversion is in
//! [`crate::json`].

use std::fmt::{self, Write as _};
use std::rc::Rc;

pub use crate::map::{MapKey, MapObj};

pub use crate::compare::{compare, int_float_cmp};
use crate::limits::{MAX_NESTING, MAX_STRING_BYTES};

/// A Lumen value.
#[derive(Clone, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// 64-bit signed integer.
    Int(i64),
    /// 64-bit IEEE float.
    Float(f64),
    /// UTF-8 string.
    Str(Rc<String>),
    /// `list[T]`
    List(Rc<Seq>),
    /// `tuple[A, B, ...]`
    Tuple(Rc<Seq>),
    /// `map[K, V]`, insertion-ordered.
    Map(Rc<MapObj>),
    /// A record value.
    Record(Rc<RecordObj>),
    /// An enum variant with a payload.
    Variant(Rc<VariantObj>),
    /// A payload-less enum variant (`Empty`): shares its description, allocates nothing.
    Tag(Rc<VariantInfo>),
    /// `ok(v)`
    Ok(Rc<Boxed>),
    /// `err(e)`
    Err(Rc<Boxed>),
    /// A function value (a cell reference or a closure with its captured values).
    Func(Rc<FuncObj>),
}

/// The elements of a list or tuple (a `Vec` it dereferences to; its own type so that
/// dropping it can avoid deep recursion, see `drop`).
#[derive(Clone, Default, PartialEq)]
pub struct Seq(pub Vec<Value>);

impl std::ops::Deref for Seq {
    type Target = Vec<Value>;
    #[inline(always)]
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Seq {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

/// The value inside `ok(v)` / `err(e)` (dereferences to it; its own type for `drop`).
#[derive(Clone, Default, PartialEq)]
pub struct Boxed(pub Value);

impl std::ops::Deref for Boxed {
    type Target = Value;
    #[inline(always)]
    fn deref(&self) -> &Value {
        &self.0
    }
}

impl std::ops::DerefMut for Boxed {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Value {
        &mut self.0
    }
}

/// Description of a record type, shared by all its values.
#[derive(Debug, PartialEq)]
pub struct RecordType {
    /// Index into `Module::types`.
    pub id: u16,
    /// Type name (`Point`).
    pub name: String,
    /// Field names in declaration order.
    pub fields: Vec<String>,
    /// For each field, the index in the VM's name table (`u32::MAX` when no instruction
    /// names it), used by `GetField`/`SetField`.
    pub field_ids: Vec<u32>,
}

/// Description of one enum variant, shared by all its values.
#[derive(Debug, PartialEq)]
pub struct VariantInfo {
    /// Index into `Module::variants`.
    pub id: u16,
    /// Index into `Module::types` of its enum.
    pub enum_type: u16,
    /// Name of its enum (`Shape`), reported by `type_of`.
    pub enum_name: String,
    /// Variant name (`Circle`).
    pub name: String,
    /// Payload field names (`None` for positional fields).
    pub fields: Vec<Option<String>>,
    /// For each payload field, the index in the VM's name table (`u32::MAX` if none).
    pub field_ids: Vec<u32>,
}

/// A record value: its type and its field values in declaration order.
#[derive(Clone)]
pub struct RecordObj {
    /// The record's type.
    pub ty: Rc<RecordType>,
    /// Field values, in declaration order.
    pub fields: Slots,
}

/// A variant value with a payload.
#[derive(Clone)]
pub struct VariantObj {
    /// The variant.
    pub info: Rc<VariantInfo>,
    /// Payload values, in declaration order.
    pub payload: Slots,
}

/// A function value: `functions[func]` plus captured values (empty for a plain cell).
pub struct FuncObj {
    /// Index into `Module::functions`.
    pub func: u32,
    /// Display name of the function.
    pub name: Rc<str>,
    /// Number of parameters.
    pub arity: u16,
    /// Captured values, copied into the callee's registers after its parameters.
    pub captures: Vec<Value>,
}

/// A small vector of values stored inline when it has at most two elements (so a record
/// or variant with one or two fields is a single allocation).
#[derive(Clone)]
pub enum Slots {
    /// Up to two values inline; the `u8` is the length.
    Inline(u8, [Value; 2]),
    /// More than two values.
    Heap(Vec<Value>),
}

impl Slots {
    /// Builds slots from a list of values.
    pub fn from_vec(mut v: Vec<Value>) -> Slots {
        match v.len() {
            0 => Slots::Inline(0, [Value::Null, Value::Null]),
            1 => {
                let a = v.pop().unwrap_or_default();
                Slots::Inline(1, [a, Value::Null])
            }
            2 => {
                let b = v.pop().unwrap_or_default();
                let a = v.pop().unwrap_or_default();
                Slots::Inline(2, [a, b])
            }
            _ => Slots::Heap(v),
        }
    }

    /// Builds slots by cloning a slice.
    pub fn from_slice(s: &[Value]) -> Slots {
        match s {
            [] => Slots::Inline(0, [Value::Null, Value::Null]),
            [a] => Slots::Inline(1, [a.clone(), Value::Null]),
            [a, b] => Slots::Inline(2, [a.clone(), b.clone()]),
            _ => Slots::Heap(s.to_vec()),
        }
    }

    /// The values.
    #[inline]
    pub fn as_slice(&self) -> &[Value] {
        match self {
            Slots::Inline(n, arr) => arr.get(..*n as usize).unwrap_or(&[]),
            Slots::Heap(v) => v,
        }
    }

    /// The values, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Value] {
        match self {
            Slots::Inline(n, arr) => arr.get_mut(..*n as usize).unwrap_or(&mut []),
            Slots::Heap(v) => v,
        }
    }
}

/// Drops a value that left a register, out of line (hot paths mostly overwrite scalars).
#[inline(never)]
pub(crate) fn release(v: Value) {
    drop(v);
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(Rc::new(s.into()))
    }

    /// A list value.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(Seq(v)))
    }

    /// A tuple value.
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Seq(v)))
    }

    /// `ok(v)`
    pub fn ok(v: Value) -> Value {
        Value::Ok(Rc::new(Boxed(v)))
    }

    /// `err(v)`
    pub fn err(v: Value) -> Value {
        Value::Err(Rc::new(Boxed(v)))
    }

    /// Whether the value is unboxed (`Null`, `Bool`, `Int`, `Float`): it owns nothing.
    #[inline(always)]
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_)
        )
    }

    /// A clone that copies scalars inline (no call into the general `clone`).
    ///
    /// Scalars are copied field by field (tag, then payload) rather than as one 16-byte
    /// block: the register was usually just written by an arithmetic op as a separate tag
    /// byte and payload word, and a wider load would miss store-to-load forwarding.
    #[inline(always)]
    pub fn fast_clone(&self) -> Value {
        match *self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(ref r) => Value::Str(Rc::clone(r)),
            Value::List(ref r) => Value::List(Rc::clone(r)),
            Value::Record(ref r) => Value::Record(Rc::clone(r)),
            Value::Variant(ref r) => Value::Variant(Rc::clone(r)),
            _ => self.clone(),
        }
    }

    /// `*dst = (*src).clone()`, releasing the old `*dst`, with scalars copied field by field
    /// straight into `dst` (see [`Value::fast_clone`]).
    ///
    /// # Safety
    /// Both pointers must be valid, aligned and initialised; they may be equal.
    #[inline(always)]
    pub(crate) unsafe fn assign_clone(dst: *mut Value, src: *const Value) {
        if std::ptr::eq(dst, src) {
            return;
        }
        // SAFETY (whole body): the caller's guarantee; `dst != src`, so releasing the old
        // `*dst` leaves `*src` intact, and a released slot is refilled before returning.
        unsafe {
            if !(*dst).is_scalar() {
                release(std::ptr::replace(dst, Value::Null));
            }
            match *src {
                Value::Null => std::ptr::write(dst, Value::Null),
                Value::Bool(b) => std::ptr::write(dst, Value::Bool(b)),
                Value::Int(i) => std::ptr::write(dst, Value::Int(i)),
                Value::Float(f) => std::ptr::write(dst, Value::Float(f)),
                _ => std::ptr::write(dst, (*src).fast_clone()),
            }
        }
    }

    /// Moves `*src` into `*dst`, releasing the old `*dst`. A heap value leaves `null`
    /// behind in `src`; a scalar is copied (field by field) and left in place too, which
    /// is harmless because a scalar owns nothing.
    ///
    /// # Safety
    /// Both pointers must be valid, aligned and initialised; they may be equal.
    #[inline(always)]
    pub(crate) unsafe fn assign_move(dst: *mut Value, src: *mut Value) {
        if std::ptr::eq(dst, src) {
            return;
        }
        // SAFETY (whole body): as for `assign_clone`; a heap value is moved bitwise and its
        // source overwritten without a drop, so its reference count is unchanged.
        unsafe {
            if !(*dst).is_scalar() {
                release(std::ptr::replace(dst, Value::Null));
            }
            match *src {
                Value::Null => std::ptr::write(dst, Value::Null),
                Value::Bool(b) => std::ptr::write(dst, Value::Bool(b)),
                Value::Int(i) => std::ptr::write(dst, Value::Int(i)),
                Value::Float(f) => std::ptr::write(dst, Value::Float(f)),
                _ => {
                    std::ptr::copy_nonoverlapping(src, dst, 1);
                    std::ptr::write(src, Value::Null);
                }
            }
        }
    }

    /// `*dst = std::mem::take(&mut *src)`, with scalars copied field by field (see
    /// [`Value::fast_clone`]).
    ///
    /// # Safety
    /// Both pointers must be valid, aligned and initialised; they may be equal.
    #[inline(always)]
    pub(crate) unsafe fn assign_take(dst: *mut Value, src: *mut Value) {
        if std::ptr::eq(dst, src) {
            return;
        }
        // SAFETY: as for `assign_move`; the source is left `null`.
        unsafe {
            Value::assign_move(dst, src);
            if !(*src).is_null() {
                std::ptr::write(src, Value::Null);
            }
        }
    }

    /// `std::mem::take` with the scalar fast path of [`Value::fast_clone`].
    #[inline(always)]
    pub fn fast_take(&mut self) -> Value {
        let v = match *self {
            Value::Null => return Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            _ => return std::mem::take(self),
        };
        // SAFETY: the old value is a scalar, which owns nothing, so skipping its drop is
        // exact; `self` is a valid, aligned value.
        unsafe { std::ptr::write(self, Value::Null) };
        v
    }

    /// Whether the value is `null`.
    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string slice when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The integer when the value is an Int.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float when the value is an Int or a Float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The kind name used in error messages and by `type_of` (docs/LANGUAGE.md 23).
    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Bool",
            Value::Int(_) => "Int",
            Value::Float(_) => "Float",
            Value::Str(_) => "String",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Record(r) => &r.ty.name,
            Value::Variant(v) => &v.info.enum_name,
            Value::Tag(t) => &t.enum_name,
            Value::Ok(_) | Value::Err(_) => "result",
            Value::Func(_) => "fn",
        }
    }

    /// The display text (strings raw), as `print` and `to_string` show it; `Err` when it
    /// would exceed [`MAX_STRING_BYTES`](crate::limits::MAX_STRING_BYTES).
    pub fn try_display(&self) -> Result<String, fmt::Error> {
        let mut s = String::new();
        write_display(&mut s, self, 0, false)?;
        Ok(s)
    }

    /// The display text (strings raw), cut short at
    /// [`MAX_STRING_BYTES`](crate::limits::MAX_STRING_BYTES) (see [`Value::try_display`]).
    pub fn to_display(&self) -> String {
        let mut s = String::new();
        let _ = write_display(&mut s, self, 0, false);
        s
    }

    /// The text of the value as shown inside a collection (strings quoted).
    pub fn to_repr(&self) -> String {
        let mut s = String::new();
        let _ = write_display(&mut s, self, 0, true);
        s
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_display())
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_repr())
    }
}

/// Formats a float per docs/LANGUAGE.md 25: shortest round-trip text, `.0` when integral,
/// `inf`, `-inf`, `nan`.
pub fn format_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
    } else {
        // What Debug prints (the shortest round-trip form, `.0` on integral values), without
        // core::fmt's float code.
        crate::float_text::push_finite(out, f);
    }
}

/// Writes a string quoted with escapes, as inside collections.
pub fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_seq(out: &mut String, items: &[Value], depth: usize) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_display(out, v, depth + 1, true)?;
    }
    Ok(())
}

fn write_fields(
    out: &mut String,
    names: &[Option<&str>],
    items: &[Value],
    depth: usize,
) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(Some(n)) = names.get(i) {
            out.push_str(n);
            out.push_str(": ");
        }
        write_display(out, v, depth + 1, true)?;
    }
    Ok(())
}

/// Appends the decimal text of `i` (what `{i}` writes), without `core::fmt`: `itoa`'s
/// digits (the integer writer serde_json already links), no formatter, no padding logic.
pub fn push_int(out: &mut String, i: i64) {
    out.push_str(itoa::Buffer::new().format(i));
}

/// The decimal text of `i` as a `String` of exactly its length (see [`push_int`]).
pub fn int_text(i: i64) -> String {
    itoa::Buffer::new().format(i).to_owned()
}

/// Writes the display text of `v`; `nested` quotes strings. Nesting deeper than
/// [`MAX_NESTING`] shows as `...`; the text stops with `Err` once it would exceed
/// [`MAX_STRING_BYTES`] (the caller reports E0914).
pub fn write_display(out: &mut String, v: &Value, depth: usize, nested: bool) -> fmt::Result {
    if out.len() > MAX_STRING_BYTES {
        return Err(fmt::Error);
    }
    if depth > MAX_NESTING {
        out.push_str("...");
        return Ok(());
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => push_int(out, *i),
        Value::Float(f) => format_float(out, *f),
        Value::Str(s) => {
            if out.len() + s.len() > MAX_STRING_BYTES {
                return Err(fmt::Error);
            }
            if nested {
                write_quoted(out, s)
            } else {
                out.push_str(s)
            }
        }
        Value::List(xs) => {
            out.push('[');
            write_seq(out, xs, depth)?;
            out.push(']');
        }
        Value::Tuple(xs) => {
            out.push('(');
            write_seq(out, xs, depth)?;
            if xs.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match k {
                    MapKey::Int(n) => push_int(out, *n),
                    MapKey::Str(s) => write_quoted(out, s),
                }
                out.push_str(": ");
                write_display(out, v, depth + 1, true)?;
            }
            out.push('}');
        }
        Value::Record(r) => {
            out.push_str(&r.ty.name);
            out.push('(');
            let names: Vec<Option<&str>> = r.ty.fields.iter().map(|s| Some(s.as_str())).collect();
            write_fields(out, &names, r.fields.as_slice(), depth)?;
            out.push(')');
        }
        Value::Variant(var) => {
            out.push_str(&var.info.name);
            out.push('(');
            let names: Vec<Option<&str>> = var.info.fields.iter().map(|s| s.as_deref()).collect();
            write_fields(out, &names, var.payload.as_slice(), depth)?;
            out.push(')');
        }
        Value::Tag(t) => out.push_str(&t.name),
        Value::Ok(x) => {
            out.push_str("ok(");
            write_display(out, x, depth + 1, true)?;
            out.push(')');
        }
        Value::Err(x) => {
            out.push_str("err(");
            write_display(out, x, depth + 1, true)?;
            out.push(')');
        }
        Value::Func(f) => {
            let _ = write!(out, "<fn {}>", f.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn point(x: i64, y: i64) -> Value {
        let ty = Rc::new(RecordType {
            id: 0,
            name: "Point".into(),
            fields: vec!["x".into(), "y".into()],
            field_ids: vec![0, 1],
        });
        Value::Record(Rc::new(RecordObj {
            ty,
            fields: Slots::from_vec(vec![Value::Int(x), Value::Int(y)]),
        }))
    }

    fn variant(name: &str, fields: Vec<Option<&str>>, payload: Vec<Value>) -> Value {
        let info = Rc::new(VariantInfo {
            id: 0,
            enum_type: 1,
            enum_name: "Shape".into(),
            name: name.into(),
            fields: fields.iter().map(|f| f.map(String::from)).collect(),
            field_ids: vec![u32::MAX; fields.len()],
        });
        if payload.is_empty() {
            Value::Tag(info)
        } else {
            Value::Variant(Rc::new(VariantObj {
                info,
                payload: Slots::from_vec(payload),
            }))
        }
    }

    #[test]
    fn value_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn display_scalars_and_floats() {
        assert_eq!(Value::Int(42).to_display(), "42");
        assert_eq!(Value::Float(1.0).to_display(), "1.0");
        assert_eq!(Value::Float(2.5).to_display(), "2.5");
        assert_eq!(Value::Float(0.1 + 0.2).to_display(), "0.30000000000000004");
        assert_eq!(Value::Float(f64::INFINITY).to_display(), "inf");
        assert_eq!(Value::Float(f64::NEG_INFINITY).to_display(), "-inf");
        assert_eq!(Value::Float(f64::NAN).to_display(), "nan");
        assert_eq!(Value::Float(-0.5).to_display(), "-0.5");
        assert_eq!(Value::Bool(true).to_display(), "true");
        assert_eq!(Value::Null.to_display(), "null");
    }

    #[test]
    fn display_strings_raw_top_level_quoted_nested() {
        assert_eq!(Value::str("a\"b").to_display(), "a\"b");
        let l = Value::list(vec![Value::str("a\"b\n"), Value::Int(1)]);
        assert_eq!(l.to_display(), "[\"a\\\"b\\n\", 1]");
        assert_eq!(Value::list(vec![]).to_display(), "[]");
        assert_eq!(
            Value::tuple(vec![Value::Int(1), Value::str("x")]).to_display(),
            "(1, \"x\")"
        );
    }

    #[test]
    fn display_maps_records_variants_results() {
        let mut m = MapObj::new();
        m.insert(MapKey::from("a"), Value::Int(1));
        m.insert(MapKey::Int(2), Value::str("b"));
        assert_eq!(Value::Map(Rc::new(m)).to_display(), "{\"a\": 1, 2: \"b\"}");
        assert_eq!(point(1, 2).to_display(), "Point(x: 1, y: 2)");
        assert_eq!(
            variant("Circle", vec![Some("radius")], vec![Value::Float(2.0)]).to_display(),
            "Circle(radius: 2.0)"
        );
        assert_eq!(
            variant("Square", vec![None], vec![Value::Float(3.0)]).to_display(),
            "Square(3.0)"
        );
        assert_eq!(variant("Empty", vec![], vec![]).to_display(), "Empty");
        assert_eq!(Value::ok(Value::Int(1)).to_display(), "ok(1)");
        assert_eq!(Value::err(Value::str("no")).to_display(), "err(\"no\")");
    }

    #[test]
    fn equality_is_structural_and_numeric() {
        assert_eq!(Value::Int(1), Value::Float(1.0));
        assert_ne!(Value::Int(1), Value::Float(1.5));
        assert_eq!(point(1, 2), point(1, 2));
        assert_ne!(point(1, 2), point(2, 1));
        assert_eq!(
            Value::list(vec![Value::Int(1), Value::str("a")]),
            Value::list(vec![Value::Float(1.0), Value::str("a")])
        );
        assert_ne!(Value::list(vec![]), Value::tuple(vec![]));
        assert_ne!(Value::Null, Value::Bool(false));
        assert_ne!(Value::Int(i64::MAX), Value::Float(9.223_372_036_854_776e18));
    }

    #[test]
    fn ordering_numbers_strings_lists() {
        let lt = |a: &Value, b: &Value| compare(a, b).unwrap() == Some(Ordering::Less);
        assert!(lt(&Value::Int(1), &Value::Float(1.5)));
        assert!(lt(&Value::Float(-1.5), &Value::Int(-1)));
        assert!(lt(&Value::str("a"), &Value::str("b")));
        assert!(lt(
            &Value::list(vec![Value::Int(1)]),
            &Value::list(vec![Value::Int(1), Value::Int(0)])
        ));
        assert_eq!(
            compare(&Value::Float(f64::NAN), &Value::Int(1)).unwrap(),
            None
        );
        assert!(compare(&Value::Null, &Value::Int(1)).is_err());
    }

    #[test]
    fn slots_inline_and_heap() {
        let s = Slots::from_vec(vec![Value::Int(1), Value::Int(2)]);
        assert!(matches!(s, Slots::Inline(2, _)));
        assert_eq!(s.as_slice(), &[Value::Int(1), Value::Int(2)]);
        let mut h = Slots::from_slice(&[Value::Int(1), Value::Int(2), Value::Int(3)]);
        h.as_mut_slice()[2] = Value::Int(9);
        assert_eq!(h.as_slice()[2], Value::Int(9));
        assert!(Slots::from_vec(vec![]).as_slice().is_empty());
    }
}
