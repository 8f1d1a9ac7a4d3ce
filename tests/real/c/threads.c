#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Four threads add into one counter under a mutex; a condition variable hands over a token. */
enum { THREADS = 4, ROUNDS = 20000 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static long counter;
static int token;

static void *work(void *arg) {
	long id = (long)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter += id + 1;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	while (token != id)
		pthread_cond_wait(&turn, &lock);
	printf("thread %ld has the token\n", id);
	token++;
	pthread_cond_broadcast(&turn);
	pthread_mutex_unlock(&lock);
	return (void *)(id * 10);
}

int main(void) {
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++) {
		int err = pthread_create(&t[i], NULL, work, (void *)i);
		if (err) {
			printf("pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	long total = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long)r;
	}
	printf("counter %ld joined %ld\n", counter, total);
	return 0;
}
