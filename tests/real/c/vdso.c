/* The vDSO, from a C program: Linux's natively, rt0's kernel's in QEMU. stdout holds only
 * verdicts, the same both ways.
 *
 * `vdso` (no argument): finds __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time,
 * __vdso_getcpu and __vdso_clock_getres by name and version LINUX_2.6 through AT_SYSINFO_EHDR's
 * DT_HASH table (as Linux's tools/testing/selftests/vDSO/parse_vdso.c and musl do), then checks:
 * each served clock read through the vDSO, the system call and the vDSO again comes out in
 * order; libc's clock_gettime, gettimeofday and time agree with the system call; a clock id no
 * kernel has gives the system call's EINVAL (−22 from the vDSO itself, −1/EINVAL from libc);
 * clock_getres agrees with the system call; getcpu pinned to each CPU names that CPU; 4 threads
 * on all CPUs never see CLOCK_MONOTONIC go back (each reads the clock after loading the
 * largest value any thread has published, so a read below it is time going backwards); and a
 * bad pointer handed to the vDSO's clock_gettime is a SIGSEGV at that address, as on Linux.
 *
 * `vdso reads`: 1000 reads of each served clock through libc, 1000 gettimeofday and 1000 time,
 * then one CLOCK_PROCESS_CPUTIME_ID read and one of clock 100: under strace only those last two
 * may be clock_gettime system calls. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000L

static int failed;

static void verdict(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failed++;
}

/* ---- the vDSO's symbols, found as a dynamic loader would ---- */

static uintptr_t load_offset;
static const char *strtab;
static const Elf64_Sym *symtab;
static const Elf32_Word *bucket, *chain;
static Elf32_Word nbucket;
static const Elf64_Versym *versym;
static const Elf64_Verdef *verdef;

static unsigned long elf_hash(const char *s) {
    unsigned long h = 0, g;
    while (*s) {
        h = (h << 4) + (unsigned char)*s++;
        if ((g = h & 0xf0000000)) h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

static int vdso_init(void) {
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    if (!base) return 0;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = 0;
    int found_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !found_load) {
            found_load = 1;
            load_offset = base + ph[i].p_offset - ph[i].p_vaddr;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
        }
    }
    if (!found_load || !dyn) return 0;
    const Elf32_Word *hash = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = load_offset + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_STRTAB: strtab = (const char *)p; break;
        case DT_SYMTAB: symtab = (const Elf64_Sym *)p; break;
        case DT_HASH: hash = (const Elf32_Word *)p; break;
        case DT_VERSYM: versym = (const Elf64_Versym *)p; break;
        case DT_VERDEF: verdef = (const Elf64_Verdef *)p; break;
        }
    }
    if (!strtab || !symtab || !hash) return 0;
    nbucket = hash[0];
    bucket = &hash[2];
    chain = &hash[2 + nbucket];
    return 1;
}

static int version_is(int index, const char *version) {
    if (!versym || !verdef) return 1;
    int want = versym[index] & 0x7fff;
    for (const Elf64_Verdef *d = verdef;; d = (const Elf64_Verdef *)((const char *)d + d->vd_next)) {
        if (!(d->vd_flags & VER_FLG_BASE) && (d->vd_ndx & 0x7fff) == want) {
            const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return d->vd_hash == elf_hash(version) && !strcmp(strtab + aux->vda_name, version);
        }
        if (!d->vd_next) return 0;
    }
}

static void *vdso_sym(const char *name) {
    for (Elf32_Word i = bucket[elf_hash(name) % nbucket]; i; i = chain[i]) {
        const Elf64_Sym *s = &symtab[i];
        int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
        if (type != STT_FUNC || (bind != STB_GLOBAL && bind != STB_WEAK) || s->st_shndx == SHN_UNDEF) continue;
        if (strcmp(strtab + s->st_name, name) || !version_is(i, "LINUX_2.6")) continue;
        return (void *)(load_offset + s->st_value);
    }
    return 0;
}

