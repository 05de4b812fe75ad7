import { describe, expect, test } from 'vitest';
import { connectionState, type ConnectionFacts } from '../../app/core/node/connection-state';

const running: ConnectionFacts = { phase: 'running', helperReachable: true, tunnelsUp: 2, meshOutage: false };

describe('connection state', () => {
  test('a running node with tunnels up and no outage is connected', () => {
    expect(connectionState(running)).toBe('connected');
  });

  test('an open mesh outage with tunnels up is degraded', () => {
    expect(connectionState({ ...running, meshOutage: true })).toBe('degraded');
  });

  test('starting, or running without a tunnel up, is connecting', () => {
    expect(connectionState({ ...running, phase: 'starting', tunnelsUp: 0 })).toBe('connecting');
    expect(connectionState({ ...running, tunnelsUp: 0 })).toBe('connecting');
    expect(connectionState({ ...running, tunnelsUp: 0, meshOutage: true })).toBe('connecting');
  });

  test('a lost helper wins over everything but a requested stop', () => {
    for (const phase of ['starting', 'running', 'stopped'] as const)
      expect(connectionState({ ...running, phase, helperReachable: false })).toBe('helper-unreachable');
    expect(connectionState({ ...running, phase: 'stopping', helperReachable: false })).toBe('disconnecting');
  });

  test('stopping by request is disconnecting, whatever the tunnels and the mesh look like meanwhile', () => {
    expect(connectionState({ ...running, phase: 'stopping' })).toBe('disconnecting');
    expect(connectionState({ ...running, phase: 'stopping', tunnelsUp: 0 })).toBe('disconnecting');
    expect(connectionState({ ...running, phase: 'stopping', meshOutage: true })).toBe('disconnecting');
  });

  test('stopped is disconnected', () => {
    expect(connectionState({ ...running, phase: 'stopped' })).toBe('disconnected');
    expect(connectionState({ ...running, phase: 'stopped', tunnelsUp: 0 })).toBe('disconnected');
  });
});
