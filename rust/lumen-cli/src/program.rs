//! Getting a LIR module from a file on the command line: source (`.lm`, `.lm.md`), compiled
//! with the file-system loader, or binary LIR (recognised by its `LMB\0` magic, whatever
//! the extension).

use crate::loader::FsLoader;
use crate::render::{count, human, stderr_painter, to_stderr};
use crate::Failure;
use lumen_compiler::{CompileOptions, Diagnostic};
use lumen_vm::lir::Module;
use std::path::Path;

/// Whether `bytes` are binary LIR (they start with the `LMB\0` magic).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(lumen_vm::binary::MAGIC)
}

/// The name a file is known by in diagnostics: the path as given on the command line.
pub fn file_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Reads a file given on the command line (an unreadable file is an I/O failure, exit 2).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("cannot read `{}`: {e}", path.display())))
}

/// The compile options of the native host: the tools it provides are known, so using any
/// other tool is warning W0001.
pub fn options() -> CompileOptions {
    let registry = host_registry();
    CompileOptions {
        known_tools: Some(registry.names().iter().map(|s| s.to_string()).collect()),
        ..CompileOptions::default()
    }
}

/// Writes diagnostics in the human format to standard error.
pub fn report(diags: &[Diagnostic]) {
    if !diags.is_empty() {
        to_stderr(&human(diags, stderr_painter()));
    }
}

/// Loads the program in `path`: decodes binary LIR or compiles source. Compile errors and
/// warnings are reported on standard error; an error stops with [`Failure::Reported`].
pub fn load(path: &Path) -> Result<Module, Failure> {
    let bytes = read_file(path)?;
    let name = file_name(path);
    if is_binary(&bytes) {
        return lumen_vm::binary::decode(&bytes).map_err(|e| {
            let text = lumen_report::runtime_text(&e.report_in(&name), stderr_painter());
            to_stderr(&format!("{text}\n"));
            Failure::Reported
        });
    }
    let loader = FsLoader::new();
    loader.register_root(&name);
    match lumen_compiler::compile(&name, &bytes, &loader, &options()) {
        Ok(out) => {
            report(&out.warnings);
            Ok(out.module)
        }
        Err(diags) => {
            let (errors, _) = count(&diags);
            let p = stderr_painter();
            let mut text = human(&diags, p);
            lumen_report::summary::could_not_compile(&mut text, &name, errors, p);
            text.push('\n');
            to_stderr(&text);
            Err(Failure::Reported)
        }
    }
}

/// The tools this `lumen` provides: every native provider (feature `native-tools`), else
/// only `echo.upper` (builds for hosts without native I/O).
pub fn host_registry() -> lumen_runtime::ProviderRegistry {
    #[cfg(any(feature = "native-tools", feature = "wasi-tools"))]
    {
        lumen_runtime::native_registry()
    }
    #[cfg(not(any(feature = "native-tools", feature = "wasi-tools")))]
    {
        let mut r = lumen_runtime::ProviderRegistry::new();
        r.register(lumen_runtime::echo::EchoUpper);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_detection() {
        assert!(is_binary(b"LMB\0rest"));
        assert!(!is_binary(b"LMB"));
        assert!(!is_binary(b"cell main()"));
    }

    #[test]
    fn unreadable_file_is_io() {
        let e = read_file(Path::new("/definitely/not/here.lm")).unwrap_err();
        assert!(matches!(e, Failure::Io(ref m) if m.contains("here.lm")));
    }

    #[test]
    fn native_tools_are_known() {
        let known = options().known_tools.unwrap_or_default();
        assert!(known.iter().any(|t| t == "echo.upper"));
        assert!(known.iter().any(|t| t == "fs.read"));
    }
}
