import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** The stock bot's users, in its own schema so nothing collides with the service's tables. */
@Entity({ schema: 'stock', name: 'users' })
export class StockUser {
  @PrimaryColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text', nullable: true })
  username: string | null;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

@Entity({ schema: 'stock', name: 'messages' })
export class StockMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'update_id', type: 'bigint' })
  updateId: number;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: number;

  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

export const STOCK_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS stock;
CREATE TABLE IF NOT EXISTS stock.users (
  id bigint PRIMARY KEY, username text, first_name text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS stock.messages (
  id bigserial PRIMARY KEY, update_id bigint NOT NULL, user_id bigint NOT NULL, text text,
  created_at timestamptz NOT NULL DEFAULT now());
`;
