//! Building the world: signatures, name checks and the WIT text.

use crate::names::{escape, is_id, kebab};
use crate::types::{wit_type, Def, Types};
use crate::{Options, WitError, World, WASI_CLI_VERSION};
use lumen_cabi::{CType, ExportSig, ImportSig, Param};
use lumen_compiler::interface::{CellSig, ToolSig, Ty};
use lumen_compiler::Interface;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// Names already used in one WIT scope (a world, an interface, a function's parameters).
struct Scope {
    what: String,
    names: HashMap<String, String>,
}

impl Scope {
    fn new(what: impl Into<String>) -> Scope {
        Scope {
            what: what.into(),
            names: HashMap::new(),
        }
    }

    /// Claims `wit` for `owner`; an error when another owner has it.
    fn claim(&mut self, wit: &str, owner: String) -> Result<(), WitError> {
        match self.names.get(wit) {
            Some(prev) if *prev != owner => Err(WitError::new(format!(
                "{}: {owner} and {prev} both become the WIT name `{wit}`",
                self.what
            ))),
            _ => {
                self.names.insert(wit.to_string(), owner);
                Ok(())
            }
        }
    }
}

/// One function of the world (an export or an import) as text.
struct Func {
    docs: Option<String>,
    text: String,
}

/// One imported interface: its functions and the named types they use.
struct Import {
    name: String,
    funcs: Vec<Func>,
    types: BTreeSet<usize>,
    scope: Scope,
}

