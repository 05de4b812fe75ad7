/**
 * Access to the typed API from stores and components: provided once by main.ts (or a test),
 * injected wherever it is needed.
 */
import { inject, type InjectionKey } from 'vue';
import type { Api } from '../../app/ipc';

/** Injection key of the {@link Api} client. */
export const API_KEY: InjectionKey<Api> = Symbol('vifibnet-api');

/** The API client provided to the app; throws when none was provided (a wiring bug). */
export function useApi(): Api {
  const api = inject(API_KEY, null);
  if (!api) throw new Error('The vifibnet API was not provided to the app (app.provide(API_KEY, api)).');
  return api;
}
