#!/bin/bash
# End to end: the egress policy of bpf-progs/egress on a cgroup.  A policy
# attached to a function's parent cgroup decides the TCP connects, the UDP
# sendtos and connects and the TCP Fast Open sends of processes in a child
# cgroup (made before or after it), by address prefix and port, IPv4-mapped
# IPv6 addresses by the IPv4 rules; loopback, link-local and unspecified
# addresses only through a rule inside their range; no rules deny all.
# The pinned links outlive the loader, egr_detach removes every trace, and
# bad rules are refused with the reason, with nothing attached.
# Usage: egress.sh TOOLS-DIR (with egress-test and egress-probe).  Prints TAP.
# The probes of a cgroup run in one egress-probe: a TCG guest execs slowly.
set -u
tools=${1:?usage: egress.sh TOOLS-DIR}
drv=$tools/egress-test probe=$tools/egress-probe
echo "TAP version 13"
if [ ! -x "$drv" ] || [ ! -x "$probe" ]; then
	echo "1..0 # SKIP no egress-test or egress-probe in $tools (make -C bpf-progs/egress)"
	exit 4
fi
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$root" ]; then
	echo "1..0 # SKIP no cgroup2 file system mounted"
	exit 4
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || {
	echo "Bail out! no BPF file system on /sys/fs/bpf"
	exit 1
}
p=$root/e2e-egress q=$root/e2e-egress-any r=$root/e2e-egress-none
pin=/sys/fs/bpf/e2e-egress pinq=/sys/fs/bpf/e2e-egress-any pinr=/sys/fs/bpf/e2e-egress-none
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }

# probes CGROUP: under the policy named $policy, each line of stdin, "WANT [-6] [-u|-f] ADDR PORT" (WANT:
# allowed, denied or other), is a check; one egress-probe in CGROUP ("" for
# the test's own) runs them all
probes() {
	local cg=$1 line out i wants=() spec=() res=()
	while read -r line; do
		case $line in '' | '#'*) continue ;; esac
		wants+=("${line%% *}") spec+=("${line#* }")
	done
	if [ -n "$cg" ]; then
		out=$(printf '%s\n' "${spec[@]}" | "$probe" -c "$cg" - 2>&1)
	else
		out=$(printf '%s\n' "${spec[@]}" | "$probe" - 2>&1)
	fi
	mapfile -t res <<<"$out"
	for i in "${!spec[@]}"; do
		if [ "${res[i]%%:*}" = "${wants[i]}" ]; then
			ok "${wants[i]}: ${spec[i]} (${cg#"$root"/}, $policy)"
		else
			nok "${wants[i]}: ${spec[i]} (${cg#"$root"/}, $policy): ${res[i]:-no answer}"
		fi
	done
}
# links CGROUP: how many programs are attached to CGROUP itself at the four hooks
links() { "$drv" progs "$1" 2>&1; }
# refused WHAT WANTED-ERROR RULE...: egress-test attach fails with WANTED-ERROR, nothing pinned
refused() {
	local what=$1 want=$2 err rc l
	shift 2
	err=$("$drv" attach "$p" "$pin" "$@" 2>&1); rc=$?
	if [ $rc = 1 ] && [[ $err == *"$want"* ]] && [ ! -e "$pin" ]; then
		ok "refused: $what"
	else
		nok "refused: $what: rc $rc, '$err', pin dir $(ls -A "$pin" 2>&1 | tr '\n' ' ')"
		[ $rc = 0 ] && "$drv" detach "$pin"
	fi
}
# step WHAT COMMAND...: COMMAND succeeds
step() {
	local what=$1 err
	shift
	if err=$("$@" 2>&1); then ok "$what"; else nok "$what: $err"; fi
}
cleanup() {
	for d in "$pin" "$pinq" "$pinr"; do [ ! -e "$d" ] || "$drv" detach "$d"; done
	rmdir "$p"/fn "$p"/late "$p"/gone "$q"/fn "$r"/fn "$p" "$q" "$r" 2>/dev/null
}

echo "1..90"
cleanup
mkdir "$p" "$p/fn" "$q" "$q/fn" "$r" "$r/fn" || { echo "Bail out! cannot make cgroups under $root"; exit 1; }
# destinations on the loopback device, so that an allowed TCP connect is refused
ip link set lo up
ip -batch - 2>/dev/null <<'EOF'
addr add 192.0.2.1/32 dev lo
addr add 198.51.100.1/32 dev lo
addr add 169.254.1.1/32 dev lo
addr add 2001:db8::1/128 dev lo nodad
addr add 2001:db8:1::1/128 dev lo nodad
addr add fe80::1/128 dev lo nodad
EOF

