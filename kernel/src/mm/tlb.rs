//! TLB shootdown (Linux's arch/x86/mm/tlb.c `flush_tlb_mm_range`, and mm/mmu_gather.c): when a
//! CPU unmaps user pages or narrows their protection, every other CPU that may hold the old
//! translations must drop them before the system call returns, and a freed frame must not be
//! handed out again before they have.
//!
//! The CPU that changes the page tables invalidates its own entries at once (`invlpg`) and
//! defers the frames it frees into its gather. On its way back to ring 3 ([`finish`], called by
//! the entry layer with no lock held) it bumps the TLB generation, sets `TLB_FLUSH` in the work
//! bits of every other CPU that has the process's page tables loaded, sends the reschedule IPI
//! to those that are not idle, and waits until each has flushed up to that generation; then it
//! frees the frames. One IPI round per call, however many pages it touched.
//!
//! An idle CPU gets no IPI and is not waited for: it runs no ring-3 code (the kernel reaches
//! user memory only through the direct map), and it flushes before it runs any ([`flush_if_asked`]
//! when it leaves idle, before every switch, on every way back to ring 3). The idle flag and the
//! work bit form a Dekker pair: the requester stores the bit, fences, reads the flag; a CPU
//! leaving idle clears the flag, fences, reads its bits — one of them sees the other.
//!
//! The wait holds no lock: a CPU spinning for a lock has interrupts off and would never take
//! the IPI, so a waiter that held one could wait forever. Two CPUs that wait for each other
//! each flush for the other inside the wait loop. The waiter does not spin: it sleeps in `hlt`
//! with interrupts on (it holds nothing an interrupt handler could want), and a CPU that
//! flushes sends the reschedule IPI to every waiter ([`WAITERS`]) — under QEMU's TCG a
//! spinning vCPU takes the host CPU the flushing one needs, and under `-icount` the spin
//! would be counted as work.
//!
//! Kernel stacks use the same bit without the wait ([`kernel_unmapped`]): no CPU touches a
//! stack slot's addresses before it flushes, since a slot is only used again through a switch
//! or a spawn, both of which call [`flush_if_asked`] first.
use super::frame;
use crate::arch::apic;
use crate::arch::percpu::{self, MAX_CPUS, TLB_FLUSH, TLB_GATHER};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering, fence};
use spin::Mutex;
use x86_64::structures::paging::PhysFrame;
use x86_64::{PhysAddr, VirtAddr};

/// The TLB generation: bumped by every shootdown; a CPU that has flushed after reading
/// generation g holds no translation older than g's changes.
static GEN: AtomicU64 = AtomicU64::new(0);
/// The CPUs that have loaded some process's page tables (bit n: CPU n), so may hold user
/// translations. A CPU keeps them loaded while it idles (Linux's lazy TLB), so the bit stays set.
static MM_CPUS: AtomicU64 = AtomicU64::new(0);
/// The CPUs waiting in [`finish`] for others to flush (bit n: CPU n).
static WAITERS: AtomicU64 = AtomicU64::new(0);

/// Frames freed in this system call, waiting for the other CPUs' flush; one per CPU, touched
/// by that CPU alone (the lock is never contended; it makes the sharing sound).
static GATHER: [Mutex<Vec<PhysFrame>>; MAX_CPUS] = [const { Mutex::new(Vec::new()) }; MAX_CPUS];

/// Page-table roots (PML4 frames) of address spaces that are gone, waiting until no CPU has
/// them in CR3 any more: an idle CPU keeps the last root it loaded (lazy TLB), and the root's
/// upper half is the kernel's own, so it must not be reused under that CPU's feet.
static RETIRED: Mutex<Vec<PhysFrame>> = Mutex::new(Vec::new());

/// The page tables `pml4` were just loaded into CR3 on this CPU (at exec).
pub fn set_user_root(pml4: PhysAddr) {
    percpu::this().root.store(pml4.as_u64(), Ordering::SeqCst);
    MM_CPUS.fetch_or(1 << percpu::id(), Ordering::SeqCst);
}

/// Loads the page tables `root` (a thread's address space) on this CPU unless they are loaded
/// already. Called before a switch to a thread. A CR3 load drops every non-global translation,
/// so a CPU holds translations of one address space at a time: `MM_CPUS` names the CPUs that
/// may hold user translations of any.
#[inline]
pub fn enter_mm(root: u64) {
    let cpu = percpu::this();
    if root == 0 || cpu.root.load(Ordering::Relaxed) == root {
        return;
    }
    load_root(root);
    // After the load, so a shootdown that misses this bit happened before the load.
    MM_CPUS.fetch_or(1u64 << cpu.id, Ordering::SeqCst);
}

/// Loads `root` into CR3 and says so in this CPU's block.
fn load_root(root: u64) {
    // Every root is a live address space's (or the kernel's own), whose upper half is the
    // kernel's, shared by every address space, so the kernel keeps running after the switch.
    // SAFETY: so the block below is sound.
    unsafe {
        x86_64::registers::control::Cr3::write(
            PhysFrame::containing_address(PhysAddr::new(root)),
            x86_64::registers::control::Cr3Flags::empty(),
        )
    };
    percpu::this().root.store(root, Ordering::SeqCst);
}

/// Loads the kernel's own page tables on this CPU: the address space it ran is about to go.
pub fn leave_mm() {
    load_root(super::paging::kernel_root());
}

