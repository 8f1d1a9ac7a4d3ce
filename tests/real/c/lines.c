/* Four threads (on four CPUs under `rt0 --smp 4`) each write 500 lines to stdout and 500 to
 * stderr, one write(2) per line of 1,000 bytes (more than the 512 bytes the kernel copies in at a time), at the same time: every line must come out whole,
 * never cut by another thread's output (a write of at most PIPE_BUF bytes to a pipe is atomic on
 * Linux; rt0's console writes a call's chunk under one hold of the port's lock). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { THREADS = 4, LINES = 500 };

static void *writer(void *arg) {
	long t = (long)arg;
	char line[1024];
	for (int i = 0; i < LINES; i++) {
		for (int fd = 1; fd <= 2; fd++) {
			int n = snprintf(line, sizeof line, "lines: thread %ld fd %d line %04d ", t, fd, i);
			memset(line + n, 'a' + (int)t, 999 - n);
			line[999] = '\n';
			if (write(fd, line, 1000) != 1000)
				return (void *)1;
		}
	}
	return NULL;
}

int main(void) {
	pthread_t th[THREADS];
	for (long t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, writer, (void *)t);
	long bad = 0;
	for (int t = 0; t < THREADS; t++) {
		void *r;
		pthread_join(th[t], &r);
		bad += (long)r;
	}
	return bad ? 1 : 0;
}
