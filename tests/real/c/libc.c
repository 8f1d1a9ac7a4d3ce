/* The libc's own work, no files: formatted output of integers and floats, strtod/strtol, qsort
 * and bsearch, string functions, setjmp/longjmp, a static constructor, atexit handlers, and an
 * exit status from exit() after them. The output is the same with musl and glibc. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int constructed;
__attribute__((constructor)) static void init(void) { constructed = 42; }

static int cmp(const void *a, const void *b) {
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static jmp_buf env;
static void deep(int n) {
	if (n == 0)
		longjmp(env, 17);
	deep(n - 1);
}

static void bye1(void) { printf("atexit: second registered, runs first\n"); }
static void bye2(void) { printf("atexit: first registered, runs last\n"); }

int main(void) {
	printf("constructor ran: %d\n", constructed);
	printf("ints: %d %5d|%-5d| %x %o %lld %+d\n", -7, 42, 42, 0xbeef, 8, -1234567890123LL, 5);
	printf("floats: %.3f %e %g %g %.0f\n", 3.14159265, 12345.678, 0.0001, 1e20, 2.5);
	char buf[64];
	int n = snprintf(buf, 8, "%s", "truncated string");
	printf("snprintf: %d \"%s\"\n", n, buf);
	printf("strtod: %.6f strtol: %ld %ld\n", strtod("  -2.5e3xyz", NULL), strtol("0x1f", NULL, 16),
	       strtol("777", NULL, 8));
	errno = 0;
	strtol("99999999999999999999999", NULL, 10);
	printf("overflow sets ERANGE: %d\n", errno == ERANGE);

	int v[] = {5, 3, 9, 1, 7, 2, 8, 6, 4, 0};
	qsort(v, 10, sizeof v[0], cmp);
	for (int i = 0; i < 10; i++)
		printf("%d%c", v[i], i == 9 ? '\n' : ' ');
	int key = 7;
	int *hit = bsearch(&key, v, 10, sizeof v[0], cmp);
	printf("bsearch 7 at %ld\n", hit ? (long)(hit - v) : -1L);

	char words[] = "alpha,beta,,gamma";
	for (char *w = strtok(words, ","); w; w = strtok(NULL, ","))
		printf("[%s]", w);
	printf(" strlen=%zu strcmp=%d strstr=%s\n", strlen("hello"), strcmp("abc", "abd") < 0,
	       strstr("haystack", "st"));

	int r = setjmp(env);
	if (r == 0)
		deep(100);
	printf("longjmp returned %d\n", r);

	atexit(bye2);
	atexit(bye1);
	exit(9);
}
