#!/usr/bin/env bash
# Bring up a single-node Slurm "cluster" on this machine, for CI and for trying
# scripts/slurm_sweep.sh without a real cluster:
#
#   sudo bash scripts/slurm_local.sh     # then: sinfo, sbatch, squeue ...
#
# It installs Debian's slurm-wlm and munge if they are missing, creates a munge
# key if there is none, writes /etc/slurm/slurm.conf for one node (this host,
# all its CPUs, one default partition "local"; no cgroups, no accounting), starts
# munged, slurmctld and slurmd directly as daemons (no systemd: it is meant for
# containers) and waits until sinfo shows the node ready.
#
# Idempotent: a second run leaves running daemons alone when the config has not
# changed, restarts them when it has, and resumes a node left down or drained.
# Needs root. Environment: SLURM_LOCAL_TIMEOUT (seconds to wait for the node,
# default 60).
set -euo pipefail

timeout=${SLURM_LOCAL_TIMEOUT:-60}
conf_dir=/etc/slurm
conf=$conf_dir/slurm.conf
marker="# Written by overdue scripts/slurm_local.sh"

log() { echo "slurm_local: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts daemons)"

# --- packages --------------------------------------------------------------
missing=()
for tool in munged munge slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install slurm-wlm and munge"
    log "installing slurm-wlm and munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    # Package scripts must not try to start services: there is no init here.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    install=(apt-get install -y -q --no-install-recommends slurm-wlm munge)
    "${install[@]}" >/dev/null || { apt-get update -q >/dev/null && "${install[@]}" >/dev/null; } ||
        die "apt-get could not install slurm-wlm and munge"
    for tool in "${missing[@]}"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool still missing after installing slurm-wlm and munge"
    done
fi

# --- munge -------------------------------------------------------------------
id munge >/dev/null 2>&1 || die "no munge user (the munge package creates it)"
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
key=/etc/munge/munge.key
if [[ ! -s $key ]]; then
    log "creating munge key $key"
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$key"
    else
        dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
    fi
fi
chown munge:munge "$key"
chmod 0400 "$key"

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
    log "starting munged"
    # A stale socket or pid file from a killed munged makes a new one refuse to start.
    if ! pgrep -x munged >/dev/null; then rm -f /run/munge/munged.pid /run/munge/munge.socket.2*; fi
    runuser -u munge -- munged || die "munged did not start (see /var/log/munge/munged.log)"
    for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
    munge_ok || die "munged runs but munge -n | unmunge fails (see /var/log/munge/munged.log)"
fi

# --- slurm.conf ----------------------------------------------------------
host=$(hostname -s)
cpus=$(nproc --all)
# slurmd -C reports the node's hardware as Slurm sees it; stay a bit below its
# memory so the node is not drained for having "less memory than configured".
mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n1)
if [[ -z $mem ]]; then
    mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
fi
mem=$((mem * 95 / 100))
((mem > 0)) || mem=1

install -d -m 0755 "$conf_dir" /var/log/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
desired=$(
    cat <<EOF
$marker: single node, no cgroups, no accounting.
ClusterName=overdue-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)
changed=0
if [[ ! -f $conf ]] || [[ $(cat "$conf") != "$desired" ]]; then
    if [[ -f $conf ]] && ! grep -qF "$marker" "$conf"; then
        backup=$conf.before-overdue.$(date +%s)
        log "keeping the existing $conf as $backup"
        cp -p "$conf" "$backup"
    fi
    printf '%s\n' "$desired" >"$conf"
    changed=1
    log "wrote $conf (node $host, CPUs=$cpus, RealMemory=$mem)"
fi

# --- daemons -----------------------------------------------------------------
running() { # name pidfile
    local pid
    pid=$(cat "$2" 2>/dev/null) || return 1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]]
}
stop() { # name pidfile
    local pid
    running "$1" "$2" || return 0
    pid=$(cat "$2")
    log "stopping $1 (pid $pid): the config changed"
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    die "$1 (pid $pid) did not stop"
}
if ((changed)); then
    stop slurmd /run/slurmd.pid
    stop slurmctld /run/slurmctld.pid
fi
if ! running slurmctld /run/slurmctld.pid; then
    log "starting slurmctld"
    slurmctld || die "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
fi
if ! running slurmd /run/slurmd.pid; then
    log "starting slurmd"
    slurmd || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
fi

# --- wait for the node ---------------------------------------------------------
deadline=$((SECONDS + timeout))
resumed=0
state=
while :; do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null | head -n1 || true)
    case $state in
    idle | mixed | allocated | completing) break ;;
    down* | drain* | fail*)
        if ((!resumed)); then
            log "node $host is $state; resuming it"
            scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
            resumed=1
        fi
        ;;
    esac
    if ((SECONDS >= deadline)); then
        log "node $host is '${state:-not reported}' after ${timeout}s"
        sinfo -N -l 2>&1 | sed 's/^/  /' >&2 || true
        scontrol show node "$host" 2>/dev/null | grep -E 'State|Reason' | sed 's/^/  /' >&2 || true
        tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log 2>/dev/null | sed 's/^/  /' >&2 || true
        die "Slurm node $host did not become idle within ${timeout}s"
    fi
    sleep 1
done
log "ready: node $host is $state (partition local, $cpus CPUs)"
