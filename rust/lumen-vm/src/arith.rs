//! Operator semantics on values (the general paths; the interpreter inlines the Int/Float
//! fast paths and calls these for everything else).
//!
//! - Int arithmetic is checked (E0901); division and modulo by zero are errors for Ints and
//!   Floats alike (E0902, docs/LANGUAGE.md 16);
//! - `/` truncates for two Ints, `//` floors, `%` takes the sign of the divisor;
//! - mixing Int and Float gives Float; `Int ** Int` with a non-negative exponent is an Int;
//! - `+` adds numbers or concatenates two strings; `++` concatenates strings or lists;
//! - equality is structural; ordering is defined on numbers and strings (and lists/tuples
//!   lexicographically); `in` tests list/tuple membership, map keys and substrings.

use std::cmp::Ordering;

use crate::error::codes;
use crate::limits::{check_elements, check_string};
use crate::lir::BinOp;
use crate::map::KeyRef;
use crate::value::{compare, Value};

/// A run-time failure before it gets its source position: code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Stable error code (`error::codes`).
    pub code: &'static str,
    /// One-line message.
    pub message: String,
}

impl Fault {
    /// A fault with the given code.
    pub fn new(code: &'static str, message: impl Into<String>) -> Fault {
        Fault {
            code,
            message: message.into(),
        }
    }

    /// A generic run-time failure (E0900).
    pub fn runtime(message: impl Into<String>) -> Fault {
        Fault::new(codes::RUNTIME, message)
    }

    /// Int overflow (E0901).
    #[cold]
    #[inline(never)]
    pub fn overflow(what: &str) -> Fault {
        Fault::new(codes::INT_OVERFLOW, format!("integer overflow in {what}"))
    }

    /// Division or modulo by zero (E0902).
    #[cold]
    #[inline(never)]
    pub fn div_zero(what: &str) -> Fault {
        Fault::new(codes::DIV_BY_ZERO, format!("{what} by zero"))
    }
}

/// The symbol of an operator, for messages.
pub fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::IntDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "**",
        BinOp::Concat => "++",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::In => "in",
    }
}

fn type_error(op: BinOp, a: &Value, b: &Value) -> Fault {
    Fault::runtime(format!(
        "cannot apply `{}` to {} and {}",
        op_symbol(op),
        a.type_name(),
        b.type_name()
    ))
}

/// `a / b` on Ints: truncating, checked.
pub fn int_div(a: i64, b: i64) -> Result<i64, Fault> {
    if b == 0 {
        return Err(Fault::div_zero("division"));
    }
    a.checked_div(b).ok_or_else(|| Fault::overflow("`/`"))
}

/// `a // b` on Ints: flooring, checked.
pub fn int_floor_div(a: i64, b: i64) -> Result<i64, Fault> {
    if b == 0 {
        return Err(Fault::div_zero("division"));
    }
    let q = a.checked_div(b).ok_or_else(|| Fault::overflow("`//`"))?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

/// `a % b` on Ints: the result has the sign of the divisor.
#[inline]
pub fn int_mod(a: i64, b: i64) -> Result<i64, Fault> {
    if b == 0 {
        return Err(Fault::div_zero("modulo"));
    }
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        Ok(r + b)
    } else {
        Ok(r)
    }
}

/// `a / b` on Floats (division by zero is an error).
pub fn float_div(a: f64, b: f64) -> Result<f64, Fault> {
    if b == 0.0 {
        return Err(Fault::div_zero("division"));
    }
    Ok(a / b)
}

/// `a % b` on Floats: the sign of the divisor.
pub fn float_mod(a: f64, b: f64) -> Result<f64, Fault> {
    if b == 0.0 {
        return Err(Fault::div_zero("modulo"));
    }
    let r = a % b;
    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
        Ok(r + b)
    } else {
        Ok(r)
    }
}

/// `a ** b` on Ints: checked for a non-negative exponent, a Float otherwise.
pub fn int_pow(a: i64, b: i64) -> Result<Value, Fault> {
    if b < 0 {
        return Ok(Value::Float((a as f64).powf(b as f64)));
    }
    match a {
        0 | 1 => return Ok(Value::Int(if b == 0 { 1 } else { a })),
        -1 => return Ok(Value::Int(if b % 2 == 0 { 1 } else { -1 })),
        _ => {}
    }
    let e = u32::try_from(b).map_err(|_| Fault::overflow("`**`"))?;
    a.checked_pow(e)
        .map(Value::Int)
        .ok_or_else(|| Fault::overflow("`**`"))
}

fn num_pair(a: &Value, b: &Value) -> Option<(f64, f64)> {
    Some((a.as_f64()?, b.as_f64()?))
}

