//! Full validation of a LIR [`Module`] before execution (the invariants listed in `lir`).
//!
//! Every index an instruction carries (register, constant, function, type, variant, tool,
//! global, name, builtin, jump target) is checked, as are register ranges, call arities,
//! per-function shape (`lines`, termination, frame size) and the format version. A failure
//! is an `E0912` (`INVALID_LIR`) error naming the function and instruction index. The VM
//! relies on these checks to index registers and code without further bounds checks.

use crate::builtins::Builtin;
use crate::error::{codes, RuntimeError};
use crate::lir::{
    Function, Instr, Module, ResultType, TypeDef, ValueType, LIR_VERSION, MAX_VALUE_TYPE_DEPTH,
};

/// Builds an `E0912` error.
pub fn invalid(message: String) -> RuntimeError {
    RuntimeError {
        code: codes::INVALID_LIR,
        message: format!("invalid LIR: {message}"),
        file: String::new(),
        line: 0,
        function: String::new(),
    }
}

/// Checks every invariant of `m`; `Ok(())` means the VM may run it.
pub fn validate(m: &Module) -> Result<(), RuntimeError> {
    if m.version != LIR_VERSION {
        return Err(invalid(format!(
            "format version {} is not supported (this VM runs version {LIR_VERSION})",
            m.version
        )));
    }
    if m.functions.len() > u32::MAX as usize / 2 {
        return Err(invalid("too many functions".into()));
    }
    if let Some(init) = m.init {
        match m.functions.get(init as usize) {
            None => return Err(invalid(format!("init function {init} does not exist"))),
            Some(f) if f.arity != 0 || f.captures != 0 => {
                return Err(invalid("the init function must take no parameters".into()))
            }
            Some(_) => {}
        }
    }
    for (ti, t) in m.types.iter().enumerate() {
        if let TypeDef::Enum { name, variants } = t {
            for &v in variants {
                match m.variants.get(v as usize) {
                    Some(vd) if vd.enum_type as usize == ti => {}
                    _ => {
                        return Err(invalid(format!(
                            "enum {name} lists variant {v}, which is not one of its variants"
                        )))
                    }
                }
            }
        }
    }
    for (vi, v) in m.variants.iter().enumerate() {
        match m.types.get(v.enum_type as usize) {
            Some(TypeDef::Enum { .. }) => {}
            _ => {
                return Err(invalid(format!(
                    "variant {vi} ({}) names type {}, which is not an enum",
                    v.name, v.enum_type
                )))
            }
        }
    }
    for (ti, t) in m.tools.iter().enumerate() {
        if let Some(r) = &t.result {
            validate_result_type(m, r)
                .map_err(|msg| invalid(format!("tool {ti} ({}): result type: {msg}", t.name)))?;
        }
    }
    for e in &m.entry_types {
        let arity = match m.functions.get(e.func as usize) {
            Some(f) if f.exported => usize::from(f.arity),
            _ => {
                return Err(invalid(format!(
                    "entry types name function {}, which is not an exported cell",
                    e.func
                )))
            }
        };
        if e.params.len() != arity {
            return Err(invalid(format!(
                "entry types of function {} give {} parameter types for {arity} parameters",
                e.func,
                e.params.len()
            )));
        }
        for (pi, r) in e.params.iter().enumerate() {
            validate_result_type(m, r).map_err(|msg| {
                invalid(format!(
                    "entry types of function {}: parameter {pi}: {msg}",
                    e.func
                ))
            })?;
        }
    }
    for (fi, f) in m.functions.iter().enumerate() {
        validate_function(m, fi, f)?;
    }
    Ok(())
}

