import { scrubSecrets } from '../logging/secrets';
import { startSandbox } from './sandbox.launcher';

/**
 * `npm run sandbox`: the service and a Bot API emulator in one process, and a chat page. Prints
 * one line with the page's address; Ctrl+C stops the service cleanly (drain, flush) and exits.
 */
async function main(): Promise<void> {
  const sandbox = await startSandbox();
  sandbox.server.on('failure', (error: Error) => {
    process.stderr.write(`${scrubSecrets(`Sandbox emulator failed a request: ${error.stack}`)}\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      sandbox.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(
            `${scrubSecrets(`Sandbox stop failed: ${(error as Error).message}`)}\n`,
          );
          process.exit(1);
        },
      );
    });
  }
  process.stdout.write(`Sandbox: ${sandbox.url}/\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${scrubSecrets(`Sandbox failed to start: ${reason}`)}\n`);
    process.exit(1);
  });
}
