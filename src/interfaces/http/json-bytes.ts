import type { Response } from 'express';

/**
 * App setting: responses are checked against the contract (tests, `api.validateResponses`). The validator sees
 * only what goes through `res.json`, so JSON bytes are then parsed and sent that way: the same bytes (JSON.stringify
 * of what JSON.stringify wrote) and every list page still checked.
 */
export const RESPONSES_CHECKED = 'aiops responses checked';

const COMMA = Buffer.from(',');

/** `{"<name>":[item,item,…],<rest>}` from items that are JSON already (UTF-8), in one copy. `rest` is JSON members. */
export const jsonArrayPage = (name: string, items: readonly Uint8Array[], rest: string): Buffer => {
  const parts: Uint8Array[] = [Buffer.from(`{${JSON.stringify(name)}:[`)];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(items[i]!);
  }
  parts.push(Buffer.from(`],${rest}}`));
  return Buffer.concat(parts);
};

/** Sends JSON that is already bytes (a page joined from the read model's stored JSON; no parse and re-serialise). */
export const sendJsonBytes = (res: Response, json: Buffer): void => {
  if (res.app.get(RESPONSES_CHECKED) === true) res.json(JSON.parse(json.toString('utf8')));
  else res.setHeader('Content-Type', 'application/json; charset=utf-8').send(json);
};
