import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The name a user set in /settings (null: their Telegram first name), loaded at boot with the
 * language choices, so the partial index now covers users who set either.
 */
export class UserDisplayName1765300000000 implements MigrationInterface {
  name = 'UserDisplayName1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "display_name" text`);
    await queryRunner.query(
      `CREATE INDEX "IDX_users_display_name" ON "users" ("id") WHERE "display_name" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_users_display_name"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "display_name"`);
  }
}
