//! Layout by the Component Model canonical ABI (`CanonicalABI.md`, "Alignment",
//! "Element Size", "Flattening"): the flat core types of a value and its size and alignment
//! in linear memory.
//!
//! - `bool` is 1 byte, `s64`/`f64` 8; `string`, `list` (and so `Json`, `Map`) are a
//!   `(ptr: u32, len: u32)` pair: 8 bytes, align 4, flat `[i32, i32]`;
//! - records and tuples lay their fields out in order, each at the next offset aligned to
//!   its alignment; the alignment is the largest field's (1 when empty), the size is rounded
//!   up to it; the flat form is the fields' flat forms in order;
//! - variants (and `option`, `result`) start with a discriminant of 1, 2 or 4 bytes (up to
//!   256, 65 536, more cases), then the payload at the discriminant size aligned to the
//!   largest case alignment; size is rounded up to the variant's alignment (the larger of
//!   the discriminant's and the cases'); the flat form is `i32` then the case flat forms
//!   joined position by position (`join`: same → same, `{i32, f32}` → `i32`, else `i64`).
//!
//! These functions recurse over the type: call [`crate::check_depth`] first on a type that
//! did not come from [`crate::ProgramBlob::decode`] (whose JSON parser limits nesting).
//! Sizes saturate instead of overflowing.

use crate::types::{CType, Payload};

/// At most this many flat parameters are passed as core values; more are passed as one
/// pointer to a tuple of the parameters in linear memory.
pub const MAX_FLAT_PARAMS: usize = 16;
/// At most this many flat results are returned as core values; more are returned through
/// memory (an export returns a pointer; an import gets a `retptr` parameter).
pub const MAX_FLAT_RESULTS: usize = 1;

/// A core WebAssembly value type of a flattened value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flat {
    I32,
    I64,
    F32,
    F64,
}

/// The canonical ABI `join` of two flat types of variant cases.
pub fn join(a: Flat, b: Flat) -> Flat {
    match (a, b) {
        _ if a == b => a,
        (Flat::I32, Flat::F32) | (Flat::F32, Flat::I32) => Flat::I32,
        _ => Flat::I64,
    }
}

/// The flat core types of a value of type `ty`.
pub fn flatten(ty: &CType) -> Vec<Flat> {
    let mut out = Vec::new();
    flatten_into(ty, &mut out);
    out
}

/// The flat core types of several values in order (a parameter list).
pub fn flatten_all<'a>(tys: impl IntoIterator<Item = &'a CType>) -> Vec<Flat> {
    let mut out = Vec::new();
    for t in tys {
        flatten_into(t, &mut out);
    }
    out
}

fn flatten_into(ty: &CType, out: &mut Vec<Flat>) {
    match ty {
        CType::Bool => out.push(Flat::I32),
        CType::S64 => out.push(Flat::I64),
        CType::F64 => out.push(Flat::F64),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => {
            out.extend([Flat::I32, Flat::I32])
        }
        CType::Tuple(ts) => ts.iter().for_each(|t| flatten_into(t, out)),
        CType::Record { fields, .. } => fields.iter().for_each(|(_, t)| flatten_into(t, out)),
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => {
            out.extend(variant_flat(ty))
        }
    }
}

/// The flat types of a variant-like type: `i32` (the discriminant) followed by the case
/// payloads' flat types joined position by position.
fn variant_flat(ty: &CType) -> Vec<Flat> {
    let mut joined: Vec<Flat> = Vec::new();
    for i in 0..case_count(ty) {
        let flat = flatten_all(case_fields(ty, i).into_iter().flatten());
        for (k, f) in flat.into_iter().enumerate() {
            match joined.get_mut(k) {
                Some(j) => *j = join(*j, f),
                None => joined.push(f),
            }
        }
    }
    let mut out = Vec::with_capacity(joined.len() + 1);
    out.push(Flat::I32);
    out.extend(joined);
    out
}

