import { Composer, type Context, type Middleware, type MiddlewareFn } from 'telegraf';

type Maybe<T> = T | Promise<T>;
type Lazy = (factory: (ctx: Context) => Maybe<Middleware<Context>>) => MiddlewareFn<Context>;
type Branch = (
  predicate: boolean | ((ctx: Context) => Maybe<boolean>),
  onTrue: Middleware<Context>,
  onFalse: Middleware<Context>,
) => MiddlewareFn<Context>;

let installed = false;

/**
 * Makes Telegraf's filters decide synchronously when they can. Every filter (`command`, `action`,
 * `on`, `hears`…) is a `Composer.branch`, built on `Composer.lazy`, and both wrap the answer in
 * `Promise.resolve(…).then(…)` even though Telegraf's own predicates answer synchronously: four
 * promises and as many microtask turns per filter, so ~40 per plain text message passing the
 * bot's ten handlers, most of the promises the service created per update in the burst bench.
 * These versions call the predicate and the chosen middleware directly, and take the promise
 * path only for an asynchronous predicate or factory, so what runs, and in which order, is the
 * same. Installed once, before nestjs-telegraf registers the handlers (filters capture `lazy` and
 * `branch` when they are built); see MiddlewareChain.
 */
export function installSyncFilters(): void {
  if (installed) return;
  installed = true;
  const lazy: Lazy = (factory) => (ctx, next) => {
    const middleware = factory(ctx);
    return isPromise(middleware)
      ? middleware.then((m) => Composer.unwrap(m)(ctx, next))
      : Composer.unwrap(middleware)(ctx, next);
  };
  const branch: Branch = (predicate, onTrue, onFalse) => {
    if (typeof predicate !== 'function') return Composer.unwrap(predicate ? onTrue : onFalse);
    return lazy((ctx) => {
      const decision = predicate(ctx);
      return isPromise(decision)
        ? decision.then((value) => (value ? onTrue : onFalse))
        : decision
          ? onTrue
          : onFalse;
    });
  };
  Object.assign(Composer, { lazy, branch });
}

function isPromise<T>(value: Maybe<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}
