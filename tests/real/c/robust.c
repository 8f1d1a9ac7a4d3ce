/* Robust mutexes: a thread that dies holding one leaves it marked "owner died" by the kernel
 * (its robust list, registered with set_robust_list, is walked at exit), so the next locker
 * gets EOWNERDEAD instead of waiting forever, both when it locks afterwards and when it was
 * already waiting (woken by the kernel). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t m;
static volatile int locked;

static void *die_holding(void *arg) {
    (void)arg;
    pthread_mutex_lock(&m);
    locked = 1;
    if (arg) {
        /* Let the main thread start waiting on the mutex first. */
        struct timespec t = {0, 100000000};
        nanosleep(&t, NULL);
    }
    return NULL; /* exits with the mutex held */
}

static const char *name(int r) {
    return r == 0 ? "0" : r == EOWNERDEAD ? "EOWNERDEAD" : r == ENOTRECOVERABLE ? "ENOTRECOVERABLE" : strerror(r);
}

int main(void) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &a);

    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock after the owner died: %s\n", name(r));
    printf("consistent: %d\n", pthread_mutex_consistent(&m));
    pthread_mutex_unlock(&m);
    printf("lock again: %s\n", name(pthread_mutex_lock(&m)));
    pthread_mutex_unlock(&m);

    locked = 0;
    pthread_create(&t, NULL, die_holding, (void *)1);
    while (!locked) {
        struct timespec t1 = {0, 1000000};
        nanosleep(&t1, NULL);
    }
    r = pthread_mutex_lock(&m); /* waits until the kernel wakes it */
    printf("waiting when the owner died: %s\n", name(r));
    pthread_join(t, NULL);
    /* Unlocked without pthread_mutex_consistent: the mutex is unusable for good. */
    pthread_mutex_unlock(&m);
    printf("not made consistent, then: %s\n", name(pthread_mutex_lock(&m)));
    return 0;
}
