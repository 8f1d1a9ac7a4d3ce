/* Processes as Linux makes them: fork with exit codes and deaths by signal, wait4/waitpid and
 * waitid with their errors, pipes between parent and child, close-on-exec across execve, vfork
 * and posix_spawn of this same program (argv[0], /proc/self/exe), execve's errors, SIGCHLD.
 * Run with no arguments; it runs itself again with a role as argv[1]. */
#define _GNU_SOURCE
#include "errname.h"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void describe(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else
        printf("%s: status %#x\n", what, status);
}

static volatile sig_atomic_t usr1_seen, usr1_on_altstack;
static char altstack[65536];
static void on_usr1(int sig) {
    char here;
    (void)sig;
    usr1_seen++;
    usr1_on_altstack = &here >= altstack && &here < altstack + sizeof altstack;
}

static volatile sig_atomic_t sigchld_seen;
static void on_sigchld(int sig) { (void)sig; sigchld_seen++; }

/* The roles this program plays when it runs itself again. */
static int child_role(int argc, char **argv) {
    if (strcmp(argv[1], "exec-child") == 0) {
        /* argv[2]: a descriptor opened with O_CLOEXEC, argv[3]: one without. */
        int closed = atoi(argv[2]), kept = atoi(argv[3]);
        errno = 0;
        long r = fcntl(closed, F_GETFD);
        printf("exec child: cloexec fd %s\n", result_name(r));
        errno = 0;
        r = fcntl(kept, F_GETFD);
        printf("exec child: inherited fd %s\n", result_name(r));
        const char msg[] = "through the inherited pipe";
        write(kept, msg, sizeof msg - 1);
        printf("exec child: parent is the caller: %s\n", getppid() == atoi(argv[4]) ? "yes" : "no");
        return 5;
    }
    if (strcmp(argv[1], "spawned") == 0) {
        printf("spawned child: argc %d, last arg %s, env RT0_SPAWN=%s\n", argc, argv[argc - 1], getenv("RT0_SPAWN"));
        return 7;
    }
    printf("unknown role %s\n", argv[1]);
    return 1;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1)
        return child_role(argc, argv);
    int status;
    pid_t me = getpid();

    /* fork, exit codes, getppid. */
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: parent is %s\n", getppid() == me ? "the forker" : "someone else");
        _exit(3);
    }
    pid_t got = waitpid(pid, &status, 0);
    printf("waitpid returned the child: %s\n", got == pid ? "yes" : "no");
    describe("fork child", status);

    /* The child's memory is a copy: its writes are its own. */
    static int shared_value = 1;
    pid = fork();
    if (pid == 0) {
        shared_value = 42;
        _exit(shared_value);
    }
    waitpid(pid, &status, 0);
    describe("child that wrote 42", status);
    printf("parent still sees %d\n", shared_value);

    /* The working directory and the signal handlers are the child's own copies. */
    char before[512], after[512];
    getcwd(before, sizeof before);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction usr = {0};
    usr.sa_handler = on_usr1;
    usr.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &usr, NULL);
    pid = fork();
    if (pid == 0) {
        int moved = chdir("/tmp");
        raise(SIGUSR1);
        _exit(moved == 0 && usr1_seen == 1 && usr1_on_altstack ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    describe("child that moved to /tmp and raised SIGUSR1 into the inherited handler on the inherited alternate stack", status);
    getcwd(after, sizeof after);
    printf("parent's working directory unchanged: %s, its handler not run: %s\n",
           strcmp(before, after) == 0 ? "yes" : "no", usr1_seen == 0 ? "yes" : "no");
    signal(SIGUSR1, SIG_DFL);

    /* Death by a signal: a fault, and a kill from the parent. */
    pid = fork();
    if (pid == 0) {
        *(volatile int *)8 = 1;
        _exit(0);
    }
    waitpid(pid, &status, 0);
    describe("child that wrote to address 8", status);
    int gate[2];
    pipe(gate);
    pid = fork();
    if (pid == 0) {
        char c;
        close(gate[1]);
        read(gate[0], &c, 1); /* never returns: the parent kills it */
        _exit(0);
    }
    close(gate[0]);
    printf("kill the child: %s\n", result_name(kill(pid, SIGTERM)));
    waitpid(pid, &status, 0);
    describe("killed child", status);
    close(gate[1]);
    errno = 0;
    printf("kill the reaped child: %s\n", result_name(kill(pid, 0)));

    /* A pipe from child to parent: end of file once the child is gone. */
    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        const char msg[] = "hello from the child";
        write(p[1], msg, sizeof msg - 1);
        _exit(0);
    }
    close(p[1]);
    char buf[128];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    printf("read from the child until end of file: \"%s\" (last read %zd)\n", buf, r);
    close(p[0]);
    waitpid(pid, &status, 0);

    /* wait errors. */
    SHOW("waitpid with no child left", waitpid(-1, &status, 0));
    SHOW("waitpid WNOHANG with no child left", waitpid(-1, &status, WNOHANG));
    SHOW("waitpid with bad options", waitpid(-1, &status, 0x12345));
    SHOW("waitpid of a pid that is no child", waitpid(1 << 20, &status, 0));

    /* WNOHANG while the child runs, then waitid with WNOWAIT, then the reaping wait. */
    int hold[2];
    pipe(hold);
    pid = fork();
    if (pid == 0) {
        char c;
        close(hold[1]);
        read(hold[0], &c, 1);
        _exit(9);
    }
    close(hold[0]);
    printf("WNOHANG while the child runs: %d\n", waitpid(pid, &status, WNOHANG));
    close(hold[1]); /* the child reads end of file and exits */
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    int w = waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    printf("waitid WNOWAIT: %d, signo SIGCHLD %s, code CLD_EXITED %s, pid %s, status %d\n", w,
           si.si_signo == SIGCHLD ? "yes" : "no", si.si_code == CLD_EXITED ? "yes" : "no",
           si.si_pid == pid ? "yes" : "no", si.si_status);
    got = waitpid(pid, &status, 0);
    printf("still there for waitpid: %s\n", got == pid ? "yes" : "no");
    describe("waitid child", status);
    SHOW("waitid with no child left", waitid(P_ALL, 0, &si, WEXITED));
    SHOW("waitid without WEXITED", waitid(P_ALL, 0, &si, WNOHANG));

    /* SIGCHLD reaches a handler. */
    struct sigaction sa = {0};
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);
    pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    printf("SIGCHLD handled: %d\n", (int)sigchld_seen);
    signal(SIGCHLD, SIG_DFL);

    /* vfork + execve of this program (/proc/self/exe), with a close-on-exec descriptor. */
    int ce[2], inh[2];
    pipe2(ce, O_CLOEXEC);
    pipe(inh);
    char a2[16], a3[16], a4[16];
    snprintf(a2, sizeof a2, "%d", ce[0]);
    snprintf(a3, sizeof a3, "%d", inh[1]);
    snprintf(a4, sizeof a4, "%d", (int)me);
    char *cargv[] = {argv[0], "exec-child", a2, a3, a4, NULL};
    pid = vfork();
    if (pid == 0) {
        execve("/proc/self/exe", cargv, environ);
        _exit(127);
    }
    close(inh[1]);
    waitpid(pid, &status, 0);
    describe("vfork+execve child", status);
    n = read(inh[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("parent read \"%s\"\n", buf);
    close(inh[0]);
    close(ce[0]);
    close(ce[1]);

    /* posix_spawn of this program by its name, with an environment. */
    char *sargv[] = {argv[0], "spawned", "x", "y", NULL};
    char *senv[] = {"RT0_SPAWN=yes", NULL};
    int e = posix_spawn(&pid, argv[0], NULL, NULL, sargv, senv);
    waitpid(pid, &status, 0); /* the child prints as it likes: print once it is gone */
    printf("posix_spawn: %s\n", errno_name(e));
    describe("spawned child", status);

    /* execve's errors, in a child each (a failed execve returns). */
    char script[64];
    snprintf(script, sizeof script, "/tmp/rt0-procs-not-elf-%d", (int)me);
    int fd = open(script, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    write(fd, "hello\n", 6);
    close(fd);
    char *big = malloc(200000);
    memset(big, 'a', 199999);
    big[199999] = 0;
    char *bigv[] = {argv[0], big, NULL};
    char *nov[] = {argv[0], NULL};
    SHOW("execve of a missing file", syscall(SYS_execve, "/no/such/program", nov, environ));
    SHOW("execve of a directory", syscall(SYS_execve, "/tmp", nov, environ));
    SHOW("execve of a file that is no ELF", syscall(SYS_execve, script, nov, environ));
    SHOW("execve with a 200000-byte argument", syscall(SYS_execve, argv[0], bigv, environ));
    SHOW("execve of a bad path pointer", syscall(SYS_execve, (char *)8, nov, environ));
    unlink(script);
    free(big);
    printf("done\n");
    return 0;
}
