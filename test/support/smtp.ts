import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Record<string, string>;
}

export interface SmtpPeer {
  readonly url: string;
  readonly port: number;
  readonly inbox: ReceivedMail[];
  /** Connections turned away so far (while refusing). */
  readonly refused: number;
  /** Connections taken so far. */
  readonly connections: number;
  /** Turns every new connection away with this reply code (e.g. 421), or takes mail again (undefined). */
  refuse(code: number | undefined): void;
  waitForMail(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives, parsed; on `port` when given (to come back where it was). */
export async function startSmtpServer(options: { port?: number; inbox?: ReceivedMail[] } = {}): Promise<SmtpPeer> {
  const inbox: ReceivedMail[] = options.inbox ?? [];
  let refusing: number | undefined;
  let refused = 0;
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      if (refusing === undefined) {
        connections += 1;
        return callback();
      }
      refused += 1;
      callback(Object.assign(new Error('Service not available, try again later'), { responseCode: refusing }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        PostalMime.parse(Buffer.concat(chunks))
          .then((email) => {
            inbox.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: email.subject ?? '',
              text: email.text ?? '',
              html: email.html ?? '',
              headers: Object.fromEntries(email.headers.map((h) => [h.key, h.value])),
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    inbox,
    get refused() {
      return refused;
    },
    get connections() {
      return connections;
    },
    refuse(code) {
      refusing = code;
    },
    async waitForMail(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (inbox.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mail(s), received ${inbox.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return inbox;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
