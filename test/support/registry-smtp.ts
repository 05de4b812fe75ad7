/** Test support: a local SMTP sink (smtp-server) on 127.0.0.1 that keeps every message. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One received message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A running sink. */
export interface SmtpSink {
  url: string;
  messages: ReceivedMail[];
  close(): Promise<void>;
}

/** Starts a sink; with `refuseRecipients`, every RCPT TO is rejected (a server that will not deliver). */
export async function startSmtpSink(options: { refuseRecipients?: boolean } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(options.refuseRecipients ? new Error(`mailbox ${address.address} unavailable`) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
