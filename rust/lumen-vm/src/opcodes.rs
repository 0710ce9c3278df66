//! The instruction table: every LIR instruction once, with its opcode number and the kind
//! of each operand (in the style of Lua's `lopcodes.h`).
//!
//! Everything that depends on the instruction set is derived from the table by macros
//! that receive it (`instruction_table!(callback)` expands to `callback! { table }`):
//! - here: the [`Instr`] enum (re-exported by `lir`; serde gives its JSON form),
//!   [`Instr::opcode`], [`Instr::operands`] (each operand with its meaning) and
//!   [`Instr::falls_through`];
//! - `binary`: the encoding of an instruction (its opcode byte, then its operands in table
//!   order, each stored as its Rust type says) and the untrusting decoding;
//! - `validate`: the checks of every operand (from [`Instr::operands`]);
//! - `liveness`: the registers an instruction reads and writes, and its successors;
//! - `program`: the VM's `Op` variant of each instruction it executes as it is, and its
//!   translation.
//!
//! So adding an opcode means a line in the table (at the end, with the next number, and a
//! `LIR_VERSION` bump) and its execution in the interpreter loop.
//!
//! # Table syntax
//!
//! `Name = opcode { field: Type as kind, ... } flags;` with doc comments before it. The
//! fields are the variant's fields, in order (the order of the binary form too). Flags:
//! - `ends`: never falls through to the next instruction (a function's last instruction
//!   must be one of these);
//! - `rewritten`: the VM does not execute it as it is: `program::translate` rewrites it
//!   and its `Op` variants are written by hand. Without it, `Op` has a variant of the same
//!   name and fields.
//!
//! # Operand kinds
//!
//! | kind | the operand is | validation | liveness |
//! |---|---|---|---|
//! | `dst` | a register written | `< num_regs` | written |
//! | `reg` | a register read | `< num_regs` | read |
//! | `range(n)` | the first of `n` registers read | inside the frame | read |
//! | `pairs(n)` | the first of `2n` registers read (key/value pairs) | inside the frame | read |
//! | `window(argc)` | a call's `argc` arguments; the callee's frame starts there | inside the frame | all read from here on |
//! | `fields(ty)` | the first of record `ty`'s field values | `ty` is a record; inside the frame | all read from here on |
//! | `payload(variant)` | the first of the variant's payload values | inside the frame (none: unused) | all read from here on |
//! | `captures(func)` | the first of the closure's captured values | inside the frame | all read from here on |
//! | `target` | a jump target | `< code.len()` | a successor |
//! | `konst`, `func`, `ty`, `variant`, `tool`, `global`, `builtin`, `name` | an index into the module's constants, functions, types, variants, tools, globals, builtins, field names | in range | — |
//! | `imm` | a value: immediate, flag, operator, slot, count | — | — |
//!
//! The argument of a range kind names the field holding its count (or the index it depends
//! on). Checks that relate operands beyond this (a call's argument count against the
//! callee's arity) are `validate`'s short explicit list.

use serde::{Deserialize, Serialize};

use crate::lir::{BinOp, FailKind, Reg, TypeTag};

