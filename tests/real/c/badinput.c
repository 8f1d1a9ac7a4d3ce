/* Bad input the kernel must survive with Linux's answer: signal floods (standard signals merge
 * while blocked), a descriptor closed under another thread's epoll_wait or blocked read, writes
 * to a pipe with no reader (EPIPE with and without SIGPIPE), 10,000 descriptors in one epoll
 * after raising RLIMIT_NOFILE, EMFILE exactly at the limit, and bad pointers (NULL, unmapped, the
 * kernel half, a buffer running into an unmapped page, read-only memory for results) to the
 * calls rt0 serves, vectors and /dev/null included.
 *
 * Every call goes through syscall(2), so libc adds nothing of its own. Each check prints one
 * line, `<check>: ok` or `<check>: FAILED (got X, want Y)`, with Linux's answer written down
 * here; then `N passed, M failed`, and the exit status is 0 only if every check passed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
/* The first byte of the kernel's half of the address space. */
#define KERNEL ((long)0xffff800000000000UL)
/* A process id no Linux can have (above PID_MAX_LIMIT, 4M). */
#define NO_PID (1L << 30)
/* A descriptor number above any limit used here. */
#define NO_FD 999999L
/* Descriptors registered in one epoll instance. */
#define MANY 10000

static int passed, failed;

/* A raw system call's result as the kernel returned it: -errno on failure. */
#define SYS(...) raw(syscall(__VA_ARGS__))
static long raw(long r) { return r == -1 ? -errno : r; }

