#!/bin/sh
# tdxctl command-line tests: cli_test.sh TDXCTL usage|roundtrip SCRATCH_DIR
#   usage      exit codes: 2 for usage errors, 0 for --help, 1 for failures
#   roundtrip  key -> image -> blob -> info, ACM -> info, and tampering
set -u
tdxctl=$1
mode=$2
dir=$3
failures=0

# expect CODE ARGS...: run tdxctl ARGS and check its exit code.
expect() {
	want=$1
	shift
	"$tdxctl" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: tdxctl $* exited $got, expected $want"
		sed 's/^/  stderr: /' "$dir/err"
		failures=$((failures + 1))
	else
		echo "ok: tdxctl $* -> $got"
	fi
}

# expect_err TEXT: the last command's stderr mentions TEXT.
expect_err() {
	if ! grep -q -e "$1" "$dir/err"; then
		echo "FAIL: stderr does not mention '$1':"
		sed 's/^/  stderr: /' "$dir/err"
		failures=$((failures + 1))
	fi
}

rm -rf "$dir"
mkdir -p "$dir" || exit 1

case $mode in
usage)
	expect 2 --bogus
	expect_err "unknown option '--bogus'"
	expect 2
	expect 2 frobnicate
	expect_err "unknown command 'frobnicate'"
	expect 2 module
	expect 2 module sign --bogus
	expect_err "'--bogus'"
	expect 2 module sign --key
	expect_err "'--key' needs an argument"
	expect 2 module sign --key k.pem --image i.img
	expect_err "missing --out"
	expect 2 module build --out x.img --pages 497
	expect_err "\-\-pages"
	expect 2 module build --out x.img --version 1.2.3
	expect_err "\-\-version"
	expect 2 module sign --key k --image i --out o --svn 1.256
	expect_err "\-\-svn"
	expect 2 module sign --key k --image i --out o --cpuid 0x806F1
	expect_err "\-\-cpuid"
	expect 2 module info --lps 0 x.blob
	expect_err "\-\-lps"
	expect 2 module info
	expect 2 seamldr build --out x.acm
	expect_err "missing --key"
	expect 2 key generate
	expect 2 key hash a b
	for cmd in "key generate" "key hash" "module build" "module sign" "module info" \
		   "seamldr build" "seamldr info"; do
		# shellcheck disable=SC2086
		expect 0 $cmd --help
	done
	expect 0 --help
	expect 1 module info "$dir/does-not-exist.blob"
	expect_err "does-not-exist.blob"
	expect 1 key hash "$dir/does-not-exist.pem"
	;;
roundtrip)
	expect 0 key generate "$dir/k.pem"
	expect 1 key generate "$dir/k.pem"
	expect_err "refusing to overwrite"
	expect 0 key generate "$dir/other.pem"
	expect 0 key hash --out "$dir/hash.txt" "$dir/k.pem"
	expect 0 key hash "$dir/k.pem"
	if ! cmp -s "$dir/out" "$dir/hash.txt" || ! grep -qE '^[0-9a-f]{96}$' "$dir/out"; then
		echo "FAIL: key hash output is not 96 hex digits matching --out"
		failures=$((failures + 1))
	fi
	expect 0 module build --out "$dir/m.img" --version 1.5.2.3 --build-num 9 --pages 8
	expect 0 module sign --key "$dir/k.pem" --image "$dir/m.img" --out "$dir/m.blob" \
		--svn 1.2 --debug --cpuid 0x806F0,0xC06F0
	expect 0 module info "$dir/m.blob" --vendor-key "$dir/k.pem" --lps 4
	for want in "1.5.2.3" "seamsvn: *1.2" "debug signed: *yes" "signature: *valid" \
		    "matches the module pages" "vendor key: *matches" "module pages: *8" \
		    "0x000c06f0"; do
		grep -q -e "$want" "$dir/out" || {
			echo "FAIL: module info output lacks '$want'"
			failures=$((failures + 1))
		}
	done
	expect 1 module info "$dir/m.blob" --vendor-key "$dir/other.pem"
	grep -q "DOES NOT MATCH" "$dir/out" || {
		echo "FAIL: module info did not report the key mismatch"
		failures=$((failures + 1))
	}
	# A flipped module byte breaks the checksum before anything else.
	cp "$dir/m.blob" "$dir/bad.blob"
	printf '\001' | dd of="$dir/bad.blob" bs=1 seek=9000 conv=notrunc 2>/dev/null
	expect 1 module info "$dir/bad.blob"
	expect_err "checksum"

	expect 0 seamldr build --key "$dir/k.pem" --out "$dir/np.acm" --version 1.1
	expect 0 seamldr info "$dir/np.acm" --vendor-key "$dir/k.pem"
	grep -q "p-seamldr version: *1.1.0" "$dir/out" || {
		echo "FAIL: seamldr info lacks the P-SEAMLDR version"
		failures=$((failures + 1))
	}
	expect 1 seamldr info "$dir/np.acm" --vendor-key "$dir/other.pem"
	# A flipped byte in the signed header prefix (date) breaks the signature.
	cp "$dir/np.acm" "$dir/bad.acm"
	printf '\377' | dd of="$dir/bad.acm" bs=1 seek=20 conv=notrunc 2>/dev/null
	expect 1 seamldr info "$dir/bad.acm"
	grep -q "signature: *INVALID" "$dir/out" || {
		echo "FAIL: seamldr info did not report the bad signature"
		failures=$((failures + 1))
	}
	;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac

rm -rf "$dir"
if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
exit 0
