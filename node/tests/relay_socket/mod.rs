//! What the in-process relay tests share: a relay served on a free loopback port inside the
//! test, WebSocket peers joining it, its control messages and `/status` read with every wait
//! bounded.

// Each test crate uses its own part of this.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use gossip_node::relay::{self, RelayConfig, Status};
use gossip_relay_frame::{Control, PROTOCOL_VERSION};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for the relay to answer.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// A relay with the default settings, serving no playground.
pub(crate) async fn start_relay() -> SocketAddr {
    start_relay_with(RelayConfig::default()).await
}

/// A relay with `config` (its `dist` replaced: no playground).
pub(crate) async fn start_relay_with(config: RelayConfig) -> SocketAddr {
    let listener = relay::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = RelayConfig {
        dist: std::env::temp_dir().join("gossiplab-no-dist"),
        ..config
    };
    tokio::spawn(relay::serve(listener, config));
    addr
}

/// Joins `room` speaking this build's protocol: the socket, the id given, the peers already
/// there.
pub(crate) async fn join(addr: SocketAddr, room: &str) -> (Socket, u32, Vec<u32>) {
    join_with(addr, room, "").await
}

/// Joins with extra query parameters (`&traffic=true`).
pub(crate) async fn join_with(
    addr: SocketAddr,
    room: &str,
    query: &str,
) -> (Socket, u32, Vec<u32>) {
    let (mut socket, _) = connect_async(format!(
        "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room={room}{query}"
    ))
    .await
    .unwrap();
    match next_control(&mut socket).await {
        Control::Welcome {
            id,
            room: joined,
            peers,
            protocol,
        } => {
            assert_eq!(joined, room);
            assert_eq!(protocol, PROTOCOL_VERSION);
            (socket, id, peers)
        }
        other => panic!("expected a welcome, got {other:?}"),
    }
}

/// The next message on `socket`, within [`WAIT`].
pub(crate) async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(WAIT, socket.next())
        .await
        .expect("relay answered in time")
        .expect("the connection is open")
        .expect("a message")
}

/// The next message, which must be a control message.
pub(crate) async fn next_control(socket: &mut Socket) -> Control {
    match next_message(socket).await {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a control frame, got {other:?}"),
    }
}

/// The relay's `/status`.
pub(crate) async fn status(addr: SocketAddr) -> Status {
    // A bare HTTP/1.0 request keeps the tests free of an HTTP client dependency.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /status HTTP/1.0\r\nHost: relay\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let body = response.split("\r\n\r\n").nth(1).expect("a body");
    serde_json::from_str(body).unwrap()
}
