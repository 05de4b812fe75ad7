// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { ConnectionState, type ConnectionStateT, type SnapshotT } from '../../../app/ipc';
import { CONNECTION_LABELS } from '../../../renderer/labels';
import { useConnectionStore } from '../../../renderer/stores/connection';
import StatusView from '../../../renderer/views/Status/StatusView.vue';
import { createFakeEngine, mountWithEngine, sampleSnapshot, syncedPinia } from './fake-engine';

/** The sample snapshot in `state`. */
function snapshotIn(state: ConnectionStateT, since = 1_700_000_000_000): SnapshotT {
  return { ...sampleSnapshot(), connection: { state, since } };
}

type Wrapper = Awaited<ReturnType<typeof mountWithEngine>>['wrapper'];
const toggleButton = (wrapper: Wrapper) => wrapper.get('button.primary');
const badge = (wrapper: Wrapper) => wrapper.get('.mesh-state .badge');

describe('connection store while disconnecting', () => {
  test('the action shown stays Disconnect, and neither action can be pressed until the node has stopped', async () => {
    const engine = createFakeEngine(snapshotIn('disconnecting'));
    const connection = useConnectionStore(await syncedPinia(engine));
    expect(connection).toMatchObject({ state: 'disconnecting', active: true, canToggle: false });

    engine.notify.state.changed(snapshotIn('disconnected'));
    expect(connection).toMatchObject({ state: 'disconnected', active: false, canToggle: true });
  });

  test('every state has a label', () => {
    for (const state of ConnectionState.options) expect(CONNECTION_LABELS[state]).toMatch(/\S/);
    expect(CONNECTION_LABELS.disconnecting).toBe('Disconnecting…');
  });
});

describe('Status view', () => {
  test('says Disconnecting… with an unavailable Disconnect, then Disconnected with Connect', async () => {
    const engine = createFakeEngine();
    const { wrapper } = await mountWithEngine(StatusView, engine);
    expect(badge(wrapper).text()).toBe('Connected');

    engine.notify.state.changed(snapshotIn('disconnecting', 1_700_000_001_000));
    await flushPromises();
    expect(badge(wrapper).text()).toBe('Disconnecting…');
    expect(badge(wrapper).attributes('data-state')).toBe('disconnecting');
    expect(toggleButton(wrapper).text()).toBe('Disconnect');
    expect(toggleButton(wrapper).attributes('aria-disabled')).toBe('true');
    await toggleButton(wrapper).trigger('click');
    await flushPromises();
    expect(engine.handlers.connection.disconnect).not.toHaveBeenCalled();
    expect(engine.handlers.connection.connect).not.toHaveBeenCalled();

    engine.notify.state.changed(snapshotIn('disconnected', 1_700_000_009_000));
    await flushPromises();
    expect(badge(wrapper).text()).toBe('Disconnected');
    expect(toggleButton(wrapper).text()).toBe('Connect');
    expect(toggleButton(wrapper).attributes('aria-disabled')).toBeUndefined();
    await toggleButton(wrapper).trigger('click');
    await flushPromises();
    expect(engine.handlers.connection.connect).toHaveBeenCalledOnce();
    wrapper.unmount();
  });
});
