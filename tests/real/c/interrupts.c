/* Signals that reach a thread while it sleeps in a system call, and the calls that wait for
 * signals: a handler without SA_RESTART makes read, nanosleep (with the time left) and futex
 * fail with EINTR; with SA_RESTART, read and an untimed futex wait go on, while epoll_wait,
 * poll and a timed futex wait still fail with EINTR (Linux's rules); a signal ignored by
 * default that ppoll's mask lets in restarts the call. Then rt_sigpending, rt_sigsuspend (the
 * mask put back), pause, rt_sigtimedwait (taken, EAGAIN, from another thread), sigqueue's value,
 * a process signal held while every thread blocks it, ignored signals thrown away, and a thread
 * spinning in user code taking a signal sent by another. The signals come from a second thread
 * that repeats them until the waiting call has returned, so no timing matters. */
#define _GNU_SOURCE
#include <errno.h>
#if __has_include(<linux/futex.h>)
#include <linux/futex.h>
#else
/* musl-gcc's include path has no kernel headers: the two operations, from linux/futex.h. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int handled, returned, spin_stop;
static atomic_int last_code, last_value;
static pid_t main_tid;

static void on_signal(int sig, siginfo_t *info, void *uc) {
    (void)sig, (void)uc;
    last_code = info->si_code;
    last_value = info->si_value.sival_int;
    handled++;
}

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) != 0) {
    }
}

/* The second thread: signals the main thread every 20 ms until its call returned. */
static void *pester(void *arg) {
    int sig = (int)(long)arg;
    while (!returned) {
        sleep_ms(20);
        if (!returned)
            syscall(SYS_tgkill, getpid(), main_tid, sig);
    }
    return NULL;
}

static pthread_t start_pester(int sig) {
    pthread_t t;
    returned = 0;
    pthread_create(&t, NULL, pester, (void *)(long)sig);
    return t;
}

static void stop_pester(pthread_t t) {
    returned = 1;
    pthread_join(t, NULL);
}

static const char *err(long r) {
    return r >= 0 ? "ok" : errno == EINTR ? "EINTR" : errno == EAGAIN ? "EAGAIN" : strerror(errno);
}

static int pipefd[2];
static atomic_int futex_word;

/* With SA_RESTART: after the handler has run a few times, feed the pipe (or wake the futex). */
static void *feed_after_handlers(void *arg) {
    int futex = (int)(long)arg;
    while (handled < 3) {
        sleep_ms(20);
        syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    }
    if (!futex) {
        write(pipefd[1], "x", 1);
        return NULL;
    }
    /* The restarted wait may not have begun yet: wake until it has returned. */
    while (!returned) {
        syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        sleep_ms(20);
    }
    return NULL;
}

static void interrupted_calls(void) {
    char c;
    pipe(pipefd);
    handle(SIGUSR1, 0);
    pthread_t t = start_pester(SIGUSR1);
    long r = read(pipefd[0], &c, 1);
    stop_pester(t);
    printf("read, no SA_RESTART: %s\n", err(r));

    struct timespec req = {3, 0}, rem = {0, 0};
    t = start_pester(SIGUSR1);
    r = nanosleep(&req, &rem);
    stop_pester(t);
    printf("nanosleep: %s, time left below 3 s and above 1 s: %d\n", err(r), rem.tv_sec < 3 && rem.tv_sec >= 1);

    t = start_pester(SIGUSR1);
    r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    stop_pester(t);
    printf("futex wait, no SA_RESTART: %s\n", err(r));

    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    pthread_create(&t, NULL, feed_after_handlers, (void *)0);
    r = read(pipefd[0], &c, 1);
    pthread_join(t, NULL);
    printf("read, SA_RESTART: %ld byte after %d+ handlers\n", r, handled >= 3 ? 3 : handled);

    handled = 0;
    returned = 0;
    pthread_create(&t, NULL, feed_after_handlers, (void *)1);
    r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    returned = 1;
    pthread_join(t, NULL);
    printf("futex wait, SA_RESTART: %s\n", err(r));

    struct timespec five = {5, 0};
    t = start_pester(SIGUSR1);
    r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &five, NULL, 0);
    stop_pester(t);
    printf("timed futex wait, SA_RESTART: %s\n", err(r));

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);
    t = start_pester(SIGUSR1);
    r = epoll_wait(ep, &ev, 1, -1);
    stop_pester(t);
    printf("epoll_wait, SA_RESTART: %s\n", err(r));

    struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
    t = start_pester(SIGUSR1);
    r = poll(&pfd, 1, -1);
    stop_pester(t);
    printf("poll, SA_RESTART: %s\n", err(r));

    /* SIGURG is ignored by default: blocked, it stays pending; ppoll's empty mask lets it in,
     * it wakes the call, is thrown away, and ppoll runs again to its timeout. */
    sigset_t urg, none;
    sigemptyset(&urg);
    sigemptyset(&none);
    sigaddset(&urg, SIGURG);
    sigprocmask(SIG_BLOCK, &urg, NULL);
    kill(getpid(), SIGURG);
    struct timespec tenth = {0, 100000000};
    r = ppoll(&pfd, 1, &tenth, &none);
    sigset_t pending;
    sigpending(&pending);
    printf("ppoll woken by an ignored signal: %ld (restarted to its timeout), SIGURG still pending %d\n", r,
           sigismember(&pending, SIGURG));
    sigprocmask(SIG_UNBLOCK, &urg, NULL);
}

