//! Where the bytes of a WebAssembly file are: its sections, each function body with the name
//! the `name` custom section gives it, the data segments, and the functions grouped by crate
//! path (`lumen_vm::machine`, `serde_json::de`, `core::fmt`, `alloc::collections`, ...). Read
//! with `wasmparser`; a component (`wasm32-wasip2`) is mapped through its core modules.
//!
//! Used by `cargo xtask wasm-size --why` ([`crate::wasm_why`]) on a copy of each artifact
//! that kept its names. The groups are an attribution by name only: after LTO and inlining a
//! function's body holds the code of everything inlined into it, so a group is "the functions
//! named after this path", not "the code this crate contributed".

use crate::compress;
use crate::wasm_size::thousands;
use std::collections::BTreeMap;
use std::ops::Range;
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

/// One function body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The demangled name from the `name` section, if it has one.
    pub name: Option<String>,
    /// Bytes of the body (locals and code, without its size prefix).
    pub size: usize,
    /// The index of the core module it is in (0 for a plain module).
    pub module: usize,
    /// Where the body is in the file.
    pub range: Range<usize>,
}

/// One data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Its name from the `name` section (`.rodata`, `.data`), if it has one.
    pub name: Option<String>,
    /// Bytes of its contents.
    pub size: usize,
}

/// The map of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map {
    /// Bytes of the whole file.
    pub file_size: usize,
    /// Bytes per section kind (`code`, `data`, `custom:name`, ...), over all core modules.
    pub sections: BTreeMap<String, usize>,
    /// The core modules' byte ranges (one, the whole file, for a plain module).
    pub modules: Vec<Range<usize>>,
    /// Every function body, in file order.
    pub functions: Vec<Function>,
    /// Every data segment, in file order.
    pub segments: Vec<Segment>,
}

/// The functions of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group ([`group_of`]).
    pub name: String,
    /// How many function bodies.
    pub functions: usize,
    /// Their bytes.
    pub bytes: usize,
    /// Their bodies concatenated and compressed with gzip -9 on their own: a rough measure
    /// of their share of the download (more than their share in the whole file, where they
    /// compress against everything else).
    pub gzip_alone: u64,
}

/// How many data segments the report lists.
const DATA_SEGMENTS: usize = 10;

/// The name of a section kind, as the report shows it.
fn section_name(id: u8) -> &'static str {
    match id {
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        13 => "tag",
        _ => "other",
    }
}

/// The byte ranges of the core modules of `bytes`: the whole file for a module, the
/// top-level module sections for a component.
pub fn core_modules(bytes: &[u8]) -> Result<Vec<Range<usize>>, String> {
    if !wasmparser::Parser::is_component(bytes) {
        return Ok(std::iter::once(0..bytes.len()).collect());
    }
    let mut ranges = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("cannot read the component: {e}"))? {
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                if depth == 0 {
                    ranges.push(unchecked_range);
                }
                depth += 1;
            }
            Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(ranges)
}

/// Maps `bytes`, a WebAssembly module or component.
pub fn map(bytes: &[u8]) -> Result<Map, String> {
    let mut out = Map {
        file_size: bytes.len(),
        modules: core_modules(bytes)?,
        ..Map::default()
    };
    for (index, range) in out.modules.clone().into_iter().enumerate() {
        let module = bytes
            .get(range.clone())
            .ok_or_else(|| format!("core module {index} is outside the file"))?;
        map_module(module, index, range.start, &mut out)
            .map_err(|e| format!("cannot read core module {index}: {e}"))?;
    }
    Ok(out)
}

