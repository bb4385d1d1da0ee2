#!/bin/sh
# tdxctl pki export / report decode / quote decode / quote verify from the
# command line: exit codes and the "quote verify: <what>: <why>" messages.
# Usage: attest_cli_test.sh TDXCTL MAKE_QUOTE WORKDIR TDX_QGS
set -u
TDXCTL=$1 MAKE=$2 W=$3 QGS=$4
rm -rf "$W" && mkdir -p "$W" || exit 1
fails=0
check() { # name expected-status command...
	name=$1 want=$2; shift 2
	"$@" >"$W/out" 2>"$W/err"; got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"; cat "$W/out" "$W/err"; fails=$((fails+1))
	fi
}
expect() { # name file text
	if ! grep -q -- "$3" "$2"; then
		echo "FAIL $1: '$3' not in:"; cat "$2"; fails=$((fails+1))
	fi
}

check export 0 "$TDXCTL" pki export --state-dir "$W/state" --out "$W/coll"
for f in root-ca.pem root-ca-crl.der pck-crl.der tcb-info.json qe-identity.json \
	 tcb-signing-chain.pem pck-crl-issuer-chain.pem; do
	[ -s "$W/coll/$f" ] || { echo "FAIL export: $f missing"; fails=$((fails+1)); }
done
check export-nested 0 "$TDXCTL" pki export --state-dir "$W/nested/a/state" --out "$W/coll-nested"
check export-usage 2 "$TDXCTL" pki export --state-dir "$W/state"
check make 0 "$MAKE" "$W/state" "$W/report.bin" "$W/quote.bin"

check report-decode 0 "$TDXCTL" report decode "$W/report.bin"
expect report-decode "$W/out" "SEPT_VE_DISABLE"
check report-json 0 "$TDXCTL" report decode --json "$W/report.bin"
expect report-json "$W/out" '"mrtd"'
check report-short 1 "$TDXCTL" report decode "$W/quote.bin"
check quote-decode 0 "$TDXCTL" quote decode "$W/quote.bin"
expect quote-decode "$W/out" "TDX quote v4"
check quote-json 0 "$TDXCTL" quote decode --json "$W/quote.bin"
expect quote-json "$W/out" '"td_quote_body"'
check quote-decode-bad 1 "$TDXCTL" quote decode "$W/report.bin"
expect quote-decode-bad "$W/err" "quote header"

check verify 0 "$TDXCTL" quote verify "$W/quote.bin" --root-ca "$W/coll/root-ca.pem" \
	--collateral "$W/coll"
expect verify "$W/out" "TCB status UpToDate"
check verify-usage 2 "$TDXCTL" quote verify "$W/quote.bin" --root-ca "$W/coll/root-ca.pem"
check verify-badhex 2 "$TDXCTL" quote verify "$W/quote.bin" --root-ca "$W/coll/root-ca.pem" \
	--collateral "$W/coll" --mrtd 00
check verify-mrtd 1 "$TDXCTL" quote verify "$W/quote.bin" --root-ca "$W/coll/root-ca.pem" \
	--collateral "$W/coll" --mrtd "$(printf '%096d' 0)"
expect verify-mrtd "$W/err" "quote verify: policy: MRTD differs from --mrtd"
# One changed byte in the body: the signature check names it.
cp "$W/quote.bin" "$W/bad.bin"
printf '\377' | dd of="$W/bad.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
check verify-bad 1 "$TDXCTL" quote verify "$W/bad.bin" --root-ca "$W/coll/root-ca.pem" \
	--collateral "$W/coll"
expect verify-bad "$W/err" "quote verify: quote signature: "
# The collateral of another platform.
check export2 0 "$TDXCTL" pki export --state-dir "$W/state2" --out "$W/coll2"
check verify-other-root 1 "$TDXCTL" quote verify "$W/quote.bin" --root-ca "$W/coll2/root-ca.pem" \
	--collateral "$W/coll"
expect verify-other-root "$W/err" "quote verify: PCK chain root: "

# tdx-qgs refuses bad options before touching anything.
check qgs-timeout 2 "$QGS" --timeout 0 --state-dir "$W/qgs-state" --socket "$W/q.sock"
expect qgs-timeout "$W/err" "--timeout 0: expected 1..3600"
check qgs-clients 2 "$QGS" --max-clients x --state-dir "$W/qgs-state" --socket "$W/q.sock"
check qgs-extra 2 "$QGS" extra --state-dir "$W/qgs-state"
check qgs-long-socket 1 "$QGS" --state-dir "$W/state" --socket "$W/$(printf '%0200d' 0)"
expect qgs-long-socket "$W/err" "path too long"
[ -e "$W/qgs-state" ] && { echo "FAIL: tdx-qgs created its state dir on a usage error"; fails=$((fails+1)); }
check qgs-help 0 "$QGS" --help
expect qgs-help "$W/out" "quote-generation-socket"

[ "$fails" -eq 0 ] && echo "all passed"
exit "$fails"