/// The number of flat values of `ty` (as `flatten(ty).len()`, without allocating).
pub fn flat_count(ty: &CType) -> usize {
    match ty {
        CType::Bool | CType::S64 | CType::F64 => 1,
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => 2,
        CType::Tuple(ts) => ts.iter().map(flat_count).sum(),
        CType::Record { fields, .. } => fields.iter().map(|(_, t)| flat_count(t)).sum(),
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => 1 + joined_len(ty),
    }
}

/// The field types of one case of a variant-like type, without allocating.
#[derive(Clone)]
pub(crate) enum Fields<'a> {
    Named(std::slice::Iter<'a, (String, CType)>),
    Positional(std::slice::Iter<'a, CType>),
    One(Option<&'a CType>),
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a CType;
    fn next(&mut self) -> Option<&'a CType> {
        match self {
            Fields::Named(it) => it.next().map(|(_, t)| t),
            Fields::Positional(it) => it.next(),
            Fields::One(o) => o.take(),
        }
    }
}

/// The number of cases of a variant-like type (0 for any other type).
pub(crate) fn case_count(ty: &CType) -> usize {
    match ty {
        CType::Variant { cases, .. } => cases.len(),
        CType::Option(_) | CType::Result { .. } => 2,
        _ => 0,
    }
}

/// The field types of case `i` of a variant-like type.
pub(crate) fn case_fields(ty: &CType, i: usize) -> Option<Fields<'_>> {
    match ty {
        CType::Variant { cases, .. } => cases.get(i).map(|c| match &c.payload {
            Payload::None => Fields::One(None),
            Payload::Named(fs) => Fields::Named(fs.iter()),
            Payload::Positional(ts) => Fields::Positional(ts.iter()),
        }),
        CType::Option(t) => match i {
            0 => Some(Fields::One(None)),
            1 => Some(Fields::One(Some(t))),
            _ => None,
        },
        CType::Result { ok, err } => match i {
            0 => Some(Fields::One(ok.as_deref())),
            1 => Some(Fields::One(err.as_deref())),
            _ => None,
        },
        _ => None,
    }
}

/// The offset of the payload of a variant-like type: the discriminant size aligned to the
/// largest case alignment.
pub(crate) fn payload_offset(ty: &CType) -> u32 {
    let n = case_count(ty);
    let mut align = 1;
    for i in 0..n {
        if let Some(f) = case_fields(ty, i) {
            align = align.max(record_size_align(f).1);
        }
    }
    align_to(discriminant_size(n), align)
}

/// The number of joined payload flat values of a variant-like type (its flat form less the
/// discriminant): the longest case's.
pub(crate) fn joined_len(ty: &CType) -> usize {
    (0..case_count(ty))
        .filter_map(|i| case_fields(ty, i))
        .map(|f| f.map(flat_count).sum::<usize>())
        .max()
        .unwrap_or(0)
}

/// Each field type with its address, for a record (or tuple) of `fields` at `base`.
pub(crate) fn placed<'a>(
    fields: impl IntoIterator<Item = &'a CType>,
    base: u64,
) -> impl Iterator<Item = (&'a CType, u64)> {
    let mut off = 0u32;
    fields.into_iter().map(move |t| {
        let (s, a) = size_align(t);
        off = align_to(off, a);
        let at = base + off as u64;
        off = off.saturating_add(s);
        (t, at)
    })
}

/// Rounds `n` up to a multiple of `align` (a power of two), saturating.
pub fn align_to(n: u32, align: u32) -> u32 {
    let a = align.max(1);
    n.saturating_add(a - 1) / a * a
}

/// Size and alignment in linear memory, in bytes.
pub fn size_align(ty: &CType) -> (u32, u32) {
    match ty {
        CType::Bool => (1, 1),
        CType::S64 | CType::F64 => (8, 8),
        CType::String | CType::Json | CType::List(_) | CType::Map { .. } => (8, 4),
        CType::Tuple(ts) => record_size_align(ts.iter()),
        CType::Record { fields, .. } => record_size_align(fields.iter().map(|(_, t)| t)),
        CType::Variant { .. } | CType::Option(_) | CType::Result { .. } => variant_size_align(ty),
    }
}

