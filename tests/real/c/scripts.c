/* `#!` scripts through execve (Linux fs/binfmt_script.c), over a tree the test lays out in the
 * directory argv[1] (the same path on rt0, served with --dir, and natively): each case runs in a
 * child that execs the named file with the arguments "x y"; the child's output comes first, then
 * what execve said or how the child ended.
 *
 *   hello.sh   #!DIR/busybox sh      a shell script: $0 is the script's path, $1 and $2 its args
 *   echoer     #! DIR/busybox  echo  an interpreter with an argument (spaces around it dropped)
 *   nested     #!DIR/echoer          an interpreter that is itself a script
 *   c5         five scripts, each the next one's interpreter, then busybox: runs
 *   c6         six: ELOOP
 *   loop       #!DIR/loop            ELOOP
 *   missing    #!DIR/nowhere         ENOENT
 *   blank      "#!   " and a newline ENOEXEC (no interpreter named)
 *   bare       "#!" and nothing else the empty path: EACCES
 *   plain      #!DIR/hello.txt       an interpreter without an execute bit: EACCES
 *   notexec    a script without an execute bit: EACCES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

static void run(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)name, "x", "y", NULL};
        char *envp[] = {"PATH=/nowhere", NULL};
        execve(path, argv, envp);
        printf("%s: execve %s\n", name, errno_name(errno));
        fflush(stdout);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 127)
        printf("%s: exit %d\n", name, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: signal %d\n", name, WTERMSIG(status));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: scripts DIR\n");
        return 2;
    }
    const char *cases[] = {"hello.sh", "echoer", "nested", "c5", "c6", "loop", "missing", "blank", "bare", "plain", "notexec"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(argv[1], cases[i]);
    return 0;
}