pub(crate) fn world(
    iface: &Interface,
    opts: &Options,
    has_main: bool,
) -> Result<World, Vec<WitError>> {
    let mut errors = Vec::new();
    check_options(opts, &mut errors);
    let types = Types::new(iface);
    // WIT keeps a world's exports apart from its imports and types (which share one
    // namespace: a type and an imported interface may not have the same name).
    let mut world_scope = Scope::new(format!("world `{}`", opts.world));
    let mut export_scope = Scope::new(format!("the exports of world `{}`", opts.world));

    // Exports.
    let mut exports = Vec::new();
    let mut export_funcs = Vec::new();
    let mut world_types = BTreeSet::new();
    for cell in &iface.cells {
        match export(cell, &types, &mut world_types) {
            Ok((sig, func)) => {
                if let Err(e) = export_scope.claim(&sig.wit_name, format!("cell `{}`", cell.name)) {
                    errors.push(e);
                }
                exports.push(sig);
                export_funcs.push(func);
            }
            Err(mut es) => errors.append(&mut es),
        }
    }

    // Imports.
    let mut imports = vec![ImportSig::generic_call()];
    let mut seen: HashMap<&str, &ToolSig> = HashMap::new();
    let mut groups: Vec<Import> = Vec::new();
    let host_call = iface.tools.iter().any(|t| t.params.is_none());
    if host_call {
        let mut scope = Scope::new("interface `host`");
        let _ = scope.claim("call", "the generic tool call".into());
        groups.push(Import {
            name: "host".into(),
            funcs: vec![Func {
                docs: Some(
                    "Calls the untyped tool `name` with its arguments as a JSON object;\n\
                     the result is JSON text, or an error message."
                        .into(),
                ),
                text: "call: func(name: string, args: string) -> result<string, string>;".into(),
            }],
            types: BTreeSet::new(),
            scope,
        });
    }
    for tool in &iface.tools {
        let Some(params) = &tool.params else {
            continue;
        };
        if let Some(prev) = seen.get(tool.qualified.as_str()) {
            if prev.params != tool.params || prev.ret != tool.ret {
                errors.push(WitError::new(format!(
                    "tool `{}` is declared twice with different signatures (as {} and {}); one WIT import cannot have both",
                    tool.qualified, prev.alias, tool.alias
                )));
            }
            continue;
        }
        seen.insert(&tool.qualified, tool);
        match import(tool, params, &types) {
            Ok((sig, func, used)) => {
                let group = match groups.iter().position(|g| g.name == sig.wit_interface) {
                    Some(i) => &mut groups[i],
                    None => {
                        groups.push(Import {
                            name: sig.wit_interface.clone(),
                            funcs: Vec::new(),
                            types: BTreeSet::new(),
                            scope: Scope::new(format!("interface `{}`", sig.wit_interface)),
                        });
                        let n = groups.len() - 1;
                        &mut groups[n]
                    }
                };
                if let Err(e) = group
                    .scope
                    .claim(&sig.wit_func, format!("tool `{}`", tool.qualified))
                {
                    errors.push(e);
                }
                group.types.extend(used);
                group.funcs.push(func);
                imports.push(sig);
            }
            Err(mut es) => errors.append(&mut es),
        }
    }
    for g in &groups {
        if let Err(e) = world_scope.claim(&g.name, format!("the import `{}`", g.name)) {
            errors.push(e);
        }
    }

    // Type definitions: at world level for the exports, in each interface for its imports.
    let mut world_defs = String::new();
    if let Err(mut es) = type_defs(&types, &world_types, &mut world_scope, &mut world_defs, 1) {
        errors.append(&mut es);
    }
    let mut import_texts = Vec::new();
    for g in &mut groups {
        let mut body = String::new();
        if let Err(mut es) = type_defs(&types, &g.types, &mut g.scope, &mut body, 2) {
            errors.append(&mut es);
        }
        if !g.types.is_empty() {
            body.push('\n');
        }
        for f in &g.funcs {
            write_func(&mut body, f, 2);
        }
        import_texts.push((g.name.clone(), body));
    }
    if errors.is_empty() {
        // The runtime reads the signatures back from the program blob: check they
        // survive the round trip (a failure here is a bug, not the program's).
        let blob = lumen_cabi::ProgramBlob {
            exports: exports.clone(),
            imports: imports.clone(),
            cli_run: has_main,
            lir: Vec::new(),
        };
        if let Err(e) = lumen_cabi::ProgramBlob::decode(&blob.encode()) {
            errors.push(WitError::new(format!(
                "the program's types nest too deeply for the component runtime ({e})"
            )));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut wit = String::new();
    wit.push_str("// The WIT world of a Lumen program, generated by `lumen build`: do not edit.\n");
    let _ = writeln!(wit, "package {};\n", opts.package);
    let _ = writeln!(wit, "world {} {{", escape(&opts.world));
    let mut sections: Vec<String> = Vec::new();
    if !world_defs.is_empty() {
        sections.push(world_defs);
    }
    for (name, body) in import_texts {
        sections.push(format!(
            "    import {}: interface {{\n{body}    }}\n",
            escape(&name)
        ));
    }
    let mut ex = String::new();
    for f in &export_funcs {
        write_func(&mut ex, f, 1);
    }
    if has_main {
        let _ = writeln!(
            ex,
            "    /// `main`, run with the command-line arguments.\n    export wasi:cli/run@{WASI_CLI_VERSION};"
        );
    }
    if !ex.is_empty() {
        sections.push(ex);
    }
    wit.push_str(&sections.join("\n"));
    wit.push_str("}\n");
    if has_main {
        let _ = write!(
            wit,
            "\npackage wasi:cli@{WASI_CLI_VERSION} {{\n    interface run {{\n        /// Run the program.\n        run: func() -> result;\n    }}\n}}\n"
        );
    }
    Ok(World {
        wit,
        blob_sigs: (exports, imports, has_main),
        package: opts.package.clone(),
        world: opts.world.clone(),
        host_call,
    })
}

fn check_options(opts: &Options, errors: &mut Vec<WitError>) {
    let (name, version) = match opts.package.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (opts.package.as_str(), None),
    };
    let ok_name = match name.split_once(':') {
        Some((ns, n)) => is_id(ns) && is_id(n),
        None => false,
    };
    let ok_version = version.is_none_or(|v| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
    });
    if !ok_name || !ok_version {
        errors.push(WitError::new(format!(
            "package name `{}` is not a WIT package name (`namespace:name`, kebab-case, e.g. `lumen:app`)",
            opts.package
        )));
    }
    if !is_id(&opts.world) {
        errors.push(WitError::new(format!(
            "world name `{}` is not a WIT identifier (kebab-case, e.g. `app`)",
            opts.world
        )));
    }
}

