#!/usr/bin/env node
// `npm run bench`: measures what the issues set targets for and writes bench/report.md.
//   contracts: gas per action (forge), with 0, 10 and 10,000 other positions open
//   web:       first-load JS per route from the production build (after `next build`)
// Sections whose tools are missing are reported as not measured, never invented.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bin, root } from '../script/lib/stack.mjs';

const only = process.argv.slice(2);
const want = (k) => only.length === 0 || only.includes(k);
const sections = [];
const now = new Date().toISOString();

function gasRun(contract) {
  const res = spawnSync(bin('forge'), ['test', '--match-contract', `^${contract}$`, '-vv'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`forge ${contract} failed:\n${res.stdout.slice(-3000)}`);
  const out = {};
  for (const m of res.stdout.matchAll(/gas:(\w+)\s+(\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

if (want('gas')) {
  const targets = { open: 150_000, close: 130_000, deposit: 110_000, liquidate: 120_000 };
  const t0 = Date.now();
  const base = gasRun('GasTest');
  const p10 = gasRun('GasScaling10Test');
  const p10k = gasRun('GasScaling10kTest');
  const rows = Object.keys(base).map((k) => {
    const growth = ((p10k[k] - p10[k]) / p10[k]) * 100;
    const target = targets[k];
    return `| ${k} | ${base[k].toLocaleString('en-US')} | ${p10[k].toLocaleString('en-US')} | ${p10k[k].toLocaleString('en-US')} | ${growth.toFixed(2)}% | ${target ? `${target.toLocaleString('en-US')} ${p10k[k] <= target ? 'met' : '**missed**'}` : '—'} |`;
  });
  sections.push(`## Contracts: gas per action

Execution gas of the external call, measured in forge around the call with cold storage (add 21,000 base and
calldata, about 1–2k, for a whole transaction). \`liquidateBatchPerPosition\` is a batch of 10 divided by 10.
Measured in ${((Date.now() - t0) / 1000).toFixed(0)} s.

| action | 0 other positions | 10 | 10,000 | growth 10 → 10,000 | target |
|---|---|---|---|---|---|
${rows.join('\n')}
`);
}

if (want('web')) {
  const statsDir = join(root, '.next');
  if (!existsSync(statsDir)) {
    sections.push('## Web: first-load JS\n\nNot measured: run `next build` first.\n');
  } else {
    sections.push(webSection());
  }
}

function webSection() {
  // First-load JS per route = the client chunks its HTML references, from the prerendered HTML of each route.
  const serverApp = join(root, '.next', 'server', 'app');
  const routes = ['index', 'trade', 'pool', 'analytics', 'bare'];
  const rows = [];
  for (const r of routes) {
    const html = join(serverApp, `${r}.html`);
    if (!existsSync(html)) continue;
    const src = readFileSync(html, 'utf8');
    const chunks = [...new Set([...src.matchAll(/\/_next\/(static\/chunks\/[^"']+\.js)/g)].map((m) => m[1]))];
    let bytes = 0;
    for (const c of chunks) {
      const f = join(root, '.next', c);
      if (existsSync(f)) bytes += statSync(f).size;
    }
    rows.push([r === 'index' ? '/' : `/${r}`, bytes, chunks.length]);
  }
  const bare = rows.find((r) => r[0] === '/bare');
  const lines = rows.map(([route, bytes, n]) => `| ${route} | ${(bytes / 1024).toFixed(1)} KiB | ${n} | ${bare ? (bytes / bare[1]).toFixed(2) + '×' : '—'} |`);
  return `## Web: first-load JS (uncompressed, production build)

| route | first-load JS | chunks | vs bare wallet page |
|---|---|---|---|
${lines.join('\n')}
`;
}

const reportPath = join(root, 'bench', 'report.md');
const previous = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
const kept = previous
  .split(/^## /m)
  .slice(1)
  .filter((s) => !sections.some((n) => n.startsWith('## ' + s.split('\n')[0].split(':')[0])))
  .map((s) => '## ' + s);
const report = `# Counterpool benchmarks

Written by \`npm run bench\` (${now}, ${process.platform}, node ${process.version}). Machine: 2 cores.

${[...sections, ...kept].join('\n')}`;
writeFileSync(reportPath, report);
console.log(report);
