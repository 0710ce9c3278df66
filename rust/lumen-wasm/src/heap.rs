//! The global allocator of the wasm32 build: free lists of small blocks, by size, in front of
//! Rust's default allocator (dlmalloc on `wasm32-unknown-unknown`).
//!
//! The VM allocates and frees many small blocks of a few sizes (a string is an `Rc` box plus
//! its buffer, and every `to_string` and concatenation makes both), and dlmalloc spends tens
//! of instructions on each call. Here a block of at most [`MAX_SMALL`] bytes (alignment at
//! most [`ALIGN`]) is rounded up to a multiple of [`ALIGN`]: freeing it pushes it onto the
//! list of its rounded size, and the next allocation of that size pops it (a load and a
//! store). Only when its list is empty does an allocation go to the inner allocator, for the
//! rounded size; larger or more aligned blocks go there directly.
//!
//! A freed small block stays on the list of its size: its memory is reused by blocks of the
//! same rounded size, never returned to dlmalloc for other sizes. What stays reserved that
//! way is at most the peak of small blocks alive at once, per size.
//!
//! It is the global allocator only on wasm32 without the `atomics` target feature (one
//! thread: the lists have no lock). The type builds on every target so that its tests run
//! natively, over the system allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ptr;

/// The granularity and the largest alignment of the small blocks, in bytes.
pub const ALIGN: usize = 8;
/// The largest small block, in bytes.
pub const MAX_SMALL: usize = 128;
/// One list per rounded size `ALIGN, 2 * ALIGN, ..., MAX_SMALL`.
const CLASSES: usize = MAX_SMALL / ALIGN;

/// Free lists of small blocks in front of `A` (a free block's first word points to the
/// next one on its list).
pub struct SmallLists<A> {
    heads: UnsafeCell<[*mut u8; CLASSES]>,
    inner: A,
}

// SAFETY: wasm32 without the `atomics` target feature runs one thread, so nothing touches
// `heads` concurrently.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<A: Sync> Sync for SmallLists<A> {}

impl<A> SmallLists<A> {
    /// Empty lists in front of `inner`.
    pub const fn new(inner: A) -> Self {
        SmallLists {
            heads: UnsafeCell::new([ptr::null_mut(); CLASSES]),
            inner,
        }
    }
}

/// The list of `layout`'s blocks, or `None` for a block that goes to the inner allocator.
#[inline(always)]
fn class_of(layout: Layout) -> Option<usize> {
    // One unsigned comparison: sizes 1..=MAX_SMALL (a size of 0 wraps and is excluded).
    let below = layout.size().wrapping_sub(1);
    (below < MAX_SMALL && layout.align() <= ALIGN).then_some(below / ALIGN)
}

/// The layout the inner allocator sees for a block of list `class` (`class < CLASSES`).
#[inline(always)]
fn class_layout(class: usize) -> Layout {
    // SAFETY: (class + 1) * ALIGN is in 1..=MAX_SMALL, and ALIGN is a power of two.
    unsafe { Layout::from_size_align_unchecked((class + 1) * ALIGN, ALIGN) }
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for SmallLists<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = class_of(layout) else {
            return self.inner.alloc(layout);
        };
        // SAFETY: one thread (see the `Sync` impl); no other reference to `heads` is live.
        let heads = &mut *self.heads.get();
        let head = heads[c];
        if head.is_null() {
            return self.inner.alloc(class_layout(c));
        }
        // SAFETY: `head` is a free block of this list; its first word links the next.
        heads[c] = *head.cast::<*mut u8>();
        head
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let Some(c) = class_of(layout) else {
            return self.inner.dealloc(p, layout);
        };
        // SAFETY: as in `alloc`; `p` is a block of at least ALIGN bytes, aligned to ALIGN.
        let heads = &mut *self.heads.get();
        *p.cast::<*mut u8>() = heads[c];
        heads[c] = p;
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class_of(layout).is_none() {
            return self.inner.alloc_zeroed(layout);
        }
        let p = self.alloc(layout);
        if !p.is_null() {
            ptr::write_bytes(p, 0, layout.size());
        }
        p
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `new_size` rounded up to the alignment fits.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class_of(layout), class_of(new_layout)) {
            (None, None) => self.inner.realloc(p, layout, new_size),
            // The block already has the rounded size.
            (Some(a), Some(b)) if a == b => p,
            _ => {
                let q = self.alloc(new_layout);
                if !q.is_null() {
                    ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                    self.dealloc(p, layout);
                }
                q
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: SmallLists<std::alloc::System> = SmallLists::new(std::alloc::System);

#[cfg(test)]
#[path = "heap_tests.rs"]
mod tests;
