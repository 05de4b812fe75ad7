/**
 * Permissions of the window's session: everything is refused — camera, microphone, location,
 * notifications from the page, USB, HID, serial, screen capture, external protocols — except
 * writing text to the clipboard from the app's own pages, which the Copy buttons (a peer's
 * address, the helper start command) need. Downloads are refused too.
 */
import type { Session } from 'electron';
import { isAppUrl } from './app-protocol';

/** The only permission granted, and only to app pages: sanitized clipboard writes (text). */
export const ALLOWED_PERMISSION = 'clipboard-sanitized-write';

/** True when a page at `origin` may use `permission`. Pure. */
export function isPermissionAllowed(permission: string, origin: string): boolean {
  return permission === ALLOWED_PERMISSION && isAppUrl(origin);
}

/** Applies the permission policy to `session` and refuses every download. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  session.on('will-download', (event) => event.preventDefault());
}