static const char *name(long r) {
    static char buf[32];
    static const struct { int e; const char *n; } names[] = {
        {EFAULT, "EFAULT"}, {EBADF, "EBADF"}, {EINVAL, "EINVAL"}, {EMFILE, "EMFILE"},
        {EPIPE, "EPIPE"}, {EPERM, "EPERM"}, {ESRCH, "ESRCH"}, {ENOENT, "ENOENT"},
        {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {ENOSYS, "ENOSYS"}, {EEXIST, "EEXIST"},
        {ENOTDIR, "ENOTDIR"}, {ENAMETOOLONG, "ENAMETOOLONG"}, {EINTR, "EINTR"},
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (r == -names[i].e) return names[i].n;
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
}

static void check(const char *what, long got, long want) {
    if (got == want) {
        passed++;
        printf("%s: ok\n", what);
    } else {
        failed++;
        char g[32];
        snprintf(g, sizeof g, "%s", name(got));
        printf("%s: FAILED (got %s, want %s)\n", what, g, name(want));
    }
    fflush(stdout);
}

/* Memory to point at: `edge` is the last page of a mapping whose next page is unmapped (so
 * `edge + PAGE - k` is a k-byte object that runs into the hole), `ro` is read-only. */
static char *edge, *hole, *ro;

/* Far from where mmap places mappings of its own choosing (thread stacks, malloc), so the hole
 * stays a hole. */
#define FAR ((char *)0x500000000000UL)

static void setup_memory(void) {
    char *m = mmap(FAR, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    munmap(m + PAGE, PAGE);
    edge = m;
    hole = m + PAGE;
    ro = mmap(FAR + 16 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* A pointer to the last `k` bytes before the hole. */
static long crossing(long k) { return (long)(hole - k); }

static long tid(void) { return syscall(SYS_gettid); }

/* ---- signal floods ---------------------------------------------------------------------- */

static volatile long handled;
static void count(int sig) { (void)sig; handled++; }

static void on(int sig, void (*h)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(sig, &sa, NULL);
}

static void block(int how, int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

#define FLOOD 20000

static volatile int flooding;
static void *flooder(void *main_tid) {
    for (int i = 0; i < FLOOD; i++) syscall(SYS_tgkill, getpid(), (long)main_tid, SIGUSR2);
    flooding = 0;
    return NULL;
}

static void signal_floods(void) {
    on(SIGUSR1, count);
    handled = 0;
    long bad = 0;
    for (int i = 0; i < FLOOD; i++) bad |= SYS(SYS_tgkill, getpid(), tid(), SIGUSR1);
    check("20000 tgkill to itself, all succeed", bad, 0);
    check("20000 tgkill to itself, the handler ran 20000 times", handled, FLOOD);
    handled = 0;
    for (int i = 0; i < FLOOD; i++) bad |= SYS(SYS_kill, getpid(), SIGUSR1);
    check("20000 kill to itself, the handler ran 20000 times", handled, FLOOD);
    handled = 0;
    for (int i = 0; i < FLOOD; i++) bad |= SYS(SYS_tkill, tid(), SIGUSR1);
    check("20000 tkill to itself, the handler ran 20000 times", handled, FLOOD);

    /* Blocked, the sends merge into one pending signal: one for the thread (tgkill) and, on
     * its own, one for the process (kill) — Linux keeps the two pending sets apart. */
    sigset_t pending;
    block(SIG_BLOCK, SIGUSR1);
    handled = 0;
    for (int i = 0; i < FLOOD; i++) bad |= SYS(SYS_tgkill, getpid(), tid(), SIGUSR1);
    check("20000 tgkill while blocked: the handler has not run", handled, 0);
    sigpending(&pending);
    check("blocked: SIGUSR1 pending", sigismember(&pending, SIGUSR1), 1);
    block(SIG_UNBLOCK, SIGUSR1);
    check("unblocked: the merged signal ran the handler once", handled, 1);
    block(SIG_BLOCK, SIGUSR1);
    handled = 0;
    for (int i = 0; i < FLOOD; i++) bad |= SYS(SYS_kill, getpid(), SIGUSR1);
    check("20000 kill while blocked: the handler has not run", handled, 0);
    block(SIG_UNBLOCK, SIGUSR1);
    check("unblocked: once again", handled, 1);
    sigpending(&pending);
    check("nothing pending", sigismember(&pending, SIGUSR1), 0);
    check("no send failed", bad, 0);

    /* Another thread floods this one while it runs: every send succeeds, the handler runs at
     * least once and at most once per send (merging depends on timing). */
    on(SIGUSR2, count);
    handled = 0;
    flooding = 1;
    pthread_t t;
    pthread_create(&t, NULL, flooder, (void *)tid());
    while (flooding) {
    }
    pthread_join(t, NULL);
    check("20000 tgkill from another thread: handled at least once, at most 20000 times",
          handled >= 1 && handled <= FLOOD, 1);
    on(SIGUSR1, SIG_DFL);
    on(SIGUSR2, SIG_DFL);
}

/* ---- a descriptor closed under another thread's epoll_wait ------------------------------- */

struct waiter {
    int ep, timeout_ms;
    long ret;
    struct epoll_event ev;
};

static void *wait_thread(void *arg) {
    struct waiter *w = arg;
    w->ret = SYS(SYS_epoll_wait, w->ep, &w->ev, 1, w->timeout_ms);
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
    syscall(SYS_nanosleep, &ts, NULL);
}

static long add(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fd, &ev);
}

static void epoll_close_races(void) {
    long one = 1;
    pthread_t t;
    struct waiter w;

    /* The epoll descriptor itself closed while a thread waits on it: the wait goes on and
     * reports the event that comes later. */
    int ep = SYS(SYS_epoll_create1, 0), efd = SYS(SYS_eventfd2, 0, 0);
    add(ep, efd, EPOLLIN, 7);
    w = (struct waiter){.ep = ep, .timeout_ms = 5000};
    pthread_create(&t, NULL, wait_thread, &w);
    sleep_ms(50);
    check("close the epoll descriptor under epoll_wait", SYS(SYS_close, ep), 0);
    sleep_ms(50);
    SYS(SYS_write, efd, &one, 8);
    pthread_join(t, NULL);
    check("the wait went on and saw the later event", w.ret == 1 && w.ev.data.u64 == 7, 1);
    SYS(SYS_close, efd);

    /* A watched descriptor closed while its description lives on in a dup: the item stays. */
    ep = SYS(SYS_epoll_create1, 0);
    efd = SYS(SYS_eventfd2, 0, 0);
    int copy = SYS(SYS_dup, efd);
    add(ep, efd, EPOLLIN, 8);
    w = (struct waiter){.ep = ep, .timeout_ms = 5000};
    pthread_create(&t, NULL, wait_thread, &w);
    sleep_ms(50);
    SYS(SYS_close, efd);
    sleep_ms(50);
    SYS(SYS_write, copy, &one, 8);
    pthread_join(t, NULL);
    check("closing one of two descriptors keeps the item: the wait saw the event",
          w.ret == 1 && w.ev.data.u64 == 8, 1);
    check("epoll_ctl DEL of the closed descriptor EBADF", SYS(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, efd, NULL), -EBADF);
    SYS(SYS_close, copy);

    /* The last descriptor of a watched description closed: the item goes, the wait times out. */
    efd = SYS(SYS_eventfd2, 1, 0); /* readable from the start */
    add(ep, efd, EPOLLIN | EPOLLET, 9);
    struct epoll_event ev;
    check("an edge-triggered readable eventfd reports once", SYS(SYS_epoll_wait, ep, &ev, 1, 0), 1);
    w = (struct waiter){.ep = ep, .timeout_ms = 300};
    pthread_create(&t, NULL, wait_thread, &w);
    sleep_ms(50);
    SYS(SYS_close, efd);
    pthread_join(t, NULL);
    check("closing the last descriptor removes the item: the wait timed out", w.ret, 0);
    efd = SYS(SYS_eventfd2, 1, 0);
    check("the same number, a new eventfd, can be added again", add(ep, efd, EPOLLIN, 10), 0);
    check("and it reports its own data", SYS(SYS_epoll_wait, ep, &ev, 1, 0) == 1 && ev.data.u64 == 10, 1);
    SYS(SYS_close, efd);
    SYS(SYS_close, ep);
}

/* A read blocked on a pipe whose descriptor another thread closes: the read holds the open
 * file, so it goes on and gets the data written later. */
struct reader {
    int fd;
    long ret;
    char buf[8];
};
static void *read_thread(void *arg) {
    struct reader *r = arg;
    r->ret = SYS(SYS_read, r->fd, r->buf, sizeof r->buf);
    return NULL;
}

static void close_under_read(void) {
    int p[2];
    SYS(SYS_pipe2, p, 0);
    struct reader r = {.fd = p[0]};
    pthread_t t;
    pthread_create(&t, NULL, read_thread, &r);
    sleep_ms(50);
    check("close the read end under a blocked read", SYS(SYS_close, p[0]), 0);
    sleep_ms(50);
    SYS(SYS_write, p[1], "late", 4);
    pthread_join(t, NULL);
    check("the read went on and got the later data", r.ret == 4 && memcmp(r.buf, "late", 4) == 0, 1);
    SYS(SYS_close, p[1]);
}

/* ---- pipes without readers ---------------------------------------------------------------- */

static volatile long sigpipes;
static volatile int sigpipe_code, sigpipe_from_self;
static void on_sigpipe(int sig, siginfo_t *info, void *uc) {
    (void)sig, (void)uc;
    sigpipes++;
    sigpipe_code = info->si_code;
    sigpipe_from_self = info->si_pid == getpid();
}

struct closer {
    int fd;
};
static void *close_later(void *arg) {
    sleep_ms(100);
    syscall(SYS_close, ((struct closer *)arg)->fd);
    return NULL;
}

static void pipes_without_readers(void) {
    static char big[100000];
    int p[2];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigpipe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, NULL);

    SYS(SYS_pipe2, p, O_NONBLOCK);
    long filled = 0, r;
    while ((r = SYS(SYS_write, p[1], big, 4096)) > 0) filled += r;
    check("a non-blocking pipe fills to 65536 bytes, then EAGAIN", filled == 65536 && r == -EAGAIN, 1);
    SYS(SYS_close, p[0]);
    sigpipes = 0;
    check("write to the full pipe with no reader EPIPE", SYS(SYS_write, p[1], big, 1), -EPIPE);
    check("and SIGPIPE, si_code SI_USER, from this process",
          sigpipes == 1 && sigpipe_code == SI_USER && sigpipe_from_self, 1);
    check("writev to it EPIPE too", SYS(SYS_writev, p[1], &(struct iovec){big, 1}, 1), -EPIPE);
    check("another SIGPIPE", sigpipes, 2);

    /* A blocked writer whose reader goes away: the part written stands, and SIGPIPE comes too. */
    SYS(SYS_pipe2, p, 0);
    pthread_t t;
    struct closer c = {p[0]};
    sigpipes = 0;
    pthread_create(&t, NULL, close_later, &c);
    check("a 100000-byte write blocked when the reader closes returns the 65536 written",
          SYS(SYS_write, p[1], big, sizeof big), 65536);
    pthread_join(t, NULL);
    check("and raises SIGPIPE", sigpipes, 1);
    SYS(SYS_close, p[1]);

    /* SIGPIPE blocked: EPIPE, and the signal waits. */
    SYS(SYS_pipe2, p, 0);
    SYS(SYS_close, p[0]);
    sigpipes = 0;
    block(SIG_BLOCK, SIGPIPE);
    check("SIGPIPE blocked: EPIPE", SYS(SYS_write, p[1], big, 1), -EPIPE);
    sigset_t pending;
    sigpending(&pending);
    check("SIGPIPE pending, not handled", sigismember(&pending, SIGPIPE) == 1 && sigpipes == 0, 1);
    block(SIG_UNBLOCK, SIGPIPE);
    check("unblocked: handled once", sigpipes, 1);

    /* SIGPIPE ignored: just EPIPE. */
    on(SIGPIPE, SIG_IGN);
    sigpipes = 0;
    check("SIGPIPE ignored: EPIPE", SYS(SYS_write, p[1], big, 1), -EPIPE);
    sigpending(&pending);
    check("nothing handled, nothing pending", sigpipes == 0 && !sigismember(&pending, SIGPIPE), 1);
    SYS(SYS_close, p[1]);
    on(SIGPIPE, SIG_DFL);
}

/* ---- descriptor limits --------------------------------------------------------------------- */

static long set_nofile(long cur, long max) {
    struct rlimit r = {cur, max};
    return SYS(SYS_setrlimit, RLIMIT_NOFILE, &r);
}

static void limits(void) {
    struct rlimit r;
    SYS(SYS_getrlimit, RLIMIT_NOFILE, &r);
    long hard = r.rlim_max;
    check("the soft limit lowered to 64", set_nofile(64, hard), 0);
    long last = -1, fd;
    while ((fd = SYS(SYS_dup, 0)) >= 0) last = fd;
    check("dup until it fails: the last descriptor is 63", last, 63);
    check("and the failure is EMFILE", fd, -EMFILE);
    check("fcntl F_DUPFD from 0 EMFILE", SYS(SYS_fcntl, 0, F_DUPFD, 0), -EMFILE);
    check("fcntl F_DUPFD from 64 (the limit) EINVAL", SYS(SYS_fcntl, 0, F_DUPFD, 64), -EINVAL);
    check("dup2 to 64 EBADF", SYS(SYS_dup2, 0, 64), -EBADF);
    check("dup3 to 64 EBADF", SYS(SYS_dup3, 0, 64, 0), -EBADF);
    int p[2];
    check("pipe2 with no free descriptor EMFILE", SYS(SYS_pipe2, p, 0), -EMFILE);
    check("eventfd2 EMFILE", SYS(SYS_eventfd2, 0, 0), -EMFILE);
    check("epoll_create1 EMFILE", SYS(SYS_epoll_create1, 0), -EMFILE);
    SYS(SYS_close, 63);
    check("one closed: pipe2 still EMFILE (needs two)", SYS(SYS_pipe2, p, 0), -EMFILE);
    check("the one descriptor left is 63", SYS(SYS_dup, 0), 63);
    for (int i = 3; i < 64; i++) SYS(SYS_close, i);
    check("poll of 65 entries over the limit EINVAL", SYS(SYS_poll, NULL, 65, 0), -EINVAL);
    check("poll of 64 entries at a NULL array EFAULT", SYS(SYS_poll, NULL, 64, 0), -EFAULT);

    check("soft above hard EINVAL", set_nofile(hard + 1, hard), -EINVAL);
    check("hard above fs.nr_open EPERM", set_nofile(64, 1L << 31), -EPERM);
    check("setrlimit NULL EFAULT", SYS(SYS_setrlimit, RLIMIT_NOFILE, NULL), -EFAULT);
    check("setrlimit of resource 99 with a bad pointer EFAULT", SYS(SYS_setrlimit, 99, KERNEL), -EFAULT);
    check("setrlimit of resource 99 EINVAL", SYS(SYS_setrlimit, 99, &r), -EINVAL);
    check("getrlimit of resource 99 with NULL EINVAL", SYS(SYS_getrlimit, 99, NULL), -EINVAL);
    check("getrlimit NULL EFAULT", SYS(SYS_getrlimit, RLIMIT_NOFILE, NULL), -EFAULT);
    check("getrlimit into read-only memory EFAULT", SYS(SYS_getrlimit, RLIMIT_NOFILE, ro), -EFAULT);
    check("getrlimit running into a hole EFAULT", SYS(SYS_getrlimit, RLIMIT_NOFILE, crossing(8)), -EFAULT);
    check("prlimit64 of no such process, bad pointer: EFAULT first",
          SYS(SYS_prlimit64, NO_PID, 99, KERNEL, NULL), -EFAULT);
    check("prlimit64 of no such process ESRCH", SYS(SYS_prlimit64, NO_PID, 99, NULL, NULL), -ESRCH);
    check("prlimit64 of resource 99 EINVAL", SYS(SYS_prlimit64, 0, 99, NULL, NULL), -EINVAL);
    struct rlimit got;
    check("prlimit64 sets, then fails to write the old value: EFAULT",
          SYS(SYS_prlimit64, 0, RLIMIT_NOFILE, &(struct rlimit){100, hard}, KERNEL), -EFAULT);
    SYS(SYS_getrlimit, RLIMIT_NOFILE, &got);
    check("but the new limit is in place", got.rlim_cur, 100);

    /* 10,000 descriptors in one epoll: raise the soft limit (and the hard one, as root may). */
    long want = MANY + 16;
    check("raise RLIMIT_NOFILE to 10016", set_nofile(want, hard > want ? hard : want), 0);
    int ep = SYS(SYS_epoll_create1, 0);
    static int fds[MANY];
    long bad = 0;
    for (int i = 0; i < MANY; i++) {
        fds[i] = SYS(SYS_eventfd2, 0, EFD_NONBLOCK);
        bad |= fds[i] < 0 ? fds[i] : add(ep, fds[i], EPOLLIN, i);
    }
    check("10000 eventfds registered in one epoll", bad, 0);
    check("they are 10000 consecutive descriptors", fds[MANY - 1] - fds[0], MANY - 1);
    static struct epoll_event evs[MANY + 1];
    check("none ready", SYS(SYS_epoll_wait, ep, evs, MANY, 0), 0);
    long one = 1;
    for (int i = 0; i < MANY; i += 100) SYS(SYS_write, fds[i], &one, 8);
    long n = SYS(SYS_epoll_wait, ep, evs, MANY, 0), right = 0;
    for (long i = 0; i < n; i++) right += evs[i].data.u64 % 100 == 0 && evs[i].events == EPOLLIN;
    check("100 written: epoll_wait reports exactly those 100", n == 100 && right == 100, 1);
    for (int i = 0; i < MANY; i++) SYS(SYS_write, fds[i], &one, 8);
    static char seen[MANY];
    n = SYS(SYS_epoll_wait, ep, evs, MANY + 1, 0);
    long distinct = 0;
    for (long i = 0; i < n; i++)
        if (evs[i].data.u64 < MANY && !seen[evs[i].data.u64]++) distinct++;
    check("all written: epoll_wait reports all 10000, each once", n == MANY && distinct == MANY, 1);
    check("maxevents 10 reports 10", SYS(SYS_epoll_wait, ep, evs, 10, 0), 10);
    for (int i = 0; i < MANY; i++) SYS(SYS_close, fds[i]);
    check("all closed: nothing left to report", SYS(SYS_epoll_wait, ep, evs, MANY, 0), 0);
    SYS(SYS_close, ep);
    check("soft limit back to 1024", set_nofile(1024, hard > want ? hard : want), 0);
}

/* ---- bad pointers ------------------------------------------------------------------------ */

static void bad_fd_calls(void) {
    long before = SYS(SYS_dup, 0);
    SYS(SYS_close, before);
    check("pipe2 NULL EFAULT", SYS(SYS_pipe2, NULL, 0), -EFAULT);
    check("pipe2 unmapped EFAULT", SYS(SYS_pipe2, hole, 0), -EFAULT);
    check("pipe2 kernel address EFAULT", SYS(SYS_pipe2, KERNEL, 0), -EFAULT);
    check("pipe2 into a hole EFAULT", SYS(SYS_pipe2, crossing(4), 0), -EFAULT);
    check("pipe2 read-only EFAULT", SYS(SYS_pipe2, ro, 0), -EFAULT);
    check("pipe2 NULL with bad flags: EINVAL first", SYS(SYS_pipe2, NULL, 1), -EINVAL);
    check("pipe2 that faulted left no descriptor behind", SYS(SYS_dup, 0), before);
    SYS(SYS_close, before);
    check("eventfd2 bad flags EINVAL", SYS(SYS_eventfd2, 0, 2), -EINVAL);
    check("epoll_create1 bad flags EINVAL", SYS(SYS_epoll_create1, 1), -EINVAL);
    check("epoll_create 0 EINVAL", SYS(SYS_epoll_create, 0), -EINVAL);

    int ep = SYS(SYS_epoll_create1, 0), efd = SYS(SYS_eventfd2, 0, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1}, out[2];
    check("epoll_ctl ADD NULL event EFAULT", SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, NULL), -EFAULT);
    check("epoll_ctl ADD kernel event EFAULT", SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, KERNEL), -EFAULT);
    check("epoll_ctl ADD event into a hole EFAULT",
          SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, crossing(4)), -EFAULT);
    check("epoll_ctl ADD bad fd, NULL event: EFAULT first",
          SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, NO_FD, NULL), -EFAULT);
    check("epoll_ctl unknown op, NULL event: EFAULT first", SYS(SYS_epoll_ctl, ep, 99, efd, NULL), -EFAULT);
    check("epoll_ctl unknown op EINVAL", SYS(SYS_epoll_ctl, ep, 99, efd, &ev), -EINVAL);
    check("epoll_ctl DEL unregistered, NULL event ENOENT", SYS(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, efd, NULL), -ENOENT);
    check("epoll_ctl DEL bad fd EBADF", SYS(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, NO_FD, NULL), -EBADF);
    check("epoll_ctl on a bad epoll fd EBADF", SYS(SYS_epoll_ctl, NO_FD, EPOLL_CTL_ADD, efd, &ev), -EBADF);
    check("epoll_ctl on a non-epoll fd EINVAL", SYS(SYS_epoll_ctl, efd, EPOLL_CTL_ADD, ep, &ev), -EINVAL);
    check("epoll_wait NULL, nothing ready: 0", SYS(SYS_epoll_wait, ep, NULL, 1, 0), 0);
    check("epoll_wait kernel buffer EFAULT", SYS(SYS_epoll_wait, ep, KERNEL, 1, 0), -EFAULT);
    check("epoll_wait bad fd EBADF", SYS(SYS_epoll_wait, NO_FD, out, 1, 0), -EBADF);
    /* Which of a bad descriptor, a bad count and a bad buffer Linux reports first changed in 6.16
     * (the descriptor now comes first): only one of them is wrong in each of these. */
    check("epoll_wait -1 events EINVAL", SYS(SYS_epoll_wait, ep, out, -1, 0), -EINVAL);
    check("epoll_wait INT_MAX events EINVAL", SYS(SYS_epoll_wait, ep, out, INT_MAX, 0), -EINVAL);
    check("epoll_wait on an eventfd EINVAL", SYS(SYS_epoll_wait, efd, out, 1, 0), -EINVAL);
    long one = 1;
    SYS(SYS_write, efd, &one, 8);
    int efd2 = SYS(SYS_eventfd2, 1, 0);
    ev.events = EPOLLIN | EPOLLONESHOT;
    SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, &ev);
    ev.data.u64 = 2;
    SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd2, &ev);
    check("epoll_wait NULL with events ready EFAULT", SYS(SYS_epoll_wait, ep, NULL, 1, 0), -EFAULT);
    check("epoll_wait read-only buffer EFAULT", SYS(SYS_epoll_wait, ep, ro, 2, 0), -EFAULT);
    check("epoll_wait unmapped buffer EFAULT", SYS(SYS_epoll_wait, ep, hole, 2, 0), -EFAULT);
    check("epoll_wait with the second event in a hole: 1",
          SYS(SYS_epoll_wait, ep, crossing(sizeof(struct epoll_event)), 2, 0), 1);
    check("the oneshot item that could not be copied is still armed", SYS(SYS_epoll_wait, ep, out, 2, 0), 1);
    check("now both have fired", SYS(SYS_epoll_wait, ep, out, 2, 0), 0);
    sigset_t mask;
    sigemptyset(&mask);
    check("epoll_pwait kernel mask EFAULT", SYS(SYS_epoll_pwait, ep, out, 1, 0, KERNEL, 8), -EFAULT);
    check("epoll_pwait kernel mask, size 7: EINVAL first", SYS(SYS_epoll_pwait, ep, out, 1, 0, KERNEL, 7), -EINVAL);
    check("epoll_pwait NULL mask, size 7: 0", SYS(SYS_epoll_pwait, ep, out, 1, 0, NULL, 7), 0);
    check("epoll_pwait good mask, kernel buffer EFAULT", SYS(SYS_epoll_pwait, ep, KERNEL, 1, 0, &mask, 8), -EFAULT);

    struct pollfd pf = {.fd = efd, .events = POLLIN};
    check("poll NULL, 0 entries: 0", SYS(SYS_poll, NULL, 0, 0), 0);
    check("poll NULL EFAULT", SYS(SYS_poll, NULL, 1, 0), -EFAULT);
    check("poll kernel array EFAULT", SYS(SYS_poll, KERNEL, 1, 0), -EFAULT);
    check("poll array into a hole EFAULT", SYS(SYS_poll, crossing(4), 1, 0), -EFAULT);
    memset(edge + PAGE - 8, 0xff, 8); /* fd -1: ignored */
    check("poll entry ending at the hole: 0", SYS(SYS_poll, crossing(8), 1, 0), 0);
    check("poll read-only array: revents cannot be written EFAULT", SYS(SYS_poll, ro, 1, 0), -EFAULT);
    struct timespec zero = {0, 0}, bad_ns = {0, 1000000000}, neg = {-1, 0};
    check("ppoll kernel timeout EFAULT", SYS(SYS_ppoll, &pf, 1, KERNEL, NULL, 8), -EFAULT);
    check("ppoll 1e9 ns EINVAL", SYS(SYS_ppoll, &pf, 1, &bad_ns, NULL, 8), -EINVAL);
    check("ppoll negative seconds EINVAL", SYS(SYS_ppoll, &pf, 1, &neg, NULL, 8), -EINVAL);
    check("ppoll kernel mask EFAULT", SYS(SYS_ppoll, &pf, 1, &zero, KERNEL, 8), -EFAULT);
    check("ppoll kernel mask, size 4: EINVAL first", SYS(SYS_ppoll, &pf, 1, &zero, KERNEL, 4), -EINVAL);
    check("ppoll kernel array EFAULT", SYS(SYS_ppoll, KERNEL, 1, &zero, &mask, 8), -EFAULT);
    SYS(SYS_close, efd);
    SYS(SYS_close, efd2);
    SYS(SYS_close, ep);

    check("dup bad fd EBADF", SYS(SYS_dup, NO_FD), -EBADF);
    check("dup -1 EBADF", SYS(SYS_dup, -1), -EBADF);
    check("dup2 bad old EBADF", SYS(SYS_dup2, NO_FD, 5), -EBADF);
    check("dup2 to -1 EBADF", SYS(SYS_dup2, 0, -1), -EBADF);
    check("dup2 bad old onto itself EBADF", SYS(SYS_dup2, NO_FD, NO_FD), -EBADF);
    check("dup3 onto itself EINVAL", SYS(SYS_dup3, 0, 0, 0), -EINVAL);
    check("dup3 bad flags EINVAL", SYS(SYS_dup3, 0, 5, 1), -EINVAL);
    check("dup3 bad old EBADF", SYS(SYS_dup3, NO_FD, 5, 0), -EBADF);
    check("dup3 to 1024 (the limit) EBADF", SYS(SYS_dup3, 0, 1024, 0), -EBADF);
    check("dup3 to 1023", SYS(SYS_dup3, 0, 1023, 0), 1023);
    SYS(SYS_close, 1023);
    check("fcntl bad fd EBADF", SYS(SYS_fcntl, NO_FD, F_GETFD, 0), -EBADF);
    check("fcntl bad fd, bad command: EBADF first", SYS(SYS_fcntl, NO_FD, 9999, 0), -EBADF);
    check("fcntl bad command EINVAL", SYS(SYS_fcntl, 0, 9999, 0), -EINVAL);
    check("fcntl F_DUPFD from -1 EINVAL", SYS(SYS_fcntl, 0, F_DUPFD, -1), -EINVAL);
    efd = SYS(SYS_eventfd2, 0, 0);
    check("fcntl F_GETPIPE_SZ of an eventfd EBADF", SYS(SYS_fcntl, efd, F_GETPIPE_SZ, 0), -EBADF);
    SYS(SYS_close, efd);
    check("close bad fd EBADF", SYS(SYS_close, NO_FD), -EBADF);
}

