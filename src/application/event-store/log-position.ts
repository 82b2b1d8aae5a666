/**
 * Category-log positions look like Redis stream ids, `<ms>-<seq>`, in every adapter. They compare as pairs of
 * integers, never as strings ('10-0' > '9-0').
 */
export const parsePosition = (position: string): readonly [number, number] => {
  const dash = position.indexOf('-');
  const ms = Number(dash < 0 ? position : position.slice(0, dash));
  const seq = dash < 0 ? 0 : Number(position.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || ms < 0 || seq < 0) {
    throw new Error(`not a log position: ${JSON.stringify(position)}`);
  }
  return [ms, seq];
};

export const comparePositions = (a: string, b: string): number => {
  const [am, as] = parsePosition(a);
  const [bm, bs] = parsePosition(b);
  return am !== bm ? am - bm : as - bs;
};

/** Hands out increasing positions the way Redis does: wall-clock ms, a sequence within one ms, never backwards. */
export const positionGenerator = (now: () => number = Date.now): (() => string) => {
  let lastMs = 0;
  let seq = 0;
  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else {
      seq += 1;
    }
    return `${lastMs}-${seq}`;
  };
};
