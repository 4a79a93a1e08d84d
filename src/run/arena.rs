//! The shim binary's allocator: a bump arena in `.bss`, then the system allocator.
//!
//! A shim lives for a fraction of a millisecond and allocates a few dozen kilobytes (the
//! index, the walk's paths, the environment it passes on). musl's allocator spreads those
//! over size-class groups and hands pages back as soon as a group empties, so the same pages
//! fault in again and again: 30 of a shim's 52 page faults were the heap (`perf record -e
//! page-faults`). Here every allocation is the next bytes of one zero-filled static block:
//! the pages touched are exactly the bytes used, each faults in once, and freeing is a no-op
//! (the last allocation is rolled back, so a `Vec` that grows in place stays in place). A
//! process that outlives the block (a sandbox supervisor, a watched `npm install`) carries on
//! with the system allocator for everything after it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes in the arena: ten times what a shim 20 folders deep with 200 installs uses.
const ARENA_BYTES: usize = 512 * 1024;

#[repr(C, align(4096))]
struct Block(UnsafeCell<[u8; ARENA_BYTES]>);

/// A bump allocator over a static block, falling back to [`System`] when the block is used
/// up. Install it with `#[global_allocator]`.
pub struct Arena {
    block: Block,
    /// Offset of the first free byte in `block`.
    next: AtomicUsize,
}

// SAFETY: the block is only handed out in disjoint ranges reserved through the atomic `next`.
unsafe impl Sync for Arena {}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            block: Block(UnsafeCell::new([0; ARENA_BYTES])),
            next: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> usize {
        self.block.0.get() as usize
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        let at = ptr as usize;
        at >= self.base() && at < self.base() + ARENA_BYTES
    }

    /// Reserves `layout` in the block; `None` when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let base = self.base();
        // Acquire: bytes rolled back by another thread were zeroed before its release.
        let mut next = self.next.load(Ordering::Acquire);
        loop {
            let start = (base + next).checked_next_multiple_of(layout.align())? - base;
            let end = start.checked_add(layout.size())?;
            if end > ARENA_BYTES {
                return None;
            }
            match self
                .next
                .compare_exchange_weak(next, end, Ordering::AcqRel, Ordering::Acquire)
            {
                // SAFETY: `start` is within the block (end <= ARENA_BYTES).
                Ok(_) => return Some(unsafe { (base as *mut u8).add(start) }),
                Err(now) => next = now,
            }
        }
    }

    /// Whether `ptr..ptr+size` is the most recent reservation (nothing was bumped after it).
    fn is_last(&self, ptr: *mut u8, size: usize) -> bool {
        ptr as usize + size == self.base() + self.next.load(Ordering::Relaxed)
    }
}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

// SAFETY: every pointer returned is either a fresh disjoint range of the static block, aligned
// as asked, or comes from `System`; pointers are given back to whichever produced them.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: forwarded with the caller's (non-zero-size) layout.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // The block starts zeroed and freed bytes are reused only by rolling back the last
        // allocation, which `dealloc` zeroes again: arena bytes are zero when handed out.
        match self.bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: forwarded with the caller's layout.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: not ours, so `System` allocated it with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        let end = ptr as usize + layout.size() - self.base();
        let start = ptr as usize - self.base();
        // Zeroed first (for `alloc_zeroed`): once rolled back, another thread may be handed
        // these bytes at once. The caller gave them up, and the arena hands bytes out again
        // only through the roll-back below.
        // SAFETY: the range was allocated here and the caller no longer uses it.
        unsafe { ptr.write_bytes(0, layout.size()) };
        // Roll back the most recent allocation; anything older stays used until exit.
        let _ = self
            .next
            .compare_exchange(end, start, Ordering::Release, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.owns(ptr) && self.is_last(ptr, layout.size()) {
            let start = ptr as usize - self.base();
            let old_end = start + layout.size();
            if let Some(new_end) = start.checked_add(new_size)
                && new_end <= ARENA_BYTES
            {
                if new_end < old_end {
                    // Zeroed before it is released (see `dealloc`); if the release fails,
                    // the copy below takes only the first `new_size` bytes.
                    // SAFETY: the tail is part of this allocation.
                    unsafe { ptr.add(new_size).write_bytes(0, old_end - new_end) };
                }
                if self
                    .next
                    .compare_exchange(old_end, new_end, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return ptr;
                }
            }
        }
        // SAFETY: the caller guarantees `new_size` and `layout.align()` form a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid layout; the copy covers the smaller of the two sizes.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn bumps_aligned_rolls_back_the_last_and_falls_back_to_the_system() {
        static ARENA: Arena = Arena::new();
        let arena = &ARENA;
        unsafe {
            let a = arena.alloc(layout(3, 1));
            let b = arena.alloc(layout(16, 16));
            assert!(arena.owns(a) && arena.owns(b));
            assert_eq!(b as usize % 16, 0);
            assert!(b as usize >= a as usize + 3);
            b.write_bytes(7, 16);
            // The last allocation grows in place, and shrinks in place.
            let grown = arena.realloc(b, layout(16, 16), 64);
            assert_eq!(grown, b);
            assert_eq!(*grown.add(15), 7);
            // Freeing the last one rolls back, zeroed: the next allocation reuses it.
            arena.dealloc(grown, layout(64, 16));
            let again = arena.alloc_zeroed(layout(64, 16));
            assert_eq!(again, b);
            assert!((0..64).all(|i| *again.add(i) == 0));
            // An older allocation that grows moves, keeping its bytes.
            a.write_bytes(9, 3);
            let moved = arena.realloc(a, layout(3, 1), 10);
            assert_ne!(moved, a);
            assert_eq!(std::slice::from_raw_parts(moved, 3), &[9, 9, 9]);
            // What does not fit comes from the system allocator, and goes back to it.
            let big = arena.alloc(layout(ARENA_BYTES, 8));
            assert!(!big.is_null() && !arena.owns(big));
            big.write_bytes(1, ARENA_BYTES);
            let big = arena.realloc(big, layout(ARENA_BYTES, 8), ARENA_BYTES * 2);
            assert_eq!(*big.add(ARENA_BYTES - 1), 1);
            arena.dealloc(big, layout(ARENA_BYTES * 2, 8));
        }
    }

    #[test]
    fn threads_get_disjoint_ranges() {
        static ARENA: Arena = Arena::new();
        let arena = &ARENA;
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    (0..500)
                        .map(|_| unsafe {
                            let p = arena.alloc(layout(24, 8));
                            p.write_bytes(t as u8, 24);
                            p as usize
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<usize> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort_unstable();
        assert!(all.windows(2).all(|w| w[1] - w[0] >= 24));
    }
}
