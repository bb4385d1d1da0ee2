#!/usr/bin/env bash
# The main job: install what is missing, build, power on an emulated TDX
# host with 8 logical processors and bring the TDX module up through
# MCHECK, NP-SEAMLDR and P-SEAMLDR, printing every step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup-host.sh"
"$top/scripts/build.sh" "$top/build"
exec "$top/build/tools/tdx-host" --lps 8 "$@"
