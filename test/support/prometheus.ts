import { dirname } from 'node:path';

/** Where the running Prometheus loads rule files from, read from its own configuration (`rule_files`). */
export async function prometheusRulesDir(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/status/config`);
  const body = (await res.json()) as { data: { yaml: string } };
  const glob = /rule_files:\n- (.+)\n/.exec(body.data.yaml)?.[1];
  if (!glob) throw new Error(`Prometheus at ${url} loads no rule files; start it with deploy/local/services.sh up prometheus`);
  return dirname(glob);
}
