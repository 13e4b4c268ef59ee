#!/usr/bin/env python3
"""Runs N Serf agents on 127.0.0.1, crashes one with SIGKILL and times what the others see.

Used by serf_vs_model.sh (not in CI). Each run:
1. starts N agents (`serf agent`, LAN profile = memberlist's DefaultLANConfig), each with its own
   bind, RPC and statsd port, agent i > 0 joining agent 0;
2. waits until every agent has logged EventMemberJoin for all N (all see all alive);
3. after a settling pause, counts for `--steady` seconds the UDP datagrams and TCP streams each
   agent sends (memberlist's `memberlist.udp.sent` / `memberlist.tcp.sent` counters, one statsd
   line per send);
4. kills one agent (not agent 0) with SIGKILL and records, per other agent (observer):
   - first suspicion: its `memberlist.msg.suspect` counter (memberlist counts it once, when the
     observer itself marks the member Suspect, whether its own probe failed or it heard the
     suspicion by gossip; the statsd sink flushes every 100 ms, so up to 0.1 s late), or the
     "Suspect X has failed, no acks received" log line if earlier (logged right before);
   - declared failed: Serf's "EventMemberFailed: X" log line (memberlist's NotifyLeave, at every
     observer, whether its own suspicion timer fired or it heard the Dead message);
5. stops every agent by its PID (SIGTERM, then SIGKILL after 5 s).

Log lines and statsd datagrams are timestamped here, on arrival (time.monotonic()).
Prints one JSON object per run on stdout; progress goes to stderr.
"""

import argparse
import json
import os
import random
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

JOIN = re.compile(r"EventMemberJoin: (\S+)")
FAILED = re.compile(r"EventMemberFailed: (\S+)")
SUSPECT_LOG = re.compile(r"memberlist: Suspect (\S+) has failed")
MARKING = re.compile(r"memberlist: Marking (\S+) as failed")


