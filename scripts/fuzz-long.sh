#!/usr/bin/env bash
# The long fuzz run of every decoder (test/fuzz): many inputs per property from a random seed, printed
# first so that a failure reproduces. Usage:
#   scripts/fuzz-long.sh                 # FUZZ_RUNS=200000, a random 32-bit seed
#   FUZZ_RUNS=20000 scripts/fuzz-long.sh  # shorter
#   FUZZ_SEED=123 scripts/fuzz-long.sh    # replay a seed
# Extra arguments go to vitest (e.g. a file: scripts/fuzz-long.sh test/fuzz/otlp.fuzz.test.ts).
# A failure prints the seed, fast-check's counterexample path and the command replaying it
# (FUZZ_SEED=… FUZZ_PATH=… npx vitest run test/fuzz -t '…').
set -euo pipefail
cd "$(dirname "$0")/.."

export FUZZ_RUNS="${FUZZ_RUNS:-200000}"
export FUZZ_SEED="${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
echo "fuzz-long: FUZZ_RUNS=${FUZZ_RUNS} FUZZ_SEED=${FUZZ_SEED}" >&2

if [ $# -eq 0 ]; then set -- test/fuzz; fi
status=0
npx vitest run "$@" || status=$?
echo "fuzz-long: finished with status ${status} (FUZZ_RUNS=${FUZZ_RUNS} FUZZ_SEED=${FUZZ_SEED})" >&2
exit "${status}"
