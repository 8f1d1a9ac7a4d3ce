/* A system-call fuzzer for rt0's kernel: random syscall numbers 0-460 with random arguments, a
 * deterministic stream per seed. Whatever a call does, the kernel must answer it (a result, an
 * errno, a signal) and go on: a kernel panic, a hang or a triple fault is the bug this finds.
 *
 *   fuzz MODE SEED COUNT [TRACE]
 *
 * MODE `safe` makes COUNT calls and exits 0. MODE `wild` also drives clone (random flags, an
 * exit signal that would kill the fuzzer cleared; the child — a thread or a process — exits at
 * once), fork and vfork (the child exits at once; the zombies are reaped every 1000 calls),
 * rt_sigreturn (from a signal handler that mutates its ucontext, one time
 * in twenty with garbage RIP, RSP, RFLAGS, CS/SS or FPU-state pointer: the fault that follows,
 * or the SIGSEGV the kernel forces, is caught on an alternate stack and the fuzzing goes on),
 * futex with random operations and words, and MAP_FIXED; it ends by mapping over its own text,
 * so it dies of SIGSEGV: the kernel must stay up either way. From call TRACE on, each call is printed before it is made (to find
 * the call that took the kernel down: a seed replays the same stream).
 *
 * Arguments mix 0, small values, -1, pointers into the fuzzer's scratch memory (and at its very
 * end), a read-only page, an unmapped range, kernel-half and non-canonical addresses, powers of
 * two and huge lengths. Skipped (counted, never made), because they must end or block the
 * process — the list is `skips` below:
 *   exit, exit_group, execve, execveat, reboot, seccomp (a filter could kill the fuzzer), pause
 *   and rt_sigsuspend (they wait for a signal the mask may block), and in safe mode clone,
 *   clone3, fork, vfork, rt_sigreturn and futex (the wild mode makes them safely);
 *   arch_prctl(ARCH_SET_FS) (it would replace the fuzzer's thread pointer);
 *   munmap, mprotect, pkey_mprotect, madvise, mremap, mmap with MAP_FIXED (safe mode) and a brk
 *   below the current break when their range meets the fuzzer's own image, stack, heap or
 *   watchdog stack; process_madvise;
 *   close, dup2, dup3 and close_range on the report descriptor (100);
 *   sigaltstack with a new stack read from the fuzzer's own scratch or read-only page (random
 *   bytes there can make a stack that covers the fuzzer's own, and then, as on Linux, it can
 *   never set its own alternate stack again; the other pointers, bad ones, are fuzzed).
 * Arguments shaped, not skipped: a signal sent by kill, tkill, tgkill, rt_(tg)sigqueueinfo or
 * pidfd_send_signal that would kill the fuzzer (SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP; every other signal is ignored or caught) becomes 0; the signal mask argument
 * of ppoll, pselect6, epoll_pwait and epoll_pwait2 becomes NULL (it could block the watchdog's
 * signal for good). After rt_sigaction and rt_sigprocmask the fuzzer's own actions and mask are
 * restored.
 *
 * A watchdog thread sends SIGUSR1 (caught, no SA_RESTART) to the fuzzing thread every 10 ms,
 * so any call that blocks — a read of an empty pipe, a futex wait, a sleep of years — ends in
 * EINTR rather than hanging the run. Descriptors 0-2 are closed (their numbers go to the pipes,
 * eventfds and epolls the fuzz makes); progress goes to descriptor 100, one line per 1000 calls.
 *
 * It refuses to run anywhere but on rt0 (uname release `*-rt0`): on a real Linux it would
 * send signals, change limits and write through random pointers of the host's user. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096UL
#define REPORT 100
#define MAX_NR 460
#define SCRATCH (64 * 1024UL)

extern char __executable_start[], _end[];

static uint64_t state;
static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static char *scratch, *ro, *unmapped;
static uint64_t stack_lo, brk0;
static int wild;
static volatile long interrupts;
static char watchdog_stack[256 * 1024] __attribute__((aligned(16)));
static char child_stacks[32][16 * 1024] __attribute__((aligned(16)));
static int main_tid;

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void report(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 1) n = sizeof line - 1;
    sys6(SYS_write, REPORT, (long)line, n, 0, 0, 0);
}

/* ---- arguments ---------------------------------------------------------------------------- */

