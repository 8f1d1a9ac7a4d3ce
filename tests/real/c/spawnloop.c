/* The cost of a new process, for BENCHMARKS.md: `spawnloop MODE N` makes N children one after the
 * other and waits for each — MODE `fork` (the child _exits at once), `vfork-exec` (vfork, then
 * execve of /proc/self/exe, which exits at once) or `spawn` (posix_spawn of argv[0]) — and
 * prints how many exited with 0. `spawnloop child` is the program the last two run. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return 0;
    if (argc != 3) {
        fprintf(stderr, "usage: spawnloop fork|vfork-exec|spawn N\n");
        return 2;
    }
    const char *mode = argv[1];
    int n = atoi(argv[2]), ok = 0;
    char *cargv[] = {argv[0], "child", NULL};
    for (int i = 0; i < n; i++) {
        pid_t pid = -1;
        if (strcmp(mode, "fork") == 0) {
            pid = fork();
            if (pid == 0)
                _exit(0);
        } else if (strcmp(mode, "vfork-exec") == 0) {
            pid = vfork();
            if (pid == 0) {
                execve("/proc/self/exe", cargv, environ);
                _exit(127);
            }
        } else if (posix_spawn(&pid, argv[0], NULL, NULL, cargv, environ) != 0) {
            pid = -1;
        }
        int status;
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    printf("%s: %d of %d children exited with 0\n", mode, ok, n);
    return ok == n ? 0 : 1;
}
