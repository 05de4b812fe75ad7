// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { HELPER_START_COMMAND } from '../../../app/ipc';
import App from '../../../renderer/App.vue';
import { createFakeEngine, focusedText, mountWithEngine, sampleSnapshot } from './fake-engine';

const heading = (wrapper: Awaited<ReturnType<typeof mountWithEngine>>['wrapper']) =>
  wrapper.get('main h1').text();

describe('App', () => {
  test('shows the Launch view while the helper is unreachable, keeps retrying, and leaves it when the helper answers', async () => {
    const snapshot = sampleSnapshot();
    snapshot.connection.state = 'helper-unreachable';
    snapshot.helper = {
      state: 'unreachable',
      since: 1,
      lastError: 'connect ENOENT /run/vifibnet/helper.sock',
      nextRetryAt: null,
      canStart: false,
    };
    const engine = createFakeEngine(snapshot);
    const { wrapper } = await mountWithEngine(App, engine);

    expect(heading(wrapper)).toBe('The vifibnet helper is not running');
    expect(wrapper.get('code').text()).toBe(HELPER_START_COMMAND);
    expect(wrapper.text()).toContain('Last error: connect ENOENT');
    expect(wrapper.find('nav').exists()).toBe(false);
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Try again now')!
      .trigger('click');
    await flushPromises();
    expect(engine.handlers.helper.retry).toHaveBeenCalledOnce();

    engine.notify.state.changed(sampleSnapshot());
    await flushPromises();
    expect(heading(wrapper)).toBe('Status');
  });

  test('shows the Join view until the node belongs to a network', async () => {
    const snapshot = { ...sampleSnapshot(), node: null };
    snapshot.connection.state = 'disconnected';
    const { wrapper } = await mountWithEngine(App, createFakeEngine(snapshot));
    expect(heading(wrapper)).toBe('Join a network');
  });

  test('shows a waiting screen with the reason while the node does not answer', async () => {
    const engine = createFakeEngine();
    engine.handlers.state.get.mockImplementation(() => new Promise(() => undefined));
    const { wrapper } = await mountWithEngine(App, engine);
    expect(heading(wrapper)).toBe('Connecting to the vifibnet node…');
  });

  test('Status offers Disconnect; the nav reaches Peers and Recovery, and moves focus to their heading', async () => {
    const engine = createFakeEngine();
    const { wrapper } = await mountWithEngine(App, engine);
    expect(heading(wrapper)).toBe('Status');
    expect(wrapper.text()).toContain('fd00:1:2:1::/64');
    await wrapper
      .findAll('main button')
      .find((b) => b.text() === 'Disconnect')!
      .trigger('click');
    await flushPromises();
    expect(engine.handlers.connection.disconnect).toHaveBeenCalledOnce();

    const nav = wrapper.get('nav[aria-label=Sections]');
    await nav
      .findAll('button')
      .find((b) => b.text() === 'Peers')!
      .trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Peers');
    expect(focusedText()).toBe('Peers');
    const rows = wrapper.findAll('tbody tr');
    expect(rows[0]!.text()).toContain('node-2');
    expect(rows[0]!.text()).toContain('13 ms');
    expect(rows[1]!.text()).toContain('TLS handshake failed');
    expect(rows[0]!.get('button').attributes('aria-label')).toBe('Copy the address of node-2');

    await nav
      .findAll('button')
      .find((b) => b.text() === 'Recovery')!
      .trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Recovery');
    expect(wrapper.find('reachability-chart-stub').exists()).toBe(true);
    expect(wrapper.get('figcaption').text()).toMatch(
      /Whole mesh: reachable 100 % of the time; 1 outage, longest 4\.4 s/,
    );
    expect(wrapper.get('.distribution').text()).toMatch(
      /1\.0 s: 25 %.*5\.0 s: 75 %.*30 s: 100 %.*2 min: 100 %/,
    );
    expect(wrapper.get('.timeline').text()).toMatch(/Recovered.*node-2.*after 4\.4 s.*via node-3/);
  });

  test('Settings opens the Join view, which can be closed again', async () => {
    const { wrapper } = await mountWithEngine(App, createFakeEngine());
    const nav = wrapper.get('nav[aria-label=Sections]');
    await nav
      .findAll('button')
      .find((b) => b.text() === 'Settings')!
      .trigger('click');
    await wrapper
      .findAll('main button')
      .find((b) => b.text() === 'Join a network…')!
      .trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Join a network');
    await wrapper
      .findAll('main button')
      .find((b) => b.text() === 'Cancel')!
      .trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Settings');
  });

  test('remote strings are rendered as text, never as HTML', async () => {
    const snapshot = sampleSnapshot();
    snapshot.peers[0]!.lastError = '<img src=x onerror=alert(1)>';
    const { wrapper } = await mountWithEngine(App, createFakeEngine(snapshot));
    await wrapper
      .get('nav')
      .findAll('button')
      .find((b) => b.text() === 'Peers')!
      .trigger('click');
    expect(wrapper.find('img').exists()).toBe(false);
    expect(wrapper.text()).toContain('<img src=x onerror=alert(1)>');
  });
});
