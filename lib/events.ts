/**
 * Typed access to indexed event fields in SQL. The indexer stores each event's decoded arguments as JSON (`args`);
 * queries name an event and a field of its `result` struct through these helpers, whose types come from the generated
 * ABIs: renaming an event or a field fails the type check instead of silently summing nulls.
 */
import type { ContractEventArgsFromTopics, ContractEventName, GetEventArgs } from 'viem';
import type { indexedEventsAbi } from './contracts';

type IndexedAbi = typeof indexedEventsAbi;
export type IndexedEvent = ContractEventName<IndexedAbi>;
type ResultOf<E extends IndexedEvent> = ContractEventArgsFromTopics<IndexedAbi, E> extends { result: infer R } ? R : never;
/** Fields of event `E`'s `result` struct (none for events without one). */
export type ResultField<E extends IndexedEvent> = [ResultOf<E>] extends [never] ? never : keyof ResultOf<E> & string;

/** SQL: the event's name as a literal, e.g. `'PositionLiquidated'`. */
export const ev = (...names: IndexedEvent[]) => names.map((n) => `'${n}'`).join(',');

/** SQL: a numeric field of the event's `result` struct, e.g. `(args->'result'->>'badDebtUsd')::numeric`. */
export const resultNum = <E extends IndexedEvent>(_event: E, field: ResultField<E>) => `(args->'result'->>'${field}')::numeric`;

/** Top-level arguments of event `E`, e.g. `assets` of the vault's `Deposit`. */
export type ArgField<E extends IndexedEvent> = keyof GetEventArgs<IndexedAbi, E, { EnableUnion: false; IndexedOnly: false; Required: true }> & string;

/** SQL: a numeric top-level argument of the event, e.g. `(args->>'assets')::numeric`. */
export const argNum = <E extends IndexedEvent>(_event: E, field: ArgField<E>) => `(args->>'${field}')::numeric`;

/** A value as the indexer stores it in JSON: bigints as decimal strings, everything else as decoded. */
type Stored<T> = T extends bigint ? string : T extends readonly (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

/** The stored arguments of event `E`, typed from the generated ABI. */
export type StoredArgs<E extends IndexedEvent> = Stored<GetEventArgs<IndexedAbi, E, { EnableUnion: false; IndexedOnly: false; Required: true }>>;

/**
 * An indexed row's `args` read as event `E`'s arguments (a driver may hand JSON back as text or parsed). The caller has
 * already selected or checked the row's event name; the type names every field, so reading one the event lacks (or
 * one since renamed) fails the type check instead of yielding `undefined`.
 */
export function storedArgs<E extends IndexedEvent>(_event: E, args: unknown): StoredArgs<E> {
  return (typeof args === 'string' ? JSON.parse(args) : args) as StoredArgs<E>;
}

/** SQL: a top-level argument of the event as text, e.g. `args->>'boardId'`. */
export const argText = <E extends IndexedEvent>(_event: E, field: ArgField<E>) => `args->>'${field}'`;
