import { describe, expect, it } from 'vitest';
import { toEventSelector, type AbiEvent } from 'viem';
import { indexedEventsAbi } from '@/lib/contracts';

/**
 * The indexer decodes every stored log with one ABI (the indexed contracts' events together), and viem takes the first
 * event whose id matches: two contracts declaring the same signature with other field names would have one decoded
 * under the other's names (a review found the order book's `Claimed` stored under the vault's field names). Each event
 * id the indexer stores must therefore have one definition: the same name, field names and indexed flags.
 */
describe('indexed events', () => {
  it('have one definition per event id across the indexed contracts', () => {
    const events: AbiEvent[] = (indexedEventsAbi as readonly { type: string }[]).filter((item): item is AbiEvent => item.type === 'event');
    expect(events.length).toBeGreaterThan(20);
    const byId = new Map<string, Set<string>>();
    for (const e of events) {
      const shape = JSON.stringify([e.name, e.inputs.map((i) => [i.name, i.type, 'indexed' in i ? i.indexed : false, 'components' in i ? i.components : null])]);
      const id = toEventSelector(e);
      byId.set(id, (byId.get(id) ?? new Set()).add(shape));
    }
    const clashes = [...byId].filter(([, shapes]) => shapes.size > 1).map(([id, shapes]) => `${id}: ${[...shapes].join(' | ')}`);
    expect(clashes).toEqual([]);
  });
});
