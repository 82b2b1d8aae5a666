import type { NacosConnectionOptions } from './nacos-client.js';

/**
 * One cheap read of the allowlist config straight from the Nacos HTTP v1 API, for readiness: the client library
 * falls back to its local cache when the server is down, which would hide an outage. 200 and 404 (config missing)
 * both mean Nacos answers. Credentials travel as parameters, as the client sends them; the error never names the URL.
 */
export async function probeNacos(
  opts: Pick<NacosConnectionOptions, 'serverAddr' | 'namespace' | 'group' | 'dataId' | 'username' | 'password'>,
  timeoutMs: number,
): Promise<{ server: string; config: 'present' | 'missing'; ms: number }> {
  const server = opts.serverAddr.split(',')[0]!.trim();
  const query = new URLSearchParams({ dataId: opts.dataId, group: opts.group, tenant: opts.namespace ?? '' });
  if (opts.username) query.set('username', opts.username);
  if (opts.password) query.set('password', opts.password);
  const t0 = Date.now();
  let status: number;
  try {
    const res = await fetch(`http://${server}/nacos/v1/cs/configs?${query.toString()}`, { signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    await res.arrayBuffer();
  } catch (err) {
    throw new Error(`Nacos ${server} unreachable: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`, { cause: err });
  }
  if (status !== 200 && status !== 404) throw new Error(`Nacos ${server} answered HTTP ${status}`);
  return { server, config: status === 200 ? 'present' : 'missing', ms: Date.now() - t0 };
}
