//! Grammar-aware generation of Lumen programs that mostly pass the type checker.
//!
//! [`program`] builds a whole program from a seed: records (with defaults and `where`
//! constraints), enums, tools with grants, a `const`, helper cells (one recursive), and a
//! `main` cell of typed statements (let/mut/assign, if/else, while/for loops over ranges,
//! lists, maps and strings, match on enums and Ints, closures, comprehensions, string
//! interpolation, tool calls, `Json`). Expressions are generated for a wanted type from the
//! variables in scope, so most programs type-check and run; run-time errors (overflow, an
//! index out of range) are fine, they exercise the error paths.
//!
//! [`adversarial`] builds the shapes that broke Lumen before (issue 10): long operator,
//! field, call and pipe chains, deep bracket and block nesting, deep values built in loops,
//! `Int` edge values, huge literals and strings, memory-hungry doubling, long lines with many
//! errors. They stay generable so the fuzzer keeps their fixes fixed.

use crate::rng::Rng;
use std::fmt::Write;

/// The fuel pragma: a first line `# fuzz-fuel: N` gives the run N units of fuel instead of
/// the default (deep-value programs need more than ordinary ones).
pub const FUEL_PRAGMA: &str = "# fuzz-fuel: ";

/// A static type the generator tracks.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
    ListInt,
    ListStr,
    MapStrInt,
    /// Index into `Gen::records`.
    Rec(usize),
    /// Index into `Gen::enums`.
    Enum(usize),
    FnIntInt,
    Json,
}

impl Ty {
    fn lumen(&self, g: &Gen) -> String {
        match self {
            Ty::Int => "Int".into(),
            Ty::Float => "Float".into(),
            Ty::Bool => "Bool".into(),
            Ty::Str => "String".into(),
            Ty::ListInt => "list[Int]".into(),
            Ty::ListStr => "list[String]".into(),
            Ty::MapStrInt => "map[String, Int]".into(),
            Ty::Rec(i) => g.records[*i].name.clone(),
            Ty::Enum(i) => g.enums[*i].name.clone(),
            Ty::FnIntInt => "fn(Int) -> Int".into(),
            Ty::Json => "Json".into(),
        }
    }
}

struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
}

struct Record {
    name: String,
    fields: Vec<(String, Ty)>,
}

struct Variant {
    name: String,
    /// Positional payload types (empty: no payload).
    payload: Vec<Ty>,
}

struct EnumDef {
    name: String,
    variants: Vec<Variant>,
}

struct Cell {
    name: String,
    params: Vec<(String, Ty)>,
    ret: Ty,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    indent: usize,
    scopes: Vec<Vec<Var>>,
    next: usize,
    records: Vec<Record>,
    enums: Vec<EnumDef>,
    cells: Vec<Cell>,
    /// Tool alias (`echo.upper`-style: takes `text`, returns Json).
    tools: Vec<String>,
    /// Loop nesting (for break/continue).
    loops: usize,
    /// Statement budget left for the current cell.
    budget: usize,
}

const SIMPLE: &[Ty] = &[Ty::Int, Ty::Int, Ty::Str, Ty::Bool, Ty::Float];

