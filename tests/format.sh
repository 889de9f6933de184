#!/bin/sh
# format.sh — every C file of the project is as `make format` leaves it
# (.clang-format).  Prints one "not ok" line per file clang-format would
# change, with the first lines of what it would change.
set -u
FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$FORMAT" >/dev/null 2>&1; then
    echo "not ok - format: $FORMAT is not installed (make test-deps)"
    exit 1
fi
failed=0
count=0
for f in $(find core helpers tests/unit tests/fuzz bench -name '*.[ch]' | sort); do
    count=$((count + 1))
    if ! "$FORMAT" --style=file "$f" | cmp -s - "$f"; then
        echo "not ok - format: $f is not formatted (make format)"
        "$FORMAT" --style=file "$f" | diff -u "$f" - | sed -n '3,12s/^/#   /p'
        failed=1
    fi
done
[ "$failed" = 0 ] && echo "ok - format: $count C files as .clang-format wants them"
exit "$failed"