/// Evaluates `a op b`.
#[inline(never)]
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Fault> {
    use Value::{Float, Int};
    match op {
        BinOp::Add => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_add(*y)
                .map(Int)
                .ok_or_else(|| Fault::overflow("`+`")),
            (Value::Str(x), Value::Str(y)) => {
                check_string(x.len() + y.len())?;
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Ok(Value::str(s))
            }
            _ => num_pair(a, b)
                .map(|(x, y)| Float(x + y))
                .ok_or_else(|| type_error(op, a, b)),
        },
        BinOp::Sub => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_sub(*y)
                .map(Int)
                .ok_or_else(|| Fault::overflow("`-`")),
            _ => num_pair(a, b)
                .map(|(x, y)| Float(x - y))
                .ok_or_else(|| type_error(op, a, b)),
        },
        BinOp::Mul => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_mul(*y)
                .map(Int)
                .ok_or_else(|| Fault::overflow("`*`")),
            _ => num_pair(a, b)
                .map(|(x, y)| Float(x * y))
                .ok_or_else(|| type_error(op, a, b)),
        },
        BinOp::Div => match (a, b) {
            (Int(x), Int(y)) => int_div(*x, *y).map(Int),
            _ => match num_pair(a, b) {
                Some((x, y)) => float_div(x, y).map(Float),
                None => Err(type_error(op, a, b)),
            },
        },
        BinOp::IntDiv => match (a, b) {
            (Int(x), Int(y)) => int_floor_div(*x, *y).map(Int),
            _ => match num_pair(a, b) {
                Some((x, y)) => float_div(x, y).map(|q| Float(q.floor())),
                None => Err(type_error(op, a, b)),
            },
        },
        BinOp::Mod => match (a, b) {
            (Int(x), Int(y)) => int_mod(*x, *y).map(Int),
            _ => match num_pair(a, b) {
                Some((x, y)) => float_mod(x, y).map(Float),
                None => Err(type_error(op, a, b)),
            },
        },
        BinOp::Pow => match (a, b) {
            (Int(x), Int(y)) => int_pow(*x, *y),
            _ => num_pair(a, b)
                .map(|(x, y)| Float(x.powf(y)))
                .ok_or_else(|| type_error(op, a, b)),
        },
        BinOp::Concat => match (a, b) {
            (Value::Str(x), Value::Str(y)) => {
                check_string(x.len() + y.len())?;
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Ok(Value::str(s))
            }
            (Value::List(x), Value::List(y)) => {
                check_elements(x.len() + y.len())?;
                let mut v = Vec::with_capacity(x.len() + y.len());
                v.extend(x.iter().cloned());
                v.extend(y.iter().cloned());
                Ok(Value::list(v))
            }
            _ => Err(type_error(op, a, b)),
        },
        BinOp::Eq => Ok(Value::Bool(a == b)),
        BinOp::Ne => Ok(Value::Bool(a != b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare_op(op, a, b).map(Value::Bool),
        BinOp::In => contains(b, a).map(Value::Bool),
    }
}

/// Evaluates an ordering operator (`<`, `<=`, `>`, `>=`); NaN compares false.
#[inline(never)]
pub fn compare_op(op: BinOp, a: &Value, b: &Value) -> Result<bool, Fault> {
    let ord = compare(a, b).map_err(|_| type_error(op, a, b))?;
    Ok(match (op, ord) {
        (_, None) => false,
        (BinOp::Lt, Some(o)) => o == Ordering::Less,
        (BinOp::Le, Some(o)) => o != Ordering::Greater,
        (BinOp::Gt, Some(o)) => o == Ordering::Greater,
        (BinOp::Ge, Some(o)) => o != Ordering::Less,
        _ => false,
    })
}

/// `needle in haystack`: list/tuple element, map key, or substring.
pub fn contains(haystack: &Value, needle: &Value) -> Result<bool, Fault> {
    match haystack {
        Value::List(xs) | Value::Tuple(xs) => Ok(xs.iter().any(|x| x == needle)),
        Value::Map(m) => Ok(KeyRef::from_value(needle).is_some_and(|k| m.contains_key(k))),
        Value::Str(s) => match needle {
            Value::Str(n) => Ok(s.contains(n.as_str())),
            _ => Err(Fault::runtime(format!(
                "cannot search a String for {}",
                needle.type_name()
            ))),
        },
        _ => Err(Fault::runtime(format!(
            "cannot test membership in {}",
            haystack.type_name()
        ))),
    }
}

