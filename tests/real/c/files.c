/* The read-only file tree through libc: argv[1] is a directory the test laid out (served with
 * --dir, or natively bind-mounted read-only), argv[2] a file outside it that must not exist.
 * Prints what each call returns, errno by name, so the rt0 and native runs compare line by line.
 * Layout: D/hello.txt ("hello, tree\n"), D/sub/deep.txt (5000 bytes, byte i = 'a' + i % 26),
 * D/sub/empty, D/link -> hello.txt, D/abs -> D/sub, D/loop -> loop, D/dangling -> nowhere,
 * D/tool (mode 0755), D/secret (mode 0600). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "errname.h"

static const char *ename(int e) {
    return errno_name(e);
}

/* The result of a call that returns -1 and errno on failure. */
static void said(const char *what, long r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, ename(errno));
    else
        printf("%s: %ld\n", what, r);
}

static char D[4096];

static const char *at(const char *rel) {
    static char buf[8][4200];
    static int n;
    char *b = buf[n++ % 8];
    snprintf(b, 4200, "%s/%s", D, rel);
    return b;
}

static void show_stat(const char *what, int r, const struct stat *st) {
    if (r < 0) {
        printf("%s: -1 %s\n", what, ename(errno));
        return;
    }
    const char *type = S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir" : S_ISLNK(st->st_mode) ? "link" : "other";
    printf("%s: %s mode %o", what, type, (unsigned)(st->st_mode & 07777));
    /* A directory's size and link count are the filesystem's own business. */
    if (!S_ISDIR(st->st_mode))
        printf(" size %lld nlink %lu", (long long)st->st_size, (unsigned long)st->st_nlink);
    printf("\n");
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s: %s\n", dir + strlen(D), ename(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(300);
        snprintf(s, 300, "%s(%s)", e->d_name, e->d_type == DT_DIR ? "d" : e->d_type == DT_REG ? "f" : e->d_type == DT_LNK ? "l" : "?");
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("readdir:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    snprintf(D, sizeof D, "%s", argv[1]);
    char buf[8192];
    struct stat st;

    /* open, read, lseek, pread, readv, fstat */
    int fd = open(at("hello.txt"), O_RDONLY);
    said("open hello.txt", fd >= 0 ? 0 : -1);
    ssize_t n = read(fd, buf, 5);
    printf("read 5: %zd \"%.*s\"\n", n, (int)n, buf);
    n = read(fd, buf, sizeof buf);
    printf("read rest: %zd \"%.*s\"\n", n, (int)(n > 0 ? n - 1 : 0), buf);
    said("read at end", read(fd, buf, sizeof buf));
    said("lseek end", lseek(fd, 0, SEEK_END));
    said("lseek set 7", lseek(fd, 7, SEEK_SET));
    said("lseek cur -2", lseek(fd, -2, SEEK_CUR));
    said("lseek negative", lseek(fd, -100, SEEK_CUR));
    said("lseek past end", lseek(fd, 100, SEEK_SET));
    said("lseek data 3", lseek(fd, 3, SEEK_DATA));
    said("lseek hole 3", lseek(fd, 3, SEEK_HOLE));
    said("lseek data past end", lseek(fd, 50, SEEK_DATA));
    said("lseek bad whence", lseek(fd, 0, 9));
    n = pread(fd, buf, 4, 7);
    printf("pread 4 at 7: %zd \"%.*s\"\n", n, (int)n, buf);
    said("pread negative", pread(fd, buf, 4, -1));
    said("position after pread", lseek(fd, 0, SEEK_CUR));
    lseek(fd, 0, SEEK_SET);
    char a[3], b[4];
    struct iovec iov[2] = {{a, 3}, {b, 4}};
    n = readv(fd, iov, 2);
    printf("readv 3+4: %zd \"%.3s|%.4s\"\n", n, a, b);
    said("write to a read-only descriptor", write(fd, "x", 1));
    show_stat("fstat hello.txt", fstat(fd, &st), &st);
    printf("fstat blksize %ld\n", (long)st.st_blksize);
    close(fd);
    said("read after close", read(fd, buf, 1));

    /* stat, lstat, readlink */
    show_stat("stat sub/deep.txt", stat(at("sub/deep.txt"), &st), &st);
    show_stat("stat sub/empty", stat(at("sub/empty"), &st), &st);
    show_stat("stat link", stat(at("link"), &st), &st);
    show_stat("lstat link", lstat(at("link"), &st), &st);
    show_stat("stat abs", stat(at("abs"), &st), &st);
    show_stat("stat dir", stat(D, &st), &st);
    show_stat("stat dir/.", stat(at("."), &st), &st);
    show_stat("stat sub/../hello.txt", stat(at("sub/../hello.txt"), &st), &st);
    show_stat("stat missing", stat(at("missing"), &st), &st);
    show_stat("stat hello.txt/x", stat(at("hello.txt/x"), &st), &st);
    show_stat("stat hello.txt/", stat(at("hello.txt/"), &st), &st);
    show_stat("stat loop", stat(at("loop"), &st), &st);
    show_stat("lstat loop", lstat(at("loop"), &st), &st);
    show_stat("stat dangling", stat(at("dangling"), &st), &st);
    show_stat("stat outside", stat(argv[2], &st), &st);
    n = readlink(at("link"), buf, sizeof buf);
    printf("readlink link: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    n = readlink(at("link"), buf, 3);
    printf("readlink link, 3 bytes: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    said("readlink hello.txt", readlink(at("hello.txt"), buf, sizeof buf));
    said("readlink missing", readlink(at("missing"), buf, sizeof buf));

    /* a 5000-byte file read in pieces, then mapped */
    fd = open(at("sub/deep.txt"), O_RDONLY | O_CLOEXEC);
    long sum = 0, total = 0;
    while ((n = read(fd, buf, 1000)) > 0) {
        total += n;
        for (ssize_t i = 0; i < n; i++)
            sum += buf[i];
    }
    printf("deep.txt: %ld bytes, sum %ld\n", total, sum);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        printf("mmap: %s\n", ename(errno));
    } else {
        printf("mmap: [0]=%c [4999]=%c [5000]=%d\n", m[0], m[4999], m[5000]);
        m[0] = 'Z';
        pread(fd, buf, 1, 0);
        printf("after a write to the private copy: map %c file %c\n", m[0], buf[0]);
        munmap(m, 8192);
    }
    m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    printf("mmap at 4096: %c\n", m == MAP_FAILED ? '!' : m[0]);
    said("mmap shared writable", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    said("mmap unaligned offset", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED ? -1 : 0);
    close(fd);

    /* directories */
    list(D);
    list(at("sub"));
    list(at("hello.txt"));
    fd = open(D, O_RDONLY | O_DIRECTORY);
    said("read a directory", read(fd, buf, 10));
    said("getdents64 into 10 bytes", syscall(SYS_getdents64, fd, buf, 10));
    close(fd);
    fd = open(at("hello.txt"), O_RDONLY);
    said("getdents64 of a file", syscall(SYS_getdents64, fd, buf, sizeof buf));
    close(fd);

    /* access */
    said("access hello.txt R_OK", access(at("hello.txt"), R_OK));
    said("access hello.txt W_OK", access(at("hello.txt"), W_OK));
    said("access hello.txt X_OK", access(at("hello.txt"), X_OK));
    said("access tool X_OK", access(at("tool"), X_OK));
    said("access secret R_OK", access(at("secret"), R_OK));
    said("access dir X_OK", access(D, X_OK));
    said("access dir W_OK", access(D, W_OK));
    said("access missing F_OK", access(at("missing"), F_OK));
    said("faccessat bad mode", faccessat(AT_FDCWD, D, 8, 0));

    /* writes: a read-only tree */
    said("open O_WRONLY", open(at("hello.txt"), O_WRONLY));
    said("open O_RDWR", open(at("hello.txt"), O_RDWR));
    said("open O_TRUNC", open(at("hello.txt"), O_RDONLY | O_TRUNC));
    said("open O_CREAT new", open(at("new.txt"), O_WRONLY | O_CREAT, 0644));
    said("open O_CREAT in a missing dir", open(at("nodir/new.txt"), O_WRONLY | O_CREAT, 0644));
    said("open O_CREAT|O_EXCL existing", open(at("hello.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    said("open O_CREAT existing, read-only", (fd = open(at("hello.txt"), O_RDONLY | O_CREAT, 0644)) < 0 ? -1 : 0);
    close(fd);
    said("open dir O_RDWR", open(D, O_RDWR));
    said("open dir O_CREAT", open(D, O_RDONLY | O_CREAT, 0644));
    said("open O_DIRECTORY file", open(at("hello.txt"), O_RDONLY | O_DIRECTORY));
    said("open O_NOFOLLOW link", open(at("link"), O_RDONLY | O_NOFOLLOW));
    said("open loop", open(at("loop"), O_RDONLY));
    said("open missing", open(at("missing"), O_RDONLY));
    said("open hello.txt/x", open(at("hello.txt/x"), O_RDONLY));
    said("open empty name", open("", O_RDONLY));
    said("mkdir new", mkdir(at("newdir"), 0755));
    said("mkdir existing", mkdir(at("sub"), 0755));
    said("mkdir in a missing dir", mkdir(at("nodir/x"), 0755));
    said("unlink hello.txt", unlink(at("hello.txt")));
    said("unlink missing", unlink(at("missing")));
    said("unlink dir", unlink(at("sub")));
    said("rmdir sub", rmdir(at("sub")));
    said("rmdir file", rmdir(at("hello.txt")));
    said("rename", rename(at("hello.txt"), at("bye.txt")));
    said("chmod", chmod(at("hello.txt"), 0600));
    said("truncate", truncate(at("hello.txt"), 0));
    said("symlink", symlink("x", at("newlink")));

    /* working directory */
    char cwd[4096];
    said("chdir sub", chdir(at("sub")));
    printf("getcwd is the dir's sub: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, at("sub")) == 0);
    said("getcwd into 2 bytes", getcwd(cwd, 2) ? 0 : -1);
    fd = open("deep.txt", O_RDONLY);
    n = read(fd, buf, 3);
    printf("relative read: \"%.*s\"\n", (int)n, buf);
    close(fd);
    show_stat("stat ../link", stat("../link", &st), &st);
    said("chdir a file", chdir(at("hello.txt")));
    said("chdir missing", chdir(at("missing")));
    int dfd = open(D, O_RDONLY | O_DIRECTORY);
    said("openat sub/deep.txt", (fd = openat(dfd, "sub/deep.txt", O_RDONLY)) < 0 ? -1 : 0);
    close(fd);
    show_stat("fstatat link nofollow", fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW), &st);
    show_stat("fstatat empty path", fstatat(dfd, "", &st, AT_EMPTY_PATH), &st);
    int ffd = open(at("hello.txt"), O_RDONLY);
    said("openat relative to a file", openat(ffd, "x", O_RDONLY));
    said("fchdir a file", fchdir(ffd));
    said("fchdir dir", fchdir(dfd));
    printf("getcwd is the dir: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, D) == 0);
    said("openat bad dirfd", openat(999, "x", O_RDONLY));
    said("chdir ..", chdir(".."));
    said("stat back down", stat(at("hello.txt"), &st));
    return 0;
}