def log(message):
    print(f"[serf_cluster {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Agent:
    """One serf agent: its process, ports and what it logged and counted, with arrival times."""

    def __init__(self, index, args, workdir):
        self.index = index
        self.name = f"n{index}"
        self.bind = args.port_base + index
        self.rpc = args.port_base + 1000 + index
        self.statsd_port = args.port_base + 2000 + index
        self.lock = threading.Lock()
        self.joined = set()
        self.failed = {}  # member -> first EventMemberFailed time
        self.suspect_log = {}  # member -> first "Suspect ... has failed" time
        self.marking = {}  # member -> "Marking ... as failed" time
        self.counters = []  # (time, name, value)
        self.config = os.path.join(workdir, f"{self.name}.json")
        with open(self.config, "w") as file:
            json.dump({"statsd_addr": f"127.0.0.1:{self.statsd_port}"}, file)
        self.statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.statsd.bind(("127.0.0.1", self.statsd_port))
        self.statsd.setblocking(False)
        self.process = None
        self.reader = None

    def start(self, join_port):
        command = [
            "serf", "agent",
            f"-node={self.name}",
            f"-bind=127.0.0.1:{self.bind}",
            f"-rpc-addr=127.0.0.1:{self.rpc}",
            f"-config-file={self.config}",
            "-log-level=info",
        ]
        if join_port is not None:
            command.append(f"-join=127.0.0.1:{join_port}")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self.reader = threading.Thread(target=self.read_log, daemon=True)
        self.reader.start()

    def read_log(self):
        for line in self.process.stdout:
            now = time.monotonic()
            with self.lock:
                for pattern, book in ((FAILED, self.failed), (SUSPECT_LOG, self.suspect_log),
                                      (MARKING, self.marking)):
                    found = pattern.search(line)
                    if found:
                        book.setdefault(found.group(1), now)
                found = JOIN.search(line)
                if found:
                    self.joined.add(found.group(1))

    def count(self, name, since, until):
        with self.lock:
            return sum(1 for (t, n, _) in self.counters if n == name and since <= t < until)

    def first(self, name, since):
        with self.lock:
            times = [t for (t, n, _) in self.counters if n == name and t >= since]
        return min(times) if times else None

    def stop(self):
        """SIGTERM by PID, SIGKILL after 5 s if still running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def collect_statsd(agents, stop):
    selector = selectors.DefaultSelector()
    for agent in agents:
        selector.register(agent.statsd, selectors.EVENT_READ, agent)
    while not stop.is_set():
        for key, _ in selector.select(timeout=0.2):
            agent = key.data
            while True:
                try:
                    data = agent.statsd.recv(65535)
                except BlockingIOError:
                    break
                now = time.monotonic()
                lines = []
                for line in data.decode(errors="replace").splitlines():
                    # serf-agent.memberlist.udp.sent:36.000000|c
                    metric, _, rest = line.partition(":")
                    if not metric.startswith("serf-agent.memberlist."):
                        continue
                    value = rest.split("|")[0]
                    lines.append((now, metric[len("serf-agent."):], float(value or 0)))
                with agent.lock:
                    agent.counters.extend(lines)
    selector.close()


def wait_for(condition, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def one_run(args, run, rng):
    workdir = tempfile.mkdtemp(prefix="serf_bench_")
    agents = [Agent(i, args, workdir) for i in range(args.nodes)]
    stop = threading.Event()
    collector = threading.Thread(target=collect_statsd, args=(agents, stop), daemon=True)
    collector.start()
    result = {"nodes": args.nodes, "run": run}
    try:
        started = time.monotonic()
        agents[0].start(None)
        wait_for(lambda: agents[0].name in agents[0].joined, 10)
        for agent in agents[1:]:
            agent.start(agents[0].bind)
            time.sleep(args.start_gap)
        names = {agent.name for agent in agents}

        def converged():
            for agent in agents:
                with agent.lock:
                    if agent.joined != names:
                        return False
            return True

        if not wait_for(converged, args.converge_timeout):
            missing = {a.name: len(names - a.joined) for a in agents if a.joined != names}
            raise RuntimeError(f"no convergence in {args.converge_timeout} s: {missing}")
        result["converge_s"] = time.monotonic() - started
        log(f"N={args.nodes} run {run}: all see all after {result['converge_s']:.1f} s")

        time.sleep(args.settle)
        window_start = time.monotonic()
        time.sleep(args.steady)
        window_end = time.monotonic()
        udp = sum(a.count("memberlist.udp.sent", window_start, window_end) for a in agents)
        tcp = sum(a.count("memberlist.tcp.sent", window_start, window_end) for a in agents)
        suspects_before = sum(a.count("memberlist.msg.suspect", started, window_end)
                              for a in agents)
        span = window_end - window_start
        result["udp_per_node_s"] = udp / args.nodes / span
        result["tcp_per_node_s"] = tcp / args.nodes / span
        result["suspicions_before_crash"] = suspects_before

        victim = agents[rng.randrange(1, args.nodes)]
        observers = [a for a in agents if a is not victim]
        crash = time.monotonic()
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        result["victim"] = victim.name

        def all_failed():
            for agent in observers:
                with agent.lock:
                    if victim.name not in agent.failed:
                        return False
            return True

        done = wait_for(all_failed, args.detect_timeout)
        time.sleep(0.3)  # the last statsd flushes
        suspicion, failed = {}, {}
        for agent in observers:
            counted = agent.first("memberlist.msg.suspect", crash)
            with agent.lock:
                logged = agent.suspect_log.get(victim.name)
                dead = agent.failed.get(victim.name)
            times = [t for t in (counted, logged) if t is not None and t >= crash]
            if times:
                suspicion[agent.name] = min(times) - crash
            if dead is not None and dead >= crash:
                failed[agent.name] = dead - crash
        result["all_failed_seen"] = done
        result["observers"] = len(observers)
        result["suspicion_s"] = suspicion
        result["failed_s"] = failed
        result["probers_that_suspected"] = sum(
            1 for a in observers if victim.name in a.suspect_log)
        result["timers_that_fired"] = sum(1 for a in observers if victim.name in a.marking)
        log(f"N={args.nodes} run {run}: {victim.name} killed; "
            f"first suspicion {min(suspicion.values(), default=float('nan')):.2f} s, "
            f"failed at all {max(failed.values(), default=float('nan')):.2f} s "
            f"({len(failed)}/{len(observers)})")
    finally:
        for agent in agents:
            agent.stop()
        stop.set()
        collector.join(timeout=2)
        for agent in agents:
            agent.statsd.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port-base", type=int, default=27000)
    parser.add_argument("--start-gap", type=float, default=0.05,
                        help="seconds between agent starts")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds after convergence before the steady window")
    parser.add_argument("--steady", type=float, default=20.0,
                        help="length of the steady-state message count window, seconds")
    parser.add_argument("--converge-timeout", type=float, default=60.0)
    parser.add_argument("--detect-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 2 <= args.nodes <= 999:
        parser.error("--nodes must be between 2 and 999")
    rng = random.Random(args.seed)
    for run in range(args.runs):
        print(json.dumps(one_run(args, run, rng)), flush=True)


if __name__ == "__main__":
    main()
