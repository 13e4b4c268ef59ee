//! What the process-level tests share: the built `gossip-node` run as a child process, its
//! standard output read line by line, every wait bounded.

// Each test crate uses its own part of this.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_gossip-node");

/// Waits until the recording at `path` has ended (its peer quit and wrote its end line).
pub(crate) fn wait_for_end(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|text| text.contains("\"kind\":\"end\"")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} never ended", path.display());
}

/// A loopback port free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `gossip-node relay` on 127.0.0.1:`port`, once it says it listens.
pub(crate) fn relay(port: u16) -> Process {
    let mut relay = Process::start(&[
        "relay",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--dist",
        "no-dist",
    ]);
    relay.wait_for("relay on http://", Duration::from_secs(10));
    relay
}

pub(crate) struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Process {
    pub(crate) fn start(args: &[&str]) -> Process {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Process {
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    pub(crate) fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a printed line containing `text`; returns it.
    pub(crate) fn wait_for(&mut self, text: &str, limit: Duration) -> String {
        if let Some(line) = self.seen.iter().find(|line| line.contains(text)) {
            return line.clone();
        }
        let deadline = Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no line with {text:?} within {limit:?}; saw:\n{}",
            self.seen.join("\n")
        );
    }

    /// Sends `command` and returns the answer, the next line starting with `prefix`; the answer
    /// is forgotten, so that the same question can be asked again.
    pub(crate) fn ask(&mut self, command: &str, prefix: &str) -> String {
        self.seen.retain(|line| !line.starts_with(prefix));
        self.send(command);
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(line) => self.seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no answer to {command:?}; saw:\n{}", self.seen.join("\n"));
    }

    /// Whether a line containing `text` was printed so far (reading what is pending).
    pub(crate) fn printed(&mut self, text: &str) -> bool {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.iter().any(|line| line.contains(text))
    }

    /// Asks `get KEY` until the answer has `value`.
    pub(crate) fn wait_for_value(&mut self, key: &str, value: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.send(&format!("get {key}"));
            let answer = self.wait_for(&format!("{key} "), Duration::from_secs(2));
            self.seen.retain(|line| line != &answer);
            if answer.starts_with(&format!("{key} = {value} ")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{key} never became {value}: {answer}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
