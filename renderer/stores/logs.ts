/** The logs domain: the engine's latest log lines. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { LogLevel, type LogLevelT, type LogLineT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** How many lines the store keeps. */
export const MAX_LOG_LINES = 1000;

/** The logs store. */
export const useLogsStore = defineStore('logs', () => {
  const api = useApi();
  const lines = ref<LogLineT[]>([]);
  const minimumLevel = ref<LogLevelT>('info');
  const command = commandRunner();

  /** Lines at or above {@link minimumLevel}. */
  const visible = computed(() => {
    const min = LogLevel.options.indexOf(minimumLevel.value);
    return lines.value.filter((line) => LogLevel.options.indexOf(line.level) >= min);
  });

  /** Reads the latest lines from the engine. */
  async function load(): Promise<void> {
    const tail = await command.run(() => api.logs.tail({ limit: MAX_LOG_LINES }));
    if (tail) lines.value = tail;
  }

  /** Adds a line from a `logs.line` event, dropping the oldest beyond {@link MAX_LOG_LINES}. */
  function append(line: LogLineT): void {
    lines.value.push(line);
    if (lines.value.length > MAX_LOG_LINES) lines.value.splice(0, lines.value.length - MAX_LOG_LINES);
  }

  return { lines, minimumLevel, visible, pending: command.pending, error: command.error, load, append };
});
