#!/usr/bin/env bash
# Builds the libFuzzer fuzzers (cmake preset `fuzz`: clang, ASan+UBSan) and runs each one for
# SECONDS_EACH seconds (default 20) on its corpus. Exits non-zero when a fuzzer crashes,
# leaks, times out on an input or runs out of memory; the input that did it is saved as
# build-fuzz/artifacts/<fuzzer>/crash-* (or leak-, timeout-, oom-).
#
#   tests/fuzz/run-fuzzers.sh            # CI smoke run: 20 s each
#   tests/fuzz/run-fuzzers.sh 3600       # an hour each, e.g. overnight or before a release
#   FUZZERS="lint rule_file" tests/fuzz/run-fuzzers.sh 600    # only some of them
#
# The corpus of each fuzzer lives in build-fuzz/corpus/<fuzzer> and grows across runs (it
# starts from the seeds CMake copies to build-fuzz/tests/fuzz/seeds/<fuzzer>), so long runs pick up
# where the last one stopped. To replay one input: build-fuzz/tests/fuzz/<fuzzer>_fuzzer FILE.
# To keep a crash as a regression test, copy it under tests/data/fuzz-regressions/<fuzzer>/
# (tests/unit/fuzz_regressions_test.cpp replays every file there in the normal test run).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
fuzzers=${FUZZERS:-"socket_mode_envelope slash_command block_actions slack_export rule_file config_file lint json_parse"}
# Per-input limits: 2 GB RSS (ASan's shadow included), 10 s per input.
rss_limit_mb=${RSS_LIMIT_MB:-2048}
timeout=${TIMEOUT:-10}

cmake --preset fuzz
cmake --build --preset fuzz

build=build-fuzz
dict=tests/fuzz/json.dict
status=0
for name in $fuzzers; do
    corpus=$build/corpus/$name
    artifacts=$build/artifacts/$name
    mkdir -p "$corpus" "$artifacts"
    dict_flag=()
    # The text inputs (slash commands, Markdown) are not JSON; the rest gets the dictionary.
    case $name in slash_command | lint) ;; *) dict_flag=(-dict="$dict") ;; esac
    echo "=== $name: ${seconds}s"
    if ! "$build/tests/fuzz/${name}_fuzzer" "$corpus" "$build/tests/fuzz/seeds/$name" \
        -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" -timeout="$timeout" \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "${dict_flag[@]}" 2>"$build/$name.log"; then
        tail -n 60 "$build/$name.log"
        echo "=== $name: FAILED (log: $build/$name.log, inputs: $artifacts/)"
        status=1
    else
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
            "$build/$name.log" || true
        echo "=== $name: ok"
    fi
done
exit $status
