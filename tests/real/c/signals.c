/* Signals a C program sends itself: raise() with a handler (SA_SIGINFO: si_code SI_TKILL,
 * si_pid the process), a signal held by sigprocmask and delivered when unblocked, SIGPIPE
 * ignored so a write to a broken pipe is EPIPE, then abort(): SIGABRT, exit 134 as a shell says. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, code, from_self;

static void on_usr1(int sig, siginfo_t *info, void *uc) {
    (void)uc;
    got = sig;
    code = info->si_code;
    from_self = info->si_pid == getpid();
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("raise: handler got %d, si_code SI_TKILL %d, from this process %d\n", (int)got, code == SI_TKILL, (int)from_self);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    got = 0;
    sigprocmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR1);
    printf("blocked: handler ran %d\n", got != 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: handler ran %d, si_code SI_USER %d\n", got != 0, code == SI_USER);

    int fds[2];
    signal(SIGPIPE, SIG_IGN);
    pipe(fds);
    close(fds[0]);
    ssize_t n = write(fds[1], "x", 1);
    printf("broken pipe: %zd %s\n", n, strerror(errno));

    fflush(stdout);
    abort();
}