static void bad_io(void) {
    int p[2];
    SYS(SYS_pipe2, p, O_NONBLOCK);
    char buf[16] = "hello";
    struct iovec good = {buf, 5};
    struct iovec mixed[2] = {{buf, 5}, {hole, 5}};
    struct iovec kern = {(void *)KERNEL, 1};
    check("writev bad fd EBADF", SYS(SYS_writev, NO_FD, &good, 1), -EBADF);
    check("readv bad fd EBADF", SYS(SYS_readv, NO_FD, &good, 1), -EBADF);
    check("readv on the write end EBADF", SYS(SYS_readv, p[1], &good, 1), -EBADF);
    check("writev NULL iov EFAULT", SYS(SYS_writev, p[1], NULL, 1), -EFAULT);
    check("writev kernel iov EFAULT", SYS(SYS_writev, p[1], KERNEL, 1), -EFAULT);
    check("writev iov array into a hole EFAULT", SYS(SYS_writev, p[1], crossing(8), 1), -EFAULT);
    check("writev 1025 segments EINVAL", SYS(SYS_writev, p[1], &good, 1025), -EINVAL);
    check("writev -1 segments EINVAL", SYS(SYS_writev, p[1], &good, -1), -EINVAL);
    check("writev NULL, 0 segments: 0", SYS(SYS_writev, p[1], NULL, 0), 0);
    check("writev a kernel segment EFAULT", SYS(SYS_writev, p[1], &kern, 1), -EFAULT);
    check("writev a segment of length -1 EINVAL", SYS(SYS_writev, p[1], &(struct iovec){buf, (size_t)-1}, 1),
          -EINVAL);
    check("write running into a hole, pipe empty EFAULT", SYS(SYS_write, p[1], crossing(100), 200), -EFAULT);
    check("write of a page and more from the page before the hole: the page", SYS(SYS_write, p[1], edge, 5000), 4096);
    char sink[8192];
    check("read it back", SYS(SYS_read, p[0], sink, sizeof sink), 4096);
    check("write 5 bytes", SYS(SYS_write, p[1], buf, 5), 5);
    check("read into a hole EFAULT", SYS(SYS_read, p[0], hole, 5), -EFAULT);
    check("read into a kernel address EFAULT", SYS(SYS_read, p[0], KERNEL, 5), -EFAULT);
    check("read running into a hole EFAULT", SYS(SYS_read, p[0], crossing(2), 5), -EFAULT);
    check("the data is still there", SYS(SYS_read, p[0], sink, sizeof sink), 5);
    check("write 0 bytes from a kernel address EFAULT", SYS(SYS_write, p[1], KERNEL, 0), -EFAULT);
    check("write 0 bytes from NULL: 0", SYS(SYS_write, p[1], NULL, 0), 0);
    check("read 0 bytes into NULL: 0", SYS(SYS_read, p[0], NULL, 0), 0);
    /* A vector is one transfer for a pipe, page by page: a page that cannot be filled whole is
     * dropped; a read stops at the first buffer it cannot copy out whole and leaves it. */
    check("pipe writev with the second segment in a hole EFAULT", SYS(SYS_writev, p[1], mixed, 2), -EFAULT);
    check("and nothing went in", SYS(SYS_read, p[0], sink, sizeof sink), -EAGAIN);
    check("write of 5000 from mid-page into a hole, pipe empty EFAULT", SYS(SYS_write, p[1], edge + 100, 5000),
          -EFAULT);
    check("write 3 bytes", SYS(SYS_write, p[1], "abc", 3), 3);
    check("the same write, pipe not empty: its 904-byte tail joins the last page",
          SYS(SYS_write, p[1], edge + 100, 5000), 904);
    check("read 907", SYS(SYS_read, p[0], sink, sizeof sink), 907);
    SYS(SYS_write, p[1], "01234", 5);
    SYS(SYS_write, p[1], "56789", 5);
    struct iovec rmixed[2] = {{sink, 5}, {hole, 5}};
    check("pipe readv with the second segment in a hole EFAULT", SYS(SYS_readv, p[0], rmixed, 2), -EFAULT);
    check("and all 10 bytes are still there", SYS(SYS_read, p[0], sink, sizeof sink), 10);
    SYS(SYS_close, p[0]);
    SYS(SYS_close, p[1]);

    /* eventfd reads are one transfer too (at least 8 bytes in all), writes one per segment. */
    int e = SYS(SYS_eventfd2, 5, EFD_NONBLOCK);
    uint32_t halves[2] = {0, 0};
    struct iovec two[2] = {{&halves[0], 4}, {&halves[1], 4}};
    check("eventfd readv of 4 + 4 bytes", SYS(SYS_readv, e, two, 2), 8);
    check("got the count, 5", halves[0] == 5 && halves[1] == 0, 1);
    check("eventfd writev of 4 + 4 bytes EINVAL", SYS(SYS_writev, e, two, 2), -EINVAL);
    SYS(SYS_write, e, &(uint64_t){3}, 8);
    check("eventfd read into a hole EFAULT", SYS(SYS_read, e, hole, 8), -EFAULT);
    check("the count was taken all the same", SYS(SYS_read, e, sink, 8), -EAGAIN);
    check("eventfd read into a kernel address EFAULT", SYS(SYS_read, e, KERNEL, 8), -EFAULT);
    check("eventfd read of 7 bytes EINVAL", SYS(SYS_read, e, sink, 7), -EINVAL);
    SYS(SYS_close, e);
}

