// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { ApiError, formatInvitation, type ApiErrorCode } from '../../../app/ipc';
import JoinView from '../../../renderer/views/Join/JoinView.vue';
import { createFakeEngine, inputValue, mountWithEngine, type FakeEngine } from './fake-engine';

const invitation = {
  registryUrl: 'https://registry.example.net',
  token: `vfb_${'T'.repeat(43)}`,
  caFingerprint: 'ab'.repeat(32),
};

async function mountJoin(engine: FakeEngine) {
  const { wrapper } = await mountWithEngine(JoinView, engine, { closable: false });
  await wrapper.get('#join-invitation').setValue(formatInvitation(invitation));
  return wrapper;
}

async function submit(wrapper: Awaited<ReturnType<typeof mountJoin>>) {
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

describe('Join view', () => {
  test('an invitation fills the form; the registry fingerprint is shown for confirmation; then the node enrolls', async () => {
    const engine = createFakeEngine();
    const wrapper = await mountJoin(engine);
    expect(inputValue(wrapper.get('#join-registry'))).toBe(invitation.registryUrl);
    expect(inputValue(wrapper.get('#join-token'))).toBe(invitation.token);

    await submit(wrapper);
    expect(engine.handlers.join.inspect).toHaveBeenCalledWith({
      registryUrl: invitation.registryUrl,
      caFingerprint: invitation.caFingerprint,
    });
    expect(wrapper.get('.fingerprint').text()).toBe(Array(32).fill('AB').join(':'));
    expect(wrapper.text()).toContain('It matches the fingerprint in your invitation.');

    await submit(wrapper);
    expect(engine.handlers.join.enroll).toHaveBeenCalledWith(invitation);
    expect(wrapper.get('[role=status]').text()).toContain('Joined as node-9');
  });

  test('while the registry is asked, the button keeps the focus, says it is unavailable, and a second submit is ignored', async () => {
    const engine = createFakeEngine();
    // the registry never answers during this test
    engine.handlers.join.inspect.mockImplementationOnce(() => new Promise(() => undefined));
    const wrapper = await mountJoin(engine);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const button = wrapper.get('button[type=submit]');
    expect(button.attributes('disabled')).toBeUndefined();
    expect(button.attributes('aria-disabled')).toBe('true');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(engine.handlers.join.inspect).toHaveBeenCalledTimes(1);
  });

  test('a malformed invitation says what is wrong with it', async () => {
    const { wrapper } = await mountWithEngine(JoinView, createFakeEngine(), { closable: false });
    await wrapper
      .get('#join-invitation')
      .setValue('vifibnet://join?registry=https%3A%2F%2Fr.example&token=abc');
    expect(wrapper.get('#join-invitation-error').text()).toMatch(/token starts with vfb_/);
  });

  const failures: [string, 'inspect' | 'enroll', ApiErrorCode, RegExp][] = [
    [
      'an unreachable registry',
      'inspect',
      'registry_unreachable',
      /could not be reached\. Check the registry address/,
    ],
    [
      'a fingerprint mismatch',
      'inspect',
      'fingerprint_mismatch',
      /does not match the fingerprint you were given\. Do not continue/,
    ],
    ['a used token', 'enroll', 'token_used', /already been used.*ask the administrator for a new invitation/],
    ['an expired token', 'enroll', 'token_expired', /has expired/],
  ];
  test.each(failures)('explains %s in words a user can act on', async (_what, step, code, words) => {
    const engine = createFakeEngine();
    engine.handlers.join[step].mockRejectedValueOnce(new ApiError(code, `registry said ${code}`));
    const wrapper = await mountJoin(engine);
    await submit(wrapper);
    if (step === 'enroll') await submit(wrapper);
    const alert = wrapper.get('[role=alert]');
    expect(alert.text()).toMatch(words);
    expect(alert.text()).toContain(`Details: registry said ${code}`);
  });
});
