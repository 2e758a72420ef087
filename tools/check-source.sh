#!/bin/sh
# Source checks the compiler does not make: banned functions, and the one-line
# purpose comment every source file opens with.
set -eu
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 2>/dev/null || true)
[ -n "$files" ] || files=$(find src tests bench -name '*.[ch]')
# unbounded or error-blind libc calls
banned='\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atof|strtok|tmpnam|mktemp)[[:space:]]*\('
if grep -nE "$banned" $files; then
	echo "check-source: banned function used (use snprintf, memcpy with a length, strtol ...)" >&2
	status=1
fi
for f in $files; do
	first=$(head -n 1 "$f")
	case "$first" in
	"/*"*) ;;
	*)
		echo "check-source: $f: the first line must be a comment saying what the file is for" >&2
		status=1
		;;
	esac
done
exit $status
