// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import SettingsView from '../../../renderer/views/Settings/SettingsView.vue';
import { createFakeEngine, inputValue, mountWithEngine } from './fake-engine';

const estimateOf = (wrapper: Awaited<ReturnType<typeof mountWithEngine>>['wrapper']) =>
  wrapper.get('#setting-hello-hint').text();

describe('Settings view', () => {
  test('shows the expected detection time and traffic beside the hello interval, updated while editing', async () => {
    const { wrapper } = await mountWithEngine(SettingsView, createFakeEngine());
    expect(estimateOf(wrapper)).toMatch(/about 4\.4 s \(3\.0 s when a backup route is ready\)/);
    expect(estimateOf(wrapper)).toMatch(
      /170 B\/s per tunnel, ≈ 1\.7 kB\/s for the 10 tunnels this node opens/,
    );

    await wrapper.get('#setting-hello').setValue('0.2');
    expect(estimateOf(wrapper)).toMatch(/about 1\.2 s/);
    expect(estimateOf(wrapper)).toMatch(/840 B\/s per tunnel/);

    await wrapper.get('input[type=radio][value=wireless]').setValue(true);
    expect(estimateOf(wrapper)).toMatch(/about 1\.2 s\. /);
    await wrapper.get('#setting-hello').setValue('2');
    expect(estimateOf(wrapper)).toMatch(/about 12 s\. /);
  });

  test('refuses an invalid value with a message and never sends it', async () => {
    const engine = createFakeEngine();
    const { wrapper } = await mountWithEngine(SettingsView, engine);
    const hello = wrapper.get('#setting-hello');
    await hello.setValue('0.01');

    expect(wrapper.get('#setting-hello-error').text()).toMatch(
      /at least 0\.05 s; babeld refuses anything shorter/,
    );
    expect(hello.attributes('aria-invalid')).toBe('true');
    expect(hello.attributes('aria-describedby')).toContain('setting-hello-error');
    expect(estimateOf(wrapper)).toMatch(/Enter a valid interval/);
    const apply = wrapper.get('button[type=submit]');
    expect(apply.attributes('aria-disabled')).toBe('true');
    await wrapper.get('form').trigger('submit');
    expect(engine.handlers.settings.set).not.toHaveBeenCalled();

    await wrapper.get('#setting-registry').setValue('registry.example.net');
    expect(wrapper.get('#setting-registry-error').text()).toMatch(/https:\/\/registry\.example\.net/);
  });

  test('applies valid changes and can discard them', async () => {
    const engine = createFakeEngine();
    const { wrapper } = await mountWithEngine(SettingsView, engine);
    await wrapper.get('#setting-client-count').setValue('6');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(engine.handlers.settings.set).toHaveBeenCalledWith({ clientCount: 6 });

    await wrapper.get('#setting-max-clients').setValue('3');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Discard changes')!
      .trigger('click');
    expect(inputValue(wrapper.get('#setting-max-clients'))).toBe('20');
  });

  test('says when a new max clients reaches the running node', async () => {
    const { wrapper } = await mountWithEngine(SettingsView, createFakeEngine());
    expect(wrapper.get('#setting-max-clients').attributes('aria-describedby')).toContain(
      'setting-max-clients-hint',
    );
    expect(wrapper.get('#setting-max-clients-hint').text()).toMatch(
      /at once while no other node has a tunnel to this one; otherwise at the next connect/,
    );
  });

  test('every control has an accessible name', async () => {
    const { wrapper } = await mountWithEngine(SettingsView, createFakeEngine());
    const inputs = wrapper.findAll('input');
    const labelledFor = inputs.filter((input) => {
      const id = input.attributes('id');
      return id !== undefined && wrapper.find(`label[for="${id}"]`).exists();
    });
    expect(labelledFor.length + wrapper.findAll('label > input').length).toBe(inputs.length);
    for (const button of wrapper.findAll('button')) expect(button.text()).not.toBe('');
  });
});
