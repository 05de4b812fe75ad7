/**
 * Listens to the babel hellos heard in one test namespace, run there as
 * `node --import tsx babel-hello-agent.ts`. babeld's `dump` (1.12) does not say which hello
 * interval an interface runs with, but every multicast Hello TLV carries it (RFC 8966 §4.6.5,
 * in centiseconds), so the neighbours hear it from babeld itself.
 *
 * On every interface with an IPv6 link-local address (rescanned as tunnels come and go, keyed by
 * interface index so a name reused by a new device gets a new socket) it joins
 * babel's group ff02::1:6 with a socket bound to that group on port 6696, beside babeld's own
 * (babeld binds the port with SO_REUSEADDR). Bound to the group address, the socket gets only
 * multicast: babeld's unicast traffic never reaches it. For each multicast Hello it prints one
 * JSON line `{"from","ifname","intervalCs","at"}`. Prints `ready` once listening; exits when
 * stdin closes.
 */
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

/** Babel's port and link-local multicast group. */
const BABEL_PORT = 6696;
const BABEL_GROUP = 'ff02::1:6';
/** Babel packet header: magic 42, version 2. */
const MAGIC = 42;
const VERSION = 2;
/** TLV types: Pad1 (no length byte) and Hello. */
const PAD1 = 0;
const HELLO = 4;
/** The Hello's Unicast flag: unicast Hellos are not what the interface's interval announces. */
const UNICAST_FLAG = 0x8000;
/** How often the interfaces are listed again. */
const RESCAN_MS = 250;

/** The Hello intervals (centiseconds) of the multicast Hellos in one babel packet. */
function multicastHelloIntervals(packet: Buffer): number[] {
  if (packet.length < 4 || packet[0] !== MAGIC || packet[1] !== VERSION) return [];
  const end = Math.min(packet.length, 4 + packet.readUInt16BE(2));
  const intervals: number[] = [];
  for (let at = 4; at < end;) {
    const type = packet[at]!;
    if (type === PAD1) {
      at += 1;
      continue;
    }
    if (at + 2 > end) break;
    const length = packet[at + 1]!;
    if (type === HELLO && length >= 6 && at + 8 <= end) {
      const flags = packet.readUInt16BE(at + 2);
      if ((flags & UNICAST_FLAG) === 0) intervals.push(packet.readUInt16BE(at + 6));
    }
    at += 2 + length;
  }
  return intervals;
}

/** Listening sockets by `name#index` of their interface. */
const sockets = new Map<string, Socket>();

/** Closes `socket` (once) and forgets it. */
function forget(key: string, socket: Socket): void {
  if (sockets.get(key) !== socket) return;
  sockets.delete(key);
  socket.close();
}

function listen(key: string, ifname: string): void {
  const socket = createSocket({ type: 'udp6', reuseAddr: true });
  sockets.set(key, socket);
  const drop = (): void => forget(key, socket);
  socket.on('error', drop);
  socket.on('message', (packet, remote) => {
    for (const intervalCs of multicastHelloIntervals(packet)) {
      const from = remote.address.replace(/%.*$/, '');
      process.stdout.write(`${JSON.stringify({ from, ifname, intervalCs, at: Date.now() })}\n`);
    }
  });
  socket.bind(BABEL_PORT, `${BABEL_GROUP}%${ifname}`, () => {
    try {
      socket.addMembership(BABEL_GROUP, `::%${ifname}`);
    } catch {
      drop();
    }
  });
}

/** Interfaces with a link-local address now, as `name#index` → name. */
function linkLocalInterfaces(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const local = addresses?.find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'));
    if (local?.scopeid !== undefined) found.set(`${name}#${local.scopeid}`, name);
  }
  return found;
}

function rescan(): void {
  const present = linkLocalInterfaces();
  for (const [key, socket] of sockets) if (!present.has(key)) forget(key, socket);
  for (const [key, name] of present) if (!sockets.has(key)) listen(key, name);
}

rescan();
setInterval(rescan, RESCAN_MS);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
