/* fuzz_stack: libFuzzer target feeding datagrams through the whole SIP stack (checks, parser, transactions, dialogs, registrar). */
#include "harness.h"

#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fini(void)
{
	fuzz_stack_fini();
	libre_close();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (libre_init() || fuzz_stack_init())
		abort();
	atexit(fini);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stack_one(data, size);
	return 0;
}
