/* fuzz_scan: libFuzzer target for sip/scan.c (message framing and byte checks). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_scan_one(data, size);
	return 0;
}
