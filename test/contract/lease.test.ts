import { InMemoryLease } from '../../src/application/projections/in-memory-lease.js';
import { RedisLease } from '../../src/infrastructure/redis/redis-lease.js';
import { useRedisPrefixes } from '../support/redis-test.js';
import { leaseContract } from './lease.contract.js';

const redisKeys = useRedisPrefixes('lease');
leaseContract('InMemoryLease', () => new InMemoryLease());
leaseContract('RedisLease', () => new RedisLease(redisKeys.redis, { keyPrefix: redisKeys.newPrefix() }));
