#!/usr/bin/env bash
# Run one sweep as a Slurm job array: each array task runs one shard of the grid
# into its own folder, ${OVERDUE_OUTPUT_ROOT:-out}/<config name>-shard-<task id>;
# then merge the shard folders (and write the report) with `overdue merge`.
#
#   sbatch --array=1-8 scripts/slurm_sweep.sh configs/appel2020_ar.toml
#   # when all tasks have finished (or as a job with --dependency=afterok:<array job id>):
#   overdue merge out/appel2020_ar out/appel2020_ar-shard-*
#
# Environment (sbatch passes the submitting shell's environment on):
#   OVERDUE_BIN          the overdue binary (default target/release/overdue)
#   OVERDUE_OUTPUT_ROOT  where the shard folders go (default out, git-ignored)
# Relative paths are taken from the folder sbatch was run in. Options given to
# sbatch override the #SBATCH lines below, e.g. --cpus-per-task=2 or
# --output=logs/overdue-%A_%a.log. Try it on one machine with
# scripts/slurm_local.sh (a single-node Slurm) and scripts/slurm_array_check.sh.
#
# Every task must run the same config and the same overdue build: run ids are
# content-derived, so a task that is re-queued after a crash resumes its shard.
#SBATCH --job-name=overdue-sweep
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=overdue-%A_%a.log
set -euo pipefail

config=${1:?usage: sbatch --array=1-N scripts/slurm_sweep.sh CONFIG}
index=${SLURM_ARRAY_TASK_ID:?run this as a Slurm job array (sbatch --array=1-N)}
count=${SLURM_ARRAY_TASK_COUNT:?run this as a Slurm job array (sbatch --array=1-N)}
name=$(basename "$config" .toml)
overdue=${OVERDUE_BIN:-target/release/overdue}
output_root=${OVERDUE_OUTPUT_ROOT:-out}

export RAYON_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
"$overdue" sweep "$config" --shard "$index/$count" --output "$output_root/$name-shard-$index"