static void bad_signal_calls(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    char old[32];
    check("kill signal 65 EINVAL", SYS(SYS_kill, getpid(), 65), -EINVAL);
    check("kill signal -1 EINVAL", SYS(SYS_kill, getpid(), -1), -EINVAL);
    check("kill no such process ESRCH", SYS(SYS_kill, NO_PID, 0), -ESRCH);
    check("kill no such process, signal 65: ESRCH first", SYS(SYS_kill, NO_PID, 65), -ESRCH);
    check("kill no such group ESRCH", SYS(SYS_kill, -NO_PID, 0), -ESRCH);
    check("kill INT_MIN ESRCH", SYS(SYS_kill, INT_MIN, 0), -ESRCH);
    check("kill itself with 0", SYS(SYS_kill, getpid(), 0), 0);
    check("tgkill signal 65 EINVAL", SYS(SYS_tgkill, getpid(), tid(), 65), -EINVAL);
    check("tgkill tgid 0 EINVAL", SYS(SYS_tgkill, 0, tid(), 0), -EINVAL);
    check("tgkill tid 0 EINVAL", SYS(SYS_tgkill, getpid(), 0, 0), -EINVAL);
    check("tgkill tid -1 EINVAL", SYS(SYS_tgkill, getpid(), -1, 0), -EINVAL);
    check("tgkill no such thread ESRCH", SYS(SYS_tgkill, getpid(), NO_PID, 0), -ESRCH);
    check("tgkill no such thread, signal 65: ESRCH first", SYS(SYS_tgkill, getpid(), NO_PID, 65), -ESRCH);
    check("tgkill wrong group ESRCH", SYS(SYS_tgkill, NO_PID, tid(), 0), -ESRCH);
    check("tgkill wrong group, signal 65: ESRCH first", SYS(SYS_tgkill, NO_PID, tid(), 65), -ESRCH);
    check("tkill tid 0 EINVAL", SYS(SYS_tkill, 0, 0), -EINVAL);
    check("tkill no such thread ESRCH", SYS(SYS_tkill, NO_PID, 0), -ESRCH);
    check("tkill signal 65 EINVAL", SYS(SYS_tkill, tid(), 65), -EINVAL);

    check("rt_sigaction kernel act EFAULT", SYS(SYS_rt_sigaction, SIGUSR1, KERNEL, NULL, 8), -EFAULT);
    check("rt_sigaction kernel oact EFAULT", SYS(SYS_rt_sigaction, SIGUSR1, NULL, KERNEL, 8), -EFAULT);
    check("rt_sigaction act into a hole EFAULT", SYS(SYS_rt_sigaction, SIGUSR1, crossing(8), NULL, 8), -EFAULT);
    check("rt_sigaction oact read-only EFAULT", SYS(SYS_rt_sigaction, SIGUSR1, NULL, ro, 8), -EFAULT);
    check("rt_sigaction size 7 EINVAL", SYS(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 7), -EINVAL);
    check("rt_sigaction size 7, kernel act: EINVAL first", SYS(SYS_rt_sigaction, SIGUSR1, KERNEL, NULL, 7), -EINVAL);
    check("rt_sigaction signal 0 EINVAL", SYS(SYS_rt_sigaction, 0, NULL, old, 8), -EINVAL);
    check("rt_sigaction signal 65 EINVAL", SYS(SYS_rt_sigaction, 65, NULL, old, 8), -EINVAL);
    check("rt_sigaction signal 65, kernel act: EFAULT first", SYS(SYS_rt_sigaction, 65, KERNEL, NULL, 8), -EFAULT);
    check("rt_sigaction SIGKILL EINVAL", SYS(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8), -EINVAL);
    check("rt_sigaction SIGKILL, kernel act: EFAULT first", SYS(SYS_rt_sigaction, SIGKILL, KERNEL, NULL, 8), -EFAULT);
    check("rt_sigaction SIGKILL query", SYS(SYS_rt_sigaction, SIGKILL, NULL, old, 8), 0);

    sigset_t set;
    sigemptyset(&set);
    check("rt_sigprocmask kernel set EFAULT", SYS(SYS_rt_sigprocmask, SIG_BLOCK, KERNEL, NULL, 8), -EFAULT);
    check("rt_sigprocmask kernel oset EFAULT", SYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, KERNEL, 8), -EFAULT);
    check("rt_sigprocmask set into a hole EFAULT", SYS(SYS_rt_sigprocmask, SIG_BLOCK, crossing(4), NULL, 8), -EFAULT);
    check("rt_sigprocmask size 7 EINVAL", SYS(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 7), -EINVAL);
    check("rt_sigprocmask bad how EINVAL", SYS(SYS_rt_sigprocmask, 99, &set, NULL, 8), -EINVAL);
    check("rt_sigprocmask bad how, kernel set: EFAULT first", SYS(SYS_rt_sigprocmask, 99, KERNEL, NULL, 8), -EFAULT);
    check("rt_sigprocmask bad how, no set: 0", SYS(SYS_rt_sigprocmask, 99, NULL, old, 8), 0);

    stack_t ss = {.ss_sp = edge, .ss_size = 100, .ss_flags = 0};
    check("sigaltstack kernel ss EFAULT", SYS(SYS_sigaltstack, KERNEL, NULL), -EFAULT);
    check("sigaltstack kernel old EFAULT", SYS(SYS_sigaltstack, NULL, KERNEL), -EFAULT);
    check("sigaltstack ss into a hole EFAULT", SYS(SYS_sigaltstack, crossing(8), NULL), -EFAULT);
    check("sigaltstack too small ENOMEM", SYS(SYS_sigaltstack, &ss, NULL), -ENOMEM);
    ss.ss_flags = 99;
    check("sigaltstack bad flags EINVAL", SYS(SYS_sigaltstack, &ss, NULL), -EINVAL);
}

