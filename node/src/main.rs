//! gossip-node: GossipLab's native runtime.
//! - `relay`: serves the built playground and the WebSocket relay for live peers.
//! - `sim`: runs a scenario headless and prints its metrics.
//! - `sweep`: varies knobs of a scenario over values and prints the statistics per value.
//! - `merge`: combines the shard files of a `sim` or `sweep` split with `--shard I/N`.
//! - `replay`: merges live peers' recordings into a scenario, runs it and compares.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gossip_core::{LivePeerOptions, NodeConfig};

use gossip_node::{batch, direct, merge, peer, relay, replay, sim, sweep};

#[derive(Parser)]
#[command(
    name = "gossip-node",
    version,
    about = "GossipLab's relay, native peer and headless simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the playground and the WebSocket relay.
    Relay {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "GOSSIPLAB_ADDR")]
        addr: SocketAddr,
        /// Folder of the built playground (Trunk's output).
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// The size at which a room's recording (asked for by its first peer) stops.
        #[arg(long, value_name = "SIZE", value_parser = batch::parse_bytes, default_value = "16M")]
        recording_cap: u64,
        /// Threads the relay runs on (0: one per core; 1: a single thread, no hand-over of a
        /// frame between threads).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Run a live gossip peer, in a room of a relay or (with --listen) straight to other peers
    /// over UDP; commands on standard input.
    Peer {
        /// The relay, ws://HOST:PORT.
        #[arg(long, default_value = "ws://127.0.0.1:8080", conflicts_with = "listen")]
        relay: String,
        /// The room (cluster) to join.
        #[arg(long, default_value = "lobby", conflicts_with = "listen")]
        room: String,
        /// Without a relay: the UDP address to listen on, IP:PORT (port 0: any free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Without a relay: peers to join through, IP:PORT,IP:PORT (none: start a cluster).
        #[arg(long, value_delimiter = ',', requires = "listen")]
        seeds: Vec<SocketAddr>,
        /// The peer id: asked of the relay (which assigns one otherwise); without a relay, this
        /// peer's id (random otherwise).
        #[arg(long)]
        id: Option<u32>,
        /// The room's shared secret (the room's first peer sets it).
        #[arg(long, conflicts_with = "listen")]
        secret: Option<String>,
        /// SWIM protocol period in milliseconds.
        #[arg(long, default_value_t = 1000)]
        swim_period_ms: u64,
        /// Anti-entropy period in milliseconds (0: off).
        #[arg(long, default_value_t = 1000)]
        anti_entropy_ms: u64,
        /// Rumor mongering period in milliseconds (0: off).
        #[arg(long, default_value_t = 200)]
        rumor_ms: u64,
        /// Run SWIM with the Lifeguard extensions (local health, nacks, dynamic suspicion), as
        /// HashiCorp memberlist does. Every peer of a cluster should agree.
        #[arg(long)]
        lifeguard: bool,
        /// Seed of the peer's generator (default: from the clock).
        #[arg(long)]
        seed: Option<u64>,
        /// Record what the peer lives through (config, peers, every message, writes, events)
        /// to this file, for `gossip-node replay`.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// The size at which the recording stops (like 64M).
        #[arg(long, value_name = "SIZE", value_parser = batch::parse_bytes, default_value = "64M")]
        record_cap: u64,
        /// Ask the relay to record the room's frames (time, from, to, size; never payloads),
        /// downloadable from /recording?room=NAME; heeded when this peer opens the room.
        #[arg(long, conflicts_with = "listen")]
        relay_records: bool,
    },
    /// Run a scenario, once or many times with consecutive seeds, and report its metrics.
    Sim(sim::SimOptions),
    /// Vary one or more knobs of a scenario over values, several seeds each, and report every
    /// figure's mean, sd, min, max and count per combination (the playground's sweep).
    Sweep(sweep::SweepOptions),
    /// Merge live peers' recordings (`peer --record`) into a cluster scenario, run it and print
    /// every figure recorded vs simulated: spread of each write, detection of each crash,
    /// messages and bytes per peer per second.
    Replay {
        /// The recordings, one per peer of the cluster.
        #[arg(required = true)]
        recordings: Vec<PathBuf>,
        /// Runs of the scenario, seeds seed, seed+1, ...
        #[arg(long, default_value_t = 20)]
        runs: u32,
        /// Seed of the first run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// What if: PATH=VALUE, a setting of the scenario changed before it runs (repeatable):
        /// swim.protocol_period=500, swim.lifeguard=true, network.loss=0.2, duration=90000.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        settings: Vec<String>,
        /// Run this scenario (a file or share link, edited from --write-scenario's) instead of
        /// the merged one.
        #[arg(long)]
        scenario: Option<String>,
        /// Write the merged scenario (after --set) to this file.
        #[arg(long, value_name = "FILE")]
        write_scenario: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: replay::ReplayFormat,
        /// Write the output to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Combine the shard files of one `sim` or `sweep` into the output it gives unsharded.
    Merge {
        /// The shard files, every shard once, in any order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Write the output to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Relay {
            addr,
            dist,
            recording_cap,
            threads,
        } => run_relay(addr, dist, recording_cap, threads),
        Command::Peer {
            relay,
            room,
            listen,
            seeds,
            id,
            secret,
            swim_period_ms,
            anti_entropy_ms,
            rumor_ms,
            lifeguard,
            seed,
            record,
            record_cap,
            relay_records,
        } => {
            // Native peers send receipts to the writer only (the default).
            let config = NodeConfig::live(LivePeerOptions {
                lifeguard,
                ..LivePeerOptions::from_periods(swim_period_ms, anti_entropy_ms, rumor_ms)
            });
            let seed = seed.unwrap_or_else(peer::fresh_seed);
            let record = record.map(|path| peer::RecordOptions {
                path,
                cap_bytes: record_cap,
            });
            run_peer(match listen {
                Some(listen) => Transport::Direct(direct::DirectOptions {
                    listen,
                    seeds,
                    id,
                    config,
                    seed,
                    record,
                }),
                None => Transport::Relay(peer::PeerOptions {
                    relay,
                    room,
                    id,
                    secret,
                    config,
                    seed,
                    record,
                    relay_records,
                }),
            })
        }
        Command::Sim(options) => sim::command(&options),
        Command::Sweep(options) => sweep::command(&options),
        Command::Merge { shards, out } => merge::command(&shards, out.as_deref()),
        Command::Replay {
            recordings,
            runs,
            seed,
            settings,
            scenario,
            write_scenario,
            format,
            out,
        } => replay::command(
            &recordings,
            &replay::ReplayOptions {
                seed,
                runs,
                settings,
                scenario,
                write_scenario,
                format,
                out,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How a native peer reaches the others.
enum Transport {
    Relay(peer::PeerOptions),
    Direct(direct::DirectOptions),
}

fn run_peer(transport: Transport) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let input = tokio::io::BufReader::new(tokio::io::stdin());
        match transport {
            Transport::Relay(options) => peer::run(options, input, std::io::stdout()).await,
            Transport::Direct(options) => direct::run(options, input, std::io::stdout()).await,
        }
    })
}

fn run_relay(
    addr: SocketAddr,
    dist: PathBuf,
    recording_cap: u64,
    threads: usize,
) -> anyhow::Result<()> {
    let runtime = match threads {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        0 => tokio::runtime::Runtime::new()?,
        threads => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?,
    };
    runtime.block_on(async {
        let listener = relay::bind(addr).await?;
        let config = relay::RelayConfig {
            dist,
            recording_cap: usize::try_from(recording_cap).unwrap_or(usize::MAX),
            ..relay::RelayConfig::default()
        };
        println!(
            "GossipLab playground and relay on http://{}/",
            listener.local_addr()?
        );
        relay::serve(listener, config).await
    })
}
