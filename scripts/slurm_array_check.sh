#!/usr/bin/env bash
# Check that a sweep run as a Slurm job array of 4 shards (scripts/slurm_sweep.sh)
# and combined with `overdue merge` gives the same records as the same sweep run
# in one piece, apart from timings and the thread count.
#
#   bash scripts/slurm_array_check.sh [CONFIG]        # as root (it sets up Slurm)
#
# Steps: scripts/slurm_local.sh (a single-node Slurm on this machine), then
# `sbatch --wait --array=1-4 --cpus-per-task=1 scripts/slurm_sweep.sh CONFIG`
# into a temporary folder, `overdue merge` of the 4 shard folders, `overdue
# sweep CONFIG` unsharded, and a comparison of runs/*.json with jq after
# deleting .cost (seconds, rows per second, peak memory), .finished_at and
# .environment.{threads,cores}; everything else must be equal, byte for byte.
#
# Environment:
#   OVERDUE_BIN         the overdue binary (default target/debug/overdue)
#   CHECK_SHARDS        number of array tasks (default 4)
#   CHECK_TIME_LIMIT    Slurm time limit of each task (default 00:30:00)
#   CHECK_KEEP          1 keeps the temporary folder even when the check passes
# The last line says PASS or FAIL; the exit status is non-zero on any failure.
set -Eeuo pipefail

start=$(date +%s.%N)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
work=
fail() {
    trap - ERR
    echo "slurm_array_check: FAIL: $* (wall time $(elapsed "$start") s${work:+; files kept in $work})"
    exit 1
}
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR
step() { echo "slurm_array_check: $*"; }

