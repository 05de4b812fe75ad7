import { describe, expect, test, vi } from 'vitest';
import {
  ApiError,
  createApiClient,
  createDispatcher,
  createNotifier,
  type InvalidMessageReport,
  type Transport,
} from '../../app/ipc';
import { createFakeEngine, sampleSnapshot } from './renderer/fake-engine';

/** A transport answering every command with `reply`, and exposing event delivery. */
function scriptedTransport(reply: unknown) {
  const listeners = new Map<string, (payload: unknown) => void>();
  const send = vi.fn(() => Promise.resolve(reply));
  const transport: Transport = {
    send,
    subscribe: (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
  };
  return { transport, send, emit: (channel: string, payload: unknown) => listeners.get(channel)?.(payload) };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (err: unknown) => err,
  );

describe('API client and dispatcher', () => {
  test('a command goes through the dispatcher to its typed handler and back', async () => {
    const engine = createFakeEngine();
    await expect(engine.api.settings.set({ helloIntervalS: 0.2 })).resolves.toMatchObject({
      helloIntervalS: 0.2,
    });
    expect(engine.handlers.settings.set).toHaveBeenCalledWith({ helloIntervalS: 0.2 });
    await expect(engine.api.connection.connect()).resolves.toBeUndefined();
  });

  test('invalid parameters are refused before anything is sent', async () => {
    const { transport, send } = scriptedTransport({ ok: true });
    const api = createApiClient(transport);
    const err = await rejection(api.settings.set({ helloIntervalS: 0.01 }));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_params');
    expect((err as ApiError).message).toMatch(/at least 0.05 s/);
    expect(send).not.toHaveBeenCalled();
  });

  test('the dispatcher refuses invalid parameters a client did not check', async () => {
    const dispatch = createDispatcher(createFakeEngine().handlers);
    const reply = await dispatch('settings.set', { helloIntervalS: 100 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(reply.ok ? '' : reply.error.message).toMatch(/at most 60 s/);
    await expect(dispatch('settings.remove', {})).resolves.toMatchObject({
      error: { code: 'unknown_channel' },
    });
  });

  test('a typed error thrown by a handler reaches the caller with its code', async () => {
    const engine = createFakeEngine();
    engine.handlers.join.enroll.mockRejectedValueOnce(new ApiError('token_used', 'token already used'));
    const err = await rejection(
      engine.api.join.enroll({
        registryUrl: 'https://registry.example.net',
        token: `vfb_${'x'.repeat(43)}`,
        caFingerprint: 'ab'.repeat(32),
      }),
    );
    expect(err).toMatchObject({ code: 'token_used', message: 'token already used' });
  });

  test('an unexpected failure or a malformed result in a handler becomes `internal` and is reported', async () => {
    const engine = createFakeEngine();
    const onUnexpectedError = vi.fn();
    const dispatch = createDispatcher(engine.handlers, { onUnexpectedError });
    engine.handlers.connection.connect.mockRejectedValueOnce(new Error('boom'));
    await expect(dispatch('connection.connect', undefined)).resolves.toMatchObject({
      error: { code: 'internal' },
    });
    engine.handlers.peers.list.mockResolvedValueOnce([{ name: 'x' }] as never);
    await expect(dispatch('peers.list', undefined)).resolves.toMatchObject({ error: { code: 'internal' } });
    expect(onUnexpectedError).toHaveBeenCalledTimes(2);
  });

  test('a malformed result rejects with invalid_message and is reported', async () => {
    const reports: InvalidMessageReport[] = [];
    const { transport } = scriptedTransport({ ok: true, result: { state: 'weird' } });
    const api = createApiClient(transport, { onInvalidMessage: (r) => reports.push(r) });
    await expect(api.state.get()).rejects.toMatchObject({ code: 'invalid_message' });
    expect(reports).toEqual([expect.objectContaining({ channel: 'state.get', part: 'result' })]);
  });

  test('a malformed reply envelope rejects with invalid_message and is reported', async () => {
    const reports: InvalidMessageReport[] = [];
    const { transport } = scriptedTransport({ ok: false, error: { code: 'no_such_code', message: '' } });
    const api = createApiClient(transport, { onInvalidMessage: (r) => reports.push(r) });
    await expect(api.connection.connect()).rejects.toMatchObject({ code: 'invalid_message' });
    expect(reports[0]).toMatchObject({ channel: 'connection.connect', part: 'reply' });
  });

  test('a transport failure rejects with unreachable', async () => {
    const api = createApiClient({
      send: () => Promise.reject(new Error('socket closed')),
      subscribe: () => () => undefined,
    });
    await expect(api.connection.connect()).rejects.toMatchObject({
      code: 'unreachable',
      message: 'socket closed',
    });
  });

  test('a valid event reaches the listener; a malformed one is dropped and reported', () => {
    const reports: InvalidMessageReport[] = [];
    const { transport, emit } = scriptedTransport(undefined);
    const api = createApiClient(transport, { onInvalidMessage: (r) => reports.push(r) });
    const listener = vi.fn();
    const unsubscribe = api.peers.onChanged(listener);
    emit('peers.changed', sampleSnapshot().peers);
    emit('peers.changed', [{ name: 'node-2', state: 'on fire' }]);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(sampleSnapshot().peers);
    expect(reports).toEqual([expect.objectContaining({ channel: 'peers.changed', part: 'event' })]);
    unsubscribe();
    emit('peers.changed', []);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test('the notifier refuses to emit a malformed event', () => {
    const emit = vi.fn();
    const notifier = createNotifier(emit);
    notifier.logs.line({
      at: 1,
      level: 'info',
      scope: 'peers',
      message: 'Refreshing peer DB … done in 12 ms',
    });
    expect(emit).toHaveBeenCalledWith('logs.line', expect.objectContaining({ scope: 'peers' }));
    expect(() => notifier.logs.line({ at: 1, level: 'loud', scope: 'x', message: '' } as never)).toThrow();
    expect(emit).toHaveBeenCalledTimes(1);
  });
});