impl<'r> Gen<'r> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn declare(&mut self, name: &str, ty: Ty, mutable: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Var {
                name: name.to_string(),
                ty,
                mutable,
            });
        }
    }

    fn vars_of(&self, ty: &Ty, mutable: bool) -> Vec<String> {
        self.scopes
            .iter()
            .flatten()
            .filter(|v| &v.ty == ty && (!mutable || v.mutable))
            .map(|v| v.name.clone())
            .collect()
    }

    fn var_of(&mut self, ty: &Ty) -> Option<String> {
        let vs = self.vars_of(ty, false);
        if vs.is_empty() {
            None
        } else {
            Some(self.rng.pick(&vs).clone())
        }
    }

    fn int_lit(&mut self) -> String {
        match self.rng.below(20) {
            0 => "9223372036854775807".into(),
            1 => "(-9223372036854775807 - 1)".into(),
            2 => "1_000_000".into(),
            3 => format!("-{}", self.rng.below(100)),
            _ => format!("{}", self.rng.below(20)),
        }
    }

    fn str_lit(&mut self) -> String {
        let words = [
            "", "a", "hello", "x,y,z", "é✓", "a b c", "line\\n", "tab\\t", "q\\\"", "{", "}",
        ];
        let w = *self.rng.pick(&words);
        if w == "{" || w == "}" {
            format!("\"\\{w}\"")
        } else {
            format!("\"{w}\"")
        }
    }

    /// An expression of type `ty`, at most `depth` levels deep.
    fn expr(&mut self, ty: &Ty, depth: usize) -> String {
        if depth == 0 || self.rng.chance(25) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        match ty {
            Ty::Int => self.int_expr(d),
            Ty::Float => match self.rng.below(6) {
                0 => format!(
                    "{} + {}",
                    self.expr(&Ty::Float, d),
                    self.expr(&Ty::Float, d)
                ),
                1 => format!("{} * {}", self.expr(&Ty::Float, d), self.expr(&Ty::Int, d)),
                2 => format!("sqrt({})", self.expr(&Ty::Float, d)),
                3 => format!("(to_float({}) ?? 0.5)", self.expr(&Ty::Str, d)),
                4 => format!("{} / 2.0", self.expr(&Ty::Float, d)),
                _ => format!("({} - 1.5)", self.expr(&Ty::Float, d)),
            },
            Ty::Bool => match self.rng.below(9) {
                0 => format!("{} < {}", self.expr(&Ty::Int, d), self.expr(&Ty::Int, d)),
                1 => format!("{} == {}", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
                2 => format!(
                    "({} and {})",
                    self.expr(&Ty::Bool, d),
                    self.expr(&Ty::Bool, d)
                ),
                3 => format!(
                    "({} or {})",
                    self.expr(&Ty::Bool, d),
                    self.expr(&Ty::Bool, d)
                ),
                4 => format!("not {}", self.expr(&Ty::Bool, d)),
                5 => format!("contains({}, {})", self.expr(&Ty::Str, d), self.str_lit()),
                6 => format!("is_empty({})", self.expr(&Ty::ListInt, d)),
                7 => format!(
                    "has_key({}, {})",
                    self.expr(&Ty::MapStrInt, d),
                    self.str_lit()
                ),
                _ => format!("{} >= {}", self.expr(&Ty::Float, d), self.expr(&Ty::Int, d)),
            },
            Ty::Str => match self.rng.below(11) {
                0 => format!("{} + {}", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
                1 => format!("{} ++ {}", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
                2 => {
                    let a = self.expr(&Ty::Int, d);
                    let b = self.expr(&Ty::Str, d);
                    format!("\"v={{{a}}} s={{{b}}}!\"")
                }
                3 => format!("upper({})", self.expr(&Ty::Str, d)),
                4 => {
                    let t = self.rng.pick(SIMPLE).clone();
                    format!("to_string({})", self.expr(&t, d))
                }
                5 => format!("join({}, \",\")", self.expr(&Ty::ListStr, d)),
                6 => format!("repeat({}, {})", self.expr(&Ty::Str, d), self.rng.below(4)),
                7 => format!("trim({})", self.expr(&Ty::Str, d)),
                8 => format!(
                    "replace({}, {}, {})",
                    self.expr(&Ty::Str, d),
                    self.str_lit(),
                    self.str_lit()
                ),
                9 => format!(
                    "slice({}, 0, {})",
                    self.expr(&Ty::Str, d),
                    self.rng.below(5)
                ),
                _ => format!(
                    "(if {} then {} else {})",
                    self.expr(&Ty::Bool, d),
                    self.expr(&Ty::Str, d),
                    self.expr(&Ty::Str, d)
                ),
            },
            Ty::ListInt => match self.rng.below(10) {
                0 => format!(
                    "append({}, {})",
                    self.expr(&Ty::ListInt, d),
                    self.expr(&Ty::Int, d)
                ),
                1 => format!("sort({})", self.expr(&Ty::ListInt, d)),
                2 => format!("reverse({})", self.expr(&Ty::ListInt, d)),
                3 => format!("0..{}", self.rng.below(6)),
                4 => {
                    let x = self.fresh("c");
                    let src = self.expr(&Ty::ListInt, d);
                    self.scopes.push(vec![]);
                    self.declare(&x, Ty::Int, false);
                    let body = self.expr(&Ty::Int, d);
                    let cond = self.expr(&Ty::Bool, d);
                    self.scopes.pop();
                    format!("[{body} for {x} in {src} if {cond}]")
                }
                5 => {
                    let src = self.expr(&Ty::ListInt, d);
                    let f = self.lambda(d);
                    format!("map({src}, {f})")
                }
                6 => {
                    let src = self.expr(&Ty::ListInt, d);
                    let x = self.fresh("p");
                    self.scopes.push(vec![]);
                    self.declare(&x, Ty::Int, false);
                    let body = self.expr(&Ty::Bool, d);
                    self.scopes.pop();
                    format!("filter({src}, fn({x}: Int) -> Bool => {body})")
                }
                7 => format!(
                    "{} ++ {}",
                    self.expr(&Ty::ListInt, d),
                    self.expr(&Ty::ListInt, d)
                ),
                8 => format!(
                    "take({}, {})",
                    self.expr(&Ty::ListInt, d),
                    self.rng.below(4)
                ),
                _ => format!("[{}, {}]", self.expr(&Ty::Int, d), self.expr(&Ty::Int, d)),
            },
            Ty::ListStr => match self.rng.below(4) {
                0 => format!("split({}, \",\")", self.expr(&Ty::Str, d)),
                1 => format!("keys({})", self.expr(&Ty::MapStrInt, d)),
                2 => format!("[{}, {}]", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
                _ => format!("chars({})", self.expr(&Ty::Str, d)),
            },
            Ty::MapStrInt => match self.rng.below(3) {
                0 => format!(
                    "set({}, {}, {})",
                    self.expr(&Ty::MapStrInt, d),
                    self.str_lit(),
                    self.expr(&Ty::Int, d)
                ),
                1 => format!(
                    "merge({}, {})",
                    self.expr(&Ty::MapStrInt, d),
                    self.expr(&Ty::MapStrInt, d)
                ),
                _ => format!(
                    "{{{}: {}, \"k\": {}}}",
                    self.str_lit(),
                    self.expr(&Ty::Int, d),
                    self.expr(&Ty::Int, d)
                ),
            },
            Ty::Rec(i) => self.record_value(*i, d),
            Ty::Enum(i) => self.enum_value(*i, d),
            Ty::FnIntInt => self.lambda(d),
            Ty::Json => match self.rng.below(4) {
                0 if !self.tools.is_empty() => {
                    let t = self.rng.pick(&self.tools).clone();
                    let s = self.expr(&Ty::Str, d);
                    format!("{t}(text: {s})")
                }
                1 => format!("parse_json(to_json({}))", self.expr(&Ty::ListInt, d)),
                2 => r#"parse_json("\{\"a\": [1, 2.5, null, true], \"b\": \{\}\}")"#.into(),
                _ => self.leaf(ty),
            },
        }
    }

    fn int_expr(&mut self, d: usize) -> String {
        match self.rng.below(18) {
            0 => format!("{} + {}", self.expr(&Ty::Int, d), self.expr(&Ty::Int, d)),
            1 => format!("{} - {}", self.expr(&Ty::Int, d), self.expr(&Ty::Int, d)),
            2 => format!("{} * {}", self.expr(&Ty::Int, d), self.rng.below(7)),
            3 => format!("{} / {}", self.expr(&Ty::Int, d), self.rng.range(1, 5)),
            4 => format!("{} // {}", self.expr(&Ty::Int, d), self.rng.range(1, 5)),
            5 => format!("{} % {}", self.expr(&Ty::Int, d), self.rng.range(1, 5)),
            6 => format!("{} ** {}", self.expr(&Ty::Int, d), self.rng.below(3)),
            7 => format!("len({})", self.expr(&Ty::ListInt, d)),
            8 => format!("len({})", self.expr(&Ty::Str, d)),
            9 => format!("abs({})", self.expr(&Ty::Int, d)),
            10 => format!(
                "max({}, {})",
                self.expr(&Ty::Int, d),
                self.expr(&Ty::Int, d)
            ),
            11 => format!("sum({})", self.expr(&Ty::ListInt, d)),
            12 => format!("(to_int({}) ?? {})", self.expr(&Ty::Str, d), self.int_lit()),
            13 => format!(
                "(if {} then {} else {})",
                self.expr(&Ty::Bool, d),
                self.expr(&Ty::Int, d),
                self.expr(&Ty::Int, d)
            ),
            14 => format!(
                "({} |> min({}))",
                self.expr(&Ty::Int, d),
                self.expr(&Ty::Int, d)
            ),
            15 => format!("(first({}) ?? 0)", self.expr(&Ty::ListInt, d)),
            16 => {
                let cands: Vec<usize> = (0..self.cells.len())
                    .filter(|c| self.cells[*c].ret == Ty::Int)
                    .collect();
                if cands.is_empty() {
                    return self.leaf(&Ty::Int);
                }
                let c = *self.rng.pick(&cands);
                let params: Vec<Ty> = self.cells[c].params.iter().map(|p| p.1.clone()).collect();
                let args: Vec<String> = params.iter().map(|t| self.expr(t, d)).collect();
                format!("{}({})", self.cells[c].name, args.join(", "))
            }
            _ => {
                if let Some(f) = self.var_of(&Ty::FnIntInt) {
                    format!("{f}({})", self.expr(&Ty::Int, d))
                } else if let Some((r, f)) = self.int_field() {
                    format!("{r}.{f}")
                } else {
                    format!("floor({})", self.expr(&Ty::Float, d))
                }
            }
        }
    }

    /// A record variable in scope with an Int field: `(var, field)`.
    fn int_field(&mut self) -> Option<(String, String)> {
        let mut found = vec![];
        for v in self.scopes.iter().flatten() {
            if let Ty::Rec(i) = v.ty {
                for (f, t) in &self.records[i].fields {
                    if *t == Ty::Int {
                        found.push((v.name.clone(), f.clone()));
                    }
                }
            }
        }
        if found.is_empty() {
            None
        } else {
            Some(self.rng.pick(&found).clone())
        }
    }

    fn lambda(&mut self, d: usize) -> String {
        let x = self.fresh("x");
        self.scopes.push(vec![]);
        self.declare(&x, Ty::Int, false);
        let body = self.expr(&Ty::Int, d);
        self.scopes.pop();
        format!("fn({x}: Int) -> Int => {body}")
    }

    fn record_value(&mut self, i: usize, d: usize) -> String {
        let name = self.records[i].name.clone();
        let fields: Vec<(String, Ty)> = self.records[i].fields.clone();
        let args: Vec<String> = fields
            .iter()
            .map(|(f, t)| format!("{f}: {}", self.expr(t, d)))
            .collect();
        format!("{name}({})", args.join(", "))
    }

    fn enum_value(&mut self, i: usize, d: usize) -> String {
        let n = self.enums[i].variants.len();
        let v = self.rng.below(n);
        let name = self.enums[i].variants[v].name.clone();
        let payload = self.enums[i].variants[v].payload.clone();
        if payload.is_empty() {
            name
        } else {
            let args: Vec<String> = payload.iter().map(|t| self.expr(t, d)).collect();
            format!("{name}({})", args.join(", "))
        }
    }

    fn leaf(&mut self, ty: &Ty) -> String {
        if self.rng.chance(60) {
            if let Some(v) = self.var_of(ty) {
                return v;
            }
        }
        match ty {
            Ty::Int => self.int_lit(),
            Ty::Float => self
                .rng
                .pick(&["0.5", "1.0", "2.5e-3", "-0.0", "1e300", "3.14"])
                .to_string(),
            Ty::Bool => self.rng.pick(&["true", "false"]).to_string(),
            Ty::Str => self.str_lit(),
            Ty::ListInt => self
                .rng
                .pick(&["[1, 2, 3]", "[0]", "[5, -3, 8, 1]", "range(0, 4)"])
                .to_string(),
            Ty::ListStr => "[\"a\", \"b\"]".into(),
            Ty::MapStrInt => "{\"ann\": 31, \"bob\": 27}".into(),
            Ty::Rec(i) => self.record_value(*i, 0),
            Ty::Enum(i) => self.enum_value(*i, 0),
            Ty::FnIntInt => self.lambda(0),
            Ty::Json => "parse_json(\"[1, 2]\")".into(),
        }
    }

    fn any_ty(&mut self) -> Ty {
        let mut tys = vec![
            Ty::Int,
            Ty::Int,
            Ty::Str,
            Ty::Bool,
            Ty::Float,
            Ty::ListInt,
            Ty::ListStr,
            Ty::MapStrInt,
            Ty::FnIntInt,
            Ty::Json,
        ];
        for i in 0..self.records.len() {
            tys.push(Ty::Rec(i));
        }
        for i in 0..self.enums.len() {
            tys.push(Ty::Enum(i));
        }
        self.rng.pick(&tys).clone()
    }

    fn block(&mut self, n: usize, depth: usize) {
        self.indent += 1;
        self.scopes.push(vec![]);
        for _ in 0..n {
            self.stmt(depth);
        }
        self.scopes.pop();
        self.indent -= 1;
    }

    fn stmt(&mut self, depth: usize) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let nested = depth > 0;
        let d = depth.saturating_sub(1);
        match self.rng.below(if nested { 16 } else { 8 }) {
            0 | 1 => {
                let ty = self.any_ty();
                let name = self.fresh("v");
                let mutable = self.rng.chance(40);
                let e = self.expr(&ty, 3);
                let kw = if mutable { "let mut" } else { "let" };
                if self.rng.chance(30) {
                    let t = ty.lumen(self);
                    self.line(&format!("{kw} {name}: {t} = {e}"));
                } else {
                    self.line(&format!("{kw} {name} = {e}"));
                }
                self.declare(&name, ty, mutable);
            }
            2 => {
                let ty = self.rng.pick(SIMPLE).clone();
                let e = self.expr(&ty, 3);
                if self.rng.chance(20) {
                    let e2 = self.expr(&Ty::Int, 2);
                    self.line(&format!("print({e}, {e2})"));
                } else {
                    self.line(&format!("print({e})"));
                }
            }
            3 => {
                let ty = self.any_ty();
                let e = self.expr(&ty, 2);
                self.line(&format!("print({e})"));
            }
            4 => {
                // assignment to a mutable variable
                let muts: Vec<(String, Ty)> = self
                    .scopes
                    .iter()
                    .flatten()
                    .filter(|v| v.mutable)
                    .map(|v| (v.name.clone(), v.ty.clone()))
                    .collect();
                if muts.is_empty() {
                    let e = self.expr(&Ty::Str, 2);
                    self.line(&format!("print({e})"));
                    return;
                }
                let (name, ty) = self.rng.pick(&muts).clone();
                match ty {
                    Ty::Int if self.rng.chance(50) => {
                        let op = *self.rng.pick(&["+=", "-=", "*="]);
                        let e = self.expr(&Ty::Int, 2);
                        self.line(&format!("{name} {op} {e}"));
                    }
                    Ty::ListInt if self.rng.chance(50) => {
                        let e = self.expr(&Ty::Int, 2);
                        self.line(&format!("{name} = append({name}, {e})"));
                    }
                    Ty::MapStrInt if self.rng.chance(50) => {
                        let k = self.str_lit();
                        let e = self.expr(&Ty::Int, 2);
                        self.line(&format!("{name}[{k}] = {e}"));
                    }
                    Ty::Str if self.rng.chance(50) => {
                        let e = self.expr(&Ty::Str, 2);
                        self.line(&format!("{name} = {name} + {e}"));
                    }
                    _ => {
                        let e = self.expr(&ty, 2);
                        self.line(&format!("{name} = {e}"));
                    }
                }
            }
            5 => {
                let (a, b) = (self.fresh("t"), self.fresh("t"));
                let ea = self.expr(&Ty::Int, 2);
                let eb = self.expr(&Ty::Str, 2);
                self.line(&format!("let ({a}, {b}) = ({ea}, {eb})"));
                self.declare(&a, Ty::Int, false);
                self.declare(&b, Ty::Str, false);
            }
            6 if !self.tools.is_empty() => {
                let t = self.rng.pick(&self.tools).clone();
                let name = self.fresh("r");
                let s = self.expr(&Ty::Str, 2);
                self.line(&format!("let {name} = {t}(text: {s})"));
                self.line(&format!("print({name})"));
                self.declare(&name, Ty::Json, false);
            }
            6 | 7 => {
                let e = self.expr(&Ty::Int, 3);
                self.line(&format!("print(\"n = {{{e}}}\")"));
            }
            8 | 9 => {
                let c = self.expr(&Ty::Bool, 2);
                self.line(&format!("if {c}"));
                let n = self.rng.range(1, 3);
                self.block(n, d);
                if self.rng.chance(50) {
                    if self.rng.chance(40) {
                        let c2 = self.expr(&Ty::Bool, 2);
                        self.line(&format!("else if {c2}"));
                        self.block(1, d);
                    }
                    self.line("else");
                    let n = self.rng.range(1, 2);
                    self.block(n, d);
                }
                self.line("end");
            }
            10 => {
                let x = self.fresh("i");
                let (head, ty) = match self.rng.below(4) {
                    0 => (format!("for {x} in 0..{}", self.rng.below(5)), Ty::Int),
                    1 => (format!("for {x} in 1..={}", self.rng.below(4)), Ty::Int),
                    2 => {
                        let l = self.expr(&Ty::ListInt, 2);
                        (format!("for {x} in {l}"), Ty::Int)
                    }
                    _ => {
                        let s = self.expr(&Ty::Str, 1);
                        (format!("for {x} in {s}"), Ty::Str)
                    }
                };
                let head = if self.rng.chance(20) && ty == Ty::Int {
                    format!("{head} if {x} % 2 == 0")
                } else {
                    head
                };
                self.line(&head);
                self.loop_body(&x, ty, d);
                self.line("end");
            }
            11 => {
                let (k, v) = (self.fresh("k"), self.fresh("m"));
                let m = self.expr(&Ty::MapStrInt, 2);
                self.line(&format!("for ({k}, {v}) in {m}"));
                self.indent += 1;
                self.scopes.push(vec![]);
                self.declare(&k, Ty::Str, false);
                self.declare(&v, Ty::Int, false);
                self.line(&format!("print({k}, {v})"));
                self.scopes.pop();
                self.indent -= 1;
                self.line("end");
            }
            12 => {
                let i = self.fresh("w");
                let limit = self.rng.range(1, 6);
                self.line(&format!("let mut {i} = 0"));
                self.declare(&i, Ty::Int, true);
                self.line(&format!("while {i} < {limit}"));
                self.indent += 1;
                self.line(&format!("{i} += 1"));
                self.indent -= 1;
                self.loop_body(&i, Ty::Int, d);
                self.line("end");
            }
            13 if !self.enums.is_empty() => {
                let e = self.rng.below(self.enums.len());
                let scrut = self.expr(&Ty::Enum(e), 2);
                self.line(&format!("match {scrut}"));
                self.indent += 1;
                let variants: Vec<(String, Vec<Ty>)> = self.enums[e]
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), v.payload.clone()))
                    .collect();
                let wildcard = self.rng.chance(25) && variants.len() > 1;
                let upto = if wildcard {
                    variants.len() - 1
                } else {
                    variants.len()
                };
                for (name, payload) in variants.iter().take(upto) {
                    self.scopes.push(vec![]);
                    let mut pat = name.clone();
                    if !payload.is_empty() {
                        let mut bs = vec![];
                        for t in payload {
                            let b = self.fresh("b");
                            self.declare(&b, t.clone(), false);
                            bs.push(b);
                        }
                        pat = format!("{name}({})", bs.join(", "));
                    }
                    let body = self.expr(&Ty::Str, 2);
                    self.line(&format!("{pat} -> print({body})"));
                    self.scopes.pop();
                }
                if wildcard {
                    self.line("_ -> print(\"other\")");
                }
                self.indent -= 1;
                self.line("end");
            }
            13 | 14 => {
                let scrut = self.expr(&Ty::Int, 2);
                self.line(&format!("match {scrut}"));
                self.indent += 1;
                let a = self.rng.below(5);
                self.line(&format!("{a} -> print(\"lit\")"));
                self.line(&format!("{}..={} -> print(\"range\")", a + 1, a + 4));
                let b = self.fresh("b");
                self.line(&format!("{b} if {b} < 0 -> print(\"neg\", {b})"));
                self.line("_ -> print(\"any\")");
                self.indent -= 1;
                self.line("end");
            }
            _ => {
                if self.loops > 0 && self.rng.chance(50) {
                    let c = self.expr(&Ty::Bool, 1);
                    let kw = *self.rng.pick(&["break", "continue"]);
                    self.line(&format!("if {c}"));
                    self.indent += 1;
                    self.line(kw);
                    self.indent -= 1;
                    self.line("end");
                } else {
                    let l = self.expr(&Ty::ListInt, 2);
                    self.line(&format!(
                        "print(reduce({l}, fn(a: Int, b: Int) -> Int => a + b, 0))"
                    ));
                }
            }
        }
    }

    fn loop_body(&mut self, var: &str, ty: Ty, d: usize) {
        self.loops += 1;
        self.indent += 1;
        self.scopes.push(vec![]);
        self.declare(var, ty, false);
        let n = self.rng.range(1, 3);
        for _ in 0..n {
            self.stmt(d);
        }
        self.scopes.pop();
        self.indent -= 1;
        self.loops -= 1;
    }

    fn declarations(&mut self) {
        for _ in 0..self.rng.below(3) {
            let name = self.fresh("Rec");
            let mut fields = vec![];
            self.line(&format!("record {name}"));
            self.indent += 1;
            for _ in 0..self.rng.range(1, 3) {
                let f = self.fresh("f");
                let ty = self
                    .rng
                    .pick(&[Ty::Int, Ty::Str, Ty::Float, Ty::ListInt])
                    .clone();
                let t = ty.lumen(self);
                match (&ty, self.rng.below(4)) {
                    (Ty::Int, 0) => self.line(&format!("{f}: {t} where {f} >= -1000000")),
                    (Ty::Int, 1) => self.line(&format!("{f}: {t} = 7")),
                    (Ty::Str, 0) => self.line(&format!("{f}: {t} where len({f}) < 100")),
                    _ => self.line(&format!("{f}: {t}")),
                }
                fields.push((f, ty));
            }
            self.indent -= 1;
            self.line("end");
            self.out.push('\n');
            self.records.push(Record { name, fields });
        }
        for _ in 0..self.rng.below(3) {
            let name = self.fresh("En");
            let mut variants = vec![];
            self.line(&format!("enum {name}"));
            self.indent += 1;
            for _ in 0..self.rng.range(1, 4) {
                let v = self.fresh("V");
                let payload: Vec<Ty> = match self.rng.below(3) {
                    0 => vec![],
                    1 => vec![Ty::Int],
                    _ => vec![Ty::Str, Ty::Int],
                };
                if payload.is_empty() {
                    self.line(&v);
                } else {
                    let ts: Vec<String> = payload.iter().map(|t| t.lumen(self)).collect();
                    self.line(&format!("{v}({})", ts.join(", ")));
                }
                variants.push(Variant { name: v, payload });
            }
            self.indent -= 1;
            self.line("end");
            self.out.push('\n');
            self.enums.push(EnumDef { name, variants });
        }
        if self.rng.chance(40) {
            let alias = self.fresh("Tool");
            let tool = *self
                .rng
                .pick(&["echo.upper", "kv.get", "fs.read", "http.get", "time.now"]);
            self.line(&format!("use tool {tool} as {alias}"));
            match self.rng.below(4) {
                0 => {
                    let n = self.rng.below(4);
                    self.line(&format!("grant {alias} max_calls {n}"))
                }
                1 => self.line(&format!("grant {alias} timeout_ms 100")),
                2 => self.line(&format!("grant {alias} path \"data\"")),
                _ => self.line(&format!("grant {alias} domain \"*.example.com\"")),
            }
            self.out.push('\n');
            self.tools.push(alias);
        }
        if self.rng.chance(40) {
            let c = self.fresh("LIMIT");
            let v = self.int_lit();
            self.line(&format!("const {c} = {v}"));
            self.out.push('\n');
            self.scopes[0].push(Var {
                name: c,
                ty: Ty::Int,
                mutable: false,
            });
        }
    }

    fn helper_cells(&mut self) {
        if self.rng.chance(40) {
            let name = self.fresh("rec");
            self.line(&format!("cell {name}(n: Int) -> Int"));
            self.line("  if n <= 0");
            self.line("    return 0");
            self.line("  end");
            let k = self.rng.range(1, 3);
            self.line(&format!("  return {name}(n - {k}) + n"));
            self.line("end");
            self.out.push('\n');
            self.cells.push(Cell {
                name,
                params: vec![("n".into(), Ty::Int)],
                ret: Ty::Int,
            });
        }
        for _ in 0..self.rng.below(3) {
            let name = self.fresh("cell");
            let mut params = vec![];
            for _ in 0..self.rng.below(3) {
                let p = self.fresh("a");
                let ty = self
                    .rng
                    .pick(&[Ty::Int, Ty::Str, Ty::ListInt, Ty::Bool])
                    .clone();
                params.push((p, ty));
            }
            let ret = self
                .rng
                .pick(&[Ty::Int, Ty::Str, Ty::Bool, Ty::ListInt])
                .clone();
            let ps: Vec<String> = params
                .iter()
                .map(|(p, t)| format!("{p}: {}", t.lumen(self)))
                .collect();
            let rt = ret.lumen(self);
            self.line(&format!("cell {name}({}) -> {rt}", ps.join(", ")));
            self.scopes.push(vec![]);
            for (p, t) in &params {
                self.declare(p, t.clone(), false);
            }
            self.budget = self.rng.range(1, 5);
            self.indent += 1;
            while self.budget > 0 {
                self.stmt(1);
            }
            let e = self.expr(&ret, 3);
            if self.rng.chance(50) {
                self.line(&format!("return {e}"));
            } else {
                self.line(&e);
            }
            self.indent -= 1;
            self.scopes.pop();
            self.line("end");
            self.out.push('\n');
            self.cells.push(Cell { name, params, ret });
        }
    }
}

