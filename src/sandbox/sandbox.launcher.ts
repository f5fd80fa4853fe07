import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../bootstrap';
import { resetConfigCache } from '../config/app.config';
import {
  appEnvironment,
  SANDBOX_CAST,
  sandboxDataDir,
  sandboxSettings,
  sandboxToken,
} from './sandbox.config';
import { SandboxServer } from './sandbox.server';

export interface RunningSandbox {
  /** The page's address; the emulator's Bot API and the JSON API share its origin. */
  url: string;
  server: SandboxServer;
  app: INestApplication;
  /** Stops the app (drain, flush, confirm the offset), then the emulator. */
  close(): Promise<void>;
}

/**
 * Starts the emulator, then the real service (the same AppModule and bootstrap) in this process,
 * pointed at it. The process's environment becomes the app's (see appEnvironment): the sandbox
 * owns the process it runs in.
 */
export async function startSandbox(env: NodeJS.ProcessEnv = process.env): Promise<RunningSandbox> {
  const settings = sandboxSettings(env);
  const server = new SandboxServer(
    {
      token: sandboxToken(),
      bot: { first_name: 'Sandbox Bot', username: 'sandbox_bot' },
      // Beside the service's database and journal, which store these ids.
      idsFile: join(sandboxDataDir(env), 'sandbox-ids.json'),
    },
    SANDBOX_CAST,
  );
  try {
    await server.start(settings.SANDBOX_PORT, settings.SANDBOX_HOST);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(
        `port ${settings.SANDBOX_PORT} is in use: set SANDBOX_PORT to another port (0 picks a free one)`,
      );
    throw error;
  }
  let app: INestApplication;
  try {
    const appEnv = appEnvironment(env, server);
    for (const key of Object.keys(process.env)) if (!(key in appEnv)) delete process.env[key];
    Object.assign(process.env, appEnv);
    resetConfigCache();
    app = await createApp();
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await server.stop();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  server.appUrl = `http://127.0.0.1:${port}`;
  return {
    url: server.apiRoot,
    server,
    app,
    close: async () => {
      try {
        await app.close();
      } finally {
        await server.stop();
      }
    },
  };
}
