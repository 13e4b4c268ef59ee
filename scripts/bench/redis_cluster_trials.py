#!/usr/bin/env python3
"""Crash trials on a real Redis Cluster on 127.0.0.1, the real half of redis_vs_model.sh.

For each run: start N redis-server masters from config files of our own in a temporary
directory (no systemd, no replicas), form the cluster with `redis-cli --cluster create`, wait
until every node knows all N (times 1 + replicas) and reports cluster_state:ok, let it settle, count the bus
messages every node sends over a window (CLUSTER INFO cluster_stats_messages_sent), SIGKILL
one master, then ask every other master for CLUSTER NODES every 100 ms until all hold it
FAIL. Prints one JSON object per run (times in ms after the SIGKILL):

  first_pfail_ms  the first master to flag it `fail?` (PFAIL)
  mean_pfail_ms   per master, the first poll showing `fail?` or `fail` (a master that hears
                  the FAIL broadcast before its own timeout never shows PFAIL), averaged
  first_fail_ms   the first master to flag it `fail`
  fail_all_ms     every other master flags it `fail`
  messages_per_node_second  bus messages sent per node per second before the crash
  failover_ms     with --replicas: the first poll at which any node shows one of the killed
                  master's replicas as a master (its election won)

Every process is stopped by its PID at the end, also on an error or Ctrl-C. Python 3 standard
library only (the RESP client below is the few lines the commands need).
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


class Client:
    """A blocking RESP2 client for one node."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.reader = self.sock.makefile("rb")

    def send(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))

    def reply(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = self.reader.read(length + 2)
            return data[:-2].decode()
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def close(self):
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass


def info_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


class Cluster:
    """N redis-server processes from config files in a temporary directory."""

    def __init__(self, nodes, base_port, node_timeout):
        self.ports = [base_port + i for i in range(nodes)]
        self.dir = tempfile.mkdtemp(prefix="redis-bench-")
        self.processes = {}
        for port in self.ports:
            home = os.path.join(self.dir, str(port))
            os.makedirs(home)
            config = os.path.join(home, "redis.conf")
            with open(config, "w") as out:
                out.write(
                    "\n".join(
                        [
                            "port %d" % port,
                            "bind 127.0.0.1",
                            "protected-mode no",
                            "daemonize no",
                            "dir %s" % home,
                            "logfile %s" % os.path.join(home, "redis.log"),
                            "cluster-enabled yes",
                            "cluster-config-file nodes.conf",
                            "cluster-node-timeout %d" % node_timeout,
                            'save ""',
                            "appendonly no",
                            "",
                        ]
                    )
                )
            self.processes[port] = subprocess.Popen(
                ["redis-server", config],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def wait_up(self, deadline):
        for port in self.ports:
            while True:
                try:
                    client = Client(port)
                    client.call("PING")
                    client.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        log = os.path.join(self.dir, str(port), "redis.log")
                        with open(log, errors="replace") as text:
                            tail = text.read()[-2000:]
                        raise RuntimeError("node %d did not start:\n%s" % (port, tail))
                    time.sleep(0.05)

    def stop(self):
        """Stops every process by its PID (SIGTERM, then SIGKILL), removes the directory."""
        for process in self.processes.values():
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def stable(clients, nodes):
    """Every node knows all, sees no flag but master/slave/myself, reports cluster_state:ok."""
    for client in clients:
        info = client.call("CLUSTER", "INFO")
        if info_field(info, "cluster_state") != "ok":
            return False
        if info_field(info, "cluster_known_nodes") != str(nodes):
            return False
        for line in client.call("CLUSTER", "NODES").splitlines():
            fields = line.split()
            flags = set(fields[2].split(",")) - {"myself", "master", "slave"}
            if flags or fields[7] != "connected":
                return False
    return True


def messages_sent(clients):
    return sum(
        int(info_field(client.call("CLUSTER", "INFO"), "cluster_stats_messages_sent"))
        for client in clients
    )


def trial(args, run):
    rng = random.Random(args.seed * 1000 + run)
    total = args.nodes * (args.replicas + 1)
    cluster = Cluster(total, args.base_port, args.node_timeout)
    clients = []
    try:
        cluster.wait_up(time.monotonic() + 20)
        clients = [Client(port) for port in cluster.ports]
        created = time.monotonic()
        subprocess.run(
            ["redis-cli", "--cluster", "create"]
            + ["127.0.0.1:%d" % port for port in cluster.ports]
            + ["--cluster-replicas", str(args.replicas), "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not stable(clients, total):
            if time.monotonic() - created > 120:
                raise RuntimeError("the cluster did not become stable in 120 s")
            time.sleep(0.2)
        stable_after = time.monotonic() - created
        time.sleep(args.settle)
        before = messages_sent(clients)
        window_start = time.monotonic()
        time.sleep(args.window)
        after = messages_sent(clients)
        window = time.monotonic() - window_start
        rate = (after - before) / total / window

        # A master, and the ids of its replicas.
        ids = [client.call("CLUSTER", "MYID") for client in clients]
        table = [line.split() for line in clients[0].call("CLUSTER", "NODES").splitlines()]
        masters = [f[0] for f in table if "master" in f[2].split(",")]
        victim_id = masters[rng.randrange(len(masters))]
        victim = ids.index(victim_id)
        replica_ids = {f[0] for f in table if f[3] == victim_id}
        clients[victim].close()
        observers = [c for i, c in enumerate(clients) if i != victim]
        clients = observers
        crashed = time.monotonic()
        os.kill(cluster.processes[cluster.ports[victim]].pid, signal.SIGKILL)
        crash_after_create = crashed - created
        pfail = [None] * len(observers)
        suspect = [None] * len(observers)
        fail = [None] * len(observers)
        failover = None
        next_poll = crashed
        while any(f is None for f in fail) or (replica_ids and failover is None):
            now = time.monotonic()
            if now - crashed > args.give_up:
                break
            if now < next_poll:
                time.sleep(next_poll - now)
            next_poll += 0.1
            for client in observers:
                client.send("CLUSTER", "NODES")
            for index, client in enumerate(observers):
                text = client.reply()
                at = (time.monotonic() - crashed) * 1000.0
                for line in text.splitlines():
                    fields = line.split()
                    if (
                        fields[0] in replica_ids
                        and "master" in fields[2].split(",")
                        and failover is None
                    ):
                        failover = at
                    if fields[0] != victim_id:
                        continue
                    flags = fields[2].split(",")
                    if "fail?" in flags and pfail[index] is None:
                        pfail[index] = at
                    if ("fail?" in flags or "fail" in flags) and suspect[index] is None:
                        suspect[index] = at
                    if "fail" in flags and fail[index] is None:
                        fail[index] = at
        seen_pfail = [p for p in pfail if p is not None]
        seen_fail = [f for f in fail if f is not None]
        return {
            "nodes": args.nodes,
            "replicas": args.replicas,
            "run": run,
            "victim_port": cluster.ports[victim],
            "stable_after_create_s": round(stable_after, 2),
            "crash_after_create_s": round(crash_after_create, 2),
            "first_pfail_ms": min(seen_pfail) if seen_pfail else None,
            "mean_pfail_ms": (
                sum(suspect) / len(suspect) if all(s is not None for s in suspect) else None
            ),
            "first_fail_ms": min(seen_fail) if seen_fail else None,
            "fail_all_ms": max(seen_fail) if len(seen_fail) == len(fail) else None,
            "messages_per_node_second": rate,
            "failover_ms": failover,
        }
    finally:
        for client in clients:
            client.close()
        cluster.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--replicas", type=int, default=0, help="replicas per master")
    parser.add_argument("--node-timeout", type=int, default=5000)
    # Below the ephemeral ports (32768 up), as is each node's bus port, 10000 higher.
    parser.add_argument("--base-port", type=int, default=21100)
    parser.add_argument("--settle", type=float, default=10.0, help="s after stable")
    parser.add_argument("--window", type=float, default=10.0, help="s of message counting")
    parser.add_argument("--give-up", type=float, default=30.0, help="s of polling at most")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.nodes < 3:
        sys.exit("--nodes must be at least 3")
    # Ctrl-C or a TERM from the caller still runs the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    for run in range(args.runs):
        print(json.dumps(trial(args, run)), flush=True)


if __name__ == "__main__":
    main()
