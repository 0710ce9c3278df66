//! Full validation of a LIR [`Module`] before execution (the invariants listed in `lir`).
//!
//! Every index an instruction carries (register, constant, function, type, variant, tool,
//! global, name, builtin, jump target) and every register range is checked by its operand
//! kind in the instruction table (`opcodes`); so are call arities, per-function shape
//! (`positions`, termination, frame size) and the format version. A failure is an `E0912`
//! (`INVALID_LIR`) error naming the function and instruction index. The VM relies on these
//! checks to index registers and code without further bounds checks.

use crate::builtins::Builtin;
use crate::error::{codes, RuntimeError};
use crate::lir::{
    Function, Instr, Module, ResultType, TypeDef, ValueType, LIR_VERSION, MAX_VALUE_TYPE_DEPTH,
};
use crate::opcodes::{Count, Operand, Space};

/// Builds an `E0912` error.
pub fn invalid(message: String) -> RuntimeError {
    RuntimeError::plain(codes::INVALID_LIR, format!("invalid LIR: {message}"))
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
    if !f.positions.is_empty() && f.positions.len() != f.code.len() {
        return Err(ferr(format!(
            "{} positions for {} instructions",
            f.positions.len(),
            f.code.len()
        )));
    }
    if f.arity as u32 + f.captures as u32 > f.num_regs as u32 {
        return Err(ferr("arity + captures exceeds num_regs".into()));
    }
    if f.code.last().is_none_or(Instr::falls_through) {
        return Err(ferr(
            "the last instruction does not end the function".into(),
        ));
    }
    let n = f.num_regs as u32;
    for (pc, ins) in f.code.iter().enumerate() {
        check_instr(m, f, n, ins)
            .map_err(|msg| ferr(format!("instruction {pc} ({ins:?}): {msg}")))?;
    }
    Ok(())
}

/// Checks one instruction: every operand by its kind (from the instruction table), then
/// the rules that relate operands to each other.
fn check_instr(m: &Module, f: &Function, n: u32, ins: &Instr) -> Result<(), String> {
    for operand in ins.operands() {
        match operand {
            Operand::Write(r) | Operand::Read(r) => {
                if u32::from(r) >= n {
                    return Err(format!("register {r} out of range (num_regs {n})"));
                }
            }
            Operand::ReadRange { start, count } => {
                if let Some(count) = range_count(m, count)? {
                    let end = u64::from(start) + u64::from(count);
                    if end > u64::from(n) {
                        return Err(format!(
                            "register range {start}..{end} out of range (num_regs {n})"
                        ));
                    }
                }
            }
            Operand::Target(t) => {
                if t as usize >= f.code.len() {
                    return Err(format!("jump target {t} out of range"));
                }
            }
            Operand::Index(space, i) => {
                if i as usize >= space_len(m, space) {
                    return Err(format!("{} {i} out of range", space.noun()));
                }
            }
            Operand::Imm => {}
        }
    }
    check_arity(m, ins)
}

/// How many registers a range operand covers; `None` when it covers none and its start is
/// not used (the payload of a payload-less variant), so the start is not checked.
fn range_count(m: &Module, count: Count) -> Result<Option<u32>, String> {
    let len = match count {
        Count::Exactly(n) | Count::Window(n) => return Ok(Some(n)),
        Count::RecordFields(ty) => match m.types.get(ty as usize) {
            Some(TypeDef::Record { fields, .. }) => fields.len(),
            _ => return Err(format!("type {ty} is not a record")),
        },
        Count::Payload(v) => match m.variants.get(v as usize) {
            Some(vd) if vd.fields.is_empty() => return Ok(None),
            Some(vd) => vd.fields.len(),
            None => return Err(format!("variant {v} out of range")),
        },
        Count::Captures(fi) => match m.functions.get(fi as usize) {
            Some(callee) => usize::from(callee.captures),
            None => return Err(format!("function {fi} out of range")),
        },
    };
    Ok(Some(u32::try_from(len).unwrap_or(u32::MAX)))
}

