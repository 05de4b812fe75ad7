/**
 * Runs a tiny client in a separate Node process under another identity, so the server sees real
 * kernel credentials that are not root's. The script is written into the (world-readable) test
 * directory; it prints every line the server sends and exits after the first one or on close.
 */
import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SCRIPT = `import net from 'node:net';
const [socketPath, line, identity] = process.argv.slice(2);
if (identity) {
  const { uid, gid, groups } = JSON.parse(identity);
  process.setgroups(groups);
  process.setgid(gid);
  process.setuid(uid);
}
const socket = net.connect(socketPath, () => { if (line) socket.write(line + '\\n'); });
let buffer = '';
socket.setEncoding('utf8');
socket.on('data', (text) => {
  buffer += text;
  const nl = buffer.indexOf('\\n');
  if (nl !== -1) { process.stdout.write(buffer.slice(0, nl + 1)); socket.end(); }
});
socket.on('error', (err) => process.stderr.write(String(err) + '\\n'));
socket.on('close', () => process.exit(0));
`;

/** Identity and request of one peer-client run. */
export interface PeerClientOptions {
  dir: string;
  socketPath: string;
  uid: number;
  gid: number;
  /** Supplementary groups; when given the script starts as root and drops to this identity itself. */
  groups?: number[];
  /** Request to send once connected. */
  request?: unknown;
}

/** What the peer client printed. */
export interface PeerClientRun {
  /** Lines the server sent, parsed. */
  messages: unknown[];
  stderr: string;
}

/** Runs the peer client once and returns what the server sent it; kills it after `timeoutMs`. */
export async function runPeerClient(options: PeerClientOptions, timeoutMs = 10_000): Promise<PeerClientRun> {
  const script = join(options.dir, 'peer-client.mjs');
  await writeFile(script, SCRIPT);
  await chmod(script, 0o644);
  const args = [
    script,
    options.socketPath,
    options.request === undefined ? '' : JSON.stringify(options.request),
  ];
  const { uid, gid, groups } = options;
  const child = groups
    ? spawn(process.execPath, [...args, JSON.stringify({ uid, gid, groups })], { cwd: options.dir })
    : spawn(process.execPath, args, { cwd: options.dir, uid, gid });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`peer client exited with ${code}: ${stderr}`);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const messages = stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
  return { messages, stderr };
}
