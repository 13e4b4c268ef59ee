//! One member of a gossip cluster over UDP, with gossip-core alone (and tokio for the socket and
//! the clock). One process per member, each told every other member's id and address:
//!
//! ```text
//! cargo run -p gossip-core --example udp_cluster -- --id 0 --listen 127.0.0.1:7000 \
//!     --peer 1=127.0.0.1:7001 --peer 2=127.0.0.1:7002 --put colour=blue
//! ```
//!
//! A datagram is `[sender id: u32 LE][message, as gossip_core::wire encodes it]`. Each event is
//! one line on stdout, `event <this id> <text>` (`NodeEvent`'s `Display`), e.g. `event 0 member 2 failed`.
//! SWIM's period is `--period MS`, 200 by default: a crash is detected in about two seconds.
//! The process ends when its stdin closes.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(error) = native::run().await {
        eprintln!("udp_cluster: {error}");
        std::process::exit(2);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::BTreeMap;
    use std::net::SocketAddr;
    use std::time::Duration;

    use gossip_core::{LivePeerOptions, Node, NodeConfig};
    use gossip_core::{NodeId, Time, seeded_rng};
    use tokio::net::UdpSocket;
    use tokio::time::Instant;

    const USAGE: &str = "usage: udp_cluster --id N --listen IP:PORT [--peer ID=IP:PORT]... \
                         [--put KEY=VALUE]... [--period MS]";

    pub(super) async fn run() -> Result<(), Box<dyn std::error::Error>> {
        let (mut id, mut listen, mut period) = (None, None::<SocketAddr>, 200);
        let (mut peers, mut puts) = (BTreeMap::<NodeId, SocketAddr>::new(), Vec::new());
        let args: Vec<String> = std::env::args().skip(1).collect();
        for pair in args.chunks(2) {
            let [flag, value] = pair else {
                return Err(USAGE.into());
            };
            let bad = || format!("bad {flag} {value}; {USAGE}");
            let (left, right) = value.split_once('=').unwrap_or_default();
            match (flag.as_str(), left.parse(), right.parse()) {
                ("--id", ..) => id = Some(value.parse().map_err(|_| bad())?),
                ("--listen", ..) => listen = Some(value.parse().map_err(|_| bad())?),
                ("--period", ..) => period = value.parse().map_err(|_| bad())?,
                ("--peer", Ok(peer), Ok(addr)) => _ = peers.insert(peer, addr),
                ("--put", ..) if !left.is_empty() => puts.push((left, right)),
                _ => return Err(bad().into()),
            }
        }
        let (Some(id), Some(listen)) = (id, listen) else {
            return Err(USAGE.into());
        };
        // Everything paced by SWIM's period: anti-entropy every other period, rumors twice a period.
        let config = NodeConfig::live(LivePeerOptions {
            protocol_period: period,
            anti_entropy_period: Some(2 * period),
            rumor_period: Some((period / 2).max(1)),
            ..LivePeerOptions::default()
        });
        let mut node = Node::new(id, config)?;
        let socket = UdpSocket::bind(listen).await?;
        // gossip-core's time: milliseconds since this process started.
        let start = Instant::now();
        let now = || start.elapsed().as_millis() as Time;
        let mut rng = seeded_rng(u64::from(id));
        node.bootstrap(now(), peers.keys().copied(), &mut rng);
        for (key, value) in &puts {
            node.put(now(), key, value.as_bytes())?;
        }
        // Our parent closing our stdin (or dying) ends us.
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
        let mut buffer = vec![0; 65_536];
        loop {
            // Out: messages to their members' addresses, then events.
            while let Some((to, bytes)) = node.poll_transmit_bytes() {
                if let Some(addr) = peers.get(&to) {
                    let datagram = [&id.to_le_bytes()[..], &bytes].concat();
                    // A member that is down is for SWIM to find out, not an error here.
                    let _ = socket.send_to(&datagram, addr).await;
                }
            }
            while let Some(event) = node.poll_event() {
                println!("event {id} {event}");
            }
            // In: a datagram, or the node's next timer coming due.
            let due = node.poll_timeout().unwrap_or(now() + 1_000);
            tokio::select! {
                received = socket.recv_from(&mut buffer) => match received {
                    Ok((len, from)) if len >= 4 => {
                        let sender = NodeId::from_le_bytes(buffer[..4].try_into().unwrap());
                        // Only from the address listed for that id: no one speaks as another.
                        if peers.get(&sender) != Some(&from) {
                            eprintln!("{id}: dropped a datagram claiming id {sender} from {from}");
                        } else if let Err(why) = node.handle_bytes(now(), sender, &buffer[4..len], &mut rng) {
                            eprintln!("{id}: dropped a datagram from {from}: {why}");
                        }
                    }
                    // Too short, or an error some systems report after an ICMP unreachable.
                    other => eprintln!("{id}: receiving: {other:?}"),
                },
                () = tokio::time::sleep_until(start + Duration::from_millis(due)) => {}
            }
            if node.poll_timeout().is_some_and(|at| at <= now()) {
                node.tick(now(), &mut rng);
            }
        }
    }
}
