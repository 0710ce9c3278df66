//! Compact, versioned binary LIR (`.lmb`).
//!
//! Layout: the magic `LMB\0`, the format version as a little-endian `u32`
//! (= [`LIR_VERSION`]), then the module's sections in a fixed order, each introduced by a
//! one-byte section tag: files, constants, names, functions, types, variants, tools,
//! globals, init and entry types. Integers are LEB128 varints (signed ones zig-zag encoded), floats are
//! 8 little-endian bytes, strings are a length and UTF-8 bytes, lists are a count and
//! their elements; an instruction is its opcode byte and its operands in the order of the
//! instruction table (`opcodes`, from which its encoding and decoding are generated, in
//! `binary/instr.rs`), each stored as its Rust type says (`Wire`). Grant values are stored as JSON text. A
//! function's position table is run-length and delta encoded (`positions`).
//!
//! [`decode`] never trusts the input: every length is checked against the bytes that
//! remain before anything is allocated, every narrowing conversion is checked, trailing
//! bytes are rejected, and the result is validated. Any problem is an `E0912` error.

use crate::error::RuntimeError;
use crate::lir::{
    Constant, EntryTypes, Function, Module, ResultType, Shape, ToolDef, TypeDef, ValueType,
    VariantDef, LIR_VERSION, MAX_VALUE_TYPE_DEPTH,
};
use crate::validate::{invalid, validate};

mod instr;

use instr::encode_instr;

/// The first four bytes of a binary LIR file.
pub const MAGIC: &[u8; 4] = b"LMB\0";

const SEC_FILES: u8 = 1;
const SEC_CONSTANTS: u8 = 2;
const SEC_NAMES: u8 = 3;
const SEC_FUNCTIONS: u8 = 4;
const SEC_TYPES: u8 = 5;
const SEC_VARIANTS: u8 = 6;
const SEC_TOOLS: u8 = 7;
const SEC_GLOBALS: u8 = 8;
const SEC_INIT: u8 = 9;
const SEC_ENTRY_TYPES: u8 = 10;

// ---------------------------------------------------------------- encoding

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, b: u8) {
        self.out.push(b);
    }
    fn uv(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }
    fn sv(&mut self, v: i64) {
        self.uv(((v << 1) ^ (v >> 63)) as u64);
    }
    fn str(&mut self, s: &str) {
        self.uv(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }
    fn strs(&mut self, v: &[String]) {
        self.uv(v.len() as u64);
        for s in v {
            self.str(s);
        }
    }
    /// A value type: a tag byte, then its parts (recursive: types are at most
    /// [`MAX_VALUE_TYPE_DEPTH`] deep, which the validator checks before encoding matters).
    fn value_type(&mut self, t: &ValueType) {
        match t {
            ValueType::Json => self.u8(0),
            ValueType::Null => self.u8(1),
            ValueType::Bool => self.u8(2),
            ValueType::Int => self.u8(3),
            ValueType::Float => self.u8(4),
            ValueType::Str => self.u8(5),
            ValueType::List(a) => {
                self.u8(6);
                self.value_type(a);
            }
            ValueType::Map(k, v) => {
                self.u8(7);
                self.value_type(k);
                self.value_type(v);
            }
            ValueType::Tuple(ts) => {
                self.u8(8);
                self.uv(ts.len() as u64);
                for t in ts {
                    self.value_type(t);
                }
            }
            ValueType::Result(a, b) => {
                self.u8(9);
                self.value_type(a);
                self.value_type(b);
            }
            ValueType::Optional(a) => {
                self.u8(10);
                self.value_type(a);
            }
            ValueType::Union(ts) => {
                self.u8(11);
                self.uv(ts.len() as u64);
                for t in ts {
                    self.value_type(t);
                }
            }
            ValueType::User(k) => {
                self.u8(12);
                self.uv(*k as u64);
            }
        }
    }
    /// A self-contained type: the value type, then its shapes.
    fn result_type(&mut self, r: &ResultType) {
        self.value_type(&r.ty);
        self.uv(r.shapes.len() as u64);
        for sh in &r.shapes {
            self.uv(sh.ty as u64);
            self.uv(sh.fields.len() as u64);
            for tys in &sh.fields {
                self.uv(tys.len() as u64);
                for t in tys {
                    self.value_type(t);
                }
            }
        }
    }
}

