/**
 * Picks the API transport for this page: the preload bridge inside the desktop app, else a
 * WebSocket to the headless UI server that served the page, authenticated with the token from
 * the page's own address.
 */
import { ApiError, BRIDGE_KEY, WEB_API_PATH, WEB_TOKEN_PARAM, type Transport } from '../../app/ipc';
import { createWebSocketTransport } from './websocket';

/**
 * The WebSocket API address for a page served by the headless UI server, or null when the page
 * address carries no token. `http://127.0.0.1:8080/?token=t` → `ws://127.0.0.1:8080/api?token=t`.
 */
export function apiUrlFromPage(pageUrl: string): string | null {
  const page = new URL(pageUrl);
  const token = page.searchParams.get(WEB_TOKEN_PARAM);
  if (!token) return null;
  const api = new URL(WEB_API_PATH, page);
  api.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  api.search = new URLSearchParams({ [WEB_TOKEN_PARAM]: token }).toString();
  return api.toString();
}

/** A transport that refuses every command with `message` (the page cannot reach any API). */
function refusingTransport(message: string): Transport {
  return {
    send: () => Promise.reject(new ApiError('unreachable', message)),
    subscribe: () => () => undefined,
  };
}

/** What {@link selectTransport} reads from the page (the browser's `window`). */
export interface PageLike {
  readonly location: { readonly href: string };
  /** The transport exposed by app/preload, present only inside the desktop app. */
  readonly [BRIDGE_KEY]?: Transport;
}

/** The transport for the page. */
export function selectTransport(page: PageLike): Transport {
  const bridge = page[BRIDGE_KEY];
  if (bridge) return bridge;
  const url = apiUrlFromPage(page.location.href);
  return url
    ? createWebSocketTransport({ url })
    : refusingTransport(
        'This page was opened without its access token. Open the full address printed by `vifibnet node run --ui`, including ?token=…',
      );
}
