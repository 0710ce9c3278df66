//! The VM's executable form of a validated LIR module.
//!
//! `Vm::new` translates each LIR function into [`Op`]s once. An instruction the table
//! (`opcodes`) does not mark `rewritten` has an op of the same name and fields, generated
//! from the table with its translation; the rest is written here. Instruction indices are
//! kept (a fused op sits at the index of its first instruction; the others stay in place,
//! reachable only through the fused op's fall-through, which skips them):
//! - `Binary` is split into one op per operator (one dispatch instead of two);
//! - a register liveness analysis (module `liveness`) finds registers that are dead after an
//!   instruction. A comparison followed by a `JumpIfFalse`/`JumpIfTrue` on its result (every
//!   `if a < b`, every loop test and back-edge), an `IsVariant` followed by a `JumpIfFalse`,
//!   and `LoadInt k` + comparison + `JumpIfFalse` (`if n < 2`) become one compare-and-branch
//!   op when the Bool is dead afterwards, so it is not even written;
//! - a `Move` out of a dead register becomes a `Take`, and list/tuple/record/variant
//!   constructions whose operand registers are dead move the values in: no reference-count
//!   round trip, and the value keeps a single owner (in-place updates stay possible);
//! - the type-specialised `IntBinary`/`FloatBinary` (operands the checker proved Int or
//!   Float): Float `+ - *` become `AddFloat`, `SubFloat`, `MulFloat`, which test the
//!   Float pair first and take the generic path for any other pair; every other typed
//!   instruction becomes its generic `Binary` before any fusion (the generic ops test the
//!   Int pair first already, and `/` the Float pair);
//! - `sqrt`/`abs` calls with one argument become dedicated ops, fused with the `Move` of
//!   the argument into place when there is one;
//! - a proven-scalar analysis (module `scalars`) gives each return the set of registers
//!   that may hold a heap value there (`ReturnMask`, or `ReturnRelease` when one is past
//!   register 31: the return releases those, not the whole frame), and makes a call whose callee's frame covers caller registers not proven
//!   scalar a releasing one (`CallClear`, `CallValueClear`).
//!
//! Constants become values, field names are interned, and record/variant descriptions are
//! shared by all values of the type. The lowering does not need to know about any of this:
//! it emits plain LIR.

use std::collections::HashMap;
use std::rc::Rc;

use crate::builtins::Builtin;
use crate::lir::{BinOp, Constant, FailKind, Instr, Module, Reg, TypeDef, TypeTag};
use crate::liveness::Liveness;
use crate::opcodes::instruction_table;
use crate::scalars;
use crate::value::{FuncObj, RecordType, Value, VariantInfo};

