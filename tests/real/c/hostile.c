/* What a hostile program does to the kernel under it, one case per run (argv[1] names it), each
 * with Linux's answer: the kernel must give that answer and go on, never panic or hang.
 *
 *   nt          popf sets RFLAGS.NT, then a syscall: works (the kernel clears NT on entry)
 *   sigreturn   rt_sigreturn with RSP 4 (or, with `high`, just below 2^64): SIGSEGV
 *   tinystack   a caught signal whose frame cannot be written — SIGUSR1 while RSP is 512
 *               (`low`) or in read-only text (`ro`), SIGILL from ud2 while RSP is 512 (`ill`):
 *               Linux forces SIGSEGV
 *   badhandler  a handler at a non-canonical address: SIGSEGV
 *   badframe    a handler returns with its frame's FPU-state pointer (with `rsp`, its RSP; with
 *               `mxcsr`, a reserved MXCSR bit) made garbage: the SIGSEGV that follows is caught
 *               by a handler on an alternate stack, which jumps back (siglongjmp)
 *   altwrap     an alternate stack whose ss_sp + ss_size wraps, then a caught fault: SIGSEGV
 *   values      clone(CLONE_SETTLS) and arch_prctl with non-canonical and kernel-half bases
 *               (EPERM), sigaltstack({0, 0, 0}) (0, as it equals the initial state)
 *   maps        one-page mappings until vm.max_map_count (ENOMEM), then mprotect splits until
 *               it again (ENOMEM)
 *   farjumps    iretq, lretq and lcall in ring 3: they work
 *   zeropage    reads one byte of every page of a 1 GiB mapping (all zeros, and no memory used:
 *               the shared zero page), then writes some of them (each gets its own page)
 *   tables      60,866 one-page mmap/touch/munmap cycles, each at a new 2 MiB-aligned address
 *               (page tables freed with their range: no OOM)
 *   overcommit  mappings far beyond RAM: ENOMEM when they would have to be backed (private
 *               writable, brk), granted with MAP_NORESERVE, read-only or PROT_NONE
 *   placement   a huge mapping without a hint lands high, and brk still grows
 *   ss          a push through a non-canonical RSP (#SS): SIGBUS
 *   longwrite   write(2, 64 MiB of 'x') while a second thread spins and, 50 ms in, sends SIGUSR1
 *               (caught, no SA_RESTART): the spinner runs during the write, which returns
 *               whole or cut short by the signal (its count goes to stderr)
 *   limits N    up to N threads alive at once (each asleep in a futex wait), then wakes them;
 *               with `fds`, dup2 to descriptor 1,048,575 under a raised RLIMIT_NOFILE
 *   rows        futex on kernel, non-canonical and unmapped words (EFAULT, or 0 for a private
 *               wake, which needs no page), FUTEX_CLOCK_REALTIME (ENOSYS but with
 *               FUTEX_WAIT_BITSET, where it is an absolute CLOCK_REALTIME deadline), getrandom
 *               straddling the end of a mapping (the bytes that fit), mprotect and madvise of
 *               kernel addresses (ENOMEM)
 *   env         prints its environment in order and what getenv("A") returns
 *   exit42      exits with 42 (built with odd program headers by the tests)
 *
 * Every call goes through syscall(2) or inline asm. The checks print `<check>: ok` or
 * `<check>: FAILED (got X, want Y)`; the cases that end in a signal print a line first. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096L
#define KERNEL 0xffff800000000000UL
#define NONCANONICAL 0x0000800000000000UL
/* Linux's vm.max_map_count default (DEFAULT_MAX_MAP_COUNT). */
#define MAX_MAP_COUNT 65530

extern char **environ;
static int failed;

#define SYS(...) raw(syscall(__VA_ARGS__))
static long raw(long r) { return r == -1 ? -errno : r; }

static void check(const char *what, long got, long want) {
    if (got == want) {
        printf("%s: ok\n", what);
    } else {
        printf("%s: FAILED (got %ld, want %ld)\n", what, got, want);
        failed++;
    }
    fflush(stdout);
}

static void say(const char *line) {
    printf("%s\n", line);
    fflush(stdout);
}

/* ---- nt --------------------------------------------------------------------------------- */

