/* A static program with a writable PT_LOAD segment at 0x7fffff900000, inside the 8 MiB below
 * the stack top where rt0 reserves the stack: Linux's stack stops a guard gap short of it, and
 * the program runs. Built with -mcmodel=large and --section-start=.far=0x7fffff900000. */
__attribute__((section(".far"), used)) volatile int far_word = 41;

int main(void) {
    far_word += 1;
    return far_word;
}
