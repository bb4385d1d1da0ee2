#!/usr/bin/env bash
# The test job: install what is missing, build, run the whole ctest suite,
# then build again with AddressSanitizer + UndefinedBehaviorSanitizer and
# run the suite a second time.  Exits non-zero if either run fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup-host.sh"

echo "== build and test (RelWithDebInfo) =="
"$top/scripts/build.sh" "$top/build"
(cd "$top/build" && ctest --output-on-failure -j"$(nproc)" --timeout 600)

echo "== build and test under ASan + UBSan =="
"$top/scripts/build.sh" "$top/build-asan" -DTDX_SANITIZE=ON
(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -j"$(nproc)" --timeout 900)
