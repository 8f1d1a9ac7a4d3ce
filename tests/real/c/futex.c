/* The futex operations C libraries build condition variables and robust locks from, raw:
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE move waiters from one word to another (woken there
 * later; a moved waiter's timeout still ends its wait), FUTEX_WAKE_OP changes a second word
 * atomically and wakes on both, and the errors Linux gives for bad arguments. A private and a
 * shared futex on the same word are different futexes: a FUTEX_WAKE_PRIVATE wakes no plain
 * FUTEX_WAIT and the other way round. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<linux/futex.h>)
#include <linux/futex.h>
#else
/* musl-gcc's include path has no kernel headers: these are linux/futex.h's. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4
#define FUTEX_PRIVATE_FLAG 128
#endif

static atomic_int a, b, started, results[8];

static atomic_int c, c_started;
static long c_result;

/* Waits on c (value 0), privately or not, for at most 300 ms. */
static void *c_waiter(void *arg) {
    struct timespec t = {0, 300000000};
    c_started = 1;
    c_result = syscall(SYS_futex, &c, FUTEX_WAIT | (arg ? FUTEX_PRIVATE_FLAG : 0), 0, &t, NULL, 0) == 0 ? 0 : errno;
    return NULL;
}

static long fx(atomic_int *u, int op, int val, long val2, atomic_int *u2, int val3) {
    return syscall(SYS_futex, u, op, val, (void *)val2, u2, val3);
}

static const char *err(long r) {
    static char buf[32];
    if (r >= 0) {
        snprintf(buf, sizeof buf, "%ld", r);
        return buf;
    }
    return errno == EAGAIN ? "EAGAIN" : errno == EINVAL ? "EINVAL" : errno == ENOSYS ? "ENOSYS"
           : errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno);
}

static void *waiter(void *arg) {
    long i = (long)arg;
    started++;
    /* Waits on a (value 0); the last one with a 300 ms timeout. */
    struct timespec t = {0, 300000000};
    long r = fx(&a, FUTEX_WAIT, 0, i == 3 ? (long)&t : 0, NULL, 0);
    results[i] = r == 0 ? 1 : errno == ETIMEDOUT ? 2 : errno == EAGAIN ? 3 : 4;
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

int main(void) {
    pthread_t t[4];
    /* One at a time, so that they queue on a in this order. */
    for (long i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, waiter, (void *)i);
        while (started <= i)
            sleep_ms(5);
        sleep_ms(30);
    }
    printf("cmp_requeue, word changed: %s\n", err(fx(&a, FUTEX_CMP_REQUEUE, 0, 1, &b, 7)));
    printf("cmp_requeue: wake 1, move 2: %s\n", err(fx(&a, FUTEX_CMP_REQUEUE, 1, 2, &b, 0)));
    printf("requeue: wake 0, move the rest: %s\n", err(fx(&a, FUTEX_REQUEUE, 0, 10, &b, 0)));
    printf("wake on a, now empty: %s\n", err(fx(&a, FUTEX_WAKE, 10, 0, NULL, 0)));
    sleep_ms(500); /* the timed waiter times out where it was moved to */
    printf("wake on b: %s\n", err(fx(&b, FUTEX_WAKE, 10, 0, NULL, 0)));
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int woken = 0, timed_out = 0;
    for (int i = 0; i < 4; i++)
        woken += results[i] == 1, timed_out += results[i] == 2;
    printf("woken %d, timed out %d (the timed one: %d)\n", woken, timed_out, (int)results[3]);

    b = 5;
    const char *r = err(fx(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)));
    printf("wake_op add 3 if old == 5: %s, b = %d\n", r, (int)b);
    r = err(fx(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_OR, 1, FUTEX_OP_CMP_GT, 100)));
    printf("wake_op or 1 if old > 100: %s, b = %d\n", r, (int)b);
    r = err(fx(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(7, 1, 0, 0)));
    printf("wake_op bad operation: %s, b = %d\n", r, (int)b);
    /* Linux does the operation, then finds the comparison unknown. */
    r = err(fx(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_ADD, 1, 9, 0)));
    printf("wake_op bad comparison: %s, b = %d\n", r, (int)b);
    printf("requeue to an unaligned word: %s\n", err(fx(&a, FUTEX_REQUEUE, 1, 1, (atomic_int *)((char *)&b + 1), 0)));
    printf("requeue a negative count: %s\n", err(fx(&a, FUTEX_REQUEUE, -1, 1, &b, 0)));

    /* Private and shared keys: each wake is tried the wrong way first, then the right way. */
    for (int priv = 0; priv < 2; priv++) {
        pthread_t w;
        c_started = 0;
        pthread_create(&w, NULL, c_waiter, priv ? (void *)1 : NULL);
        while (!c_started)
            sleep_ms(5);
        sleep_ms(30);
        int wrong = priv ? FUTEX_WAKE : FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
        int right = priv ? FUTEX_WAKE | FUTEX_PRIVATE_FLAG : FUTEX_WAKE;
        const char *r1 = err(fx(&c, wrong, 1, 0, NULL, 0));
        printf("%s waiter: the other kind of wake: %s, ", priv ? "private" : "shared", r1);
        printf("its own kind: %s\n", err(fx(&c, right, 1, 0, NULL, 0)));
        pthread_join(w, NULL);
        printf("the waiter ended: %s\n", c_result == 0 ? "woken" : c_result == ETIMEDOUT ? "ETIMEDOUT" : strerror(c_result));
    }
    return 0;
}
