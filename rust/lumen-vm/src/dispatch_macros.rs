//! The interpreter loop's shared macros that need none of its locals: operands, stores,
//! the comparisons and the compare-and-branch table.
//!
//! They expand inside [`Vm::execute`](crate::machine::Vm) and call the macros it defines
//! for itself (macro names resolve where a macro expands, locals where it is written):
//! `reg!`, `reg_mut!` (register access), `fail!` (raise a fault), `charge_work!` (fuel for
//! work done) and `branch!` (a fused compare-and-branch). Anything that touches a local of
//! `execute` (the register pointer, the op pointer, the fuel) stays in `execute`.

/// `Ok(v)` gives `v`; `Err(f)` raises fault `f` (`fail!`).
macro_rules! try_fault {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => fail!(f),
        }
    };
}

/// Register `$r`'s value, moved out when `$take` (left `null`), else cloned.
macro_rules! operand {
    ($r:expr, $take:expr) => {{
        if $take {
            reg_mut!($r).fast_take()
        } else {
            reg!($r).fast_clone()
        }
    }};
}

/// The `$n >= 1` fields or payload of a record or variant from registers `$s..`.
macro_rules! slots {
    ($s:expr, $n:expr, $take:expr) => {
        match $n {
            1 => $crate::value::Slots::Inline(1, [operand!($s, $take), $crate::value::Value::Null]),
            2 => $crate::value::Slots::Inline(2, [operand!($s, $take), operand!($s + 1, $take)]),
            n => $crate::value::Slots::Heap((0..n).map(|i| operand!($s + i, $take)).collect()),
        }
    };
}

/// Stores `$v` in register `$r`, releasing what it held.
macro_rules! set {
    ($r:expr, $v:expr) => {{
        let v = $v;
        let slot: &mut $crate::value::Value = reg_mut!($r);
        if slot.is_scalar() {
            // SAFETY: a scalar holds no resources, so skipping its drop is exact;
            // `slot` is a valid, aligned, initialised register.
            unsafe { std::ptr::write(slot, v) }
        } else {
            // Store the new value before releasing the old one, so `v` never has
            // to survive the (out-of-line) drop.
            let old = std::mem::replace(slot, v);
            $crate::value::release(old);
        }
    }};
}

/// Releases the heap values in the registers whose bits are set in `$mask` (see
/// `Op::ReturnMask`).
macro_rules! release_mask {
    ($mask:expr) => {{
        let mut m: u32 = $mask;
        while m != 0 {
            let slot: &mut $crate::value::Value = reg_mut!(m.trailing_zeros());
            if !slot.is_scalar() {
                *slot = $crate::value::Value::Null;
            }
            m &= m - 1;
        }
    }};
}

/// The slow path of a comparison: evaluate, then charge the comparison work (containers
/// compared element by element; see `compare::take_work`).
macro_rules! charged {
    ($e:expr) => {{
        let r = $e;
        charge_work!($crate::compare::take_work());
        r
    }};
}

/// `a $cmp b` for registers `a` and `b` (`$bin` is the operator's `BinOp`): Ints and
/// Floats inline, the rest by `arith::compare_op`, charging its work.
macro_rules! ordered {
    ($cmp:tt, $bin:ident, $a:expr, $b:expr) => {
        match (reg!($a), reg!($b)) {
            ($crate::value::Value::Int(x), $crate::value::Value::Int(y)) => x $cmp y,
            ($crate::value::Value::Float(x), $crate::value::Value::Float(y)) => x $cmp y,
            (x, y) => charged!(try_fault!($crate::arith::compare_op(
                $crate::lir::BinOp::$bin,
                x,
                y
            ))),
        }
    };
}

/// `a $cmp imm` for register `a` and the small Int constant `imm`.
macro_rules! ordered_imm {
    ($cmp:tt, $bin:ident, $a:expr, $imm:expr) => {
        match reg!($a) {
            $crate::value::Value::Int(x) => *x $cmp $imm as i64,
            $crate::value::Value::Float(x) => *x $cmp $imm as f64,
            x => try_fault!($crate::arith::compare_op(
                $crate::lir::BinOp::$bin,
                x,
                &$crate::value::Value::Int($imm as i64)
            )),
        }
    };
}

/// `a == b` or `a != b`: Ints inline, the rest structurally, charging the work (`$bin` is
/// unused: equality needs no `compare_op`).
macro_rules! equal {
    ($cmp:tt, $bin:ident, $a:expr, $b:expr) => {
        match (reg!($a), reg!($b)) {
            ($crate::value::Value::Int(x), $crate::value::Value::Int(y)) => x $cmp y,
            (x, y) => charged!(x $cmp y),
        }
    };
}

/// `a == imm` or `a != imm` for register `a` and the small Int constant `imm`.
macro_rules! equal_imm {
    ($cmp:tt, $bin:ident, $a:expr, $imm:expr) => {
        match reg!($a) {
            $crate::value::Value::Int(x) => *x $cmp $imm as i64,
            x => *x $cmp $crate::value::Value::Int($imm as i64),
        }
    };
}

/// Whether register `$src` holds variant `$variant` (with or without a payload).
macro_rules! is_variant {
    ($src:expr, $variant:expr) => {
        match reg!($src) {
            $crate::value::Value::Variant(v) => v.info.id == $variant,
            $crate::value::Value::Tag(t) => t.id == $variant,
            _ => false,
        }
    };
}

/// `match op { arms }` with the compare-and-branch arms appended, from one row per
/// operator: its `BinOp`, Rust operator, how two registers and a register and an immediate
/// compare, and its three ops (jump if false, jump if true, immediate). Four ordered and
/// two equality operators in three shapes each: 18 arms from six rows.
macro_rules! with_compare_branches {
    (match $op:ident { $($arms:tt)* }) => {
        with_compare_branches!(@ $op { $($arms)* }
            (Lt, <, ordered, ordered_imm, LtJf, LtJt, LtImmJf)
            (Le, <=, ordered, ordered_imm, LeJf, LeJt, LeImmJf)
            (Gt, >, ordered, ordered_imm, GtJf, GtJt, GtImmJf)
            (Ge, >=, ordered, ordered_imm, GeJf, GeJt, GeImmJf)
            (Eq, ==, equal, equal_imm, EqJf, EqJt, EqImmJf)
            (Ne, !=, equal, equal_imm, NeJf, NeJt, NeImmJf)
        )
    };
    (@ $op:ident { $($arms:tt)* } $((
        $bin:ident, $cmp:tt, $reg_reg:ident, $reg_imm:ident, $jf:ident, $jt:ident, $jfi:ident
    ))*) => {
        match $op {
            $($arms)*
            $(
                $crate::program::Op::$jf { a, b, target } => {
                    branch!(if_false $reg_reg!($cmp, $bin, a, b), target, skip 1)
                }
                $crate::program::Op::$jt { a, b, target } => {
                    branch!(if_true $reg_reg!($cmp, $bin, a, b), target)
                }
                $crate::program::Op::$jfi { a, imm, target } => {
                    branch!(if_false $reg_imm!($cmp, $bin, a, imm), target, skip 2)
                }
            )*
        }
    };
}
