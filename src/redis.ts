// The `@rxws/rxws/redis` entry: a bus over Redis pub/sub. Only this entry needs the optional peer
// dependency `redis` (node-redis); the core entry never loads it.
export { redisBus, DEFAULT_REDIS_BUS_OPTIONS } from './bus/redis-bus';
export type { RedisBusOptions, RedisClientLike } from './bus/redis-bus';
export type { Bus, BusListener } from './bus/bus';
export { BusPublishError, BusConnectionError, BusMessageError, CountTimeoutError } from './bus/bus-errors';
