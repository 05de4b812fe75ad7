/**
 * Cheap RTT probes to candidate peers, independent of OpenVPN: every node answers a UDP echo on
 * its underlay addresses at the port right after its advertised tunnel port
 * ({@link probePort}: 1195 for the default 1194), so a probe goes exactly where a tunnel would
 * (same addresses, same path, one more port to forward behind a NAT) and the address record
 * needs no new field.
 *
 * A probe is one datagram of {@link PROBE_MAGIC} followed by 8 random bytes; the responder sends
 * back the same bytes, only for datagrams of exactly that shape (never larger than the request:
 * no amplification). No answer within the deadline is a null RTT.
 *
 * The responder answers on the overlay address too, so the same probe sent to a tunnel peer's
 * overlay address measures whether the mesh delivers to it (reachability-probes.ts).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

/** First bytes of every probe datagram. */
export const PROBE_MAGIC = Buffer.from('vifibnet-probe-1');

/** Length of a probe datagram: the magic and an 8-byte nonce. */
export const PROBE_LENGTH = PROBE_MAGIC.length + 8;

/** How long a probe waits for its echo. */
export const PROBE_TIMEOUT_MS = 1_000;

/** The probe (echo) port of a node whose tunnel listener advertises `tunnelPort`. */
export function probePort(tunnelPort: number): number {
  return tunnelPort === 65535 ? 65534 : tunnelPort + 1;
}

/** True when `msg` has the shape of a probe. */
export function isProbe(msg: Buffer): boolean {
  return msg.length === PROBE_LENGTH && msg.subarray(0, PROBE_MAGIC.length).equals(PROBE_MAGIC);
}

/** The echo service. */
export class ProbeResponder {
  private constructor(private readonly socket: Socket) {}

  /** The UDP port it answers on. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Answers probes on every address (IPv6 and IPv4) at UDP `port` (0: any free port). */
  static async start(port: number): Promise<ProbeResponder> {
    const socket = createSocket({ type: 'udp6', ipv6Only: false });
    socket.on('message', (msg, rinfo) => {
      if (isProbe(msg)) socket.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '::', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve();
      });
    });
    return new ProbeResponder(socket);
  }

  /** Stops answering. */
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Measures the RTT to the echo service at `host`:`port` in ms, or null without an answer in time. */
export function probeRtt(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<number | null> {
  const family = isIP(host);
  if (family === 0) return Promise.resolve(null);
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  const probe = Buffer.concat([PROBE_MAGIC, randomBytes(8)]);
  return new Promise((resolve) => {
    let start = 0;
    let done = false;
    const finish = (rtt: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(rtt);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('error', () => finish(null));
    socket.on('message', (msg) => {
      if (msg.equals(probe)) finish(performance.now() - start);
    });
    start = performance.now();
    socket.send(probe, port, host, (err) => {
      if (err) finish(null);
    });
  });
}
