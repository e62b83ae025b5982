#!/usr/bin/env bash
# Build and run test-swl-eval.c: the whitelist filter's branch-free
# condition evaluation against the profiles' comparison semantics.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
gcc -O2 -Wall -Wextra -Werror -I"$top/bpf-progs/seccomp" -o "$bin" "$top/selftests/test-swl-eval.c"
"$bin"
