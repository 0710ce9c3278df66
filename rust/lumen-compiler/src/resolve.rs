//! Resolver: loads imported files and builds each file's top-level scope.
//!
//! Input: the root file (already extracted and parsed by the driver) and a
//! [`ModuleLoader`]. Output: a [`Program`] holding every file in load order (the root
//! first) and, per file, the map from every top-level name visible in it (its own items
//! and what it imports) to the [`Symbol`] it denotes.
//!
//! Invariants:
//! - `Program::files[0]` is the root; `scopes.len() == files.len()`.
//! - Names not in a scope may still be locals (checker/lowering), builtins, or the result
//!   constructors `ok`/`err`; the resolver does not know about those.
//! - Payload-less and payload variants are top-level names (`Circle`, `Empty`).
//! - Diagnostics it reports: duplicate definitions (E0201), import not found (E0203),
//!   circular import (E0204), unknown imported name (E0205), unknown standard module
//!   (E0207).
//! - A path starting with `std` is a standard module ([`crate::stdlib`]), never asked of
//!   the loader.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::span::{LineIndex, Span};
use std::collections::HashMap;

/// Index of a file in [`Program::files`].
pub type FileId = usize;

/// One parsed source file of the program.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name diagnostics and run-time errors use (as given, or as the loader named it).
    pub name: String,
    /// The original file text (for `.lm.md` the whole markdown file).
    pub text: String,
    pub index: LineIndex,
    pub ast: ast::Module,
}

impl SourceFile {
    /// An error located in this file.
    pub fn error(&self, code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        let mut d = Diagnostic::error(code, message, span);
        d.locate(&self.name, &self.text, &self.index);
        d
    }

    /// A warning located in this file.
    pub fn warning(
        &self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> Diagnostic {
        let mut d = Diagnostic::warning(code, message, span);
        d.locate(&self.name, &self.text, &self.index);
        d
    }

    /// 1-based line of a span's start.
    pub fn line_of(&self, span: Span) -> u32 {
        self.index.line_col(&self.text, span.start as usize).0
    }

    /// 1-based line and column of the start of `span`.
    pub fn pos_of(&self, span: Span) -> lumen_vm::lir::Pos {
        let (line, column) = self.index.line_col(&self.text, span.start as usize);
        lumen_vm::lir::Pos::new(line, column)
    }
}

/// What a top-level name denotes. `item` indexes `files[file].ast.items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbol {
    Cell {
        file: FileId,
        item: usize,
    },
    Record {
        file: FileId,
        item: usize,
    },
    Enum {
        file: FileId,
        item: usize,
    },
    /// `variant` indexes the enum's `variants`.
    Variant {
        file: FileId,
        item: usize,
        variant: usize,
    },
    Const {
        file: FileId,
        item: usize,
    },
    /// A `use tool ... as Alias` item.
    Tool {
        file: FileId,
        item: usize,
    },
}

/// The whole program after import resolution.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub files: Vec<SourceFile>,
    /// Per file: every top-level name visible in that file.
    pub scopes: Vec<HashMap<String, Symbol>>,
}

impl Program {
    /// The AST item a symbol points at.
    pub fn item(&self, sym: Symbol) -> &ast::Item {
        let (file, item) = match sym {
            Symbol::Cell { file, item }
            | Symbol::Record { file, item }
            | Symbol::Enum { file, item }
            | Symbol::Variant { file, item, .. }
            | Symbol::Const { file, item }
            | Symbol::Tool { file, item } => (file, item),
        };
        &self.files[file].ast.items[item]
    }

    /// Looks `name` up in the top-level scope of `file`.
    pub fn lookup(&self, file: FileId, name: &str) -> Option<Symbol> {
        self.scopes.get(file)?.get(name).copied()
    }

    /// Every `const` as (file, item), each after the consts its value refers to (a cycle is
    /// broken anywhere). Computed with an explicit stack: a chain of 20,000 consts, each
    /// defined by the next, must not recurse 20,000 deep.
    pub fn const_order(&self) -> Vec<(FileId, usize)> {
        let deps = |(file, item): (FileId, usize)| -> Vec<(FileId, usize)> {
            let Some(ast::Item::Const(c)) =
                self.files.get(file).and_then(|f| f.ast.items.get(item))
            else {
                return Vec::new();
            };
            crate::lower::names_in_expr(&c.value)
                .iter()
                .filter_map(|name| match self.lookup(file, name) {
                    Some(Symbol::Const { file, item }) => Some((file, item)),
                    _ => None,
                })
                .collect()
        };
        let mut done: HashMap<(FileId, usize), bool> = HashMap::new();
        let mut out = Vec::new();
        for (file, f) in self.files.iter().enumerate() {
            for (item, it) in f.ast.items.iter().enumerate() {
                if !matches!(it, ast::Item::Const(_)) || done.contains_key(&(file, item)) {
                    continue;
                }
                done.insert((file, item), false);
                let mut stack = vec![((file, item), deps((file, item)), 0usize)];
                while let Some((key, next, i)) = stack.last_mut() {
                    if let Some(&dep) = next.get(*i) {
                        *i += 1;
                        if let std::collections::hash_map::Entry::Vacant(e) = done.entry(dep) {
                            e.insert(false);
                            stack.push((dep, deps(dep), 0));
                        }
                    } else {
                        let key = *key;
                        stack.pop();
                        done.insert(key, true);
                        out.push(key);
                    }
                }
            }
        }
        out
    }
}

