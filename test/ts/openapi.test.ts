/** The OpenAPI document is generated from the handlers' schemas (issue 15): its parameters are the schemas' keys. */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/api/openapi';
import { historyQuery, limitQuery } from '@/lib/api/schemas';

describe('openapi', () => {
  it('publishes every route with the parameters its schema parses', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    const names = (path: keyof typeof doc.paths) => (doc.paths[path] as { get: { parameters?: { name: string }[] } }).get.parameters?.map((p) => p.name) ?? [];
    expect(names('/api/history').sort()).toEqual(Object.keys(historyQuery.shape ?? (historyQuery as unknown as { _def: { schema: { shape: object } } })._def.schema.shape).sort());
    expect(names('/api/liquidations').sort()).toEqual(Object.keys(limitQuery.shape).sort());
    expect(names('/api/stress')).toEqual(['scenario', 'price.{marketId}', 'vol', 'cashOut', 'hours']);
    expect(Object.keys(doc.paths)).toContain('/api/accounts/{address}/positions');
    const market = (doc.paths['/api/history'].get.parameters as { name: string; schema: { minimum?: number; maximum?: number } }[]).find((p) => p.name === 'market')!;
    expect([market.schema.minimum, market.schema.maximum]).toEqual([-1, 15]); // the bounds the handler enforces
  });
});
