#!/usr/bin/env bash
# The main job: install what is missing, build, then boot the demo TD the
# way a QEMU user would, and check what it proves about itself.
#
#   1. qemu-tdx powers on an emulated TDX host (BIOS, MCHECK, NP-SEAMLDR,
#      P-SEAMLDR, SEAMLDR.INSTALL on every LP, TDX module init) and builds
#      a TD from ovmf-tdvf's tdvf.fd and the demo payload, 512 MiB, 2 vCPUs;
#   2. the TD boots: firmware (TD HOB, accept, RTMRs, event log, ACPI,
#      fw_cfg payload load), then the payload (TD info, event-log replay,
#      virtio-console round trip through shared memory, TDREPORT, a quote
#      from tdx-qgs through GetQuote, MP wakeup, accepting the rest of its
#      memory) and ends with "tdx-emu payload: SUCCESS";
#   3. tdxctl verifies the TD's quote against the platform's root CA and
#      collateral, with the MRTD and RTMRs it computes from the same files.
#
# Exits 0 only if all of that worked.  Extra arguments go to qemu-tdx.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
"$top/scripts/setup-host.sh"
"$top/scripts/build.sh" "$build"

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "run-demo: /dev/kvm is not usable here; a TD cannot start" >&2
	"$top/scripts/host-check.sh" >&2 || true
	exit 1
fi

bios=$build/ovmf-tdvf/tdvf.fd
payload=$build/ovmf-tdvf/payload-demo.elf
append="quote=1"
work=$(mktemp -d)
qgs_pid=
cleanup() {
	[ -n "$qgs_pid" ] && kill "$qgs_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The platform's state (root secret, PKI) lives with the demo run.
export TDX_EMU_STATE_DIR=$work/state
"$build/tools/tdx-qgs/tdx-qgs" --socket "$work/qgs.sock" --state-dir "$TDX_EMU_STATE_DIR" \
	2>"$work/qgs.log" &
qgs_pid=$!
for _ in $(seq 100); do [ -S "$work/qgs.sock" ] && break; sleep 0.1; done

echo "== qemu-tdx: emulated host, TD build, TD boot"
set +e
"$build/qemu-tdx/qemu-tdx" -verbose \
	-machine q35,confidential-guest-support=tdx0,kernel-irqchip=split \
	-object "tdx-guest,id=tdx0,quote-generation-socket=$work/qgs.sock" \
	-bios "$bios" -kernel "$payload" -append "$append" -m 512M -smp 2 \
	-nographic -serial stdio "$@" 2>&1 | tee "$work/td.log" | grep -v '^  payload: quote '
td_status=${PIPESTATUS[0]}
set -e
if [ "$td_status" != 0 ] || ! grep -qx 'tdx-emu payload: SUCCESS' "$work/td.log"; then
	echo "run-demo: the demo TD failed (qemu-tdx exit $td_status)" >&2
	exit 1
fi

echo "== tdxctl: the TD's quote, checked against what the files predict"
grep -o 'payload: quote [0-9a-f]*' "$work/td.log" | cut -d' ' -f3 | tr -d '\n' >"$work/quote.hex"
# Hex to binary without xxd: printf with \x escapes, 1 KiB at a time.
: >"$work/quote.bin"
{ fold -w 2048 "$work/quote.hex"; echo; } | while read -r chunk; do
	printf "$(echo "$chunk" | sed 's/../\\x&/g')" >>"$work/quote.bin"
done
tdxctl=$build/libtdxctl/tdxctl
"$tdxctl" pki export --out "$work/collateral" --state-dir "$TDX_EMU_STATE_DIR" >/dev/null
mrtd=$("$tdxctl" measure mrtd --bios "$bios")
rtmrs=$("$tdxctl" measure rtmr --bios "$bios" --kernel "$payload" --mem 512M --append "$append")
echo "  predicted MRTD  $mrtd"
echo "$rtmrs" | sed 's/^rtmr/  predicted RTMR/'
"$tdxctl" quote verify "$work/quote.bin" --root-ca "$work/collateral/root-ca.pem" \
	--collateral "$work/collateral" --mrtd "$mrtd" \
	--rtmr0 "$(echo "$rtmrs" | awk '$1 == "rtmr0" { print $2 }')" \
	--rtmr1 "$(echo "$rtmrs" | awk '$1 == "rtmr1" { print $2 }')" \
	--rtmr2 "$(echo "$rtmrs" | awk '$1 == "rtmr2" { print $2 }')"
echo "run-demo: the demo TD booted, reported SUCCESS, and its quote verifies"
