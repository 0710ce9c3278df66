//! The abstract syntax tree produced by the parser.
//!
//! Invariants:
//! - Every node carries a [`Span`] of byte offsets into the *original* file text (the
//!   markdown file for `.lm.md`), so diagnostics never need a position map.
//! - The parser desugars only two things: `x |> f(a)` becomes the call `f(x, a)` (and
//!   `x |> f` becomes `f(x)`), and an expression lambda `fn(x: T) => e` gets a body block
//!   holding the single expression statement `e`. Everything else is kept as written.
//! - Names are plain strings here; the resolver decides what they refer to.

use crate::span::Span;

/// An identifier with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One parsed source file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Cell(CellDecl),
    Record(RecordDecl),
    Enum(EnumDecl),
    Const(ConstDecl),
    UseTool(UseTool),
    Grant(Grant),
    Import(Import),
}

/// `[pub] cell name(a: A, b: B = default) -> R ... end`
#[derive(Debug, Clone, PartialEq)]
pub struct CellDecl {
    /// Written with `pub`: the cell is part of the program's interface (exported to hosts
    /// that package the program, see `crate::interface`).
    pub is_pub: bool,
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
    pub span: Span,
}

/// A parameter of a cell or lambda. Cell parameters always have a type; lambda parameters
/// may omit it (`ty == None`) only where the checker can infer it from context.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `record Name ... end`
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

/// `name: Type [= default] [where constraint]`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub constraint: Option<Expr>,
    pub span: Span,
}

/// `enum Name ... end`
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<VariantDecl>,
    pub span: Span,
}

/// `Circle(radius: Float)`, `Square(Float)` or `Empty`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantDecl {
    pub name: Ident,
    /// Empty for a variant without payload.
    pub fields: Vec<VariantField>,
    pub span: Span,
}

/// A payload slot of a variant: named (`radius: Float`) or positional (`Float`).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantField {
    pub name: Option<Ident>,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `const NAME [: T] = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `use tool http.get as Fetch`, or with a signature:
/// `use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String`.
#[derive(Debug, Clone, PartialEq)]
pub struct UseTool {
    /// The qualified name as written, dots included (`http.get`).
    pub tool: String,
    pub tool_span: Span,
    pub alias: Ident,
    /// The declared signature; `None` for an untyped tool (named arguments, a `Json`
    /// result).
    pub sig: Option<ToolSignature>,
    pub span: Span,
}

/// The `(params) [-> Ret]` of a typed tool declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSignature {
    /// Parameters: each has a type; a default is a constant expression (checked by the
    /// checker).
    pub params: Vec<Param>,
    /// The declared result type; `None` means `Json`.
    pub ret: Option<TypeExpr>,
    pub span: Span,
}

/// `grant Fetch domain "api.example.com"`
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub alias: Ident,
    pub key: Ident,
    /// A literal: string, int, float, bool (checked by the checker).
    pub value: Expr,
    pub span: Span,
}

/// `import a.b.c: X, Y as Z` or `import a.b: *`
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// Path segments: `a.b.c` is `["a", "b", "c"]`, resolved to `a/b/c.lm.md` or `a/b/c.lm`
    /// relative to the importing file.
    pub path: Vec<Ident>,
    pub names: ImportNames,
    pub span: Span,
}

/// What an import brings into scope.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportNames {
    /// `*`
    All(Span),
    /// `X, Y as Z`: (name, alias)
    List(Vec<(Ident, Option<Ident>)>),
}

/// A type as written.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    /// `Int`, `Point`, `list[Int]`, `map[String, Int]`, `result[T, E]`, `tuple[A, B]`.
    Named {
        name: Ident,
        args: Vec<TypeExpr>,
        span: Span,
    },
    /// `(A, B)` written as a tuple type.
    Tuple { items: Vec<TypeExpr>, span: Span },
    /// `fn(A, B) -> R` (a missing `-> R` means `Null`).
    Fn {
        params: Vec<TypeExpr>,
        ret: Box<TypeExpr>,
        span: Span,
    },
    /// `A | B | C`
    Union { items: Vec<TypeExpr>, span: Span },
    /// `T?`
    Optional { inner: Box<TypeExpr>, span: Span },
}

impl TypeExpr {
    /// The span of the whole type expression.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named { span, .. }
            | TypeExpr::Tuple { span, .. }
            | TypeExpr::Fn { span, .. }
            | TypeExpr::Union { span, .. }
            | TypeExpr::Optional { span, .. } => *span,
        }
    }
}

/// A sequence of statements. Its value is the value of its last statement when that
/// statement is an expression statement; otherwise `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// A statement with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// Statements.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `let [mut] pattern [: T] = value`. A plain `let x` has `Pattern::Bind`.
    Let {
        mutable: bool,
        pattern: Pattern,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `target = value` or `target op= value`. `target` is a `Name`, `Index` or `Field`
    /// expression (the parser rejects anything else).
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    /// `while cond ... end`
    While {
        cond: Expr,
        body: Block,
    },
    /// `for pattern in iter [if filter] ... end`
    For {
        pattern: Pattern,
        iter: Expr,
        filter: Option<Expr>,
        body: Block,
    },
    /// `loop ... end`
    Loop {
        body: Block,
    },
    Break,
    Continue,
    /// `return [value]`
    Return(Option<Expr>),
    /// Any expression, including block `if` and `match`.
    Expr(Expr),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Part of a string literal: text or an interpolated expression.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(String),
    Expr(Expr),
}

