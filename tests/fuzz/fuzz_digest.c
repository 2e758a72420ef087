/* fuzz_digest: libFuzzer target for sip/digest.c (Authorization headers, responses, nonces). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_digest_one(data, size);
	return 0;
}
