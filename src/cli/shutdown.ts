/** Runs `stop` once on SIGINT or SIGTERM, then exits; resolves only when the process is stopping. */
export function onShutdown(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handle = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      stop()
        .catch((error: unknown) => console.error(`Error while stopping after ${signal}:`, error instanceof Error ? error.message : error))
        .finally(() => {
          resolve();
          process.exit(0);
        });
    };
    process.once('SIGINT', handle);
    process.once('SIGTERM', handle);
  });
}