# The config, as a path relative to the repository (the records keep it as given).
config=${1:-configs/ci_smoke.toml}
if [[ -f $config && $config != /* ]]; then config=$(realpath --relative-to="$repo" "$config"); fi
cd "$repo"
[[ -f $config ]] || fail "no config $config"
name=$(basename "$config" .toml)
shards=${CHECK_SHARDS:-4}

overdue=${OVERDUE_BIN:-target/debug/overdue}
[[ -x $overdue ]] || fail "no overdue binary at $overdue (build it: cargo build -p overdue-cli, or set OVERDUE_BIN)"
overdue=$(realpath "$overdue")

as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
if ! command -v jq >/dev/null; then
    step "installing jq"
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends jq >/dev/null ||
        { "${as_root[@]}" apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends jq >/dev/null; } ||
        fail "could not install jq"
fi

# --- Slurm -------------------------------------------------------------------
t=$(date +%s.%N)
"${as_root[@]}" bash scripts/slurm_local.sh || fail "scripts/slurm_local.sh could not bring up Slurm"
step "Slurm ready in $(elapsed "$t") s"

work=$(mktemp -d "${TMPDIR:-/tmp}/overdue-slurm-check.XXXXXX")
mkdir -p "$work/logs"
expected=$("$overdue" sweep "$config" --dry-run | sed -n 's/^\([0-9][0-9]*\) runs\b.*/\1/p' | tail -n1 || true)
step "config $config (${expected:-?} runs), binary $overdue, work folder $work"

# --- the array -----------------------------------------------------------------
t=$(date +%s.%N)
step "sbatch --wait --array=1-$shards scripts/slurm_sweep.sh $config"
status=0
submitted=$(OVERDUE_BIN=$overdue OVERDUE_OUTPUT_ROOT=$work/shards \
    sbatch --wait --parsable --array=1-"$shards" --cpus-per-task=1 --time="${CHECK_TIME_LIMIT:-00:30:00}" \
    --job-name=overdue-array-check --output="$work/logs/overdue-%A_%a.log" \
    scripts/slurm_sweep.sh "$config") || status=$?
job=${submitted%%;*}
if ((status != 0)); then
    [[ -n $job ]] || fail "sbatch could not submit the array (exit status $status)"
    for i in $(seq 1 "$shards"); do
        info=$(scontrol -o show job "${job}_$i" 2>/dev/null || true)
        state=$(sed -n 's/.*JobState=\([^ ]*\).*/\1/p' <<<"$info")
        code=$(sed -n 's/.* ExitCode=\([^ ]*\).*/\1/p' <<<"$info")
        echo "task $i: ${state:-?} (exit ${code:-?})"
        if [[ $state != COMPLETED ]]; then
            tail -n 5 "$work/logs/overdue-${job}_$i.log" 2>/dev/null | sed 's/^/    /' || true
        fi
    done
    fail "the job array $job failed (sbatch --wait exited with $status)"
fi
array_s=$(elapsed "$t")
step "array job $job: $shards tasks finished in $array_s s"
left=$(squeue -h -j "$job" 2>/dev/null | wc -l)
((left == 0)) || fail "array job $job still has $left tasks in the queue after sbatch --wait"

shard_dirs=()
shard_counts=()
for i in $(seq 1 "$shards"); do
    dir=$work/shards/$name-shard-$i
    [[ -d $dir/runs ]] || fail "shard $i wrote no $dir/runs (see $work/logs)"
    n=$(find "$dir/runs" -name '*.json' | wc -l)
    ((n > 0)) || fail "shard $i has no records"
    shard_dirs+=("$dir")
    shard_counts+=("$n")
done

# --- merge ---------------------------------------------------------------------
t=$(date +%s.%N)
"$overdue" merge "$work/merged" "${shard_dirs[@]}" >"$work/logs/merge.out" 2>"$work/logs/merge.err" ||
    { cat "$work/logs/merge.err"; fail "overdue merge failed"; }
grep -q 'different results' "$work/logs/merge.err" && { cat "$work/logs/merge.err"; fail "overdue merge found conflicting records"; }
merge_s=$(elapsed "$t")
step "$(head -n1 "$work/logs/merge.out") in $merge_s s"

# --- unsharded -----------------------------------------------------------------
t=$(date +%s.%N)
"$overdue" sweep "$config" --output "$work/unsharded" >"$work/logs/unsharded.out" 2>"$work/logs/unsharded.err" ||
    { tail -n 20 "$work/logs/unsharded.err"; fail "the unsharded sweep failed"; }
unsharded_s=$(elapsed "$t")
step "unsharded sweep finished in $unsharded_s s: $(tail -n1 "$work/logs/unsharded.out")"

# --- compare -------------------------------------------------------------------
# Timings and the machine's thread count differ between runs by nature; the rest
# (cell, split, every metric, curve, importance, threshold, code version) must not.
normalise() { # folder -> one sorted, key-sorted JSON array
    find "$1/runs" -name '*.json' -print0 | sort -z | xargs -0 cat |
        jq -S -s 'map(del(.cost, .finished_at, .environment.threads, .environment.cores)) | sort_by(.run_id)'
}
normalise "$work/merged" >"$work/merged.json"
normalise "$work/unsharded" >"$work/unsharded.json"
merged_n=$(jq length "$work/merged.json")
unsharded_n=$(jq length "$work/unsharded.json")
shard_sum=0
for n in "${shard_counts[@]}"; do shard_sum=$((shard_sum + n)); done
counts="shards $(IFS=+; echo "${shard_counts[*]}") = $shard_sum, merged $merged_n, unsharded $unsharded_n"
step "records: $counts"

((shard_sum == merged_n)) || fail "the shards overlap or merge lost records ($counts)"
((merged_n == unsharded_n)) || fail "merged and unsharded differ in number of records ($counts)"
[[ -z $expected ]] || ((unsharded_n == expected)) || fail "$unsharded_n records, the dry run planned $expected"
not_finished=$(jq -r '[.[] | select(.status != "finished") | .run_id] | join(" ")' "$work/merged.json" "$work/unsharded.json" | xargs)
[[ -z $not_finished ]] || fail "runs not finished: $not_finished"
if ! cmp -s "$work/merged.json" "$work/unsharded.json"; then
    jq -r '.[].run_id' "$work/merged.json" >"$work/merged.ids"
    jq -r '.[].run_id' "$work/unsharded.json" >"$work/unsharded.ids"
    if ! cmp -s "$work/merged.ids" "$work/unsharded.ids"; then
        diff "$work/merged.ids" "$work/unsharded.ids" | head -n 20 || true
        fail "merged and unsharded have different run ids (< merged, > unsharded)"
    fi
    differing=$(jq -r -n --slurpfile a "$work/merged.json" --slurpfile b "$work/unsharded.json" \
        '[range($a[0] | length) as $i | select($a[0][$i] != $b[0][$i]) | $a[0][$i].run_id] | join(" ")')
    first=${differing%% *}
    echo "records that differ: $differing"
    echo "first difference, run $first (< merged, > unsharded):"
    diff <(jq --arg id "$first" '.[] | select(.run_id == $id)' "$work/merged.json") \
        <(jq --arg id "$first" '.[] | select(.run_id == $id)' "$work/unsharded.json") | head -n 40 || true
    fail "$(wc -w <<<"$differing") of $merged_n merged records differ from the unsharded run beyond timings"
fi

kept=
if [[ ${CHECK_KEEP:-0} == 1 ]]; then
    kept=" (files in $work)"
else
    rm -rf "$work"
    work=
fi
echo "slurm_array_check: PASS: $shards-task array of $config merged == unsharded, $merged_n records equal apart from cost, finished_at, environment.threads/cores; wall time $(elapsed "$start") s (array $array_s s, merge $merge_s s, unsharded $unsharded_s s)$kept"