# policy A on the parent p; probes run in p/fn
policy="policy A"
err=$("$drv" attach "$p" "$pin" 127.0.0.1/32:8000-8001 127.0.0.0/8:5000 ::1/128:9000 \
	192.0.2.0/24:7000 2001:db8::/64:7000 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$(ls "$pin" 2>/dev/null | sort | tr '\n' ' ')" = "connect4 connect6 sendmsg4 sendmsg6 " ]; then
	ok "attach pins four links, and egress-test has exited"
else
	nok "attach: rc $rc, '$err', pins: $(ls "$pin" 2>&1 | tr '\n' ' ')"
fi
l=$(links "$p")
if [ "$l" = 4 ]; then ok "four programs on the cgroup"; else nok "four programs on the cgroup: $l"; fi
out=$("$drv" frozen "$pin" 2>&1); rc=$?
if [ $rc = 0 ]; then ok "the policy maps are frozen"; else nok "the policy maps are frozen: $(tr '\n' ' ' <<<"$out")"; fi

f=$p/fn
probes "$f" <<'EOF'
allowed 127.0.0.1 8000
allowed 127.0.0.1 8001
denied 127.0.0.1 8002
denied 127.0.0.1 7999
denied 127.0.0.1 80
denied 127.0.0.2 8000
allowed 127.0.0.1 5000
allowed 127.0.0.2 5000
allowed 192.0.2.1 7000
denied 192.0.2.1 7001
denied 198.51.100.1 7000
denied 0.0.0.0 8000
allowed -6 ::1 9000
denied -6 ::1 9001
denied -6 ::1 8000
allowed -6 2001:db8::1 7000
denied -6 2001:db8::1 7001
denied -6 2001:db8:1::1 7000
# IPv4-mapped: the IPv4 rules, both ways
allowed -6 ::ffff:127.0.0.1 8000
denied -6 ::ffff:127.0.0.1 8002
denied -6 ::ffff:127.0.0.1 9000
denied -6 ::ffff:127.0.0.2 8000
allowed -6 ::ffff:192.0.2.1 7000
denied -6 ::ffff:198.51.100.1 7000
# UDP: sendto on an unconnected socket and connect
allowed -u 127.0.0.1 8000
denied -u 127.0.0.1 8002
allowed -6 -u ::1 9000
denied -6 -u ::1 9001
allowed -6 -u ::ffff:127.0.0.1 8001
denied -6 -u ::ffff:127.0.0.1 9000
# TCP Fast Open's connect in sendto
allowed -f 127.0.0.1 8000
denied -f 127.0.0.1 8002
denied -6 -f ::ffff:127.0.0.1 8002
EOF
# the parent itself, a child made after the attach, and outside
probes "$p" <<'EOF'
denied 127.0.0.1 8002
EOF
mkdir "$p/late"
probes "$p/late" <<'EOF'
denied 127.0.0.1 8002
allowed 127.0.0.1 8000
EOF
probes "" <<'EOF'
allowed 127.0.0.1 8002
EOF

# policy B: everything, but a rule broader than loopback, link-local or
# the unspecified address does not reach them
step "attach 0.0.0.0/0 ::/0" "$drv" attach "$q" "$pinq" 0.0.0.0/0 ::/0
policy="policy B"
f=$q/fn
probes "$f" <<'EOF'
allowed 192.0.2.1 80
allowed -6 2001:db8:1::1 80
allowed -6 ::ffff:198.51.100.1 80
denied 127.0.0.1 80
denied 0.0.0.0 80
denied 169.254.1.1 80
denied -6 ::1 80
denied -6 :: 80
denied -6 fe80::1%lo 80
denied -6 ::ffff:127.0.0.1 80
denied -u 127.0.0.1 53
EOF
step "detach policy B" "$drv" detach "$pinq"
# ... a rule inside them does
step "attach rules inside loopback and link-local" \
	"$drv" attach "$q" "$pinq" 127.0.0.0/8 169.254.0.0/16:80 fe80::/10:80 ::1/128
policy="policy B2"
probes "$f" <<'EOF'
allowed 127.0.0.5 80
allowed 169.254.1.1 80
denied 169.254.1.1 81
allowed -6 fe80::1%lo 80
allowed -6 ::1 80
denied 0.0.0.0 80
denied 192.0.2.1 80
EOF
step "detach policy B2" "$drv" detach "$pinq"

# policy C: no rules, nothing allowed
step "attach without rules" "$drv" attach "$r" "$pinr"
policy="policy C"
f=$r/fn
probes "$f" <<'EOF'
denied 127.0.0.1 8000
denied -6 ::1 9000
denied -u 192.0.2.1 53
denied -6 -u 2001:db8::1 53
EOF

# detaching A: the cgroup is open again and nothing is left
err=$("$drv" detach "$pin" 2>&1); rc=$?
l=$(links "$p")
if [ $rc = 0 ] && [ ! -e "$pin" ] && [ "$l" = 0 ]; then
	ok "detach removes the pins, the pin directory and the programs"
else
	nok "detach: rc $rc, '$err', pins $(ls -A "$pin" 2>&1 | tr '\n' ' '), $l programs"
fi
policy="policy A detached"
probes "$p/fn" <<'EOF'
allowed 127.0.0.1 8002
EOF
err=$("$drv" detach "$pin" 2>&1); rc=$?
if [ $rc = 0 ]; then ok "detach with nothing pinned"; else nok "detach with nothing pinned: rc $rc, '$err'"; fi
# a loader that stopped half way: two links pinned, then detach
"$drv" attach "$p" "$pin" 127.0.0.1/32:8000 && rm "$pin/connect6" "$pin/sendmsg6"
err=$("$drv" detach "$pin" 2>&1); rc=$?
l=$(links "$p")
if [ $rc = 0 ] && [ ! -e "$pin" ] && [ "$l" = 0 ]; then
	ok "detach cleans up two of four pins"
else
	nok "detach of two of four pins: rc $rc, '$err', $l programs"
fi
# the cgroup removed before its policy is detached: the function is gone
mkdir "$p/gone"
step "attach to a cgroup that is then removed" "$drv" attach "$p/gone" "$pin" 127.0.0.1/32:8000
rmdir "$p/gone"
err=$("$drv" detach "$pin" 2>&1); rc=$?
if [ $rc = 0 ] && [ ! -e "$pin" ]; then
	ok "detach after the cgroup is removed"
else
	nok "detach after the cgroup is removed: rc $rc, '$err', pins $(ls -A "$pin" 2>&1 | tr '\n' ' ')"
fi
# a second policy in the same pin directory is refused, the first stays
"$drv" attach "$p" "$pin" 127.0.0.1/32:8000
err=$("$drv" attach "$p" "$pin" 127.0.0.1/32:8002 2>&1); rc=$?
l=$(links "$p")
if [ $rc = 1 ] && [[ $err == *"/connect4 exists"* ]] && [ "$l" = 4 ]; then
	ok "refused: a policy already pinned in the directory"
else
	nok "refused: a policy already pinned: rc $rc, '$err', $l programs"
fi
policy="the first of two policies"
probes "$p/fn" <<'EOF'
denied 127.0.0.1 8002
EOF
step "detach the first of two policies" "$drv" detach "$pin"

# bad rules: the reason, and nothing attached or pinned
refused "bad family" "rule 1: address family 7 is neither AF_INET nor AF_INET6" 127.0.0.1/32 AF=7
refused "prefix out of range" "rule 0 (10.0.0.0/33): prefix length 33 is not in 0-32" 10.0.0.0/33
refused "IPv6 prefix out of range" "rule 0 (::/129): prefix length 129 is not in 0-128" ::/129
refused "bits past the prefix" "rule 0 (10.0.0.1/8): address has bits set past the prefix (the network is 10.0.0.0/8)" 10.0.0.1/8:80
refused "port 0" "rule 0 (10.0.0.0/8): port 0 is no destination" 10.0.0.0/8:0
refused "port range low above high" "rule 0 (10.0.0.0/8): port range 90-80 is empty" 10.0.0.0/8:90-80
refused "IPv4-mapped rule" "rule 0 (::ffff:10.0.0.0/104): inside ::ffff:0:0/96, the IPv4-mapped addresses, which the IPv4 rules decide: write it as 10.0.0.0/8" ::ffff:10.0.0.0/104:443
refused "nine port ranges for a prefix" "10.0.0.0/8: 9 distinct port ranges" \
	10.0.0.0/8:1 10.0.0.0/8:3 10.0.0.0/8:5 10.0.0.0/8:7 10.0.0.0/8:9 10.0.0.0/8:11 10.0.0.0/8:13 10.0.0.0/8:15 10.0.0.0/8:17
refused "nine port ranges with a covering rule's" "10.1.0.0/16: 9 distinct port ranges" \
	10.0.0.0/8:1-2 10.0.0.0/8:5 10.0.0.0/8:7 10.0.0.0/8:9 10.0.0.0/8:11 10.1.0.0/16:13 10.1.0.0/16:15 10.1.0.0/16:17 10.1.0.0/16:19
# shellcheck disable=SC2046 # one word per rule
refused "too many rules" "1025 rules, at most 1024" $(for _ in $(seq 1025); do echo 10.0.0.0/8:80; done)
# pin directories: none, and one outside bpffs
for d in - /tmp/egress-pins; do
	err=$("$drv" attach "$p" "$d" 127.0.0.1/32:8000 2>&1); rc=$?
	case $d in
	-) want="no pin directory: links that are not pinned end with the calling process" ;;
	*) want="pin directory $d: neither it nor its parent is on a BPF file system" ;;
	esac
	if [ $rc = 1 ] && [[ $err == *"$want"* ]] && [ ! -e /tmp/egress-pins ]; then
		ok "refused: pin directory $d"
	else
		nok "refused: pin directory $d: rc $rc, '$err'"
	fi
done
l=$(links "$p")
if [ "$l" = 0 ]; then ok "nothing attached by the refused policies"; else nok "the refused policies left $l programs"; fi
policy="after the refused policies"
probes "$p/fn" <<'EOF'
allowed 127.0.0.1 8002
EOF

cleanup
echo "# $fails of $n failed"
[ $fails = 0 ]
