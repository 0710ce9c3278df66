//! The program interface: the typed signatures a host needs to call a program from outside
//! (the exported cells, the records and enums their values use, and the tools the program
//! needs the host to provide). `lumen build` uses it to generate TypeScript declarations.
//!
//! [`interface_of`] takes the same inputs as [`crate::compile`] and returns an
//! [`Interface`], or the program's diagnostics when it does not check.
//!
//! Which cells are exported: every `pub cell` of the root file; when the root file has no
//! `pub` cell, just `main` (when there is one). Cells of imported modules are never
//! exported. Every record and enum of the program (imported ones too) is listed, in file
//! and declaration order, so every [`Ty::Record`] / [`Ty::Enum`] name an exported signature
//! uses has its definition here. Two declarations of the same name in different files are
//! both listed (they are told apart only by order; a host generating types should report
//! the clash).
//!
//! # How each type crosses the JavaScript boundary today
//!
//! Lumen → JS (a cell's result, a tool's arguments, `rust/lumen-wasm/src/js.rs` and
//! `lumen_vm::json`):
//! - [`Ty::Int`] → `number` when |n| ≤ 2^53 − 1, else `bigint`; [`Ty::Float`] → `number`
//!   (`inf`/`nan` become `null` when they go through JSON, i.e. as tool arguments);
//!   [`Ty::String`] → `string`; [`Ty::Bool`] → `boolean`; [`Ty::Null`] → `null`;
//! - [`Ty::List`] and [`Ty::Tuple`] → arrays; [`Ty::Map`] → a plain object (Int keys become
//!   their decimal text, in the map's order); [`Ty::Record`] → a plain object of its fields
//!   (the type name is not kept);
//! - [`Ty::Enum`]: a payload-less variant → its name as a string (`"Empty"`); a variant with
//!   a payload → `{Name: {field: v, ...}}` when every payload field is named, else
//!   `{Name: [v, ...]}`;
//! - [`Ty::Result`] → `{ok: v}` / `{err: e}`; [`Ty::Optional`] → the value or `null`;
//!   [`Ty::Fn`] → the string `"<fn name>"` (a function cannot be called from outside);
//! - [`Ty::Json`] → the JSON value as is (objects keep their key order).
//!
//! JS → Lumen (a cell's arguments): through JSON (`JSON.stringify` rules) and then
//! converted by the cell's declared parameter types, which lowering records in the LIR
//! (`Module::entry_types`, every cell of the root file) and the VM applies
//! (`lumen_vm::Vm::convert_entry_arg`) with the rules of a typed tool's result: records
//! from objects with every field, variants from the shapes above, results from
//! `{ok}`/`{err}`, an Int from an integral number, and so on (E0913 naming the parameter
//! when an argument does not fit). A tool's
//! result, JS → Lumen: without a declared result type it is JSON as is (integers → Int,
//! other numbers → Float, arrays → lists, objects → maps with String
//! keys); with one (`use tool t as T(...) -> R`) the VM checks and converts it by `R`
//! before the program sees it (see `docs/LANGUAGE.md`, decisions 33–35).

use crate::check::types::{AdtKind, Type};
use crate::check::Signatures;
use crate::resolve::Program;
use crate::{CompileOptions, Diagnostic, ModuleLoader};
use serde::Serialize;

/// What a host sees of a program: exported cells, user types, and needed tools.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interface {
    /// The exported cells, in declaration order.
    pub cells: Vec<CellSig>,
    /// Every record of the program, in file and declaration order.
    pub records: Vec<RecordDef>,
    /// Every enum of the program, in file and declaration order.
    pub enums: Vec<EnumDef>,
    /// Every tool the program declares (`use tool`), typed or not, in file and declaration
    /// order (the same qualified name may appear twice under different aliases).
    pub tools: Vec<ToolSig>,
}

/// An exported cell: every `pub` cell, or just `main` when none is `pub`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellSig {
    pub name: String,
    pub params: Vec<Param>,
    /// The declared return type, or the one the checker inferred.
    pub ret: Ty,
    /// The `#` comment lines directly above the cell (markers and one leading space
    /// removed, lines joined with `\n`), if any.
    pub doc: Option<String>,
}

/// A parameter of a cell or a typed tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    /// True when the parameter has a default (the argument may be left out).
    pub has_default: bool,
}