/// The instruction table; `instruction_table!(callback extra...)` expands to
/// `callback! { extra... table }` (see the module documentation for the syntax).
macro_rules! instruction_table {
    ($callback:ident $($extra:tt)*) => {
        $callback! {
            $($extra)*

            // ---- loads and moves
            /// `dst = null`
            LoadNull = 0 { dst: Reg as dst };
            /// `dst = value`
            LoadBool = 1 { dst: Reg as dst, value: bool as imm };
            /// `dst = value` (small integer inline)
            LoadInt = 2 { dst: Reg as dst, value: i32 as imm };
            /// `dst = constants[idx]`
            LoadConst = 3 { dst: Reg as dst, idx: u32 as konst };
            /// `dst = src` (a reference-count increment for heap values)
            Move = 4 { dst: Reg as dst, src: Reg as reg };
            /// `dst = src; src = null` (moves ownership, keeping reference counts exact)
            Take = 5 { dst: Reg as dst, src: Reg as reg };
            /// `dst = globals[idx]`
            LoadGlobal = 6 { dst: Reg as dst, idx: u16 as global };
            /// `globals[idx] = src`
            StoreGlobal = 7 { idx: u16 as global, src: Reg as reg };
            /// `dst` = the function value of `functions[func]` (no captures).
            LoadFunc = 8 { dst: Reg as dst, func: u32 as func };

            // ---- arithmetic and logic
            /// `dst = a op b`. When `dst == a` and `a` holds the only reference to a string or
            /// list, `Add`/`Concat` append in place.
            Binary = 9 { op: BinOp as imm, dst: Reg as dst, a: Reg as reg, b: Reg as reg } rewritten;
            /// `dst = a + imm` on Int (checked) or Float; the common `i + 1` loop step.
            AddImm = 10 { dst: Reg as dst, a: Reg as reg, imm: i16 as imm };
            /// `dst = -src`
            Neg = 11 { dst: Reg as dst, src: Reg as reg };
            /// `dst = not src` (src must be Bool)
            Not = 12 { dst: Reg as dst, src: Reg as reg };

            // ---- control flow
            /// `pc = target`
            Jump = 13 { target: u32 as target } ends;
            /// if `cond` is false: `pc = target` (cond must be Bool)
            JumpIfFalse = 14 { cond: Reg as reg, target: u32 as target };
            /// if `cond` is true: `pc = target`
            JumpIfTrue = 15 { cond: Reg as reg, target: u32 as target };
            /// if `src` is null: `pc = target`
            JumpIfNull = 16 { src: Reg as reg, target: u32 as target };
            /// if `src` is not null: `pc = target`
            JumpIfNotNull = 17 { src: Reg as reg, target: u32 as target };

            // ---- calls
            /// Call `functions[func]` with `argc` arguments in `args..args+argc`; result to `dst`.
            Call = 18 { dst: Reg as dst, func: u16 as func, args: Reg as window(argc), argc: u8 as imm };
            /// Call the function value in `callee` (a closure or function reference).
            CallValue = 19 { dst: Reg as dst, callee: Reg as reg, args: Reg as window(argc), argc: u8 as imm };
            /// Call a builtin (see `builtins::Builtin`, by its numeric id).
            CallBuiltin = 20 { dst: Reg as dst, builtin: u16 as builtin, args: Reg as window(argc), argc: u8 as imm } rewritten;
            /// Call `tools[tool]` with the named arguments in the map value in `args`. The VM
            /// suspends; the host checks grants, runs the tool, and resumes with its JSON result
            /// (converted to a value into `dst`) or an error.
            CallTool = 21 { dst: Reg as dst, tool: u16 as tool, args: Reg as reg };
            /// Return the value in `src` from the current function.
            Return = 22 { src: Reg as reg } ends;
            /// Return null.
            ReturnNull = 23 ends;

            // ---- construction
            /// `dst = [start, ..., start+count-1]`
            MakeList = 24 { dst: Reg as dst, start: Reg as range(count), count: u16 as imm } rewritten;
            /// `dst = {k0: v0, ...}` from `count` key/value pairs in `start..start+2*count`.
            MakeMap = 25 { dst: Reg as dst, start: Reg as pairs(count), count: u16 as imm };
            /// `dst = (start, ..., start+count-1)`
            MakeTuple = 26 { dst: Reg as dst, start: Reg as range(count), count: u16 as imm } rewritten;
            /// Record of `types[ty]` with its fields, in declaration order, in `start..`.
            MakeRecord = 27 { dst: Reg as dst, ty: u16 as ty, start: Reg as fields(ty) } rewritten;
            /// Variant `variants[variant]` with its payload in `start..` (payload-less: `start` ignored).
            MakeVariant = 28 { dst: Reg as dst, variant: u16 as variant, start: Reg as payload(variant) } rewritten;
            /// `dst = ok(src)`
            MakeOk = 29 { dst: Reg as dst, src: Reg as reg };
            /// `dst = err(src)`
            MakeErr = 30 { dst: Reg as dst, src: Reg as reg };
            /// Closure of `functions[func]` capturing `start..start+func.captures` (by value).
            MakeClosure = 31 { dst: Reg as dst, func: u16 as func, start: Reg as captures(func) };

            // ---- access
            /// `dst = obj.name` where `name` indexes `Module::names`: record field, named
            /// variant payload field, or map key (Json). Missing map key gives null; a missing
            /// record field is an error.
            GetField = 32 { dst: Reg as dst, obj: Reg as reg, name: u16 as name };
            /// `obj.name = src` in place (copy-on-write) on a record or map.
            SetField = 33 { obj: Reg as reg, name: u16 as name, src: Reg as reg };
            /// `dst = obj[idx]`: list/tuple/string index (out of range: error), map key (missing: null).
            GetIndex = 34 { dst: Reg as dst, obj: Reg as reg, idx: Reg as reg };
            /// `obj[idx] = src` in place (copy-on-write) on a list (in range) or map (insert/replace).
            SetIndex = 35 { obj: Reg as reg, idx: Reg as reg, src: Reg as reg };
            /// `dst` = slot `slot` of a record, variant payload or tuple (position, no name lookup).
            GetSlot = 36 { dst: Reg as dst, obj: Reg as reg, slot: u16 as imm };
            /// `dst` = payload of an `ok`/`err` result.
            Unwrap = 37 { dst: Reg as dst, src: Reg as reg };
            /// Append `src` to the list in `list` in place (copy-on-write): `xs = append(xs, v)`.
            Push = 38 { list: Reg as reg, src: Reg as reg };
            /// `dst = len(src)` for lists, maps, tuples, strings (characters).
            Len = 39 { dst: Reg as dst, src: Reg as reg };
            /// Prepare a `for` loop: lists stay as they are, strings become lists of one-character
            /// strings, maps become lists of `(key, value)` tuples; anything else is an error.
            IterPrep = 40 { dst: Reg as dst, src: Reg as reg };
            /// `dst = list[idx]` for an Int `idx` known to be in range (for loops); still checked.
            IterGet = 41 { dst: Reg as dst, list: Reg as reg, idx: Reg as reg };

            // ---- tests
            /// `dst = src is tag`
            IsType = 42 { dst: Reg as dst, src: Reg as reg, tag: TypeTag as imm };
            /// `dst = src is types[ty]` (a record of that type, or any variant of that enum)
            IsUserType = 43 { dst: Reg as dst, src: Reg as reg, ty: u16 as ty };
            /// `dst = src is variants[variant]`
            IsVariant = 44 { dst: Reg as dst, src: Reg as reg, variant: u16 as variant };
            /// `dst = (src is ok)` (false for err; src must be a result)
            IsOk = 45 { dst: Reg as dst, src: Reg as reg };

            // ---- errors
            /// Stop with a run-time error whose message is the string in `msg`; `kind` selects the
            /// error code (`halt`, constraint, non-exhaustive match fallback ...).
            Fail = 46 { kind: FailKind as imm, msg: Reg as reg } ends;

            // ---- type-specialised arithmetic (issue 13 point 3)
            /// `dst = a op b` where the checker proved `a` and `b` both Int. A hint only: the
            /// VM checks the tags anyway, and other values take the generic `Binary` path
            /// (the same result or error), so an ill-typed module cannot misbehave.
            IntBinary = 47 { op: BinOp as imm, dst: Reg as dst, a: Reg as reg, b: Reg as reg } rewritten;
            /// `dst = a op b` where the checker proved `a` and `b` both Float (a hint, as for
            /// `IntBinary`).
            FloatBinary = 48 { op: BinOp as imm, dst: Reg as dst, a: Reg as reg, b: Reg as reg } rewritten;
            /// `dst = obj.name` where the checker proved `obj` a record whose field `name` is
            /// at `slot`. The VM reads the slot directly when `obj` is a record whose field
            /// at `slot` is named `name`, and otherwise does exactly what `GetField` does.
            GetFieldSlot = 49 { dst: Reg as dst, obj: Reg as reg, name: u16 as name, slot: u8 as imm };
        }
    };
}
pub(crate) use instruction_table;

