/* Writing in /tmp through libc: files made, written, read back, truncated, renamed and
 * removed; directories, symbolic links, modes, times and the umask; an unlinked file still open.
 * argv[1] is a directory of the read-only tree (a rename from /tmp into it is EXDEV). Everything
 * happens in a fresh mkdtemp directory, removed at the end, and only relative names are printed,
 * so rt0 and Linux print the same. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "errname.h"

static const char *ename(int e) {
    return errno_name(e);
}

static void said(const char *what, long r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, ename(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void show(const char *what, const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) {
        printf("%s: -1 %s\n", what, ename(errno));
        return;
    }
    const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "other";
    printf("%s: %s mode %o", what, type, (unsigned)(st.st_mode & 07777));
    if (!S_ISDIR(st.st_mode))
        printf(" size %lld", (long long)st.st_size);
    printf("\n");
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("list:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

/* `tmp full`: fills /tmp 1 MiB at a time and says where it stopped (rt0's /tmp holds 64 MiB:
 * MAX_BYTES in kernel/src/fd/tmpfs.rs). */
static int fill(void) {
    static char mib[1 << 20];
    memset(mib, 'x', sizeof mib);
    int fd = open("/tmp/rt0-fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    long total = 0;
    ssize_t n;
    while ((n = write(fd, mib, sizeof mib)) > 0)
        total += n;
    printf("filled: %ld bytes, then %s\n", total, ename(errno));
    said("a new file's first byte", write(open("/tmp/rt0-more", O_WRONLY | O_CREAT, 0600), "y", 1));
    said("ftruncate to free 1 MiB", ftruncate(fd, total - (1 << 20)));
    lseek(fd, 0, SEEK_END);
    said("1 MiB into the freed room", write(fd, mib, sizeof mib));
    said("1 MiB more", write(fd, mib, sizeof mib));
    said("unlink the full file", unlink("/tmp/rt0-fill"));
    said("1 MiB while it is still open", write(open("/tmp/rt0-again", O_WRONLY | O_CREAT, 0600), mib, sizeof mib));
    close(fd);
    unlink("/tmp/rt0-more");
    said("after its last close, 1 MiB", write(open("/tmp/rt0-again", O_WRONLY | O_APPEND), mib, sizeof mib));
    unlink("/tmp/rt0-again");
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "full") == 0)
        return fill();
    if (argc < 2)
        return 2;
    char dir[] = "/tmp/rt0-tmp-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("mkdtemp: %s\n", ename(errno));
        return 1;
    }
    if (chdir(dir) < 0)
        return 1;
    show("the new directory", ".");
    char buf[256];

    umask(022);
    int fd = open("a.txt", O_RDWR | O_CREAT | O_EXCL, 0666);
    said("create a.txt", fd < 0 ? -1 : 0);
    said("write", write(fd, "hello, world\n", 13));
    said("pwrite at 7", pwrite(fd, "there", 5, 7));
    said("position", lseek(fd, 0, SEEK_CUR));

    ssize_t n = pread(fd, buf, sizeof buf, 0);
    printf("pread: %zd \"%.*s\"\n", n, (int)(n > 0 ? n - 1 : 0), buf);
    said("pwrite past the end", pwrite(fd, "!", 1, 20));
    show("after a write past the end", "a.txt");
    n = pread(fd, buf, sizeof buf, 0);
    printf("the gap reads as zeros: %d %d\n", buf[13] == 0 && buf[19] == 0, buf[20] == '!');
    said("ftruncate 5", ftruncate(fd, 5));
    show("truncated", "a.txt");
    said("ftruncate -1", ftruncate(fd, -1));
    said("lseek end", lseek(fd, 0, SEEK_END));
    char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap: %.5s\n", m == MAP_FAILED ? "!" : m);
    close(fd);
    said("create a.txt again, O_EXCL", open("a.txt", O_RDWR | O_CREAT | O_EXCL, 0666));
    fd = open("a.txt", O_WRONLY | O_APPEND);
    said("append", write(fd, "++", 2));
    close(fd);
    fd = open("a.txt", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read back: %zd \"%.*s\"\n", n, (int)n, buf);
    said("ftruncate a read-only descriptor", ftruncate(fd, 0));
    said("write a read-only descriptor", write(fd, "x", 1));
    close(fd);
    fd = open("a.txt", O_RDWR | O_TRUNC);
    show("O_TRUNC", "a.txt");
    close(fd);
    said("truncate 3", truncate("a.txt", 3));
    show("truncated by name", "a.txt");

    umask(077);
    close(open("private", O_WRONLY | O_CREAT, 0666));
    show("made under umask 077", "private");
    said("chmod 0640", chmod("private", 0640));
    show("after chmod", "private");
    umask(022);

    said("mkdir d", mkdir("d", 0777));
    show("d", "d");
    said("mkdir d again", mkdir("d", 0777));
    said("mkdir in a missing dir", mkdir("nope/x", 0777));
    close(open("d/inner", O_WRONLY | O_CREAT, 0644));
    said("rmdir d (not empty)", rmdir("d"));
    said("unlink d", unlink("d"));
    said("rmdir a.txt", rmdir("a.txt"));
    said("rename d into itself", rename("d", "d/sub"));
    said("rename a.txt over d", rename("a.txt", "d"));
    said("rename d over a.txt", rename("d", "a.txt"));
    said("rename a.txt to b.txt", rename("a.txt", "b.txt"));
    said("rename private over b.txt", rename("private", "b.txt"));
    said("rename a missing name", rename("missing", "x"));
    list(".");
    said("symlink", symlink("b.txt", "ln"));
    said("symlink again", symlink("b.txt", "ln"));
    n = readlink("ln", buf, sizeof buf);
    printf("readlink: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    show("lstat ln", "ln");
    said("open O_NOFOLLOW ln", open("ln", O_RDONLY | O_NOFOLLOW));
    struct timespec times[2] = {{1000000000, 5}, {1234567890, 123456789}};
    said("utimensat", utimensat(AT_FDCWD, "b.txt", times, 0));
    struct stat st;
    stat("b.txt", &st);
    printf("mtime: %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

    /* an unlinked file stays readable through its descriptor */
    fd = open("gone", O_RDWR | O_CREAT, 0600);
    write(fd, "still here", 10);
    said("unlink gone", unlink("gone"));
    said("stat gone", stat("gone", &st));
    n = pread(fd, buf, sizeof buf, 0);
    printf("read after unlink: \"%.*s\"\n", (int)n, buf);
    fstat(fd, &st);
    printf("fstat after unlink: nlink %lu\n", (unsigned long)st.st_nlink);
    close(fd);

    /* writev, and a directory listing that changes */
    fd = open("v", O_WRONLY | O_CREAT, 0644);
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    said("writev", writev(fd, iov, 2));
    close(fd);
    show("v", "v");
    char outside[4200];
    snprintf(outside, sizeof outside, "%s/moved", argv[1]);
    said("rename into the read-only tree", rename("v", outside));
    list(".");

    /* clean up */
    unlink("d/inner");
    rmdir("d");
    unlink("b.txt");
    unlink("ln");
    unlink("v");
    list(".");
    chdir("/");
    said("rmdir the directory", rmdir(dir));
    return 0;
}
