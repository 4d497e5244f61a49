/**
 * The Foundry tools run through script/foundry.mjs (npm scripts) and stack.bin (npm test, npm start, the bench) exit
 * with the tool's own status. The npm wrapper in node_modules/.bin does not: a failing forge test, gas snapshot check
 * or fmt check exited 0 there, and CI could not see it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin } from '@/script/lib/stack.mjs';

describe('Foundry exit status', () => {
  it('script/foundry.mjs passes forge’s status on: 0 on success, non-zero on failure', () => {
    expect(spawnSync('node', ['script/foundry.mjs', 'forge', '--version'], { encoding: 'utf8' }).status).toBe(0);
    const bad = spawnSync('node', ['script/foundry.mjs', 'forge', 'snapshot', '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(spawnSync('node', ['script/foundry.mjs', 'make'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('runs when called through a symlinked checkout (it once exited 0 there without running anything)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-foundry-'));
    try {
      symlinkSync(process.cwd(), join(dir, 'repo'));
      const script = join(dir, 'repo', 'script', 'foundry.mjs');
      expect(spawnSync('node', [script, 'make']).status).toBe(2);
      expect(spawnSync('node', [script, 'forge', 'snapshot', '--no-such-flag']).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stack.bin runs the platform binary, whose status is the tool’s', () => {
    for (const tool of ['forge', 'anvil', 'cast']) expect(bin(tool)).not.toContain(join('node_modules', '.bin'));
    expect(spawnSync(bin('forge'), ['--no-such-flag']).status).not.toBe(0);
    expect(spawnSync(bin('cast'), ['--version']).status).toBe(0);
  });
});