/// A whole, mostly well-typed program from `rng`.
pub fn program(rng: &mut Rng) -> String {
    let mut g = Gen {
        rng,
        out: String::new(),
        indent: 0,
        scopes: vec![vec![]],
        next: 0,
        records: vec![],
        enums: vec![],
        cells: vec![],
        tools: vec![],
        loops: 0,
        budget: 0,
    };
    g.declarations();
    g.helper_cells();
    let returns_int = g.rng.chance(40);
    g.line(if returns_int {
        "cell main() -> Int"
    } else {
        "cell main()"
    });
    g.budget = g.rng.range(3, 14);
    g.indent += 1;
    g.scopes.push(vec![]);
    while g.budget > 0 {
        g.stmt(2);
    }
    if returns_int {
        let e = g.expr(&Ty::Int, 3);
        g.line(&e);
    }
    g.indent -= 1;
    g.line("end");
    g.out
}

/// `main` bodies at the edges of `Int` and `Float`: overflow, ranges ending at `Int` max,
/// huge counts and indexes. Small and safe on every host, so the differential check uses
/// them too.
pub const INT_EDGES: &[&str] = &[
    "print(9223372036854775807 + 1)",
    "print(-9223372036854775807 - 1)",
    "print((-9223372036854775807 - 1) // -1)",
    "print((-9223372036854775807 - 1) % -1)",
    "print(abs(-9223372036854775807 - 1))",
    "print(2 ** 63)",
    "print(2 ** -1)",
    "print(99999999999999999999999)",
    "print(-9223372036854775808)",
    "print(1e309)",
    "print(to_int(1e300))",
    "print(floor(1e300))",
    "for i in (9223372036854775807 - 1)..=9223372036854775807\n    print(i)\n  end",
    "for i in 9223372036854775806..9223372036854775807\n    print(i)\n  end",
    "print(len(range(-9223372036854775807 - 1, -9223372036854775807)))",
    "print(slice([1, 2, 3], -9223372036854775807 - 1, 9223372036854775807))",
    "print(repeat(\"ab\", 9223372036854775807))",
    "print(pad_left(\"a\", 9223372036854775807))",
    "print([1, 2][9223372036854775807])",
    "print(\"abc\"[-9223372036854775807 - 1])",
];

