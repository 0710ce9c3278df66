//! What a call needs from its surroundings: linear memory (lumen-cabi's [`Memory`]) and
//! the generated import dispatcher. On WebAssembly both are the module's own
//! (`wasm.rs`); native tests use a `Vec<u8>` and a fake dispatcher.

use lumen_cabi::Memory;

/// Memory plus the `lumen:glue` `call_import` dispatcher.
pub trait Host: Memory {
    /// Calls the `k`-th WIT import with the flat arguments in the 8-byte slots at `buf`
    /// (one slot holding a pointer when they flatten to more than 16); the one flat result
    /// is stored at `retptr` as 8 bytes, or a result that flattens to more than one value
    /// is written at `retptr` in canonical layout.
    fn call_import(&mut self, k: u32, buf: u32, retptr: u32);
}

/// The allocations of the current call, freed all at once by [`Arena::free_all`]: what
/// `cabi_export_realloc` gave the host for the parameters, what the import results were
/// written into (`cabi_import_realloc`) and what the runtime lowered (results, import
/// arguments). Only on WebAssembly, where pointers are 32-bit addresses.
#[cfg(target_family = "wasm")]
pub mod arena {
    use std::alloc::Layout;
    use std::cell::RefCell;

    thread_local! {
        static LIVE: RefCell<Vec<(usize, Layout)>> = const { RefCell::new(Vec::new()) };
    }

    /// Allocates `size` bytes aligned to `align` and records it; `None` when the layout is
    /// invalid or memory is exhausted.
    pub fn alloc(size: usize, align: usize) -> Option<*mut u8> {
        let layout = Layout::from_size_align(size.max(1), align.max(1)).ok()?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            return None;
        }
        record(ptr as usize, layout);
        Some(ptr)
    }

    /// `realloc` of a recorded allocation (or a fresh one for a null `old`).
    pub fn realloc(old: *mut u8, new_size: usize, align: usize) -> Option<*mut u8> {
        if old.is_null() {
            return alloc(new_size, align);
        }
        let layout = take(old as usize)?;
        // SAFETY: `old` was allocated with `layout` by this module and not freed.
        let ptr = unsafe { std::alloc::realloc(old, layout, new_size.max(1)) };
        if ptr.is_null() {
            return None;
        }
        let new_layout = Layout::from_size_align(new_size.max(1), layout.align()).ok()?;
        record(ptr as usize, new_layout);
        Some(ptr)
    }

    fn record(ptr: usize, layout: Layout) {
        LIVE.with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                l.push((ptr, layout));
            }
        });
    }

    fn take(ptr: usize) -> Option<Layout> {
        LIVE.with(|l| {
            let mut l = l.try_borrow_mut().ok()?;
            let i = l.iter().rposition(|(p, _)| *p == ptr)?;
            Some(l.swap_remove(i).1)
        })
    }

    /// Frees every recorded allocation.
    pub fn free_all() {
        let live = LIVE.with(|l| l.try_borrow_mut().map(|mut l| std::mem::take(&mut *l)));
        for (ptr, layout) in live.unwrap_or_default() {
            // SAFETY: each entry was allocated with its layout and is freed once (it was
            // taken out of the list).
            unsafe { std::alloc::dealloc(ptr as *mut u8, layout) };
        }
    }
}
