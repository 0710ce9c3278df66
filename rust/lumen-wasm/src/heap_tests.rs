//! The small-block lists over the system allocator, natively.

use super::{SmallLists, ALIGN, MAX_SMALL};
use std::alloc::{GlobalAlloc, Layout, System};

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// Fills `n` bytes at `p` with `0, 1, 2, ...` (mod 251).
unsafe fn fill(p: *mut u8, n: usize) {
    for i in 0..n {
        *p.add(i) = (i % 251) as u8;
    }
}

/// Whether the `n` bytes at `p` are still `0, 1, 2, ...` (mod 251).
unsafe fn filled(p: *const u8, n: usize) -> bool {
    (0..n).all(|i| *p.add(i) == (i % 251) as u8)
}

#[test]
fn a_freed_small_block_is_reused_for_the_same_rounded_size() {
    let a = SmallLists::new(System);
    unsafe {
        let p = a.alloc(layout(17, 1));
        assert!(!p.is_null());
        a.dealloc(p, layout(17, 1));
        // 17 and 24 both round to 24 bytes: the same list, so the same block.
        let q = a.alloc(layout(24, 8));
        assert_eq!(p, q);
        // Last freed, first reused.
        let r = a.alloc(layout(20, 4));
        assert_ne!(r, q);
        a.dealloc(q, layout(24, 8));
        a.dealloc(r, layout(20, 4));
        assert_eq!(a.alloc(layout(21, 1)), r);
        assert_eq!(a.alloc(layout(22, 2)), q);
        a.dealloc(q, layout(22, 2));
        a.dealloc(r, layout(21, 1));
    }
}

#[test]
fn other_sizes_and_large_or_aligned_blocks_do_not_take_a_freed_block() {
    let a = SmallLists::new(System);
    unsafe {
        let p = a.alloc(layout(8, 8));
        a.dealloc(p, layout(8, 8));
        for l in [
            layout(9, 8),
            layout(MAX_SMALL + 1, 8),
            layout(8, 2 * ALIGN),
            layout(4096, 8),
        ] {
            let q = a.alloc(l);
            assert!(!q.is_null());
            assert_ne!(q, p, "{l:?}");
            assert_eq!(q as usize % l.align(), 0);
            fill(q, l.size());
            assert!(filled(q, l.size()));
            a.dealloc(q, l);
        }
        assert_eq!(a.alloc(layout(1, 1)), p);
        a.dealloc(p, layout(1, 1));
    }
}

#[test]
fn blocks_are_aligned_and_distinct_while_alive() {
    let a = SmallLists::new(System);
    unsafe {
        let mut live = Vec::new();
        for size in 1..=MAX_SMALL {
            for _ in 0..3 {
                let l = layout(size, ALIGN.min(size.next_power_of_two()));
                let p = a.alloc(l);
                assert_eq!(p as usize % l.align(), 0);
                fill(p, size);
                live.push((p, l));
            }
        }
        // No block overlaps another: every one still holds its own pattern.
        assert!(live.iter().all(|&(p, l)| filled(p, l.size())));
        let mut addrs: Vec<usize> = live.iter().map(|&(p, _)| p as usize).collect();
        addrs.sort_unstable();
        addrs.dedup();
        assert_eq!(addrs.len(), live.len());
        for (p, l) in live {
            a.dealloc(p, l);
        }
    }
}

#[test]
fn zeroed_blocks_are_zero_even_when_reused() {
    let a = SmallLists::new(System);
    unsafe {
        let p = a.alloc(layout(32, 8));
        fill(p, 32);
        a.dealloc(p, layout(32, 8));
        let q = a.alloc_zeroed(layout(30, 2));
        assert_eq!(q, p);
        assert!((0..30).all(|i| *q.add(i) == 0));
        a.dealloc(q, layout(30, 2));
        let big = a.alloc_zeroed(layout(1000, 8));
        assert!((0..1000).all(|i| *big.add(i) == 0));
        a.dealloc(big, layout(1000, 8));
    }
}

#[test]
fn realloc_keeps_the_contents_across_every_kind_of_move() {
    let a = SmallLists::new(System);
    unsafe {
        let l = layout(10, 1);
        let p = a.alloc(l);
        fill(p, 10);
        // Within the rounded size (16): the same block.
        let p2 = a.realloc(p, l, 16);
        assert_eq!(p2, p);
        assert!(filled(p2, 10));
        // To another list, then past the small sizes, then further, then back down.
        let mut cur = p2;
        let mut size = 10;
        for next in [40, 100, MAX_SMALL + 72, 5000, 60, 3] {
            let q = a.realloc(cur, layout(size, 1), next);
            assert!(!q.is_null());
            assert!(filled(q, size.min(next)), "{size} -> {next}");
            fill(q, next);
            cur = q;
            size = next;
        }
        a.dealloc(cur, layout(size, 1));
        // The block left behind by the move to 40 bytes is on the 16-byte list again.
        assert_eq!(a.alloc(layout(12, 4)), p);
        a.dealloc(p, layout(12, 4));
    }
}