/// A program made of one of [`INT_EDGES`].
pub fn int_edge(rng: &mut Rng) -> String {
    format!("cell main()\n  {}\nend\n", rng.pick(INT_EDGES))
}

/// One of the adversarial shapes (see the module docs), from `rng`.
pub fn adversarial(rng: &mut Rng) -> String {
    let sizes = [10, 100, 1_000, 2_500, 6_000, 20_000];
    let n = *rng.pick(&sizes);
    let mut s = String::new();
    match rng.below(16) {
        0 => {
            let op = *rng.pick(&["+", "-", "*", "==", "and", "++", "??", "or", "<", "|>"]);
            let term = match op {
                "and" | "or" => "true",
                "++" => "\"a\"",
                "|>" => "abs()",
                _ => "1",
            };
            let first = if op == "|>" { "1" } else { term };
            let _ = write!(s, "cell main()\n  let x = {first}");
            for _ in 0..n {
                let _ = write!(s, " {op} {term}");
            }
            s.push_str("\n  print(x)\nend\n");
        }
        1 => {
            s.push_str("cell main()\n  let j = parse_json(\"\\{\\}\")\n  print(j");
            for _ in 0..n {
                s.push_str(".a");
            }
            s.push_str(")\nend\n");
        }
        2 => {
            s.push_str("cell main()\n  let f = fn(x: Int) -> Int => x\n  print(f(1)");
            for _ in 0..n {
                s.push_str("(1)");
            }
            s.push_str(")\nend\n");
        }
        3 => {
            let (open, close) =
                *rng.pick(&[("(", ")"), ("[", "]"), ("-(", ")"), ("{\"k\": ", "}")]);
            let depth = *rng.pick(&[200, 255, 256, 257, 1_000, 10_000]);
            s.push_str("cell main()\n  print(");
            for _ in 0..depth {
                s.push_str(open);
            }
            s.push('1');
            for _ in 0..depth {
                s.push_str(close);
            }
            s.push_str(")\nend\n");
        }
        4 => {
            let depth = *rng.pick(&[100, 255, 300, 5_000]);
            s.push_str("cell main()\n");
            for _ in 0..depth {
                s.push_str("if true\n");
            }
            s.push_str("print(1)\n");
            for _ in 0..depth {
                s.push_str("end\n");
            }
            s.push_str("end\n");
        }
        5 => {
            // Deep values built in a loop, then used in every way that walks them.
            let depth = *rng.pick(&[1_000, 10_000, 140_000]);
            let use_ = *rng.pick(&[
                "print(len(to_string(l)))",
                "print(l == l)",
                "print(len(to_json(l)))",
                "print(\"{l}\")",
                "print(sort([l, l]) == [l])",
                "print(1)",
            ]);
            let _ = write!(
                s,
                "{FUEL_PRAGMA}{}\nenum L\n  Nil\n  Cons(Int, L)\nend\n\ncell main()\n  let mut l = Nil\n  for i in 0..{depth}\n    l = Cons(i, l)\n  end\n  {use_}\nend\n",
                depth * 20 + 1000
            );
        }
        6 => {
            let depth = *rng.pick(&[1_000, 10_000, 140_000]);
            let build = *rng.pick(&["[v]", "{\"k\": v}", "(v, 1)"]);
            let use_ = *rng.pick(&[
                "print(len(to_string(v)))",
                "print(v == v)",
                "print(len(to_json(v)))",
                "print(1)",
            ]);
            let _ = write!(
                s,
                "{FUEL_PRAGMA}{}\ncell main()\n  let mut v: Json = parse_json(\"1\")\n  for i in 0..{depth}\n    v = {build}\n  end\n  {use_}\nend\n",
                depth * 20 + 1000
            );
        }
        7 => {
            let depth = *rng.pick(&[1_000, 9_000, 140_000]);
            let _ = write!(
                s,
                "{FUEL_PRAGMA}{}\ncell main()\n  let mut f = fn(x: Int) -> Int => x\n  for i in 0..{depth}\n    let g = f\n    f = fn(x: Int) -> Int => g(x) + 1\n  end\n  print({})\nend\n",
                depth * 20 + 1000,
                if rng.chance(50) { "f(0)" } else { "1" }
            );
        }
        8 => {
            let body = *rng.pick(INT_EDGES);
            let _ = write!(s, "cell main()\n  {body}\nend\n");
        }
        9 => {
            let body = *rng.pick(&[
                "let mut s = \"ab\"\n  for i in 0..40\n    s = s + s\n  end\n  print(len(s))",
                "let mut s = \"ab\"\n  for i in 0..40\n    s = s ++ s\n  end\n  print(len(s))",
                "let mut s = \"ab\"\n  for i in 0..40\n    s = \"{s}{s}\"\n  end\n  print(len(s))",
                "let mut xs = [1]\n  for i in 0..40\n    xs = xs ++ xs\n  end\n  print(len(xs))",
                "print(len(sort(range(0, 100000000))))",
                "print(len(repeat(\"abcd\", 100000000)))",
            ]);
            let _ = write!(s, "cell main()\n  {body}\nend\n");
        }
        10 => {
            let count = *rng.pick(&[100, 1_600]);
            s.push_str("cell main() -> Int\n ");
            for _ in 0..count {
                s.push_str(" let x = 1 + * 2;");
            }
            s.push_str("\n  0\nend\n");
        }
        11 => {
            let len = *rng.pick(&[1_000, 100_000, 1_000_000]);
            let _ = write!(
                s,
                "cell main()\n  let s = \"{}\"\n  print(len(s))\nend\n",
                "x".repeat(len)
            );
        }
        12 => {
            s.push_str("cell main()\n  let xs = [");
            for i in 0..n {
                let _ = write!(s, "{i}, ");
            }
            s.push_str("0]\n  print(len(xs))\nend\n");
        }
        13 => {
            s.push_str("cell main()\n  let x = 3\n  match x\n");
            for i in 0..n {
                let _ = writeln!(s, "    {i} -> print({i})");
            }
            s.push_str("    _ -> print(-1)\n  end\nend\n");
        }
        14 => {
            // A cell with many registers recursing deep (register-stack memory).
            let lets = *rng.pick(&[100, 3_000, 30_000]);
            let depth = *rng.pick(&[100, 9_990]);
            s.push_str("cell deep(n: Int) -> Int\n  if n <= 0\n    return 0\n  end\n");
            for i in 0..lets {
                let _ = writeln!(s, "  let r{i} = n");
            }
            let _ = write!(
                s,
                "  return deep(n - 1)\nend\n\ncell main()\n  print(deep({depth}))\nend\n"
            );
        }
        _ => {
            let count = *rng.pick(&[100, 10_000]);
            s.push_str("cell main()\n  let mut n = 0\n");
            for _ in 0..count {
                s.push_str("  n += 1\n");
            }
            s.push_str("  print(n)\nend\n");
        }
    }
    s
}