static void bad_process_calls(void) {
    char buf[512];
    check("sysinfo NULL EFAULT", SYS(SYS_sysinfo, NULL), -EFAULT);
    check("sysinfo kernel EFAULT", SYS(SYS_sysinfo, KERNEL), -EFAULT);
    check("sysinfo into a hole EFAULT", SYS(SYS_sysinfo, crossing(64)), -EFAULT);
    check("uname NULL EFAULT", SYS(SYS_uname, NULL), -EFAULT);
    check("uname into a hole EFAULT", SYS(SYS_uname, crossing(64)), -EFAULT);
    check("uname read-only EFAULT", SYS(SYS_uname, ro), -EFAULT);
    check("getcpu all NULL: 0", SYS(SYS_getcpu, NULL, NULL, NULL), 0);
    check("getcpu kernel cpu EFAULT", SYS(SYS_getcpu, KERNEL, NULL, NULL), -EFAULT);
    check("getcpu kernel node EFAULT", SYS(SYS_getcpu, NULL, KERNEL, NULL), -EFAULT);
    check("sched_getaffinity NULL EFAULT", SYS(SYS_sched_getaffinity, 0, 128, NULL), -EFAULT);
    check("sched_getaffinity kernel EFAULT", SYS(SYS_sched_getaffinity, 0, 128, KERNEL), -EFAULT);
    check("sched_getaffinity into a hole EFAULT", SYS(SYS_sched_getaffinity, 0, 128, crossing(4)), -EFAULT);
    check("sched_getaffinity length 7 EINVAL", SYS(SYS_sched_getaffinity, 0, 7, buf), -EINVAL);
    check("sched_getaffinity length 0 EINVAL", SYS(SYS_sched_getaffinity, 0, 0, buf), -EINVAL);
    check("sched_getaffinity no such process ESRCH", SYS(SYS_sched_getaffinity, NO_PID, 128, buf), -ESRCH);
    check("sched_getaffinity no such process, length 7: EINVAL first",
          SYS(SYS_sched_getaffinity, NO_PID, 7, buf), -EINVAL);
    check("sched_getaffinity works", SYS(SYS_sched_getaffinity, 0, 128, buf) > 0, 1);
    long cpu0 = 1, none = 0;
    check("sched_setaffinity NULL EFAULT", SYS(SYS_sched_setaffinity, 0, 8, NULL), -EFAULT);
    check("sched_setaffinity kernel EFAULT", SYS(SYS_sched_setaffinity, 0, 8, KERNEL), -EFAULT);
    check("sched_setaffinity no such process, kernel mask: EFAULT first",
          SYS(SYS_sched_setaffinity, NO_PID, 8, KERNEL), -EFAULT);
    check("sched_setaffinity no such process ESRCH", SYS(SYS_sched_setaffinity, NO_PID, 8, &cpu0), -ESRCH);
    check("sched_setaffinity empty mask EINVAL", SYS(SYS_sched_setaffinity, 0, 8, &none), -EINVAL);
    check("sched_setaffinity NULL, length 0 EINVAL", SYS(SYS_sched_setaffinity, 0, 0, NULL), -EINVAL);
    check("sched_setaffinity to the mask it has", SYS(SYS_sched_setaffinity, 0, 128, buf), 0);

    check("prctl PR_SET_NAME NULL EFAULT", SYS(SYS_prctl, PR_SET_NAME, NULL, 0, 0, 0), -EFAULT);
    check("prctl PR_SET_NAME kernel EFAULT", SYS(SYS_prctl, PR_SET_NAME, KERNEL, 0, 0, 0), -EFAULT);
    memcpy(edge + PAGE - 3, "ab", 3);
    check("prctl PR_SET_NAME ending at the hole", SYS(SYS_prctl, PR_SET_NAME, crossing(3), 0, 0, 0), 0);
    memcpy(edge + PAGE - 3, "abc", 3);
    check("prctl PR_SET_NAME running into a hole EFAULT", SYS(SYS_prctl, PR_SET_NAME, crossing(3), 0, 0, 0), -EFAULT);
    check("prctl PR_GET_NAME NULL EFAULT", SYS(SYS_prctl, PR_GET_NAME, NULL, 0, 0, 0), -EFAULT);
    check("prctl PR_GET_NAME into a hole EFAULT", SYS(SYS_prctl, PR_GET_NAME, crossing(8), 0, 0, 0), -EFAULT);
    check("prctl PR_GET_NAME read-only EFAULT", SYS(SYS_prctl, PR_GET_NAME, ro, 0, 0, 0), -EFAULT);
    SYS(SYS_prctl, PR_GET_NAME, buf, 0, 0, 0);
    check("the name is ab", strcmp(buf, "ab"), 0);
    check("prctl unknown option EINVAL", SYS(SYS_prctl, 9999, 0, 0, 0, 0), -EINVAL);
}

