#!/usr/bin/env node
/**
 * Where a transaction's gas goes: runs bench/gas-tx.bench.ts on a fresh local deployment, then traces the chosen
 * figures' transactions (debug_traceTransaction, struct logs) and prints, per figure, the gas spent in each contract
 * frame (own opcodes, calls excluded) and every storage access with its cost.
 *   node bench/profile.mjs [open,close,...] [bench file]   (default: every figure of bench/gas-tx.bench.ts)
 * A developer's tool: the report's tables come from bench/run.mjs.
 */
import { spawnSync } from 'node:child_process';
import { deployContracts, root, rpc, startAnvil, stopProcess } from '../script/lib/stack.mjs';

const PORT = Number(process.env.PROFILE_ANVIL_PORT ?? 8576);
const only = process.argv[2] && process.argv[2] !== 'all' ? process.argv[2].split(',') : undefined;
const benchFile = process.argv[3] ?? 'bench/gas-tx.bench.ts';

const anvil = await startAnvil({ port: PORT, extraArgs: ['--steps-tracing'] });
try {
  const deployment = deployContracts({ rpcUrl: anvil.url });
  const names = new Map();
  for (const [k, v] of Object.entries(deployment)) {
    if (typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)) names.set(v.toLowerCase(), k);
    if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v)) {
        if (typeof v2 === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v2)) names.set(v2.toLowerCase(), `${k}.${k2}`);
      }
    }
  }
  const res = spawnSync('npx', ['tsx', benchFile], {
    cwd: root,
    env: { ...process.env, BENCH_RPC_URL: anvil.url, BENCH_HASHES: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`bench failed:\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
  const result = JSON.parse(line);
  for (const [figure, hash] of Object.entries(result.hashes)) {
    if (!hash || (only && !only.includes(figure))) continue;
    const receipt = await rpc(anvil.url, 'eth_getTransactionReceipt', [hash]);
    const tx = await rpc(anvil.url, 'eth_getTransactionByHash', [hash]);
    const trace = await rpc(anvil.url, 'debug_traceTransaction', [hash, { enableMemory: false, disableStack: false, disableStorage: true }]);
    report(figure, receipt, tx, trace, names);
  }
} finally {
  await stopProcess(anvil.child);
}

function report(figure, receipt, tx, trace, names) {
  const logs = trace.structLogs;
  const frames = [{ addr: tx.to.toLowerCase(), self: 0 }];
  const byContract = new Map();
  const accesses = [];
  const add = (addr, g) => byContract.set(addr, (byContract.get(addr) ?? 0) + g);
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const next = logs[i + 1];
    const frame = frames[l.depth - 1] ?? frames[frames.length - 1];
    let cost = l.gasCost;
    if (['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE', 'CREATE', 'CREATE2'].includes(l.op) && next && next.depth > l.depth) {
      // The call's own cost: gas before the call minus gas the callee started with.
      cost = l.gas - next.gas;
      const stack = l.stack;
      const target = '0x' + BigInt(stack[stack.length - 2]).toString(16).padStart(40, '0');
      frames[l.depth] = { addr: l.op === 'DELEGATECALL' ? `${target} (delegate from ${frame.addr})` : target };
      accesses.push(`${'  '.repeat(l.depth - 1)}${l.op} ${label(target, names)} ${cost}`);
    }
    if (l.op === 'SSTORE' || l.op === 'SLOAD') {
      const slot = BigInt(l.stack[l.stack.length - 1]).toString(16);
      accesses.push(`${'  '.repeat(l.depth - 1)}${l.op} ${label(frame.addr, names)} 0x${slot.slice(0, 10)}${slot.length > 10 ? '…' : ''} ${cost}`);
    }
    if (l.op.startsWith('LOG')) accesses.push(`${'  '.repeat(l.depth - 1)}${l.op} ${label(frame.addr, names)} ${cost}`);
    add(frame.addr, cost);
  }
  const intrinsic = Number(receipt.gasUsed) - (trace.gas ?? 0);
  console.log(`\n## ${figure}: gasUsed ${Number(receipt.gasUsed)} (execution ${trace.gas}, base + calldata + refund ${intrinsic})`);
  for (const [a, g] of [...byContract].sort((x, y) => y[1] - x[1])) console.log(`  ${label(a, names).padEnd(60)} ${g}`);
  const ops = new Map();
  for (const l of logs) if (['SSTORE', 'SLOAD'].includes(l.op) || l.op.startsWith('LOG') || l.op === 'KECCAK256' || l.op === 'EXTCODECOPY') ops.set(l.op, [(ops.get(l.op)?.[0] ?? 0) + 1, (ops.get(l.op)?.[1] ?? 0) + l.gasCost]);
  console.log('  opcodes:', [...ops].map(([o, [n, g]]) => `${o} ×${n} = ${g}`).join(', '));
  if (process.env.PROFILE_ACCESSES) for (const a of accesses) console.log('   ', a);
}

function label(addr, names) {
  const base = addr.slice(0, 42);
  const n = names.get(base);
  return n ? `${n}${addr.slice(42)}` : addr;
}
