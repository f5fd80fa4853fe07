import { Inject, Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import {
  sessionConfig,
  telegramConfig,
  type SessionConfig,
  type TelegramConfig,
} from '../config/app.config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { redisKey } from '../redis/redis-keys';
import { PostgresSessionStore } from './postgres-session.store';
import { RedisSessionStore } from './redis-session.store';
import { SessionSweepTask } from './session-sweep.task';
import type { BotSessionStore } from './session-value';

/** DI token of the Telegraf session store: Redis with REDIS_URL, else PostgreSQL. */
export const SESSION_STORE = Symbol('SESSION_STORE');
export const InjectSessionStore = () => Inject(SESSION_STORE);

/** Expired PostgreSQL sessions are deleted this often (or every TTL, when shorter). */
const SWEEP_EVERY_MS = 10 * 60_000;

/** Where Telegraf's sessions live (`ctx.session`, and through it scenes and wizards). */
@Module({
  providers: [
    SessionSweepTask,
    {
      provide: SESSION_STORE,
      inject: [sessionConfig.KEY, telegramConfig.KEY, REDIS_CLIENT, getDataSourceToken()],
      useFactory: (
        config: SessionConfig,
        telegram: TelegramConfig,
        redis: Redis | null,
        dataSource: DataSource,
      ): BotSessionStore =>
        redis
          ? new RedisSessionStore(
              redis,
              (key) => redisKey(telegram.botId, 'session', key),
              config.ttlSec,
            )
          : new PostgresSessionStore(
              (sql, params) => dataSource.query(sql, params),
              config.ttlSec * 1000,
            ),
    },
  ],
  exports: [SESSION_STORE],
})
export class SessionsModule implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(SESSION_STORE) private readonly store: BotSessionStore,
    @Inject(sessionConfig.KEY) private readonly config: SessionConfig,
    private readonly sweeps: SessionSweepTask,
  ) {}

  /** Before any update: the PostgreSQL store answers from what it loaded. */
  async onModuleInit(): Promise<void> {
    if (!(this.store instanceof PostgresSessionStore)) return;
    const store = this.store;
    await store.load();
    this.sweeps.start(Math.min(SWEEP_EVERY_MS, this.config.ttlSec * 1000), () => store.sweep());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeps.stop();
  }
}
