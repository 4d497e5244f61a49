/**
 * Gas limit for a transaction estimated now and mined later. The first action on a market in a new second also
 * writes the borrow and funding accruals and emits `Accrued` (about 10–15k gas) that an estimate taken within the
 * previous second does not see, and an out-of-gas revert would still cost the sender. Unused gas is not charged.
 */
export function gasWithHeadroom(estimate: bigint): bigint {
  return estimate + estimate / 5n + 20_000n;
}
