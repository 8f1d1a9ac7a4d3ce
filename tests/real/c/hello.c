/* Prints its arguments and environment and exits with the status $EXIT names (0 without it). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv, char **envp) {
	printf("hello from C, argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env %s\n", *e);
	const char *code = getenv("EXIT");
	return code ? atoi(code) : 0;
}
