import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telegraf sessions when REDIS_URL is unset (see src/sessions): one row per session key, its value
 * as JSON, and when it expires. The index serves the periodic delete of expired rows.
 */
export class BotSessions1765200000000 implements MigrationInterface {
  name = 'BotSessions1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "bot_sessions" (
        "key" text PRIMARY KEY,
        "data" jsonb NOT NULL,
        "expires_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_bot_sessions_expires_at" ON "bot_sessions" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "bot_sessions"`);
  }
}
