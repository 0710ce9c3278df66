//! Lumen interface types ([`Ty`]) as canonical-ABI types ([`CType`], definitions expanded)
//! and as WIT type text (definitions by name), and the named types a set of signatures
//! uses.

use crate::names::{escape, kebab};
use crate::WitError;
use lumen_cabi::{CType, Case, Payload, MAX_DEPTH};
use lumen_compiler::interface::{EnumDef, RecordDef, Ty};
use lumen_compiler::Interface;
use std::collections::{BTreeSet, HashMap};

/// The most [`CType`] nodes one world may expand to (records used in many places are
/// expanded at each): a guard against exponential blow-up, far above real programs.
pub const MAX_CTYPE_NODES: usize = 1 << 20;

/// A named type definition of the program.
#[derive(Clone, Copy)]
pub enum Def<'a> {
    Record(&'a RecordDef),
    Enum(&'a EnumDef),
}

/// The records and enums of an interface by name.
pub struct Types<'a> {
    defs: HashMap<&'a str, Vec<(usize, Def<'a>)>>,
    budget: std::cell::Cell<usize>,
}

/// Where a type appears, for messages: "cell `shift` parameter `p`".
pub type Site<'s> = &'s dyn Fn() -> String;

impl<'a> Types<'a> {
    /// The definitions of `iface`, numbered in declaration order (records first).
    pub fn new(iface: &'a Interface) -> Types<'a> {
        let mut defs: HashMap<&'a str, Vec<(usize, Def<'a>)>> = HashMap::new();
        let mut n = 0;
        for r in &iface.records {
            defs.entry(r.name.as_str())
                .or_default()
                .push((n, Def::Record(r)));
            n += 1;
        }
        for e in &iface.enums {
            defs.entry(e.name.as_str())
                .or_default()
                .push((n, Def::Enum(e)));
            n += 1;
        }
        Types {
            defs,
            budget: std::cell::Cell::new(MAX_CTYPE_NODES),
        }
    }