/// Adds one core module (found at `base` in the file) to `out`.
fn map_module(module: &[u8], index: usize, base: usize, out: &mut Map) -> Result<(), String> {
    let mut imported_functions = 0u32;
    let mut bodies: Vec<Range<usize>> = Vec::new();
    let mut segment_sizes: Vec<usize> = Vec::new();
    let mut function_names: BTreeMap<u32, String> = BTreeMap::new();
    let mut data_names: BTreeMap<u32, String> = BTreeMap::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.map_err(|e| e.to_string())?;
        if let Some((id, range)) = payload.as_section() {
            let kind = match &payload {
                Payload::CustomSection(c) => format!("custom:{}", c.name()),
                _ => section_name(id).to_string(),
            };
            *out.sections.entry(kind).or_default() += range.len();
        }
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import.map_err(|e| e.to_string())?.ty, TypeRef::Func(_)) {
                        imported_functions += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body.range()),
            Payload::DataSection(reader) => {
                for data in reader {
                    segment_sizes.push(data.map_err(|e| e.to_string())?.data.len());
                }
            }
            Payload::CustomSection(custom) => {
                if let KnownCustom::Name(names) = custom.as_known() {
                    for subsection in names {
                        // A malformed name section only costs the names.
                        let (target, map) = match subsection {
                            Ok(Name::Function(map)) => (&mut function_names, map),
                            Ok(Name::Data(map)) => (&mut data_names, map),
                            _ => continue,
                        };
                        for naming in map.into_iter().flatten() {
                            target.insert(naming.index, naming.name.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (i, range) in bodies.into_iter().enumerate() {
        let function_index = u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_add(imported_functions));
        out.functions.push(Function {
            name: function_index.and_then(|f| function_names.get(&f).cloned()),
            size: range.len(),
            module: index,
            range: base + range.start..base + range.end,
        });
    }
    for (i, size) in segment_sizes.into_iter().enumerate() {
        let name = u32::try_from(i)
            .ok()
            .and_then(|i| data_names.get(&i).cloned());
        out.segments.push(Segment { name, size });
    }
    Ok(())
}

/// The bytes of `bytes` without its custom sections (and, for a component, the same of each
/// core module is not attempted: a component is compared as it is). Two modules with equal
/// results have the same code, types, data and exports: one is the other with other names.
pub fn without_custom_sections(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if wasmparser::Parser::is_component(bytes) {
        return Ok(bytes.to_vec());
    }
    let mut out = bytes.get(..8).ok_or("not a WebAssembly file")?.to_vec();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("cannot read the module: {e}"))?;
        match payload.as_section() {
            Some((0, _)) | None => {}
            Some((id, range)) => {
                out.push(id);
                leb128(&mut out, range.len());
                out.extend_from_slice(bytes.get(range).ok_or("section outside the file")?);
            }
        }
    }
    Ok(out)
}

/// Appends `n` as unsigned LEB128.
fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `name` without a Rust legacy-mangling hash suffix (`::h0123456789abcdef`).
pub fn without_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    }
}

/// A function name as people read it: demangled (the WASI builds keep Rust's mangled
/// symbols), without the hash suffix and without the crate disambiguators the standard
/// library's v0 symbols carry (`core[c5930c85a12de822]::fmt` → `core::fmt`).
pub fn readable(name: &str) -> String {
    let demangled = format!("{:#}", rustc_demangle::demangle(name));
    let mut out = String::with_capacity(demangled.len());
    let mut rest = demangled.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        let is_disambiguator = hex >= 8 && after.as_bytes().get(hex) == Some(&b']');
        if is_disambiguator {
            out.push_str(&rest[..open]);
            rest = &after[hex + 1..];
        } else {
            out.push_str(&rest[..=open]);
            rest = after;
        }
    }
    out.push_str(rest);
    without_hash(&out).to_string()
}

/// Splits `path` at `::` outside `<...>` and `(...)`.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' | b'(' | b'[' => depth += 1,
            b'>' | b')' | b']' => depth -= 1,
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                out.push(&path[start..i]);
                i += 2;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&path[start..]);
    out
}

