//! LIR: the Lumen intermediate representation the VM executes.
//!
//! A [`Module`] is a self-contained program: functions of register instructions, a constant
//! pool, the user types (records and enums), the tools the program declared with their
//! grants, and global slots for `const`s. The compiler produces it; the VM never depends on
//! the compiler. It has a JSON form (serde) and a compact binary form (`binary` module).
//!
//! Invariants (checked by `validate`, required before execution):
//! - every register operand is `< Function::num_regs`; a register range `start..start+count`
//!   lies inside the frame;
//! - every constant, function, type, variant, tool, global and builtin index is in range;
//! - every jump target is `< code.len()`, and the last instruction of every function is a
//!   `Return`, `ReturnNull`, `Jump` or `Fail` (execution never falls off the end);
//! - `lines.len() == code.len()`; `arity + captures <= num_regs`.
//!
//! Calling convention (register windows): a call's arguments sit in consecutive registers
//! `args..args+argc` of the caller. The callee's frame starts at the caller's register
//! `args`, so its parameters are its registers `0..arity`; for a closure, the captured
//! values follow at `arity..arity+captures`. The callee's registers are cleared when it
//! returns. Builtin calls read `args..args+argc` and clear them afterwards. This clearing
//! keeps reference counts exact, which is what makes in-place updates (`Push`, `Add` into
//! its own left operand) amortized O(1).

use serde::{Deserialize, Serialize};

/// The LIR format version: bump on any change to instructions, builtins or layout.
pub const LIR_VERSION: u32 = 3;

/// Register index within a frame.
pub type Reg = u16;

/// A whole program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Module {
    pub version: u32,
    /// Source file names; `Function::file` indexes this.
    pub files: Vec<String>,
    pub constants: Vec<Constant>,
    /// Field names used by `GetField`/`SetField` (interned; the VM maps them to symbols).
    pub names: Vec<String>,
    pub functions: Vec<Function>,
    pub types: Vec<TypeDef>,
    /// Every enum variant of every enum, flattened; `MakeVariant` etc. index this.
    pub variants: Vec<VariantDef>,
    pub tools: Vec<ToolDef>,
    /// Number of global slots (one per `const`).
    pub globals: u16,
    /// Index of the function that initialises globals, run once before the entry cell.
    pub init: Option<u32>,
    /// The declared parameter types of the cells a host may run, so that it converts JSON
    /// arguments to exactly those types (records, enums, results; see `entry_args`). A
    /// cell without an entry here converts its arguments by `Function::param_types`.
    #[serde(default)]
    pub entry_types: Vec<EntryTypes>,
}

/// The parameter types of one exported cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryTypes {
    /// Index into `Module::functions`.
    pub func: u32,
    /// One self-contained type per parameter, in order (a [`ResultType`]: the type and
    /// the payload types of the records and enums it uses).
    pub params: Vec<ResultType>,
}

/// A constant-pool entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Constant {
    Int(i64),
    Float(f64),
    Str(String),
}

/// A compiled cell, lambda, or the global initialiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Display name (`main`, `area`, `<lambda:12>`, `<init>`).
    pub name: String,
    /// Index into `Module::files`.
    pub file: u16,
    /// Number of parameters.
    pub arity: u16,
    /// Parameter names (for named arguments from the host and for error messages).
    pub params: Vec<String>,
    /// Declared parameter types as written (`Int`, `list[String]`), so a host can convert
    /// command-line arguments; empty strings for lambdas without annotations.
    pub param_types: Vec<String>,
    /// Number of captured values (closures); they follow the parameters.
    pub captures: u16,
    /// Registers in the frame (parameters and captures included).
    pub num_regs: u16,
    /// Whether this function is a user-visible cell the host may run by name.
    pub exported: bool,
    pub code: Vec<Instr>,
    /// Source line (1-based, in the original file) of each instruction.
    pub lines: Vec<u32>,
}

/// A user type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TypeDef {
    Record {
        name: String,
        /// Field names in declaration order (the slot order of `MakeRecord`).
        fields: Vec<String>,
    },
    Enum {
        name: String,
        /// Indices into `Module::variants`, in declaration order.
        variants: Vec<u16>,
    },
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantDef {
    pub name: String,
    /// Index into `Module::types` of its enum.
    pub enum_type: u16,
    /// Payload field names; `None` for positional fields. Length = payload arity.
    pub fields: Vec<Option<String>>,
}

/// A declared tool: `use tool qualified as alias` and its grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDef {
    /// Qualified name, e.g. `http.get`.
    pub name: String,
    /// Alias used in the program, e.g. `Fetch`.
    pub alias: String,
    /// Grants in declaration order: key and JSON value (`domain`, `"*.example.com"`).
    pub grants: Vec<(String, serde_json::Value)>,
    /// The declared result type (`use tool t as T(...) -> R`): the provider's JSON result
    /// is checked against it and converted before the program sees it (see
    /// `tool_result`). `None` for a tool without one: the result is JSON as is. (Optional in
    /// the JSON form, so an older module parses and is then refused by its version.)
    #[serde(default)]
    pub result: Option<ResultType>,
}

