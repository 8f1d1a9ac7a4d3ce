/* A static-pie's view of its own loading (fs/binfmt_elf.c): AT_BASE is 0 without an
 * interpreter, AT_PHDR points at its own program headers just after its ELF header, AT_ENTRY is
 * the file's e_entry moved by the load bias, and the pointers stored in its data — relocated by
 * the program itself at start-up — point where they should. Prints nothing that depends on
 * where it was loaded, so the output is the same under any base. With an argument it then
 * reads address 0 (SIGSEGV). */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

static int answer(int x) { return x * 2; }
static int (*const fp)(int) = answer;
static const char *const names[] = { "alpha", "beta", "gamma" };

int main(int argc, char **argv) {
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)((uintptr_t)ph - 64);
	uintptr_t bias = (uintptr_t)eh;
	int loads = 0, entry_in_text = 0;
	for (unsigned long i = 0; i < getauxval(AT_PHNUM); i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		loads++;
		uintptr_t lo = bias + ph[i].p_vaddr, hi = lo + ph[i].p_memsz;
		if ((ph[i].p_flags & PF_X) && getauxval(AT_ENTRY) >= lo && getauxval(AT_ENTRY) < hi)
			entry_in_text = 1;
	}
	printf("ELF header before AT_PHDR: %d, e_type %d, first vaddr 0: %d\n",
	       memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, eh->e_type, ph[0].p_vaddr == 0 || ph[0].p_type != PT_LOAD);
	printf("AT_BASE %lu, AT_PHENT %lu, loads: %d, bias page-aligned: %d\n",
	       getauxval(AT_BASE), getauxval(AT_PHENT), loads >= 2, bias % 4096 == 0);
	printf("AT_ENTRY = bias + e_entry: %d, inside an executable segment: %d\n",
	       getauxval(AT_ENTRY) == bias + eh->e_entry, entry_in_text);
	printf("relocated: %s %s %s, fp(21) = %d\n", names[0], names[1], names[2], fp(21));
	(void)argv;
	fflush(stdout);
	if (argc > 1)
		return *(volatile int *)(uintptr_t)(argc - 2);
	return 0;
}
