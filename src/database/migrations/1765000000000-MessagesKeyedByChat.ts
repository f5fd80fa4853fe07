import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages are unique by (chat_id, message_id), Telegram's own identity of a message, instead of
 * by update_id, which Telegram reuses after a week without updates.
 */
export class MessagesKeyedByChat1765000000000 implements MigrationInterface {
  name = 'MessagesKeyedByChat1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Two rows of one Telegram message are one message stored twice: keep the first.
    await queryRunner.query(`
      DELETE FROM "messages" a USING "messages" b
      WHERE a.chat_id = b.chat_id AND a.message_id = b.message_id AND a.id > b.id`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_messages_chat_message" ON "messages" ("chat_id", "message_id")`,
    );
    await queryRunner.query(`DROP INDEX "UQ_messages_update_id"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_messages_update_id" ON "messages" ("update_id")`,
    );
    await queryRunner.query(`DROP INDEX "UQ_messages_chat_message"`);
  }
}
