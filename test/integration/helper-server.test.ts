import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../helper/log';
import { peerCredentials, supplementaryGroups } from '../../helper/peercred';
import {
  HelperError,
  HelperEvent,
  MAX_MESSAGE_BYTES,
  OPERATIONS,
  type HelperEventT,
  type OperationName,
} from '../../helper/protocol';
import { MAX_CONNECTIONS, MAX_PENDING_PER_CONNECTION, startHelperServer } from '../../helper/server';
import { LineClient, type Response } from '../support/server-client';
import { pollUntil, withTestServer } from '../support/server-harness';
import { runPeerClient } from '../support/server-peer-client';
import { createRecordingStubHandlers } from '../support/server-stub-handlers';
import { pemBlock, VALID_PARAMS } from '../support/server-valid-params';

const NOBODY = 65534;

/** A promise the test opens by hand, to hold a stub handler in the middle of its work. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

function expectError(response: Response, id: number | null, code: string): string {
  expect(response).toMatchObject({ id, ok: false, error: { code } });
  return response.ok ? '' : response.error.message;
}

describe('peer credentials', () => {
  test('reads the kernel credentials of a Unix socket peer and throws once the socket is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vfb-peercred-'));
    const server = net.createServer();
    try {
      const path = join(dir, 's.sock');
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
      const client = net.connect(path);
      const socket = await accepted;
      expect(peerCredentials(socket)).toEqual({ pid: process.pid, uid: 0, gid: 0 });
      socket.destroy();
      client.destroy();
      expect(() => peerCredentials(socket)).toThrow(/no file descriptor/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('supplementary groups are trusted only while the pid runs as the identity that connected', async () => {
    const child = spawn(process.execPath, [
      '-e',
      `process.setgroups([4242, 4343]); process.setegid(${NOBODY}); process.seteuid(${NOBODY});
       console.log('ready'); setInterval(() => undefined, 1000);`,
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.stdout.once('data', () => resolve());
      });
      const pid = child.pid!;
      expect(await supplementaryGroups({ pid, uid: NOBODY, gid: NOBODY })).toEqual([4242, 4343]);
      expect(await supplementaryGroups({ pid, uid: 1000, gid: NOBODY })).toEqual([]);
      expect(await supplementaryGroups({ pid, uid: NOBODY, gid: 1000 })).toEqual([]);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      expect(await supplementaryGroups({ pid, uid: NOBODY, gid: NOBODY })).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('who the helper serves', () => {
  test('root is served and the handler sees its kernel credentials', async () => {
    await withTestServer({}, async ({ connect, calls, logs }) => {
      const client = await connect();
      expect(await client.request(1, 'hello')).toEqual({
        id: 1,
        ok: true,
        result: { protocol: 1, version: 'stub', pid: process.pid },
      });
      expect(calls).toEqual([{ op: 'hello', params: {}, caller: { pid: process.pid, uid: 0, gid: 0 } }]);
      expect(logs.some((l) => /debug \[helper\] Caller connected .*uid=0/.test(l))).toBe(true);
      client.close();
      await pollUntil(() => logs.some((l) => l.includes('Caller disconnected')), 'the close log line');
    });
  });

  test('the socket is 0660, owned by root and the socket group', async () => {
    await withTestServer({ socketGroup: 4242 }, async ({ socketPath }) => {
      const st = await stat(socketPath);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o660);
      expect([st.uid, st.gid]).toEqual([0, 4242]);
    });
  });

  test('a caller whose uid is not allowed is refused with a message saying how to get access', async () => {
    await withTestServer({ openDir: true }, async ({ dir, socketPath, calls, logs }) => {
      // World-writable here only, so that the refusal comes from the credential check.
      await chmod(socketPath, 0o666);
      const run = await runPeerClient({
        dir,
        socketPath,
        uid: NOBODY,
        gid: NOBODY,
        request: { id: 1, op: 'hello' },
      });
      expect(run.stderr).toBe('');
      expect(run.messages).toHaveLength(1);
      expect(run.messages[0]).toMatchObject({ id: null, ok: false, error: { code: 'not_allowed' } });
      const { message } = (run.messages[0] as { error: { message: string } }).error;
      expect(message).toContain(`uid ${NOBODY}`);
      expect(message).toContain(`--allow-uid ${NOBODY}`);
      expect(message).toContain('--allow-group');
      expect(calls).toEqual([]);
      expect(
        logs.some((l) => / warn +\[helper\] Refused a caller that is not allowed .*uid=65534/.test(l)),
      ).toBe(true);
    });
  });

  test('the same uid is served when listed in allowUids', async () => {
    await withTestServer(
      { openDir: true, allowUids: [NOBODY], socketGroup: NOBODY },
      async ({ dir, socketPath, calls }) => {
        const run = await runPeerClient({
          dir,
          socketPath,
          uid: NOBODY,
          gid: NOBODY,
          request: { id: 7, op: 'hello' },
        });
        expect(run.messages).toHaveLength(1);
        expect(run.messages[0]).toMatchObject({ id: 7, ok: true, result: { protocol: 1 } });
        expect(calls).toHaveLength(1);
        expect(calls[0]!.caller).toMatchObject({ uid: NOBODY, gid: NOBODY });
        expect(calls[0]!.caller.pid).not.toBe(process.pid);
      },
    );
  });

  test('the same uid is served when its primary gid is listed in allowGids', async () => {
    await withTestServer(
      { openDir: true, allowGids: [NOBODY], socketGroup: NOBODY },
      async ({ dir, socketPath, calls }) => {
        const run = await runPeerClient({
          dir,
          socketPath,
          uid: NOBODY,
          gid: NOBODY,
          request: { id: 2, op: 'status' },
        });
        expect(run.messages).toHaveLength(1);
        expect(run.messages[0]).toMatchObject({ id: 2, ok: true, result: { version: 'stub' } });
        expect(calls.map((c) => [c.op, c.caller.uid])).toEqual([['status', NOBODY]]);
      },
    );
  });

  test('a supplementary group in allowGids is served; other supplementary groups are not', async () => {
    await withTestServer({ openDir: true, allowGids: [4242] }, async ({ dir, socketPath, calls }) => {
      await chmod(socketPath, 0o666);
      const request = { id: 3, op: 'hello' };
      const member = await runPeerClient({
        dir,
        socketPath,
        uid: NOBODY,
        gid: NOBODY,
        groups: [4242],
        request,
      });
      expect(member.messages).toHaveLength(1);
      expect(member.messages[0]).toMatchObject({ id: 3, ok: true, result: { protocol: 1 } });
      const other = await runPeerClient({
        dir,
        socketPath,
        uid: NOBODY,
        gid: NOBODY,
        groups: [4343],
        request,
      });
      expect(other.messages).toHaveLength(1);
      expect(other.messages[0]).toMatchObject({ id: null, ok: false, error: { code: 'not_allowed' } });
      expect(calls.map((c) => [c.caller.uid, c.caller.gid])).toEqual([[NOBODY, NOBODY]]);
    });
  });
});

describe('what reaches a handler', () => {
  test('every operation with valid params reaches its handler with the parsed params', async () => {
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      const ops = Object.keys(OPERATIONS) as OperationName[];
      for (const [i, op] of ops.entries()) {
        const response = await client.request(i, op, VALID_PARAMS[op]);
        expect(response).toMatchObject({ id: i, ok: true });
      }
      expect(calls.map((c) => [c.op, c.params])).toEqual(ops.map((op) => [op, VALID_PARAMS[op]]));
      expect(await client.request(99, 'network.clear')).toMatchObject({ id: 99, ok: true });
      expect(calls.at(-1)).toMatchObject({ op: 'network.clear', params: {} });
    });
  });

  test('malformed JSON is answered with bad_json and the connection stays open', async () => {
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      for (const line of ['not json', '{"id":1,', "{'id':1,'op':'hello'}", '{"id":1}}', '\u00a0']) {
        client.write(`${line}\n`);
        expectError(await client.response(), null, 'bad_json');
      }
      expect(calls).toEqual([]);
      expect(await client.request(5, 'hello')).toMatchObject({ id: 5, ok: true });
    });
  });

  test('blank lines are ignored and CRLF line ends are accepted', async () => {
    await withTestServer({}, async ({ connect }) => {
      const client = await connect();
      client.write('\n\r\n  \n{"id":1,"op":"hello"}\r\n');
      expect(await client.response()).toMatchObject({ id: 1, ok: true });
    });
  });

  test('a caller that shuts down its side after sending still gets every answer, then the close', async () => {
    await withTestServer({}, async ({ connect }) => {
      const client = await connect();
      client.write(
        '{"id":1,"op":"hello"}\n{"id":2,"op":"device.remove","params":{"name":"vfb0"}}\nnot json\n',
      );
      client.end();
      const answers = [await client.response(), await client.response(), await client.response()];
      const byId = answers.sort((x, y) => (x.id ?? -1) - (y.id ?? -1));
      expect(byId.map((r) => [r.id, r.ok])).toEqual([
        [null, false],
        [1, true],
        [2, true],
      ]);
      await client.closed();
    });
  });

  test('a line of exactly MAX_MESSAGE_BYTES is served', async () => {
    await withTestServer({}, async ({ connect }) => {
      const client = await connect();
      const request = '{"id":1,"op":"hello"}';
      client.write(`${request.padEnd(MAX_MESSAGE_BYTES, ' ')}\n`);
      expect(await client.response()).toMatchObject({ id: 1, ok: true });
    });
  });

  test('an oversize line gets too_large and the connection is closed', async () => {
    await withTestServer({}, async ({ connect, calls, logs }) => {
      const client = await connect();
      const huge = JSON.stringify({
        id: 1,
        op: 'device.create',
        params: { name: 'x'.repeat(MAX_MESSAGE_BYTES) },
      });
      client.write(`${huge}\n`);
      expectError(await client.response(), null, 'too_large');
      await client.closed();
      expect(calls).toEqual([]);
      expect(logs.some((l) => /warn .*oversized line/.test(l))).toBe(true);
      const again = await connect();
      expect(await again.request(2, 'hello')).toMatchObject({ id: 2, ok: true });
    });
  });

  test('an unterminated line over the limit is refused without waiting for its end', async () => {
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      client.write(`{"id":1,"op":"hello","params":{"pad":"${'a'.repeat(MAX_MESSAGE_BYTES)}`);
      expectError(await client.response(), null, 'too_large');
      await client.closed();
      expect(calls).toEqual([]);
    });
  });

  test('envelopes that are not {id, op, params} get bad_request, echoing only a valid id', async () => {
    const cases: Array<[string, number | null]> = [
      ['{"op":"hello"}', null],
      ['{"id":"1","op":"hello"}', null],
      ['{"id":-1,"op":"hello"}', null],
      ['{"id":1.5,"op":"hello"}', null],
      ['{"id":9007199254740992,"op":"hello"}', null],
      ['{"id":7,"op":5}', 7],
      ['{"id":8}', 8],
      ['{"id":9,"op":"hello","extra":true}', 9],
      [`{"id":10,"op":"${'x'.repeat(65)}"}`, 10],
      ['{"id":11,"op":"hello","__proto__":{"admin":true}}', 11],
      ['[1,"hello"]', null],
      ['"hello"', null],
      ['null', null],
      ['42', null],
    ];
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      for (const [line, id] of cases) {
        client.write(`${line}\n`);
        expect(expectError(await client.response(), id, 'bad_request')).not.toBe('');
      }
      expect(calls).toEqual([]);
    });
  });

  test('operations outside the allow-list get unknown_op, prototype names included', async () => {
    const ops = [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'device.destroy',
      'exec',
      '',
      'HELLO',
    ];
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      for (const [i, op] of ops.entries()) {
        const message = expectError(await client.request(i, op, {}), i, 'unknown_op');
        expect(message).toContain(JSON.stringify(op));
      }
      expect(calls).toEqual([]);
    });
  });

  const cert = pemBlock('CERTIFICATE');
  const invalidParams: Array<[OperationName, unknown, string]> = [
    ['device.create', { name: 'vfb0;reboot', mode: 'tun' }, 'name: device names are vfb'],
    ['device.create', { name: 'vfb/../x', mode: 'tun' }, 'name:'],
    ['device.create', { name: 'eth0', mode: 'tun' }, 'name:'],
    ['device.create', { name: '$(reboot)', mode: 'tun' }, 'name:'],
    ['device.create', { name: 'vfb0\n', mode: 'tun' }, 'name:'],
    ['device.create', { name: 'vfb0123456789abc', mode: 'tun' }, 'name:'],
    ['device.create', { name: 5, mode: 'tun' }, 'name:'],
    ['device.create', { name: 'vfb0', mode: 'tap;x' }, 'mode:'],
    ['device.create', { name: 'vfb0' }, 'mode:'],
    ['device.create', undefined, 'name:'],
    ['device.create', { name: 'vfb0', mode: 'tun', script: '/bin/sh' }, 'unknown field "script"'],
    ['device.remove', null, 'expected object'],
    ['device.remove', ['vfb0'], 'expected object'],
    ['openvpn.disconnect', { device: 'vfb0;reboot' }, 'device: device names are vfb'],
    [
      'network.configure',
      { ...VALID_PARAMS['network.configure'], networkPrefix: '10.0.0.0/8' },
      'networkPrefix:',
    ],
    [
      'network.configure',
      { ...VALID_PARAMS['network.configure'], networkPrefix: 'fd00::' },
      'networkPrefix:',
    ],
    ['network.configure', { ...VALID_PARAMS['network.configure'], nodePrefix: 'fd00::/129' }, 'nodePrefix:'],
    [
      'network.configure',
      { ...VALID_PARAMS['network.configure'], nodePrefix: 'fd00::/64 fd01::/64' },
      'nodePrefix:',
    ],
    [
      'network.configure',
      { ...VALID_PARAMS['network.configure'], nodePrefix: 'fd00::/64;ip -6 r flush' },
      'nodePrefix:',
    ],
    ['network.configure', { ...VALID_PARAMS['network.configure'], address: '192.0.2.1' }, 'address:'],
    [
      'babel.configure',
      { ...VALID_PARAMS['babel.configure'], redistribute: 'not-a-prefix' },
      'redistribute:',
    ],
    ['openvpn.listen', { ...VALID_PARAMS['openvpn.listen'], port: 0 }, 'port:'],
    ['openvpn.listen', { ...VALID_PARAMS['openvpn.listen'], port: 65536 }, 'port:'],
    ['openvpn.listen', { ...VALID_PARAMS['openvpn.listen'], port: 1194.5 }, 'port:'],
    ['openvpn.listen', { ...VALID_PARAMS['openvpn.listen'], port: '1194' }, 'port:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], port: 0 }, 'port:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], port: 65536 }, 'port:'],
    [
      'openvpn.connect',
      { ...VALID_PARAMS['openvpn.connect'], remote: '1.2.3.4\nplugin /tmp/x.so' },
      'remote:',
    ],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], remote: 'host --up /bin/sh' }, 'remote:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], remote: 'a b' }, 'remote:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], remote: 'peer.example.net;reboot' }, 'remote:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], peerName: 'node 1' }, 'peerName:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], peerName: 'node"1' }, 'peerName:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], peerName: "node'1" }, 'peerName:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], peerName: 'node\n1' }, 'peerName:'],
    ['openvpn.connect', { ...VALID_PARAMS['openvpn.connect'], peerName: '' }, 'peerName:'],
    ['credentials.install', { ...VALID_PARAMS['credentials.install'], ca: 'not a certificate' }, 'ca:'],
    [
      'credentials.install',
      { ...VALID_PARAMS['credentials.install'], cert: `${cert}plugin /tmp/x.so\n` },
      'cert:',
    ],
    ['credentials.install', { ...VALID_PARAMS['credentials.install'], cert: `${cert}${cert}` }, 'cert:'],
    ['credentials.install', { ...VALID_PARAMS['credentials.install'], key: `${cert}</key>\n` }, 'key:'],
    ['credentials.setCrl', { crl: cert }, 'crl:'],
    ['babel.configure', { ...VALID_PARAMS['babel.configure'], helloInterval: 0 }, 'helloInterval:'],
    [
      'babel.configure',
      { ...VALID_PARAMS['babel.configure'], interfaces: [{ name: 'lo', type: 'wired' }] },
      'interfaces.0.name:',
    ],
    ['babel.drain', { interface: 'eth0' }, 'interface:'],
    ['babel.drain', { interface: 'vfb0', rxcost: 1 }, 'unknown field "rxcost"'],
    ['hello', { extra: 1 }, 'unknown field "extra"'],
    ['status', null, 'expected object'],
  ];

  test.each(invalidParams.map(([op, params, field], i) => ({ op, params, field, i })))(
    'invalid params for $op are refused naming "$field" (#$i)',
    async ({ op, params, field, i }) => {
      await withTestServer({}, async ({ connect, calls }) => {
        const client = await connect();
        expect(expectError(await client.request(i, op, params), i, 'invalid_params')).toContain(field);
        expect(calls).toEqual([]);
      });
    },
  );

  test('a __proto__ key inside params is an unknown field, not a prototype', async () => {
    await withTestServer({}, async ({ connect, calls }) => {
      const client = await connect();
      client.write(
        '{"id":1,"op":"device.create","params":{"__proto__":{"x":1},"name":"vfb0","mode":"tun"}}\n',
      );
      expect(expectError(await client.response(), 1, 'invalid_params')).toContain(
        'unknown field "__proto__"',
      );
      expect(calls).toEqual([]);
    });
  });
});

describe('handler failures', () => {
  test('a HelperError keeps its code and message; anything else is internal and only logged', async () => {
    const overrides = {
      'device.create': () => Promise.reject(new HelperError('conflict', 'vfb0 exists as a tap device')),
      'device.remove': () => Promise.reject(new Error('secret detail /etc/shadow')),
      status: () => Promise.resolve({ blob: 'x'.repeat(MAX_MESSAGE_BYTES) }),
    };
    await withTestServer({ overrides }, async ({ connect, logs }) => {
      const client = await connect();
      const conflict = await client.request(1, 'device.create', VALID_PARAMS['device.create']);
      expect(conflict).toEqual({
        id: 1,
        ok: false,
        error: { code: 'conflict', message: 'vfb0 exists as a tap device' },
      });
      const internal = await client.request(2, 'device.remove', VALID_PARAMS['device.remove']);
      expect(expectError(internal, 2, 'internal')).not.toContain('secret');
      expect(
        logs.some((l) =>
          /error \[helper\] Operation failed unexpectedly op=device.remove .*secret detail/.test(l),
        ),
      ).toBe(true);
      expectError(await client.request(3, 'status'), 3, 'internal');
      expect(logs.some((l) => l.includes('over MAX_MESSAGE_BYTES'))).toBe(true);
      expect(await client.request(4, 'hello')).toMatchObject({ id: 4, ok: true });
    });
  });
});

describe('concurrency', () => {
  test('mutating operations from two connections never overlap; each connection keeps its order', async () => {
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const slow = async (params: unknown): Promise<unknown> => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      const { name, device } = params as { name?: string; device?: string };
      order.push(Number((name ?? device ?? '').slice(3)));
      await new Promise((resolve) => setTimeout(resolve, 5)); // a slow handler, not a wait for a condition
      active -= 1;
      return { removed: true };
    };
    await withTestServer(
      { overrides: { 'device.remove': slow, 'openvpn.disconnect': slow } },
      async ({ connect }) => {
        const a = await connect();
        const b = await connect();
        await Promise.all([a.request(0, 'hello'), b.request(0, 'hello')]);
        for (let i = 1; i <= 10; i += 1) {
          a.send({ id: i, op: 'device.remove', params: { name: `vfb${2 * i}` } });
          b.send({ id: i, op: 'openvpn.disconnect', params: { device: `vfb${2 * i + 1}` } });
        }
        const answers = await Promise.all(
          [a, b].map(async (c) => Promise.all(Array.from({ length: 10 }, () => c.response()))),
        );
        expect(answers.flat().filter((r) => !r.ok)).toEqual([]);
        expect(maxActive).toBe(1);
        // Arrival order between connections is up to the kernel; within a connection it is kept.
        expect(order.filter((n) => n % 2 === 0)).toEqual(Array.from({ length: 10 }, (_, i) => 2 * (i + 1)));
        expect(order.filter((n) => n % 2 === 1)).toEqual(
          Array.from({ length: 10 }, (_, i) => 2 * (i + 1) + 1),
        );
      },
    );
  });

  test('hello and status are answered while a mutation runs; later mutations wait for it', async () => {
    const hold = gate();
    const overrides = {
      'device.create': async () => {
        await hold.wait;
        return { name: 'vfb0', created: true };
      },
    };
    await withTestServer({ overrides }, async ({ connect, calls }) => {
      const a = await connect();
      const b = await connect();
      a.send({ id: 1, op: 'device.create', params: VALID_PARAMS['device.create'] });
      await pollUntil(() => calls.some((c) => c.op === 'device.create'), 'device.create to start');
      b.send({ id: 2, op: 'device.remove', params: VALID_PARAMS['device.remove'] });
      expect(await b.request(3, 'hello')).toMatchObject({ id: 3, ok: true });
      expect(await b.request(4, 'status')).toMatchObject({ id: 4, ok: true });
      // The server read device.remove before hello on the same connection, yet has not run it.
      expect(calls.map((c) => c.op)).toEqual(['device.create', 'hello', 'status']);
      hold.open();
      expect(await a.response()).toMatchObject({ id: 1, ok: true });
      expect(await b.response()).toMatchObject({ id: 2, ok: true });
      expect(calls.map((c) => c.op)).toEqual(['device.create', 'hello', 'status', 'device.remove']);
    });
  });

  test('a connection may have at most MAX_PENDING_PER_CONNECTION requests awaiting answers', async () => {
    const hold = gate();
    const overrides = {
      'device.remove': async () => {
        await hold.wait;
        return { removed: true };
      },
    };
    await withTestServer({ overrides }, async ({ connect }) => {
      const a = await connect();
      for (let id = 1; id <= MAX_PENDING_PER_CONNECTION + 1; id += 1) {
        a.send({ id, op: 'device.remove', params: VALID_PARAMS['device.remove'] });
      }
      const refused = await a.response();
      expect(expectError(refused, MAX_PENDING_PER_CONNECTION + 1, 'bad_request')).toMatch(/too many pending/);
      const b = await connect();
      expect(await b.request(1, 'hello')).toMatchObject({ id: 1, ok: true });
      hold.open();
      const answers = await Promise.all(
        Array.from({ length: MAX_PENDING_PER_CONNECTION }, () => a.response()),
      );
      expect(answers.map((r) => r.id)).toEqual(
        Array.from({ length: MAX_PENDING_PER_CONNECTION }, (_, i) => i + 1),
      );
      expect(await a.request(100, 'device.remove', VALID_PARAMS['device.remove'])).toMatchObject({
        id: 100,
        ok: true,
      });
    });
  });

  test('a caller that disconnects mid-request does not disturb the server', async () => {
    const hold = gate();
    const overrides = {
      'device.create': async () => {
        await hold.wait;
        return { name: 'vfb0', created: true };
      },
    };
    await withTestServer({ overrides }, async ({ connect, calls, logs }) => {
      const a = await connect();
      a.send({ id: 1, op: 'device.create', params: VALID_PARAMS['device.create'] });
      await pollUntil(() => calls.length === 1, 'device.create to start');
      a.close();
      hold.open();
      // The server holds the connection until its answer is written (the caller might only have
      // shut down its sending side); the write then fails quietly and the connection closes.
      await pollUntil(() => logs.some((l) => l.includes('Caller disconnected')), 'the disconnect');
      const b = await connect();
      expect(await b.request(2, 'device.create', VALID_PARAMS['device.create'])).toMatchObject({
        id: 2,
        ok: true,
      });
      expect(logs.filter((l) => /^\S+ (warn|error) /.test(l))).toEqual([]);
    });
  });
});

describe('events and limits', () => {
  test('broadcast events reach every authenticated connection', async () => {
    await withTestServer({}, async ({ connect, server }) => {
      const clients = await Promise.all([connect(), connect(), connect()]);
      await Promise.all(clients.map((c, i) => c.request(i, 'hello')));
      const events: HelperEventT[] = [
        { event: 'tunnel.up', data: { device: 'vfb-c1' } },
        { event: 'child.restarted', data: { program: 'babeld', name: 'babeld', pid: 42 } },
      ];
      for (const event of events) server.broadcast(event);
      for (const client of clients) {
        expect([HelperEvent.parse(await client.next()), HelperEvent.parse(await client.next())]).toEqual(
          events,
        );
      }
    });
  });

  test('a connection that does not read is dropped with a log line; others keep receiving', async () => {
    await withTestServer({}, async ({ connect, server, logs }) => {
      const stalled = await connect();
      const reader = await connect();
      await Promise.all([stalled.request(1, 'hello'), reader.request(1, 'hello')]);
      stalled.pause();
      const name = 'n'.repeat(8 * 1024);
      const event: HelperEventT = {
        event: 'child.exited',
        data: { program: 'openvpn', name, code: 1, signal: null, restartInMs: 500 },
      };
      let received = 0;
      // 8 MiB at most; the stalled connection must be dropped long before.
      for (let round = 0; round < 100 && !logs.some((l) => l.includes('Dropping a connection')); round += 1) {
        for (let i = 0; i < 10; i += 1) server.broadcast(event);
        for (let i = 0; i < 10; i += 1) {
          expect(HelperEvent.parse(await reader.next())).toEqual(event);
          received += 1;
        }
      }
      expect(logs.some((l) => /warn .*Dropping a connection that does not read/.test(l))).toBe(true);
      stalled.resume();
      await stalled.closed();
      expect(received).toBeGreaterThan(100);
      expect(await reader.request(2, 'hello')).toMatchObject({ id: 2, ok: true });
    });
  });

  test(`beyond ${MAX_CONNECTIONS} connections a new one gets an error line and is closed`, async () => {
    await withTestServer({}, async ({ connect, logs }) => {
      const clients = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => connect()));
      await Promise.all(clients.map((c, i) => c.request(i, 'hello')));
      const extra = await connect();
      expect(expectError(await extra.response(), null, 'precondition')).toMatch(/connections/);
      await extra.closed();
      expect(logs.some((l) => /warn .*over the limit/.test(l))).toBe(true);
      clients[0]!.close();
      await pollUntil(
        () => logs.filter((l) => l.includes('Caller disconnected')).length === 1,
        'the disconnect',
      );
      const next = await connect();
      expect(await next.request(1, 'hello')).toMatchObject({ id: 1, ok: true });
    });
  });
});

describe('lifecycle', () => {
  test('close() closes connections, removes the socket file and drops queued mutations', async () => {
    const hold = gate();
    const overrides = {
      'device.create': async () => {
        await hold.wait;
        return { name: 'vfb0', created: true };
      },
    };
    await withTestServer({ overrides }, async ({ connect, server, socketPath, calls }) => {
      const client = await connect();
      client.send({ id: 1, op: 'device.create', params: VALID_PARAMS['device.create'] });
      client.send({ id: 2, op: 'device.remove', params: VALID_PARAMS['device.remove'] });
      await pollUntil(() => calls.length === 1, 'device.create to start');
      await server.close();
      await client.closed();
      await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(LineClient.connect(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
      hold.open();
      // The rest of the queue runs in microtasks once device.create settles; let them all run.
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls.map((c) => c.op)).toEqual(['device.create']);
      await server.close(); // idempotent
    });
  });

  test('a second server on the same path refuses to start while the first runs', async () => {
    await withTestServer({}, async ({ socketPath, connect }) => {
      const { handlers } = createRecordingStubHandlers();
      const second = startHelperServer({
        socketPath,
        allowUids: [],
        allowGids: [],
        handlers,
        logger: createLogger({ scope: 'second', sink: () => undefined }),
        version: 'test',
      });
      await expect(second).rejects.toThrow(/already answers on/);
      const client = await connect();
      expect(await client.request(1, 'hello')).toMatchObject({ id: 1, ok: true });
    });
  });

  test('a stale socket file is replaced; a file that is not a socket is left alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vfb-stale-'));
    const socketPath = join(dir, 'helper.sock');
    const plainPath = join(dir, 'plain');
    const { handlers, calls } = createRecordingStubHandlers();
    const logger = createLogger({ scope: 'stale', sink: () => undefined });
    const options = { allowUids: [], allowGids: [], handlers, logger, version: 'test' };
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('listening'))`,
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.stdout.once('data', () => resolve());
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      expect((await stat(socketPath)).isSocket()).toBe(true);

      const server = await startHelperServer({ ...options, socketPath });
      try {
        const client = await LineClient.connect(socketPath);
        expect(await client.request(1, 'hello')).toMatchObject({ id: 1, ok: true });
        client.close();
      } finally {
        await server.close();
      }
      expect(calls).toHaveLength(1);

      await writeFile(plainPath, 'keep me');
      await expect(startHelperServer({ ...options, socketPath: plainPath })).rejects.toThrow(/not a socket/);
      expect(await readFile(plainPath, 'utf8')).toBe('keep me');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
