/** Delivery of enrolment tokens by e-mail, over the SMTP server the registry settings name. */
import type { RegistrySettingsT } from './settings';

/** What a token e-mail says. */
export interface TokenMail {
  /** Recipient. */
  to: string;
  /** The token. */
  token: string;
  /** When it stops working, ISO 8601. */
  expiresAt: string;
  /** CA fingerprint the node pins. */
  caFingerprint: string;
  /** The network prefix, to say which network this is. */
  networkPrefix: string;
}

/** The plain-text body of a token e-mail, with the exact command to run. */
export function tokenMailText(mail: TokenMail, publicUrl: string): string {
  const registry = publicUrl || 'URL-OF-THE-REGISTRY';
  return [
    `You are invited to join the vifibnet network ${mail.networkPrefix}.`,
    '',
    'Enrol your machine with:',
    '',
    `  vifibnet node enroll --registry ${registry} --token ${mail.token} --ca-fingerprint ${mail.caFingerprint}`,
    '',
    `The token works once and expires at ${mail.expiresAt}.`,
    '',
  ].join('\n');
}

/** Sends a token e-mail; rejects when the SMTP server does not accept it. Loads nodemailer only when mailing. */
export async function sendTokenMail(settings: RegistrySettingsT, mail: TokenMail): Promise<void> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({
      from: settings.mailFrom || undefined,
      to: mail.to,
      subject: `Your vifibnet enrolment token for ${mail.networkPrefix}`,
      text: tokenMailText(mail, settings.publicUrl),
    });
  } finally {
    transport.close();
  }
}
