//! Whole-pipeline robustness: every test program, mangled in many ways, goes through
//! compile → validate → binary round trip → run (with small fuel and depth limits). Nothing
//! may panic, and the compiler must never fall back to its internal-error diagnostic (E0999),
//! which would mean a stage panicked and was caught by the driver.

use lumen_compiler::{compile, CompileOptions, NoImports};
use lumen_vm::{binary, Outcome, Vm, VmConfig};
use std::path::{Path, PathBuf};
use std::rc::Rc;

fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in [
        "tests/conformance",
        "tests/programs",
        "tests/bench/programs",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.to_string_lossy().to_string();
            if name.ends_with(".lm") || name.ends_with(".lm.md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Compiles and (if it compiles) runs `source`; returns a description of any internal error.
fn exercise(name: &str, source: &[u8]) -> Option<String> {
    let module = match compile(name, source, &NoImports, &CompileOptions::default()) {
        Ok(out) => out.module,
        Err(diags) => {
            return diags
                .iter()
                .find(|d| d.code == "E0999")
                .map(|d| format!("{name}: internal compiler error: {}", d.message));
        }
    };
    let bytes = binary::encode(&module);
    let decoded = match binary::decode(&bytes) {
        Ok(m) => m,
        Err(e) => return Some(format!("{name}: binary round trip failed: {e}")),
    };
    if decoded != module {
        return Some(format!("{name}: binary round trip changed the module"));
    }
    let config = VmConfig {
        max_depth: 64,
        fuel: Some(20_000),
    };
    let mut vm = match Vm::new(Rc::new(module), config) {
        Ok(vm) => vm,
        Err(e) => return Some(format!("{name}: compiled module rejected by the VM: {e}")),
    };
    vm.set_output(Box::new(|_| {}));
    if vm.start("main", Vec::new()).is_err() {
        return None;
    }
    for _ in 0..50 {
        match vm.run() {
            Outcome::ToolCall(_) => vm.resume_err("E0906", "no tools in this test".into()),
            Outcome::Finished(_) | Outcome::Error(_) | Outcome::OutOfFuel => break,
        }
    }
    None
}

#[test]
fn mangled_programs_never_crash_the_pipeline() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut problems = Vec::new();
    let mut runs = 0;
    for path in programs() {
        let Ok(text) = std::fs::read(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        problems.extend(exercise(&name, &text));
        runs += 1;
        let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
        // Each line deleted in turn.
        for skip in 0..lines.len() {
            let mangled: Vec<u8> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .flat_map(|(_, l)| l.iter().copied().chain(std::iter::once(b'\n')))
                .collect();
            problems.extend(exercise(&name, &mangled));
            runs += 1;
        }
        // Random byte edits: deletions, duplications and swaps with syntax characters.
        const ALPHABET: &[u8] = b"()[]{}:,.=+-*/%<>!?|&\"'#\n end fn 0 1 x _";
        for _ in 0..20 {
            let mut bytes = text.clone();
            for _ in 0..1 + rng.below(3) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                    _ => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                }
            }
            problems.extend(exercise(&name, &bytes));
            runs += 1;
        }
    }
    assert!(runs > 100, "too few programs found ({runs})");
    assert!(
        problems.is_empty(),
        "{} of {runs} runs hit internal errors:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
