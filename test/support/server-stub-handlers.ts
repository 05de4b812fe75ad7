/**
 * Stub operation handlers for server tests: they act on nothing, answer a fixed valid result and
 * record every call, so a test can prove which requests reached a handler. The real handlers
 * live elsewhere and are tested against the real programs.
 */
import type { Caller, OperationHandlers } from '../../helper/handlers';
import type { HelperSnapshotT, OperationName, OperationResult } from '../../helper/protocol';
import { OPERATIONS, PROTOCOL_VERSION } from '../../helper/protocol';

/** One recorded handler call. */
export interface StubCall {
  op: OperationName;
  params: unknown;
  caller: Caller;
}

const EMPTY_SNAPSHOT: HelperSnapshotT = {
  protocol: PROTOCOL_VERSION,
  version: 'stub',
  network: null,
  credentials: null,
  devices: [],
  openvpn: [],
  babel: null,
  babelSocket: null,
};

const STUB_RESULTS: { [O in OperationName]: OperationResult<O> } = {
  hello: { protocol: PROTOCOL_VERSION, version: 'stub', pid: process.pid },
  status: EMPTY_SNAPSHOT,
  'device.create': { name: 'vfb0', created: true },
  'device.remove': { removed: true },
  'network.configure': { changed: true },
  'network.clear': { changed: true },
  'credentials.install': { fingerprint: 'stub', subject: 'CN=stub', notAfter: '2030-01-01T00:00:00Z' },
  'credentials.setCrl': { revoked: 0, nextUpdate: null },
  'openvpn.listen': { device: 'vfb-l-udp' },
  'openvpn.unlisten': { stopped: true },
  'openvpn.connect': { device: 'vfb-c1' },
  'openvpn.disconnect': { stopped: true },
  'babel.configure': { restarted: false },
  'babel.stop': { stopped: true },
  'babel.drain': { metric: 4096 },
  shutdown: { stopping: true },
};

/** Stub behaviour for one operation: return a result (or throw) instead of the fixed answer. */
export type StubOverride = (params: unknown, caller: Caller) => Promise<unknown>;

/** Recording stub handlers and the list of their calls. */
export interface RecordingStubHandlers {
  handlers: OperationHandlers;
  calls: StubCall[];
}

/**
 * Creates stub handlers that record each call, then run the override for that operation when
 * one is given, else answer the operation's fixed stub result.
 */
export function createRecordingStubHandlers(
  overrides: Partial<Record<OperationName, StubOverride>> = {},
): RecordingStubHandlers {
  const calls: StubCall[] = [];
  const entries = (Object.keys(OPERATIONS) as OperationName[]).map((op) => {
    const stub = async (params: unknown, caller: Caller): Promise<unknown> => {
      calls.push({ op, params, caller });
      const override = overrides[op];
      return override ? override(params, caller) : STUB_RESULTS[op];
    };
    return [op, stub] as const;
  });
  // Each stub returns STUB_RESULTS[op] (or what a test's override returns), so the map is total.
  return { handlers: Object.fromEntries(entries) as unknown as OperationHandlers, calls };
}
