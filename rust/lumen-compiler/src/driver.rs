//! The compile driver: runs the stages in order and collects every diagnostic.

use crate::{ast, diagnostic, lir, lower, parser, resolve, span, Diagnostic, ModuleLoader};

/// Settings for [`compile`] and [`check`] (a struct, so new options do not change signatures).
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Qualified names of the tools the host provides, when known. A `use tool` of any other
    /// name gets warning W0001.
    pub known_tools: Option<Vec<String>>,
    /// Grant keys the host's tool providers read, beyond the ones the runtime enforces. A
    /// grant with any other unknown key gets warning W0003 (see [`crate::grant_keys`]).
    pub grant_keys: Vec<String>,
}

/// A successful compilation: the LIR module and any warnings.
#[derive(Debug, Clone)]
pub struct CompileOutput {
    pub module: lir::Module,
    pub warnings: Vec<Diagnostic>,
}

/// Parses one file's raw bytes into a [`resolve::SourceFile`] and its located diagnostics.
pub fn parse_source(name: &str, bytes: &[u8]) -> (resolve::SourceFile, Vec<Diagnostic>) {
    let (ast, _code, diags) = parser::parse_file(name, bytes);
    let text = String::from_utf8_lossy(bytes).into_owned();
    let index = span::LineIndex::new(&text);
    (
        resolve::SourceFile {
            name: name.to_string(),
            text,
            index,
            ast,
        },
        diags,
    )
}

/// Runs every analysis stage (parse, resolve, check) and returns the program (when it
/// parsed) with all diagnostics, sorted by file and position.
fn analyze(
    name: &str,
    source: &[u8],
    loader: &dyn ModuleLoader,
    options: &CompileOptions,
) -> (
    resolve::Program,
    Vec<Diagnostic>,
    Option<crate::check::Signatures>,
) {
    let (root, mut diags) = parse_source(name, source);
    let program = resolve::resolve(root, loader, &parse_source, &mut diags);
    // Type checking a file that did not parse only produces follow-on noise.
    let mut sigs = None;
    if !diags.iter().any(Diagnostic::is_error) {
        let (d, s) = crate::check::check_with_signatures(&program);
        diags.extend(d);
        diags.extend(crate::grant_keys::check(&program, &options.grant_keys));
        sigs = Some(s);
    }
    if let Some(known) = &options.known_tools {
        for file in &program.files {
            for item in &file.ast.items {
                if let ast::Item::UseTool(t) = item {
                    if !known.contains(&t.tool) {
                        let mut list = known.clone();
                        list.sort();
                        diags.push(file.warning(
                            diagnostic::codes::UNKNOWN_TOOL,
                            lumen_report::tools::unknown_tool_warning(
                                &t.tool,
                                &list.iter().map(String::as_str).collect::<Vec<_>>(),
                            ),
                            t.tool_span,
                        ));
                    }
                }
            }
        }
    }
    sort_diagnostics(&mut diags);
    (program, diags, sigs)
}

fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.file.as_str(), a.span.start, a.code).cmp(&(b.file.as_str(), b.span.start, b.code))
    });
}

/// Checks a program: every error and warning of every stage up to type checking.
pub fn check(
    name: &str,
    source: &[u8],
    loader: &dyn ModuleLoader,
    options: &CompileOptions,
) -> Vec<Diagnostic> {
    guard(
        name,
        || analyze(name, source, loader, options).1,
        |d| vec![d],
    )
}

/// Compiles a program to a LIR module, or returns all its diagnostics (warnings included).
pub fn compile(
    name: &str,
    source: &[u8],
    loader: &dyn ModuleLoader,
    options: &CompileOptions,
) -> Result<CompileOutput, Vec<Diagnostic>> {
    guard(
        name,
        || {
            let (program, diags, sigs) = analyze(name, source, loader, options);
            if diags.iter().any(Diagnostic::is_error) {
                return Err(diags);
            }
            let sigs = sigs.unwrap_or_default();
            match lower::lower_checked(&program, &sigs) {
                Ok(module) => Ok(CompileOutput {
                    module,
                    warnings: diags,
                }),
                Err(mut errs) => {
                    errs.extend(diags);
                    sort_diagnostics(&mut errs);
                    Err(errs)
                }
            }
        },
        |d| Err(vec![d]),
    )
}

/// The interface of a program that checks (see [`crate::interface::interface_of`]), or all
/// its diagnostics (warnings included) when it has an error.
pub(crate) fn interface(
    name: &str,
    source: &[u8],
    loader: &dyn ModuleLoader,
    options: &CompileOptions,
) -> Result<crate::interface::Interface, Vec<Diagnostic>> {
    guard(
        name,
        || {
            let (program, diags, sigs) = analyze(name, source, loader, options);
            match sigs {
                Some(sigs) if !diags.iter().any(Diagnostic::is_error) => {
                    Ok(crate::interface::build(&program, &sigs))
                }
                _ => Err(diags),
            }
        },
        |d| Err(vec![d]),
    )
}

/// Runs a compiler stage, turning a panic (a compiler bug) into an E0999 diagnostic, so a
/// host never sees a crash from any input.
fn guard<R>(name: &str, stage: impl FnOnce() -> R, on_panic: impl FnOnce(Diagnostic) -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(stage)) {
        Ok(v) => v,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let mut d = Diagnostic::error(
                diagnostic::codes::INTERNAL,
                format!("internal compiler error: {msg} (please report this bug)"),
                span::Span::default(),
            );
            d.file = name.to_string();
            d.line = 1;
            d.column = 1;
            on_panic(d)
        }
    }
}