static int nt(void) {
    long pid;
    /* NT is bit 14. The syscall runs with it set; the kernel returns to ring 3 with it restored. */
    __asm__ volatile("pushfq\n orq $0x4000, (%%rsp)\n popfq\n"
                     "mov $39, %%eax\n syscall\n"
                     "pushfq\n andq $~0x4000, (%%rsp)\n popfq"
                     : "=a"(pid) : : "rcx", "r11", "memory", "cc");
    check("getpid with RFLAGS.NT set", pid, getpid());
    return failed;
}

/* ---- signals ------------------------------------------------------------------------------ */

static void handler(int sig) { (void)sig; }

static void catch(int sig, int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(sig, &sa, 0);
}

static int sigreturn_at(const char *how) {
    unsigned long sp = strcmp(how, "high") ? 4 : -16UL;
    printf("rt_sigreturn with RSP %#lx\n", sp);
    fflush(stdout);
    __asm__ volatile("mov %0, %%rsp\n mov $15, %%eax\n syscall" : : "r"(sp) : "memory");
    return 1;
}

/* tgkill(getpid, gettid, SIGUSR1) with RSP = `sp`: the signal arrives on the way out. */
static void signal_at(unsigned long sp) {
    long pid = getpid(), tid = syscall(SYS_gettid);
    __asm__ volatile("mov %%rsp, %%r12\n mov %0, %%rsp\n mov $234, %%eax\n syscall\n mov %%r12, %%rsp"
                     : : "r"(sp), "D"(pid), "S"(tid), "d"((long)SIGUSR1) : "rax", "rcx", "r11", "r12", "memory");
}

static int tinystack(const char *how) {
    catch(SIGUSR1, 0);
    if (!strcmp(how, "low")) {
        say("SIGUSR1 caught with RSP 512");
        signal_at(512);
    } else if (!strcmp(how, "ill")) {
        catch(SIGILL, 0);
        say("SIGILL caught with RSP 512");
        __asm__ volatile("mov $512, %%rsp\n ud2" : : : "memory");
    } else {
        say("SIGUSR1 caught with RSP in read-only text");
        signal_at(((unsigned long)&tinystack + 2 * PAGE) & ~15UL);
    }
    return 1;
}

static int badhandler(void) {
    struct sigaction sa = {0};
    sa.sa_handler = (void (*)(int))NONCANONICAL;
    check("sigaction with a non-canonical handler", sigaction(SIGUSR1, &sa, 0), 0);
    say("raising it");
    raise(SIGUSR1);
    return 1;
}

static int altwrap(void) {
    stack_t ss = {.ss_sp = (void *)-0x1000L, .ss_size = 0x10000, .ss_flags = 0};
    check("sigaltstack wrapping the address space", SYS(SYS_sigaltstack, &ss, 0), 0);
    catch(SIGSEGV, SA_ONSTACK);
    say("a fault caught on that stack");
    *(volatile int *)8 = 1;
    return 1;
}

#include <setjmp.h>
#include <ucontext.h>

static sigjmp_buf back;
static int bad_rsp, bad_mxcsr;

static void on_segv(int sig) {
    (void)sig;
    siglongjmp(back, 1);
}

static void spoil(int sig, siginfo_t *si, void *p) {
    (void)sig, (void)si;
    ucontext_t *uc = p;
    if (bad_rsp) uc->uc_mcontext.gregs[REG_RSP] = 8;
    else if (bad_mxcsr) uc->uc_mcontext.fpregs->mxcsr = 0xffffffff;
    else uc->uc_mcontext.fpregs = (void *)8;
}

static int badframe(const char *how) {
    static char alt[64 * 1024];
    bad_rsp = !strcmp(how, "rsp");
    bad_mxcsr = !strcmp(how, "mxcsr");
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sigaltstack(&ss, 0);
    struct sigaction sa = {0};
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
    struct sigaction su = {0};
    su.sa_sigaction = spoil;
    su.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &su, 0);
    if (sigsetjmp(back, 1) == 0) {
        raise(SIGUSR1);
        say("returned from the spoiled frame: FAILED");
        return 1;
    }
    say(bad_rsp     ? "the fault after a return to RSP 8, caught on the alternate stack: ok"
        : bad_mxcsr ? "rt_sigreturn's SIGSEGV for a reserved MXCSR bit, caught on the alternate stack: ok"
                    : "rt_sigreturn's SIGSEGV for a garbage FPU-state pointer, caught on the alternate stack: ok");
    return failed;
}