/// The fuel a program asks for with the [`FUEL_PRAGMA`], if any.
pub fn fuel_pragma(source: &[u8]) -> Option<u64> {
    let rest = source.strip_prefix(FUEL_PRAGMA.as_bytes())?;
    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(program(&mut Rng::new(42)), program(&mut Rng::new(42)));
        assert_eq!(
            adversarial(&mut Rng::new(42)),
            adversarial(&mut Rng::new(42))
        );
        assert_ne!(program(&mut Rng::new(1)), program(&mut Rng::new(2)));
    }

    /// Generated programs are meant to reach the VM: most must pass `check`.
    #[test]
    fn issue10_fuzzer_generated_programs_mostly_type_check() {
        let mut clean = 0;
        for seed in 0..500 {
            let p = program(&mut Rng::new(seed));
            let diags = lumen_compiler::check(
                "gen.lm",
                p.as_bytes(),
                &lumen_compiler::NoImports,
                &Default::default(),
            );
            if !diags.iter().any(lumen_compiler::Diagnostic::is_error) {
                clean += 1;
            }
        }
        assert!(
            clean >= 300,
            "only {clean} of 500 generated programs pass check"
        );
    }

    #[test]
    fn generated_programs_use_the_language_broadly() {
        let all: String = (0..300).map(|s| program(&mut Rng::new(s))).collect();
        for needle in [
            "record ",
            "enum ",
            "match ",
            "fn(",
            "for ",
            "while ",
            "use tool",
            "grant ",
            "parse_json",
            "\"k\": ",
            "..",
            "const ",
            "return ",
            "++",
            "\"v={",
        ] {
            assert!(
                all.contains(needle),
                "no generated program contains `{needle}`"
            );
        }
    }

    #[test]
    fn adversarial_shapes_cover_the_known_crash_families() {
        let all: String = (0..3000).map(|s| adversarial(&mut Rng::new(s))).collect();
        for needle in [
            " + 1 + 1",
            ".a.a.a",
            "(1)(1)(1)",
            "|> abs()",
            "((((",
            "Cons(i, l)",
            "9223372036854775807",
            "s = s + s",
            "xs = xs ++ xs",
            "let x = 1 + * 2; let x",
        ] {
            assert!(
                all.contains(needle),
                "no adversarial program contains `{needle}`"
            );
        }
    }

    #[test]
    fn reads_the_fuel_pragma() {
        assert_eq!(
            fuel_pragma(b"# fuzz-fuel: 1234\ncell main()\nend\n"),
            Some(1234)
        );
        assert_eq!(fuel_pragma(b"cell main()\nend\n"), None);
    }
}