/// How the resolver parses a loaded file: (name, bytes) → file and its located diagnostics.
pub type ParseFn = dyn Fn(&str, &[u8]) -> (SourceFile, Vec<Diagnostic>);

/// Loads every file the root imports (transitively) and builds the per-file scopes.
///
/// `root` is the parsed root file. `parse` turns a loaded file (name, bytes) into a
/// [`SourceFile`] plus its (located) parse diagnostics; it is a parameter so the resolver
/// stays independent of the parser's internals. All diagnostics go to `diags`.
pub fn resolve(
    root: SourceFile,
    loader: &dyn crate::ModuleLoader,
    parse: &ParseFn,
    diags: &mut Vec<Diagnostic>,
) -> Program {
    let mut loading = Loading {
        files: Vec::new(),
        by_name: HashMap::new(),
        edges: Vec::new(),
    };
    loading.by_name.insert(root.name.clone(), 0);
    loading.files.push(root);
    loading.edges.push(Vec::new());
    let mut stack = vec![0];
    loading.visit(0, &mut stack, loader, parse, diags);

    let mut program = Program {
        files: loading.files,
        scopes: Vec::new(),
    };
    let own: Vec<Vec<(String, Symbol, Span)>> = program
        .files
        .iter()
        .enumerate()
        .map(|(id, f)| own_symbols(id, &f.ast))
        .collect();
    for (id, file) in program.files.iter().enumerate() {
        let mut scope: HashMap<String, Symbol> = HashMap::new();
        let mut spans: HashMap<String, Span> = HashMap::new();
        for (name, sym, span) in &own[id] {
            if let Some(prev) = spans.get(name) {
                let prev_line = file.line_of(*prev);
                diags.push(file.error(
                    crate::diagnostic::codes::DUPLICATE_DEFINITION,
                    format!("`{name}` is defined more than once (first on line {prev_line})"),
                    *span,
                ));
                continue;
            }
            spans.insert(name.clone(), *span);
            scope.insert(name.clone(), *sym);
        }
        for (import, target) in &loading.edges[id] {
            let Some(target) = *target else { continue };
            let exported = &own[target];
            let mut bring = |name: &str, alias: &Ident, scope: &mut HashMap<String, Symbol>| {
                let found: Vec<&(String, Symbol, Span)> =
                    exported.iter().filter(|(n, _, _)| n == name).collect();
                let Some((_, sym, _)) = found.first() else {
                    diags.push(file.error(
                        crate::diagnostic::codes::UNKNOWN_IMPORT_NAME,
                        format!(
                            "module `{}` has no item named `{name}`",
                            program_path(import)
                        ),
                        alias.span,
                    ));
                    return;
                };
                let mut add =
                    |n: String, s: Symbol, scope: &mut HashMap<String, Symbol>| match scope.get(&n)
                    {
                        Some(existing) if *existing != s => diags.push(file.error(
                            crate::diagnostic::codes::DUPLICATE_DEFINITION,
                            format!("imported name `{n}` clashes with another definition"),
                            alias.span,
                        )),
                        _ => {
                            scope.insert(n, s);
                        }
                    };
                add(alias.name.clone(), *sym, scope);
                // Importing an enum brings its variants too.
                if let Symbol::Enum { .. } = sym {
                    for (n, s, _) in exported {
                        if matches!(s, Symbol::Variant { file, item, .. }
                            if Symbol::Enum { file: *file, item: *item } == *sym)
                        {
                            add(n.clone(), *s, scope);
                        }
                    }
                }
            };
            match &import.names {
                ast::ImportNames::All(span) => {
                    for (n, _, _) in exported {
                        let id = Ident {
                            name: n.clone(),
                            span: *span,
                        };
                        bring(n, &id, &mut scope);
                    }
                }
                ast::ImportNames::List(list) => {
                    for (name, alias) in list {
                        bring(&name.name, alias.as_ref().unwrap_or(name), &mut scope);
                    }
                }
            }
        }
        program.scopes.push(scope);
    }
    program
}

use crate::ast::Ident;