/// Encodes a module in the binary form.
pub fn encode(m: &Module) -> Vec<u8> {
    let mut w = Writer { out: Vec::new() };
    w.out.extend_from_slice(MAGIC);
    w.out.extend_from_slice(&m.version.to_le_bytes());

    w.u8(SEC_FILES);
    w.strs(&m.files);

    w.u8(SEC_CONSTANTS);
    w.uv(m.constants.len() as u64);
    for c in &m.constants {
        match c {
            Constant::Int(i) => {
                w.u8(0);
                w.sv(*i);
            }
            Constant::Float(f) => {
                w.u8(1);
                w.out.extend_from_slice(&f.to_le_bytes());
            }
            Constant::Str(s) => {
                w.u8(2);
                w.str(s);
            }
        }
    }

    w.u8(SEC_NAMES);
    w.strs(&m.names);

    w.u8(SEC_FUNCTIONS);
    w.uv(m.functions.len() as u64);
    for f in &m.functions {
        w.str(&f.name);
        w.uv(f.file as u64);
        w.uv(f.arity as u64);
        w.strs(&f.params);
        w.strs(&f.param_types);
        w.uv(f.captures as u64);
        w.uv(f.num_regs as u64);
        w.u8(f.exported as u8);
        w.uv(f.code.len() as u64);
        for ins in &f.code {
            encode_instr(&mut w, ins);
        }
        let runs = crate::positions::runs(&f.positions);
        w.uv(runs.len() as u64);
        for run in runs {
            w.uv(run.instructions.into());
            w.sv(run.line_delta);
            w.uv(run.column.into());
        }
    }

    w.u8(SEC_TYPES);
    w.uv(m.types.len() as u64);
    for t in &m.types {
        match t {
            TypeDef::Record { name, fields } => {
                w.u8(0);
                w.str(name);
                w.strs(fields);
            }
            TypeDef::Enum { name, variants } => {
                w.u8(1);
                w.str(name);
                w.uv(variants.len() as u64);
                for v in variants {
                    w.uv(*v as u64);
                }
            }
        }
    }

    w.u8(SEC_VARIANTS);
    w.uv(m.variants.len() as u64);
    for v in &m.variants {
        w.str(&v.name);
        w.uv(v.enum_type as u64);
        w.uv(v.fields.len() as u64);
        for f in &v.fields {
            match f {
                Some(n) => {
                    w.u8(1);
                    w.str(n);
                }
                None => w.u8(0),
            }
        }
    }

    w.u8(SEC_TOOLS);
    w.uv(m.tools.len() as u64);
    for t in &m.tools {
        w.str(&t.name);
        w.str(&t.alias);
        w.uv(t.grants.len() as u64);
        for (k, v) in &t.grants {
            w.str(k);
            w.str(&v.to_string());
        }
        match &t.result {
            None => w.u8(0),
            Some(r) => {
                w.u8(1);
                w.value_type(&r.ty);
                w.uv(r.shapes.len() as u64);
                for sh in &r.shapes {
                    w.uv(sh.ty as u64);
                    w.uv(sh.fields.len() as u64);
                    for tys in &sh.fields {
                        w.uv(tys.len() as u64);
                        for t in tys {
                            w.value_type(t);
                        }
                    }
                }
            }
        }
    }

    w.u8(SEC_GLOBALS);
    w.uv(m.globals as u64);

    w.u8(SEC_INIT);
    match m.init {
        Some(i) => {
            w.u8(1);
            w.uv(i as u64);
        }
        None => w.u8(0),
    }

    w.u8(SEC_ENTRY_TYPES);
    w.uv(m.entry_types.len() as u64);
    for e in &m.entry_types {
        w.uv(e.func as u64);
        w.uv(e.params.len() as u64);
        for p in &e.params {
            w.result_type(p);
        }
    }
    w.out
}

// ---------------------------------------------------------------- decoding

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, RuntimeError>;

