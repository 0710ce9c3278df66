//! The pipeline one input goes through, and what counts as a failure.
//!
//! Source: compile (check + lower) → validate → binary encode → decode → round-trip compare
//! → run the decoded module in the VM with bounded fuel and depth, tools answered by fake
//! (echo) providers behind the real grant gate, and the result displayed as `lumen run`
//! would. Binary LIR: decode → validate → run bounded.
//!
//! Failures found in-process are [`Verdict::Fail`]: a panic anywhere (caught here), an
//! `E0999` internal compiler error, a compiled module that does not validate, a round trip
//! that loses information. Failures that kill the process (stack overflow, abort, running
//! out of the address-space cap) or hang are detected by the supervisor.

use lumen_compiler::{CompileOptions, ModuleLoader, NoImports};
use lumen_runtime::driver::{run_program, RunConfig};
use lumen_runtime::{CallContext, FnProvider, ProviderRegistry, ToolError, ToolGate};
use lumen_vm::lir::{Constant, Module};
use lumen_vm::{binary, validate::validate};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// Fuel for an ordinary input (a generated program asks for more with the fuel pragma).
pub const DEFAULT_FUEL: u64 = 200_000;

/// What kind of input a byte string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Lumen source (`.lm`).
    Source,
    /// Binary LIR (`.lmb`).
    Binary,
}

impl InputKind {
    /// The file extension of a saved input.
    pub fn extension(self) -> &'static str {
        match self {
            InputKind::Source => "lm",
            InputKind::Binary => "lmb",
        }
    }

    /// The one-byte tag of the worker protocol.
    pub fn tag(self) -> u8 {
        match self {
            InputKind::Source => b'S',
            InputKind::Binary => b'B',
        }
    }

    /// The kind of a protocol tag.
    pub fn from_tag(tag: u8) -> Option<InputKind> {
        match tag {
            b'S' => Some(InputKind::Source),
            b'B' => Some(InputKind::Binary),
            _ => None,
        }
    }
}

/// How one input ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No failure. `codes` are the diagnostic and run-time codes seen (coverage-ish stats),
    /// `compiled` whether the source compiled (always false for binaries).
    Pass {
        codes: Vec<&'static str>,
        compiled: bool,
    },
    /// A failure: its kind (`panic`, `ice`, `invalid-lir`, `roundtrip`) and a detail line.
    Fail { kind: String, detail: String },
}

/// What a native run produced: for the differential check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The printed lines.
    pub output: Vec<String>,
    /// The display of `main`'s value (empty when `null`).
    pub display: String,
    /// The run-time error code, when the run failed.
    pub error: Option<&'static str>,
}

/// Bounds of one execution.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Fuel when the input has no fuel pragma.
    pub fuel: u64,
    /// Maximum call depth.
    pub max_depth: usize,
    /// Maximum bytes of printed output kept (the rest is counted, not stored).
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: DEFAULT_FUEL,
            max_depth: 10_000,
            max_output: 1 << 16,
        }
    }
}

/// The tool names the fake registry provides: echo-style, the result is the argument
/// object (for `time.now`, a fixed time). Grants are checked by the real [`ToolGate`].
pub const FAKE_TOOLS: &[&str] = &[
    "echo.upper",
    "kv.get",
    "fs.read",
    "fs.write",
    "fs.list",
    "http.get",
    "http.post",
    "env.get",
    "time.now",
];

/// The fake tool registry.
pub fn fake_registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for name in FAKE_TOOLS {
        r.register(FnProvider::new(
            *name,
            |args: &serde_json::Value, _: &CallContext| -> Result<serde_json::Value, ToolError> {
                Ok(args.clone())
            },
        ));
    }
    r
}

/// Per-process state reused across inputs.
pub struct Executor {
    registry: ProviderRegistry,
    loader: Box<dyn ModuleLoader>,
    options: CompileOptions,
    /// Limits of every run.
    pub limits: Limits,
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new(Limits::default())
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn has_nan(m: &Module) -> bool {
    m.constants
        .iter()
        .any(|c| matches!(c, Constant::Float(f) if f.is_nan()))
}

fn fail(kind: &str, detail: impl Into<String>) -> Verdict {
    Verdict::Fail {
        kind: kind.to_string(),
        detail: detail.into(),
    }
}

impl Executor {
    /// An executor with these limits.
    pub fn new(limits: Limits) -> Executor {
        Executor {
            registry: fake_registry(),
            loader: Box::new(NoImports),
            options: CompileOptions::default(),
            limits,
        }
    }

    /// Runs one input through the whole pipeline; a panic is caught and is a failure.
    pub fn execute(&self, kind: InputKind, input: &[u8]) -> Verdict {
        self.execute_with(kind, input, &mut || {})
    }

    /// [`Executor::execute`], calling `on_run` when the module is about to run in the VM
    /// (the supervisor tells compile-time deaths from run-time ones by it).
    pub fn execute_with(&self, kind: InputKind, input: &[u8], on_run: &mut dyn FnMut()) -> Verdict {
        let caught = catch_unwind(AssertUnwindSafe(|| match kind {
            InputKind::Source => self.source(input, on_run),
            InputKind::Binary => self.binary(input, on_run),
        }));
        match caught {
            Ok(v) => v,
            Err(payload) => {
                let location = LAST_PANIC.with(|p| p.take()).unwrap_or_default();
                fail("panic", format!("{} at {location}", panic_text(&*payload)))
            }
        }
    }