/// Generates [`Op`] from the instruction table: a variant of the same name, fields and
/// documentation for each instruction not marked `rewritten`, then the hand-written ops
/// (given in braces before the table); and `plain_op`, the translation of those
/// instructions.
macro_rules! executable_ops {
    // Every instruction seen: emit.
    (@collect [$($own:tt)*] [$($ops:tt)*] [$($arms:tt)*]) => {
        /// One executable instruction: the table's instructions the VM runs as they are,
        /// then the ops `translate` makes of the others (split and fused ones).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) enum Op {
            $($ops)*
            $($own)*
        }

        /// The op of an instruction executed as it is (`None` for one the table marks
        /// `rewritten`: `translate_one` makes its op).
        fn plain_op(ins: Instr) -> Option<Op> {
            match ins {
                $($arms)*
                _ => None,
            }
        }
    };
    // A `rewritten` instruction: its ops are among the hand-written ones.
    (@collect $own:tt $ops:tt $arms:tt
        $(#[$doc:meta])*
        $name:ident = $code:literal
            $({ $($field:ident : $ty:ty as $kind:ident $(($arg:ident))?),* })?
            rewritten $($flag:ident)*;
        $($rest:tt)*
    ) => {
        executable_ops!(@collect $own $ops $arms $($rest)*);
    };
    // Any other instruction: an op of the same name and fields.
    (@collect $own:tt [$($ops:tt)*] [$($arms:tt)*]
        $(#[$doc:meta])*
        $name:ident = $code:literal
            $({ $($field:ident : $ty:ty as $kind:ident $(($arg:ident))?),* })?
            $($flag:ident)*;
        $($rest:tt)*
    ) => {
        executable_ops!(@collect $own
            [$($ops)* $(#[$doc])* $name $({ $($field: $ty),* })?,]
            [$($arms)* Instr::$name $({ $($field),* })? => Some(Op::$name $({ $($field),* })?),]
            $($rest)*);
    };
    ({ $($own:tt)* } $($table:tt)*) => {
        executable_ops!(@collect [$($own)*] [] [] $($table)*);
    };
}

instruction_table!(executable_ops {
    // The ops `translate` makes of the `rewritten` instructions and of fused sequences.
    /// `dst = a + b` (`Binary` is split into one op per common operator).
    Add { dst: Reg, a: Reg, b: Reg },
    Sub { dst: Reg, a: Reg, b: Reg },
    Mul { dst: Reg, a: Reg, b: Reg },
    Div { dst: Reg, a: Reg, b: Reg },
    Mod { dst: Reg, a: Reg, b: Reg },
    /// Any other binary operator (`//`, `**`, `++`, `in`, equality, ordering).
    Binary { op: BinOp, dst: Reg, a: Reg, b: Reg },
    Lt { dst: Reg, a: Reg, b: Reg },
    Le { dst: Reg, a: Reg, b: Reg },
    /// `if !(a < b) { pc = target }` (fused `Binary` + `JumpIfFalse`; only when the
    /// comparison's destination register is dead afterwards, so it is not written).
    LtJf { a: Reg, b: Reg, target: u32 },
    LeJf { a: Reg, b: Reg, target: u32 },
    GtJf { a: Reg, b: Reg, target: u32 },
    GeJf { a: Reg, b: Reg, target: u32 },
    EqJf { a: Reg, b: Reg, target: u32 },
    NeJf { a: Reg, b: Reg, target: u32 },
    /// `if a < b { pc = target }` (fused `Binary` + `JumpIfTrue`: the
    /// back-edge of an inverted loop).
    LtJt { a: Reg, b: Reg, target: u32 },
    LeJt { a: Reg, b: Reg, target: u32 },
    GtJt { a: Reg, b: Reg, target: u32 },
    GeJt { a: Reg, b: Reg, target: u32 },
    EqJt { a: Reg, b: Reg, target: u32 },
    NeJt { a: Reg, b: Reg, target: u32 },
    /// `if !(a < imm) { pc = target }`: a `LoadInt` of a small constant into a dead
    /// temporary, a comparison of `a` with it into the temporary, and a `JumpIfFalse` on it,
    /// fused (`if n < 2`); it continues after the jump when the condition holds.
    LtImmJf { a: Reg, imm: i16, target: u32 },
    LeImmJf { a: Reg, imm: i16, target: u32 },
    GtImmJf { a: Reg, imm: i16, target: u32 },
    GeImmJf { a: Reg, imm: i16, target: u32 },
    EqImmJf { a: Reg, imm: i16, target: u32 },
    NeImmJf { a: Reg, imm: i16, target: u32 },
    /// `dst = sqrt(src)`: `CallBuiltin sqrt` with its one argument in `tmp`, optionally
    /// fused with the preceding `Move tmp, src` (fused exactly when `src != tmp`; the fused
    /// op then continues after the call instruction, which it skips). The argument is
    /// read from `src`; `tmp` is left `null`, as a builtin call leaves it.
    Sqrt { dst: Reg, src: Reg, tmp: Reg },
    /// `dst = abs(src)` (as for `Sqrt`).
    Abs { dst: Reg, src: Reg, tmp: Reg },
    /// `if !(src is variants[variant]) { pc = target }` (fused `IsVariant` + `JumpIfFalse`,
    /// the arm test of a `match`, when the test's register is dead afterwards).
    IsVariantJf { src: Reg, variant: u16, target: u32 },
    /// `CallBuiltin` with its builtin id resolved.
    CallBuiltin { dst: Reg, builtin: Builtin, args: Reg, argc: u8 },
    /// `take`: the operand registers are dead afterwards, so their values are moved in.
    MakeList { dst: Reg, start: Reg, count: u16, take: bool },
    /// `take`: the operand registers are dead afterwards, so their values are moved in.
    MakeTuple { dst: Reg, start: Reg, count: u16, take: bool },
    /// `take`: as for `MakeList`.
    MakeRecord { dst: Reg, ty: u16, start: Reg, take: bool },
    /// `take`: as for `MakeList`.
    MakeVariant { dst: Reg, variant: u16, start: Reg, take: bool },
    /// `Return` releasing only the registers whose bits are set in `mask` (registers 0 to
    /// 31), the ones that may hold a heap value here (module `scalars`); the others hold
    /// scalars.
    ReturnMask { src: Reg, mask: u32 },
    /// `ReturnNull` releasing only the registers in `mask` (as for `ReturnMask`).
    ReturnNullMask { mask: u32 },
    /// `Return` releasing only the registers `release[at..at + n]` of its function, the
    /// ones that may hold a heap value here (module `scalars`); the others hold scalars.
    ReturnRelease { src: Reg, at: u16, n: u16 },
    /// `ReturnNull` releasing only `release[at..at + n]` (as for `ReturnRelease`).
    ReturnNullRelease { at: u16, n: u16 },
    /// `Call` that first releases the caller's registers past the arguments that the
    /// callee's frame covers (they are not proven scalar; module `scalars`).
    CallClear { dst: Reg, func: u16, args: Reg, argc: u8 },
    /// `CallValue` that first releases the caller's registers past the arguments that the
    /// callee's frame covers (as for `CallClear`).
    CallValueClear { dst: Reg, callee: Reg, args: Reg, argc: u8 },
    /// `dst = a + b` from a `FloatBinary`: the Float pair is tested first (any other pair
    /// takes the generic `Add` path).
    AddFloat { dst: Reg, a: Reg, b: Reg },
    /// `dst = a - b` from a `FloatBinary` (as for `AddFloat`).
    SubFloat { dst: Reg, a: Reg, b: Reg },
    /// `dst = a * b` from a `FloatBinary` (as for `AddFloat`).
    MulFloat { dst: Reg, a: Reg, b: Reg },
});

/// Operand counts the translation needs that an instruction does not carry itself.
#[derive(Default)]
pub(crate) struct Shapes {
    /// Field count of each type (0 for enums), by `Module::types` index.
    pub record_fields: Vec<usize>,
    /// Payload count of each variant, by `Module::variants` index.
    pub variant_fields: Vec<usize>,
    /// Whether each constant is a scalar (Int or Float), by `Module::constants` index.
    pub const_scalar: Vec<bool>,
    /// Register count of each function, by `Module::functions` index.
    pub func_regs: Vec<usize>,
}

/// One function, ready to run.
pub(crate) struct FuncCode {
    pub code: Vec<Op>,
    /// The registers each `ReturnRelease` / `ReturnNullRelease` releases (their ranges).
    pub release: Vec<Reg>,
    pub num_regs: usize,
    pub arity: u16,
    pub captures: u16,
    pub name: Rc<str>,
    pub file: String,
}

/// A whole module, ready to run (immutable, shared by the VM while it runs).
pub(crate) struct Program {
    pub funcs: Vec<FuncCode>,
    pub consts: Vec<Value>,
    /// Field names as string values (map keys for `GetField` on Json).
    pub names: Vec<Rc<String>>,
    /// `types[i]` when it is a record.
    pub records: Vec<Option<Rc<RecordType>>>,
    pub variants: Vec<Rc<VariantInfo>>,
    /// The function value of every function (for `LoadFunc`).
    pub func_values: Vec<Value>,
}

impl Program {
    /// Builds the executable form of a module that passed validation.
    pub fn build(m: &Module) -> Program {
        let consts = m
            .constants
            .iter()
            .map(|c| match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Float(f) => Value::Float(*f),
                Constant::Str(s) => Value::str(s.as_str()),
            })
            .collect();
        let names: Vec<Rc<String>> = m.names.iter().map(|n| Rc::new(n.clone())).collect();
        let name_ids: HashMap<&str, u32> = m
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let id_of = |n: &str| name_ids.get(n).copied().unwrap_or(u32::MAX);
        let records = m
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                TypeDef::Record { name, fields } => Some(Rc::new(RecordType {
                    id: i as u16,
                    name: name.clone(),
                    fields: fields.clone(),
                    field_ids: fields.iter().map(|f| id_of(f)).collect(),
                })),
                TypeDef::Enum { .. } => None,
            })
            .collect();
        let variants = m
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let enum_name = match m.types.get(v.enum_type as usize) {
                    Some(TypeDef::Enum { name, .. }) => name.clone(),
                    _ => String::new(),
                };
                Rc::new(VariantInfo {
                    id: i as u16,
                    enum_type: v.enum_type,
                    enum_name,
                    name: v.name.clone(),
                    fields: v.fields.clone(),
                    field_ids: v
                        .fields
                        .iter()
                        .map(|f| f.as_deref().map_or(u32::MAX, id_of))
                        .collect(),
                })
            })
            .collect();
        let shapes = Shapes {
            record_fields: m
                .types
                .iter()
                .map(|t| match t {
                    TypeDef::Record { fields, .. } => fields.len(),
                    TypeDef::Enum { .. } => 0,
                })
                .collect(),
            variant_fields: m.variants.iter().map(|v| v.fields.len()).collect(),
            const_scalar: m
                .constants
                .iter()
                .map(|c| matches!(c, Constant::Int(_) | Constant::Float(_)))
                .collect(),
            func_regs: m.functions.iter().map(|f| f.num_regs as usize).collect(),
        };
        let funcs: Vec<FuncCode> = m
            .functions
            .iter()
            .map(|f| {
                let mut code = translate(&f.code, f.num_regs as usize, &shapes);
                let cx = scalars::Context {
                    params: f.arity as usize + f.captures as usize,
                    num_regs: f.num_regs as usize,
                    const_scalar: &shapes.const_scalar,
                    func_regs: &shapes.func_regs,
                };
                let release = scalars::release_exits(&f.code, &mut code, &cx);
                (code, release, f)
            })
            .map(|(code, release, f)| FuncCode {
                code,
                release,
                num_regs: f.num_regs as usize,
                arity: f.arity,
                captures: f.captures,
                name: Rc::from(f.name.as_str()),
                file: m.files.get(f.file as usize).cloned().unwrap_or_default(),
            })
            .collect();
        let func_values = funcs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Value::Func(Rc::new(FuncObj {
                    func: i as u32,
                    name: f.name.clone(),
                    arity: f.arity,
                    captures: Vec::new(),
                }))
            })
            .collect();
        Program {
            funcs,
            consts,
            names,
            records,
            variants,
            func_values,
        }
    }
}