/// Checks a tool's result type: shapes match the module's types, every [`ValueType::User`]
/// is in range, map keys are `Str` or `Int`, no empty union, and no nesting deeper than
/// [`MAX_VALUE_TYPE_DEPTH`].
fn validate_result_type(m: &Module, r: &ResultType) -> Result<(), String> {
    let mut roots: Vec<&ValueType> = vec![&r.ty];
    for (si, sh) in r.shapes.iter().enumerate() {
        let ok = match m.types.get(sh.ty as usize) {
            Some(TypeDef::Record { fields, .. }) => {
                sh.fields.len() == 1 && sh.fields.first().map(Vec::len) == Some(fields.len())
            }
            Some(TypeDef::Enum { variants, .. }) => {
                sh.fields.len() == variants.len()
                    && variants.iter().zip(&sh.fields).all(|(v, tys)| {
                        m.variants.get(*v as usize).map(|vd| vd.fields.len()) == Some(tys.len())
                    })
            }
            None => false,
        };
        if !ok {
            return Err(format!(
                "shape {si} does not match type {} of the module",
                sh.ty
            ));
        }
        roots.extend(sh.fields.iter().flatten());
    }
    for root in roots {
        let mut stack = vec![(root, 1usize)];
        while let Some((t, d)) = stack.pop() {
            if d > MAX_VALUE_TYPE_DEPTH {
                return Err(format!("nested deeper than {MAX_VALUE_TYPE_DEPTH} levels"));
            }
            match t {
                ValueType::List(a) | ValueType::Optional(a) => stack.push((a, d + 1)),
                ValueType::Map(k, v) => {
                    if !matches!(**k, ValueType::Str | ValueType::Int) {
                        return Err("map keys must be Str or Int".into());
                    }
                    stack.push((v, d + 1));
                }
                ValueType::Result(a, b) => {
                    stack.push((a, d + 1));
                    stack.push((b, d + 1));
                }
                ValueType::Tuple(ts) => stack.extend(ts.iter().map(|x| (x, d + 1))),
                ValueType::Union(ts) => {
                    if ts.is_empty() {
                        return Err("empty union".into());
                    }
                    stack.extend(ts.iter().map(|x| (x, d + 1)));
                }
                ValueType::User(k) => {
                    if *k as usize >= r.shapes.len() {
                        return Err(format!("shape {k} out of range"));
                    }
                }
                ValueType::Json
                | ValueType::Null
                | ValueType::Bool
                | ValueType::Int
                | ValueType::Float
                | ValueType::Str => {}
            }
        }
    }
    Ok(())
}

fn validate_function(m: &Module, fi: usize, f: &Function) -> Result<(), RuntimeError> {
    let ferr = |msg: String| invalid(format!("function {fi} ({}): {msg}", f.name));
    if (f.file as usize) >= m.files.len() {
        return Err(ferr(format!("file index {} out of range", f.file)));
    }
    if f.code.is_empty() {
        return Err(ferr("empty code".into()));
    }
    if f.code.len() > u32::MAX as usize / 2 {
        return Err(ferr("too many instructions".into()));
    }
    if f.lines.len() != f.code.len() {
        return Err(ferr(format!(
            "{} lines for {} instructions",
            f.lines.len(),
            f.code.len()
        )));
    }
    if f.arity as u32 + f.captures as u32 > f.num_regs as u32 {
        return Err(ferr("arity + captures exceeds num_regs".into()));
    }
    match f.code.last() {
        Some(
            Instr::Return { .. } | Instr::ReturnNull | Instr::Jump { .. } | Instr::Fail { .. },
        ) => {}
        _ => {
            return Err(ferr(
                "the last instruction does not end the function".into(),
            ))
        }
    }
    let n = f.num_regs as u32;
    for (pc, ins) in f.code.iter().enumerate() {
        check_instr(m, f, n, ins)
            .map_err(|msg| ferr(format!("instruction {pc} ({ins:?}): {msg}")))?;
    }
    Ok(())
}

