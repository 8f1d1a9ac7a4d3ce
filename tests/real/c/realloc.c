/* realloc of a block big enough to be mmapped, grown to 64 MiB and shrunk back: both musl and
 * glibc resize such a block with mremap (MREMAP_MAYMOVE), which must carry the contents along
 * whether it grows in place or moves. Every step checks every byte written so far. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char pattern(size_t i) { return (unsigned char)(i * 2654435761u >> 13); }

static int check(const unsigned char *p, size_t n) {
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(i)) {
			printf("byte %zu of %zu is %d, want %d\n", i, n, p[i], pattern(i));
			return 0;
		}
	return 1;
}

int main(void) {
	size_t n = 256 << 10;
	unsigned char *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i);
	int steps = 0;
	/* A neighbour between growths, so some of them cannot happen in place. */
	void *blocker = NULL;
	for (size_t m = n * 2; m <= (64u << 20); m *= 2, steps++) {
		p = realloc(p, m);
		if (!p || !check(p, n)) { printf("grow to %zu failed\n", m); return 1; }
		for (size_t i = n; i < m; i++)
			p[i] = pattern(i);
		n = m;
		free(blocker);
		blocker = malloc(300 << 10);
	}
	for (size_t m = n / 3; m >= (100 << 10); m /= 3, steps++) {
		p = realloc(p, m);
		if (!p || !check(p, m)) { printf("shrink to %zu failed\n", m); return 1; }
		n = m;
	}
	p = realloc(p, 8 << 20);
	if (!p || !check(p, n)) { printf("final growth failed\n"); return 1; }
	printf("realloc: %d steps, contents kept\n", steps);
	free(p);
	free(blocker);
	return 0;
}
