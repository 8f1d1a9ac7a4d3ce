/* Many allocations of mixed sizes, freed out of order, some large enough for mmap, then a
 * block grown by realloc to 16 MiB; prints a checksum that does not depend on the libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	enum { N = 4096 };
	static char *p[N];
	unsigned long sum = 0, seed = 12345;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			size_t n = (seed >> 33) % (i % 64 == 0 ? 300000 : 2000) + 1;
			free(p[i]);
			p[i] = malloc(n);
			if (!p[i]) { printf("malloc failed\n"); return 1; }
			memset(p[i], i & 0xff, n);
			sum += (unsigned char)p[i][n - 1];
		}
		for (int i = round % 2; i < N; i += 2) { free(p[i]); p[i] = NULL; }
	}
	char *big = realloc(NULL, 1);
	for (size_t n = 2; n <= (1u << 24); n <<= 1) {
		big = realloc(big, n);
		big[n - 1] = 7;
	}
	printf("checksum %lu big %d\n", sum, big[(1u << 24) - 1]);
	return 0;
}
