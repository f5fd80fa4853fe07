import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Broadcast campaigns (see src/broadcasts and docs/broadcasts.md), and when a user blocked the bot
 * (null: not blocked), which campaigns skip. At most one campaign is active (running or paused):
 * the partial unique index enforces it across replicas. A campaign is keyed by the admin's command
 * message, so a /broadcast update handled again after a crash finds its campaign instead of
 * starting a second one.
 */
export class BroadcastCampaigns1765410000000 implements MigrationInterface {
  name = 'BroadcastCampaigns1765410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "blocked_at" timestamptz`);
    await queryRunner.query(`
      CREATE TABLE "broadcast_campaigns" (
        "id" serial PRIMARY KEY,
        "text" text NOT NULL,
        "entities" jsonb,
        "audience" text NOT NULL,
        "source_chat_id" bigint NOT NULL,
        "source_message_id" bigint NOT NULL,
        "status_chat_id" bigint NOT NULL,
        "status_message_id" bigint,
        "language" text NOT NULL,
        "total" integer NOT NULL,
        "cursor_user_id" bigint NOT NULL DEFAULT 0,
        "in_flight" bigint[],
        "sent" integer NOT NULL DEFAULT 0,
        "failed" integer NOT NULL DEFAULT 0,
        "blocked" integer NOT NULL DEFAULT 0,
        "in_doubt" integer NOT NULL DEFAULT 0,
        "state" text NOT NULL CHECK ("state" IN ('running', 'paused', 'cancelled', 'done')),
        "owner" text,
        "heartbeat_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_broadcast_campaigns_source" UNIQUE ("source_chat_id", "source_message_id")
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_broadcast_campaigns_active" ON "broadcast_campaigns" ((true)) WHERE "state" IN ('running', 'paused')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "broadcast_campaigns"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "blocked_at"`);
  }
}
