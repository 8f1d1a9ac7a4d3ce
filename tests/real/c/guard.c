/* MADV_GUARD_INSTALL / MADV_GUARD_REMOVE (Linux 6.13): guard pages marked in the page tables,
 * without a VMA of their own. Every access to a guard page is SIGSEGV (si_code and address
 * printed); the kernel's own accesses (read, write) are EFAULT; MADV_DONTNEED and mprotect keep
 * the guards, munmap and MADV_GUARD_REMOVE drop them; installing discards what the pages held;
 * mremap moves them with the pages, a fork child has them too; and 100,000 guards in one
 * mapping cost no VMA, so a program can have more guarded regions than vm.max_map_count allows
 * VMAs. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errname.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

enum { PG = 4096 };
static sigjmp_buf jump;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc) {
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jump, 1);
}

/* "ok" when p can be read, else the signal's code and whether the address was p's. */
static const char *probe(volatile char *p, int write) {
	static char buf[64];
	if (sigsetjmp(jump, 1)) {
		snprintf(buf, sizeof buf, "SIGSEGV %s at %s", fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other",
		         fault_addr == (void *)p ? "the page" : "elsewhere");
		return buf;
	}
	if (write)
		*p = 7;
	else
		(void)*p;
	return "ok";
}

static void said(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 %s\n", what, errno_name(errno));
	else
		printf("%s: %ld\n", what, r);
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, 0);

	char *m = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 'x', 8 * PG);
	said("install on pages 2-3", madvise(m + 2 * PG, 2 * PG, MADV_GUARD_INSTALL));
	printf("read page 2: %s\n", probe(m + 2 * PG, 0));
	printf("write page 3: %s\n", probe(m + 3 * PG + 100, 1));
	printf("read page 1: %s, holds %c\n", probe(m + PG, 0), m[PG]);
	printf("read page 4: %s, holds %c\n", probe(m + 4 * PG, 0), m[4 * PG]);
	int fds[2];
	pipe(fds);
	said("write(2) from a guard page", write(fds[1], m + 2 * PG, 10));
	said("read(2) into a guard page", (write(fds[1], "abc", 3), read(fds[0], m + 3 * PG, 3)));
	said("dontneed over the guards", madvise(m, 8 * PG, MADV_DONTNEED));
	printf("after dontneed, page 2: %s; page 1 holds %d\n", probe(m + 2 * PG, 0), m[PG]);
	said("mprotect read-only over the guards", mprotect(m, 8 * PG, PROT_READ));
	printf("after mprotect, page 2: %s\n", probe(m + 2 * PG, 0));
	said("mprotect back", mprotect(m, 8 * PG, PROT_READ | PROT_WRITE));
	said("remove on page 2", madvise(m + 2 * PG, PG, MADV_GUARD_REMOVE));
	printf("page 2 after remove: %s, holds %d\n", probe(m + 2 * PG, 0), m[2 * PG]);
	printf("page 3 still guarded: %s\n", probe(m + 3 * PG, 0));
	m[5 * PG] = 'y';
	said("install discards contents (page 5)", madvise(m + 5 * PG, PG, MADV_GUARD_INSTALL));
	said("remove page 5", madvise(m + 5 * PG, PG, MADV_GUARD_REMOVE));
	printf("page 5 after install+remove holds %d\n", m[5 * PG]);
	said("remove where no guard is", madvise(m, PG, MADV_GUARD_REMOVE));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		printf("fork child, page 3: %s; page 4: %s\n", probe(m + 3 * PG, 0), probe(m + 4 * PG, 0));
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	printf("fork child exited: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	char *to = mmap(0, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *moved = mremap(m, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	printf("mremap: %s\n", moved == to ? "moved" : "failed");
	printf("moved page 3: %s\n", probe(moved + 3 * PG, 0));
	said("munmap", munmap(moved, 8 * PG));
	char *again = mmap(moved, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("mapped again at the same place, page 3: %s\n", again == moved ? probe(again + 3 * PG, 0) : "not at the same place");
	munmap(again, 8 * PG);

	/* errors */
	said("unaligned", madvise(m + 1, PG, MADV_GUARD_INSTALL));
	char *hole = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole + PG, PG);
	said("over a hole", madvise(hole, 3 * PG, MADV_GUARD_INSTALL));
	printf("first page of the holed range: %s\n", probe(hole, 0));
	said("remove over a hole", madvise(hole, 3 * PG, MADV_GUARD_REMOVE));
	said("zero length", madvise(hole, 0, MADV_GUARD_INSTALL));

	/* many guards in one mapping: no VMA each */
	enum { N = 100000 };
	char *big = mmap(0, (size_t)N * 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int failed = 0;
	for (int i = 0; i < N; i++)
		if (madvise(big + (size_t)i * 2 * PG, PG, MADV_GUARD_INSTALL))
			failed++;
	printf("%d guards in one mapping: %d failed\n", N, failed);
	printf("guard 99999: %s; the page above it: %s\n", probe(big + (size_t)99999 * 2 * PG, 0), probe(big + (size_t)99999 * 2 * PG + PG, 1));
	return 0;
}
