/* O_PATH descriptors (Linux's open(2), "O_PATH"): they name a file without opening it for I/O.
 * argv[1] is a directory of the read-only tree holding hello.txt, sub/ and link -> hello.txt.
 * A descriptor so opened serves fstat, fstatat with AT_EMPTY_PATH, fchdir, dup, fcntl, close and
 * the *at calls as a directory descriptor; read, write, lseek, getdents64, mmap, ioctl, fchmod,
 * ftruncate, fsync and epoll_ctl are EBADF, poll says POLLNVAL. O_PATH drops every other flag:
 * no access is checked (O_RDWR on the read-only tree, on a directory), O_CREAT does not create,
 * and with O_NOFOLLOW a final symbolic link is opened itself. Only verdicts and relative facts
 * are printed, so rt0 and Linux print the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errname.h"

static const char *kind(mode_t m) {
    switch (m & S_IFMT) {
    case S_IFREG: return "regular";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "char device";
    default: return "other";
    }
}

/* Every I/O call on `fd`, which must be an O_PATH descriptor. */
static void no_io(const char *name, int fd) {
    char buf[64], what[96];
    struct stat st;
    snprintf(what, sizeof what, "%s read", name);
    SHOW(what, read(fd, buf, sizeof buf));
    snprintf(what, sizeof what, "%s write", name);
    SHOW(what, write(fd, "x", 1));
    snprintf(what, sizeof what, "%s pread", name);
    SHOW(what, pread(fd, buf, sizeof buf, 0));
    snprintf(what, sizeof what, "%s lseek", name);
    SHOW(what, lseek(fd, 0, SEEK_SET));
    snprintf(what, sizeof what, "%s getdents64", name);
    SHOW(what, syscall(SYS_getdents64, fd, buf, sizeof buf));
    snprintf(what, sizeof what, "%s mmap", name);
    errno = 0;
    void *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("%s: %s\n", what, m == MAP_FAILED ? result_name(-1) : "OK");
    int n;
    snprintf(what, sizeof what, "%s ioctl FIONREAD", name);
    SHOW(what, ioctl(fd, FIONREAD, &n));
    snprintf(what, sizeof what, "%s fchmod", name);
    SHOW(what, syscall(SYS_fchmod, fd, 0644)); /* musl retries through /proc/self/fd */
    snprintf(what, sizeof what, "%s ftruncate", name);
    SHOW(what, ftruncate(fd, 0));
    snprintf(what, sizeof what, "%s fsync", name);
    SHOW(what, fsync(fd));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    snprintf(what, sizeof what, "%s epoll_ctl", name);
    SHOW(what, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    close(ep);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 0);
    printf("%s poll: revents %s\n", name, p.revents == POLLNVAL ? "POLLNVAL" : "other");
    snprintf(what, sizeof what, "%s fstat", name);
    SHOW(what, fstat(fd, &st));
    printf("%s is a %s\n", name, kind(st.st_mode));
    memset(&st, 0, sizeof st);
    snprintf(what, sizeof what, "%s fstatat AT_EMPTY_PATH", name);
    SHOW(what, fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("%s fstatat says %s\n", name, kind(st.st_mode));
    printf("%s F_GETFL has O_PATH: %s\n", name, (fcntl(fd, F_GETFL) & O_PATH) ? "yes" : "no");
    int d = dup(fd);
    printf("%s dup: %s, F_GETFD of an O_CLOEXEC one: %d\n", name, d >= 0 ? "OK" : "FAILED", fcntl(fd, F_GETFD));
    close(d);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];

    snprintf(path, sizeof path, "%s/hello.txt", argv[1]);
    int f = open(path, O_PATH | O_RDWR | O_TRUNC | O_CLOEXEC);
    printf("open hello.txt O_PATH|O_RDWR|O_TRUNC on the read-only tree: %s\n", result_name(f));
    no_io("file", f);
    struct stat st;
    stat(path, &st);
    printf("hello.txt still %lld bytes\n", (long long)st.st_size);

    snprintf(path, sizeof path, "%s/sub", argv[1]);
    int d = open(path, O_PATH | O_RDWR | O_CLOEXEC);
    printf("open sub O_PATH|O_RDWR: %s\n", result_name(d));
    no_io("dir", d);
    int in = openat(d, "deep.txt", O_RDONLY);
    char buf[8] = {0};
    printf("openat through the O_PATH directory: %s, read %zd\n", result_name(in), read(in, buf, 3));
    close(in);
    char cwd[4096], was[4096];
    getcwd(was, sizeof was);
    SHOW("fchdir to the O_PATH directory", fchdir(d));
    getcwd(cwd, sizeof cwd);
    printf("cwd ends with /sub: %s\n", strlen(cwd) >= 4 && !strcmp(cwd + strlen(cwd) - 4, "/sub") ? "yes" : "no");
    chdir(was);
    SHOW("openat(file O_PATH, \"x\")", openat(f, "x", O_RDONLY));
    SHOW("open hello.txt O_PATH|O_DIRECTORY", ({
             snprintf(path, sizeof path, "%s/hello.txt", argv[1]);
             open(path, O_PATH | O_DIRECTORY);
         }));
    snprintf(path, sizeof path, "%s/missing", argv[1]);
    SHOW("open missing O_PATH|O_CREAT", open(path, O_PATH | O_CREAT, 0644));

    snprintf(path, sizeof path, "%s/link", argv[1]);
    int l = open(path, O_PATH | O_NOFOLLOW);
    printf("open link O_PATH|O_NOFOLLOW: %s\n", result_name(l));
    fstat(l, &st);
    printf("it is a %s\n", kind(st.st_mode));
    int lf = open(path, O_PATH);
    fstat(lf, &st);
    printf("open link O_PATH: %s, a %s of %lld bytes\n", result_name(lf), kind(st.st_mode), (long long)st.st_size);
    SHOW("open link O_RDONLY|O_NOFOLLOW", open(path, O_RDONLY | O_NOFOLLOW));

    int n = open("/dev/null", O_PATH | O_WRONLY);
    printf("open /dev/null O_PATH: %s\n", result_name(n));
    fstat(n, &st);
    printf("/dev/null is a %s\n", kind(st.st_mode));
    SHOW("/dev/null O_PATH write", write(n, "x", 1));

    /* In /tmp: an O_PATH descriptor keeps an unlinked file, as any open one does. */
    char dir[] = "/tmp/opath-XXXXXX";
    if (!mkdtemp(dir)) return 3;
    snprintf(path, sizeof path, "%s/gone", dir);
    int w = open(path, O_CREAT | O_WRONLY, 0644);
    write(w, "12345", 5);
    close(w);
    int g = open(path, O_PATH);
    unlink(path);
    fstat(g, &st);
    printf("unlinked file through O_PATH: %lld bytes, %d links\n", (long long)st.st_size, (int)st.st_nlink);
    close(g);
    rmdir(dir);
    return 0;
}