/// The number of entries an index operand may address.
fn space_len(m: &Module, space: Space) -> usize {
    match space {
        Space::Constant => m.constants.len(),
        Space::Function => m.functions.len(),
        Space::Type => m.types.len(),
        Space::Variant => m.variants.len(),
        Space::Tool => m.tools.len(),
        Space::Global => usize::from(m.globals),
        Space::Builtin => Builtin::ALL.len(),
        Space::Name => m.names.len(),
    }
}

/// The rules that relate two operands (each operand is already in range): a call's
/// argument count matches its callee's arity, a builtin's is one it accepts.
fn check_arity(m: &Module, ins: &Instr) -> Result<(), String> {
    match *ins {
        Instr::Call { func, argc, .. } => match m.functions.get(func as usize) {
            Some(callee) if callee.arity == u16::from(argc) => Ok(()),
            Some(callee) => Err(format!(
                "calls {} with {argc} arguments, it takes {}",
                callee.name, callee.arity
            )),
            None => Err(format!("function {func} out of range")),
        },
        Instr::CallBuiltin { builtin, argc, .. } => {
            let b = Builtin::from_id(builtin)
                .ok_or_else(|| format!("builtin {builtin} out of range"))?;
            let (lo, hi) = b.arity();
            if argc < lo || argc > hi {
                return Err(format!("builtin {} called with {argc} arguments", b.name()));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lir::{Constant, ToolDef, VariantDef};
    use crate::opcodes::OPCODES;

    fn module(code: Vec<Instr>, num_regs: u16) -> Module {
        let positions = vec![crate::lir::Pos::new(1, 1); code.len()];
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
                positions,
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

    /// Registers of the function the table-driven tests put one sample instruction in.
    const REGS: u16 = 4;

    /// A module every sample instruction built by [`good`] is valid in: function 1 takes
    /// one argument and captures one value, type 0 is a one-field record, variant 0 has a
    /// one-value payload.
    fn context(ins: Instr) -> Module {
        let mut m = module(vec![ins, Instr::ReturnNull], REGS);
        m.functions.push(Function {
            name: "f".into(),
            file: 0,
            arity: 1,
            params: vec!["x".into()],
            param_types: vec![String::new()],
            captures: 1,
            num_regs: 2,
            exported: false,
            code: vec![Instr::ReturnNull],
            positions: vec![crate::lir::Pos::new(1, 1)],
        });
        m.types = vec![
            TypeDef::Record {
                name: "R".into(),
                fields: vec!["x".into()],
            },
            TypeDef::Enum {
                name: "E".into(),
                variants: vec![0],
            },
        ];
        m.variants = vec![VariantDef {
            name: "A".into(),
            enum_type: 1,
            fields: vec![None],
        }];
        m.tools = vec![ToolDef {
            name: "t.t".into(),
            alias: "T".into(),
            grants: vec![],
            result: None,
        }];
        m
    }

    /// A valid operand of each kind in [`context`] (counts are 1: a call passes one
    /// argument, which function 1 and `sqrt` take).
    fn good(kind: &str) -> u32 {
        match kind {
            "func" => 1,
            "builtin" => Builtin::Sqrt as u32,
            "imm" => 1,
            _ => 0,
        }
    }

    /// The smallest operand of each kind that is out of range in [`context`] (`None` for
    /// `imm`, which has no range).
    fn bad(kind: &str, m: &Module) -> Option<u32> {
        let len = |n: usize| Some(n as u32);
        match kind {
            "dst" | "reg" | "range" | "pairs" | "window" | "fields" | "payload" | "captures" => {
                Some(u32::from(REGS))
            }
            "target" => len(m.functions[0].code.len()),
            "konst" => len(m.constants.len()),
            "func" => len(m.functions.len()),
            "ty" => len(m.types.len()),
            "variant" => len(m.variants.len()),
            "tool" => len(m.tools.len()),
            "global" => Some(u32::from(m.globals)),
            "builtin" => len(Builtin::ALL.len()),
            "name" => len(m.names.len()),
            "imm" => None,
            other => panic!("operand kind {other} is not known to this test"),
        }
    }

    #[test]
    fn every_instruction_with_operands_in_range_is_valid() {
        for &op in OPCODES {
            let ins = Instr::sample(op, good).expect("a sample");
            assert_eq!(validate(&context(ins)), Ok(()), "{ins:?}");
        }
    }

    #[test]
    fn every_operand_out_of_range_is_rejected() {
        let mut rejected = std::collections::BTreeSet::new();
        let reference = context(Instr::ReturnNull);
        for &op in OPCODES {
            let mut kinds = Vec::new();
            Instr::sample(op, |k| {
                kinds.push(k);
                good(k)
            });
            for (at, kind) in kinds.iter().enumerate() {
                let Some(bad) = bad(kind, &reference) else {
                    continue;
                };
                let mut pos = 0;
                let ins = Instr::sample(op, |k| {
                    pos += 1;
                    if pos - 1 == at {
                        bad
                    } else {
                        good(k)
                    }
                })
                .expect("a sample");
                let Err(e) = validate(&context(ins)) else {
                    panic!("{ins:?} passed validation");
                };
                assert_eq!(e.code, codes::INVALID_LIR);
                assert!(e.message.contains("out of range") || e.message.contains("not a record"));
                rejected.insert(*kind);
            }
        }
        // Every kind with a range was tried on some instruction.
        let expected = [
            "dst", "reg", "range", "pairs", "window", "fields", "payload", "captures", "target",
            "konst", "func", "ty", "variant", "tool", "global", "builtin", "name",
        ];
        assert_eq!(rejected, expected.into_iter().collect());
    }

    #[test]
    fn imm_operands_at_their_extremes_never_reach_outside_the_frame() {
        // `imm` operands are not validated, so none may be a register or an index: with
        // every one at its maximum (and the others valid), each instruction is refused or
        // runs without touching a register outside its frame (the VM's debug bounds
        // assertions, on in tests, would fail) or panicking.
        for &op in OPCODES {
            let ins = Instr::sample(op, |k| if k == "imm" { u32::MAX } else { good(k) })
                .expect("a sample");
            let m = context(ins);
            if validate(&m).is_err() {
                continue;
            }
            let config = crate::VmConfig {
                fuel: Some(1000),
                ..crate::VmConfig::default()
            };
            let mut vm = crate::Vm::new(std::rc::Rc::new(m), config).expect("valid");
            vm.start("main", vec![]).expect("main");
            let _ = vm.run();
        }
    }

    #[test]
    fn a_record_construction_needs_a_record_type_and_a_payloadless_variant_ignores_start() {
        let record_of_enum = Instr::MakeRecord {
            dst: 0,
            ty: 1,
            start: 0,
        };
        assert!(msg(&context(record_of_enum)).contains("type 1 is not a record"));
        let mut m = context(Instr::MakeVariant {
            dst: 0,
            variant: 0,
            start: REGS,
        });
        assert!(msg(&m).contains("range"));
        m.variants[0].fields.clear();
        assert_eq!(validate(&m), Ok(()));
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
        let mut bad_positions = module(vec![Instr::ReturnNull, Instr::ReturnNull], 0);
        bad_positions.functions[0].positions.pop();
        assert!(msg(&bad_positions).contains("1 positions for 2 instructions"));
        let mut stripped = module(vec![Instr::ReturnNull], 0);
        stripped.functions[0].positions.clear();
        assert!(validate(&stripped).is_ok(), "a stripped table is valid");
        let bad_global = module(
            vec![Instr::StoreGlobal { idx: 1, src: 0 }, Instr::ReturnNull],
            1,
        );
        assert!(msg(&bad_global).contains("global"));
    }
}
