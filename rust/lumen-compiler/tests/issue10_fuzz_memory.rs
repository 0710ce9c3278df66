//! Issue 10, found by the fuzzer: the memory of exhaustiveness checking on very wide
//! payload patterns. This file is its own test binary with one test, so the counting
//! allocator below sees only the compiler's allocations.

use lumen_compiler::{check, CompileOptions, NoImports};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn issue10_fuzz_nested_pattern_in_each_of_50000_fields_checks_in_bounded_memory() {
    // `Add(Lit(_), Lit(_), …)` on a 50,000-field variant: every column splits, and each
    // nested split held copies of the whole row and of every variant's field types (128
    // levels × 50,000 fields: 270 MB, growing with the width). The search is now bounded by
    // its work budget, argument types included.
    let n = 50_000;
    let fields = vec!["Expr"; n].join(", ");
    let arm = vec!["Lit(_)"; n].join(", ");
    let src = format!(
        "enum Expr\n  Lit(Int)\n  Add({fields})\nend\n\ncell ev(e: Expr) -> Int\n  match e\n    \
         Lit(v) -> v\n    Add({arm}) -> 1\n  end\nend\n\ncell main()\n  print(ev(Lit(1)))\nend\n"
    );
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let diags = check(
        "t.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    );
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    // Too wide to finish the search: taken as exhaustive (docs/LANGUAGE.md 16).
    assert!(diags.is_empty(), "{:?}", diags.first().map(|d| d.code));
    eprintln!("peak heap while checking: {} MiB", peak >> 20);
    assert!(peak < 150 << 20, "peak heap {} MiB", peak >> 20);
}
