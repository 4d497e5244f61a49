#!/usr/bin/env node
/**
 * Where a transaction's gas goes: runs bench/gas-tx.bench.ts on a fresh local deployment, then traces the chosen
 * figures' transactions (debug_traceTransaction, struct logs) and prints, per figure, the gas spent in each contract
 * frame (own opcodes, calls excluded) and every storage access with its cost.
 *   node bench/profile.mjs [open,close,...] [bench file]   (default: every figure of bench/gas-tx.bench.ts)
 * PROFILE_ACCESSES=1 lists every storage access, call and log (PROFILE_FULL_SLOTS=1 with whole slot numbers); PROFILE_SOURCE=1 attributes every opcode's gas to the
 * Solidity function it came from (forge's source maps in out/), the functions' own gas, calls excluded; PROFILE_GENERATED=1
 * (after `forge build --build-info --force`) names the compiler-generated Yul function too, under the Solidity function that
 * ran last before it (solc recompiles the build's input for the generated sources forge does not keep).
 * PROFILE_JSON=1 prints one JSON line instead: per figure, its gas by kind (bench/run.mjs's breakdown table).
 * A developer's tool: the report's tables come from bench/run.mjs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deployContracts, root, rpc, startAnvil, stopProcess } from '../script/lib/stack.mjs';

let artifacts;
const kinds = {};
const codeMaps = new Map();
const fileFunctions = new Map();
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
    if (!receipt || !tx) continue; // a figure measured on a snapshot that was reverted
    const trace = await rpc(anvil.url, 'debug_traceTransaction', [hash, { enableMemory: false, disableStack: false, disableStorage: true }]);
    if (process.env.PROFILE_JSON) {
      kinds[figure] = byKind(receipt, trace);
      continue;
    }
    report(figure, receipt, tx, trace, names);
    if (process.env.PROFILE_SOURCE) await sourceReport(anvil.url, tx, trace);
  }
  if (process.env.PROFILE_JSON) console.log(JSON.stringify({ profile: benchFile, kinds }));
} finally {
  await stopProcess(anvil.child);
}

/** A transaction's gas by kind: new storage slots (an SSTORE of a zero slot), other slot writes, cold and warm slot
 *  reads, account access (a call's own cost, mostly the 2,600 of a cold account; EXTCODE*), events, and the rest
 *  (compute); `fixed` is the receipt's gasUsed less all of that: the 21,000 base and calldata, less refunds. */
function byKind(receipt, trace) {
  const k = { gasUsed: Number(receipt.gasUsed), newSlots: 0, slotWrites: 0, coldReads: 0, warmReads: 0, accounts: 0, events: 0, compute: 0 };
  const logs = trace.structLogs;
  let executed = 0;
  // A call's own cost (access, memory, value) is the gas before it less the gas after it returns less what the callee
  // used; the gas it forwards, and the 1/64 it keeps back, are not spent by the call itself.
  const pending = [];
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const next = logs[i + 1];
    while (pending.length > 0 && pending[pending.length - 1].depth >= l.depth) {
      const p = pending.pop();
      const last = logs[i - 1];
      const calleeUsed = p.calleeStart - (last.gas - last.gasCost);
      const own = p.gasBefore - l.gas - calleeUsed;
      k.accounts += own;
      executed += own;
    }
    const calls = ['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE', 'CREATE', 'CREATE2'].includes(l.op);
    if (calls && next && next.depth > l.depth) {
      pending.push({ depth: l.depth, gasBefore: l.gas, calleeStart: next.gas });
      continue;
    }
    const cost = l.gasCost;
    executed += cost;
    if (l.op === 'SSTORE') k[cost >= 20_000 ? 'newSlots' : 'slotWrites'] += cost;
    else if (l.op === 'SLOAD') k[cost >= 2_100 ? 'coldReads' : 'warmReads'] += cost;
    else if (calls || l.op.startsWith('EXTCODE') || l.op === 'BALANCE') k.accounts += cost;
    else if (l.op.startsWith('LOG')) k.events += cost;
    else k.compute += cost;
  }
  k.fixed = k.gasUsed - executed;
  return k;
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
      const shown = process.env.PROFILE_FULL_SLOTS || slot.length <= 10 ? slot : `${slot.slice(0, 10)}…`;
      accesses.push(`${'  '.repeat(l.depth - 1)}${l.op} ${label(frame.addr, names)} 0x${shown} ${cost}`);
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

