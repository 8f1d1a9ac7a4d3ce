/* Threads on several CPUs, checked the same way on rt0 and on Linux: pinning and getcpu, work
 * spread over idle CPUs, exact totals under atomics and a futex lock, a futex ping-pong between two
 * CPUs, TLB shootdown (a reader on another CPU must fault after munmap or mprotect(PROT_NONE) and
 * read zeros after madvise(MADV_DONTNEED)), a thousand threads, and a signal to a thread that
 * spins on another CPU. stdout is the same for any number of CPUs; what depends on it (the CPU
 * count, the CPUs the spinning threads were seen on) goes to stderr. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* linux/futex.h's numbers (musl-gcc's include path has no kernel headers). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static int ncpu;

static int getcpu_now(void) {
	unsigned cpu = ~0u;
	if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0)
		return -1;
	return (int)cpu;
}

static void pin(int cpu) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu % ncpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void futex_wait(atomic_int *w, int v) { syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0); }
static void futex_wake(atomic_int *w) { syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static void start(pthread_t *t, void *(*f)(void *), long arg) {
	int err = pthread_create(t, NULL, f, (void *)arg);
	if (err) {
		printf("pthread_create: %s\n", strerror(err));
		exit(1);
	}
}

/* ---- pinned threads see their own CPU ---- */
static void *pinned(void *arg) {
	int cpu = (int)(long)arg % ncpu;
	pin(cpu);
	for (int i = 0; i < 2000; i++) {
		for (volatile int j = 0; j < 500; j++) {
		}
		if (getcpu_now() != cpu)
			return (void *)1;
	}
	return NULL;
}

/* ---- unpinned spinners spread over the CPUs ---- */
static atomic_int arrived, spun, spread_cpu[64], first_cpu[64];
static void *spinner(void *arg) {
	long id = (long)arg;
	atomic_store(&first_cpu[id], getcpu_now());
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < ncpu) {
	}
	for (volatile long j = 0; j < 3000000; j++) {
	}
	/* Where each ran once all had spun, read before any exits: the first exit wakes the
	 * joining main thread, whose placement (and the balancing it may cause) is another
	 * question than whether busy threads stay spread. */
	atomic_store(&spread_cpu[id], getcpu_now());
	atomic_fetch_add(&spun, 1);
	while (atomic_load(&spun) < ncpu) {
	}
	return NULL;
}

