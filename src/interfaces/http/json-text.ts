import type { Response } from 'express';

/**
 * App setting: responses are checked against the contract (tests, `api.validateResponses`). The validator sees
 * only what goes through `res.json`, so JSON text is then parsed and sent that way: the same bytes (JSON.stringify
 * of what JSON.stringify wrote) and every list page still checked.
 */
export const RESPONSES_CHECKED = 'aiops responses checked';

/** Sends JSON that is already text (a page joined from the read model's stored JSON; no parse and re-serialise). */
export const sendJsonText = (res: Response, text: string): void => {
  if (res.app.get(RESPONSES_CHECKED) === true) res.json(JSON.parse(text));
  else res.type('application/json').send(text);
};