fn check_instr(m: &Module, f: &Function, n: u32, ins: &Instr) -> Result<(), String> {
    let reg = |r: u16| -> Result<(), String> {
        if (r as u32) < n {
            Ok(())
        } else {
            Err(format!("register {r} out of range (num_regs {n})"))
        }
    };
    let range = |start: u16, count: u32| -> Result<(), String> {
        if start as u32 + count <= n && (count > 0 || start as u32 <= n) {
            Ok(())
        } else {
            Err(format!(
                "register range {start}..{} out of range (num_regs {n})",
                start as u32 + count
            ))
        }
    };
    let target = |t: u32| -> Result<(), String> {
        if (t as usize) < f.code.len() {
            Ok(())
        } else {
            Err(format!("jump target {t} out of range"))
        }
    };
    let func = |i: u32| -> Result<&Function, String> {
        m.functions
            .get(i as usize)
            .ok_or_else(|| format!("function {i} out of range"))
    };
    let name = |i: u16| -> Result<(), String> {
        if (i as usize) < m.names.len() {
            Ok(())
        } else {
            Err(format!("name {i} out of range"))
        }
    };
    match *ins {
        Instr::LoadNull { dst } | Instr::LoadBool { dst, .. } | Instr::LoadInt { dst, .. } => {
            reg(dst)
        }
        Instr::LoadConst { dst, idx } => {
            reg(dst)?;
            if (idx as usize) < m.constants.len() {
                Ok(())
            } else {
                Err(format!("constant {idx} out of range"))
            }
        }
        Instr::Move { dst, src } | Instr::Take { dst, src } => {
            reg(dst)?;
            reg(src)
        }
        Instr::LoadGlobal { dst: r, idx } | Instr::StoreGlobal { idx, src: r } => {
            reg(r)?;
            if idx < m.globals {
                Ok(())
            } else {
                Err(format!("global {idx} out of range"))
            }
        }
        Instr::LoadFunc { dst, func: fi } => {
            reg(dst)?;
            func(fi).map(|_| ())
        }
        Instr::Binary { dst, a, b, .. } => {
            reg(dst)?;
            reg(a)?;
            reg(b)
        }
        Instr::AddImm { dst, a, .. } => {
            reg(dst)?;
            reg(a)
        }
        Instr::Neg { dst, src }
        | Instr::Not { dst, src }
        | Instr::MakeOk { dst, src }
        | Instr::MakeErr { dst, src }
        | Instr::Unwrap { dst, src }
        | Instr::Len { dst, src }
        | Instr::IterPrep { dst, src }
        | Instr::IsType { dst, src, .. }
        | Instr::IsOk { dst, src } => {
            reg(dst)?;
            reg(src)
        }
        Instr::Jump { target: t } => target(t),
        Instr::JumpIfFalse { cond: r, target: t }
        | Instr::JumpIfTrue { cond: r, target: t }
        | Instr::JumpIfNull { src: r, target: t }
        | Instr::JumpIfNotNull { src: r, target: t } => {
            reg(r)?;
            target(t)
        }
        Instr::Call {
            dst,
            func: fi,
            args,
            argc,
        } => {
            reg(dst)?;
            range(args, argc as u32)?;
            let callee = func(fi as u32)?;
            if callee.arity != argc as u16 {
                return Err(format!(
                    "calls {} with {argc} arguments, it takes {}",
                    callee.name, callee.arity
                ));
            }
            Ok(())
        }
        Instr::CallValue {
            dst,
            callee,
            args,
            argc,
        } => {
            reg(dst)?;
            reg(callee)?;
            range(args, argc as u32)
        }
        Instr::CallBuiltin {
            dst,
            builtin,
            args,
            argc,
        } => {
            reg(dst)?;
            range(args, argc as u32)?;
            let b = Builtin::from_id(builtin)
                .ok_or_else(|| format!("builtin {builtin} out of range"))?;
            let (lo, hi) = b.arity();
            if argc < lo || argc > hi {
                return Err(format!("builtin {} called with {argc} arguments", b.name()));
            }
            Ok(())
        }
        Instr::CallTool { dst, tool, args } => {
            reg(dst)?;
            reg(args)?;
            if (tool as usize) < m.tools.len() {
                Ok(())
            } else {
                Err(format!("tool {tool} out of range"))
            }
        }
        Instr::Return { src } => reg(src),
        Instr::ReturnNull => Ok(()),
        Instr::MakeList { dst, start, count } | Instr::MakeTuple { dst, start, count } => {
            reg(dst)?;
            range(start, count as u32)
        }
        Instr::MakeMap { dst, start, count } => {
            reg(dst)?;
            range(start, 2 * count as u32)
        }
        Instr::MakeRecord { dst, ty, start } => {
            reg(dst)?;
            match m.types.get(ty as usize) {
                Some(TypeDef::Record { fields, .. }) => range(start, fields.len() as u32),
                _ => Err(format!("type {ty} is not a record")),
            }
        }
        Instr::MakeVariant {
            dst,
            variant,
            start,
        } => {
            reg(dst)?;
            let v = m
                .variants
                .get(variant as usize)
                .ok_or_else(|| format!("variant {variant} out of range"))?;
            if v.fields.is_empty() {
                Ok(())
            } else {
                range(start, v.fields.len() as u32)
            }
        }
        Instr::MakeClosure {
            dst,
            func: fi,
            start,
        } => {
            reg(dst)?;
            let callee = func(fi as u32)?;
            range(start, callee.captures as u32)
        }
        Instr::GetField {
            dst: a,
            obj: b,
            name: nm,
        }
        | Instr::SetField {
            obj: b,
            name: nm,
            src: a,
        } => {
            reg(a)?;
            reg(b)?;
            name(nm)
        }
        Instr::GetIndex {
            dst: a,
            obj: b,
            idx: c,
        }
        | Instr::SetIndex {
            obj: b,
            idx: c,
            src: a,
        }
        | Instr::IterGet {
            dst: a,
            list: b,
            idx: c,
        } => {
            reg(a)?;
            reg(b)?;
            reg(c)
        }
        Instr::GetSlot { dst, obj, .. } => {
            reg(dst)?;
            reg(obj)
        }
        Instr::Push { list, src } => {
            reg(list)?;
            reg(src)
        }
        Instr::IsUserType { dst, src, ty } => {
            reg(dst)?;
            reg(src)?;
            if (ty as usize) < m.types.len() {
                Ok(())
            } else {
                Err(format!("type {ty} out of range"))
            }
        }
        Instr::IsVariant { dst, src, variant } => {
            reg(dst)?;
            reg(src)?;
            if (variant as usize) < m.variants.len() {
                Ok(())
            } else {
                Err(format!("variant {variant} out of range"))
            }
        }
        Instr::Fail { msg, .. } => reg(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lir::{Constant, VariantDef};

    fn module(code: Vec<Instr>, num_regs: u16) -> Module {
        let lines = vec![1; code.len()];
        Module {
            version: LIR_VERSION,
            files: vec!["t.lm".into()],
            constants: vec![Constant::Int(1)],
            names: vec!["x".into()],
            functions: vec![Function {
                name: "main".into(),
                file: 0,
                arity: 0,
                params: vec![],
                param_types: vec![],
                captures: 0,
                num_regs,
                exported: true,
                code,
                lines,
            }],
            types: vec![TypeDef::Enum {
                name: "E".into(),
                variants: vec![0],
            }],
            variants: vec![VariantDef {
                name: "A".into(),
                enum_type: 0,
                fields: vec![None, None],
            }],
            tools: vec![],
            globals: 1,
            init: None,
            entry_types: Vec::new(),
        }
    }

    fn msg(m: &Module) -> String {
        validate(m).unwrap_err().message
    }

    #[test]
    fn accepts_a_valid_module() {
        let m = module(
            vec![
                Instr::LoadConst { dst: 0, idx: 0 },
                Instr::MakeVariant {
                    dst: 1,
                    variant: 0,
                    start: 0,
                },
                Instr::Return { src: 1 },
            ],
            2,
        );
        assert_eq!(validate(&m), Ok(()));
    }

    #[test]
    fn rejects_bad_indices_and_shapes() {
        let bad_reg = module(vec![Instr::Return { src: 3 }], 2);
        assert!(msg(&bad_reg).contains("register 3"));
        assert_eq!(validate(&bad_reg).unwrap_err().code, codes::INVALID_LIR);
        let bad_const = module(
            vec![Instr::LoadConst { dst: 0, idx: 5 }, Instr::ReturnNull],
            1,
        );
        assert!(msg(&bad_const).contains("constant 5"));
        let bad_jump = module(vec![Instr::Jump { target: 9 }], 1);
        assert!(msg(&bad_jump).contains("jump target"));
        let falls_off = module(vec![Instr::LoadNull { dst: 0 }], 1);
        assert!(msg(&falls_off).contains("last instruction"));
        let bad_range = module(
            vec![
                Instr::MakeVariant {
                    dst: 0,
                    variant: 0,
                    start: 1,
                },
                Instr::ReturnNull,
            ],
            2,
        );
        assert!(msg(&bad_range).contains("range"));
        let bad_call = module(
            vec![
                Instr::Call {
                    dst: 0,
                    func: 0,
                    args: 0,
                    argc: 1,
                },
                Instr::ReturnNull,
            ],
            2,
        );
        assert!(msg(&bad_call).contains("arguments"));
        let bad_builtin = module(
            vec![
                Instr::CallBuiltin {
                    dst: 0,
                    builtin: 9999,
                    args: 0,
                    argc: 0,
                },
                Instr::ReturnNull,
            ],
            1,
        );
        assert!(msg(&bad_builtin).contains("builtin"));
        let mut bad_version = module(vec![Instr::ReturnNull], 0);
        bad_version.version = 99;
        assert!(msg(&bad_version).contains("version"));
        let mut bad_lines = module(vec![Instr::ReturnNull], 0);
        bad_lines.functions[0].lines.clear();
        assert!(msg(&bad_lines).contains("lines"));
        let bad_global = module(
            vec![Instr::StoreGlobal { idx: 1, src: 0 }, Instr::ReturnNull],
            1,
        );
        assert!(msg(&bad_global).contains("global"));
    }
}
