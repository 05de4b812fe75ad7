/**
 * The namespace half of the loopback bridge (loopback-bridge.ts), run inside a test namespace as
 * `node --import tsx loopback-relay-agent.ts SOCKET PORT`: it listens on the Unix socket SOCKET
 * (a file, so the test process outside the namespace can connect) and relays every connection,
 * both ways and unchanged, to 127.0.0.1:PORT inside the namespace. Prints `ready` once listening;
 * exits when stdin closes.
 */
import { connect, createServer, type Socket } from 'node:net';

const [socketPath, portText] = process.argv.slice(2);
const port = Number(portText);
if (!socketPath || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: loopback-relay-agent SOCKET PORT\n');
  process.exit(2);
}

/** Joins `a` and `b` until either closes or fails. */
function splice(a: Socket, b: Socket): void {
  const drop = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', drop);
    s.on('close', drop);
  }
  a.pipe(b);
  b.pipe(a);
}

const server = createServer((client) => splice(client, connect(port, '127.0.0.1')));
server.listen(socketPath, () => process.stdout.write('ready\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
