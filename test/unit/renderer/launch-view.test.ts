// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { ApiError, HELPER_START_COMMAND, type SnapshotT } from '../../../app/ipc';
import LaunchView from '../../../renderer/views/Launch/LaunchView.vue';
import { createFakeEngine, mountWithEngine, sampleSnapshot } from './fake-engine';

/** A snapshot with the helper unreachable, and `canStart` as the engine says. */
function unreachable(canStart: boolean): SnapshotT {
  const snapshot = sampleSnapshot();
  snapshot.connection.state = 'helper-unreachable';
  snapshot.helper = { state: 'unreachable', since: 1, lastError: null, nextRetryAt: null, canStart };
  return snapshot;
}

type Wrapper = Awaited<ReturnType<typeof mountWithEngine>>['wrapper'];
const startButton = (wrapper: Wrapper) =>
  wrapper.findAll('button').find((b) => b.text() === 'Start the helper');

describe('Launch view', () => {
  test('offers no start button when the API does not (a web page, or the one start was used)', async () => {
    const { wrapper } = await mountWithEngine(LaunchView, createFakeEngine(unreachable(false)));
    expect(startButton(wrapper)).toBeUndefined();
    expect(wrapper.get('code').text()).toBe(HELPER_START_COMMAND);
    expect(wrapper.text()).toContain('Start it in a terminal with:');
  });

  test('asks the app to start the helper from a named button, which goes once the API stops offering it', async () => {
    const engine = createFakeEngine(unreachable(true));
    const { wrapper } = await mountWithEngine(LaunchView, engine);
    const button = startButton(wrapper)!;
    expect(button.attributes('type')).toBe('button');
    const hint = wrapper.get(`#${button.attributes('aria-describedby')}`);
    expect(hint.text()).toMatch(/asks for your password/);
    expect(wrapper.get('code').text()).toBe(HELPER_START_COMMAND); // the manual way stays in view

    await button.trigger('click');
    await flushPromises();
    expect(engine.handlers.helper.start).toHaveBeenCalledOnce();

    engine.notify.state.changed(unreachable(false));
    await flushPromises();
    expect(startButton(wrapper)).toBeUndefined();
  });

  test('is disabled while the request is in flight, and explains a refusal', async () => {
    const engine = createFakeEngine(unreachable(true));
    let refuse: (error: Error) => void = () => undefined;
    engine.handlers.helper.start.mockImplementationOnce(
      () => new Promise<void>((_resolve, reject) => (refuse = reject)),
    );
    const { wrapper } = await mountWithEngine(LaunchView, engine);
    await startButton(wrapper)!.trigger('click');
    expect(startButton(wrapper)!.attributes('disabled')).toBeDefined();

    refuse(new ApiError('helper_start_refused', 'The app already tried to start the helper: it failed'));
    await flushPromises();
    expect(startButton(wrapper)!.attributes('disabled')).toBeUndefined();
    const alert = wrapper.get('[role=alert]');
    expect(alert.text()).toContain(`Start it in a terminal with: ${HELPER_START_COMMAND}`);
    expect(alert.text()).toContain('Details: The app already tried to start the helper: it failed');
  });
});
