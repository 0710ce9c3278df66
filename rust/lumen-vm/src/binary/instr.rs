//! How an instruction is stored in binary LIR: its opcode byte, then its operands in the
//! order of the instruction table, each as its Rust type says ([`Wire`]). The codec is
//! generated from the table (`opcodes::instruction_table`); the code bytes of the operator,
//! type-tag and failure-kind enums are here, stated once.

use super::{corrupt, Reader, Writer, R};
use crate::lir::{BinOp, FailKind, Instr, TypeTag};
use crate::opcodes::instruction_table;

pub(super) fn binop_code(op: BinOp) -> u8 {
    match op {
        BinOp::Add => 0,
        BinOp::Sub => 1,
        BinOp::Mul => 2,
        BinOp::Div => 3,
        BinOp::IntDiv => 4,
        BinOp::Mod => 5,
        BinOp::Pow => 6,
        BinOp::Concat => 7,
        BinOp::Eq => 8,
        BinOp::Ne => 9,
        BinOp::Lt => 10,
        BinOp::Le => 11,
        BinOp::Gt => 12,
        BinOp::Ge => 13,
        BinOp::In => 14,
    }
}

pub(super) fn binop_of(c: u8) -> Option<BinOp> {
    Some(match c {
        0 => BinOp::Add,
        1 => BinOp::Sub,
        2 => BinOp::Mul,
        3 => BinOp::Div,
        4 => BinOp::IntDiv,
        5 => BinOp::Mod,
        6 => BinOp::Pow,
        7 => BinOp::Concat,
        8 => BinOp::Eq,
        9 => BinOp::Ne,
        10 => BinOp::Lt,
        11 => BinOp::Le,
        12 => BinOp::Gt,
        13 => BinOp::Ge,
        14 => BinOp::In,
        _ => return None,
    })
}

pub(super) const TAGS: [TypeTag; 10] = [
    TypeTag::Null,
    TypeTag::Bool,
    TypeTag::Int,
    TypeTag::Float,
    TypeTag::String,
    TypeTag::List,
    TypeTag::Map,
    TypeTag::Tuple,
    TypeTag::Result,
    TypeTag::Function,
];

pub(super) const FAILS: [FailKind; 4] = [
    FailKind::Halt,
    FailKind::Constraint,
    FailKind::NoMatch,
    FailKind::Type,
];

pub(super) fn tag_code(t: TypeTag) -> u8 {
    TAGS.iter().position(|x| *x == t).unwrap_or(0) as u8
}

pub(super) fn fail_code(k: FailKind) -> u8 {
    FAILS.iter().position(|x| *x == k).unwrap_or(0) as u8
}

/// How an operand of one Rust type is stored: `u8` as a byte, other integers as LEB128
/// varints (signed ones zig-zag), `bool` as a 0/1 byte, the operator, type-tag and
/// failure-kind enums as one code byte. Reading checks every narrowing and every code.
trait Wire: Sized {
    fn put(self, w: &mut Writer);
    /// `what` names the operand in an error (`LoadConst.idx`).
    fn get(r: &mut Reader<'_>, what: &str) -> R<Self>;
}

impl Wire for u8 {
    fn put(self, w: &mut Writer) {
        w.u8(self);
    }
    fn get(r: &mut Reader<'_>, _: &str) -> R<Self> {
        r.u8()
    }
}

macro_rules! wire_unsigned {
    ($($t:ty),*) => {
        $(impl Wire for $t {
            fn put(self, w: &mut Writer) {
                w.uv(self.into());
            }
            fn get(r: &mut Reader<'_>, what: &str) -> R<Self> {
                r.num(what)
            }
        })*
    };
}
wire_unsigned!(u16, u32);

macro_rules! wire_signed {
    ($($t:ty),*) => {
        $(impl Wire for $t {
            fn put(self, w: &mut Writer) {
                w.sv(self.into());
            }
            fn get(r: &mut Reader<'_>, what: &str) -> R<Self> {
                let pos = r.pos;
                <$t>::try_from(r.sv()?).map_err(|_| corrupt(&format!("{what} out of range"), pos))
            }
        })*
    };
}
wire_signed!(i16, i32);

impl Wire for bool {
    fn put(self, w: &mut Writer) {
        w.u8(self as u8);
    }
    fn get(r: &mut Reader<'_>, _: &str) -> R<Self> {
        r.bool()
    }
}

impl Wire for BinOp {
    fn put(self, w: &mut Writer) {
        w.u8(binop_code(self));
    }
    fn get(r: &mut Reader<'_>, _: &str) -> R<Self> {
        let pos = r.pos;
        binop_of(r.u8()?).ok_or_else(|| corrupt("bad operator", pos))
    }
}

impl Wire for TypeTag {
    fn put(self, w: &mut Writer) {
        w.u8(tag_code(self));
    }
    fn get(r: &mut Reader<'_>, _: &str) -> R<Self> {
        let pos = r.pos;
        TAGS.get(r.u8()? as usize)
            .copied()
            .ok_or_else(|| corrupt("bad type tag", pos))
    }
}

impl Wire for FailKind {
    fn put(self, w: &mut Writer) {
        w.u8(fail_code(self));
    }
    fn get(r: &mut Reader<'_>, _: &str) -> R<Self> {
        let pos = r.pos;
        FAILS
            .get(r.u8()? as usize)
            .copied()
            .ok_or_else(|| corrupt("bad failure kind", pos))
    }
}

/// Generates `encode_instr` and `Reader::instr` from the instruction table: an
/// instruction is its opcode byte, then its operands in table order.
macro_rules! instr_codec {
    ($(
        $(#[$doc:meta])*
        $name:ident = $code:literal
            $({ $($field:ident : $ty:ty as $kind:ident $(($arg:ident))?),* })?
            $($flag:ident)*;
    )*) => {
        pub(super) fn encode_instr(w: &mut Writer, ins: &Instr) {
            match *ins {
                $(
                    Instr::$name $({ $($field),* })? => {
                        w.u8($code);
                        $($( Wire::put($field, w); )*)?
                    }
                )*
            }
        }

        impl Reader<'_> {
            pub(super) fn instr(&mut self) -> R<Instr> {
                let pos = self.pos;
                Ok(match self.u8()? {
                    $(
                        $code => Instr::$name $({
                            $($field: Wire::get(
                                self,
                                concat!(stringify!($name), ".", stringify!($field)),
                            )?),*
                        })?,
                    )*
                    op => return Err(corrupt(&format!("unknown opcode {op}"), pos)),
                })
            }
        }
    };
}

instruction_table!(instr_codec);
