/**
 * Key names of the fleet-wide engine budget and the shared engine breaker, built in one place. Each group
 * shares one hash tag so that its Lua scripts, which touch several keys at once, also run on Redis Cluster.
 * `prefix` separates deployments (and tests) sharing one Redis; it ends with ':' by convention.
 */
export const engineBudgetKeys = (prefix: string): { readonly grants: string; readonly state: string } => ({
  grants: `${prefix}{engine-budget}:grants`,
  state: `${prefix}{engine-budget}:state`,
});

export const engineBreakerKeys = (
  prefix: string,
  name: string,
): { readonly open: string; readonly tripped: string; readonly probe: string } => ({
  open: `${prefix}{engine-breaker:${name}}:open`,
  tripped: `${prefix}{engine-breaker:${name}}:tripped`,
  probe: `${prefix}{engine-breaker:${name}}:probe`,
});