/// Translates one function's code; instruction indices are preserved (a fused pair keeps
/// its second instruction in place, unreachable except through the fused op's fall-through,
/// which skips it).
fn translate(code: &[Instr], num_regs: usize, shapes: &Shapes) -> Vec<Op> {
    let mut is_target = vec![false; code.len()];
    for target in code.iter().flat_map(Instr::targets) {
        if let Some(t) = is_target.get_mut(target as usize) {
            *t = true;
        }
    }
    let live = Liveness::compute(code, num_regs);
    let not_target = |i: usize| !is_target.get(i).copied().unwrap_or(true);
    // Register `r` is dead after instruction `j`.
    let dead_after = |j: usize, r: Reg| live.as_ref().is_some_and(|l| !l.live_out(j, r));
    let mut out = Vec::with_capacity(code.len());
    for (i, ins) in code.iter().enumerate() {
        if not_target(i + 1) && not_target(i + 2) {
            if let Some(op) = fuse_compare_imm(code, i, &dead_after) {
                out.push(op);
                continue;
            }
        }
        let fused = if not_target(i + 1) {
            // Typed instructions without an op of their own fuse as their generic `Binary`.
            fuse_pair(
                generic_unless_typed_op(*ins),
                code.get(i + 1).copied().map(generic_unless_typed_op),
                |r| dead_after(i + 1, r),
            )
        } else {
            None
        };
        out.push(fused.unwrap_or_else(|| match *ins {
            // A copy out of a register that is dead afterwards is a move (no reference-count
            // round trip, and the value keeps a single owner).
            Instr::Move { dst, src } if dead_after(i, src) => Op::Take { dst, src },
            other => {
                let mut op = translate_one(other);
                // A construction whose operand registers are all dead afterwards (or its own
                // destination, written after the operands are read) moves them in.
                let movable = |start: Reg, n: usize, dst: Reg| {
                    (start as usize..start as usize + n)
                        .all(|r| r == dst as usize || dead_after(i, r as Reg))
                };
                match &mut op {
                    Op::MakeList {
                        dst,
                        start,
                        count,
                        take,
                    }
                    | Op::MakeTuple {
                        dst,
                        start,
                        count,
                        take,
                    } => *take = movable(*start, *count as usize, *dst),
                    Op::MakeRecord {
                        dst,
                        ty,
                        start,
                        take,
                    } => {
                        let n = shapes.record_fields.get(*ty as usize).copied();
                        *take = n.is_some_and(|n| movable(*start, n, *dst));
                    }
                    Op::MakeVariant {
                        dst,
                        variant,
                        start,
                        take,
                    } => {
                        let n = shapes.variant_fields.get(*variant as usize).copied();
                        *take = n.is_some_and(|n| movable(*start, n, *dst));
                    }
                    _ => {}
                }
                op
            }
        }));
    }
    out
}

