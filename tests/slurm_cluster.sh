#!/usr/bin/env bash
# A one-node SLURM cluster on localhost, for tests: slurm_cluster.sh start|stop|status
#
# Runs as root with Debian's slurm-wlm and munge. Only loopback networking. The
# config sits at /etc/slurm/slurm.conf because snakemake-executor-plugin-slurm's job
# step clears every SLURM_* variable (SLURM_CONF included). No accounting daemon:
# snakemake must check job status with squeue (profiles/slurm).
# `start` reuses a cluster that already answers; it prints "started" or "reused".
set -euo pipefail

CONF=/etc/slurm/slurm.conf
STATE=/var/lib/amurlink-slurm
CPUS=${SLURM_TEST_CPUS:-$(nproc)}
MEMORY_MB=${SLURM_TEST_MEMORY_MB:-20000}

node_state() {
    timeout 10 sinfo -h -n localhost -o %T 2>/dev/null | head -1 || true
}

write_conf() {
    mkdir -p /etc/slurm "$STATE"/ctld "$STATE"/d /var/log/slurm
    cat >"$CONF" <<EOF
# Written by amurlink tests/slurm_cluster.sh: one node on localhost.
ClusterName=amurlink
SlurmctldHost=localhost
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
ReturnToService=2
# Finished jobs stay visible to squeue for 5 minutes (snakemake's status check).
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null >/dev/null 2>&1; then
        return
    fi
    mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do
        munge -n </dev/null >/dev/null 2>&1 && return
        sleep 0.2
    done
    echo "munged did not start" >&2
    exit 1
}

start() {
    command -v slurmctld >/dev/null || { echo "slurm-wlm is not installed" >&2; exit 2; }
    if [ "$(node_state)" = idle ] || [ "$(node_state)" = mixed ] || [ "$(node_state)" = allocated ]; then
        echo reused
        return
    fi
    [ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 2; }
    write_conf
    start_munge
    # -c: start clean (no jobs or node state from an earlier run)
    slurmctld -c
    slurmd -N localhost
    for _ in $(seq 120); do
        case "$(node_state)" in
            idle) echo started; return ;;
            down* | drain* | fail*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
        esac
        sleep 0.5
    done
    echo "SLURM node did not become idle; see /var/log/slurm/" >&2
    sinfo >&2 || true
    exit 1
}

stop_pidfile() {
    local pidfile=$1
    [ -s "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
}

stop() {
    stop_pidfile "$STATE/slurmd.pid"
    stop_pidfile "$STATE/slurmctld.pid"
    stop_pidfile /run/munge/munged.pid
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) node_state ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