/// Generates [`Instr`] and its table-derived methods.
macro_rules! instr_enum {
    // An operand's meaning, from its kind (`$f` is the field's value).
    (@operand dst, $f:ident) => { Operand::Write($f) };
    (@operand reg, $f:ident) => { Operand::Read($f) };
    (@operand range($n:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::Exactly(wide($n)) }
    };
    (@operand pairs($n:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::Exactly(2 * wide($n)) }
    };
    (@operand window($n:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::Window(wide($n)) }
    };
    (@operand fields($t:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::RecordFields(wide($t)) }
    };
    (@operand payload($v:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::Payload(wide($v)) }
    };
    (@operand captures($g:ident), $f:ident) => {
        Operand::ReadRange { start: $f, count: Count::Captures(wide($g)) }
    };
    (@operand target, $f:ident) => { Operand::Target($f) };
    (@operand konst, $f:ident) => { Operand::Index(Space::Constant, wide($f)) };
    (@operand func, $f:ident) => { Operand::Index(Space::Function, wide($f)) };
    (@operand ty, $f:ident) => { Operand::Index(Space::Type, wide($f)) };
    (@operand variant, $f:ident) => { Operand::Index(Space::Variant, wide($f)) };
    (@operand tool, $f:ident) => { Operand::Index(Space::Tool, wide($f)) };
    (@operand global, $f:ident) => { Operand::Index(Space::Global, wide($f)) };
    (@operand builtin, $f:ident) => { Operand::Index(Space::Builtin, wide($f)) };
    (@operand name, $f:ident) => { Operand::Index(Space::Name, wide($f)) };
    (@operand imm, $f:ident) => { Operand::Imm };

    // Whether an instruction with these flags falls through.
    (@falls) => { true };
    (@falls ends $($rest:ident)*) => { false };
    (@falls $other:ident $($rest:ident)*) => { instr_enum!(@falls $($rest)*) };

    // The flags there are (any other is a compile error).
    (@flag ends) => {};
    (@flag rewritten) => {};

    (@unit $f:ident) => { () };

    ($(
        $(#[$doc:meta])*
        $name:ident = $code:literal
            $({ $($field:ident : $ty:ty as $kind:ident $(($arg:ident))?),* })?
            $($flag:ident)*;
    )*) => {
        /// One register instruction. Kept at 8 bytes: register operands are `u16`, jump
        /// targets absolute `u32` instruction indices. Generated from the instruction table
        /// (module `opcodes`), which gives each operand's kind.
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        pub enum Instr {
            $(
                $(#[$doc])*
                $name $({ $($field: $ty),* })?,
            )*
        }

        $($( instr_enum!(@flag $flag); )*)*

        /// The largest number of operands of one instruction.
        const MAX_OPERANDS: usize =
            max_of(&[$( <[()]>::len(&[$($(instr_enum!(@unit $field)),*)?]) ),*]);

        impl Instr {
            /// The opcode: the instruction's number in the binary form.
            pub fn opcode(&self) -> u8 {
                match self {
                    $( Instr::$name { .. } => $code, )*
                }
            }

            /// The operands, in table (field) order, each with its meaning.
            // `imm` operands are bound but carry no meaning here.
            #[allow(unused_variables)]
            pub fn operands(&self) -> Operands {
                match *self {
                    $(
                        Instr::$name $({ $($field),* })? => Operands::new(&[
                            $($( instr_enum!(@operand $kind $(($arg))?, $field) ),*)?
                        ]),
                    )*
                }
            }

            /// Whether execution may continue with the next instruction (false for the
            /// table's `ends` instructions).
            pub fn falls_through(&self) -> bool {
                match self {
                    $( Instr::$name { .. } => instr_enum!(@falls $($flag)*), )*
                }
            }

            /// One instruction of each opcode, its operands filled by `value(kind)`, called
            /// in operand order with the kind's name (`"dst"`, `"range"`, `"imm"` ...).
            #[cfg(test)]
            pub(crate) fn sample(
                opcode: u8,
                mut value: impl FnMut(&'static str) -> u32,
            ) -> Option<Instr> {
                match opcode {
                    $(
                        $code => Some(Instr::$name $({
                            $($field: FromSample::from_sample(value(stringify!($kind)))),*
                        })?),
                    )*
                    _ => None,
                }
            }
        }

        /// Every opcode of the table, in table order.
        #[cfg(test)]
        pub(crate) const OPCODES: &[u8] = &[$($code),*];
    };
}

instruction_table!(instr_enum);

/// One operand of an instruction, with its meaning (from its kind in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// A register the instruction writes (`dst`).
    Write(Reg),
    /// A register it reads (`reg`).
    Read(Reg),
    /// Registers it reads, from `start` on (the range kinds).
    ReadRange { start: Reg, count: Count },
    /// A jump target: an instruction index of the same function (`target`).
    Target(u32),
    /// An index into one of the module's tables.
    Index(Space, u32),
    /// A value with no index meaning (`imm`).
    Imm,
}

/// How many registers a [`Operand::ReadRange`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many (`range`, `pairs`).
    Exactly(u32),
    /// A call's argument count (`window`). The callee's frame starts at the window, so
    /// liveness counts every register from there on as read.
    Window(u32),
    /// As many as the fields of record type `types[.0]` (`fields`).
    RecordFields(u32),
    /// As many as the payload of `variants[.0]` (`payload`; none: `start` is unused).
    Payload(u32),
    /// As many as the captures of `functions[.0]` (`captures`).
    Captures(u32),
}

/// The module table an [`Operand::Index`] indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// `Module::constants` (`konst`).
    Constant,
    /// `Module::functions` (`func`).
    Function,
    /// `Module::types` (`ty`).
    Type,
    /// `Module::variants` (`variant`).
    Variant,
    /// `Module::tools` (`tool`).
    Tool,
    /// The `Module::globals` slots (`global`).
    Global,
    /// The builtin ids, `builtins::Builtin` (`builtin`).
    Builtin,
    /// `Module::names` (`name`).
    Name,
}