/// Size and alignment of a record (or tuple) of these field types.
pub fn record_size_align<'a>(fields: impl IntoIterator<Item = &'a CType>) -> (u32, u32) {
    let mut size = 0u32;
    let mut align = 1u32;
    for f in fields {
        let (s, a) = size_align(f);
        size = align_to(size, a).saturating_add(s);
        align = align.max(a);
    }
    (align_to(size, align), align)
}

/// The offsets of the fields of a record (or tuple) of these types.
pub fn field_offsets<'a>(fields: impl IntoIterator<Item = &'a CType>) -> Vec<u32> {
    let mut size = 0u32;
    let mut out = Vec::new();
    for f in fields {
        let (s, a) = size_align(f);
        size = align_to(size, a);
        out.push(size);
        size = size.saturating_add(s);
    }
    out
}

/// Size in bytes of the discriminant of a variant with `n` cases: 1 up to 256 cases, 2 up
/// to 65 536, else 4.
pub fn discriminant_size(n: usize) -> u32 {
    if n <= 1 << 8 {
        1
    } else if n <= 1 << 16 {
        2
    } else {
        4
    }
}

fn variant_size_align(ty: &CType) -> (u32, u32) {
    let n = case_count(ty);
    let mut case_align = 1u32;
    let mut case_size = 0u32;
    for i in 0..n {
        if let Some(f) = case_fields(ty, i) {
            let (s, a) = record_size_align(f);
            case_align = case_align.max(a);
            case_size = case_size.max(s);
        }
    }
    let d = discriminant_size(n);
    let align = d.max(case_align);
    (
        align_to(align_to(d, case_align).saturating_add(case_size), align),
        align,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Case;
    use Flat::*;

    fn rec(fields: Vec<CType>) -> CType {
        CType::Record {
            name: "R".into(),
            fields: fields
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("f{i}"), t))
                .collect(),
        }
    }

    fn variant(payloads: Vec<Payload>) -> CType {
        CType::Variant {
            name: "E".into(),
            cases: payloads
                .into_iter()
                .enumerate()
                .map(|(i, payload)| Case {
                    name: format!("C{i}"),
                    payload,
                })
                .collect(),
        }
    }

    #[test]
    fn issue12_item1_scalar_and_pointer_pair_layouts() {
        assert_eq!(size_align(&CType::Bool), (1, 1));
        assert_eq!(size_align(&CType::S64), (8, 8));
        assert_eq!(size_align(&CType::F64), (8, 8));
        for t in [
            CType::String,
            CType::Json,
            CType::List(Box::new(CType::Bool)),
            CType::Map {
                key: Box::new(CType::String),
                value: Box::new(CType::S64),
            },
        ] {
            assert_eq!(size_align(&t), (8, 4), "{t:?}");
            assert_eq!(flatten(&t), vec![I32, I32], "{t:?}");
        }
        assert_eq!(flatten(&CType::Bool), vec![I32]);
        assert_eq!(flatten(&CType::S64), vec![I64]);
        assert_eq!(flatten(&CType::F64), vec![F64]);
    }

    #[test]
    fn issue12_item1_record_and_tuple_layouts_align_each_field() {
        // bool @0, s64 @8, bool @16, string @20 → 28, rounded to 32 (align 8).
        let r = rec(vec![CType::Bool, CType::S64, CType::Bool, CType::String]);
        assert_eq!(size_align(&r), (32, 8));
        assert_eq!(
            field_offsets([&CType::Bool, &CType::S64, &CType::Bool, &CType::String]),
            vec![0, 8, 16, 20]
        );
        assert_eq!(flatten(&r), vec![I32, I64, I32, I32, I32]);
        // bool, bool, string: 0, 1, 4 → 12, align 4.
        let t = CType::Tuple(vec![CType::Bool, CType::Bool, CType::String]);
        assert_eq!(size_align(&t), (12, 4));
        assert_eq!(size_align(&CType::Tuple(vec![])), (0, 1));
        assert_eq!(size_align(&CType::Tuple(vec![CType::Bool; 3])), (3, 1));
    }

    #[test]
    fn issue12_item1_variant_option_result_layouts() {
        // option<bool>: disc u8 @0, payload @1: size 2, align 1.
        let ob = CType::Option(Box::new(CType::Bool));
        assert_eq!(size_align(&ob), (2, 1));
        assert_eq!(flatten(&ob), vec![I32, I32]);
        // option<s64>: disc, payload @8: 16, align 8.
        let os = CType::Option(Box::new(CType::S64));
        assert_eq!(size_align(&os), (16, 8));
        assert_eq!(flatten(&os), vec![I32, I64]);
        // result<string, string>: disc, payload @4: 12, align 4; flat i32 i32 i32.
        let rs = CType::Result {
            ok: Some(Box::new(CType::String)),
            err: Some(Box::new(CType::String)),
        };
        assert_eq!(size_align(&rs), (12, 4));
        assert_eq!(flatten(&rs), vec![I32, I32, I32]);
        // result with no payloads: 1 byte.
        let empty = CType::Result {
            ok: None,
            err: None,
        };
        assert_eq!(size_align(&empty), (1, 1));
        assert_eq!(flatten(&empty), vec![I32]);
        // result<s64, string>: flats join i64 with i32 → i64, then i32.
        let ri = CType::Result {
            ok: Some(Box::new(CType::S64)),
            err: Some(Box::new(CType::String)),
        };
        assert_eq!(flatten(&ri), vec![I32, I64, I32]);
        assert_eq!(size_align(&ri), (16, 8));
        // The Shape enum: Circle(radius f64), Rect(w f64, h f64), Square(f64), Empty.
        let shape = variant(vec![
            Payload::Named(vec![("radius".into(), CType::F64)]),
            Payload::Named(vec![("w".into(), CType::F64), ("h".into(), CType::F64)]),
            Payload::Positional(vec![CType::F64]),
            Payload::None,
        ]);
        assert_eq!(size_align(&shape), (24, 8));
        assert_eq!(flatten(&shape), vec![I32, F64, F64]);
        // Joining f64 with a string's i32 gives i64.
        let mixed = variant(vec![
            Payload::Positional(vec![CType::F64]),
            Payload::Positional(vec![CType::String]),
            Payload::Positional(vec![CType::Bool]),
        ]);
        assert_eq!(flatten(&mixed), vec![I32, I64, I32]);
        assert_eq!(size_align(&mixed), (16, 8));
    }

    #[test]
    fn issue12_item1_discriminant_size_by_case_count() {
        assert_eq!(discriminant_size(1), 1);
        assert_eq!(discriminant_size(256), 1);
        assert_eq!(discriminant_size(257), 2);
        assert_eq!(discriminant_size(65_536), 2);
        assert_eq!(discriminant_size(65_537), 4);
        let big = variant(vec![Payload::None; 300]);
        assert_eq!(size_align(&big), (2, 2));
        let big_payload = variant(
            std::iter::once(Payload::Positional(vec![CType::Bool]))
                .chain(std::iter::repeat_n(Payload::None, 299))
                .collect(),
        );
        // u16 disc @0, bool payload @2 → 3, rounded to align 2 → 4.
        assert_eq!(size_align(&big_payload), (4, 2));
    }

    #[test]
    fn issue12_item1_join_rules() {
        assert_eq!(join(I32, I32), I32);
        assert_eq!(join(I32, F32), I32);
        assert_eq!(join(F32, I32), I32);
        assert_eq!(join(F32, F64), I64);
        assert_eq!(join(I32, F64), I64);
        assert_eq!(join(I64, F64), I64);
        assert_eq!(join(F64, F64), F64);
    }
}