/// How deeply a [`ValueType`] may nest (the compiler reports a deeper one as E0103; the
/// validator rejects it).
pub const MAX_VALUE_TYPE_DEPTH: usize = 100;

/// A typed tool's declared result type, self-contained: the type and the payload types of
/// every record and enum it refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultType {
    pub ty: ValueType,
    /// The records and enums `ty` uses (directly or through other ones);
    /// [`ValueType::User`] indexes this.
    pub shapes: Vec<Shape>,
}

/// The payload types of one record or enum of [`ResultType::shapes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Index into `Module::types`.
    pub ty: u16,
    /// A record: one entry, its field types in slot order. An enum: one entry per variant
    /// (in `TypeDef::Enum::variants` order), its payload types.
    pub fields: Vec<Vec<ValueType>>,
}

/// A static type as the VM checks values against it (tool results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ValueType {
    /// Any JSON value, unchecked.
    Json,
    Null,
    Bool,
    Int,
    Float,
    Str,
    List(Box<ValueType>),
    /// Keys are `Str` or `Int`.
    Map(Box<ValueType>, Box<ValueType>),
    Tuple(Vec<ValueType>),
    Result(Box<ValueType>, Box<ValueType>),
    /// `T?`
    Optional(Box<ValueType>),
    /// `A | B | ...` (members other than `Null`; see `tool_result` for how one is chosen).
    Union(Vec<ValueType>),
    /// A record or enum: index into [`ResultType::shapes`].
    User(u16),
}

/// Run-time type tags for `IsType`: the built-in kinds (user types use `IsUserType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeTag {
    Null,
    Bool,
    Int,
    Float,
    String,
    List,
    Map,
    Tuple,
    Result,
    Function,
}

/// Binary arithmetic/comparison operators sharing one instruction shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `+`: numbers, or concatenation of two strings.
    Add,
    Sub,
    Mul,
    /// `/`: truncating for two Ints, float division otherwise.
    Div,
    /// `//`: floor division.
    IntDiv,
    /// `%`: result has the sign of the divisor.
    Mod,
    /// `**`: Int ** non-negative Int is Int (checked); otherwise Float.
    Pow,
    /// `++`: strings or lists.
    Concat,
    /// Structural equality.
    Eq,
    Ne,
    /// Ordering on numbers (Int/Float mixed) and strings.
    Lt,
    Le,
    Gt,
    Ge,
    /// Membership: element of list, key of map, substring of string.
    In,
}

