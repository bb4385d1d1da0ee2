#!/bin/sh
# An independent verifier accepts our quote: @phala/dcap-qvl (npm, pure
# JavaScript).  Skipped (exit 77) when node or the package is unavailable
# and cannot be installed (offline).  A changed quote byte must be refused.
# Usage: attest_dcap_qvl_test.sh TDXCTL MAKE_QUOTE WORKDIR
set -u
TDXCTL=$1 MAKE=$2 W=$3
HERE=$(dirname "$0")
PKG=@phala/dcap-qvl@0.3.9
NPM_DIR=${TDX_NPM_DIR:-$W/npm}
command -v node >/dev/null 2>&1 || { echo "SKIPPED: node not installed"; exit 77; }
rm -rf "$W/run" && mkdir -p "$W/run" "$NPM_DIR" || exit 1
if [ ! -d "$NPM_DIR/node_modules/@phala/dcap-qvl" ]; then
	command -v npm >/dev/null 2>&1 || { echo "SKIPPED: npm not installed"; exit 77; }
	timeout 180 npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "$PKG" \
		>"$W/npm.log" 2>&1 || { echo "SKIPPED: cannot install $PKG (offline?)"; exit 77; }
fi
"$MAKE" "$W/run/state" "$W/run/report.bin" "$W/run/quote.bin" || exit 1
"$TDXCTL" pki export --state-dir "$W/run/state" --out "$W/run/coll" || exit 1
NODE_PATH="$NPM_DIR/node_modules" node "$HERE/dcap_qvl_check.js" "$W/run/quote.bin" \
	"$W/run/coll" || exit 1
# The same verifier refuses a quote with a changed body byte.
cp "$W/run/quote.bin" "$W/run/bad.bin"
printf '\377' | dd of="$W/run/bad.bin" bs=1 seek=300 conv=notrunc 2>/dev/null
if NODE_PATH="$NPM_DIR/node_modules" node "$HERE/dcap_qvl_check.js" "$W/run/bad.bin" \
	"$W/run/coll"; then
	echo "FAIL: dcap-qvl accepted a changed quote"; exit 1
fi
echo "dcap-qvl accepts the quote and refuses a changed one"
