//! The numeric builtins: `abs`, `min`/`max`, `floor`/`ceil`/`round`, `sqrt`, `pow`, `clamp`.

use std::cmp::Ordering;

use super::args::{arg, want_list, want_num, wrong};
use crate::arith::{self, Fault};
use crate::builtins::Builtin;
use crate::error::codes;
use crate::lir::BinOp;
use crate::value::{compare, Value};

/// `f` as an Int, truncated (E0901 when it does not fit).
pub(super) fn float_to_int(name: &str, f: f64) -> Result<Value, Fault> {
    // i64::MIN as f64 is exact; i64::MAX as f64 rounds up to 2^63, which does not fit.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Ok(Value::Int(f as i64))
    } else {
        let mut message = format!("{name}: ");
        crate::float_text::push_display(&mut message, f);
        message.push_str(" does not fit in an Int");
        Err(Fault::new(codes::INT_OVERFLOW, message))
    }
}

pub(super) fn abs(name: &str, args: &[Value]) -> Result<Value, Fault> {
    match arg(args, 0) {
        Value::Int(i) => i
            .checked_abs()
            .map(Value::Int)
            .ok_or_else(|| Fault::overflow("abs")),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        other => Err(wrong(name, other, "a number")),
    }
}

/// `min` (`want` is `Less`) or `max` (`Greater`) of two values or of one list.
pub(super) fn min_max(name: &str, args: &[Value], want: Ordering) -> Result<Value, Fault> {
    let pick = |best: &Value, x: &Value| -> Result<bool, Fault> {
        match compare(x, best) {
            Ok(Some(o)) => Ok(o == want),
            Ok(None) => Ok(false),
            Err(m) => Err(Fault::runtime(format!("{name}: {m}"))),
        }
    };
    if args.len() == 2 {
        let (a, b) = (arg(args, 0), arg(args, 1));
        return Ok(if pick(a, b)? { b.clone() } else { a.clone() });
    }
    let xs = want_list(name, arg(args, 0))?;
    let mut it = xs.iter();
    let Some(mut best) = it.next() else {
        return Err(Fault::runtime(format!("{name} of an empty list")));
    };
    for x in it {
        if pick(best, x)? {
            best = x;
        }
    }
    Ok(best.clone())
}

/// `floor`, `ceil` or `round` (`b`), to an Int.
pub(super) fn round(b: Builtin, name: &str, args: &[Value]) -> Result<Value, Fault> {
    match arg(args, 0) {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Float(f) => float_to_int(
            name,
            match b {
                Builtin::Floor => f.floor(),
                Builtin::Ceil => f.ceil(),
                _ => f.round(),
            },
        ),
        other => Err(wrong(name, other, "a number")),
    }
}

pub(super) fn sqrt(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::Float(want_num(name, arg(args, 0))?.sqrt()))
}

pub(super) fn pow(args: &[Value]) -> Result<Value, Fault> {
    arith::binary(BinOp::Pow, arg(args, 0), arg(args, 1))
}

pub(super) fn clamp(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let (x, lo, hi) = (arg(args, 0), arg(args, 1), arg(args, 2));
    let lt = |a: &Value, b: &Value| -> Result<bool, Fault> {
        compare(a, b)
            .map(|o| o == Some(Ordering::Less))
            .map_err(|m| Fault::runtime(format!("{name}: {m}")))
    };
    Ok(if lt(x, lo)? {
        lo.clone()
    } else if lt(hi, x)? {
        hi.clone()
    } else {
        x.clone()
    })
}
