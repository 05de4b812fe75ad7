import { describe, expect, test } from 'vitest';
import {
  API_ERROR_CODES,
  COMMANDS,
  EVENTS,
  apiSchema,
  channelName,
  createApiClient,
  createDispatcher,
  describeError,
  estimateBabel,
  formatFingerprint,
  formatInvitation,
  HELPER_START_COMMAND,
  isIpv6Address,
  listenerName,
  Outage,
  parseInvitation,
  RecoveryDistribution,
  RecoveryQuery,
  SETTING_FIELDS,
  SettingsPatch,
  Snapshot,
  validationMessage,
} from '../../app/ipc';
import { createFakeEngine, sampleSnapshot } from './renderer/fake-engine';

const messageOf = (result: { success: boolean; error?: Parameters<typeof validationMessage>[0] }) =>
  result.error ? validationMessage(result.error) : '';

describe('API schema', () => {
  test('a snapshot survives a JSON round trip unchanged', () => {
    const snapshot = sampleSnapshot();
    expect(Snapshot.parse(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  test('settings bounds refuse bad values with words a user can act on', () => {
    const hello = SETTING_FIELDS.helloIntervalS;
    expect(hello.safeParse(0.05).success).toBe(true);
    expect(hello.safeParse(60).success).toBe(true);
    expect(messageOf(hello.safeParse(0.01))).toMatch(/at least 0.05 s/);
    expect(messageOf(hello.safeParse(61))).toMatch(/at most 60 s/);
    expect(messageOf(hello.safeParse('fast'))).toMatch(/number of seconds/);
    expect(messageOf(SETTING_FIELDS.clientCount.safeParse(2.5))).toMatch(/whole number/);
    expect(messageOf(SETTING_FIELDS.clientCount.safeParse(0))).toMatch(/at least 1 tunnel/);
    expect(messageOf(SETTING_FIELDS.tunnelRefreshS.safeParse(5))).toMatch(/every 30 s/);
    // the helper's listener needs room for one incoming tunnel (openvpn.listen refuses 0)
    expect(SETTING_FIELDS.maxClients.safeParse(1).success).toBe(true);
    expect(messageOf(SETTING_FIELDS.maxClients.safeParse(0))).toMatch(/at least 1 incoming tunnel/);
    expect(messageOf(SETTING_FIELDS.registryUrl.safeParse('ftp://registry'))).toMatch(/https:\/\//);
  });

  test('a settings patch takes any subset of settings and nothing else', () => {
    expect(SettingsPatch.parse({ helloIntervalS: 0.2 })).toEqual({ helloIntervalS: 0.2 });
    expect(SettingsPatch.safeParse({ helloIntervalS: 0.2, root: true }).success).toBe(false);
    expect(SettingsPatch.safeParse({ registryUrl: null }).success).toBe(false);
  });

  test('recovery queries and distributions are checked for consistency', () => {
    expect(RecoveryQuery.safeParse({ from: 10, to: 5 }).success).toBe(false);
    const buckets = [1_000, 5_000, 30_000, 120_000].map((withinMs) => ({ withinMs, share: 0.5 }));
    const stats = { recovered: 2, medianMs: 800, p95Ms: 4_000 };
    expect(RecoveryDistribution.safeParse({ ...stats, buckets }).success).toBe(true);
    expect(RecoveryDistribution.safeParse({ ...stats, buckets: buckets.slice(1) }).success).toBe(false);
    expect(RecoveryDistribution.safeParse({ recovered: 2, buckets }).success).toBe(false);
    expect(
      RecoveryDistribution.safeParse({ recovered: 0, medianMs: null, p95Ms: null, buckets }).success,
    ).toBe(true);
  });

  test('an outage says how it ended, null while it lasts', () => {
    const open = { peer: 'node-2', start: 1, end: null, cause: 'link cut', endedBy: null };
    expect(Outage.safeParse(open).success).toBe(true);
    expect(Outage.safeParse({ ...open, end: 5, endedBy: 'suspended' }).success).toBe(true);
    expect(Outage.safeParse({ ...open, endedBy: 'vanished' }).success).toBe(false);
    expect(Outage.safeParse({ peer: 'node-2', start: 1, end: null, cause: 'x' }).success).toBe(false);
  });

  test('IPv6 addresses are recognised without Node', () => {
    for (const ok of ['::', '::1', 'fd00:1:2:3::1', '2001:db8:0:0:0:0:2:1', '::ffff:192.0.2.1', 'fe80::1:2'])
      expect(isIpv6Address(ok), ok).toBe(true);
    for (const bad of [
      '',
      '1.2.3.4',
      'fd00::1::2',
      '1:2:3:4:5:6:7:8:9',
      'gg::1',
      '::ffff:300.0.2.1',
      'fe80::1%eth0',
    ])
      expect(isIpv6Address(bad), bad).toBe(false);
  });

  test('an invitation round-trips, and pasted fingerprints are normalised', () => {
    const invitation = {
      registryUrl: 'https://registry.example.net:8443/',
      token: `vfb_${'a'.repeat(43)}`,
      caFingerprint: '0f'.repeat(32),
    };
    expect(parseInvitation(formatInvitation(invitation))).toEqual({ ok: true, invitation });
    const pasted = formatInvitation(invitation).replace('0f'.repeat(32), formatFingerprint('0f'.repeat(32)));
    expect(parseInvitation(`  ${pasted}\n`)).toEqual({ ok: true, invitation });
  });

  test('a broken invitation says what is wrong', () => {
    expect(parseInvitation('https://example.net')).toMatchObject({
      ok: false,
      message: /starts with vifibnet:\/\/join\?/,
    });
    const badToken = formatInvitation({
      registryUrl: 'https://r.example.net',
      token: `vfb_${'a'.repeat(43)}`,
      caFingerprint: '0f'.repeat(32),
    }).replace(/token=[^&]+/, 'token=vfb_short');
    expect(parseInvitation(badToken)).toMatchObject({ ok: false, message: /vfb_ followed by 43/ });
  });

  test('every error code has words for the user; validation errors keep their own', () => {
    for (const code of API_ERROR_CODES.filter((c) => c !== 'invalid_params'))
      expect(describeError({ code, message: 'detail' }), code).not.toBe('detail');
    expect(describeError({ code: 'invalid_params', message: 'The hello interval must be …' })).toBe(
      'The hello interval must be …',
    );
    expect(describeError({ code: 'token_used', message: '' })).toMatch(/already been used/);
  });
});

describe('names derived from the schema', () => {
  test('channels are domain.name, for every command and event', () => {
    expect([...COMMANDS.keys()]).toEqual([
      'state.get',
      'connection.connect',
      'connection.disconnect',
      'peers.list',
      'recovery.history',
      'recovery.distribution',
      'settings.get',
      'settings.set',
      'logs.tail',
      'join.inspect',
      'join.enroll',
      'helper.retry',
      'helper.start',
    ]);
    expect([...EVENTS.keys()]).toEqual(['state.changed', 'peers.changed', 'recovery.recorded', 'logs.line']);
    for (const [domain, messages] of Object.entries(apiSchema))
      for (const name of Object.keys(messages)) {
        const channel = channelName(domain, name);
        expect(COMMANDS.has(channel) || EVENTS.has(channel)).toBe(true);
      }
  });

  test('the client has one method per command and one listener per event', () => {
    const api = createApiClient({ send: () => Promise.resolve(undefined), subscribe: () => () => undefined });
    expect(listenerName('changed')).toBe('onChanged');
    expect(Object.keys(api.state).sort()).toEqual(['get', 'onChanged']);
    expect(Object.keys(api.recovery).sort()).toEqual(['distribution', 'history', 'onRecorded']);
    expect(Object.keys(api.logs).sort()).toEqual(['onLine', 'tail']);
    expect(typeof api.connection.connect).toBe('function');
    expect(Object.keys(api.helper).sort()).toEqual(['retry', 'start']);
  });

  test('helper.start takes nothing, and its refusal reads as how to start the helper by hand', async () => {
    const dispatch = createDispatcher(createFakeEngine().handlers);
    await expect(dispatch('helper.start', { sudo: true })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_params' },
    });
    await expect(dispatch('helper.start', undefined)).resolves.toEqual({ ok: true, result: undefined });
    expect(describeError({ code: 'helper_start_refused', message: 'once' })).toContain(HELPER_START_COMMAND);
  });

  test('the snapshot says whether the helper may be started from here', () => {
    const snapshot = sampleSnapshot();
    expect(
      Snapshot.parse({ ...snapshot, helper: { ...snapshot.helper, canStart: true } }).helper.canStart,
    ).toBe(true);
    const { canStart: _dropped, ...withoutFlag } = snapshot.helper;
    expect(Snapshot.safeParse({ ...snapshot, helper: withoutFlag }).success).toBe(false);
  });
});

describe('babel estimates', () => {
  test('reproduce the measured detection times', () => {
    const wired = estimateBabel({ helloIntervalS: 1, linkMode: 'wired', tunnels: 1 });
    expect(wired.detectionS).toBeCloseTo(4.4);
    expect(wired.fastestDetectionS).toBeCloseTo(3);
    expect(estimateBabel({ helloIntervalS: 0.5, linkMode: 'wireless', tunnels: 1 }).detectionS).toBeCloseTo(
      3,
    );
  });

  test('reproduce the measured traffic and scale with the tunnel count', () => {
    expect(
      estimateBabel({ helloIntervalS: 1, linkMode: 'wired', tunnels: 1 }).bytesPerSecondPerTunnel,
    ).toBeCloseTo(170);
    expect(
      estimateBabel({ helloIntervalS: 0.2, linkMode: 'wired', tunnels: 1 }).bytesPerSecondPerTunnel,
    ).toBeCloseTo(840);
    expect(estimateBabel({ helloIntervalS: 1, linkMode: 'wired', tunnels: 10 }).bytesPerSecond).toBeCloseTo(
      1700,
    );
  });
});