impl Space {
    /// What one entry is called in messages (`constant`, `function` ...).
    pub fn noun(self) -> &'static str {
        match self {
            Space::Constant => "constant",
            Space::Function => "function",
            Space::Type => "type",
            Space::Variant => "variant",
            Space::Tool => "tool",
            Space::Global => "global",
            Space::Builtin => "builtin",
            Space::Name => "name",
        }
    }
}

/// The operands of one instruction, in table order (see [`Instr::operands`]).
#[derive(Debug, Clone)]
pub struct Operands {
    items: [Operand; MAX_OPERANDS],
    len: usize,
    next: usize,
}

impl Operands {
    fn new(ops: &[Operand]) -> Operands {
        let mut items = [Operand::Imm; MAX_OPERANDS];
        for (slot, op) in items.iter_mut().zip(ops) {
            *slot = *op;
        }
        Operands {
            items,
            len: ops.len().min(MAX_OPERANDS),
            next: 0,
        }
    }
}

impl Iterator for Operands {
    type Item = Operand;

    fn next(&mut self) -> Option<Operand> {
        if self.next >= self.len {
            return None;
        }
        let op = self.items.get(self.next).copied();
        self.next += 1;
        op
    }
}

impl Instr {
    /// The jump targets among the operands.
    pub fn targets(&self) -> impl Iterator<Item = u32> {
        self.operands().filter_map(|op| match op {
            Operand::Target(t) => Some(t),
            _ => None,
        })
    }
}

