import type { IncomingMessage, ServerResponse } from 'node:http';
import { BotApiEmulator, type EmulatorOptions } from './emulator/bot-api.emulator';
import type { TgUser } from './emulator/telegram.types';
import { servePage } from './page-assets';
import { SandboxApi } from './sandbox-api';
import { sendJson } from './emulator/wire';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface SandboxCast {
  /** The first user is the bot's admin. */
  users: Omit<TgUser, 'is_bot'>[];
  group: { id: number; title: string };
}

/** The emulator as the sandbox runs it: Telegram's rules, a cast of users and one group, the page. */
export class SandboxServer extends BotApiEmulator {
  private readonly api: SandboxApi;

  constructor(options: EmulatorOptions, cast: SandboxCast) {
    super(options);
    for (const user of cast.users) this.addUser(user);
    this.addGroup(
      cast.group.id,
      cast.group.title,
      cast.users.map((u) => u.id),
    );
    this.api = new SandboxApi(this, { adminId: cast.users[0].id, groupId: cast.group.id });
  }

  protected override async routeOther(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    if (!this.hostAllowed(req.headers.host)) {
      sendJson(res, 403, { error: 'open the sandbox as 127.0.0.1 or localhost' });
      return true;
    }
    if (await this.api.handle(req, res, url)) return true;
    return req.method === 'GET' && servePage(url.pathname, res);
  }

  /**
   * On a loopback address, only requests that name a loopback host: a web page whose own name
   * resolves to 127.0.0.1 (DNS rebinding) must not get to drive or read the sandbox.
   */
  private hostAllowed(host = ''): boolean {
    if (!LOOPBACK.has(new URL(this.apiRoot).hostname)) return true;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return LOOPBACK.has(name.toLowerCase());
  }
}
