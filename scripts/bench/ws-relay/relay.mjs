// A minimal relay on Node's `ws` package, speaking GossipLab's room protocol: a welcome naming
// the peer's id, then binary frames whose 4-byte address is replaced with the sender's id and
// forwarded (to one peer, or to all for 0xffffffff). The reference issue 17 compares our relay
// with; it checks nothing (no versions, limits or secrets) and serves `{}` at every other path.
//
//   npm ci --prefix scripts/bench/ws-relay
//   RELAY_BIN=scripts/bench/ws-relay/relay.sh RELAY_RECORDS=0 cargo bench -p gossip-node --bench relay_load
import http from 'node:http';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const addr = args[args.indexOf('--addr') + 1] ?? '127.0.0.1:8080';
const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
const BROADCAST = 0xffffffff;
const rooms = new Map();
let nextId = 1;

const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end('{}');
});
// ws sets TCP_NODELAY on every socket, as our relay does.
const sockets = new WebSocketServer({ server, path: '/ws' });
sockets.on('connection', (socket, request) => {
  const query = new URL(request.url, 'http://relay').searchParams;
  const room = query.get('room');
  if (!rooms.has(room)) rooms.set(room, new Map());
  const peers = rooms.get(room);
  const id = nextId++;
  const protocol = Number(query.get('protocol') ?? 1);
  socket.send(JSON.stringify({ type: 'welcome', id, room, peers: [...peers.keys()], protocol }));
  peers.set(id, socket);
  socket.on('message', (frame, isBinary) => {
    if (!isBinary || frame.length < 4) return;
    const to = frame.readUInt32LE(0);
    frame.writeUInt32LE(id, 0);
    if (to === BROADCAST) {
      for (const [other, peer] of peers) if (other !== id) peer.send(frame);
    } else {
      peers.get(to)?.send(frame);
    }
  });
  socket.on('close', () => {
    peers.delete(id);
    if (peers.size === 0) rooms.delete(room);
  });
});
server.listen(port, host);
