//! Three processes of the `udp_cluster` example on 127.0.0.1, gossiping over real UDP: a write at
//! one reaches all three, and when one is killed the other two declare it failed.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long each step may take (it takes about two seconds at the example's 200 ms period).
const LIMIT: Duration = Duration::from_secs(30);

/// The example binary. `cargo test` builds examples but `cargo test --test udp_cluster` does not,
/// so this asks cargo to build it (or find it up to date), in the profile of this test (the
/// directory above target/<profile>/deps/), and takes its path from cargo's report.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(name) => name,
    };
    let build = Command::new(env!("CARGO"))
        .args(["build", "-p", "gossip-core", "--example", "udp_cluster"])
        .args(["--profile", profile, "--message-format=json"])
        .output()
        .expect("cannot run cargo");
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success(),
        "cannot build the udp_cluster example:\n{stderr}"
    );
    let messages = String::from_utf8_lossy(&build.stdout);
    let executable = messages.lines().find_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        (message["target"]["name"] == "udp_cluster").then_some(())?;
        Some(PathBuf::from(message["executable"].as_str()?))
    });
    executable.unwrap_or_else(|| panic!("cargo named no udp_cluster executable:\n{messages}"))
}

/// The processes, killed when the test ends however it ends, and the lines they print.
struct Cluster {
    children: Vec<Child>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Cluster {
    fn start(n: usize, extra_args: &[&[&str]]) -> Cluster {
        // Free ports: the system picks them for sockets that close just before the processes start.
        let sockets: Vec<UdpSocket> = (0..n)
            .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        let addrs: Vec<String> = sockets
            .iter()
            .map(|s| s.local_addr().unwrap().to_string())
            .collect();
        drop(sockets);
        let example = example();
        let (send, lines) = channel();
        let mut cluster = Cluster {
            children: Vec::new(),
            lines,
            seen: Vec::new(),
        };
        for (i, addr) in addrs.iter().enumerate() {
            let mut command = Command::new(&example);
            command.args(["--id", &i.to_string(), "--listen", addr]);
            for (j, peer) in addrs.iter().enumerate().filter(|&(j, _)| j != i) {
                command.args(["--peer", &format!("{j}={peer}")]);
            }
            command.args(extra_args.get(i).copied().unwrap_or_default());
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            let send = send.clone();
            std::thread::spawn(move || {
                for line in stdout.lines().map_while(Result::ok) {
                    let _ = send.send(line);
                }
            });
            cluster.children.push(child);
        }
        cluster
    }

    /// Waits until, for each of `wanted`, a line starting with it has been printed since `from`
    /// (an index into `seen`); fails after [`LIMIT`].
    fn wait_for(&mut self, step: &str, from: usize, wanted: &[String]) {
        let deadline = Instant::now() + LIMIT;
        let missing = |seen: &[String]| -> Vec<String> {
            let printed = |w: &String| seen[from..].iter().any(|line| line.starts_with(w.as_str()));
            wanted.iter().filter(|w| !printed(w)).cloned().collect()
        };
        while !missing(&self.seen).is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "{step}: no line starting with {:?} after {LIMIT:?}; the processes printed:\n{}",
                    missing(&self.seen),
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_write_reaches_three_udp_processes_and_a_killed_one_is_declared_failed() {
    let mut cluster = Cluster::start(3, &[&["--put", "colour=blue"]]);
    let arrived: Vec<String> = (0..3)
        .map(|id| format!("event {id} updated colour = blue (origin 0, version 1, via "))
        .collect();
    cluster.wait_for("the write at 0 spreading", 0, &arrived);

    let killed_at = cluster.seen.len();
    cluster.children[2].kill().unwrap();
    cluster.children[2].wait().unwrap();
    let failed: Vec<String> = (0..2)
        .map(|id| format!("event {id} member 2 failed"))
        .collect();
    cluster.wait_for("the crash of 2 being detected", killed_at, &failed);
}
