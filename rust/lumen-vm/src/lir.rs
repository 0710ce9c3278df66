//! LIR: the Lumen intermediate representation the VM executes.
//!
//! A [`Module`] is a self-contained program: functions of register instructions ([`Instr`],
//! defined by the instruction table in `opcodes`), a constant pool, the user types (records
//! and enums), the tools the program declared with their grants, and global slots for
//! `const`s. The compiler produces it; the VM never depends on the compiler. It has a JSON
//! form (serde) and a compact binary form (`binary` module).
//!
//! Invariants (checked by `validate`, required before execution):
//! - every register operand is `< Function::num_regs`; a register range `start..start+count`
//!   lies inside the frame;
//! - every constant, function, type, variant, tool, global and builtin index is in range;
//! - every jump target is `< code.len()`, and the last instruction of every function is one
//!   that does not fall through (`Return`, `ReturnNull`, `Jump`, `Fail`: the table's `ends`),
//!   so execution never falls off the end;
//! - `positions` is empty (stripped) or `positions.len() == code.len()`;
//!   `arity + captures <= num_regs`.
//!
//! Calling convention (register windows): a call's arguments sit in consecutive registers
//! `args..args+argc` of the caller. The callee's frame starts at the caller's register
//! `args`, so its parameters are its registers `0..arity`; for a closure, the captured
//! values follow at `arity..arity+captures`. Every heap value in the callee's registers is
//! released by the time it returns (the VM releases only the registers its translation does
//! not prove scalar; see the `scalars` module), so the frame holds only scalars afterwards.
//! Builtin calls read `args..args+argc` and clear them afterwards. This clearing
//! keeps reference counts exact, which is what makes in-place updates (`Push`, `Add` into
//! its own left operand) amortized O(1).

use serde::{Deserialize, Serialize};

/// The instruction enum, generated from the instruction table in `opcodes`.
pub use crate::opcodes::Instr;

/// The LIR format version: bump on any change to instructions, builtins or layout.
pub const LIR_VERSION: u32 = 5;

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

impl Module {
    /// Drops every function's position table (`lumen emit --strip`): run-time errors then
    /// name the cells and files but no lines.
    pub fn strip_positions(&mut self) {
        for f in &mut self.functions {
            f.positions = Vec::new();
        }
    }
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
    /// The source position of each instruction (the expression it evaluates), or empty
    /// when the table was stripped (`lumen emit --strip`): errors then name only the cell.
    pub positions: Vec<Pos>,
}

/// A position in a source file: 1-based line and column (columns count characters), 0
/// when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    /// Line `line`, column `column`.
    pub const fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
}

impl Function {
    /// An exported function assembled by hand (tests, benchmarks, tools that write LIR
    /// directly): parameters `p0`, `p1`, ... without declared types, no captures, in file 0,
    /// instruction `i` at line `i + 1`, column 1.
    pub fn numbered(name: &str, arity: u16, num_regs: u16, code: Vec<Instr>) -> Function {
        Function {
            name: name.into(),
            file: 0,
            arity,
            params: (0..arity).map(|i| format!("p{i}")).collect(),
            param_types: vec![String::new(); arity as usize],
            captures: 0,
            num_regs,
            exported: true,
            positions: (1..=code.len() as u32).map(|l| Pos::new(l, 1)).collect(),
            code,
        }
    }
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