typedef int (*cgt_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

static cgt_fn v_clock_gettime, v_clock_getres;
static gtod_fn v_gettimeofday;
static time_fn v_time;
static getcpu_fn v_getcpu;

static long ns_of(struct timespec t) { return t.tv_sec * NS + t.tv_nsec; }

static long sys_ns(clockid_t c) {
    struct timespec t;
    if (syscall(SYS_clock_gettime, c, &t)) return -1;
    return ns_of(t);
}

static long vdso_ns(clockid_t c) {
    struct timespec t;
    if (v_clock_gettime(c, &t)) return -1;
    return ns_of(t);
}

static long libc_ns(clockid_t c) {
    struct timespec t;
    if (clock_gettime(c, &t)) return -1;
    return ns_of(t);
}

static const struct { clockid_t id; const char *name; } clocks[] = {
    {CLOCK_REALTIME, "CLOCK_REALTIME"},
    {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
    {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
    {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
    {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
    {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
};
#define NCLOCKS (int)(sizeof clocks / sizeof clocks[0])

/* ---- monotonic across CPUs ---- */

#define THREADS 4
#define ROUNDS 20000
static _Atomic long published;
static _Atomic int backwards;
static int ncpus;

static void *reader(void *arg) {
    long i = (long)arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(i % ncpus, &set);
    sched_setaffinity(0, sizeof set, &set);
    for (int r = 0; r < ROUNDS; r++) {
        long seen = atomic_load(&published);
        long now = (r & 15) ? libc_ns(CLOCK_MONOTONIC) : sys_ns(CLOCK_MONOTONIC);
        if (now < seen) atomic_fetch_add(&backwards, 1);
        long p = seen;
        while (p < now && !atomic_compare_exchange_weak(&published, &p, now)) {
        }
        if ((r & 255) == 0) sched_yield();
    }
    return 0;
}

static void across_cpus(void) {
    cpu_set_t all;
    sched_getaffinity(0, sizeof all, &all);
    ncpus = CPU_COUNT(&all);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], 0, reader, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], 0);
    verdict("CLOCK_MONOTONIC never goes back across 4 threads on every CPU", backwards == 0);
    fprintf(stderr, "%d CPUs, %d backward reads\n", ncpus, backwards);
}

/* ---- a bad pointer ---- */

static void *bad_pointer = (void *)0x1000;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    (void)sig, (void)ctx;
    int at = (char *)si->si_addr >= (char *)bad_pointer && (char *)si->si_addr < (char *)bad_pointer + 16;
    printf("vdso clock_gettime with a bad pointer: SIGSEGV, si_addr in the timespec: %s\n", at ? "yes" : "no");
    fflush(stdout);
    _exit(failed ? 1 : 0);
}

static int reads(void) {
    struct timespec t;
    struct timeval tv;
    for (int i = 0; i < 1000; i++) {
        for (int c = 0; c < NCLOCKS; c++) clock_gettime(clocks[c].id, &t);
        gettimeofday(&tv, 0);
        time(0);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    int r = clock_gettime(100, &t);
    printf("reads done, clock 100: %d %s\n", r, r ? strerror(errno) : "");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "reads")) return reads();
    if (!vdso_init()) {
        printf("no vDSO\n");
        return 1;
    }
    v_clock_gettime = (cgt_fn)vdso_sym("__vdso_clock_gettime");
    v_clock_getres = (cgt_fn)vdso_sym("__vdso_clock_getres");
    v_gettimeofday = (gtod_fn)vdso_sym("__vdso_gettimeofday");
    v_time = (time_fn)vdso_sym("__vdso_time");
    v_getcpu = (getcpu_fn)vdso_sym("__vdso_getcpu");
    verdict("vDSO symbols found by name and version LINUX_2.6",
            v_clock_gettime && v_clock_getres && v_gettimeofday && v_time && v_getcpu);
    verdict("plain clock_gettime is the same function", vdso_sym("clock_gettime") == (void *)v_clock_gettime);
    if (failed) return 1;

    for (int c = 0; c < NCLOCKS; c++) {
        int ok = 1;
        for (int i = 0; i < 1000 && ok; i++) {
            long a = vdso_ns(clocks[c].id), b = sys_ns(clocks[c].id), d = vdso_ns(clocks[c].id);
            long e = libc_ns(clocks[c].id), f = sys_ns(clocks[c].id);
            ok = a >= 0 && a <= b && b <= d && d <= e && e <= f;
        }
        char what[96];
        snprintf(what, sizeof what, "%s: vDSO, system call and libc in order", clocks[c].name);
        verdict(what, ok);
    }

    struct timeval tv;
    long before = sys_ns(CLOCK_REALTIME);
    int r = v_gettimeofday(&tv, 0);
    long after = sys_ns(CLOCK_REALTIME);
    long us = tv.tv_sec * 1000000L + tv.tv_usec;
    verdict("vDSO gettimeofday between two realtime system calls",
            r == 0 && before / 1000 <= us && us <= after / 1000);
    struct { int minuteswest, dsttime; } tz = {7, 7};
    verdict("vDSO gettimeofday's time zone is UTC", v_gettimeofday(0, &tz) == 0 && tz.minuteswest == 0 && tz.dsttime == 0);
    gettimeofday(&tv, 0);
    us = tv.tv_sec * 1000000L + tv.tv_usec;
    verdict("libc gettimeofday after them", us >= after / 1000 && us <= sys_ns(CLOCK_REALTIME) / 1000);
    time_t t1 = 0, t0 = syscall(SYS_time, 0), t2 = v_time(&t1), t3 = time(0);
    verdict("time: system call, vDSO and libc agree", t0 <= t2 && t2 == t1 && t2 <= t3 && t3 - t0 <= 1);

    struct timespec ts = {123, 456};
    verdict("vDSO clock_gettime of clock 100 returns -EINVAL", v_clock_gettime(100, &ts) == -EINVAL);
    verdict("vDSO clock_gettime of clock -1 returns -EINVAL", v_clock_gettime(-1, &ts) == -EINVAL);
    errno = 0;
    verdict("libc clock_gettime of clock 100: -1, EINVAL", clock_gettime(100, &ts) == -1 && errno == EINVAL);
    verdict("vDSO clock_gettime of the process CPU clock (a system call)",
            v_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 && ts.tv_nsec < NS);

    int res_ok = 1;
    for (int c = 0; c < NCLOCKS; c++) {
        struct timespec a = {-1, -1}, b = {-2, -2};
        res_ok &= v_clock_getres(clocks[c].id, &a) == 0 && syscall(SYS_clock_getres, clocks[c].id, &b) == 0;
        res_ok &= a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
    }
    res_ok &= v_clock_getres(CLOCK_MONOTONIC, 0) == 0 && v_clock_getres(100, &ts) == -EINVAL;
    verdict("vDSO clock_getres agrees with the system call", res_ok);

    cpu_set_t all, one;
    sched_getaffinity(0, sizeof all, &all);
    int cpu_ok = 1;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &all)) continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        sched_setaffinity(0, sizeof one, &one);
        unsigned cpu = 999, node = 999;
        cpu_ok &= v_getcpu(&cpu, &node, 0) == 0 && cpu == (unsigned)c && node == 0;
        cpu = 999;
        cpu_ok &= v_getcpu(&cpu, 0, 0) == 0 && cpu == (unsigned)c && sched_getcpu() == c;
    }
    sched_setaffinity(0, sizeof all, &all);
    verdict("vDSO getcpu names the CPU the thread is pinned to, node 0", cpu_ok);

    struct timespec m0, m1;
    long went_back = 0;
    clock_gettime(CLOCK_MONOTONIC, &m0);
    for (int i = 0; i < 200000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &m1);
        went_back += ns_of(m1) < ns_of(m0);
        m0 = m1;
    }
    verdict("200000 libc CLOCK_MONOTONIC reads never go back", went_back == 0);

    across_cpus();

    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    fflush(stdout);
    v_clock_gettime(CLOCK_MONOTONIC, bad_pointer);
    printf("vdso clock_gettime with a bad pointer: returned (FAILED)\n");
    return 1;
}
