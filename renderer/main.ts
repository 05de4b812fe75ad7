/**
 * Entry point of the renderer: picks the transport, builds the validating API client over it,
 * hydrates the stores and mounts the app.
 */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { z } from 'zod';
import { createApiClient } from '../app/ipc';
import App from './App.vue';
import { API_KEY } from './composables/useApi';
import { syncStores } from './stores/sync';
import { selectTransport } from './transport/select';
import './style.css';

// The page's CSP forbids eval: keep zod from probing for it (each probe logs a CSP violation).
z.config({ jitless: true });

const api = createApiClient(selectTransport(window), {
  onInvalidMessage: (report) =>
    console.warn(`Dropped a malformed ${report.part} on ${report.channel}`, report.issues),
});
const pinia = createPinia();
const app = createApp(App).use(pinia).provide(API_KEY, api);
syncStores(api, pinia);
app.mount('#app');