/// A cell's export signature and WIT function text; the named types it uses go to `used`.
fn export(
    cell: &CellSig,
    types: &Types,
    used: &mut BTreeSet<usize>,
) -> Result<(ExportSig, Func), Vec<WitError>> {
    let what = format!("cell `{}`", cell.name);
    let mut errors = Vec::new();
    let wit_name = kebab(&cell.name, "cell").map_err(|e| vec![e])?;
    let mut scope = Scope::new(format!("{what}'s parameters"));
    let mut params = Vec::new();
    let mut texts = Vec::new();
    for p in &cell.params {
        let site = || format!("{what} parameter `{}`", p.name);
        match param(&p.name, &p.ty, types, &site, &mut scope, used) {
            Ok((cp, text)) => {
                params.push(cp);
                texts.push(text);
            }
            Err(e) => errors.push(e),
        }
    }
    let site = || format!("{what} result");
    let result = match result(&cell.ret, types, &site, used) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let ret_text = match &cell.ret {
        Ty::Null | Ty::Never => String::new(),
        t => format!(" -> {}", wit_type(t).map_err(|e| vec![e])?),
    };
    Ok((
        ExportSig {
            cell: cell.name.clone(),
            wit_name: wit_name.clone(),
            params,
            result,
        },
        Func {
            docs: cell.doc.clone(),
            text: format!(
                "export {}: func({}){ret_text};",
                escape(&wit_name),
                texts.join(", ")
            ),
        },
    ))
}

/// A typed tool's import signature, WIT function text and the named types it uses.
fn import(
    tool: &ToolSig,
    params: &[lumen_compiler::interface::Param],
    types: &Types,
) -> Result<(ImportSig, Func, BTreeSet<usize>), Vec<WitError>> {
    let what = format!("tool `{}`", tool.qualified);
    let mut errors = Vec::new();
    let (prefix, func) = match tool.qualified.rsplit_once('.') {
        Some((p, f)) => (Some(p), f),
        None => (None, tool.qualified.as_str()),
    };
    let interface = match prefix {
        None => Ok("tools".to_string()),
        Some(p) => p
            .split('.')
            .map(|part| kebab(part, &format!("{what}: the name part")))
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| parts.join("-")),
    };
    let wit_func = kebab(func, &format!("{what}: the name part"));
    let (interface, wit_func) = match (interface, wit_func) {
        (Ok(i), Ok(f)) => (i, f),
        (a, b) => {
            return Err(a.err().into_iter().chain(b.err()).collect());
        }
    };
    let mut used = BTreeSet::new();
    let mut scope = Scope::new(format!("{what}'s parameters"));
    let mut cparams = Vec::new();
    let mut texts = Vec::new();
    for p in params {
        let site = || format!("{what} parameter `{}`", p.name);
        match param(&p.name, &p.ty, types, &site, &mut scope, &mut used) {
            Ok((cp, text)) => {
                cparams.push(cp);
                texts.push(text);
            }
            Err(e) => errors.push(e),
        }
    }
    // No declared result: the tool's result is JSON.
    let ret = tool.ret.clone().unwrap_or(Ty::Json);
    let site = || format!("{what} result");
    let result = match result(&ret, types, &site, &mut used) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let ret_text = match &ret {
        Ty::Null | Ty::Never => String::new(),
        t => format!(" -> {}", wit_type(t).map_err(|e| vec![e])?),
    };
    Ok((
        ImportSig {
            qualified: tool.qualified.clone(),
            wit_interface: interface,
            wit_func: wit_func.clone(),
            params: cparams,
            result,
        },
        Func {
            docs: None,
            text: format!(
                "{}: func({}){ret_text};",
                escape(&wit_func),
                texts.join(", ")
            ),
        },
        used,
    ))
}

/// A parameter: its signature entry and `name: type` text.
fn param(
    name: &str,
    ty: &Ty,
    types: &Types,
    site: &dyn Fn() -> String,
    scope: &mut Scope,
    used: &mut BTreeSet<usize>,
) -> Result<(Param, String), WitError> {
    let wit = kebab(name, "parameter")?;
    scope.claim(&wit, format!("parameter `{name}`"))?;
    let cty: CType = types.ctype(ty, site)?;
    types.collect(ty, used, site)?;
    Ok((
        Param {
            name: name.to_string(),
            ty: cty,
        },
        format!("{}: {}", escape(&wit), wit_type(ty)?),
    ))
}

fn result(
    ty: &Ty,
    types: &Types,
    site: &dyn Fn() -> String,
    used: &mut BTreeSet<usize>,
) -> Result<Option<CType>, WitError> {
    let r = types.result_ctype(ty, site)?;
    types.collect(ty, used, site)?;
    Ok(r)
}