/// The self type and the trait of a qualified path `<A as B>::f` (the trait empty for
/// `<A>::f`), or `None` when `name` does not start with one.
fn qualified(name: &str) -> Option<(&str, &str)> {
    let inner = name.strip_prefix('<')?;
    let mut depth = 0i32;
    let mut as_at = None;
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' if depth == 0 => {
                let head = &inner[..i];
                return Some(match as_at {
                    Some(a) => (&head[..a], &head[a + 4..]),
                    None => (head, ""),
                });
            }
            '>' | ')' | ']' => depth -= 1,
            ' ' if depth == 0 && as_at.is_none() && inner[i..].starts_with(" as ") => {
                as_at = Some(i);
            }
            _ => {}
        }
    }
    None
}

/// Whether a type or path names an item of some crate (`lumen_vm::value::Value`), rather
/// than a primitive, a reference to a generic, a slice or a tuple.
fn is_crate_path(path: &str) -> bool {
    path.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && segments(path).len() > 1
}

/// The crates whose groups are their modules (`lumen_vm::machine`, `core::fmt`): the
/// others are grouped by crate only.
fn by_module(krate: &str) -> bool {
    matches!(krate, "core" | "alloc" | "std") || krate.starts_with("lumen_")
}

/// The group of a function named `name` (demangled): the crate path it is named after.
///
/// - A path `a::b::c::f` is `a::b` for `core`, `alloc`, `std` and the `lumen_*` crates,
///   else `a`; generic arguments do not count (`core::ptr::drop_in_place<lumen_vm::Value>`
///   is `core::ptr`).
/// - `<A as B>::f` is A's group when A is a path (`<serde_json::Error as core::fmt::Debug>`
///   is `serde_json`), else B's (`<i64 as core::fmt::Display>::fmt` is `core::fmt`);
///   references, pointers and `dyn` are looked through.
/// - A plain symbol: `wasm-bindgen glue` (`__wbg_*`, `__wbindgen_*`), `compiler builtins`
///   (`mem*`, `__*` intrinsics), or `(symbols)`.
pub fn group_of(name: &str) -> String {
    let name = readable(name.trim());
    let name = name.as_str();
    let path = match qualified(name) {
        Some((self_ty, trait_path)) => {
            let mut ty = self_ty.trim();
            for prefix in ["&mut ", "&", "*const ", "*mut ", "mut ", "dyn "] {
                while let Some(rest) = ty.strip_prefix(prefix) {
                    ty = rest.trim_start();
                }
            }
            if is_crate_path(ty) {
                ty
            } else if is_crate_path(trait_path) {
                trait_path
            } else {
                return "(generic impls)".to_string();
            }
        }
        None => name,
    };
    let parts: Vec<&str> = segments(path)
        .into_iter()
        .map(|s| s.split('<').next().unwrap_or(s))
        .collect();
    match parts.as_slice() {
        [] | [_] => symbol_group(name).to_string(),
        [krate, module, _, ..] if by_module(krate) => format!("{krate}::{module}"),
        [krate, ..] => (*krate).to_string(),
    }
}

/// The group of a name without a path.
fn symbol_group(name: &str) -> &'static str {
    if name.starts_with("__wbg_") || name.starts_with("__wbindgen") {
        "wasm-bindgen glue"
    } else if name.starts_with("mem") || name.starts_with("__") {
        "compiler builtins"
    } else {
        "(symbols)"
    }
}