/// `-v`
#[inline(never)]
pub fn negate(v: &Value) -> Result<Value, Fault> {
    match v {
        Value::Int(i) => i
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| Fault::overflow("unary `-`")),
        Value::Float(f) => Ok(Value::Float(-f)),
        _ => Err(Fault::runtime(format!("cannot negate {}", v.type_name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(op: BinOp, a: Value, b: Value) -> Result<Value, Fault> {
        binary(op, &a, &b)
    }

    #[test]
    fn int_division_semantics() {
        assert_eq!(int_div(7, 2), Ok(3));
        assert_eq!(int_div(-7, 2), Ok(-3));
        assert_eq!(int_floor_div(7, 2), Ok(3));
        assert_eq!(int_floor_div(-7, 2), Ok(-4));
        assert_eq!(int_mod(-7, 3), Ok(2));
        assert_eq!(int_mod(7, -3), Ok(-2));
        assert_eq!(int_mod(i64::MIN, -1), Ok(0));
        assert_eq!(int_div(1, 0).unwrap_err().code, codes::DIV_BY_ZERO);
        assert_eq!(int_div(i64::MIN, -1).unwrap_err().code, codes::INT_OVERFLOW);
        assert_eq!(
            int_floor_div(i64::MIN, -1).unwrap_err().code,
            codes::INT_OVERFLOW
        );
    }

    #[test]
    fn float_and_mixed_arithmetic() {
        assert_eq!(
            ev(BinOp::Add, Value::Int(1), Value::Float(2.0)),
            Ok(Value::Float(3.0))
        );
        assert_eq!(
            ev(BinOp::Div, Value::Float(10.0), Value::Int(4)),
            Ok(Value::Float(2.5))
        );
        assert_eq!(
            ev(BinOp::Div, Value::Float(1.0), Value::Float(0.0))
                .unwrap_err()
                .code,
            codes::DIV_BY_ZERO
        );
        assert_eq!(
            ev(BinOp::Mod, Value::Float(-7.0), Value::Int(3)),
            Ok(Value::Float(2.0))
        );
        assert_eq!(
            ev(BinOp::IntDiv, Value::Float(-7.0), Value::Int(2)),
            Ok(Value::Float(-4.0))
        );
    }

    #[test]
    fn power() {
        assert_eq!(int_pow(2, 10), Ok(Value::Int(1024)));
        assert_eq!(int_pow(-1, 1_000_000_001), Ok(Value::Int(-1)));
        assert_eq!(int_pow(2, -1), Ok(Value::Float(0.5)));
        assert_eq!(int_pow(2, 64).unwrap_err().code, codes::INT_OVERFLOW);
        assert_eq!(int_pow(3, i64::MAX).unwrap_err().code, codes::INT_OVERFLOW);
        assert_eq!(
            ev(BinOp::Pow, Value::Float(4.0), Value::Float(0.5)),
            Ok(Value::Float(2.0))
        );
    }

    #[test]
    fn overflow_is_checked() {
        assert_eq!(
            ev(BinOp::Add, Value::Int(i64::MAX), Value::Int(1))
                .unwrap_err()
                .code,
            codes::INT_OVERFLOW
        );
        assert_eq!(
            ev(BinOp::Mul, Value::Int(i64::MAX), Value::Int(2))
                .unwrap_err()
                .code,
            codes::INT_OVERFLOW
        );
        assert_eq!(
            negate(&Value::Int(i64::MIN)).unwrap_err().code,
            codes::INT_OVERFLOW
        );
    }

    #[test]
    fn strings_lists_comparison_membership() {
        assert_eq!(
            ev(BinOp::Add, Value::str("a"), Value::str("b")),
            Ok(Value::str("ab"))
        );
        assert_eq!(
            ev(
                BinOp::Concat,
                Value::list(vec![Value::Int(1)]),
                Value::list(vec![Value::Int(2)])
            ),
            Ok(Value::list(vec![Value::Int(1), Value::Int(2)]))
        );
        assert!(ev(BinOp::Add, Value::list(vec![]), Value::list(vec![])).is_err());
        assert_eq!(
            ev(BinOp::Lt, Value::str("a"), Value::str("b")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            ev(BinOp::Ge, Value::Int(2), Value::Float(2.0)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            ev(BinOp::Lt, Value::Float(f64::NAN), Value::Int(1)),
            Ok(Value::Bool(false))
        );
        assert!(ev(BinOp::Lt, Value::Null, Value::Int(1)).is_err());
        assert_eq!(
            ev(BinOp::In, Value::str("st"), Value::str("haystack")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            ev(
                BinOp::In,
                Value::Int(2),
                Value::list(vec![Value::Float(2.0)])
            ),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            ev(BinOp::Eq, Value::Int(1), Value::Float(1.0)),
            Ok(Value::Bool(true))
        );
    }
}
