import { describe, expect, it } from 'vitest';
import { viewCoversDelivery } from '../../../src/interfaces/roles/projections-role.js';

describe('whether the alarm view is fresh enough for an Alertmanager refresh', () => {
  it('is when the delivery has sent nothing yet', () => {
    expect(viewCoversDelivery(null, null)).toBe(true);
    expect(viewCoversDelivery('5-0', null)).toBe(true);
  });

  it('is when the view is at or past what the delivery sent, comparing positions as numbers', () => {
    expect(viewCoversDelivery('10-0', '10-0')).toBe(true);
    expect(viewCoversDelivery('10-0', '9-5')).toBe(true);
  });

  it('is not when the view is behind, or has handled nothing while the delivery has', () => {
    expect(viewCoversDelivery('9-9', '10-0')).toBe(false);
    expect(viewCoversDelivery(null, '1-0')).toBe(false);
  });
});
