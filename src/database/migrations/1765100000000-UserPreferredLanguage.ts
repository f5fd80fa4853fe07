import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The language a user picked in the bot (null: follow Telegram's language_code). The partial index
 * holds only the users who picked one, which is what the service reloads every minute.
 */
export class UserPreferredLanguage1765100000000 implements MigrationInterface {
  name = 'UserPreferredLanguage1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "preferred_language" text`);
    await queryRunner.query(
      `CREATE INDEX "IDX_users_preferred_language" ON "users" ("id", "preferred_language") WHERE "preferred_language" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_users_preferred_language"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "preferred_language"`);
  }
}
