//! The scalar side table: the binary operations whose two operands the checker proved to
//! be both `Int` or both `Float`, for lowering's type-specialised instructions.
//!
//! Keyed by the file and span of the binary expression. An expression checked more than
//! once with different results (never expected, but the table does not rely on it) is
//! recorded as [`Scalar::Mixed`], which lowering treats like an absent entry: the generic
//! instruction. The table is a hint: the VM checks the operand tags of every typed
//! instruction anyway and falls back to the generic operation.

use super::types::Type;
use crate::resolve::FileId;
use crate::span::Span;
use std::collections::HashMap;

/// What the checker knows about both operands of one binary operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Both operands are `Int`.
    Int,
    /// Both operands are `Float`.
    Float,
    /// Recorded twice with different operand types: use the generic instruction.
    Mixed,
}

/// Binary expressions by (file, span) → the scalar type of both operands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scalars {
    map: HashMap<(FileId, Span), Scalar>,
}

impl Scalars {
    /// Records the operand types of the binary expression at `span` in `file` (nothing
    /// when they are not both `Int` or both `Float`, except to spoil an earlier record).
    pub fn record(&mut self, file: FileId, span: Span, lhs: &Type, rhs: &Type) {
        let kind = match (lhs, rhs) {
            (Type::Int, Type::Int) => Scalar::Int,
            (Type::Float, Type::Float) => Scalar::Float,
            _ => Scalar::Mixed,
        };
        match self.map.get_mut(&(file, span)) {
            Some(old) if *old != kind => *old = Scalar::Mixed,
            Some(_) => {}
            None if kind != Scalar::Mixed => {
                self.map.insert((file, span), kind);
            }
            None => {}
        }
    }

    /// Both operands' type of the binary expression at `span` in `file`, when the checker
    /// proved them `Int` or `Float`.
    pub fn get(&self, file: FileId, span: Span) -> Option<Scalar> {
        self.map
            .get(&(file, span))
            .copied()
            .filter(|k| *k != Scalar::Mixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_agreeing_scalars_and_spoils_conflicts() {
        let mut s = Scalars::default();
        let (a, b, c) = (Span::new(0, 5), Span::new(6, 9), Span::new(10, 12));
        s.record(0, a, &Type::Int, &Type::Int);
        s.record(0, b, &Type::Float, &Type::Float);
        s.record(0, c, &Type::Int, &Type::Float);
        assert_eq!(s.get(0, a), Some(Scalar::Int));
        assert_eq!(s.get(0, b), Some(Scalar::Float));
        assert_eq!(s.get(0, c), None);
        assert_eq!(s.get(1, a), None);
        s.record(0, a, &Type::Float, &Type::Float);
        assert_eq!(s.get(0, a), None);
        s.record(0, b, &Type::Unknown, &Type::Float);
        assert_eq!(s.get(0, b), None);
    }
}
