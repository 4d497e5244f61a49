/** Form validation and error decoding: the logic behind every inline message and toast. */
import { describe, expect, it } from 'vitest';
import { encodeErrorResult, BaseError, ContractFunctionRevertedError } from 'viem';
import { counterpoolErrorsAbi } from '@/lib/contracts';
import { describeRevert, explainError } from '@/lib/errors';
import { checkAmount } from '@/lib/validation';

describe('checkAmount', () => {
  it.each([
    ['', 'Enter an amount'],
    ['abc', 'Enter a number'],
    ['1e5', 'Enter a number'],
    ['-3', 'cannot be negative'],
    ['0', 'greater than zero'],
    ['0.0000001', 'At most 6 decimal places'],
    ['1000000000000000', 'unrealistically large'],
    ['150', 'above your balance'],
  ])('%s -> %s', (input, message) => {
    expect(checkAmount(input, { max: 100_000_000n }).error).toContain(message);
  });

  it('parses valid amounts exactly', () => {
    expect(checkAmount('12.345678').value).toBe(12_345_678n);
    expect(checkAmount(' 7 ').value).toBe(7_000_000n);
  });
});

describe('revert decoding', () => {
  it('explains LeverageTooHigh with both numbers', () => {
    expect(describeRevert('LeverageTooHigh', [40n * 10n ** 18n, 25n * 10n ** 18n])).toBe('Leverage 40.0x is above the current maximum 25.0x');
  });

  it('decodes a raw custom error from any contract through the merged error ABI', () => {
    const data = encodeErrorResult({ abi: counterpoolErrorsAbi, errorName: 'InsufficientLiquidity', args: [2_000_000_000_000n, 1_800_000_000_000n] });
    const err = new BaseError('reverted', { cause: new ContractFunctionRevertedError({ abi: counterpoolErrorsAbi, data, functionName: 'increasePosition' }) });
    expect(explainError(err)).toBe('The pool cannot back this: reserved payouts $2,000,000 would exceed the $1,800,000 it may reserve');
  });

  it('every contract error has a plain-words message', () => {
    const generic = counterpoolErrorsAbi
      .map((e) => e.name)
      .filter((name) => !/^(ERC20Invalid|ERC20Insufficient|ERC4626Exceeded|AccessControl|Ownable|SafeCast|SafeERC20|ReentrancyGuard|ExpectedPause|LnOfZero|InvalidOracleConfig|MathOverflowedMulDiv|FailedCall|InsufficientBalance|AddressEmptyCode|ERC20Exceeded|ERC4626Exceeded|TooManyMarkets|VaultMismatch|NotVault|CooldownTooLong|ERC2612|InvalidAccountNonce|ECDSA)/.test(name))
      .filter((name) => describeRevert(name, [0n, 0n, 0n, 0n]).startsWith('Transaction reverted'));
    expect(generic).toEqual([]);
  });
});
