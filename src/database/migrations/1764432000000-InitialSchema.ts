import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764432000000 implements MigrationInterface {
  name = 'InitialSchema1764432000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" bigint PRIMARY KEY,
        "username" text,
        "first_name" text,
        "last_name" text,
        "language_code" text,
        "first_seen_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "message_count" integer NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE TABLE "messages" (
        "id" bigserial PRIMARY KEY,
        "update_id" bigint NOT NULL,
        "chat_id" bigint NOT NULL,
        "user_id" bigint,
        "message_id" bigint NOT NULL,
        "text" text,
        "created_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_messages_update_id" ON "messages" ("update_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_messages_user_created" ON "messages" ("user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_messages_chat_created" ON "messages" ("chat_id", "created_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "dead_letters" (
        "id" bigserial PRIMARY KEY,
        "kind" text NOT NULL,
        "payload" jsonb NOT NULL,
        "reason" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dead_letters"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
