#!/usr/bin/env python3
"""CPU seconds by process over the traffic phase of a load run, and the statements PostgreSQL spent them on.

Used by scripts/bench. It watches the load generator's output for the end of the activation step (traffic
starts) and the traffic step (traffic ended), reads /proc at both moments and prints, per process group,
the CPU seconds used in between and per operation. A group is a process, every descendant of it, and the
children it has already reaped (a PostgreSQL backend that exits is counted through the postmaster), so
the whole machine is accounted for, not one backend. With --psql it resets pg_stat_statements when
traffic starts and prints the top statements when it ends.

usage: cpu-split.py --log FILE --group NAME=PID [--group NAME=PID ...] [--psql "psql args"] [--out FILE]
                    [--start-step Activation|Warm-up]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")
STEP = r"^\s*\d+\.\s+{}\b"
END = re.compile(r"^\s*\d+\.\s+Traffic\b")
OPERATIONS = re.compile(r"operations\s*[:=]?\s*([0-9][0-9,]*)")


def processes():
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # after the command: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based in proc(5)
        ppid = int(fields[1])
        own = int(fields[11]) + int(fields[12])
        reaped = int(fields[13]) + int(fields[14])
        table[int(entry)] = (ppid, own, reaped)
    return table


def group_seconds(table, root):
    if root not in table:
        return None
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        _, own, reaped = table[pid]
        total += own + reaped
        stack.extend(children.get(pid, []))
    return total / TICKS


def snapshot(groups):
    table = processes()
    return {name: group_seconds(table, pid) for name, pid in groups}


class Follower:
    """Reads a growing file line by line, remembering where it stopped."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, ""

    def until(self, pattern, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with open(self.path, errors="replace") as f:
                    f.seek(self.offset)
                    chunk = f.read()
                    self.offset = f.tell()
            except OSError:
                chunk = ""
            lines = (self.partial + chunk).split("\n")
            self.partial = lines.pop()
            for index, line in enumerate(lines):
                match = pattern.search(line)
                if match:
                    # Whatever came after the match is read again next time.
                    self.partial = "\n".join(lines[index + 1:] + [self.partial])
                    return match
            time.sleep(0.05)
        return None


def psql(args, sql):
    result = subprocess.run(shlex.split(args) + ["-X", "-q", "-A", "-F", "\t", "-t", "-c", sql],
                            capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--group", action="append", default=[])
    parser.add_argument("--psql")
    parser.add_argument("--redis-cli", help="redis-cli command line of the API's Redis: commands per operation")
    parser.add_argument("--out")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--pgbench", action="store_true", help="also split the pgbench baseline that follows")
    parser.add_argument("--start-step", default="Activation", help="the step after which the measured traffic starts")
    args = parser.parse_args()
    groups = [(g.split("=", 1)[0], int(g.split("=", 1)[1])) for g in args.group]
    out = open(args.out, "w") if args.out else sys.stdout

    log = Follower(args.log)
    if log.until(re.compile(STEP.format(re.escape(args.start_step))), args.timeout) is None:
        print("cpu-split: the traffic never started", file=out)
        return 1
    if args.psql:
        psql(args.psql, "SELECT pg_stat_statements_reset()")
    writes_before, redis_before = database_counters(args.psql), redis_counters(args.redis_cli)
    before, started = snapshot(groups), time.time()
    ended = log.until(END, args.timeout)
    after, elapsed = snapshot(groups), time.time() - started
    writes_after, redis_after = database_counters(args.psql), redis_counters(args.redis_cli)
    if ended is None:
        print("cpu-split: the traffic never ended", file=out)
        return 1
    statements = None
    if args.psql:
        statements = psql(args.psql, """
            SELECT calls, round(total_exec_time::numeric, 0), round(total_plan_time::numeric, 0),
                   round(((total_exec_time + total_plan_time) / greatest(calls, 1))::numeric, 3),
                   regexp_replace(left(query, 110), '\\s+', ' ', 'g')
            FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12""")

    # The traffic step prints its facts on the lines after its title, the operation count first.
    counted = log.until(OPERATIONS, 10)
    operations = int(counted.group(1).replace(",", "")) if counted else None

    report_traffic(out, groups, before, after, elapsed, operations, statements)
    report_counters(out, operations, writes_before, writes_after, redis_before, redis_after)
    if args.psql:
        report_table_sizes(out, psql(args.psql, TABLE_SIZES))
    if args.pgbench:
        # The pgbench baseline follows the reconciliation: the same machine's cost of one durable single-row INSERT.
        if log.until(re.compile(STEP.format("Reconciliation")), args.timeout) is None:
            return 0
        before, started = snapshot(groups), time.time()
        ended = log.until(re.compile(STEP.format("pgbench")), args.timeout)
        after, elapsed = snapshot(groups), time.time() - started
        tps = log.until(re.compile(r"tps\s+([0-9.]+)"), 10)
        if ended is None or tps is None:
            return 0
        transactions = float(tps.group(1)) * elapsed
        print(f"\npgbench single-row INSERT over the same span ({elapsed:.1f} s, ~{transactions:.0f} transactions; "
              f"pgbench runs under the load generator):", file=out)
        print(f"  {'process':<16}{'CPU s':>9}{'cores':>8}{'ms/tx':>9}", file=out)
        for name, _ in groups:
            if before.get(name) is not None and after.get(name) is not None:
                used = after[name] - before[name]
                print(f"  {name:<16}{used:>9.1f}{used / elapsed:>8.2f}{1000 * used / transactions:>9.3f}", file=out)
    return 0


# What PostgreSQL wrote over the span: WAL bytes, commits and rows, from the whole database's statistics.
DATABASE_COUNTERS = """
    SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, xact_commit, tup_inserted, tup_updated, tup_deleted
    FROM pg_stat_database WHERE datname = current_database()"""


def database_counters(psql_args):
    if not psql_args:
        return None
    row = psql(psql_args, DATABASE_COUNTERS)
    if not row or not row.strip():
        return None
    values = [int(v) for v in row.strip().split("\t")]
    return dict(zip(["WAL bytes", "commits", "rows inserted", "rows updated", "rows deleted"], values))


def redis_counters(cli):
    """Commands Redis executed so far, by command (INFO commandstats), so a span's difference is per operation."""
    if not cli:
        return None
    result = subprocess.run(shlex.split(cli) + ["INFO", "commandstats"], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    counts = {}
    for line in result.stdout.splitlines():
        match = re.match(r"cmdstat_([a-z|_-]+):calls=(\d+)", line.strip())
        if match:
            counts[match.group(1)] = int(match.group(2))
    return counts


# Bytes on disk per live row of the largest tables (heap, indexes and TOAST), for sizing storage and partitioning.
TABLE_SIZES = """
    SELECT relname, n_live_tup, pg_total_relation_size(relid), pg_indexes_size(relid)
    FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 6"""


def report_table_sizes(out, rows):
    if not rows or not rows.strip():
        return
    print("\nLargest tables at the end of the traffic phase (bytes per live row, all indexes included):", file=out)
    print(f"  {'table':<24}{'rows':>10}{'MB':>9}{'B/row':>8}{'of which indexes':>18}", file=out)
    for row in rows.strip().splitlines():
        name, live, total, indexes = row.split("\t")
        live, total, indexes = int(live), int(total), int(indexes)
        per_row = f"{total / live:.0f}" if live else "?"
        per_index = f"{indexes / live:.0f}" if live else "?"
        print(f"  {name:<24}{live:>10}{total / 1e6:>9.1f}{per_row:>8}{per_index:>18}", file=out)


def report_counters(out, operations, writes_before, writes_after, redis_before, redis_after):
    if not operations:
        return
    if writes_before and writes_after:
        # pg_stat_database is updated when a backend reports (at most every 0.5 s, and at the end of a transaction
        # block), so these are close, not exact.
        print("\nPostgreSQL writes per operation over the traffic phase (pg_stat_database, WAL position):", file=out)
        for name in writes_before:
            delta = writes_after[name] - writes_before[name]
            print(f"  {name:<16}{delta / operations:>12.2f}", file=out)
    if redis_before is not None and redis_after is not None:
        delta = {name: redis_after.get(name, 0) - redis_before.get(name, 0) for name in redis_after}
        delta = {name: count for name, count in delta.items() if count > 0 and name != "info"}
        total = sum(delta.values())
        print(f"\nRedis commands per operation over the traffic phase (INFO commandstats): {total / operations:.2f}",
              file=out)
        for name, count in sorted(delta.items(), key=lambda item: -item[1])[:8]:
            print(f"  {name:<16}{count / operations:>12.3f}", file=out)


def report_traffic(out, groups, before, after, elapsed, operations, statements):
    print(f"CPU seconds by process over the traffic phase ({elapsed:.1f} s wall, "
          f"{os.cpu_count()} cores, {operations or '?'} operations):", file=out)
    print(f"  {'process':<16}{'CPU s':>9}{'cores':>8}{'ms/op':>9}", file=out)
    total = 0.0
    for name, _ in groups:
        if before.get(name) is None or after.get(name) is None:
            print(f"  {name:<16}{'gone':>9}", file=out)
            continue
        used = after[name] - before[name]
        total += used
        per_op = f"{1000 * used / operations:.2f}" if operations else "?"
        print(f"  {name:<16}{used:>9.1f}{used / elapsed:>8.2f}{per_op:>9}", file=out)
    per_op = f"{1000 * total / operations:.2f}" if operations else "?"
    print(f"  {'all':<16}{total:>9.1f}{total / elapsed:>8.2f}{per_op:>9}", file=out)
    if statements:
        print("\npg_stat_statements over the traffic phase (top 12 by exec + plan time):", file=out)
        print(f"  {'calls':>8}{'exec ms':>10}{'plan ms':>10}{'ms/call':>9}  statement", file=out)
        for row in statements.strip().splitlines():
            calls, exec_ms, plan_ms, per_call, query = row.split("\t", 4)
            print(f"  {calls:>8}{exec_ms:>10}{plan_ms:>10}{per_call:>9}  {query}", file=out)


if __name__ == "__main__":
    sys.exit(main())
