/* fd 0 as a pipe: `eof` reads it all, then read(0) at end of file twice; `thread` has one
 * thread blocked in read(0) while the main thread computes and prints (the input arrives only
 * after "ready"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int reading;

static void *reader(void *arg) {
    char buf[64];
    atomic_store(&reading, 1);
    ssize_t n = read(0, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    *(ssize_t *)arg = n;
    printf("reader got %zd bytes: %s\n", n, buf);
    return 0;
}

static int eof(void) {
    char buf[7];
    long total = 0, lines = 0, calls = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        calls++;
        total += n;
        for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
    }
    printf("read %ld bytes, %ld lines, last read %zd\n", total, lines, n);
    ssize_t again = read(0, buf, sizeof buf), third = read(0, buf, sizeof buf);
    printf("at end of file: %zd %zd\n", again, third);
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int ready = poll(&p, 1, 1000);
    printf("poll at end of file: %d %s\n", ready, p.revents & (POLLIN | POLLHUP) ? "readable" : "not readable");
    return calls > 0 ? 0 : 1;
}

static int thread(void) {
    char c;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    printf("poll before input: %d\n", poll(&p, 1, 0));
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    ssize_t n = read(0, &c, 1);
    printf("nonblocking read: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
    fflush(stdout);

    ssize_t got = -2;
    pthread_t t;
    pthread_create(&t, 0, reader, &got);
    while (!atomic_load(&reading)) sched_yield();
    /* The reader is in (or about to enter) read(0), which blocks: this thread must still run. */
    volatile unsigned long sum = 0;
    for (unsigned long i = 0; i < 30000000; i++) sum += i % 7;
    printf("computed %lu while the reader waited (it has %s)\n", sum, got == -2 ? "nothing yet" : "returned");
    printf("ready\n");
    fflush(stdout);
    pthread_join(t, 0);
    printf("joined\n");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, 0, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "thread")) return thread();
    return eof();
}