// ------------------------------------------------------------------ per-function attribution (PROFILE_SOURCE=1)


/** Every deployed artifact in out/ with its runtime code, source map and the build's source ids. */
function loadArtifacts() {
  const out = join(root, 'out');
  // forge's cache names the build that wrote each artifact; that build's source ids decode its source map.
  const cache = JSON.parse(readFileSync(join(root, 'cache', 'solidity-files-cache.json'), 'utf8'));
  const builds = new Map();
  const idsOf = (id) => {
    if (!builds.has(id)) builds.set(id, JSON.parse(readFileSync(join(out, 'build-info', `${id}.json`), 'utf8')).source_id_to_path);
    return builds.get(id);
  };
  const list = [];
  for (const file of Object.values(cache.files)) {
    if (file.sourceName.endsWith('.t.sol')) continue;
    for (const versions of Object.values(file.artifacts ?? {})) {
      for (const profiles of Object.values(versions)) {
        for (const { path, build_id: buildId } of Object.values(profiles)) {
          let a;
          try {
            a = JSON.parse(readFileSync(join(out, path), 'utf8'));
          } catch {
            continue;
          }
          const code = a.deployedBytecode?.object;
          if (!code || code.length < 10) continue;
          list.push({ name: path.split('/').pop().replace('.json', ''), source: file.sourceName, code: code.replace(/^0x/, ''), map: a.deployedBytecode.sourceMap, ids: idsOf(buildId), buildId });
        }
      }
    }
  }
  return list;
}

async function codeMap(url, addr) {
  if (codeMaps.has(addr)) return codeMaps.get(addr);
  artifacts ??= loadArtifacts();
  const code = (await rpc(url, 'eth_getCode', [addr, 'latest'])).replace(/^0x/, '');
  // Same length, and the same first bytes outside link placeholders and immutables.
  const art = artifacts.find((a) => a.code.length === code.length && a.code.slice(0, 60) === code.slice(0, 60))
    ?? artifacts.find((a) => a.code.length === code.length);
  let m;
  if (art) {
    const pcToIndex = new Map();
    for (let pc = 0, i = 0; pc < code.length / 2; i++) {
      pcToIndex.set(pc, i);
      const op = parseInt(code.slice(pc * 2, pc * 2 + 2), 16);
      pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
    }
    const entries = [];
    let prev = [0, 0, -1];
    for (const e of art.map.split(';')) {
      const parts = e.split(':');
      const cur = [0, 1, 2].map((k) => (parts[k] === undefined || parts[k] === '' ? prev[k] : Number(parts[k])));
      entries.push(cur);
      prev = cur;
    }
    m = { name: art.name, pcToIndex, entries, ids: art.ids, generated: process.env.PROFILE_GENERATED ? generatedFunctions(art) : undefined };
  }
  codeMaps.set(addr, m);
  return m;
}

/** The function enclosing byte `offset` of `path` (the innermost `function`/`modifier` whose body spans it). */
function functionAt(path, offset) {
  if (!fileFunctions.has(path)) {
    let src = '';
    try {
      src = readFileSync(join(root, path), 'utf8');
    } catch {}
    const fns = [];
    // Comments blanked out (same length, so offsets hold): a "function" in prose is not a function.
    const code = src.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
    const re = /\b(function|modifier|constructor|fallback|receive)\b\s*([A-Za-z0-9_]*)/g;
    let mt;
    while ((mt = re.exec(code))) {
      const open = code.indexOf('{', mt.index);
      const semi = code.indexOf(';', mt.index);
      if (open < 0 || (semi >= 0 && semi < open)) continue;
      let depth = 0;
      let end = open;
      for (; end < code.length; end++) {
        if (code[end] === '{') depth++;
        else if (code[end] === '}' && --depth === 0) break;
      }
      fns.push({ name: mt[2] || mt[1], start: mt.index, end });
    }
    const lineStarts = [0];
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
    fileFunctions.set(path, { fns, lineStarts });
  }
  const { fns } = fileFunctions.get(path);
  let best;
  for (const f of fns) if (f.start <= offset && offset <= f.end && (!best || f.start > best.start)) best = f;
  const file = path.split('/').pop().replace('.sol', '');
  return best ? `${file}.${best.name}` : `${file}:?`;
}

