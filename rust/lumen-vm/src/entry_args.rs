//! Converting a host's JSON arguments to an exported cell's parameters by their declared
//! types ([`crate::lir::Module::entry_types`]), with the rules of a typed tool's result
//! (`tool_result`): a record from an object holding every field, an enum variant from its
//! name or `{Variant: payload}`, a result from `{ok}` / `{err}`, an Int from an integral
//! number, a Float from any number, and so on — the same shapes a Lumen value takes when it
//! goes out. One converter serves both directions into the VM, so they cannot drift apart.
//!
//! A record built here does not run the record's `where` constraints (they are compiled
//! into the code that constructs records in the program), exactly like a typed tool's
//! result.

use crate::lir::Module;
use crate::program::Program;
use crate::tool_result::{Converter, Mismatch};
use crate::value::Value;
use serde_json::Value as J;

/// Converts `arg` for parameter `param` of function `func`: `None` when the module does
/// not declare that cell's parameter types; else the value, or why it does not fit
/// (`expected Int at `$.x`, got a string ("a")`).
pub(crate) fn convert(
    module: &Module,
    prog: &Program,
    func: u32,
    param: usize,
    arg: &J,
) -> Option<Result<Value, String>> {
    let types = module.entry_types.iter().find(|e| e.func == func)?;
    let ty = types.params.get(param)?;
    let converter = Converter {
        result: ty,
        module,
        prog,
    };
    Some(converter.convert(arg).map_err(|m| message(&m)))
}

/// `expected Point, got an object without field `y``; a nested mismatch says where.
fn message(m: &Mismatch) -> String {
    let path = m.path();
    if path == "$" {
        format!("expected {}, got {}", m.expected, m.found)
    } else {
        format!("expected {} at `{path}`, got {}", m.expected, m.found)
    }
}