fn program_path(import: &ast::Import) -> String {
    import
        .path
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The top-level names a file defines itself, with the span of each name.
fn own_symbols(file: FileId, module: &ast::Module) -> Vec<(String, Symbol, Span)> {
    let mut out = Vec::new();
    for (item, it) in module.items.iter().enumerate() {
        match it {
            ast::Item::Cell(c) => out.push((
                c.name.name.clone(),
                Symbol::Cell { file, item },
                c.name.span,
            )),
            ast::Item::Record(r) => out.push((
                r.name.name.clone(),
                Symbol::Record { file, item },
                r.name.span,
            )),
            ast::Item::Enum(e) => {
                out.push((
                    e.name.name.clone(),
                    Symbol::Enum { file, item },
                    e.name.span,
                ));
                for (variant, v) in e.variants.iter().enumerate() {
                    out.push((
                        v.name.name.clone(),
                        Symbol::Variant {
                            file,
                            item,
                            variant,
                        },
                        v.name.span,
                    ));
                }
            }
            ast::Item::Const(c) => out.push((
                c.name.name.clone(),
                Symbol::Const { file, item },
                c.name.span,
            )),
            ast::Item::UseTool(t) => out.push((
                t.alias.name.clone(),
                Symbol::Tool { file, item },
                t.alias.span,
            )),
            ast::Item::Grant(_) | ast::Item::Import(_) => {}
        }
    }
    out
}

/// How long a chain of imports may be (the root file imports a module that imports a
/// module ...); a longer one is E0103. The import walk recurses once per module of the chain.
pub const MAX_IMPORT_DEPTH: usize = 64;

/// State of the depth-first import walk.
struct Loading {
    files: Vec<SourceFile>,
    by_name: HashMap<String, FileId>,
    /// Per file: each import item and the file it loaded (None when loading failed).
    edges: Vec<Vec<(ast::Import, Option<FileId>)>>,
}

impl Loading {
    fn visit(
        &mut self,
        id: FileId,
        stack: &mut Vec<FileId>,
        loader: &dyn crate::ModuleLoader,
        parse: &ParseFn,
        diags: &mut Vec<Diagnostic>,
    ) {
        let imports: Vec<ast::Import> = self.files[id]
            .ast
            .items
            .iter()
            .filter_map(|it| match it {
                ast::Item::Import(i) => Some(i.clone()),
                _ => None,
            })
            .collect();
        for import in imports {
            let path: Vec<String> = import.path.iter().map(|p| p.name.clone()).collect();
            let importer = self.files[id].name.clone();
            let loaded = if crate::stdlib::is_std(&path) {
                match crate::stdlib::lookup(&path) {
                    Some((name, text)) => Ok((name.to_string(), text.as_bytes().to_vec())),
                    None => {
                        diags.push(self.files[id].error(
                            crate::diagnostic::codes::UNKNOWN_STD_MODULE,
                            format!(
                                "there is no standard module `{}` (the standard modules are: {})",
                                path.join("."),
                                crate::stdlib::names().join(", ")
                            ),
                            import.span,
                        ));
                        self.edges[id].push((import, None));
                        continue;
                    }
                }
            } else {
                loader.load(&importer, &path)
            };
            let target = match loaded {
                Err(msg) => {
                    diags.push(self.files[id].error(
                        crate::diagnostic::codes::IMPORT_NOT_FOUND,
                        format!("cannot import `{}`: {msg}", path.join(".")),
                        import.span,
                    ));
                    None
                }
                Ok((name, bytes)) => {
                    if let Some(&existing) = self.by_name.get(&name) {
                        if let Some(pos) = stack.iter().position(|f| *f == existing) {
                            let mut cycle: Vec<String> = stack[pos..]
                                .iter()
                                .map(|f| self.files[*f].name.clone())
                                .collect();
                            cycle.push(name.clone());
                            diags.push(self.files[id].error(
                                crate::diagnostic::codes::CIRCULAR_IMPORT,
                                format!("circular import: {}", cycle.join(" -> ")),
                                import.span,
                            ));
                            None
                        } else {
                            Some(existing)
                        }
                    } else if stack.len() >= MAX_IMPORT_DEPTH {
                        diags.push(self.files[id].error(
                            crate::diagnostic::codes::TOO_DEEP,
                            format!(
                                "cannot import `{}`: the chain of imports is too long (more \
                                 than {MAX_IMPORT_DEPTH} modules, each importing the next)",
                                path.join(".")
                            ),
                            import.span,
                        ));
                        None
                    } else {
                        let (file, file_diags) = parse(&name, &bytes);
                        diags.extend(file_diags);
                        let new_id = self.files.len();
                        self.by_name.insert(name, new_id);
                        self.files.push(file);
                        self.edges.push(Vec::new());
                        stack.push(new_id);
                        self.visit(new_id, stack, loader, parse, diags);
                        stack.pop();
                        Some(new_id)
                    }
                }
            };
            self.edges[id].push((import, target));
        }
    }
}