/// Frees the root `pml4` of an address space that is gone (every lower table and page already
/// freed) once no CPU has it loaded; the ones still loaded somewhere wait for a later call.
pub fn retire_root(pml4: PhysFrame) {
    let mut retired = RETIRED.lock();
    retired.push(pml4);
    let cpus = crate::smp::online_cpus();
    retired.retain(|f| {
        let root = f.start_address().as_u64();
        if (0..cpus).any(|c| percpu::root_of(c).load(Ordering::SeqCst) == root) {
            return true;
        }
        // No CPU has the root loaded, and no thread of its address space is left to load it.
        // SAFETY: so nothing refers to the frame any more.
        unsafe { frame::free(*f) };
        false
    });
}

/// Whether some other CPU has the process's page tables loaded.
#[inline(always)]
fn shared() -> bool {
    MM_CPUS.load(Ordering::Relaxed) & !(1u64 << percpu::id()) != 0
}

/// Drops this CPU's translation of user page `va` and, when another CPU may hold it too, has
/// [`finish`] shoot it down before the system call returns.
#[inline]
pub fn invalidate(va: u64) {
    x86_64::instructions::tlb::flush(VirtAddr::new(va));
    if shared() {
        percpu::this().work.fetch_or(TLB_GATHER, Ordering::Relaxed);
    }
}

/// Frees `f`, whose only mapping was just removed with [`invalidate`]: at once when no other CPU
/// can hold a translation to it, else once they have flushed.
///
/// # Safety
/// `f` must be a frame nothing else uses once the other CPUs have flushed.
#[inline]
pub unsafe fn free_frame(f: PhysFrame) {
    if !shared() {
        // SAFETY: the caller's guarantee, and no other CPU has the page tables loaded.
        return unsafe { frame::free(f) };
    }
    GATHER[percpu::id() as usize].lock().push(f);
    percpu::this().work.fetch_or(TLB_GATHER, Ordering::Relaxed);
}

/// The shootdown at the end of a system call that invalidated shared translations (see the
/// module doc). Must be called with no lock held.
#[cold]
pub fn finish() {
    let me = percpu::id();
    let frames = core::mem::take(&mut *GATHER[me as usize].lock());
    let generation = GEN.fetch_add(1, Ordering::AcqRel) + 1;
    // The page-table stores above come before the reading of who may hold them.
    fence(Ordering::SeqCst);
    let others = MM_CPUS.load(Ordering::SeqCst) & !(1u64 << me);
    let mut left = others;
    while left != 0 {
        let c = left.trailing_zeros();
        left &= left - 1;
        percpu::work_of(c).fetch_or(TLB_FLUSH, Ordering::SeqCst);
    }
    // The bits are stored before the idle mask is read (see the module doc).
    let mut wait = others & !percpu::idle_cpus();
    let mut left = wait;
    while left != 0 {
        let c = left.trailing_zeros();
        left &= left - 1;
        apic::send_reschedule(percpu::apic_id_of(c));
    }
    if wait != 0 {
        // Said before the first look, so a flush after it finds this CPU among the waiters.
        WAITERS.fetch_or(1 << me, Ordering::SeqCst);
        loop {
            let mut left = wait;
            while left != 0 {
                let c = left.trailing_zeros();
                left &= left - 1;
                if percpu::tlb_seen_of(c).load(Ordering::SeqCst) >= generation {
                    wait &= !(1 << c);
                }
            }
            if wait == 0 {
                break;
            }
            // Another CPU may be waiting in here for this one.
            flush_if_asked();
            // `sti; hlt`: an IPI that came since the look above is taken by the `hlt`.
            x86_64::instructions::interrupts::enable_and_hlt();
            x86_64::instructions::interrupts::disable();
        }
        WAITERS.fetch_and(!(1 << me), Ordering::SeqCst);
    }
    for f in frames {
        // SAFETY: every CPU that could hold a translation to `f` has flushed since it was unmapped.
        unsafe { frame::free(f) };
    }
}

/// Flushes this CPU's TLB if another CPU asked (`TLB_FLUSH`), and says so.
#[inline(always)]
pub fn flush_if_asked() {
    let cpu = percpu::this();
    if cpu.work.load(Ordering::Relaxed) & TLB_FLUSH != 0 {
        flush_now(cpu);
    }
}

/// Flushes this CPU's TLB for a request found in its work bits (the way back to ring 3 took them).
#[cold]
pub fn flush_requested() {
    flush_now(percpu::this());
}

#[cold]
fn flush_now(cpu: &percpu::PerCpu) {
    cpu.work.fetch_and(!TLB_FLUSH, Ordering::AcqRel);
    let generation = GEN.load(Ordering::Acquire);
    x86_64::instructions::tlb::flush_all();
    cpu.tlb_seen.store(generation, Ordering::SeqCst);
    // Wake whoever waits for this flush (after the store: a waiter that missed it is woken).
    let mut waiters = WAITERS.load(Ordering::SeqCst) & !(1u64 << cpu.id);
    while waiters != 0 {
        let c = waiters.trailing_zeros();
        waiters &= waiters - 1;
        apic::send_reschedule(percpu::apic_id_of(c));
    }
}

/// A kernel-stack slot was unmapped on this CPU (which flushed its own entries): every other
/// online CPU flushes before it next switches or spawns.
pub fn kernel_unmapped() {
    let me = percpu::id();
    for c in (0..crate::smp::online_cpus()).filter(|&c| c != me) {
        percpu::work_of(c).fetch_or(TLB_FLUSH, Ordering::Release);
    }
}

/// Does the shootdown this CPU owes now, if it owes one (a thread that will not return to
/// ring 3 — a process's last, freeing its address space — cannot leave it to the way out).
/// Must be called with no lock held.
pub fn finish_pending() {
    if percpu::this().work.fetch_and(!TLB_GATHER, Ordering::Relaxed) & TLB_GATHER != 0 {
        finish();
    }
}
