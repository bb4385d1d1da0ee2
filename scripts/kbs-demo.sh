#!/usr/bin/env bash
# Secret provisioning, end to end: a key broker (tdx-kbs) releases a secret
# only to a TD whose quote verifies against this platform's root CA and
# collateral, whose MRTD and RTMRs equal what tdxctl computes for the
# reference firmware, payload and command line, and whose REPORTDATA is a
# fresh nonce of the broker's.
#
#   1. the reference TD (tdvf.fd + payload-demo.elf) gets the secret;
#   2. the same TD with a changed payload is refused (RTMR1 differs);
#   3. the same TD with a changed firmware configuration volume is refused
#      (RTMR0 differs);
#   and the reference TD's quote, sent a second time, is refused (its nonce
#   was used up).
#
# Usage: scripts/kbs-demo.sh [BUILD_DIR]   (default: build, made if missing)
# Exit status 0 only if all three outcomes are as stated.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "kbs-demo: SKIPPED: /dev/kvm is not usable here, so no TD can run" >&2
	exit 77
fi
build=${1:-$top/build}
if [ ! -x "$build/qemu-tdx/qemu-tdx" ]; then
	"$top/scripts/setup-host.sh"
	"$top/scripts/build.sh" "$build"
fi
qemu=$build/qemu-tdx/qemu-tdx
tdxctl=$build/libtdxctl/tdxctl
qgs=$build/tools/tdx-qgs/tdx-qgs
kbs=$build/tools/tdx-kbs
bios=$build/ovmf-tdvf/tdvf.fd
payload=$build/ovmf-tdvf/payload-demo.elf
mem=512M
prefix="accept=4 quote=1 eventlog=1"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

wait_socket() {
	for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done
	echo "kbs-demo: $1 did not appear" >&2
	return 1
}

export TDX_EMU_STATE_DIR=$work/state
echo "== platform: quote generation service and collateral (state in $TDX_EMU_STATE_DIR)"
"$qgs" --socket "$work/qgs.sock" --state-dir "$TDX_EMU_STATE_DIR" 2>"$work/qgs.log" &
pids+=($!)
wait_socket "$work/qgs.sock"
"$tdxctl" pki export --out "$work/collateral" --state-dir "$TDX_EMU_STATE_DIR"

echo "== key broker: reference firmware and payload, -m $mem, command line \"$prefix nonce=...\""
echo "tdx-emu demo secret: the launch codes are 0000" >"$work/secret"
"$kbs" serve --socket "$work/kbs.sock" --root-ca "$work/collateral/root-ca.pem" \
	--collateral "$work/collateral" --secret "$work/secret" \
	--bios "$bios" --kernel "$payload" --mem "$mem" --append "$prefix" 2>"$work/kbs.log" &
pids+=($!)
wait_socket "$work/kbs.sock"
"$tdxctl" measure mrtd --bios "$bios" | sed 's/^/  reference /'

# run_td NAME BIOS PAYLOAD: boot the TD with a fresh nonce, hand its quote
# to the broker; prints the broker's answer, returns the request's status.
run_td() {
	local name=$1 fw=$2 pl=$3 nonce
	nonce=$("$kbs" nonce --socket "$work/kbs.sock")
	echo "== $name: nonce $nonce"
	if ! "$qemu" -machine q35,confidential-guest-support=tdx0,kernel-irqchip=split \
		-object "tdx-guest,id=tdx0,quote-generation-socket=$work/qgs.sock" \
		-bios "$fw" -kernel "$pl" -append "$prefix nonce=$nonce" -m "$mem" -smp 1 \
		-nographic -serial stdio >"$work/$name.log" 2>&1; then
		echo "kbs-demo: the $name TD failed:" >&2
		tail -5 "$work/$name.log" >&2
		return 2
	fi
	grep -E '^  (MRTD|RTMR[0-2]) ' "$work/$name.log" | sed 's/^ */  TD reports /'
	grep -o 'payload: quote [0-9a-f]*' "$work/$name.log" | cut -d' ' -f3 >"$work/$name.quote"
	# The TD's CC event log, replayed outside to the RTMRs it reported.
	grep -o 'payload: eventlog [0-9a-f]*' "$work/$name.log" | cut -d' ' -f3 | tr -d '\n' |
		{ fold -w 2048; echo; } | while read -r chunk; do
			printf "$(echo "$chunk" | sed 's/../\\x&/g')"
		done >"$work/$name.eventlog"
	local r0 r1 r2
	r0=$(awk '$1 == "RTMR0" { print $2 }' "$work/$name.log")
	r1=$(awk '$1 == "RTMR1" { print $2 }' "$work/$name.log")
	r2=$(awk '$1 == "RTMR2" { print $2 }' "$work/$name.log")
	if ! "$tdxctl" eventlog replay "$work/$name.eventlog" --rtmr0 "$r0" --rtmr1 "$r1" \
		--rtmr2 "$r2" >"$work/$name.replay" 2>&1; then
		echo "kbs-demo: the $name TD's event log does not replay to its RTMRs:" >&2
		cat "$work/$name.replay" >&2
		return 2
	fi
	echo "  event log ($(stat -c %s "$work/$name.eventlog") bytes) replays to the reported RTMR0..2"
	[ -s "$work/$name.quote" ] || { echo "kbs-demo: no quote from the $name TD" >&2; return 2; }
	"$kbs" request --socket "$work/kbs.sock" --quote-hex "$work/$name.quote"
}

status=0
if out=$(run_td reference "$bios" "$payload"); then
	echo "$out" | sed '$d'
	hex=$(echo "$out" | tail -1)
	echo "  released: $(printf "$(echo "$hex" | sed 's/../\\x&/g')")"
	if "$kbs" request --socket "$work/kbs.sock" --quote-hex "$work/reference.quote" \
		2>"$work/replay.err" >/dev/null; then
		echo "kbs-demo: FAIL: a replayed quote got the secret" >&2
		status=1
	else
		echo "== replay of the reference quote"
		echo "  refused: $(tail -1 "$work/replay.err")"
	fi
else
	echo "$out"
	echo "kbs-demo: FAIL: the reference TD was refused" >&2
	status=1
fi

# A changed payload: the same program with bytes appended (the loader
# ignores them, the measurement does not).
cp "$payload" "$work/payload-changed.elf"
printf 'not the reference payload' >>"$work/payload-changed.elf"
if run_td changed-payload "$bios" "$work/payload-changed.elf" 2>"$work/changed-payload.err"; then
	echo "kbs-demo: FAIL: a changed payload got the secret" >&2
	status=1
else
	echo "  refused: $(tail -1 "$work/changed-payload.err")"
fi

# A changed firmware: one byte of the configuration volume's 0xFF filler.
cp "$bios" "$work/tdvf-changed.fd"
printf '\xfe' | dd of="$work/tdvf-changed.fd" bs=1 seek=$((0xff0)) conv=notrunc status=none
if run_td changed-firmware "$work/tdvf-changed.fd" "$payload" 2>"$work/changed-firmware.err"; then
	echo "kbs-demo: FAIL: a changed firmware got the secret" >&2
	status=1
else
	echo "  refused: $(tail -1 "$work/changed-firmware.err")"
fi

[ $status = 0 ] && echo "kbs-demo: PASS (secret released to the reference TD only)"
exit $status