static void bad_time_calls(void) {
    struct timespec bad_ns = {0, 1000000000}, neg = {-1, 0}, tiny = {0, 1};
    check("clock_gettime NULL EFAULT", SYS(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), -EFAULT);
    check("clock_gettime kernel EFAULT", SYS(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL), -EFAULT);
    check("clock_gettime into a hole EFAULT", SYS(SYS_clock_gettime, CLOCK_REALTIME, crossing(8)), -EFAULT);
    check("clock_gettime read-only EFAULT", SYS(SYS_clock_gettime, CLOCK_REALTIME, ro), -EFAULT);
    check("clock_gettime clock 99, NULL: EINVAL first", SYS(SYS_clock_gettime, 99, NULL), -EINVAL);
    check("clock_getres NULL: 0", SYS(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
    check("clock_getres kernel EFAULT", SYS(SYS_clock_getres, CLOCK_MONOTONIC, KERNEL), -EFAULT);
    check("clock_getres clock 99 EINVAL", SYS(SYS_clock_getres, 99, NULL), -EINVAL);
    check("gettimeofday NULL NULL: 0", SYS(SYS_gettimeofday, NULL, NULL), 0);
    check("gettimeofday kernel tv EFAULT", SYS(SYS_gettimeofday, KERNEL, NULL), -EFAULT);
    check("gettimeofday kernel tz EFAULT", SYS(SYS_gettimeofday, NULL, KERNEL), -EFAULT);
    check("gettimeofday tv into a hole EFAULT", SYS(SYS_gettimeofday, crossing(8), NULL), -EFAULT);
    check("nanosleep NULL EFAULT", SYS(SYS_nanosleep, NULL, NULL), -EFAULT);
    check("nanosleep kernel EFAULT", SYS(SYS_nanosleep, KERNEL, NULL), -EFAULT);
    check("nanosleep request into a hole EFAULT", SYS(SYS_nanosleep, crossing(8), NULL), -EFAULT);
    check("nanosleep 1e9 ns EINVAL", SYS(SYS_nanosleep, &bad_ns, NULL), -EINVAL);
    check("nanosleep negative EINVAL", SYS(SYS_nanosleep, &neg, NULL), -EINVAL);
    check("nanosleep 1 ns, kernel remainder: 0", SYS(SYS_nanosleep, &tiny, KERNEL), 0);
    check("clock_nanosleep clock 99 EINVAL", SYS(SYS_clock_nanosleep, 99, 0, &tiny, NULL), -EINVAL);
    check("clock_nanosleep NULL EFAULT", SYS(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL), -EFAULT);
}

static void bad_paths(void) {
    char st[256];
    memcpy(edge + PAGE - 3, "abc", 3);
    check("openat NULL EFAULT", SYS(SYS_openat, AT_FDCWD, NULL, O_RDONLY), -EFAULT);
    check("openat kernel path EFAULT", SYS(SYS_openat, AT_FDCWD, KERNEL, O_RDONLY), -EFAULT);
    check("openat path running into a hole EFAULT", SYS(SYS_openat, AT_FDCWD, crossing(3), O_RDONLY), -EFAULT);
    check("openat bad dirfd, NULL path: EFAULT first", SYS(SYS_openat, NO_FD, NULL, O_RDONLY), -EFAULT);
    check("openat bad dirfd, relative path EBADF", SYS(SYS_openat, NO_FD, "rel", O_RDONLY), -EBADF);
    check("openat empty path ENOENT", SYS(SYS_openat, AT_FDCWD, "", O_RDONLY), -ENOENT);
    check("open NULL EFAULT", SYS(SYS_open, NULL, O_RDONLY), -EFAULT);
    check("stat NULL EFAULT", SYS(SYS_stat, NULL, st), -EFAULT);
    check("stat kernel path EFAULT", SYS(SYS_stat, KERNEL, st), -EFAULT);
    check("stat missing path, kernel buffer: ENOENT", SYS(SYS_stat, "/nonexistent-rt0", KERNEL), -ENOENT);
    check("lstat NULL EFAULT", SYS(SYS_lstat, NULL, st), -EFAULT);
    check("access NULL EFAULT", SYS(SYS_access, NULL, 0), -EFAULT);
    check("readlink NULL EFAULT", SYS(SYS_readlink, NULL, st, sizeof st), -EFAULT);
    check("readlink NULL, size 0: EINVAL first", SYS(SYS_readlink, NULL, st, 0), -EINVAL);
    check("readlink missing path, size 0: EINVAL first", SYS(SYS_readlink, "/nonexistent-rt0", st, 0), -EINVAL);
    check("readlink missing path ENOENT", SYS(SYS_readlink, "/nonexistent-rt0", st, sizeof st), -ENOENT);
    check("readlinkat NULL EFAULT", SYS(SYS_readlinkat, AT_FDCWD, NULL, st, sizeof st), -EFAULT);
    check("readlinkat size 0 EINVAL", SYS(SYS_readlinkat, AT_FDCWD, "/nonexistent-rt0", st, 0), -EINVAL);
    check("newfstatat NULL EFAULT", SYS(SYS_newfstatat, AT_FDCWD, NULL, st, 0), -EFAULT);
    check("newfstatat empty path ENOENT", SYS(SYS_newfstatat, AT_FDCWD, "", st, 0), -ENOENT);
    check("newfstatat bad flags EINVAL", SYS(SYS_newfstatat, AT_FDCWD, "x", st, 1), -EINVAL);
    check("newfstatat AT_EMPTY_PATH bad fd EBADF", SYS(SYS_newfstatat, NO_FD, "", st, AT_EMPTY_PATH), -EBADF);
    check("newfstatat AT_EMPTY_PATH kernel buffer EFAULT", SYS(SYS_newfstatat, 0, "", KERNEL, AT_EMPTY_PATH),
          -EFAULT);
    check("newfstatat AT_EMPTY_PATH buffer into a hole EFAULT",
          SYS(SYS_newfstatat, 0, "", crossing(64), AT_EMPTY_PATH), -EFAULT);
    /* /dev/null, the one name that exists on rt0 too. */
    struct stat sb;
    long null = SYS(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
    check("open /dev/null", null >= 0, 1);
    check("/dev/null swallows a write", SYS(SYS_write, null, "hello", 5), 5);
    check("/dev/null swallows a write from NULL (it never reads it)", SYS(SYS_write, null, NULL, 5), 5);
    check("/dev/null write from a kernel address EFAULT", SYS(SYS_write, null, KERNEL, 5), -EFAULT);
    check("/dev/null reads end of file", SYS(SYS_read, null, st, sizeof st), 0);
    check("/dev/null lseek 0", SYS(SYS_lseek, null, 100, SEEK_SET), 0);
    check("/dev/null fcntl F_GETFD: FD_CLOEXEC", SYS(SYS_fcntl, null, F_GETFD), FD_CLOEXEC);
    SYS(SYS_fstat, null, &sb);
    check("fstat /dev/null: the character device 1:3, mode 0666",
          sb.st_mode == (S_IFCHR | 0666) && major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 3, 1);
    SYS(SYS_close, null);
    memset(&sb, 0, sizeof sb);
    SYS(SYS_stat, "/dev/null", &sb);
    check("stat /dev/null: the same", sb.st_mode == (S_IFCHR | 0666) && sb.st_rdev == makedev(1, 3), 1);
    check("stat /dev/null into a kernel buffer EFAULT", SYS(SYS_stat, "/dev/null", KERNEL), -EFAULT);
    check("access /dev/null", SYS(SYS_access, "/dev/null", R_OK | W_OK), 0);
    check("open /dev/null O_DIRECTORY ENOTDIR", SYS(SYS_openat, AT_FDCWD, "/dev/null", O_DIRECTORY), -ENOTDIR);
    check("open /dev/null O_CREAT|O_EXCL EEXIST", SYS(SYS_openat, AT_FDCWD, "/dev/null", O_CREAT | O_EXCL, 0600),
          -EEXIST);
    check("readlink /dev/null: not a link EINVAL", SYS(SYS_readlink, "/dev/null", st, sizeof st), -EINVAL);
    check("stat /dev/null/x ENOTDIR", SYS(SYS_stat, "/dev/null/x", &sb), -ENOTDIR);
    check("fstat kernel buffer EFAULT", SYS(SYS_fstat, 0, KERNEL), -EFAULT);
    check("fstat bad fd, kernel buffer: EBADF first", SYS(SYS_fstat, NO_FD, KERNEL), -EBADF);
}

int main(void) {
    /* Descriptors the caller left open would move every "lowest free descriptor" answer. */
    for (int fd = 3; fd < 1024; fd++) close(fd);
    setup_memory();
    /* Start from Linux's default soft limit whatever the caller's was. */
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    set_nofile(1024, r.rlim_max);
    /* Each part's time goes to stderr (not compared): where a slow kernel path shows. */
    static const struct { const char *name; void (*run)(void); } parts[] = {
        {"signal floods", signal_floods}, {"epoll close races", epoll_close_races},
        {"close under read", close_under_read},
        {"pipes without readers", pipes_without_readers}, {"limits", limits},
        {"bad fd calls", bad_fd_calls}, {"bad io", bad_io}, {"bad signal calls", bad_signal_calls},
        {"bad process calls", bad_process_calls}, {"bad time calls", bad_time_calls},
        {"bad paths", bad_paths},
    };
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        parts[i].run();
        clock_gettime(CLOCK_MONOTONIC, &b);
        fprintf(stderr, "badinput: %s took %ld ms\n", parts[i].name,
                (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
