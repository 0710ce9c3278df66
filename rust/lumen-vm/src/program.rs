//! The VM's executable form of a validated LIR module.
//!
//! `Vm::new` translates each LIR function into [`Op`]s once: `Binary` is split into one
//! op per operator (one dispatch instead of two), and a comparison immediately followed by
//! a `JumpIfFalse` on its result (the shape of every `if a < b` / `while a < b`) is fused
//! into one compare-and-branch op. Constants become values, field names are interned, and
//! record/variant descriptions are shared by all values of the type. The lowering does not
//! need to know about any of this: it emits plain LIR.

use std::collections::HashMap;
use std::rc::Rc;

use crate::builtins::Builtin;
use crate::lir::{BinOp, Constant, FailKind, Instr, Module, Reg, TypeDef, TypeTag};
use crate::value::{FuncObj, RecordType, Value, VariantInfo};

/// One executable instruction (see [`Instr`] for the meaning of the shared ones).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    LoadNull {
        dst: Reg,
    },
    LoadBool {
        dst: Reg,
        value: bool,
    },
    LoadInt {
        dst: Reg,
        value: i32,
    },
    LoadConst {
        dst: Reg,
        idx: u32,
    },
    Move {
        dst: Reg,
        src: Reg,
    },
    Take {
        dst: Reg,
        src: Reg,
    },
    LoadGlobal {
        dst: Reg,
        idx: u16,
    },
    StoreGlobal {
        idx: u16,
        src: Reg,
    },
    LoadFunc {
        dst: Reg,
        func: u32,
    },
    Add {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Sub {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Mul {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Div {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Mod {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// Any other binary operator (`//`, `**`, `++`, `in`, equality, ordering).
    Binary {
        op: BinOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Lt {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Le {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    AddImm {
        dst: Reg,
        a: Reg,
        imm: i16,
    },
    Neg {
        dst: Reg,
        src: Reg,
    },
    Not {
        dst: Reg,
        src: Reg,
    },
    Jump {
        target: u32,
    },
    JumpIfFalse {
        cond: Reg,
        target: u32,
    },
    JumpIfTrue {
        cond: Reg,
        target: u32,
    },
    JumpIfNull {
        src: Reg,
        target: u32,
    },
    JumpIfNotNull {
        src: Reg,
        target: u32,
    },
    /// `dst = a < b; if !dst { pc = target }` (fused `Binary` + `JumpIfFalse`).
    LtJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    LeJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    GtJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    GeJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    EqJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    NeJf {
        dst: Reg,
        a: Reg,
        b: Reg,
        target: u32,
    },
    Call {
        dst: Reg,
        func: u16,
        args: Reg,
        argc: u8,
    },
    CallValue {
        dst: Reg,
        callee: Reg,
        args: Reg,
        argc: u8,
    },
    CallBuiltin {
        dst: Reg,
        builtin: Builtin,
        args: Reg,
        argc: u8,
    },
    CallTool {
        dst: Reg,
        tool: u16,
        args: Reg,
    },
    Return {
        src: Reg,
    },
    ReturnNull,
    MakeList {
        dst: Reg,
        start: Reg,
        count: u16,
    },
    MakeMap {
        dst: Reg,
        start: Reg,
        count: u16,
    },
    MakeTuple {
        dst: Reg,
        start: Reg,
        count: u16,
    },
    MakeRecord {
        dst: Reg,
        ty: u16,
        start: Reg,
    },
    MakeVariant {
        dst: Reg,
        variant: u16,
        start: Reg,
    },
    MakeOk {
        dst: Reg,
        src: Reg,
    },
    MakeErr {
        dst: Reg,
        src: Reg,
    },
    MakeClosure {
        dst: Reg,
        func: u16,
        start: Reg,
    },
    GetField {
        dst: Reg,
        obj: Reg,
        name: u16,
    },
    SetField {
        obj: Reg,
        name: u16,
        src: Reg,
    },
    GetIndex {
        dst: Reg,
        obj: Reg,
        idx: Reg,
    },
    SetIndex {
        obj: Reg,
        idx: Reg,
        src: Reg,
    },
    GetSlot {
        dst: Reg,
        obj: Reg,
        slot: u16,
    },
    Unwrap {
        dst: Reg,
        src: Reg,
    },
    Push {
        list: Reg,
        src: Reg,
    },
    Len {
        dst: Reg,
        src: Reg,
    },
    IterPrep {
        dst: Reg,
        src: Reg,
    },
    IterGet {
        dst: Reg,
        list: Reg,
        idx: Reg,
    },
    IsType {
        dst: Reg,
        src: Reg,
        tag: TypeTag,
    },
    IsUserType {
        dst: Reg,
        src: Reg,
        ty: u16,
    },
    IsVariant {
        dst: Reg,
        src: Reg,
        variant: u16,
    },
    IsOk {
        dst: Reg,
        src: Reg,
    },
    Fail {
        kind: FailKind,
        msg: Reg,
    },
}

/// One function, ready to run.
pub(crate) struct FuncCode {
    pub code: Vec<Op>,
    pub lines: Vec<u32>,
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
        let funcs: Vec<FuncCode> = m
            .functions
            .iter()
            .map(|f| FuncCode {
                code: translate(&f.code),
                lines: f.lines.clone(),
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
fn translate(code: &[Instr]) -> Vec<Op> {
    let mut is_target = vec![false; code.len()];
    for ins in code {
        if let Instr::Jump { target }
        | Instr::JumpIfFalse { target, .. }
        | Instr::JumpIfTrue { target, .. }
        | Instr::JumpIfNull { target, .. }
        | Instr::JumpIfNotNull { target, .. } = *ins
        {
            if let Some(t) = is_target.get_mut(target as usize) {
                *t = true;
            }
        }
    }
    let mut out = Vec::with_capacity(code.len());
    for (i, ins) in code.iter().enumerate() {
        let fused = match (*ins, code.get(i + 1)) {
            (Instr::Binary { op, dst, a, b }, Some(&Instr::JumpIfFalse { cond, target }))
                if cond == dst && !is_target.get(i + 1).copied().unwrap_or(true) =>
            {
                // The fused op continues at i + 2 when the condition holds.
                match op {
                    BinOp::Lt => Some(Op::LtJf { dst, a, b, target }),
                    BinOp::Le => Some(Op::LeJf { dst, a, b, target }),
                    BinOp::Gt => Some(Op::GtJf { dst, a, b, target }),
                    BinOp::Ge => Some(Op::GeJf { dst, a, b, target }),
                    BinOp::Eq => Some(Op::EqJf { dst, a, b, target }),
                    BinOp::Ne => Some(Op::NeJf { dst, a, b, target }),
                    _ => None,
                }
            }
            _ => None,
        };
        out.push(fused.unwrap_or_else(|| translate_one(*ins)));
    }
    out
}

fn translate_one(ins: Instr) -> Op {
    match ins {
        Instr::LoadNull { dst } => Op::LoadNull { dst },
        Instr::LoadBool { dst, value } => Op::LoadBool { dst, value },
        Instr::LoadInt { dst, value } => Op::LoadInt { dst, value },
        Instr::LoadConst { dst, idx } => Op::LoadConst { dst, idx },
        Instr::Move { dst, src } => Op::Move { dst, src },
        Instr::Take { dst, src } => Op::Take { dst, src },
        Instr::LoadGlobal { dst, idx } => Op::LoadGlobal { dst, idx },
        Instr::StoreGlobal { idx, src } => Op::StoreGlobal { idx, src },
        Instr::LoadFunc { dst, func } => Op::LoadFunc { dst, func },
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
        Instr::AddImm { dst, a, imm } => Op::AddImm { dst, a, imm },
        Instr::Neg { dst, src } => Op::Neg { dst, src },
        Instr::Not { dst, src } => Op::Not { dst, src },
        Instr::Jump { target } => Op::Jump { target },
        Instr::JumpIfFalse { cond, target } => Op::JumpIfFalse { cond, target },
        Instr::JumpIfTrue { cond, target } => Op::JumpIfTrue { cond, target },
        Instr::JumpIfNull { src, target } => Op::JumpIfNull { src, target },
        Instr::JumpIfNotNull { src, target } => Op::JumpIfNotNull { src, target },
        Instr::Call {
            dst,
            func,
            args,
            argc,
        } => Op::Call {
            dst,
            func,
            args,
            argc,
        },
        Instr::CallValue {
            dst,
            callee,
            args,
            argc,
        } => Op::CallValue {
            dst,
            callee,
            args,
            argc,
        },
        Instr::CallBuiltin {
            dst,
            builtin,
            args,
            argc,
        } => match Builtin::from_id(builtin) {
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
        Instr::CallTool { dst, tool, args } => Op::CallTool { dst, tool, args },
        Instr::Return { src } => Op::Return { src },
        Instr::ReturnNull => Op::ReturnNull,
        Instr::MakeList { dst, start, count } => Op::MakeList { dst, start, count },
        Instr::MakeMap { dst, start, count } => Op::MakeMap { dst, start, count },
        Instr::MakeTuple { dst, start, count } => Op::MakeTuple { dst, start, count },
        Instr::MakeRecord { dst, ty, start } => Op::MakeRecord { dst, ty, start },
        Instr::MakeVariant {
            dst,
            variant,
            start,
        } => Op::MakeVariant {
            dst,
            variant,
            start,
        },
        Instr::MakeOk { dst, src } => Op::MakeOk { dst, src },
        Instr::MakeErr { dst, src } => Op::MakeErr { dst, src },
        Instr::MakeClosure { dst, func, start } => Op::MakeClosure { dst, func, start },
        Instr::GetField { dst, obj, name } => Op::GetField { dst, obj, name },
        Instr::SetField { obj, name, src } => Op::SetField { obj, name, src },
        Instr::GetIndex { dst, obj, idx } => Op::GetIndex { dst, obj, idx },
        Instr::SetIndex { obj, idx, src } => Op::SetIndex { obj, idx, src },
        Instr::GetSlot { dst, obj, slot } => Op::GetSlot { dst, obj, slot },
        Instr::Unwrap { dst, src } => Op::Unwrap { dst, src },
        Instr::Push { list, src } => Op::Push { list, src },
        Instr::Len { dst, src } => Op::Len { dst, src },
        Instr::IterPrep { dst, src } => Op::IterPrep { dst, src },
        Instr::IterGet { dst, list, idx } => Op::IterGet { dst, list, idx },
        Instr::IsType { dst, src, tag } => Op::IsType { dst, src, tag },
        Instr::IsUserType { dst, src, ty } => Op::IsUserType { dst, src, ty },
        Instr::IsVariant { dst, src, variant } => Op::IsVariant { dst, src, variant },
        Instr::IsOk { dst, src } => Op::IsOk { dst, src },
        Instr::Fail { kind, msg } => Op::Fail { kind, msg },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_stay_small() {
        assert!(std::mem::size_of::<Op>() <= 12);
    }

    #[test]
    fn fuses_compare_and_branch_unless_the_branch_is_a_target() {
        let code = vec![
            Instr::Binary {
                op: BinOp::Lt,
                dst: 2,
                a: 0,
                b: 1,
            },
            Instr::JumpIfFalse { cond: 2, target: 3 },
            Instr::Jump { target: 0 },
            Instr::ReturnNull,
        ];
        let ops = translate(&code);
        assert_eq!(
            ops[0],
            Op::LtJf {
                dst: 2,
                a: 0,
                b: 1,
                target: 3
            }
        );
        let mut code2 = code.clone();
        code2[2] = Instr::Jump { target: 1 };
        assert_eq!(translate(&code2)[0], Op::Lt { dst: 2, a: 0, b: 1 });
    }
}
