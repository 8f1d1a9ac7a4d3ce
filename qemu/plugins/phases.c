/* rt0 boot-phase probe: a QEMU 7.2 TCG plugin (plugin API v1; the few API functions it uses are
 * declared by hand, so no QEMU headers are needed).
 *
 * Arguments: mark=<hex guest address>, up to 16 times, in any order. When the first translation
 * block starting at a mark executes for the first time, the plugin prints
 *   phase <mark> insns=<guest instructions so far> wall=<seconds since the plugin was loaded> cpu=<CPU
 *   seconds of the thread that runs the guest CPU so far: what the phase cost QEMU, less swayed by a
 *   busy host than wall time> at=<CLOCK_MONOTONIC seconds>
 * and at exit `insns_total=<n> exit_at=<CLOCK_MONOTONIC seconds>`. Output goes to QEMU's log (-d plugin -D <file>).
 * Build: cc -shared -fPIC -O2 -o libphases.so phases.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb_t)(qemu_plugin_id_t, void *);
typedef void (*vcpu_udata_cb_t)(unsigned int, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *, uint64_t);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, vcpu_udata_cb_t, enum qemu_plugin_cb_flags, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb_t, void *);
void qemu_plugin_outs(const char *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_MARKS 16
static uint64_t insns, marks[MAX_MARKS];
static int nmarks, seen[MAX_MARKS];
static struct timespec loaded;

static double since_load(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - loaded.tv_sec) + (double)(t.tv_nsec - loaded.tv_nsec) / 1e9;
}

/* CLOCK_MONOTONIC in seconds: the same clock the runner's caller reads, so the time before the
 * first mark (the runner, QEMU's start) and after the last (to QEMU's exit) can be told apart. */
static double monotonic(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double thread_cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_mark(unsigned int cpu, void *arg) {
    int i = (int)(intptr_t)arg;
    char line[128];
    (void)cpu;
    if (seen[i]) return;
    seen[i] = 1;
    snprintf(line, sizeof line, "phase %#llx insns=%llu wall=%.4f cpu=%.4f at=%.6f\n", (unsigned long long)marks[i],
             (unsigned long long)insns, since_load(), thread_cpu(), monotonic());
    qemu_plugin_outs(line);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    (void)id;
    for (int i = 0; i < nmarks; i++)
        if (pc == marks[i]) qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)(intptr_t)i);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, qemu_plugin_tb_n_insns(tb));
}

static void on_qemu_exit(qemu_plugin_id_t id, void *p) {
    char line[96];
    (void)id; (void)p;
    snprintf(line, sizeof line, "insns_total=%llu exit_at=%.6f\n", (unsigned long long)insns, monotonic());
    qemu_plugin_outs(line);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    clock_gettime(CLOCK_MONOTONIC, &loaded);
    for (int i = 0; i < argc && nmarks < MAX_MARKS; i++)
        if (!strncmp(argv[i], "mark=", 5)) marks[nmarks++] = strtoull(argv[i] + 5, NULL, 16);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
