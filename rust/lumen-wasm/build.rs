//! Link settings of the WebAssembly package (`wasm32-unknown-unknown` only):
//!
//! - a larger shadow stack than rustc's default 1 MiB, so fewer deep inputs exhaust it
//!   (the memory is reserved in the linear memory, not stored in the `.wasm` file);
//! - `__stack_pointer` exported, so the trap guard (`src/guard.rs`) can restore it after a
//!   trap and the instance stays usable.

/// Shadow stack of the package, in bytes.
const STACK_SIZE: u32 = 4 << 20;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch == "wasm32" && os == "unknown" {
        println!("cargo::rustc-link-arg-cdylib=-zstack-size={STACK_SIZE}");
        println!("cargo::rustc-link-arg-cdylib=--export=__stack_pointer");
    }
}