    /// The one definition named `name` (an error when there is none or several), with its
    /// declaration index.
    pub fn def(&self, name: &str, site: Site<'_>) -> Result<(usize, Def<'a>), WitError> {
        match self.defs.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some([]) | None => Err(WitError::new(format!(
                "{}: type `{name}` has no definition in the program interface",
                site()
            ))),
            Some(_) => Err(WitError::new(format!(
                "{}: type `{name}` is declared more than once (in different modules); WIT needs one definition per name",
                site()
            ))),
        }
    }

    /// The canonical-ABI type of a parameter or nested type (`Null`/`Never` are errors).
    pub fn ctype(&self, ty: &Ty, site: Site<'_>) -> Result<CType, WitError> {
        let mut stack = Vec::new();
        self.ctype_at(ty, site, &mut stack, 1)
    }

    /// The canonical-ABI type of a result: `None` for `Null` and `Never`.
    pub fn result_ctype(&self, ty: &Ty, site: Site<'_>) -> Result<Option<CType>, WitError> {
        match ty {
            Ty::Null | Ty::Never => Ok(None),
            t => self.ctype(t, site).map(Some),
        }
    }

    fn spend(&self, site: Site<'_>) -> Result<(), WitError> {
        let left = self.budget.get();
        if left == 0 {
            return Err(WitError::new(format!(
                "{}: the types expand to more than {MAX_CTYPE_NODES} parts",
                site()
            )));
        }
        self.budget.set(left - 1);
        Ok(())
    }

    fn ctype_at(
        &self,
        ty: &Ty,
        site: Site<'_>,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<CType, WitError> {
        if depth > MAX_DEPTH {
            return Err(WitError::new(format!(
                "{}: the type nests deeper than {MAX_DEPTH} levels",
                site()
            )));
        }
        self.spend(site)?;
        let sub = |t: &Ty, stack: &mut Vec<String>| {
            self.ctype_at(t, site, stack, depth + 1).map(Box::new)
        };
        Ok(match ty {
            Ty::Int => CType::S64,
            Ty::Float => CType::F64,
            Ty::String => CType::String,
            Ty::Bool => CType::Bool,
            Ty::Json => CType::Json,
            Ty::Null | Ty::Never => {
                return Err(WitError::new(format!(
                    "{}: `{}` has no WIT type here (only a whole result may be null)",
                    site(),
                    ty_text(ty)
                )))
            }
            Ty::Union(_) => {
                return Err(WitError::new(format!(
                    "{}: the union type `{}` has no WIT type (use an enum)",
                    site(),
                    ty_text(ty)
                )))
            }
            Ty::Fn(..) => {
                return Err(WitError::new(format!(
                    "{}: the function type `{}` cannot cross a component boundary",
                    site(),
                    ty_text(ty)
                )))
            }
            Ty::List(t) => CType::List(sub(t, stack)?),
            Ty::Map(k, v) => {
                if !matches!(**k, Ty::String | Ty::Int) {
                    return Err(WitError::new(format!(
                        "{}: map keys must be String or Int, not `{}`",
                        site(),
                        ty_text(k)
                    )));
                }
                CType::Map {
                    key: sub(k, stack)?,
                    value: sub(v, stack)?,
                }
            }
            Ty::Tuple(ts) => {
                if ts.is_empty() {
                    return Err(WitError::new(format!(
                        "{}: the empty tuple has no WIT type",
                        site()
                    )));
                }
                let mut out = Vec::with_capacity(ts.len());
                for t in ts {
                    out.push(*sub(t, stack)?);
                }
                CType::Tuple(out)
            }
            Ty::Optional(t) => CType::Option(sub(t, stack)?),
            Ty::Result(a, b) => {
                let side = |t: &Ty, stack: &mut Vec<String>| match t {
                    Ty::Null => Ok(None),
                    t => sub(t, stack).map(Some),
                };
                CType::Result {
                    ok: side(a, stack)?,
                    err: side(b, stack)?,
                }
            }
            Ty::Record(name) | Ty::Enum(name) => {
                if stack.iter().any(|s| s == name) {
                    return Err(WitError::new(format!(
                        "{}: type `{name}` is recursive ({} → {name}); WIT has no recursive types",
                        site(),
                        stack.join(" → ")
                    )));
                }
                let (_, def) = self.def(name, site)?;
                stack.push(name.clone());
                let out = self.def_ctype(def, site, stack, depth);
                stack.pop();
                out?
            }
        })
    }

    fn def_ctype(
        &self,
        def: Def<'a>,
        site: Site<'_>,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<CType, WitError> {
        match def {
            Def::Record(r) => {
                if r.fields.is_empty() {
                    return Err(WitError::new(format!(
                        "{}: record `{}` has no fields; a WIT record needs at least one",
                        site(),
                        r.name
                    )));
                }
                let mut fields = Vec::with_capacity(r.fields.len());
                for (f, t) in &r.fields {
                    fields.push((f.clone(), self.ctype_at(t, site, stack, depth + 1)?));
                }
                Ok(CType::Record {
                    name: r.name.clone(),
                    fields,
                })
            }
            Def::Enum(e) => {
                if e.variants.is_empty() {
                    return Err(WitError::new(format!(
                        "{}: enum `{}` has no variants",
                        site(),
                        e.name
                    )));
                }
                let mut cases = Vec::with_capacity(e.variants.len());
                for v in &e.variants {
                    let payload = if v.fields.is_empty() {
                        Payload::None
                    } else if v.fields.iter().all(|(n, _)| n.is_some()) {
                        let mut fs = Vec::new();
                        for (n, t) in &v.fields {
                            fs.push((
                                n.clone().unwrap_or_default(),
                                self.ctype_at(t, site, stack, depth + 2)?,
                            ));
                        }
                        Payload::Named(fs)
                    } else {
                        let mut ts = Vec::new();
                        for (_, t) in &v.fields {
                            ts.push(self.ctype_at(t, site, stack, depth + 2)?);
                        }
                        Payload::Positional(ts)
                    };
                    cases.push(Case {
                        name: v.name.clone(),
                        payload,
                    });
                }
                Ok(CType::Variant {
                    name: e.name.clone(),
                    cases,
                })
            }
        }
    }

    /// Adds to `out` the declaration index of every named type `ty` uses, transitively
    /// (call after [`Types::ctype`] succeeded on `ty`, so there are no cycles).
    pub fn collect(
        &self,
        ty: &Ty,
        out: &mut BTreeSet<usize>,
        site: Site<'_>,
    ) -> Result<(), WitError> {
        let mut work: Vec<&Ty> = vec![ty];
        while let Some(t) = work.pop() {
            match t {
                Ty::List(a) | Ty::Optional(a) => work.push(a),
                Ty::Map(a, b) | Ty::Result(a, b) => {
                    work.push(a);
                    work.push(b);
                }
                Ty::Tuple(ts) | Ty::Union(ts) => work.extend(ts),
                Ty::Fn(ps, r) => {
                    work.extend(ps);
                    work.push(r);
                }
                Ty::Record(name) | Ty::Enum(name) => {
                    let (i, def) = self.def(name, site)?;
                    if out.insert(i) {
                        match def {
                            Def::Record(r) => work.extend(r.fields.iter().map(|(_, t)| t)),
                            Def::Enum(e) => work.extend(
                                e.variants
                                    .iter()
                                    .flat_map(|v| v.fields.iter().map(|(_, t)| t)),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The definition with declaration index `i`.
    pub fn by_index(&self, i: usize) -> Option<Def<'a>> {
        self.defs
            .values()
            .flatten()
            .find(|(j, _)| *j == i)
            .map(|(_, d)| *d)
    }
}

/// The WIT text of a type (named types by their WIT name). The type has been converted by
/// [`Types::ctype`] first, so it has a WIT type and is at most [`MAX_DEPTH`] deep.
pub fn wit_type(ty: &Ty) -> Result<String, WitError> {
    Ok(match ty {
        Ty::Int => "s64".into(),
        Ty::Float => "f64".into(),
        Ty::String | Ty::Json => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::List(t) => format!("list<{}>", wit_type(t)?),
        Ty::Map(k, v) => format!("list<tuple<{}, {}>>", wit_type(k)?, wit_type(v)?),
        Ty::Tuple(ts) => {
            let parts: Result<Vec<String>, WitError> = ts.iter().map(wit_type).collect();
            format!("tuple<{}>", parts?.join(", "))
        }
        Ty::Optional(t) => format!("option<{}>", wit_type(t)?),
        Ty::Result(a, b) => match (&**a, &**b) {
            (Ty::Null, Ty::Null) => "result".into(),
            (Ty::Null, e) => format!("result<_, {}>", wit_type(e)?),
            (o, Ty::Null) => format!("result<{}>", wit_type(o)?),
            (o, e) => format!("result<{}, {}>", wit_type(o)?, wit_type(e)?),
        },
        Ty::Record(n) | Ty::Enum(n) => escape(&kebab(n, "type")?),
        Ty::Null | Ty::Never | Ty::Union(_) | Ty::Fn(..) => {
            return Err(WitError::new(format!("`{}` has no WIT type", ty_text(ty))))
        }
    })
}

/// A Lumen type as written in Lumen, for messages.
pub fn ty_text(ty: &Ty) -> String {
    let list = |ts: &[Ty]| ts.iter().map(ty_text).collect::<Vec<_>>().join(", ");
    match ty {
        Ty::Int => "Int".into(),
        Ty::Float => "Float".into(),
        Ty::String => "String".into(),
        Ty::Bool => "Bool".into(),
        Ty::Json => "Json".into(),
        Ty::Null => "Null".into(),
        Ty::Never => "Never".into(),
        Ty::List(t) => format!("list[{}]", ty_text(t)),
        Ty::Map(k, v) => format!("map[{}, {}]", ty_text(k), ty_text(v)),
        Ty::Tuple(ts) => format!("tuple[{}]", list(ts)),
        Ty::Optional(t) => format!("{}?", ty_text(t)),
        Ty::Union(ts) => ts.iter().map(ty_text).collect::<Vec<_>>().join(" | "),
        Ty::Result(a, b) => format!("result[{}, {}]", ty_text(a), ty_text(b)),
        Ty::Record(n) | Ty::Enum(n) => n.clone(),
        Ty::Fn(ps, r) => format!("fn({}) -> {}", list(ps), ty_text(r)),
    }
}