/// An index or count operand widened to `u32` (every index type converts losslessly).
fn wide<T: Into<u32>>(x: T) -> u32 {
    x.into()
}

const fn max_of(mut xs: &[usize]) -> usize {
    let mut max = 0;
    while let [first, rest @ ..] = xs {
        if *first > max {
            max = *first;
        }
        xs = rest;
    }
    max
}

/// Builds an operand of a sample instruction from a number (tests only).
#[cfg(test)]
pub(crate) trait FromSample {
    fn from_sample(v: u32) -> Self;
}

#[cfg(test)]
mod sample_impls {
    use super::FromSample;
    use crate::lir::{BinOp, FailKind, TypeTag};

    macro_rules! truncating {
        ($($t:ty),*) => {
            $(impl FromSample for $t {
                fn from_sample(v: u32) -> Self {
                    v as $t
                }
            })*
        };
    }
    truncating!(u8, u16, u32, i16, i32);

    impl FromSample for bool {
        fn from_sample(v: u32) -> Self {
            v % 2 == 1
        }
    }
    impl FromSample for BinOp {
        fn from_sample(v: u32) -> Self {
            if v % 2 == 1 {
                BinOp::Ge
            } else {
                BinOp::Add
            }
        }
    }
    impl FromSample for TypeTag {
        fn from_sample(v: u32) -> Self {
            if v % 2 == 1 {
                TypeTag::Function
            } else {
                TypeTag::Null
            }
        }
    }
    impl FromSample for FailKind {
        fn from_sample(v: u32) -> Self {
            if v % 2 == 1 {
                FailKind::Type
            } else {
                FailKind::Halt
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Instr> {
        OPCODES
            .iter()
            .filter_map(|&op| Instr::sample(op, |_| 1))
            .collect()
    }

    #[test]
    fn opcodes_are_distinct_and_every_one_has_an_instruction() {
        let mut seen = [false; 256];
        for &op in OPCODES {
            let slot = &mut seen[op as usize];
            assert!(!*slot, "opcode {op} is used twice");
            *slot = true;
            let ins = Instr::sample(op, |_| 0).expect("a sample");
            assert_eq!(ins.opcode(), op, "{ins:?}");
        }
        assert_eq!(all().len(), OPCODES.len());
    }

    #[test]
    fn operands_follow_the_fields() {
        // Every operand is listed: the number of operands is the number of fields the
        // sample builder filled, for every instruction.
        for &op in OPCODES {
            let mut kinds = Vec::new();
            let ins = Instr::sample(op, |k| {
                kinds.push(k);
                1
            })
            .expect("a sample");
            let operands: Vec<Operand> = ins.operands().collect();
            assert_eq!(operands.len(), kinds.len(), "{ins:?}");
            for (o, k) in operands.iter().zip(&kinds) {
                let expected_imm = *k == "imm";
                assert_eq!(
                    matches!(o, Operand::Imm),
                    expected_imm,
                    "{ins:?}: {o:?} as {k}"
                );
            }
        }
    }

    #[test]
    fn jumps_and_terminators() {
        for ins in all() {
            let targets: Vec<u32> = ins.targets().collect();
            match ins {
                Instr::Jump { target } => {
                    assert_eq!(targets, vec![target]);
                    assert!(!ins.falls_through());
                }
                Instr::Return { .. } | Instr::ReturnNull | Instr::Fail { .. } => {
                    assert!(targets.is_empty() && !ins.falls_through(), "{ins:?}")
                }
                _ => assert!(ins.falls_through(), "{ins:?}"),
            }
        }
    }
}
