/* Hard links in /tmp (link, linkat): a second name for one inode — the same st_ino, st_nlink 2,
 * writes through one name read through the other, the bytes kept until the last name goes;
 * EEXIST, ENOENT, EPERM for a directory, EINVAL for unknown flags, EXDEV from the read-only tree
 * (argv[1], holding hello.txt); linkat's AT_SYMLINK_FOLLOW; rename between two names of one inode
 * does nothing. Everything happens in a fresh mkdtemp directory, removed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "errname.h"

static void show_stat(const char *name) {
    struct stat st;
    if (lstat(name, &st)) {
        printf("%s: %s\n", name, result_name(-1));
        return;
    }
    printf("%s: %s, %lld bytes, %d links\n", name, S_ISLNK(st.st_mode) ? "symlink" : S_ISREG(st.st_mode) ? "file" : "other",
           (long long)st.st_size, (int)st.st_nlink);
}

static int same_inode(const char *a, const char *b) {
    struct stat x, y;
    return !lstat(a, &x) && !lstat(b, &y) && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char dir[] = "/tmp/links-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir)) return 3;

    int fd = open("a", O_CREAT | O_WRONLY, 0644);
    write(fd, "12345", 5);
    close(fd);
    SHOW("link a b", link("a", "b"));
    show_stat("a");
    show_stat("b");
    printf("a and b are one inode: %s\n", same_inode("a", "b") ? "yes" : "no");
    fd = open("b", O_WRONLY | O_APPEND);
    write(fd, "678", 3);
    close(fd);
    char buf[16] = {0};
    fd = open("a", O_RDONLY);
    printf("read through a: %zd \"%s\"\n", read(fd, buf, sizeof buf - 1), buf);
    close(fd);

    SHOW("link a b again", link("a", "b"));
    SHOW("link missing c", link("missing", "c"));
    mkdir("d", 0755);
    SHOW("link d dl (a directory)", link("d", "dl"));
    SHOW("linkat with flag 1", linkat(AT_FDCWD, "a", AT_FDCWD, "e", 1));
    char tree[4096];
    snprintf(tree, sizeof tree, "%s/hello.txt", argv[1]);
    SHOW("link from the read-only tree into /tmp", link(tree, "t"));

    symlink("a", "s");
    SHOW("linkat s sl (the link itself)", linkat(AT_FDCWD, "s", AT_FDCWD, "sl", 0));
    show_stat("sl");
    SHOW("linkat s sf AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "s", AT_FDCWD, "sf", AT_SYMLINK_FOLLOW));
    show_stat("sf");
    printf("sf is a's inode: %s\n", same_inode("a", "sf") ? "yes" : "no");
    show_stat("a");

    SHOW("rename b sf (one inode)", rename("b", "sf"));
    printf("b and sf still there: %s\n", !access("b", F_OK) && !access("sf", F_OK) ? "yes" : "no");

    fd = open("a", O_RDONLY);
    SHOW("unlink a", unlink("a"));
    SHOW("unlink sf", unlink("sf"));
    show_stat("b");
    memset(buf, 0, sizeof buf);
    printf("read through an open a: %zd \"%s\"\n", read(fd, buf, sizeof buf - 1), buf);
    close(fd);
    SHOW("unlink b", unlink("b"));
    show_stat("b");

    unlink("s");
    unlink("sl");
    rmdir("d");
    chdir("/");
    SHOW("rmdir the directory", rmdir(dir));
    return 0;
}
