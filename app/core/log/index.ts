/**
 * The engine's logger: the same one the helper uses (see helper/log.ts), re-exported so
 * engine code imports it from its own layer.
 */
export { createLogger } from '../../../helper/log';
export type { Logger, LogFields, LogLevel, LogSink, LoggerOptions } from '../../../helper/log';