/// Fuses the instruction pair at `i`, `i + 1` (the second is not a jump target). The fused
/// op sits at `i` and continues at `i + 2` on fall-through. `dead(r)`: register `r` is dead
/// after the second instruction.
fn fuse_pair(ins: Instr, next: Option<Instr>, dead: impl Fn(Reg) -> bool) -> Option<Op> {
    match (ins, next?) {
        (Instr::Binary { op, dst, a, b }, Instr::JumpIfFalse { cond, target })
            if cond == dst && dead(dst) =>
        {
            match op {
                BinOp::Lt => Some(Op::LtJf { a, b, target }),
                BinOp::Le => Some(Op::LeJf { a, b, target }),
                BinOp::Gt => Some(Op::GtJf { a, b, target }),
                BinOp::Ge => Some(Op::GeJf { a, b, target }),
                BinOp::Eq => Some(Op::EqJf { a, b, target }),
                BinOp::Ne => Some(Op::NeJf { a, b, target }),
                _ => None,
            }
        }
        (Instr::Binary { op, dst, a, b }, Instr::JumpIfTrue { cond, target })
            if cond == dst && dead(dst) =>
        {
            match op {
                BinOp::Lt => Some(Op::LtJt { a, b, target }),
                BinOp::Le => Some(Op::LeJt { a, b, target }),
                BinOp::Gt => Some(Op::GtJt { a, b, target }),
                BinOp::Ge => Some(Op::GeJt { a, b, target }),
                BinOp::Eq => Some(Op::EqJt { a, b, target }),
                BinOp::Ne => Some(Op::NeJt { a, b, target }),
                _ => None,
            }
        }
        (Instr::IsVariant { dst, src, variant }, Instr::JumpIfFalse { cond, target })
            if cond == dst && dead(dst) =>
        {
            Some(Op::IsVariantJf {
                src,
                variant,
                target,
            })
        }
        (
            Instr::Move { dst: tmp, src },
            Instr::CallBuiltin {
                dst,
                builtin,
                args,
                argc: 1,
            },
        ) if args == tmp && src != tmp => match Builtin::from_id(builtin) {
            Some(Builtin::Sqrt) => Some(Op::Sqrt { dst, src, tmp }),
            Some(Builtin::Abs) => Some(Op::Abs { dst, src, tmp }),
            _ => None,
        },
        _ => None,
    }
}

