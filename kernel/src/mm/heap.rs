//! The kernel heap: `linked_list_allocator::Heap` behind a `spin::Mutex`, as the global
//! allocator for `alloc` (Box, Vec, String) in the kernel, with a free list per size class for
//! small blocks in front of it (as Linux's kmalloc caches stand in front of the page allocator).
//!
//! Why the classes: the linked list keeps its holes sorted by address, so each free walks the
//! holes below the block. Ten thousand small objects freed in creation order (a program closing
//! ten thousand descriptors) made that quadratic — seconds under TCG. A freed small block goes on
//! its class's list instead and is handed out again from there, both in constant time; it is
//! never given back to the linked list, so memory once used for a class stays with it.
//!
//! Each CPU keeps up to [`LOCAL_BLOCKS`] free blocks per class of its own, under its own lock
//! (uncontended but for `usage`), in front of the shared lists: an allocation or free of a small
//! block on one CPU does not wait for one on another. Lock order: a CPU's lists → the shared heap.
use crate::arch::percpu::{self, MAX_CPUS};
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};
use linked_list_allocator::Heap;
use spin::Mutex;

/// Size classes: powers of two from 16 to 1024 bytes.
const MIN_CLASS: usize = 16;
const MAX_CLASS: usize = 1024;
const CLASSES: usize = (MAX_CLASS / MIN_CLASS).trailing_zeros() as usize + 1;
/// Alignment of every class block (a request for more goes to the linked list).
const CLASS_ALIGN: usize = 16;

/// A free class block: the next one of its class.
struct FreeBlock {
    next: *mut FreeBlock,
}

struct Inner {
    heap: Heap,
    free: [*mut FreeBlock; CLASSES],
    /// Bytes held on the class lists (free, though the linked list counts them as used).
    cached: usize,
}

// SAFETY: the free lists point into the heap's own memory, which only the mutex's holder touches.
unsafe impl Send for Inner {}

struct KernelHeap(Mutex<Inner>);

/// Free blocks a CPU keeps per class before it hands them to the shared lists.
const LOCAL_BLOCKS: usize = 32;

/// One CPU's free class blocks.
struct Local {
    free: [*mut FreeBlock; CLASSES],
    count: [usize; CLASSES],
    bytes: usize,
}

// SAFETY: the lists point into the heap's own memory, which only the lock's holder touches.
unsafe impl Send for Local {}

static LOCAL: [Mutex<Local>; MAX_CPUS] =
    [const { Mutex::new(Local { free: [ptr::null_mut(); CLASSES], count: [0; CLASSES], bytes: 0 }) }; MAX_CPUS];

/// This CPU's lists.
fn local() -> spin::MutexGuard<'static, Local> {
    LOCAL[percpu::id_early() as usize].lock()
}

#[cfg_attr(target_os = "none", global_allocator)]
static HEAP: KernelHeap =
    KernelHeap(Mutex::new(Inner { heap: Heap::empty(), free: [ptr::null_mut(); CLASSES], cached: 0 }));

/// The class of a block of `layout`, if it is small enough for one: (index, block size).
fn class(layout: Layout) -> Option<(usize, usize)> {
    if layout.size() > MAX_CLASS || layout.align() > CLASS_ALIGN {
        return None;
    }
    let size = layout.size().max(MIN_CLASS).next_power_of_two();
    Some(((size / MIN_CLASS).trailing_zeros() as usize, size))
}

/// Hands `size` bytes at `start` to the heap.
///
/// # Safety
/// `[start, start + size)` must be mapped, writable, unused by anything else for the kernel's
/// lifetime, and this must be called once.
pub unsafe fn init(start: u64, size: usize) {
    // SAFETY: forwarded from the caller's guarantee.
    unsafe { HEAP.0.lock().heap.init(start as *mut u8, size) };
}

/// Heap the kernel keeps for itself: what a program makes the kernel allocate — mappings,
/// descriptors, threads — is refused (with the errno Linux gives when its own allocation
/// fails) once it would leave less than this free, so the kernel's own work (a fault report,
/// a thread's exit, a log line) never finds the heap empty.
pub const RESERVE: usize = 2 << 20;

/// Whether a program's request may take `bytes` more of the heap and leave [`RESERVE`] free.
/// Only the general heap counts: a block on a size-class list serves its class alone, so memory
/// freed into one class (a program's closed descriptors) cannot be promised to another.
pub fn may_take(bytes: usize) -> bool {
    HEAP.0.lock().heap.free() >= bytes.saturating_add(RESERVE)
}

/// Bytes in use and bytes free (blocks on the class lists count as free).
pub fn usage() -> (usize, usize) {
    let local: usize = LOCAL[..crate::smp::online_cpus() as usize].iter().map(|l| l.lock().bytes).sum();
    let h = HEAP.0.lock();
    let cached = h.cached + local;
    (h.heap.used() - cached, h.heap.free() + cached)
}

// SAFETY: linked_list_allocator returns blocks that fit the layout and never overlap; a class
// block is at least as large and as aligned as any layout of its class, and is on at most one
// list or in use, never both; each list's lock serialises every access to it.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((i, size)) = class(layout) else {
            return self.0.lock().heap.allocate_first_fit(layout).map_or(ptr::null_mut(), NonNull::as_ptr);
        };
        {
            let mut l = local();
            let head = l.free[i];
            if !head.is_null() {
                // `head` is a free block of this class (pushed by dealloc),
                // SAFETY: so it holds a FreeBlock and nothing else uses it.
                l.free[i] = unsafe { (*head).next };
                l.count[i] -= 1;
                l.bytes -= size;
                return head.cast();
            }
        }
        let mut h = self.0.lock();
        let head = h.free[i];
        if head.is_null() {
            // SAFETY: CLASS_ALIGN is a power of two and `size` a small multiple of it.
            let block = unsafe { Layout::from_size_align_unchecked(size, CLASS_ALIGN) };
            return h.heap.allocate_first_fit(block).map_or(ptr::null_mut(), NonNull::as_ptr);
        }
        // `head` is a free block of this class (pushed by dealloc),
        // SAFETY: so it holds a FreeBlock and nothing else uses it.
        h.free[i] = unsafe { (*head).next };
        h.cached -= size;
        head.cast()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some((i, size)) = class(layout) else {
            // GlobalAlloc's contract: `ptr` came from `alloc` with this `layout`,
            // SAFETY: which took it from the linked list, and it is not null.
            return unsafe { self.0.lock().heap.deallocate(NonNull::new_unchecked(ptr), layout) };
        };
        let block = ptr.cast::<FreeBlock>();
        {
            let mut l = local();
            if l.count[i] < LOCAL_BLOCKS {
                // `ptr` is a block of this class that alloc handed out (GlobalAlloc's contract):
                // SAFETY: at least 16 bytes, 16-aligned, and no longer in use, so it may hold the link.
                unsafe { block.write(FreeBlock { next: l.free[i] }) };
                l.free[i] = block;
                l.count[i] += 1;
                l.bytes += size;
                return;
            }
        }
        let mut h = self.0.lock();
        // `ptr` is a block of this class that alloc handed out (GlobalAlloc's contract):
        // SAFETY: at least 16 bytes, 16-aligned, and no longer in use, so it may hold the list link.
        unsafe { block.write(FreeBlock { next: h.free[i] }) };
        h.free[i] = block;
        h.cached += size;
    }
}
