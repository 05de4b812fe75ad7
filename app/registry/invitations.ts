/**
 * Creating tokens for new nodes, optionally delivered by e-mail. A token whose mail the SMTP
 * server refused is revoked at once, so no undelivered secret stays usable.
 */
import { RegistryError } from './errors';
import { sendTokenMail } from './mailer';
import { formatPrefix } from './ipv6';
import type { Registry } from './registry';
import { readSettings } from './settings';
import { createTokens, revokeToken, type NewToken } from './tokens';

/** Options of {@link createInvitations}. */
export interface InvitationOptions {
  /** How many tokens (1 when mailing). */
  count: number;
  /** Lifetime of each token, in seconds. */
  ttlSeconds: number;
  /** Mail the token to this address. */
  email?: string;
}

/** Creates tokens; with `email`, mails the one token and revokes it if the mail is refused. */
export async function createInvitations(registry: Registry, options: InvitationOptions): Promise<NewToken[]> {
  const settings = readSettings(registry.db);
  const { email } = options;
  if (email !== undefined && !settings.smtpUrl) {
    throw new RegistryError(
      'smtp_not_configured',
      'no SMTP server is configured: run `vifibnet registry config set smtpUrl smtp://HOST:PORT` first',
    );
  }
  if (email !== undefined && options.count !== 1) {
    throw new RegistryError('invalid_request', 'a mailed invitation carries exactly one token');
  }
  const tokens = createTokens(registry, { ...options });
  if (email === undefined) return tokens;
  const [created] = tokens as [NewToken];
  try {
    await registry.log.step(
      'Mailing enrolment token',
      () =>
        sendTokenMail(settings, {
          to: email,
          token: created.token,
          expiresAt: created.expiresAt,
          caFingerprint: registry.caFingerprint,
          networkPrefix: formatPrefix(registry.network),
        }),
      { to: email, id: created.id },
    );
  } catch (err) {
    revokeToken(registry, created.id);
    const reason = err instanceof Error ? err.message : String(err);
    throw new RegistryError(
      'mail_failed',
      `the SMTP server did not take the mail (${reason}); token ${created.id} was revoked`,
    );
  }
  return tokens;
}
