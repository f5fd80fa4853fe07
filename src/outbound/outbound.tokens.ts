/** DI token of the shared budget's Redis scripts; `null` without REDIS_URL. */
export const SHARED_BUDGET_SCRIPTS = Symbol('SHARED_BUDGET_SCRIPTS');