/// The family of a group ([`group_of`]), for the summary at the top of the report: what
/// the work on size is about (the compiler, the VM loop, JSON, formatting, ...).
pub fn family_of(group: &str) -> &'static str {
    let krate = group.split("::").next().unwrap_or(group);
    match group {
        _ if krate == "lumen_compiler" => "compiler (lumen_compiler)",
        "lumen_vm::machine" => "VM loop, calls, entry (lumen_vm::machine)",
        "lumen_vm::builtins_impl" | "lumen_vm::builtins" => "builtins (lumen_vm::builtins*)",
        "lumen_vm::tool_result" => "typed tool results (lumen_vm::tool_result)",
        "lumen_vm::binary" | "lumen_vm::validate" | "lumen_vm::program" | "lumen_vm::lir" => {
            "LIR binary form, validation (lumen_vm::binary, validate, lir)"
        }
        "lumen_vm::json" | "serde_json" | "serde" | "serde_core" | "indexmap" | "zmij" | "ryu"
        | "itoa" => "JSON (serde_json, indexmap, lumen_vm::json)",
        _ if krate == "lumen_vm" => "VM: values, arithmetic, maps, limits (other lumen_vm)",
        "core::fmt" | "core::num" | "alloc::fmt" => "formatting (core::fmt, core::num)",
        "dlmalloc" => "allocator (dlmalloc)",
        "wasm_bindgen" | "wasm_bindgen_futures" | "js_sys" | "wasm-bindgen glue" => {
            "wasm-bindgen, js-sys"
        }
        _ if krate == "lumen_wasm" => "lumen_wasm (JS bindings, sessions)",
        _ if krate == "lumen_runtime" => "runtime (lumen_runtime)",
        _ if krate == "lumen"
            || krate.starts_with("clap")
            || krate.starts_with("codespan")
            || krate == "termcolor"
            || krate == "strsim" =>
        {
            "CLI (lumen, clap, codespan-reporting)"
        }
        _ if krate == "core" || krate == "alloc" || krate == "hashbrown" => {
            "generic code: slices, collections, iterators, drop glue (core, alloc, hashbrown)"
        }
        "(generic impls)" => {
            "generic code: slices, collections, iterators, drop glue (core, alloc, hashbrown)"
        }
        _ if krate == "std" => "std (I/O, panics, environment)",
        "compiler builtins" | "compiler_builtins" => "compiler builtins (memcpy, 128-bit math)",
        "(no name)" => "(no name)",
        _ => "other crates",
    }
}