static uint64_t arg(void) {
    static const uint64_t huge[] = {1UL << 31, 1UL << 32, 1UL << 40, 0x7fffffffffffffffUL, -PAGE, 0x7ffffffff000UL,
                                    33UL << 20};
    switch (rnd() % 16) {
    case 0: return 0;
    case 1: return rnd() % 16;
    case 2: return rnd() % 4096;
    case 3: return -1UL;
    case 4: return (uint64_t)scratch + rnd() % SCRATCH;
    case 5: return (uint64_t)scratch + (rnd() % (SCRATCH / PAGE)) * PAGE;
    case 6: return (uint64_t)scratch + SCRATCH - rnd() % 64;
    case 7: return (uint64_t)ro + rnd() % PAGE;
    case 8: return (uint64_t)unmapped + rnd() % (1 << 20);
    case 9: return 0xffff800000000000UL + (rnd() & 0x7fffffffffffUL);
    case 10: return 0x0000800000000000UL + rnd() % 0xffff000000000000UL;
    case 11: return huge[rnd() % (sizeof huge / sizeof *huge)];
    case 12: return rnd();
    case 13: return 1UL << (rnd() % 64);
    case 14: return (rnd() % 64) * PAGE;
    default: return rnd() % 0x100000;
    }
}

/* ---- what the fuzzer keeps for itself ------------------------------------------------------- */

/* Whether [a, a + len) meets the fuzzer's image, heap, stack or watchdog stack. */
static int own(uint64_t a, uint64_t len) {
    uint64_t e = a + (len ? len : 1);
    if (e < a) e = -1UL;
    uint64_t brk = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    struct { uint64_t s, e; } mine[] = {
        {(uint64_t)__executable_start & ~(PAGE - 1), (uint64_t)_end + PAGE},
        {brk0 & ~(PAGE - 1), brk + PAGE},
        {stack_lo, 0x800000000000UL},
    };
    for (unsigned i = 0; i < sizeof mine / sizeof *mine; i++)
        if (a < mine[i].e && mine[i].s < e) return 1;
    return 0;
}

static void on_usr1(int s) { (void)s; interrupts++; }

static void on_usr2(int s, siginfo_t *si, void *p);

/* Wild mode: where a fault after a deliberately bad rt_sigreturn lands (on the alternate
 * stack) to resume fuzzing; any other fault stays fatal. */
static sigjmp_buf after_deadly;
static volatile int in_deadly;
static long deadly_faults;
static char alt_stack[64 * 1024] __attribute__((aligned(16)));

static void on_fault(int s) {
    if (in_deadly) {
        in_deadly = 0;
        deadly_faults++;
        siglongjmp(after_deadly, 1);
    }
    signal(s, SIG_DFL);
    raise(s);
}

static int fault_signal(int s) { return s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP; }

/* The fuzzer's own signal set-up: SIGUSR1 caught (the watchdog), SIGUSR2 caught (wild
 * rt_sigreturn), the faults left fatal, every other catchable signal ignored; nothing blocked. */
