/**
 * The answer to `helper.start` wherever no desktop app lends the engine its launcher: a headless
 * node (`vifibnet node run --ui`) and every page its web UI serves. Privilege escalation is never
 * triggered from a web page; the user starts the helper in a terminal instead.
 */
import { ApiError, HELPER_START_COMMAND } from '../../ipc';

/** Refuses `helper.start` with `helper_start_refused` and the command to run by hand. */
export function refuseHelperStart(): Promise<never> {
  return Promise.reject(
    new ApiError(
      'helper_start_refused',
      'The web UI never starts the privileged helper (a web page must not ask for root). ' +
        `Start it in a terminal with: ${HELPER_START_COMMAND}`,
    ),
  );
}