/* ---- values the kernel must not load ------------------------------------------------------- */

static int values(void) {
    static char stack[4 * PAGE];
    const long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                       CLONE_SETTLS;
    /* A child that never runs: every call below fails before the thread exists. */
    check("clone with a non-canonical TLS", SYS(SYS_clone, flags, stack + sizeof stack, 0, 0, NONCANONICAL), -EPERM);
    check("clone with a kernel-half TLS", SYS(SYS_clone, flags, stack + sizeof stack, 0, 0, KERNEL), -EPERM);
    check("clone with the TLS at TASK_SIZE_MAX", SYS(SYS_clone, flags, stack + sizeof stack, 0, 0, 0x7ffffffff000L),
          -EPERM);
    check("arch_prctl(ARCH_SET_FS) non-canonical", SYS(SYS_arch_prctl, 0x1002, NONCANONICAL), -EPERM);
    check("arch_prctl(ARCH_SET_GS) kernel half", SYS(SYS_arch_prctl, 0x1001, KERNEL), -EPERM);
    stack_t zero = {0}, old;
    check("sigaltstack({0, 0, 0}) at start", SYS(SYS_sigaltstack, &zero, &old), 0);
    check("  and the old one reads SS_DISABLE", old.ss_flags, SS_DISABLE);
    check("sigaltstack({0, 0, 0}) again", SYS(SYS_sigaltstack, &zero, 0), 0);
    stack_t small = {.ss_sp = stack, .ss_size = 1024, .ss_flags = 0};
    check("sigaltstack below MINSIGSTKSZ", SYS(SYS_sigaltstack, &small, 0), -ENOMEM);
    stack_t good = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
    check("sigaltstack of 16 KiB", SYS(SYS_sigaltstack, &good, 0), 0);
    check("sigaltstack({0, 0, 0}) once one is set", SYS(SYS_sigaltstack, &zero, 0), -ENOMEM);
    stack_t off = {.ss_flags = SS_DISABLE};
    check("sigaltstack(SS_DISABLE)", SYS(SYS_sigaltstack, &off, &old), 0);
    check("  and the old one was that stack", (long)old.ss_sp, (long)stack);
    return failed;
}

/* ---- vm.max_map_count ------------------------------------------------------------------------ */