static void *take_process_signal(void *arg) {
    (void)arg;
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    handled = 0;
    pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
    return (void *)(long)handled;
}

static void *spin(void *arg) {
    (void)arg;
    while (!spin_stop) {
    }
    return NULL;
}

static void on_stop(int sig) {
    (void)sig;
    spin_stop = 1;
}

static void waiting_for_signals(void) {
    sigset_t usr2, old, pending;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    handle(SIGUSR2, 0);
    sigprocmask(SIG_BLOCK, &usr2, &old);
    raise(SIGUSR2);
    sigpending(&pending);
    printf("sigpending: SIGUSR2 %d, SIGUSR1 %d\n", sigismember(&pending, SIGUSR2), sigismember(&pending, SIGUSR1));

    handled = 0;
    sigset_t during;
    sigemptyset(&during);
    int r = sigsuspend(&during);
    sigset_t after;
    sigprocmask(SIG_SETMASK, NULL, &after);
    printf("sigsuspend: %s, handler ran %d, SIGUSR2 blocked again %d\n", err(r), (int)handled,
           sigismember(&after, SIGUSR2));

    pthread_t t = start_pester(SIGUSR1);
    r = pause();
    stop_pester(t);
    printf("pause: %s\n", err(r));

    handled = 0;
    raise(SIGUSR2);
    siginfo_t info;
    r = sigwaitinfo(&usr2, &info);
    /* si_code: SI_TKILL from the kernel; glibc's sigwaitinfo folds it into SI_USER, musl's not. */
    printf("sigwaitinfo: %d, si_code %d, handler ran %d\n", r, info.si_code, (int)handled);
    struct timespec zero = {0, 0}, tenth = {0, 100000000};
    r = sigtimedwait(&usr2, &info, &zero);
    printf("sigtimedwait, nothing pending: %s\n", err(r));
    r = sigtimedwait(&usr2, &info, &tenth);
    printf("sigtimedwait, 100 ms: %s\n", err(r));
    t = start_pester(SIGUSR2);
    r = sigtimedwait(&usr2, &info, NULL);
    stop_pester(t);
    printf("sigtimedwait, sent by another thread: %d, si_code %d\n", r, info.si_code);
    /* The pester may have sent one more before it stopped: take it, if so. */
    sigtimedwait(&usr2, &info, &zero);

    union sigval v = {.sival_int = 4242};
    sigqueue(getpid(), SIGUSR2, v);
    r = sigwaitinfo(&usr2, &info);
    printf("sigqueue: %d, SI_QUEUE %d, value %d\n", r, info.si_code == SI_QUEUE, info.si_value.sival_int);

    /* A process signal while every thread blocks it waits for the process; the thread that
     * unblocks it takes it. */
    kill(getpid(), SIGUSR2);
    sigpending(&pending);
    void *ran;
    pthread_create(&t, NULL, take_process_signal, NULL);
    pthread_join(t, &ran);
    printf("kill while blocked: pending %d, taken by the thread that unblocked it %d\n",
           sigismember(&pending, SIGUSR2), (int)(long)ran);
    sigpending(&pending);
    printf("after: pending %d\n", sigismember(&pending, SIGUSR2));

    /* Ignored signals are thrown away at once unless blocked; setting SIG_IGN drops a pending
     * one. */
    signal(SIGUSR1, SIG_IGN);
    kill(getpid(), SIGUSR1);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sigpending(&pending);
    printf("ignored, unblocked: pending %d\n", sigismember(&pending, SIGUSR1));
    kill(getpid(), SIGUSR1);
    sigpending(&pending);
    printf("ignored, blocked: pending %d\n", sigismember(&pending, SIGUSR1));
    handle(SIGUSR1, 0);
    signal(SIGUSR1, SIG_IGN);
    sigpending(&pending);
    printf("SIG_IGN set while pending: pending %d\n", sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);

    signal(SIGUSR1, on_stop);
    pthread_create(&t, NULL, spin, NULL);
    sleep_ms(30);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    printf("a spinning thread took the signal: %d\n", (int)spin_stop);
}

int main(void) {
    main_tid = syscall(SYS_gettid);
    interrupted_calls();
    waiting_for_signals();
    return 0;
}