/// A Lumen type, as it appears in signatures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Ty {
    Int,
    Float,
    String,
    Bool,
    /// Any JSON value (also used for a type the checker could not infer).
    Json,
    /// The type of `null` (a cell without a value returns it).
    Null,
    /// The type of a cell that never returns normally (it always `halt`s or fails).
    Never,
    List(Box<Ty>),
    /// Keys are `String` or `Int`.
    Map(Box<Ty>, Box<Ty>),
    Tuple(Vec<Ty>),
    /// `T?`, that is `T | Null` (the inner type is never `Null` or `Optional` itself).
    Optional(Box<Ty>),
    /// `A | B | ...` with at least two members and no `Null` (a union with `Null` is an
    /// `Optional` of the rest).
    Union(Vec<Ty>),
    /// `result[T, E]`
    Result(Box<Ty>, Box<Ty>),
    /// A record, by name (see [`Interface::records`]).
    Record(String),
    /// An enum, by name (see [`Interface::enums`]).
    Enum(String),
    /// `fn(A, B) -> R`
    Fn(Vec<Ty>, Box<Ty>),
}

impl Ty {
    /// The type as a Lumen program writes it (`list[map[String, Int]]`, `(A | B)?`), for
    /// messages and generated docs; nesting beyond 128 levels is written `...`.
    pub fn lumen_text(&self) -> String {
        self.text_at(0)
    }

    fn text_at(&self, depth: usize) -> String {
        const MAX_DEPTH: usize = 128;
        if depth > MAX_DEPTH {
            return "...".to_string();
        }
        let inner = |t: &Ty| t.text_at(depth + 1);
        let list = |ts: &[Ty]| ts.iter().map(inner).collect::<Vec<_>>().join(", ");
        match self {
            Ty::Int => "Int".into(),
            Ty::Float => "Float".into(),
            Ty::String => "String".into(),
            Ty::Bool => "Bool".into(),
            Ty::Json => "Json".into(),
            Ty::Null => "Null".into(),
            Ty::Never => "Never".into(),
            Ty::List(t) => format!("list[{}]", inner(t)),
            Ty::Map(k, v) => format!("map[{}, {}]", inner(k), inner(v)),
            Ty::Tuple(ts) => format!("tuple[{}]", list(ts)),
            Ty::Optional(t) => match **t {
                Ty::Union(_) | Ty::Fn(..) => format!("({})?", inner(t)),
                _ => format!("{}?", inner(t)),
            },
            Ty::Union(ts) => ts.iter().map(inner).collect::<Vec<_>>().join(" | "),
            Ty::Result(t, e) => format!("result[{}, {}]", inner(t), inner(e)),
            Ty::Record(n) | Ty::Enum(n) => n.clone(),
            Ty::Fn(ps, r) => format!("fn({}) -> {}", list(ps), inner(r)),
        }
    }
}

/// A record and its fields, in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDef {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
    /// Names of the fields that have a default (they may be left out when constructing).
    pub defaults: Vec<String>,
}

/// An enum and its variants, in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<VariantDef>,
}

/// One variant: its payload fields, named (`radius: Float`) or positional (`Float`); empty
/// for a payload-less variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantDef {
    pub name: String,
    pub fields: Vec<(Option<String>, Ty)>,
}

/// A tool the program declares: `use tool qualified as Alias[(params) [-> Ret]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSig {
    /// The qualified name the host provides it under (`llm.chat`).
    pub qualified: String,
    /// The name the program calls it by (`Chat`).
    pub alias: String,
    /// `None`: untyped (any named arguments, passed as one JSON object).
    pub params: Option<Vec<Param>>,
    /// `None`: no declared result type (the result is `Json`).
    pub ret: Option<Ty>,
}

/// Checks the program (same inputs as [`crate::compile`]) and returns its interface, or
/// every diagnostic when it has an error.
pub fn interface_of(
    name: &str,
    source: &[u8],
    loader: &dyn ModuleLoader,
    options: &CompileOptions,
) -> Result<Interface, Vec<Diagnostic>> {
    crate::driver::interface(name, source, loader, options)
}

