//! The kernel heap: `linked_list_allocator::Heap` behind a `spin::Mutex`, as the global
//! allocator for `alloc` (Box, Vec, String) in the kernel.
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};
use linked_list_allocator::Heap;
use spin::Mutex;

struct KernelHeap(Mutex<Heap>);

#[cfg_attr(target_os = "none", global_allocator)]
static HEAP: KernelHeap = KernelHeap(Mutex::new(Heap::empty()));

/// Hands `size` bytes at `start` to the heap.
///
/// # Safety
/// `[start, start + size)` must be mapped, writable, unused by anything else for the kernel's
/// lifetime, and this must be called once.
pub unsafe fn init(start: u64, size: usize) {
    // SAFETY: forwarded from the caller's guarantee.
    unsafe { HEAP.0.lock().init(start as *mut u8, size) };
}

/// Bytes in use and bytes free.
pub fn usage() -> (usize, usize) {
    let h = HEAP.0.lock();
    (h.used(), h.free())
}

// SAFETY: linked_list_allocator returns blocks that fit the layout and never overlap; the mutex
// serialises every access.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.lock().allocate_first_fit(layout).map_or(ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: GlobalAlloc's contract: `ptr` came from `alloc` with this `layout`, and it is
        // not null because alloc never returns null for a block it handed out.
        unsafe { self.0.lock().deallocate(NonNull::new_unchecked(ptr), layout) }
    }
}
