#!/bin/sh
# Builds the SIP fuzz targets with clang's libFuzzer (+ ASan, UBSan) into OUT (default build-fuzz/),
# and with `run SECONDS` fuzzes each for that long, growing tests/fuzz/corpus/<target>/.
# Usage: tests/fuzz/build.sh [run SECONDS]    (after fuzzing, `merge` keeps a minimal corpus)
set -eu
cd "$(dirname "$0")/../.."
OUT=${OUT:-build-fuzz}
mkdir -p "$OUT"
CC=${CC:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 \
 -Isrc -Itests/fuzz -isystem /usr/include/re -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -D_GNU_SOURCE"
SIP="src/sip/sipx.c src/sip/transport.c src/sip/build.c src/sip/trans.c src/sip/dialog.c \
 src/sip/scan.c src/sip/digest.c src/sip/reg.c src/sip/limit.c"
BASE="src/base/mem.c src/base/wheel.c src/base/clock.c"
for t in scan digest stack; do
	$CC $FLAGS -o "$OUT/fuzz_$t" "tests/fuzz/fuzz_$t.c" $SIP $BASE -lre -lsodium -lm
done
echo "built: $OUT/fuzz_scan $OUT/fuzz_digest $OUT/fuzz_stack" >&2
case "${1:-}" in
run)
	secs=${2:-60}
	for t in scan digest stack; do
		mkdir -p "$OUT/new_$t"
		"$OUT/fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
			-dict=tests/fuzz/sip.dict "$OUT/new_$t" "tests/fuzz/corpus/$t" || exit 1
	done
	;;
merge)
	# keep only inputs that add coverage to the committed corpus
	for t in scan digest stack; do
		"$OUT/fuzz_$t" -merge=1 "tests/fuzz/corpus/$t" "$OUT/new_$t"
	done
	;;
esac
