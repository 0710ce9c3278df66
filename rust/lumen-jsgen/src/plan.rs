//! What the generated files declare, with every name already given its safe spelling
//! (shared by the JavaScript and the declaration writers so they always agree).

use crate::names::Scope;
use crate::ts::TypeNames;
use lumen_compiler::interface::{CellSig, EnumDef, Interface, RecordDef, ToolSig};

/// One exported cell.
pub struct Cell<'a> {
    pub sig: &'a CellSig,
    /// The exported function's name.
    pub js_name: String,
    /// The parameters' names in the function (same order as `sig.params`).
    pub params: Vec<String>,
    /// The name of the trailing options parameter (`options` unless a parameter has it).
    pub options: String,
}

/// One entry of the `Tools` interface: a qualified name and every declaration of it.
pub struct Tool<'a> {
    pub qualified: &'a str,
    pub decls: Vec<&'a ToolSig>,
}

/// Everything the generated files declare.
pub struct Plan<'a> {
    pub cells: Vec<Cell<'a>>,
    pub records: Vec<&'a RecordDef>,
    pub enums: Vec<&'a EnumDef>,
    pub tools: Vec<Tool<'a>>,
    pub type_names: TypeNames,
    /// Notes for the caller (duplicate declarations that could not all be typed).
    pub warnings: Vec<String>,
}

impl<'a> Plan<'a> {
    /// Gives every name its spelling: cells and types in declaration order, so the first
    /// of two clashing names keeps its spelling.
    pub fn new(iface: &'a Interface) -> Plan<'a> {
        let mut warnings = Vec::new();
        let mut exports = Scope::values();
        let cells = iface
            .cells
            .iter()
            .map(|sig| {
                let js_name = exports.claim(&sig.name);
                let mut scope = Scope::values();
                let params: Vec<String> = sig.params.iter().map(|p| scope.claim(&p.name)).collect();
                let options = scope.claim("options");
                Cell {
                    sig,
                    js_name,
                    params,
                    options,
                }
            })
            .collect();
        let mut types = Scope::types();
        let mut type_names = TypeNames::new();
        let mut records = Vec::new();
        let mut enums = Vec::new();
        let all = iface
            .records
            .iter()
            .map(|r| (r.name.as_str(), Some(r), None))
            .chain(iface.enums.iter().map(|e| (e.name.as_str(), None, Some(e))));
        for (name, record, en) in all {
            if type_names.contains_key(name) {
                warnings.push(format!(
                    "two types are named `{name}` (in different files): the TypeScript \
                     declarations describe the first"
                ));
                continue;
            }
            type_names.insert(name.to_string(), types.claim(name));
            records.extend(record);
            enums.extend(en);
        }
        let mut tools: Vec<Tool<'a>> = Vec::new();
        for t in &iface.tools {
            match tools.iter_mut().find(|x| x.qualified == t.qualified) {
                Some(x) => {
                    if !x
                        .decls
                        .iter()
                        .any(|d| d.params == t.params && d.ret == t.ret)
                    {
                        x.decls.push(t);
                    }
                }
                None => tools.push(Tool {
                    qualified: &t.qualified,
                    decls: vec![t],
                }),
            }
        }
        Plan {
            cells,
            records,
            enums,
            tools,
            type_names,
            warnings,
        }
    }
}