static int maps(void) {
    /* One page every other page of a free range, so that no two mappings touch (Linux would
     * merge neighbours); the hint puts each where it is asked. */
    const long n = 80000;
    char *base = mmap(0, 2 * n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    munmap(base, 2 * n * PAGE);
    long made = 0, r = 0;
    for (; made < n; made++) {
        char *want = base + 2 * made * PAGE;
        r = SYS(SYS_mmap, want, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (r < 0 || r != (long)want) break;
    }
    check("one-page mappings end in ENOMEM", r, -ENOMEM);
    check("  near vm.max_map_count", made > MAX_MAP_COUNT - 100 && made < MAX_MAP_COUNT, 1);
    check("munmap of all of them", SYS(SYS_munmap, base, 2 * n * PAGE), 0);

    /* mprotect every other page of one mapping: each call splits one VMA into three. */
    char *one = mmap(0, 2 * n * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    long split = 0;
    for (; split < n; split++) {
        r = SYS(SYS_mprotect, one + (2 * split + 1) * PAGE, PAGE, PROT_NONE);
        if (r < 0) break;
    }
    check("mprotect splits end in ENOMEM", r, -ENOMEM);
    check("  near half of vm.max_map_count", split > MAX_MAP_COUNT / 2 - 100 && split < MAX_MAP_COUNT / 2, 1);
    check("a munmap that would split one more: ENOMEM", SYS(SYS_munmap, one + (2 * split + 4) * PAGE, PAGE), -ENOMEM);
    check("munmap of the whole range", SYS(SYS_munmap, one, 2 * n * PAGE), 0);
    check("and a mapping works again", SYS(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) > 0, 1);
    return failed;
}

/* ---- far control transfers in ring 3 --------------------------------------------------------- */

static int farjumps(void) {
    unsigned long cs, ss, out = 0;
    __asm__ volatile("mov %%cs, %0\n mov %%ss, %1" : "=r"(cs), "=r"(ss));
    __asm__ volatile("mov %%rsp, %%rax\n push %1\n push %%rax\n pushfq\n push %2\n lea 1f(%%rip), %%rax\n push %%rax\n"
                     "iretq\n 1: mov $1, %0"
                     : "+r"(out) : "r"(ss), "r"(cs) : "rax", "memory", "cc");
    check("iretq to ring 3", out, 1);
    out = 0;
    __asm__ volatile("push %1\n lea 1f(%%rip), %%rax\n push %%rax\n lretq\n 1: mov $2, %0"
                     : "+r"(out) : "r"(cs) : "rax", "memory");
    check("lretq to ring 3", out, 2);
    out = 0;
    /* m16:32, the far pointer both vendors take (AMD has no m16:64); the callee returns with
     * a 32-bit far return to match. Non-PIE text lies below 4 GiB. */
    struct __attribute__((packed)) { uint32_t rip; uint16_t cs; } far;
    __asm__ volatile("lea 2f(%%rip), %%rax\n mov %%eax, (%1)\n mov %w2, 4(%1)\n lcall *(%1)\n jmp 3f\n"
                     "2: mov $3, %0\n lretl\n 3:"
                     : "+r"(out) : "r"(&far), "r"(cs) : "rax", "memory");
    check("lcall and back", out, 3);
    return failed;
}

/* ---- memory ---------------------------------------------------------------------------------- */

#define GIB (1L << 30)
#define TIB (1L << 40)

static int zeropage(void) {
    /* MAP_NORESERVE: 1 GiB is more than rt0's machine has, which the overcommit heuristic would
     * refuse for a writable mapping. */
    volatile char *m = mmap(0, GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    check("mmap of 1 GiB", m != MAP_FAILED, 1);
    long sum = 0;
    for (long off = 0; off < GIB; off += PAGE) sum += m[off];
    check("one byte read from every page of it, all zero", sum, 0);
    for (long off = 0; off < GIB; off += 64 * 1024 * 1024) m[off + 7] = (char)(off >> 26) + 1;
    sum = 0;
    for (long off = 0; off < GIB; off += PAGE) sum += m[off + 7];
    check("16 pages written, each its own: the sum of every page's byte", sum, 16 * 17 / 2);
    check("  and a page only read still reads zero", m[PAGE + 7], 0);
    /* The kernel writes into a page that was only read (read(2) into it): its own page too. */
    int p[2];
    pipe(p);
    write(p[1], "abc", 3);
    check("read(2) into a page only read so far", read(p[0], (char *)m + 2 * PAGE, 3), 3);
    check("  which holds what was read", m[2 * PAGE + 1], 'b');
    check("  and its neighbour still reads zero", m[3 * PAGE + 1], 0);
    check("mprotect(PROT_NONE) and back keeps the zeros", mprotect((void *)m, GIB, PROT_NONE) == 0 &&
          mprotect((void *)m, GIB, PROT_READ | PROT_WRITE) == 0 && m[5 * PAGE] == 0 && m[64 * 1024 * 1024 + 7] == 2, 1);
    m[5 * PAGE] = 9;
    check("  and a page made writable again gets its own on a write", m[5 * PAGE] + m[6 * PAGE], 9);
    check("munmap of it", munmap((void *)m, GIB), 0);
    return failed;
}

static int tables(void) {
    /* Each cycle maps one page at the next 2 MiB boundary, so every cycle needs a page table of
     * its own (and every 512 cycles a page directory): 60,866 of them are 238 MiB of tables. */
    const long cycles = 60866;
    char *base = (char *)(16 * TIB);
    long done = 0;
    for (; done < cycles; done++) {
        char *at = base + done * (2L << 20);
        char *m = mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (m != at) break;
        m[100] = 1;
        if (munmap(m, PAGE)) break;
    }
    check("60,866 mmap/touch/munmap cycles at new 2 MiB-aligned addresses", done, cycles);
    return failed;
}

static int overcommit(void) {
    const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    check("mmap of 64 TiB, private writable: ENOMEM", SYS(SYS_mmap, 0, 64 * TIB, PROT_READ | PROT_WRITE, anon, -1, 0),
          -ENOMEM);
    check("mmap of 64 TiB, shared: ENOMEM", SYS(SYS_mmap, 0, 64 * TIB, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
          -ENOMEM);
    long r = SYS(SYS_mmap, 0, 64 * TIB, PROT_READ | PROT_WRITE, anon | MAP_NORESERVE, -1, 0);
    check("  with MAP_NORESERVE: granted", r > 0, 1);
    check("  (and unmapped)", SYS(SYS_munmap, r, 64 * TIB), 0);
    r = SYS(SYS_mmap, 0, 64 * TIB, PROT_READ, anon, -1, 0);
    check("  read-only: granted", r > 0, 1);
    check("  (and unmapped)", SYS(SYS_munmap, r, 64 * TIB), 0);
    r = SYS(SYS_mmap, 0, 64 * TIB, PROT_NONE, anon, -1, 0);
    check("  PROT_NONE: granted", r > 0, 1);
    check("  (and unmapped)", SYS(SYS_munmap, r, 64 * TIB), 0);
    r = SYS(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, anon, -1, 0);
    check("a writable page grown to 64 TiB by mremap: ENOMEM", SYS(SYS_mremap, r, PAGE, 64 * TIB, MREMAP_MAYMOVE, 0),
          -ENOMEM);
    check("  (and unmapped)", SYS(SYS_munmap, r, PAGE), 0);
    r = SYS(SYS_mmap, 0, PAGE, PROT_READ, anon, -1, 0);
    long grown = SYS(SYS_mremap, r, PAGE, 64 * TIB, MREMAP_MAYMOVE, 0);
    check("  a read-only one: granted", grown > 0, 1);
    check("  (and unmapped)", SYS(SYS_munmap, grown, 64 * TIB), 0);
    long brk0 = SYS(SYS_brk, 0);
    check("brk 64 TiB up: refused (the old break)", SYS(SYS_brk, brk0 + 64 * TIB), brk0);
    check("brk 1 MiB up: granted", SYS(SYS_brk, brk0 + (1 << 20)), brk0 + (1 << 20));
    return failed;
}

static int placement(void) {
    long brk0 = SYS(SYS_brk, 0);
    long r = SYS(SYS_mmap, 0, 8 * TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    check("an 8 TiB mapping without a hint", r > 0, 1);
    check("  lands far above the break", r > brk0 + 64 * TIB, 1);
    check("brk still grows by 1 MiB", SYS(SYS_brk, brk0 + (1 << 20)), brk0 + (1 << 20));
    ((volatile char *)brk0)[(1 << 20) - 1] = 1;
    check("  and a small mapping after it too", SYS(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) > 0,
          1);
    return failed;
}

/* ---- small rows ------------------------------------------------------------------------------ */

static int ss(void) {
    say("a push through a non-canonical RSP");
    __asm__ volatile("mov %0, %%rsp\n push %%rax" : : "r"(NONCANONICAL + 0x1000) : "memory");
    return 1;
}

#include <time.h>
/* Linux's futex operations (musl has no <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static int rows(void) {
    char *m = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + PAGE, PAGE); /* m + PAGE is unmapped from here on */
    long gone = (long)(m + PAGE);
    check("FUTEX_WAKE on a kernel address", SYS(SYS_futex, KERNEL, FUTEX_WAKE, 1, 0, 0, 0), -EFAULT);
    check("FUTEX_WAKE_PRIVATE on a kernel address", SYS(SYS_futex, KERNEL, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0), -EFAULT);
    check("FUTEX_WAKE on a non-canonical address", SYS(SYS_futex, NONCANONICAL, FUTEX_WAKE, 1, 0, 0, 0), -EFAULT);
    check("FUTEX_WAKE on an unmapped address", SYS(SYS_futex, gone, FUTEX_WAKE, 1, 0, 0, 0), -EFAULT);
    check("FUTEX_WAKE_PRIVATE on an unmapped address", SYS(SYS_futex, gone, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0), 0);
    check("FUTEX_WAKE on a mapped word", SYS(SYS_futex, m, FUTEX_WAKE, 1, 0, 0, 0), 0);
    check("FUTEX_WAIT on an unmapped address", SYS(SYS_futex, gone, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0), -EFAULT);
    check("FUTEX_REQUEUE to a kernel address", SYS(SYS_futex, m, FUTEX_REQUEUE_PRIVATE, 1, 1, KERNEL, 0), -EFAULT);
    struct timespec rel = {0, 1000000};
    check("FUTEX_WAIT | FUTEX_CLOCK_REALTIME", SYS(SYS_futex, m, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &rel, 0, 0),
          -ENOSYS);
    check("FUTEX_WAKE | FUTEX_CLOCK_REALTIME", SYS(SYS_futex, m, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0),
          -ENOSYS);
    struct timespec now, t0, t1;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 20000000;
    if (now.tv_nsec >= 1000000000) now.tv_sec++, now.tv_nsec -= 1000000000;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long r = SYS(SYS_futex, m, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &now, 0, FUTEX_BITSET_MATCH_ANY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long waited = (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec;
    check("FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 20 ms ahead: ETIMEDOUT", r, -ETIMEDOUT);
    check("  after about 20 ms", waited > 15000000 && waited < 2000000000, 1);
    struct timespec past = {1, 0};
    check("  a deadline in 1970: ETIMEDOUT at once",
          SYS(SYS_futex, m, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &past, 0, FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
    check("getrandom of 16 bytes 8 before the end of a mapping", SYS(SYS_getrandom, m + PAGE - 8, 16, 0), 8);
    check("getrandom wholly past the end of a mapping", SYS(SYS_getrandom, m + PAGE, 16, 0), -EFAULT);
    check("getrandom into a kernel address", SYS(SYS_getrandom, KERNEL, 16, 0), -EFAULT);
    check("mprotect of a kernel address", SYS(SYS_mprotect, KERNEL, PAGE, PROT_READ), -ENOMEM);
    check("mprotect of a non-canonical address", SYS(SYS_mprotect, NONCANONICAL, PAGE, PROT_READ), -ENOMEM);
    check("mprotect wrapping the address space", SYS(SYS_mprotect, -PAGE, 2 * PAGE, PROT_READ), -ENOMEM);
    check("mprotect of length 0 with bad bits", SYS(SYS_mprotect, m, 0, 0x100), 0);
    check("madvise of a kernel address", SYS(SYS_madvise, KERNEL, PAGE, MADV_DONTNEED), -ENOMEM);
    check("madvise of a non-canonical address", SYS(SYS_madvise, NONCANONICAL, PAGE, MADV_NORMAL), -ENOMEM);
    check("madvise wrapping the address space", SYS(SYS_madvise, -PAGE, 2 * PAGE, MADV_NORMAL), -EINVAL);
    check("munmap of a kernel address", SYS(SYS_munmap, KERNEL, PAGE), -EINVAL);
    return failed;
}

/* ---- long writes ------------------------------------------------------------------------------- */

#include <pthread.h>

static volatile long spins;
static volatile int writing_done;
static long writer_tid;

static void *spinner(void *p) {
    (void)p;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int sent = 0;
    while (!writing_done) {
        spins++;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (!sent && (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec > 50000000L) {
            syscall(SYS_tgkill, getpid(), writer_tid, SIGUSR1);
            sent = 1;
        }
    }
    return 0;
}

static int longwrite(void) {
    const long len = 64L << 20;
    char *buf = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'x', len);
    catch(SIGUSR1, 0);
    writer_tid = syscall(SYS_gettid);
    pthread_t t;
    pthread_create(&t, 0, spinner, 0);
    while (spins == 0) sched_yield();
    long before = spins;
    long r = SYS(SYS_write, 2, buf, len);
    long after = spins;
    writing_done = 1;
    pthread_join(t, 0);
    fprintf(stderr, "\nlongwrite: wrote %ld bytes\n", r);
    check("write(2, 64 MiB) returns, whole or cut short by the signal", r > 0 && r <= len, 1);
    check("  and the other thread ran meanwhile", after > before, 1);
    return failed;
}

/* ---- limits ------------------------------------------------------------------------------------ */

#include <sys/resource.h>

static volatile int stop;

/* A thread that sleeps until `stop` is set, then exits (raw clone: no libc thread state). */
static long sleeper(char *stack_top) {
    long r;
    __asm__ volatile("syscall\n test %%rax, %%rax\n jnz 2f\n"
                     "1: mov $202, %%eax\n lea stop(%%rip), %%rdi\n mov $128, %%esi\n xor %%edx, %%edx\n"
                     " xor %%r10d, %%r10d\n syscall\n cmpl $0, stop(%%rip)\n je 1b\n"
                     " mov $60, %%eax\n xor %%edi, %%edi\n syscall\n"
                     "2:"
                     : "=a"(r)
                     : "a"((long)SYS_clone), "D"((long)(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                                      CLONE_SYSVSEM)),
                       "S"(stack_top), "d"(0L)
                     : "rcx", "r8", "r9", "r10", "r11", "memory");
    return r;
}

static int limits(long n, int fds) {
    const long stack = 16 * 1024;
    char *stacks = mmap(0, n * stack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    long made = 0, r = 0;
    for (; made < n; made++) {
        r = sleeper(stacks + (made + 1) * stack);
        if (r < 0) break;
    }
    if (made == n) printf("threads: %ld alive at once\n", made);
    else printf("threads: clone ended in %s after %ld\n", r == -EAGAIN ? "EAGAIN" : "another error", made);
    fflush(stdout);
    stop = 1;
    SYS(SYS_futex, &stop, 128 | 1 /* FUTEX_WAKE_PRIVATE */, 0x7fffffff, 0, 0, 0);
    if (fds) {
        struct rlimit big = {1048576, 1048576};
        check("RLIMIT_NOFILE raised to 1,048,576", setrlimit(RLIMIT_NOFILE, &big), 0);
        long d = SYS(SYS_dup2, 1, 1048575);
        printf("dup2 to 1,048,575: %s\n", d == 1048575 ? "ok" : d == -ENOMEM ? "ENOMEM" : "another answer");
        check("and the descriptors below still work", SYS(SYS_dup2, 1, 1000), 1000);
        /* Open files until the kernel says no; then pipes in half of the room made. */
        long n = 0, e;
        while ((e = SYS(SYS_eventfd2, 0, 0)) >= 0) n++;
        printf("eventfds until %s\n", e == -ENOMEM ? "ENOMEM" : e == -EMFILE ? "EMFILE" : "another error");
        check("  and more than 30,000 of them", n > 30000, 1);
        for (long fd = 3; fd < 3 + n + 8; fd += 2)
            if (fd != 1000) close(fd);
        int p[2];
        long pipes = 0;
        while ((e = SYS(SYS_pipe2, p, 0)) == 0) pipes++;
        printf("pipes until %s\n", e == -ENOMEM ? "ENOMEM" : e == -EMFILE ? "EMFILE" : "another error");
        check("  after more than 1,000 of them", pipes > 1000, 1);
    }
    return failed;
}

/* ---- env -------------------------------------------------------------------------------------- */

static int env(void) {
    for (char **e = environ; *e; e++) printf("env: %s\n", *e);
    const char *a = getenv("A");
    printf("getenv(A): %s\n", a ? a : "(null)");
    return 0;
}

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    int r;
    if (!strcmp(c, "nt")) r = nt();
    else if (!strcmp(c, "sigreturn")) r = sigreturn_at(argc > 2 ? argv[2] : "low");
    else if (!strcmp(c, "badhandler")) r = badhandler();
    else if (!strcmp(c, "badframe")) r = badframe(argc > 2 ? argv[2] : "fpu");
    else if (!strcmp(c, "tinystack")) r = tinystack(argc > 2 ? argv[2] : "low");
    else if (!strcmp(c, "altwrap")) r = altwrap();
    else if (!strcmp(c, "values")) r = values();
    else if (!strcmp(c, "maps")) r = maps();
    else if (!strcmp(c, "farjumps")) r = farjumps();
    else if (!strcmp(c, "zeropage")) r = zeropage();
    else if (!strcmp(c, "tables")) r = tables();
    else if (!strcmp(c, "overcommit")) r = overcommit();
    else if (!strcmp(c, "placement")) r = placement();
    else if (!strcmp(c, "ss")) r = ss();
    else if (!strcmp(c, "longwrite")) r = longwrite();
    else if (!strcmp(c, "limits")) r = limits(argc > 2 ? atol(argv[2]) : 100, argc > 3 && !strcmp(argv[3], "fds"));
    else if (!strcmp(c, "rows")) r = rows();
    else if (!strcmp(c, "env")) r = env();
    else if (!strcmp(c, "exit42")) return 42;
    else {
        fprintf(stderr, "usage: hostile CASE\n");
        return 2;
    }
    if (r == 0) say("all ok");
    return r ? 1 : 0;
}