/// `LoadInt t, k; t = a CMP t; JumpIfFalse t` at `i` (with `k` fitting an `i16`, `t` dead
/// after the jump, and the last two instructions not jump targets) as one
/// compare-with-immediate-and-branch op.
fn fuse_compare_imm(
    code: &[Instr],
    i: usize,
    dead_after: &dyn Fn(usize, Reg) -> bool,
) -> Option<Op> {
    let (
        Some(&Instr::LoadInt { dst: t, value }),
        Some(&Instr::Binary { op, dst, a, b }),
        Some(&Instr::JumpIfFalse { cond, target }),
    ) = (
        code.get(i),
        code.get(i + 1)
            .copied()
            .map(generic_unless_typed_op)
            .as_ref(),
        code.get(i + 2),
    )
    else {
        return None;
    };
    if dst != t || b != t || a == t || cond != t || !dead_after(i + 2, t) {
        return None;
    }
    let imm = i16::try_from(value).ok()?;
    match op {
        BinOp::Lt => Some(Op::LtImmJf { a, imm, target }),
        BinOp::Le => Some(Op::LeImmJf { a, imm, target }),
        BinOp::Gt => Some(Op::GtImmJf { a, imm, target }),
        BinOp::Ge => Some(Op::GeImmJf { a, imm, target }),
        BinOp::Eq => Some(Op::EqImmJf { a, imm, target }),
        BinOp::Ne => Some(Op::NeImmJf { a, imm, target }),
        _ => None,
    }
}