static void own_signals(void) {
    for (int s = 1; s < 65; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        struct sigaction sa = {0};
        sa.sa_handler = SIG_IGN;
        if (s == SIGUSR1) sa.sa_handler = on_usr1;
        if (s == SIGUSR2) {
            sa.sa_sigaction = on_usr2;
            sa.sa_flags = SA_SIGINFO;
        }
        if (fault_signal(s)) {
            sa.sa_handler = wild ? on_fault : SIG_DFL;
            sa.sa_flags = SA_ONSTACK | SA_NODEFER;
        }
        sigaction(s, &sa, 0);
    }
    stack_t alt = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
    sigaltstack(&alt, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
}

static int fatal_signal(uint64_t s) {
    s &= 0xffffffff;
    return s == SIGKILL || s == SIGSTOP || s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP;
}

static void *watchdog(void *p) {
    (void)p;
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    for (;;) {
        sys6(SYS_nanosleep, (long)&ten_ms, 0, 0, 0, 0, 0);
        sys6(SYS_tgkill, pid, main_tid, SIGUSR1, 0, 0, 0);
    }
    return 0;
}

/* ---- the wild mode's own calls --------------------------------------------------------------- */

static long wild_clone_nr(long nr, uint64_t flags, void *stack, uint64_t ptid, uint64_t ctid, uint64_t tls) {
    register long r10 __asm__("r10") = ctid, r8 __asm__("r8") = tls;
    long ret;
    /* The child (rax 0) exits at once, touching nothing (a vfork child shares this stack). */
    __asm__ volatile("syscall\n test %%rax, %%rax\n jnz 1f\n mov $60, %%eax\n xor %%edi, %%edi\n syscall\n ud2\n1:"
                     : "=a"(ret)
                     : "a"(nr), "D"(flags), "S"(stack), "d"(ptid), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

static long wild_clone(uint64_t flags, void *stack, uint64_t ptid, uint64_t ctid, uint64_t tls) {
    /* The exit signal a new process sends the fuzzer when it ends (CSIGNAL, the low byte). */
    if (fatal_signal(flags & 0xff)) flags &= ~(uint64_t)0xff;
    return wild_clone_nr(SYS_clone, flags, stack, ptid, ctid, tls);
}

static volatile int mutate; /* SIGUSR2 is the fuzzer's own: mutate the frame (not a fuzzed kill) */
static volatile int deadly; /* and the mutation may be fatal */

static void on_usr2(int s, siginfo_t *si, void *p) {
    (void)s, (void)si;
    ucontext_t *uc = p;
    greg_t *g = uc->uc_mcontext.gregs;
    if (!mutate) return;
    mutate = 0;
    const uint64_t tame_flags = 0x8d5; /* CF PF AF ZF SF OF: nothing that changes how code runs */
    switch (rnd() % (deadly ? 9 : 5)) {
    case 0: uc->uc_flags = rnd(); break;
    case 1: uc->uc_stack.ss_sp = (void *)arg(), uc->uc_stack.ss_size = arg(), uc->uc_stack.ss_flags = rnd(); break;
    case 2: g[REG_EFL] = (g[REG_EFL] & ~tame_flags) | (rnd() & tame_flags); break;
    case 3: g[REG_ERR] = rnd(), g[REG_TRAPNO] = rnd(), g[REG_OLDMASK] = rnd(), g[REG_CR2] = rnd(); break;
    case 4: memset(&uc->uc_sigmask, 0xff, sizeof uc->uc_sigmask); break; /* the fuzzer unblocks after */
    case 5: g[REG_CSGSFS] = rnd(); break;
    case 6: uc->uc_mcontext.fpregs = (void *)arg(); break;
    case 7: g[REG_EFL] = rnd() & ~0x400UL; break; /* DF would corrupt the fuzzer's memory silently */
    default: g[rnd() % 2 ? REG_RIP : REG_RSP] = arg(); break;
    }
}

/* ---- one call ---------------------------------------------------------------------------------- */

static long calls, skipped;

/* Makes call `nr` with `a` (shaped as the header says); returns 1 if it was skipped. */
static int fuzz_one(long nr, uint64_t *a, long *ret) {
    switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_execve: case SYS_execveat: case SYS_reboot: case SYS_seccomp:
    case SYS_pause: case SYS_rt_sigsuspend: case SYS_process_madvise:
        return 1;
    case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork: case SYS_rt_sigreturn: case SYS_futex:
    case 449: /* futex_waitv */
        if (!wild) return 1;
        break;
    case SYS_arch_prctl:
        if (a[0] == 0x1002) return 1; /* ARCH_SET_FS */
        break;
    case SYS_munmap: case SYS_mprotect: case SYS_pkey_mprotect: case SYS_madvise:
        if (own(a[0], a[1])) return 1;
        break;
    case SYS_mremap:
        if (own(a[0], a[1]) || ((a[3] & MREMAP_FIXED) && own(a[4], a[2]))) return 1;
        break;
    case SYS_mmap:
        if (!wild) a[3] &= ~(uint64_t)MAP_FIXED;
        if ((a[3] & MAP_FIXED) && own(a[0], a[1])) return 1;
        break;
    case SYS_brk:
        if (a[0] < (uint64_t)sys6(SYS_brk, 0, 0, 0, 0, 0, 0) && own(a[0], 1)) return 1;
        break;
    case SYS_close: case SYS_dup2: case SYS_dup3:
        if ((nr == SYS_close ? a[0] : a[1]) == REPORT) return 1;
        break;
    case SYS_sigaltstack:
        if ((a[0] >= (uint64_t)scratch && a[0] < (uint64_t)scratch + SCRATCH) ||
            (a[0] >= (uint64_t)ro && a[0] < (uint64_t)ro + PAGE))
            return 1;
        break;
    case SYS_close_range:
        if (a[0] <= REPORT && REPORT <= a[1]) return 1;
        break;
    case SYS_kill: case SYS_tkill: case SYS_rt_sigqueueinfo: case SYS_pidfd_send_signal:
        if (fatal_signal(a[1])) a[1] = 0;
        break;
    case SYS_tgkill: case SYS_rt_tgsigqueueinfo:
        if (fatal_signal(a[2])) a[2] = 0;
        break;
    case SYS_ppoll: a[3] = 0; break;
    case SYS_pselect6: a[5] = 0; break;
    case SYS_epoll_pwait: case SYS_epoll_pwait2: a[4] = 0; break;
    }
    if (wild && nr == SYS_clone) {
        void *stack = child_stacks[calls % 32] + sizeof child_stacks[0];
        *ret = wild_clone(a[0], stack, a[2], a[3], a[4]);
    } else if (wild && (nr == SYS_fork || nr == SYS_vfork)) {
        *ret = wild_clone_nr(nr, 0, 0, 0, 0, 0);
    } else if (wild && nr == SYS_rt_sigreturn) {
        deadly = rnd() % 20 == 0;
        if (sigsetjmp(after_deadly, 1) == 0) {
            in_deadly = deadly;
            mutate = 1;
            *ret = sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), main_tid, SIGUSR2, 0, 0, 0);
        } else {
            *ret = -1;
        }
        in_deadly = deadly = mutate = 0;
    } else {
        *ret = sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    if (nr == SYS_rt_sigaction || nr == SYS_rt_sigreturn || nr == SYS_rt_sigprocmask || nr == SYS_sigaltstack)
        own_signals();
    return 0;
}

int main(int argc, char **argv) {
    struct utsname u;
    size_t rl = uname(&u) == 0 ? strlen(u.release) : 0;
    if (rl < 4 || strcmp(u.release + rl - 4, "-rt0")) {
        fprintf(stderr, "fuzz: refusing to run outside rt0 (this kernel is %s %s): it sends signals, changes "
                        "limits and writes through random pointers\n", rl ? u.sysname : "?", rl ? u.release : "?");
        return 2;
    }
    if (argc < 4 || (strcmp(argv[1], "safe") && strcmp(argv[1], "wild"))) {
        fprintf(stderr, "usage: fuzz safe|wild SEED COUNT [TRACE]\n");
        return 2;
    }
    wild = !strcmp(argv[1], "wild");
    uint64_t seed = strtoull(argv[2], 0, 0);
    long count = atol(argv[3]), trace = argc > 4 ? atol(argv[4]) : -1;
    state = seed;

    dup2(1, REPORT);
    stack_lo = ((uint64_t)&argc & ~(PAGE - 1)) - (16UL << 20);
    brk0 = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    scratch = mmap(0, SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro = mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unmapped = mmap(0, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(unmapped, 1 << 20);
    for (uint64_t i = 0; i < SCRATCH / 8; i++) ((uint64_t *)scratch)[i] = i % 3 ? rnd() : arg();
    main_tid = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    own_signals();
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstack(&at, watchdog_stack, sizeof watchdog_stack);
    pthread_t w;
    if (pthread_create(&w, &at, watchdog, 0)) {
        report("fuzz: no watchdog thread\n");
        return 1;
    }
    close(0), close(1), close(2);
    report("fuzz: %s seed %llu, %ld calls\n", argv[1], (unsigned long long)seed, count);

    long errors = 0;
    for (calls = 0; calls < count; calls++) {
        if (calls % 1000 == 0 && calls) {
            report("fuzz: seed %llu at call %ld\n", (unsigned long long)seed, calls);
            while (wild && sys6(SYS_wait4, -1, 0, WNOHANG | __WALL, 0, 0, 0) > 0) {} /* the children that ended */
        }
        long nr = rnd() % (MAX_NR + 1);
        uint64_t a[6];
        for (int i = 0; i < 6; i++) a[i] = arg();
        if (calls >= trace && trace >= 0)
            report("fuzz: call %ld: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", calls, nr, a[0], a[1], a[2], a[3], a[4],
                   a[5]);
        long ret;
        if (fuzz_one(nr, a, &ret)) {
            skipped++;
            continue;
        }
        if (ret < 0 && ret > -4096) errors++;
    }
    report("fuzz: seed %llu done: %ld calls, %ld skipped, %ld failed with an errno, %ld watchdog interrupts, %ld "
           "faults caught after a bad rt_sigreturn\n",
           (unsigned long long)seed, calls, skipped, errors, interrupts, deadly_faults);
    if (wild) {
        /* The last act: an anonymous mapping over the fuzzer's own text. The next instruction
         * fetch faults (the page is not executable): SIGSEGV, as on Linux. */
        wild = 0;
        own_signals(); /* the faults fatal again: the end is one SIGSEGV */
        report("fuzz: mapping over its own text\n");
        uint64_t text = (uint64_t)&main & ~(PAGE - 1);
        sys6(SYS_mmap, text, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        report("fuzz: still running over a mapped-over text page\n");
    }
    return 0;
}
