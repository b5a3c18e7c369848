import type { FastifyInstance } from 'fastify';

/** The same answer body Chorus sends, so every server writes the same bytes back. */
export const ACCEPTED = { status: 'pending', message: 'Check your email: the signature counts once it is confirmed from the link we sent.' };

/** Listens on 127.0.0.1:$PORT and closes cleanly on SIGTERM or SIGINT. */
export async function listenFromEnv(app: FastifyInstance, onClose?: () => Promise<void> | void): Promise<void> {
  const port = Number(process.env.PORT ?? '0');
  await app.listen({ host: '127.0.0.1', port });
  const stop = () => {
    app
      .close()
      .then(() => onClose?.())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
