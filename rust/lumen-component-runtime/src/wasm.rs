//! The core module's imports and exports (WebAssembly only): linear memory as
//! lumen-cabi's `Memory`, the `lumen:glue` dispatcher, and the entry points the generated
//! glue calls.

use crate::call::{call_export, param_slots, run_main};
use crate::host::{arena, Host};
use crate::program;
use lumen_cabi::{AbiError, Memory};
use lumen_report::{runtime_text, Painter, RuntimeReport};
use std::cell::RefCell;
use std::rc::Rc;

#[link(wasm_import_module = "lumen:glue")]
extern "C" {
    /// Replaced by `lumen-componentize` with a dispatcher over the program's WIT imports.
    #[link_name = "call_import"]
    fn glue_call_import(k: u32, buf: u32, retptr: u32);
}

/// This module's linear memory and imports.
struct Wasm;

/// An error unless `len` bytes at `ptr` lie inside memory 0 (and `ptr` is not null).
fn check(ptr: u32, len: u32) -> Result<(), AbiError> {
    let size = core::arch::wasm32::memory_size(0) as u64 * 65536;
    let end = u64::from(ptr) + u64::from(len);
    if ptr == 0 || end > size {
        return Err(AbiError::new(format!(
            "{len} bytes at address {ptr} are outside linear memory ({size} bytes)"
        )));
    }
    Ok(())
}

impl Memory for Wasm {
    fn read(&self, ptr: u32, len: u32) -> Result<&[u8], AbiError> {
        if len == 0 {
            return Ok(&[]);
        }
        check(ptr, len)?;
        // SAFETY: the range lies inside linear memory (checked), which is always mapped;
        // the bytes are only read while no Rust reference to them is written through.
        Ok(unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) })
    }

    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let len = u32::try_from(bytes.len())
            .map_err(|_| AbiError::new("a write larger than 4 GiB".to_string()))?;
        check(ptr, len)?;
        // SAFETY: the destination lies inside linear memory (checked) and is memory the
        // canonical ABI gave to this value (allocated by `alloc` or the host's buffer).
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr as usize as *mut u8, bytes.len())
        };
        Ok(())
    }

    fn alloc(&mut self, size: u32, align: u32) -> Result<u32, AbiError> {
        arena::alloc(size as usize, align as usize)
            .map(|p| p as usize as u32)
            .ok_or_else(|| AbiError::new(format!("cannot allocate {size} bytes")))
    }
}

impl Host for Wasm {
    fn call_import(&mut self, k: u32, buf: u32, retptr: u32) {
        // SAFETY: the dispatcher reads the slots at `buf` and writes the result at
        // `retptr`, both allocated for this call by `call::call_import`.
        unsafe { glue_call_import(k, buf, retptr) }
    }
}

/// Prints `message` on standard error and traps: the end of a failed call.
/// `error[CODE]: message`, by the one renderer.
fn error_text(code: &str, message: &str) -> String {
    runtime_text(&RuntimeReport::plain(code, message), Painter::PLAIN)
}

/// [`fail`] with `error[CODE]: message`.
fn fail_with(code: &str, message: &str) -> ! {
    fail(&error_text(code, message))
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    core::arch::wasm32::unreachable()
}

/// A panic is a bug: say so on one line before the trap (a panic aborts on WebAssembly).
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            eprintln!(
                "{}",
                lumen_report::runtime::internal_error(&lumen_runtime::bug::panic_text(info))
            );
        }));
    });
}

