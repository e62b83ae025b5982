#!/usr/bin/env bash
# Build and run test-swl-codegen.c: the programs the compiled seccomp-eBPF
# whitelist generates, run in an interpreter, against the policies'
# semantics, for the shipped profiles (the four tiers, the HTTP function's
# phases, containers/common's default profile when fetched) and random
# policies.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
swl=$top/bpf-progs/seccomp
p=$swl/profiles
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
gcc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$swl" -o "$bin" \
	"$top/selftests/test-swl-codegen.c" "$swl/codegen.c" "$swl/profile.c" -lseccomp -ljson-c
tiers=$p/basic-compute.json,$p/restricted-io.json,$p/networking.json,$p/platform-services.json
args=("$tiers" "$tiers,$p/http-function.json")
# each tier alone (the HTTP function's phases need the tiers' init syscalls)
for f in "$p"/*.json; do [ "${f##*/}" = http-function.json ] || args+=("$f"); done
cc=${BUILD:-$top/build}/tools/containers-default.json
[ -s "$cc" ] && args+=("+$cc")
"$bin" "${args[@]}"