/// A typed instruction (`IntBinary`, `FloatBinary`) that has no op of its own as the
/// generic `Binary`; every other instruction as it is.
fn generic_unless_typed_op(ins: Instr) -> Instr {
    match ins {
        Instr::IntBinary { op, dst, a, b } => Instr::Binary { op, dst, a, b },
        Instr::FloatBinary { op, dst, a, b }
            if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul) =>
        {
            Instr::Binary { op, dst, a, b }
        }
        other => other,
    }
}

/// The op of one instruction outside any fusion: its own op (generated from the table),
/// or for a `rewritten` one the op it becomes.
fn translate_one(ins: Instr) -> Op {
    if let Some(op) = plain_op(ins) {
        return op;
    }
    match ins {
        Instr::Binary { op, dst, a, b } => match op {
            BinOp::Add => Op::Add { dst, a, b },
            BinOp::Sub => Op::Sub { dst, a, b },
            BinOp::Mul => Op::Mul { dst, a, b },
            BinOp::Div => Op::Div { dst, a, b },
            BinOp::Mod => Op::Mod { dst, a, b },
            BinOp::Lt => Op::Lt { dst, a, b },
            BinOp::Le => Op::Le { dst, a, b },
            _ => Op::Binary { op, dst, a, b },
        },
        Instr::IntBinary { op, dst, a, b } => translate_one(Instr::Binary { op, dst, a, b }),
        Instr::FloatBinary { op, dst, a, b } => match op {
            BinOp::Add => Op::AddFloat { dst, a, b },
            BinOp::Sub => Op::SubFloat { dst, a, b },
            BinOp::Mul => Op::MulFloat { dst, a, b },
            _ => translate_one(Instr::Binary { op, dst, a, b }),
        },
        Instr::CallBuiltin {
            dst,
            builtin,
            args,
            argc,
        } => match Builtin::from_id(builtin) {
            Some(Builtin::Sqrt) if argc == 1 => Op::Sqrt {
                dst,
                src: args,
                tmp: args,
            },
            Some(Builtin::Abs) if argc == 1 => Op::Abs {
                dst,
                src: args,
                tmp: args,
            },
            Some(builtin) => Op::CallBuiltin {
                dst,
                builtin,
                args,
                argc,
            },
            // Unreachable after validation; keep a defined behaviour anyway.
            None => Op::Fail {
                kind: FailKind::Type,
                msg: dst,
            },
        },
        Instr::MakeList { dst, start, count } => Op::MakeList {
            dst,
            start,
            count,
            take: false,
        },
        Instr::MakeTuple { dst, start, count } => Op::MakeTuple {
            dst,
            start,
            count,
            take: false,
        },
        Instr::MakeRecord { dst, ty, start } => Op::MakeRecord {
            dst,
            ty,
            start,
            take: false,
        },
        Instr::MakeVariant {
            dst,
            variant,
            start,
        } => Op::MakeVariant {
            dst,
            variant,
            start,
            take: false,
        },
        // Every other instruction has its own op (`plain_op`). Never reached: a table entry
        // marked `rewritten` without an arm here would get this defined op, which the test
        // `every_rewritten_instruction_has_its_own_op` rules out.
        _ => Op::ReturnNull,
    }
}

#[cfg(test)]
#[path = "program_tests.rs"]
mod tests;