    fn source(&self, input: &[u8], on_run: &mut dyn FnMut()) -> Verdict {
        let mut codes = vec![];
        let out = match lumen_compiler::compile("fuzz.lm", input, &*self.loader, &self.options) {
            Ok(out) => out,
            Err(diags) => {
                for d in &diags {
                    if d.code == "E0999" {
                        return fail("ice", d.message.clone());
                    }
                    if !codes.contains(&d.code) {
                        codes.push(d.code);
                    }
                }
                return Verdict::Pass {
                    codes,
                    compiled: false,
                };
            }
        };
        for w in &out.warnings {
            if !codes.contains(&w.code) {
                codes.push(w.code);
            }
        }
        let module = out.module;
        if let Err(e) = validate(&module) {
            return fail(
                "invalid-lir",
                format!("the compiled module is invalid: {e}"),
            );
        }
        let bytes = binary::encode(&module);
        let decoded = match binary::decode(&bytes) {
            Ok(m) => m,
            Err(e) => return fail("roundtrip", format!("decode(encode(m)) failed: {e}")),
        };
        if binary::encode(&decoded) != bytes || (!has_nan(&module) && decoded != module) {
            return fail("roundtrip", "decode(encode(m)) differs from m");
        }
        let fuel = crate::gen::fuel_pragma(input).unwrap_or(self.limits.fuel);
        on_run();
        let record = self.run(decoded, fuel);
        if let Some(code) = record.error {
            codes.push(code);
        }
        Verdict::Pass {
            codes,
            compiled: true,
        }
    }

    fn binary(&self, input: &[u8], on_run: &mut dyn FnMut()) -> Verdict {
        let module = match binary::decode(input) {
            Ok(m) => m,
            Err(e) => {
                return Verdict::Pass {
                    codes: vec![e.code],
                    compiled: false,
                }
            }
        };
        if let Err(e) = validate(&module) {
            return Verdict::Pass {
                codes: vec![e.code],
                compiled: false,
            };
        }
        on_run();
        let record = self.run(module, self.limits.fuel);
        Verdict::Pass {
            codes: record.error.into_iter().collect(),
            compiled: false,
        }
    }

    /// Runs `main` of `module` bounded, collecting output, display and error code.
    pub fn run(&self, module: Module, fuel: u64) -> RunRecord {
        let output = Rc::new(std::cell::RefCell::new(Vec::new()));
        let kept = Rc::new(Cell::new(0usize));
        let sink = {
            let output = Rc::clone(&output);
            let kept = Rc::clone(&kept);
            let max = self.limits.max_output;
            move |line: &str| {
                if kept.get() < max {
                    kept.set(kept.get() + line.len() + 1);
                    output.borrow_mut().push(line.to_string());
                }
            }
        };
        let config = RunConfig {
            fuel: Some(fuel),
            max_depth: self.limits.max_depth,
            output: Some(Box::new(sink)),
            gate: Some(ToolGate::with_base(Some("/nonexistent-lumen-fuzz".into()))),
        };
        let result = run_program(Rc::new(module), "main", vec![], &self.registry, config);
        let (display, error) = match result {
            Ok(v) if v.is_null() => (String::new(), None),
            Ok(v) => (v.to_display(), None),
            Err(e) => (String::new(), Some(e.code)),
        };
        let output = output.borrow().clone();
        RunRecord {
            output,
            display,
            error,
        }
    }

    /// Compiles and runs a source natively for the differential check: `None` when it does
    /// not compile.
    pub fn record(&self, input: &[u8], fuel: u64) -> Option<RunRecord> {
        let out = lumen_compiler::compile("main.lm", input, &*self.loader, &self.options).ok()?;
        Some(self.run(out.module, fuel))
    }
}

thread_local! {
    static LAST_PANIC: Cell<Option<String>> = const { Cell::new(None) };
}

/// Installs a panic hook that records the panic's location (for [`Executor::execute`]'s
/// failure detail) instead of printing it: a worker's stderr stays quiet.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let loc = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| p.set(Some(loc)));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_program_passes_and_runs() {
        let ex = Executor::default();
        let v = ex.execute(
            InputKind::Source,
            b"cell main() -> Int\n  print(1 + 2)\n  1 / 0\nend\n",
        );
        assert_eq!(
            v,
            Verdict::Pass {
                codes: vec!["E0902"],
                compiled: true
            }
        );
        let r = ex
            .record(
                b"cell main() -> Int\n  print(\"hi\")\n  40 + 2\nend\n",
                1000,
            )
            .expect("compiles");
        assert_eq!(r.output, vec!["hi".to_string()]);
        assert_eq!(r.display, "42");
        assert_eq!(r.error, None);
    }

    #[test]
    fn a_rejected_program_reports_its_codes() {
        let ex = Executor::default();
        match ex.execute(
            InputKind::Source,
            b"cell main() -> Int\n  let x = 1 + * 2\n  x\nend\n",
        ) {
            Verdict::Pass { codes, compiled } => {
                assert!(!compiled);
                assert_eq!(codes, vec!["E0100"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn fake_tools_echo_and_grants_still_deny() {
        let ex = Executor::default();
        let r = ex
            .record(
                b"use tool fs.read as Read\n\ncell main()\n  print(Read(path: \"/etc/shadow\"))\nend\n",
                1000,
            )
            .expect("compiles");
        assert_eq!(
            r.error,
            Some("E0907"),
            "no path grant: denied before the fake"
        );
        let r = ex
            .record(
                b"use tool echo.upper as Shout\n\ncell main()\n  print(Shout(text: \"a\"))\nend\n",
                1000,
            )
            .expect("compiles");
        assert_eq!(r.error, None);
        assert_eq!(r.output, vec!["{\"text\": \"a\"}".to_string()]);
    }

    #[test]
    fn garbage_binary_is_a_clean_rejection() {
        let ex = Executor::default();
        assert!(matches!(
            ex.execute(InputKind::Binary, b"LMB\x00garbage"),
            Verdict::Pass { .. }
        ));
    }
}