/** The compiler's generated Yul functions of an artifact (PROFILE_GENERATED=1): recompiles its build's input with
 *  solc for evm.deployedBytecode.generatedSources (forge does not ask for them), checks the code is the same, and
 *  returns the functions' spans by source id. */
function generatedFunctions(art) {
  const require = createRequire(import.meta.url);
  const solc = require('solc');
  const input = JSON.parse(readFileSync(join(root, 'out', 'build-info', `${art.buildId}.json`), 'utf8')).input;
  if (!input) {
    console.error(`PROFILE_GENERATED: the build of ${art.name} kept no input; run \`npx forge build --build-info --force\``);
    return undefined;
  }
  input.settings.outputSelection = { [art.source]: { [art.name]: ['evm.deployedBytecode.object', 'evm.deployedBytecode.generatedSources'] } };
  const find = (p) => {
    for (const r of [root, join(root, 'node_modules')]) {
      try {
        return { contents: readFileSync(join(r, p), 'utf8') };
      } catch {}
    }
    return { error: `not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify({ language: input.language, sources: input.sources, settings: input.settings }), { import: find }));
  const d = out.contracts?.[art.source]?.[art.name]?.evm?.deployedBytecode;
  if (!d || d.object !== art.code) return undefined;
  const byId = new Map();
  for (const g of d.generatedSources) {
    const fns = [];
    const walk = (n) => {
      if (!n || typeof n !== 'object') return;
      if (n.nodeType === 'YulFunctionDefinition') {
        const [start, len] = n.src.split(':').map(Number);
        fns.push({ name: n.name, start, end: start + len });
      }
      for (const v of Object.values(n)) if (typeof v === 'object') walk(v);
    };
    walk(g.ast);
    byId.set(g.id, fns);
  }
  return byId;
}

async function sourceReport(url, tx, trace) {
  const logs = trace.structLogs;
  const codes = [tx.to.toLowerCase()];
  const lastSolidity = [];
  const byFn = new Map();
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const next = logs[i + 1];
    let cost = l.gasCost;
    if (['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE'].includes(l.op) && next && next.depth > l.depth) {
      cost = l.gas - next.gas;
      codes[l.depth] = '0x' + BigInt(l.stack[l.stack.length - 2]).toString(16).padStart(40, '0');
    }
    const m = await codeMap(url, codes[l.depth - 1]);
    let key = `${codes[l.depth - 1]}`;
    if (m) {
      const e = m.entries[m.pcToIndex.get(l.pc)];
      const path = e && e[2] >= 0 ? m.ids[String(e[2])] : undefined;
      key = path ? functionAt(path, e[0]) : `${m.name}:generated`;
      if (path) lastSolidity[l.depth] = key;
      else if (m.generated && e) {
        // With PROFILE_GENERATED=1: the generated function, under the Solidity function that last ran at this depth.
        let best;
        for (const f of m.generated.get(e[2]) ?? []) if (f.start <= e[0] && e[0] < f.end && (!best || f.start > best.start)) best = f;
        key = `${lastSolidity[l.depth] ?? m.name} > ${best ? best.name : e[2] < 0 ? '(no source)' : '?'}`;
      }
    }
    const kind = l.op === 'SLOAD' || l.op === 'SSTORE' ? 'storage' : ['CALL', 'STATICCALL', 'DELEGATECALL'].includes(l.op) || l.op.startsWith('LOG') ? 'call/log' : 'compute';
    const row = byFn.get(key) ?? { total: 0, storage: 0, 'call/log': 0, compute: 0 };
    row.total += cost;
    row[kind] += cost;
    byFn.set(key, row);
  }
  console.log('  by function (own gas: total = storage + calls/logs + compute):');
  for (const [k, r] of [...byFn].sort((a, b) => b[1].total - a[1].total).slice(0, Number(process.env.PROFILE_TOP ?? 40))) {
    console.log(`    ${k.padEnd(48)} ${String(r.total).padStart(7)} = ${r.storage} + ${r['call/log']} + ${r.compute}`);
  }
}
