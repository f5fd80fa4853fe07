import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder in front of the fake Bot API that can make one method fail for as long as a
 * test wants (the fake itself fails a given number of calls only). Calls of `failing` methods are
 * answered 500 and counted in `failures`; everything else goes through unchanged.
 */
export class BotApiGate {
  readonly failing = new Set<string>();
  readonly failures = new Map<string, number>();
  private server: Server | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const method = /\/bot[^/]+\/(\w+)/.exec(req.url ?? '')?.[1] ?? '';
        if (this.failing.has(method)) {
          this.failures.set(method, (this.failures.get(method) ?? 0) + 1);
          this.waiters.forEach((wake) => wake());
          const body = '{"ok":false,"error_code":500,"description":"Internal Server Error"}';
          return res.writeHead(500, { 'content-type': 'application/json' }).end(body);
        }
        fetch(`${this.target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        }).then(
          async (answer) => {
            const body = Buffer.from(await answer.arrayBuffer());
            res.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
          },
          () => res.destroy(),
        );
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiRoot;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Resolves once `method` has been failed `count` times in all. */
  async failed(method: string, count: number): Promise<void> {
    while ((this.failures.get(method) ?? 0) < count) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
