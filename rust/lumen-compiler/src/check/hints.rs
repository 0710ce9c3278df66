//! The type hints side table: what the checker proved that lowering's type-specialised
//! instructions use (issue 13 point 3).
//!
//! - binary operations whose two operands are both `Int` or both `Float`, keyed by the
//!   file and span of the binary expression (`IntBinary` / `FloatBinary`);
//! - field reads `e.name` on a value of a record type, keyed by the file and span of the
//!   field name, with the field's slot (`GetFieldSlot`).
//!
//! An entry recorded twice with different results (never expected, but nothing relies on
//! it) is spoiled and reads as absent: lowering emits the generic instruction. Every hint
//! is checked again by the VM, which falls back to the generic operation when the values
//! are not what the hint says, so a wrong hint costs speed, never behaviour.

use super::types::Type;
use crate::resolve::FileId;
use crate::span::Span;
use std::collections::HashMap;
use std::hash::Hash;

/// What the checker knows about both operands of one binary operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Both operands are `Int`.
    Int,
    /// Both operands are `Float`.
    Float,
}

/// The hints, by (file, span).
#[derive(Debug, Clone, Default)]
pub(crate) struct TypeHints {
    /// Binary expression → its operands' type (`None`: spoiled).
    scalars: HashMap<(FileId, Span), Option<Scalar>>,
    /// Field name of a record field read → the field's slot (`None`: spoiled).
    fields: HashMap<(FileId, Span), Option<u8>>,
}

/// Records `value` at `key`, spoiling the entry when it was recorded with another value.
fn record<K: Hash + Eq, V: PartialEq>(map: &mut HashMap<K, Option<V>>, key: K, value: V) {
    match map.get_mut(&key) {
        Some(old) => {
            if old.as_ref() != Some(&value) {
                *old = None;
            }
        }
        None => {
            map.insert(key, Some(value));
        }
    }
}

impl TypeHints {
    /// Records the operand types of the binary expression at `span` in `file`: a hint when
    /// they are both `Int` or both `Float`, else (if there was one) its end.
    pub fn record_binary(&mut self, file: FileId, span: Span, lhs: &Type, rhs: &Type) {
        match (lhs, rhs) {
            (Type::Int, Type::Int) => record(&mut self.scalars, (file, span), Scalar::Int),
            (Type::Float, Type::Float) => record(&mut self.scalars, (file, span), Scalar::Float),
            _ => {
                if let Some(old) = self.scalars.get_mut(&(file, span)) {
                    *old = None;
                }
            }
        }
    }

    /// Both operands' type of the binary expression at `span` in `file`, when the checker
    /// proved them `Int` or `Float`.
    pub fn scalar(&self, file: FileId, span: Span) -> Option<Scalar> {
        self.scalars.get(&(file, span)).copied().flatten()
    }

    /// Records that the field read whose name is at `span` in `file` reads slot `slot` of
    /// a record (slots past `u8` are not recorded: `GetFieldSlot` has no room for them).
    pub fn record_field(&mut self, file: FileId, span: Span, slot: usize) {
        match u8::try_from(slot) {
            Ok(s) => record(&mut self.fields, (file, span), s),
            Err(_) => {
                self.fields.insert((file, span), None);
            }
        }
    }

    /// The record slot of the field read whose name is at `span` in `file`.
    pub fn field_slot(&self, file: FileId, span: Span) -> Option<u8> {
        self.fields.get(&(file, span)).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_agreeing_scalars_and_spoils_conflicts() {
        let mut h = TypeHints::default();
        let (a, b, c) = (Span::new(0, 5), Span::new(6, 9), Span::new(10, 12));
        h.record_binary(0, a, &Type::Int, &Type::Int);
        h.record_binary(0, b, &Type::Float, &Type::Float);
        h.record_binary(0, c, &Type::Int, &Type::Float);
        assert_eq!(h.scalar(0, a), Some(Scalar::Int));
        assert_eq!(h.scalar(0, b), Some(Scalar::Float));
        assert_eq!(h.scalar(0, c), None);
        assert_eq!(h.scalar(1, a), None);
        h.record_binary(0, a, &Type::Int, &Type::Int);
        assert_eq!(h.scalar(0, a), Some(Scalar::Int));
        h.record_binary(0, a, &Type::Float, &Type::Float);
        assert_eq!(h.scalar(0, a), None);
        h.record_binary(0, b, &Type::Unknown, &Type::Float);
        assert_eq!(h.scalar(0, b), None);
    }

    #[test]
    fn records_field_slots_and_spoils_conflicts() {
        let mut h = TypeHints::default();
        let (a, b, c) = (Span::new(0, 1), Span::new(2, 3), Span::new(4, 5));
        h.record_field(0, a, 2);
        h.record_field(0, b, 1);
        h.record_field(0, b, 0);
        h.record_field(0, c, 300);
        assert_eq!(h.field_slot(0, a), Some(2));
        assert_eq!(h.field_slot(0, b), None);
        assert_eq!(h.field_slot(0, c), None);
        assert_eq!(h.field_slot(1, a), None);
    }
}