/// Builds the interface of a checked program from the checker's signatures.
pub(crate) fn build(program: &Program, sigs: &Signatures) -> Interface {
    let root_cells: Vec<_> = sigs.cells.iter().filter(|c| c.id.0 == 0).collect();
    let any_pub = root_cells.iter().any(|c| is_pub(program, c.id));
    let cells = root_cells
        .into_iter()
        .filter(|c| {
            if any_pub {
                is_pub(program, c.id)
            } else {
                c.name == "main"
            }
        })
        .map(|c| CellSig {
            name: c.name.clone(),
            params: params(&c.params),
            ret: ty(&c.ret),
            doc: doc_comment(program, c.id),
        })
        .collect();
    let records = sigs
        .records
        .iter()
        .map(|(_, name, fields)| RecordDef {
            name: name.clone(),
            fields: fields.iter().map(|(n, t, _)| (n.clone(), ty(t))).collect(),
            defaults: fields
                .iter()
                .filter(|(_, _, d)| *d)
                .map(|(n, _, _)| n.clone())
                .collect(),
        })
        .collect();
    let enums = sigs
        .enums
        .iter()
        .map(|(_, name, variants)| EnumDef {
            name: name.clone(),
            variants: variants
                .iter()
                .map(|(v, fields)| VariantDef {
                    name: v.clone(),
                    fields: fields.iter().map(|(n, t)| (n.clone(), ty(t))).collect(),
                })
                .collect(),
        })
        .collect();
    let tools = sigs
        .tools
        .iter()
        .map(|t| ToolSig {
            qualified: t.qualified.clone(),
            alias: t.alias.clone(),
            params: t.params.as_deref().map(params),
            ret: t.ret.as_ref().map(ty),
        })
        .collect();
    Interface {
        cells,
        records,
        enums,
        tools,
    }
}

fn is_pub(program: &Program, (file, item): (usize, usize)) -> bool {
    matches!(
        program.files.get(file).and_then(|f| f.ast.items.get(item)),
        Some(crate::ast::Item::Cell(c)) if c.is_pub
    )
}

fn params(ps: &[(String, Type, bool)]) -> Vec<Param> {
    ps.iter()
        .map(|(name, t, has_default)| Param {
            name: name.clone(),
            ty: ty(t),
            has_default: *has_default,
        })
        .collect()
}

/// The `#` comment lines directly above a declaration.
fn doc_comment(program: &Program, (file, item): (usize, usize)) -> Option<String> {
    let f = program.files.get(file)?;
    let crate::ast::Item::Cell(c) = f.ast.items.get(item)? else {
        return None;
    };
    let before = f.text.get(..c.span.start as usize)?;
    // The text before the declaration on its own line must be blank.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if !before[line_start..].trim().is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for line in before[..line_start].lines().rev() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        lines.push(
            rest.strip_prefix(' ')
                .unwrap_or(rest)
                .trim_end()
                .to_string(),
        );
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