fn corrupt(what: &str, pos: usize) -> RuntimeError {
    invalid(format!("corrupt binary LIR: {what} at byte {pos}"))
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn u8(&mut self) -> R<u8> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| corrupt("unexpected end", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        if n > self.remaining() {
            return Err(corrupt("unexpected end", self.pos));
        }
        let s = self
            .bytes
            .get(self.pos..self.pos + n)
            .ok_or_else(|| corrupt("unexpected end", self.pos))?;
        self.pos += n;
        Ok(s)
    }

    fn uv(&mut self) -> R<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let bits = (b & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(corrupt("varint overflow", start));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long", start))
    }

    fn sv(&mut self) -> R<i64> {
        let u = self.uv()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn num<T: TryFrom<u64>>(&mut self, what: &str) -> R<T> {
        let pos = self.pos;
        let v = self.uv()?;
        T::try_from(v).map_err(|_| corrupt(&format!("{what} out of range"), pos))
    }

    /// A count of elements that each take at least one byte.
    fn count(&mut self) -> R<usize> {
        let pos = self.pos;
        let n = self.uv()?;
        if n > self.remaining() as u64 {
            return Err(corrupt("length exceeds the remaining input", pos));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> R<String> {
        let n = self.count()?;
        let pos = self.pos;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("invalid UTF-8", pos))
    }

    fn strs(&mut self) -> R<Vec<String>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.str()?);
        }
        Ok(v)
    }

    fn section(&mut self, tag: u8) -> R<()> {
        let pos = self.pos;
        if self.u8()? != tag {
            return Err(corrupt(&format!("expected section {tag}"), pos));
        }
        Ok(())
    }

    /// A value type at nesting `depth` (1 for a root); deeper than
    /// [`MAX_VALUE_TYPE_DEPTH`] is corrupt, so hostile input cannot recurse far.
    fn value_type(&mut self, depth: usize) -> R<ValueType> {
        let pos = self.pos;
        if depth > MAX_VALUE_TYPE_DEPTH {
            return Err(corrupt("value type nested too deep", pos));
        }
        let d = depth + 1;
        Ok(match self.u8()? {
            0 => ValueType::Json,
            1 => ValueType::Null,
            2 => ValueType::Bool,
            3 => ValueType::Int,
            4 => ValueType::Float,
            5 => ValueType::Str,
            6 => ValueType::List(Box::new(self.value_type(d)?)),
            7 => {
                let k = self.value_type(d)?;
                ValueType::Map(Box::new(k), Box::new(self.value_type(d)?))
            }
            tag @ (8 | 11) => {
                let n = self.count()?;
                let mut ts = Vec::with_capacity(n);
                for _ in 0..n {
                    ts.push(self.value_type(d)?);
                }
                if tag == 8 {
                    ValueType::Tuple(ts)
                } else {
                    ValueType::Union(ts)
                }
            }
            9 => {
                let a = self.value_type(d)?;
                ValueType::Result(Box::new(a), Box::new(self.value_type(d)?))
            }
            10 => ValueType::Optional(Box::new(self.value_type(d)?)),
            12 => ValueType::User(self.num("shape index")?),
            _ => return Err(corrupt("bad value type tag", pos)),
        })
    }

    /// A self-contained type (see [`Writer::result_type`]).
    fn result_type(&mut self) -> R<ResultType> {
        let ty = self.value_type(1)?;
        let k = self.count()?;
        let mut shapes = Vec::with_capacity(k);
        for _ in 0..k {
            let ty = self.num("type index")?;
            let nv = self.count()?;
            let mut fields = Vec::with_capacity(nv);
            for _ in 0..nv {
                let nf = self.count()?;
                let mut tys = Vec::with_capacity(nf);
                for _ in 0..nf {
                    tys.push(self.value_type(1)?);
                }
                fields.push(tys);
            }
            shapes.push(Shape { ty, fields });
        }
        Ok(ResultType { ty, shapes })
    }

    fn bool(&mut self) -> R<bool> {
        let pos = self.pos;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("bad boolean", pos)),
        }
    }
}