/// One register instruction. Kept at 8 bytes: register operands are `u16`, jump targets
/// absolute `u32` instruction indices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Instr {
    // ---- loads and moves
    /// `dst = null`
    LoadNull { dst: Reg },
    /// `dst = value`
    LoadBool { dst: Reg, value: bool },
    /// `dst = value` (small integer inline)
    LoadInt { dst: Reg, value: i32 },
    /// `dst = constants[idx]`
    LoadConst { dst: Reg, idx: u32 },
    /// `dst = src` (a reference-count increment for heap values)
    Move { dst: Reg, src: Reg },
    /// `dst = src; src = null` (moves ownership, keeping reference counts exact)
    Take { dst: Reg, src: Reg },
    /// `dst = globals[idx]`
    LoadGlobal { dst: Reg, idx: u16 },
    /// `globals[idx] = src`
    StoreGlobal { idx: u16, src: Reg },
    /// `dst` = the function value of `functions[func]` (no captures).
    LoadFunc { dst: Reg, func: u32 },

    // ---- arithmetic and logic
    /// `dst = a op b`. When `dst == a` and `a` holds the only reference to a string or
    /// list, `Add`/`Concat` append in place.
    Binary { op: BinOp, dst: Reg, a: Reg, b: Reg },
    /// `dst = a + imm` on Int (checked) or Float; the common `i + 1` loop step.
    AddImm { dst: Reg, a: Reg, imm: i16 },
    /// `dst = -src`
    Neg { dst: Reg, src: Reg },
    /// `dst = not src` (src must be Bool)
    Not { dst: Reg, src: Reg },

    // ---- control flow
    /// `pc = target`
    Jump { target: u32 },
    /// if `cond` is false: `pc = target` (cond must be Bool)
    JumpIfFalse { cond: Reg, target: u32 },
    /// if `cond` is true: `pc = target`
    JumpIfTrue { cond: Reg, target: u32 },
    /// if `src` is null: `pc = target`
    JumpIfNull { src: Reg, target: u32 },
    /// if `src` is not null: `pc = target`
    JumpIfNotNull { src: Reg, target: u32 },

    // ---- calls
    /// Call `functions[func]` with `argc` arguments in `args..args+argc`; result to `dst`.
    Call {
        dst: Reg,
        func: u16,
        args: Reg,
        argc: u8,
    },
    /// Call the function value in `callee` (a closure or function reference).
    CallValue {
        dst: Reg,
        callee: Reg,
        args: Reg,
        argc: u8,
    },
    /// Call a builtin (see `builtins::Builtin`, by its numeric id).
    CallBuiltin {
        dst: Reg,
        builtin: u16,
        args: Reg,
        argc: u8,
    },
    /// Call `tools[tool]` with the named arguments in the map value in `args`. The VM
    /// suspends; the host checks grants, runs the tool, and resumes with its JSON result
    /// (converted to a value into `dst`) or an error.
    CallTool { dst: Reg, tool: u16, args: Reg },
    /// Return the value in `src` from the current function.
    Return { src: Reg },
    /// Return null.
    ReturnNull,

    // ---- construction
    /// `dst = [start, ..., start+count-1]`
    MakeList { dst: Reg, start: Reg, count: u16 },
    /// `dst = {k0: v0, ...}` from `count` key/value pairs in `start..start+2*count`.
    MakeMap { dst: Reg, start: Reg, count: u16 },
    /// `dst = (start, ..., start+count-1)`
    MakeTuple { dst: Reg, start: Reg, count: u16 },
    /// Record of `types[ty]` with its fields, in declaration order, in `start..`.
    MakeRecord { dst: Reg, ty: u16, start: Reg },
    /// Variant `variants[variant]` with its payload in `start..` (payload-less: `start` ignored).
    MakeVariant { dst: Reg, variant: u16, start: Reg },
    /// `dst = ok(src)`
    MakeOk { dst: Reg, src: Reg },
    /// `dst = err(src)`
    MakeErr { dst: Reg, src: Reg },
    /// Closure of `functions[func]` capturing `start..start+func.captures` (by value).
    MakeClosure { dst: Reg, func: u16, start: Reg },

    // ---- access
    /// `dst = obj.name` where `name` indexes `Module::names`: record field, named
    /// variant payload field, or map key (Json). Missing map key gives null; a missing
    /// record field is an error.
    GetField { dst: Reg, obj: Reg, name: u16 },
    /// `obj.name = src` in place (copy-on-write) on a record or map.
    SetField { obj: Reg, name: u16, src: Reg },
    /// `dst = obj[idx]`: list/tuple/string index (out of range: error), map key (missing: null).
    GetIndex { dst: Reg, obj: Reg, idx: Reg },
    /// `obj[idx] = src` in place (copy-on-write) on a list (in range) or map (insert/replace).
    SetIndex { obj: Reg, idx: Reg, src: Reg },
    /// `dst` = slot `slot` of a record, variant payload or tuple (position, no name lookup).
    GetSlot { dst: Reg, obj: Reg, slot: u16 },
    /// `dst` = payload of an `ok`/`err` result.
    Unwrap { dst: Reg, src: Reg },
    /// Append `src` to the list in `list` in place (copy-on-write): `xs = append(xs, v)`.
    Push { list: Reg, src: Reg },
    /// `dst = len(src)` for lists, maps, tuples, strings (characters).
    Len { dst: Reg, src: Reg },
    /// Prepare a `for` loop: lists stay as they are, strings become lists of one-character
    /// strings, maps become lists of `(key, value)` tuples; anything else is an error.
    IterPrep { dst: Reg, src: Reg },
    /// `dst = list[idx]` for an Int `idx` known to be in range (for loops); still checked.
    IterGet { dst: Reg, list: Reg, idx: Reg },

    // ---- tests
    /// `dst = src is tag`
    IsType { dst: Reg, src: Reg, tag: TypeTag },
    /// `dst = src is types[ty]` (a record of that type, or any variant of that enum)
    IsUserType { dst: Reg, src: Reg, ty: u16 },
    /// `dst = src is variants[variant]`
    IsVariant { dst: Reg, src: Reg, variant: u16 },
    /// `dst = (src is ok)` (false for err; src must be a result)
    IsOk { dst: Reg, src: Reg },

    // ---- errors
    /// Stop with a run-time error whose message is the string in `msg`; `kind` selects the
    /// error code (`halt`, constraint, non-exhaustive match fallback ...).
    Fail { kind: FailKind, msg: Reg },
}

/// Why a `Fail` instruction stops the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailKind {
    /// `halt("message")`
    Halt,
    /// A record field's `where` constraint did not hold.
    Constraint,
    /// No match arm matched (only reachable with Json scrutinees).
    NoMatch,
    /// A Json value did not have the expected shape.
    Type,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_stay_eight_bytes() {
        assert_eq!(std::mem::size_of::<Instr>(), 8);
    }
}