/// Runs export `idx` with the flat parameters in the 8-byte slots at `buf`; returns a
/// pointer to 8 bytes holding the one flat result. A Lumen run-time error is the wrapped
/// result's `err` value ([`call_export`]); what cannot be answered (no program, no such
/// export, memory exhausted) prints its error on standard error and traps.
#[no_mangle]
pub extern "C" fn lumen_export(idx: u32, buf: u32) -> u32 {
    install_panic_hook();
    let loaded = program::get().unwrap_or_else(|m| fail_with("E0912", &m.to_string()));
    let Some(sig) = loaded.blob.exports.get(idx as usize) else {
        fail_with("E0999", &format!("there is no export number {idx}"))
    };
    let n = param_slots(&sig.params);
    let mut slots = Vec::with_capacity(n);
    for i in 0..n as u32 {
        match crate::call::read_slot(&Wasm, buf.wrapping_add(8 * i)) {
            Ok(s) => slots.push(s),
            Err(m) => fail_with("E0999", &format!("reading the arguments: {m}")),
        }
    }
    match call_export(Rc::new(RefCell::new(Wasm)), &loaded, idx, &slots) {
        Ok(out) => {
            let slot = out.first().copied().unwrap_or(0);
            let mut w = Wasm;
            let ret = w
                .alloc(8, 8)
                .unwrap_or_else(|e| fail_with("E0914", &e.to_string()));
            if let Err(e) = w.write(ret, &slot.to_le_bytes()) {
                fail_with("E0999", &e.to_string());
            }
            ret
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// A buffer of `slots` 8-byte slots for the glue to store an export's flat parameters in
/// (freed by [`lumen_post`]).
#[no_mangle]
pub extern "C" fn lumen_scratch(slots: u32) -> u32 {
    let size = (slots as usize).saturating_mul(8).max(8);
    match arena::alloc(size, 8) {
        Some(p) => p as usize as u32,
        None => fail_with("E0914", "cannot allocate the argument buffer"),
    }
}

/// Frees everything the last call allocated (called by the glue's `cabi_post_*`).
#[no_mangle]
pub extern "C" fn lumen_post() {
    arena::free_all();
}

/// `main` as `wasi:cli/run`'s `run`: the WASI arguments (after the program name) are
/// `main`'s. Returns 0 on success, 1 on an error (printed on standard error).
#[no_mangle]
pub extern "C" fn lumen_run() -> u32 {
    install_panic_hook();
    let raw: Result<Vec<String>, String> = std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(i, a)| {
            a.into_string()
                .map_err(|_| format!("argument {} is not valid UTF-8", i + 1))
        })
        .collect();
    let ok = match (raw, program::get()) {
        (Err(m), _) => {
            eprintln!("{}", lumen_report::runtime::host_error(&m, Painter::PLAIN));
            false
        }
        (_, Err(m)) => {
            eprintln!("{}", error_text("E0912", &m));
            false
        }
        (Ok(raw), Ok(loaded)) => run_main(Rc::new(RefCell::new(Wasm)), &loaded, &raw),
    };
    arena::free_all();
    u32::from(!ok)
}

/// The canonical ABI's general-purpose allocator (the adapter's state, and anything not
/// tied to one call). Traps when memory is exhausted.
///
/// # Safety
/// `old` is null or a pointer this function returned with `old_size` and `align`.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(
    old: *mut u8,
    old_size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    use std::alloc::Layout;
    if new_size == 0 {
        return align as *mut u8;
    }
    let ptr = if old.is_null() || old_size == 0 {
        match Layout::from_size_align(new_size, align.max(1)) {
            Ok(layout) => std::alloc::alloc(layout),
            Err(_) => std::ptr::null_mut(),
        }
    } else {
        match Layout::from_size_align(old_size, align.max(1)) {
            Ok(layout) => std::alloc::realloc(old, layout, new_size),
            Err(_) => std::ptr::null_mut(),
        }
    };
    if ptr.is_null() {
        fail_with("E0914", "out of memory");
    }
    ptr
}

/// Where the host puts an export's strings and lists: tracked, freed by [`lumen_post`].
///
/// # Safety
/// `old` is null or a pointer this function returned since the last [`lumen_post`].
#[no_mangle]
pub unsafe extern "C" fn cabi_export_realloc(
    old: *mut u8,
    _old_size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    arena::realloc(old, new_size, align).unwrap_or_else(|| fail_with("E0914", "out of memory"))
}

/// Where the host puts an import's result strings and lists: tracked, freed by
/// [`lumen_post`].
///
/// # Safety
/// As [`cabi_export_realloc`].
#[no_mangle]
pub unsafe extern "C" fn cabi_import_realloc(
    old: *mut u8,
    old_size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    cabi_export_realloc(old, old_size, align, new_size)
}
