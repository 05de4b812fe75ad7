/**
 * The window's one offer to start the privileged helper (`helper.start`). The first ask starts
 * the launcher (helper-launcher.ts: a pkexec password prompt with a fixed command line) and is
 * answered at once, since a launch lasts as long as the helper runs; every later ask is refused
 * with `helper_start_refused`, saying how the first attempt went and how to start the helper by
 * hand. So a page can raise the password prompt once per run of the app, never again and again.
 * The tray's own Start command stays separate: it is the user's hand on the desktop, not a page.
 */
import { ApiError, HELPER_START_COMMAND } from '../ipc';
import type { HelperStarter } from './engine-host';
import { errorText } from './error-text';
import type { HelperLaunchOutcome } from './helper-launcher';

/** What became of the one attempt: under way, or how the launch ended. */
export type HelperStartAttempt = { readonly kind: 'started' } | HelperLaunchOutcome;

/** Options of {@link HelperStartOffer}. */
export interface HelperStartOfferOptions {
  /** Starts the launcher (the shell's start, which also updates the tray and logs the outcome). */
  launch: () => Promise<HelperLaunchOutcome>;
  /** True while a launch started elsewhere (the tray) is under way. */
  launching: () => boolean;
}

/** How an attempt went, in words that follow "The app already tried to start the helper: ". */
export function attemptText(attempt: HelperStartAttempt): string {
  switch (attempt.kind) {
    case 'started':
      return 'it is running, or the password prompt is still open';
    case 'declined':
      return 'the password prompt was dismissed';
    case 'no-agent':
      return 'this desktop session has no password prompt (polkit agent)';
    case 'busy':
      return 'another start was under way';
    case 'exited':
      return attempt.error === null ? 'the helper ran and has exited' : `it failed: ${attempt.error}`;
  }
}

/** The once-only `helper.start` of the desktop app; see the module description. */
export class HelperStartOffer implements HelperStarter {
  private attempt: HelperStartAttempt | null = null;

  /** Creates the offer; nothing runs until {@link HelperStartOffer.start}. */
  constructor(private readonly options: HelperStartOfferOptions) {}

  /** True until the first attempt, and not while the tray's launch is under way. */
  get canStart(): boolean {
    return this.attempt === null && !this.options.launching();
  }

  /** Starts the launcher the first time; refuses every later call (see the module description). */
  start(): Promise<void> {
    if (this.attempt !== null) {
      return Promise.reject(
        new ApiError(
          'helper_start_refused',
          `The app already tried to start the helper: ${attemptText(this.attempt)}. ` +
            `Start it in a terminal with: ${HELPER_START_COMMAND}`,
        ),
      );
    }
    if (this.options.launching())
      return Promise.reject(new ApiError('busy', 'a start of the helper from the tray is under way'));
    this.attempt = { kind: 'started' };
    this.options.launch().then(
      (outcome) => {
        this.attempt = outcome;
      },
      (err: unknown) => {
        this.attempt = { kind: 'exited', error: errorText(err) };
      },
    );
    return Promise.resolve();
  }
}