/// The interface type of a checker type. Iterative over nesting would be overkill: checker
/// types are at most [`crate::check::types::MAX_TYPE_DEPTH`] deep.
fn ty(t: &Type) -> Ty {
    match t {
        Type::Int => Ty::Int,
        Type::Float => Ty::Float,
        Type::Bool => Ty::Bool,
        Type::Str => Ty::String,
        Type::Null => Ty::Null,
        Type::Json | Type::Unknown | Type::Error => Ty::Json,
        Type::Never => Ty::Never,
        Type::List(a) => Ty::List(Box::new(ty(a))),
        Type::Map(k, v) => Ty::Map(Box::new(ty(k)), Box::new(ty(v))),
        Type::Tuple(ts) => Ty::Tuple(ts.iter().map(ty).collect()),
        Type::Result(a, b) => Ty::Result(Box::new(ty(a)), Box::new(ty(b))),
        Type::Fn(ps, r) => Ty::Fn(ps.iter().map(ty).collect(), Box::new(ty(r))),
        Type::Adt {
            kind: AdtKind::Record,
            name,
            ..
        } => Ty::Record(name.clone()),
        Type::Adt {
            kind: AdtKind::Enum,
            name,
            ..
        } => Ty::Enum(name.clone()),
        Type::Union(ms) => {
            let rest: Vec<Ty> = ms.iter().filter(|m| **m != Type::Null).map(ty).collect();
            let inner = match rest.len() {
                0 => Ty::Null,
                1 => rest.into_iter().next().unwrap_or(Ty::Null),
                _ => Ty::Union(rest),
            };
            if ms.contains(&Type::Null) && inner != Ty::Null {
                Ty::Optional(Box::new(inner))
            } else {
                inner
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoImports;

    fn iface(src: &str) -> Interface {
        match interface_of(
            "t.lm",
            src.as_bytes(),
            &NoImports,
            &CompileOptions::default(),
        ) {
            Ok(i) => i,
            Err(d) => panic!("program does not check: {d:?}"),
        }
    }

    #[test]
    fn issue11_item3_only_pub_cells_are_exported() {
        let i = iface(
            "record Point\n  x: Int\n  y: Int = 0\nend\n\
             enum Shape\n  Circle(radius: Float)\n  Pair(Int, Int)\n  Empty\nend\n\
             use tool http.get as Fetch\n\
             # Moves a point.\n# Second line.\n\
             pub cell shift(p: Point, by: Int = 1) -> Point\n  Point(x: p.x + by, y: p.y)\nend\n\
             cell helper() -> Int\n  1\nend\n\
             pub cell shapes(n: Int?) -> list[Shape]\n  [Empty]\nend\n\
             cell main()\n  print(helper())\nend\n",
        );
        let names: Vec<&str> = i.cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["shift", "shapes"]);
        let shift = &i.cells[0];
        assert_eq!(shift.doc.as_deref(), Some("Moves a point.\nSecond line."));
        assert_eq!(shift.ret, Ty::Record("Point".into()));
        assert_eq!(
            shift.params,
            vec![
                Param {
                    name: "p".into(),
                    ty: Ty::Record("Point".into()),
                    has_default: false
                },
                Param {
                    name: "by".into(),
                    ty: Ty::Int,
                    has_default: true
                }
            ]
        );
        let shapes = &i.cells[1];
        assert_eq!(shapes.params[0].ty, Ty::Optional(Box::new(Ty::Int)));
        assert_eq!(shapes.ret, Ty::List(Box::new(Ty::Enum("Shape".into()))));
        assert_eq!(i.records[0].defaults, vec!["y".to_string()]);
        assert_eq!(
            i.enums[0].variants[1].fields,
            vec![(None, Ty::Int), (None, Ty::Int)]
        );
        assert_eq!(i.tools[0].qualified, "http.get");
        assert_eq!(i.tools[0].alias, "Fetch");
        assert_eq!(i.tools[0].params, None);
    }

    #[test]
    fn issue11_item3_main_is_exported_when_no_cell_is_pub() {
        let i = iface("cell helper() -> Int\n  1\nend\ncell main(n: Int)\n  print(n)\nend\n");
        assert_eq!(i.cells.len(), 1);
        assert_eq!(i.cells[0].name, "main");
        assert_eq!(i.cells[0].ret, Ty::Null);
        assert_eq!(i.cells[0].doc, None);
    }

    #[test]
    fn issue11_item3_a_program_with_errors_gives_its_diagnostics() {
        let r = interface_of(
            "t.lm",
            b"cell main()\n  let x: Int = \"s\"\nend\n",
            &NoImports,
            &CompileOptions::default(),
        );
        let Err(diags) = r else {
            panic!("expected diagnostics");
        };
        assert!(diags.iter().any(|d| d.code == "E0300"), "{diags:?}");
    }
}

#[cfg(test)]
mod tool_tests {
    use super::*;
    use crate::NoImports;

    #[test]
    fn issue11_item4_interface_types_each_tool_from_its_signature() {
        let src = "record Person\n  name: String\nend\n\
                   use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String\n\
                   use tool db.people as People() -> list[Person]?\n\
                   use tool any.thing as Any\n\
                   cell main()\n  print(Chat(\"x\"))\nend\n";
        let Ok(i) = interface_of(
            "t.lm",
            src.as_bytes(),
            &NoImports,
            &CompileOptions::default(),
        ) else {
            panic!("does not check");
        };
        let chat = &i.tools[0];
        assert_eq!(
            (chat.qualified.as_str(), chat.alias.as_str()),
            ("llm.chat", "Chat")
        );
        assert_eq!(
            chat.params,
            Some(vec![
                Param {
                    name: "prompt".into(),
                    ty: Ty::String,
                    has_default: false
                },
                Param {
                    name: "max_tokens".into(),
                    ty: Ty::Int,
                    has_default: true
                }
            ])
        );
        assert_eq!(chat.ret, Some(Ty::String));
        assert_eq!(i.tools[1].params, Some(vec![]));
        assert_eq!(
            i.tools[1].ret,
            Some(Ty::Optional(Box::new(Ty::List(Box::new(Ty::Record(
                "Person".into()
            ))))))
        );
        assert_eq!(
            (i.tools[2].params.clone(), i.tools[2].ret.clone()),
            (None, None)
        );
        // The interface serialises (for tools that read it as JSON).
        let text = serde_json::to_string(&i).unwrap_or_default();
        assert!(text.contains("\"qualified\":\"llm.chat\""), "{text}");
    }
}