/// Groups summed by [`family_of`], largest first.
pub fn families(groups: &[Group]) -> Vec<Group> {
    let mut by_name: BTreeMap<&'static str, Group> = BTreeMap::new();
    for g in groups {
        let name = family_of(&g.name);
        let f = by_name.entry(name).or_insert_with(|| Group {
            name: name.to_string(),
            functions: 0,
            bytes: 0,
            gzip_alone: 0,
        });
        f.functions += g.functions;
        f.bytes += g.bytes;
        f.gzip_alone += g.gzip_alone;
    }
    let mut out: Vec<Group> = by_name.into_values().collect();
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

impl Map {
    /// The groups of the named functions, largest first (ties by name); nameless functions
    /// are the group `(no name)`.
    pub fn groups(&self, bytes: &[u8]) -> Vec<Group> {
        let mut by_name: BTreeMap<String, (usize, usize, Vec<u8>)> = BTreeMap::new();
        for f in &self.functions {
            let group = f
                .name
                .as_deref()
                .map_or_else(|| "(no name)".to_string(), group_of);
            let entry = by_name.entry(group).or_default();
            entry.0 += 1;
            entry.1 += f.size;
            entry
                .2
                .extend_from_slice(bytes.get(f.range.clone()).unwrap_or(&[]));
        }
        let mut groups: Vec<Group> = by_name
            .into_iter()
            .map(|(name, (functions, bytes, body))| Group {
                name,
                functions,
                bytes,
                gzip_alone: compress::gzip_len(&body).unwrap_or(0),
            })
            .collect();
        groups.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
        groups
    }
}

/// `part` as a percentage of `whole`, one decimal (`"12.5%"`).
fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    let tenths = (part as u128 * 1000 + whole as u128 / 2) / whole as u128;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Lines of columns two spaces apart: the columns numbered in `left` left-aligned, the
/// others right-aligned.
fn columns(rows: &[Vec<String>], left: &[usize]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; n];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
            if left.contains(&i) {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str(&pad);
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The report: sections, then at most `max_groups` groups, then the `top` largest function
/// bodies and the data segments. Shares are of `shipped_size`, the size of the file users
/// get (the mapped copy also holds the names).
pub fn format_report(
    map: &Map,
    bytes: &[u8],
    shipped_size: usize,
    max_groups: usize,
    top: usize,
) -> String {
    let mut out = String::new();
    if map.modules.len() > 1 || map.modules.first().is_some_and(|m| m.start != 0) {
        let sizes: Vec<String> = map
            .modules
            .iter()
            .map(|m| thousands(m.len() as u64))
            .collect();
        out.push_str(&format!(
            "a component of {} core modules ({} bytes)\n\n",
            map.modules.len(),
            sizes.join(" + ")
        ));
    }

    let mut sections: Vec<(&String, &usize)> = map.sections.iter().collect();
    sections.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut rows = vec![vec!["section".into(), "bytes".into(), "share".into()]];
    for (name, size) in sections {
        let label = if name == "custom:name" {
            format!("{name} (not shipped)")
        } else {
            name.clone()
        };
        rows.push(vec![
            label,
            thousands(*size as u64),
            share(*size, shipped_size),
        ]);
    }
    out.push_str(&columns(&rows, &[0]));

    let groups = map.groups(bytes);
    let code: usize = map.functions.iter().map(|f| f.size).sum();
    out.push_str(
        "\nfunction bodies by family (groups below summed; gzip alone: summed over the groups)\n",
    );
    let mut rows = vec![vec![
        "family".into(),
        "functions".into(),
        "bytes".into(),
        "share".into(),
        "gzip alone".into(),
    ]];
    for f in families(&groups) {
        rows.push(vec![
            f.name.clone(),
            thousands(f.functions as u64),
            thousands(f.bytes as u64),
            share(f.bytes, shipped_size),
            thousands(f.gzip_alone),
        ]);
    }
    out.push_str(&columns(&rows, &[0]));
    out.push_str(&format!(
        "\nfunction bodies by group ({} functions, {} bytes; gzip alone: the group's bodies \
         compressed on their own)\n",
        map.functions.len(),
        thousands(code as u64)
    ));
    let mut rows = vec![vec![
        "group".into(),
        "functions".into(),
        "bytes".into(),
        "share".into(),
        "gzip alone".into(),
    ]];
    for g in groups.iter().take(max_groups) {
        rows.push(vec![
            g.name.clone(),
            thousands(g.functions as u64),
            thousands(g.bytes as u64),
            share(g.bytes, shipped_size),
            thousands(g.gzip_alone),
        ]);
    }
    if groups.len() > max_groups {
        let rest = &groups[max_groups..];
        let bytes: usize = rest.iter().map(|g| g.bytes).sum();
        rows.push(vec![
            format!("({} more groups)", rest.len()),
            thousands(rest.iter().map(|g| g.functions as u64).sum()),
            thousands(bytes as u64),
            share(bytes, shipped_size),
            "-".into(),
        ]);
    }
    out.push_str(&columns(&rows, &[0]));

    let mut largest: Vec<&Function> = map.functions.iter().collect();
    largest.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then_with(|| a.range.start.cmp(&b.range.start))
    });
    out.push_str(&format!("\nthe {top} largest function bodies\n"));
    let mut rows = vec![vec!["bytes".into(), "share".into(), "function".into()]];
    for f in largest.into_iter().take(top) {
        let name = f
            .name
            .as_deref()
            .map_or_else(|| "(no name)".to_string(), readable);
        rows.push(vec![
            thousands(f.size as u64),
            share(f.size, shipped_size),
            name,
        ]);
    }
    out.push_str(&columns(&rows, &[2]));

    if !map.segments.is_empty() {
        let mut segments: Vec<(usize, &Segment)> = map.segments.iter().enumerate().collect();
        segments.sort_by(|a, b| b.1.size.cmp(&a.1.size).then_with(|| a.0.cmp(&b.0)));
        let total: usize = map.segments.iter().map(|s| s.size).sum();
        out.push_str(&format!(
            "\n{} data segments, {} bytes; the largest\n",
            map.segments.len(),
            thousands(total as u64)
        ));
        let mut rows = vec![vec!["segment".into(), "bytes".into(), "share".into()]];
        for (i, s) in segments.iter().take(DATA_SEGMENTS) {
            rows.push(vec![
                s.name.clone().unwrap_or_else(|| format!("#{i}")),
                thousands(s.size as u64),
                share(s.size, shipped_size),
            ]);
        }
        out.push_str(&columns(&rows, &[0]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, Component, ConstExpr, DataSection, EntityType, Function as Body,
        FunctionSection, ImportSection, Instruction, MemorySection, MemoryType, Module,
        ModuleSection, NameMap, NameSection, TypeSection,
    };

    /// A module importing one function and defining three, of 1, 50 and 200 `nop`s, with
    /// names for the import and the first two, and one data segment of 300 bytes.
    fn module() -> Module {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut imports = ImportSection::new();
        imports.import("env", "host", EntityType::Function(0));
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for nops in [1, 50, 200] {
            functions.function(0);
            let mut body = Body::new([]);
            for _ in 0..nops {
                body.instruction(&Instruction::Nop);
            }
            body.instruction(&Instruction::End);
            code.function(&body);
        }
        let mut memory = MemorySection::new();
        memory.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(16), vec![7u8; 300]);
        let mut names = NameSection::new();
        let mut functions_named = NameMap::new();
        functions_named.append(0, "host_import");
        functions_named.append(1, "core::fmt::write::h0123456789abcdef");
        functions_named.append(2, "<lumen_vm::value::Value as core::fmt::Debug>::fmt");
        names.functions(&functions_named);
        let mut data_named = NameMap::new();
        data_named.append(0, ".rodata");
        names.data(&data_named);
        let mut m = Module::new();
        m.section(&types)
            .section(&imports)
            .section(&functions)
            .section(&memory)
            .section(&code)
            .section(&data)
            .section(&names);
        m
    }

    #[test]
    fn functions_get_their_names_past_the_imports() {
        let bytes = module().finish();
        let m = map(&bytes).unwrap();
        assert_eq!(m.file_size, bytes.len());
        assert_eq!(m.modules.len(), 1);
        assert_eq!(m.modules[0], 0..bytes.len());
        let got: Vec<(Option<&str>, usize)> = m
            .functions
            .iter()
            .map(|f| (f.name.as_deref(), f.size))
            .collect();
        // A body is its local count (1 byte), the nops and `end`.
        assert_eq!(
            got,
            [
                (Some("core::fmt::write::h0123456789abcdef"), 3),
                (
                    Some("<lumen_vm::value::Value as core::fmt::Debug>::fmt"),
                    52
                ),
                (None, 202),
            ]
        );
        for f in &m.functions {
            assert_eq!(
                bytes[f.range.clone()].last(),
                Some(&0x0b),
                "ends with `end`"
            );
        }
        assert_eq!(
            m.segments,
            [Segment {
                name: Some(".rodata".into()),
                size: 300
            }]
        );
        assert!(m.sections["code"] > 257);
        assert!(m.sections["data"] > 300);
        assert!(m.sections.contains_key("custom:name"));
        assert_eq!(m.sections.get("custom:producers"), None);
    }

    #[test]
    fn groups_add_up_and_come_largest_first() {
        let bytes = module().finish();
        let m = map(&bytes).unwrap();
        let groups = m.groups(&bytes);
        let names: Vec<(&str, usize, usize)> = groups
            .iter()
            .map(|g| (g.name.as_str(), g.functions, g.bytes))
            .collect();
        assert_eq!(
            names,
            [
                ("(no name)", 1, 202),
                ("lumen_vm::value", 1, 52),
                ("core::fmt", 1, 3),
            ]
        );
        assert!(groups.iter().all(|g| g.gzip_alone > 0));
        let report = format_report(&m, &bytes, bytes.len(), 2, 2);
        assert!(report.contains("(1 more groups)"), "{report}");
        // Only the two largest bodies are listed, the hash is dropped from names.
        assert!(report.contains("202  "), "{report}");
        assert!(report.contains("<lumen_vm::value::Value as core::fmt::Debug>::fmt"));
        let top = report.split("largest function bodies").nth(1).unwrap();
        assert!(!top.contains("core::fmt::write"), "{report}");
        assert!(report.contains(".rodata"), "{report}");
        assert!(report.contains("custom:name (not shipped)"), "{report}");
        assert!(report.contains("1 data segments, 300 bytes"), "{report}");
    }

    #[test]
    fn a_component_is_mapped_through_its_core_modules() {
        let named = module();
        let mut component = Component::new();
        component.section(&ModuleSection(&named));
        component.section(&ModuleSection(&Module::new()));
        let bytes = component.finish();
        let m = map(&bytes).unwrap();
        assert_eq!(m.modules.len(), 2);
        assert_eq!(m.modules[0].len(), named.finish().len());
        assert_eq!(m.modules[1].len(), Module::new().finish().len());
        assert_eq!(m.functions.len(), 3);
        assert!(m.functions.iter().all(|f| f.module == 0));
        for f in &m.functions {
            assert_eq!(
                bytes[f.range.clone()].last(),
                Some(&0x0b),
                "ends with `end`"
            );
        }
        assert_eq!(
            m.functions[1].name.as_deref(),
            Some("<lumen_vm::value::Value as core::fmt::Debug>::fmt")
        );
        assert!(format_report(&m, &bytes, bytes.len(), 10, 10).starts_with("a component of 2"));
    }

    #[test]
    fn stripping_custom_sections_keeps_the_code() {
        let bytes = module().finish();
        let stripped = without_custom_sections(&bytes).unwrap();
        assert!(stripped.len() < bytes.len());
        let m = map(&stripped).unwrap();
        assert!(!m.sections.contains_key("custom:name"));
        assert_eq!(m.functions.len(), 3);
        assert!(m.functions.iter().all(|f| f.name.is_none()));
        assert_eq!(without_custom_sections(&stripped).unwrap(), stripped);
        assert!(without_custom_sections(b"\0asm").is_err());
    }

    #[test]
    fn names_are_grouped_by_crate_path() {
        let cases = [
            ("lumen_vm::machine::Machine::run::h0123456789abcdef", "lumen_vm::machine"),
            ("lumen_vm::machine::Machine::run::{{closure}}", "lumen_vm::machine"),
            ("lumen_compiler::check::expr::Checker::expr", "lumen_compiler::check"),
            ("core::fmt::write", "core::fmt"),
            ("core::fmt::float::float_to_decimal_common_exact", "core::fmt"),
            ("core::ptr::drop_in_place<lumen_vm::value::Value>", "core::ptr"),
            (
                "alloc::collections::btree::map::BTreeMap<K,V,A>::insert",
                "alloc::collections",
            ),
            ("<i64 as core::fmt::Display>::fmt", "core::fmt"),
            ("<&T as core::fmt::Debug>::fmt", "core::fmt"),
            ("<serde_json::error::Error as core::fmt::Debug>::fmt", "serde_json"),
            (
                "<&mut serde_json::de::Deserializer<R> as serde::de::Deserializer>::deserialize_any",
                "serde_json",
            ),
            (
                "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop",
                "alloc::vec",
            ),
            ("<[T] as core::fmt::Debug>::fmt", "core::fmt"),
            ("<T as T>::f", "(generic impls)"),
            ("dlmalloc::dlmalloc::Dlmalloc<A>::malloc", "dlmalloc"),
            ("wasm_bindgen::convert::closures::invoke", "wasm_bindgen"),
            ("__wbg_call_672a4d21634d4a24", "wasm-bindgen glue"),
            ("__wbindgen_malloc", "wasm-bindgen glue"),
            ("memcpy", "compiler builtins"),
            ("__multi3", "compiler builtins"),
            ("main", "(symbols)"),
            ("lumen_vm::helper", "lumen_vm"),
            // As the js build names them: v0 demangled, with crate disambiguators.
            (
                "core[c5930c85a12de822]::num::flt2dec::strategy::dragon::format_shortest",
                "core::num",
            ),
            (
                "<dlmalloc[e24a27700634d609]::dlmalloc::Dlmalloc<dlmalloc[e24a27700634d609]::sys::System>>::malloc",
                "dlmalloc",
            ),
            // As the WASI builds name them: mangled.
            ("_ZN8lumen_vm7machine2Vm7execute17hf897f3ba79d86207E", "lumen_vm::machine"),
            (
                "_ZN14lumen_compiler5check4expr48_$LT$impl$u20$lumen_compiler..check..Checker$GT$4expr17h4df33db5bab9cd7eE",
                "lumen_compiler::check",
            ),
            (
                "_RINvNtNtCs9pv848UzQwQ_4core3fmt5float29float_to_decimal_common_exactdEB6_",
                "core::fmt",
            ),
        ];
        for (name, want) in cases {
            assert_eq!(group_of(name), want, "{name}");
        }
    }

    #[test]
    fn groups_fall_into_families() {
        let cases = [
            ("lumen_compiler::check", "compiler (lumen_compiler)"),
            (
                "lumen_vm::machine",
                "VM loop, calls, entry (lumen_vm::machine)",
            ),
            ("lumen_vm::builtins_impl", "builtins (lumen_vm::builtins*)"),
            (
                "lumen_vm::json",
                "JSON (serde_json, indexmap, lumen_vm::json)",
            ),
            ("serde_json", "JSON (serde_json, indexmap, lumen_vm::json)"),
            (
                "lumen_vm::arith",
                "VM: values, arithmetic, maps, limits (other lumen_vm)",
            ),
            ("core::fmt", "formatting (core::fmt, core::num)"),
            (
                "core::slice",
                "generic code: slices, collections, iterators, drop glue (core, alloc, hashbrown)",
            ),
            ("clap_builder", "CLI (lumen, clap, codespan-reporting)"),
            ("lumen", "CLI (lumen, clap, codespan-reporting)"),
            ("wasm-bindgen glue", "wasm-bindgen, js-sys"),
            ("rustix", "other crates"),
        ];
        for (group, want) in cases {
            assert_eq!(family_of(group), want, "{group}");
        }
        let g = |name: &str, bytes| Group {
            name: name.into(),
            functions: 1,
            bytes,
            gzip_alone: 10,
        };
        let f = families(&[
            g("core::fmt", 5),
            g("lumen_compiler::a", 7),
            g("lumen_compiler::b", 1),
        ]);
        assert_eq!(f.len(), 2);
        assert_eq!(
            (
                f[0].name.as_str(),
                f[0].functions,
                f[0].bytes,
                f[0].gzip_alone
            ),
            ("compiler (lumen_compiler)", 2, 8, 20)
        );
        assert_eq!(f[1].bytes, 5);
    }

    #[test]
    fn readable_names() {
        assert_eq!(
            readable("_ZN8lumen_vm7machine2Vm7execute17hf897f3ba79d86207E"),
            "lumen_vm::machine::Vm::execute"
        );
        assert_eq!(
            readable("<alloc[3ca501edff3f0c7c]::vec::Vec<u8>>::push"),
            "<alloc::vec::Vec<u8>>::push"
        );
        assert_eq!(readable("<[T; 4] as x::Y>::f"), "<[T; 4] as x::Y>::f");
        assert_eq!(readable("a[12]::b"), "a[12]::b");
        assert_eq!(readable("memcpy"), "memcpy");
    }

    #[test]
    fn hashes_and_shares() {
        assert_eq!(without_hash("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(without_hash("a::b::hello"), "a::b::hello");
        assert_eq!(without_hash("a::h0123"), "a::h0123");
        assert_eq!(share(1, 8), "12.5%");
        assert_eq!(share(2, 3), "66.7%");
        assert_eq!(share(0, 10), "0.0%");
        assert_eq!(share(5, 0), "-");
        let mut v = Vec::new();
        leb128(&mut v, 624_485);
        assert_eq!(v, [0xe5, 0x8e, 0x26]);
    }
}