/* ---- exact totals ---- */
enum { ADDERS = 4, ATOMIC_ADDS = 250000, LOCKED_ADDS = 50000 };
static atomic_long atomic_total;
static long locked_total;
static atomic_int lock_word; /* 0 free, 1 locked, 2 locked with waiters (Drepper's mutex) */
static void lock(void) {
	int c = 0;
	if (atomic_compare_exchange_strong(&lock_word, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&lock_word, 2);
	while (c != 0) {
		futex_wait(&lock_word, 2);
		c = atomic_exchange(&lock_word, 2);
	}
}
static void unlock(void) {
	if (atomic_fetch_sub(&lock_word, 1) != 1) {
		atomic_store(&lock_word, 0);
		futex_wake(&lock_word);
	}
}
static void *adder(void *arg) {
	(void)arg;
	for (int i = 0; i < ATOMIC_ADDS; i++)
		atomic_fetch_add(&atomic_total, 1);
	for (int i = 0; i < LOCKED_ADDS; i++) {
		lock();
		locked_total++;
		unlock();
	}
	return NULL;
}

/* ---- futex ping-pong: the word is 0 for ping's turn, 1 for pong's ---- */
enum { ROUNDS = 10000 };
static atomic_int turn;
static void *pong(void *arg) {
	(void)arg;
	pin(1);
	for (int i = 0; i < ROUNDS; i++) {
		while (atomic_load(&turn) != 1)
			futex_wait(&turn, 0);
		atomic_store(&turn, 0);
		futex_wake(&turn);
	}
	return NULL;
}

/* ---- TLB shootdown: a reader on CPU 1 keeps a page's translation hot ---- */
static volatile unsigned char *page;
static atomic_int reading, go;
static __thread sigjmp_buf fault_jump;
static void on_segv(int sig) {
	(void)sig;
	siglongjmp(fault_jump, 1);
}
static void *reader(void *arg) {
	(void)arg;
	pin(1);
	if (sigsetjmp(fault_jump, 1))
		return (void *)-1L; /* faulted */
	unsigned v = 0;
	atomic_store(&reading, 1);
	while (!atomic_load(&go))
		v += page[0];
	return (void *)(long)page[0]; /* the read after the call returned */
}
static long shootdown(const char *how) {
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[0] = 0x5a;
	atomic_store(&reading, 0);
	atomic_store(&go, 0);
	pthread_t t;
	start(&t, reader, 0);
	while (!atomic_load(&reading)) {
	}
	for (volatile int j = 0; j < 100000; j++) {
	}
	if (!strcmp(how, "munmap"))
		munmap((void *)page, 4096);
	else if (!strcmp(how, "mprotect"))
		mprotect((void *)page, 4096, PROT_NONE);
	else
		madvise((void *)page, 4096, MADV_DONTNEED);
	atomic_store(&go, 1);
	void *r;
	pthread_join(t, &r);
	if (strcmp(how, "munmap"))
		munmap((void *)page, 4096);
	return (long)r;
}

/* ---- a signal to a thread spinning on another CPU ---- */
static atomic_int got_signal;
static void on_usr1(int sig) {
	(void)sig;
	atomic_store(&got_signal, 1);
}
static atomic_int spinning;
static void *spin_until_signalled(void *arg) {
	(void)arg;
	pin(1);
	atomic_store(&spinning, 1);
	while (!atomic_load(&got_signal)) {
	}
	return NULL;
}

/* ---- a thousand threads ---- */
enum { MANY = 1000 };
static atomic_int ran;
static void *one(void *arg) {
	(void)arg;
	atomic_fetch_add(&ran, 1);
	return NULL;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0) {
		perror("sched_getaffinity");
		return 1;
	}
	ncpu = CPU_COUNT(&set);
	if (ncpu > 64)
		ncpu = 64;
	fprintf(stderr, "smp: %d cpus\n", ncpu);
	printf("getcpu names an online cpu: %s\n", getcpu_now() >= 0 && getcpu_now() < ncpu ? "yes" : "no");

	pthread_t t[64];
	int n = ncpu < 4 ? 4 : ncpu;
	int bad = 0;
	for (int i = 0; i < n && i < 64; i++)
		start(&t[i], pinned, i);
	for (int i = 0; i < n && i < 64; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	printf("pinned threads saw only their own cpu: %s\n", bad ? "no" : "yes");

	for (int i = 0; i < ncpu; i++)
		start(&t[i], spinner, i);
	unsigned long long seen = 0, first = 0;
	for (int i = 0; i < ncpu; i++) {
		pthread_join(t[i], NULL);
		seen |= 1ull << atomic_load(&spread_cpu[i]);
		first |= 1ull << atomic_load(&first_cpu[i]);
	}
	/* Where they started: threads made one after another go to as many idle CPUs, not all to
	 * the first idle one before it has woken up. */
	fprintf(stderr, "smp: %d spinning threads started on %d distinct cpus\n", ncpu, __builtin_popcountll(first));
	fprintf(stderr, "smp: %d spinning threads ran on %d distinct cpus\n", ncpu, __builtin_popcountll(seen));

	for (int i = 0; i < ADDERS; i++)
		start(&t[i], adder, i);
	for (int i = 0; i < ADDERS; i++)
		pthread_join(t[i], NULL);
	printf("atomic total %ld, futex-locked total %ld\n", (long)atomic_load(&atomic_total), locked_total);

	pin(0);
	start(&t[0], pong, 0);
	for (int i = 0; i < ROUNDS; i++) {
		atomic_store(&turn, 1);
		futex_wake(&turn);
		while (atomic_load(&turn) != 0)
			futex_wait(&turn, 1);
	}
	pthread_join(t[0], NULL);
	printf("futex ping-pong: %d round trips\n", ROUNDS);

	struct sigaction sa = {.sa_handler = on_segv};
	sigaction(SIGSEGV, &sa, NULL);
	printf("munmap: the reader on another cpu %s\n", shootdown("munmap") == -1 ? "faulted" : "read the old page");
	printf("mprotect(PROT_NONE): the reader on another cpu %s\n",
	       shootdown("mprotect") == -1 ? "faulted" : "read the old page");
	long v = shootdown("madvise");
	printf("madvise(MADV_DONTNEED): the reader on another cpu read %#lx\n", v);

	struct sigaction su = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &su, NULL);
	start(&t[0], spin_until_signalled, 0);
	while (!atomic_load(&spinning)) {
	}
	pthread_kill(t[0], SIGUSR1);
	pthread_join(t[0], NULL);
	printf("a signal reached the thread spinning on another cpu\n");

	pin(0);
	CPU_ZERO(&set);
	for (int i = 0; i < ncpu; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof set, &set);
	static pthread_t many[MANY];
	pthread_attr_t small;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 * 1024);
	for (int i = 0; i < MANY; i++) {
		int err = pthread_create(&many[i], &small, one, NULL);
		if (err) {
			printf("pthread_create %d: %s\n", i, strerror(err));
			return 1;
		}
	}
	for (int i = 0; i < MANY; i++)
		pthread_join(many[i], NULL);
	printf("%d threads created and joined, %d ran\n", MANY, atomic_load(&ran));
	return 0;
}
