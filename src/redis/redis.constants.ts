/** The shared command connection. A Symbol because ioredis' class is no useful DI token of its own. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Every key this service writes starts with this, so that one Redis can serve other tenants. */
export const KEY_PREFIX = 'orchestrator';
