import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { httpConfig, type HttpConfig } from '../config/app.config';

/** The operator endpoints: health probes and the four detail endpoints. */
const OPS_PATHS = ['/health', '/performance', '/bot-optimization', '/db-status', '/metrics'];

export function isOpsPath(path: string): boolean {
  return OPS_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * With OPS_PORT, a second listener for the operator endpoints (like Spring Boot's management
 * port): the public PORT then carries only the webhook, the ops port only the operator endpoints,
 * and probes and Prometheus reach the pod directly. Both listeners serve the one Express app; the
 * `route` middleware tells them apart by the socket a request came on. Without OPS_PORT it does
 * nothing and everything stays on PORT.
 */
@Injectable()
export class OpsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpsListener.name);
  private readonly opsSockets = new WeakSet<Socket>();
  private server: Server | undefined;

  constructor(
    @Inject(httpConfig.KEY) private readonly config: HttpConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The ops listener's port once listening; null without OPS_PORT. */
  get port(): number | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.opsPort === undefined) return;
    const server = createServer(this.adapterHost.httpAdapter.getInstance());
    server.on('connection', (socket: Socket) => this.opsSockets.add(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.opsPort, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`Operator endpoints on ${this.config.host}:${this.port} (OPS_PORT)`);
  }

  /** Express middleware: each path answers only on the listener that serves it, else 404. */
  readonly route = (req: Request, res: Response, next: NextFunction): void => {
    if (this.config.opsPort === undefined) return next();
    if (this.opsSockets.has(req.socket) === isOpsPath(req.path)) return next();
    res.status(404).json({ statusCode: 404, message: 'Not Found' });
  };

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