/// A call argument, positional or named (`name: value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

/// Expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    /// A string literal; a raw string or one without interpolation is a single `Text` part
    /// (or no part at all for `""`).
    Str(Vec<StrPart>),
    Bool(bool),
    Null,
    /// A name: local, parameter, cell, const, tool alias, builtin, or payload-less variant.
    Name(String),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    /// `(a, b, ...)` with at least two items (`(a)` is just `a`).
    Tuple(Vec<Expr>),
    /// `callee(args)`: cells, builtins, tools, record/variant construction, closures.
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `target.name` or, with `optional`, `target?.name`.
    Field {
        target: Box<Expr>,
        name: Ident,
        optional: bool,
    },
    /// `target[index]`
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `expr is Type`
    Is {
        expr: Box<Expr>,
        ty: TypeExpr,
    },
    /// Postfix `expr?` on a result.
    Try(Box<Expr>),
    /// Block form `if c ... else if d ... else ... end` (`else_block` None when absent)
    /// and expression form `if c then a else b` (a single branch whose blocks hold one
    /// expression statement each).
    If {
        branches: Vec<(Expr, Block)>,
        else_block: Option<Block>,
    },
    /// `match scrutinee ... end`
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `when ... end` with `cond -> value` arms; `_ -> value` has `cond == None`.
    When {
        arms: Vec<WhenArm>,
    },
    /// `fn(x: Int) -> Int => x * 2` or `fn(x: Int) ... end`
    Lambda {
        params: Vec<Param>,
        ret: Option<TypeExpr>,
        body: Block,
    },
    /// `[expr for pattern in iter if filter]`
    Comprehension {
        expr: Box<Expr>,
        pattern: Pattern,
        iter: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
}

/// One arm of a `match`: `pattern [if guard] -> body`. A single-line arm body is a block
/// with one statement (an expression, `return`, `break`, `continue` or an assignment); an
/// arm whose `->` ends the line takes a block closed by `end`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

/// One arm of a `when`: `cond -> body` or `_ -> body`.
#[derive(Debug, Clone, PartialEq)]
pub struct WhenArm {
    pub cond: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

/// Infix operators (`|>` is desugared by the parser and has no variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// `/`: truncating on two Ints.
    Div,
    /// `//`: flooring.
    IntDiv,
    /// `%`: sign of the divisor.
    Mod,
    /// `**`
    Pow,
    /// `++`: string or list concatenation.
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `x in xs`
    In,
    And,
    Or,
    /// `??`
    Coalesce,
    /// `a..b`
    Range,
    /// `a..=b`
    RangeInclusive,
}

/// A pattern with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

/// Patterns. Naming rule (decided by the parser, documented in LANGUAGE.md): a bare
/// identifier starting with an uppercase letter is a payload-less variant (`Empty`), one
/// starting with a lowercase letter or `_x` is a binding; `ok(p)` / `err(p)` are the result
/// variants.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// `name`
    Bind(String),
    /// `42`, `-1`, `2.5`, `"s"`, `true`, `null` (an expression of literal kind only).
    Literal(Box<Expr>),
    /// `Name`, `Name(p, q)` or `Name(field: p)`; `ok(p)` and `err(p)` too.
    Variant { name: Ident, args: Vec<PatternArg> },
    /// `(p, q)`
    Tuple(Vec<Pattern>),
    /// `[p, q]` or `[p, ...rest]` / `[p, ..._]` / `[p, ...]`.
    List {
        items: Vec<Pattern>,
        /// `Some(None)` for a rest without a name (`...` or `..._`), `Some(Some(id))` for
        /// `...id`, `None` when there is no rest.
        rest: Option<Option<Ident>>,
    },
    /// `p | q`
    Or(Vec<Pattern>),
    /// `1..=9` or `1..9` over Int (or Float) literals.
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
}

/// A sub-pattern of a variant pattern, positional or named (`radius: r`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatternArg {
    pub name: Option<Ident>,
    pub pattern: Pattern,
}