fn write_func(out: &mut String, f: &Func, level: usize) {
    let pad = "    ".repeat(level);
    if let Some(d) = &f.docs {
        for line in d.lines() {
            let _ = writeln!(out, "{pad}/// {line}").map(|_| ());
        }
    }
    let _ = writeln!(out, "{pad}{}", f.text);
}

/// Writes the definitions of the named types `used` (declaration order), each in the
/// WIT scope `scope`, at indentation `level`.
fn type_defs(
    types: &Types,
    used: &BTreeSet<usize>,
    scope: &mut Scope,
    out: &mut String,
    level: usize,
) -> Result<(), Vec<WitError>> {
    let pad = "    ".repeat(level);
    let mut errors = Vec::new();
    for &i in used {
        let Some(def) = types.by_index(i) else {
            continue;
        };
        match def_text(def, scope, &pad) {
            Ok(t) => out.push_str(&t),
            Err(mut es) => errors.append(&mut es),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn def_text(def: Def, scope: &mut Scope, pad: &str) -> Result<String, Vec<WitError>> {
    let mut errors = Vec::new();
    let mut out = String::new();
    match def {
        Def::Record(r) => {
            let name = kebab(&r.name, "record").map_err(|e| vec![e])?;
            if let Err(e) = scope.claim(&name, format!("record `{}`", r.name)) {
                errors.push(e);
            }
            let mut fscope = Scope::new(format!("record `{}`", r.name));
            let _ = writeln!(out, "{pad}record {} {{", escape(&name));
            for (f, t) in &r.fields {
                match field_text(f, t, &mut fscope) {
                    Ok(line) => {
                        let _ = writeln!(out, "{pad}    {line},");
                    }
                    Err(e) => errors.push(e),
                }
            }
            let _ = writeln!(out, "{pad}}}");
        }
        Def::Enum(e) => {
            let name = kebab(&e.name, "enum").map_err(|e| vec![e])?;
            if let Err(err) = scope.claim(&name, format!("enum `{}`", e.name)) {
                errors.push(err);
            }
            let mut cscope = Scope::new(format!("enum `{}`", e.name));
            let mut cases = Vec::new();
            for v in &e.variants {
                let case = match kebab(&v.name, "variant") {
                    Ok(c) => c,
                    Err(err) => {
                        errors.push(err);
                        continue;
                    }
                };
                if let Err(err) = cscope.claim(&case, format!("variant `{}`", v.name)) {
                    errors.push(err);
                }
                let payload = if v.fields.is_empty() {
                    None
                } else if v.fields.iter().all(|(n, _)| n.is_some()) {
                    // Named fields: a record `<enum>-<case>`.
                    let rname = format!("{name}-{case}");
                    if let Err(err) =
                        scope.claim(&rname, format!("the payload of {}.{}", e.name, v.name))
                    {
                        errors.push(err);
                    }
                    let mut fscope = Scope::new(format!("variant `{}.{}`", e.name, v.name));
                    let _ = writeln!(out, "{pad}record {} {{", escape(&rname));
                    for (f, t) in &v.fields {
                        match field_text(f.as_deref().unwrap_or_default(), t, &mut fscope) {
                            Ok(line) => {
                                let _ = writeln!(out, "{pad}    {line},");
                            }
                            Err(err) => errors.push(err),
                        }
                    }
                    let _ = writeln!(out, "{pad}}}");
                    Some(escape(&rname))
                } else if let [(_, t)] = v.fields.as_slice() {
                    wit_type(t).map_err(|err| errors.push(err)).ok()
                } else {
                    let parts: Result<Vec<String>, WitError> =
                        v.fields.iter().map(|(_, t)| wit_type(t)).collect();
                    parts
                        .map(|p| format!("tuple<{}>", p.join(", ")))
                        .map_err(|err| errors.push(err))
                        .ok()
                };
                cases.push(match payload {
                    Some(p) => format!("{}({p})", escape(&case)),
                    None => escape(&case),
                });
            }
            let _ = writeln!(out, "{pad}variant {} {{", escape(&name));
            for c in cases {
                let _ = writeln!(out, "{pad}    {c},");
            }
            let _ = writeln!(out, "{pad}}}");
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn field_text(name: &str, ty: &Ty, scope: &mut Scope) -> Result<String, WitError> {
    let wit = kebab(name, "field")?;
    scope.claim(&wit, format!("field `{name}`"))?;
    Ok(format!("{}: {}", escape(&wit), wit_type(ty)?))
}