/// Decodes (and validates) a binary module. Any corruption is an `E0912` error.
pub fn decode(bytes: &[u8]) -> Result<Module, RuntimeError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(invalid("not a binary LIR file (bad magic)".into()));
    }
    let mut vb = [0u8; 4];
    vb.copy_from_slice(r.take(4)?);
    let version = u32::from_le_bytes(vb);
    if version != LIR_VERSION {
        return Err(invalid(format!(
            "binary LIR version {version} is not supported (this VM runs version {LIR_VERSION})"
        )));
    }
    let mut m = Module {
        version,
        ..Module::default()
    };

    r.section(SEC_FILES)?;
    m.files = r.strs()?;

    r.section(SEC_CONSTANTS)?;
    let n = r.count()?;
    m.constants.reserve(n);
    for _ in 0..n {
        let pos = r.pos;
        m.constants.push(match r.u8()? {
            0 => Constant::Int(r.sv()?),
            1 => {
                let mut fb = [0u8; 8];
                fb.copy_from_slice(r.take(8)?);
                Constant::Float(f64::from_le_bytes(fb))
            }
            2 => Constant::Str(r.str()?),
            _ => return Err(corrupt("bad constant tag", pos)),
        });
    }

    r.section(SEC_NAMES)?;
    m.names = r.strs()?;

    r.section(SEC_FUNCTIONS)?;
    let n = r.count()?;
    m.functions.reserve(n);
    for _ in 0..n {
        let name = r.str()?;
        let file = r.num("file index")?;
        let arity = r.num("arity")?;
        let params = r.strs()?;
        let param_types = r.strs()?;
        let captures = r.num("captures")?;
        let num_regs = r.num("num_regs")?;
        let exported = r.bool()?;
        let nc = r.count()?;
        let mut code = Vec::with_capacity(nc);
        for _ in 0..nc {
            code.push(r.instr()?);
        }
        let runs = r.count()?;
        let mut table = crate::positions::Expander::new(code.len());
        for _ in 0..runs {
            let pos = r.pos;
            let run = crate::positions::Run {
                instructions: r.num("position run")?,
                line_delta: r.sv()?,
                column: r.num("column")?,
            };
            table.push(run).map_err(|m| corrupt(m, pos))?;
        }
        let positions = table.finish().map_err(|m| corrupt(m, r.pos))?;
        m.functions.push(Function {
            name,
            file,
            arity,
            params,
            param_types,
            captures,
            num_regs,
            exported,
            code,
            positions,
        });
    }

    r.section(SEC_TYPES)?;
    let n = r.count()?;
    for _ in 0..n {
        let pos = r.pos;
        m.types.push(match r.u8()? {
            0 => TypeDef::Record {
                name: r.str()?,
                fields: r.strs()?,
            },
            1 => {
                let name = r.str()?;
                let k = r.count()?;
                let mut variants = Vec::with_capacity(k);
                for _ in 0..k {
                    variants.push(r.num("variant index")?);
                }
                TypeDef::Enum { name, variants }
            }
            _ => return Err(corrupt("bad type tag", pos)),
        });
    }

    r.section(SEC_VARIANTS)?;
    let n = r.count()?;
    for _ in 0..n {
        let name = r.str()?;
        let enum_type = r.num("type index")?;
        let k = r.count()?;
        let mut fields = Vec::with_capacity(k);
        for _ in 0..k {
            fields.push(if r.bool()? { Some(r.str()?) } else { None });
        }
        m.variants.push(VariantDef {
            name,
            enum_type,
            fields,
        });
    }

    r.section(SEC_TOOLS)?;
    let n = r.count()?;
    for _ in 0..n {
        let name = r.str()?;
        let alias = r.str()?;
        let k = r.count()?;
        let mut grants = Vec::with_capacity(k);
        for _ in 0..k {
            let key = r.str()?;
            let pos = r.pos;
            let text = r.str()?;
            let value = serde_json::from_str(&text).map_err(|_| corrupt("bad grant JSON", pos))?;
            grants.push((key, value));
        }
        let result = if r.bool()? {
            let ty = r.value_type(1)?;
            let k = r.count()?;
            let mut shapes = Vec::with_capacity(k);
            for _ in 0..k {
                let ty = r.num("type index")?;
                let nv = r.count()?;
                let mut fields = Vec::with_capacity(nv);
                for _ in 0..nv {
                    let nf = r.count()?;
                    let mut tys = Vec::with_capacity(nf);
                    for _ in 0..nf {
                        tys.push(r.value_type(1)?);
                    }
                    fields.push(tys);
                }
                shapes.push(Shape { ty, fields });
            }
            Some(ResultType { ty, shapes })
        } else {
            None
        };
        m.tools.push(ToolDef {
            name,
            alias,
            grants,
            result,
        });
    }

    r.section(SEC_GLOBALS)?;
    m.globals = r.num("globals")?;

    r.section(SEC_INIT)?;
    m.init = if r.bool()? {
        Some(r.num("init index")?)
    } else {
        None
    };

    r.section(SEC_ENTRY_TYPES)?;
    let n = r.count()?;
    for _ in 0..n {
        let func = r.num("function index")?;
        let k = r.count()?;
        let mut params = Vec::with_capacity(k);
        for _ in 0..k {
            params.push(r.result_type()?);
        }
        m.entry_types.push(EntryTypes { func, params });
    }

    if r.remaining() != 0 {
        return Err(corrupt("trailing bytes", r.pos));
    }
    validate(&m)?;
    Ok(m)
}

#[cfg(test)]
#[path = "binary_tests.rs"]
mod tests;
