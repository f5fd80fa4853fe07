/** A user's profile as cached and shown by /me; JSON-safe (times in epoch ms) so it can live in Redis. */
export interface UserProfile {
  id: number;
  username: string | null;
  firstName: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  messageCount: number;
}

export const profileKey = (userId: number) => `user:${userId}`;
