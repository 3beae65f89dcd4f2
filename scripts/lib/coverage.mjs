// Line and branch coverage of each contract in contracts/src by the whole Foundry suite, beside the
// goal of 95%. With --gate it exits 1 when any contract falls below the goal (scripts/test); without
// it only prints (scripts/bench).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT } from './localchain.mjs';

const GOAL = 95;
const gate = process.argv.includes('--gate');
const forge = join(ROOT, 'node_modules', '@foundry-rs', 'forge-linux-amd64', 'bin', 'forge');

const { stdout } = await promisify(execFile)(
  forge,
  ['coverage', '--report', 'summary', '--no-match-coverage', '(test|script|node_modules)'],
  { cwd: join(ROOT, 'contracts'), maxBuffer: 64 * 1024 * 1024 },
);

// A summary row: | src/TwinMarket.sol | 98.45% (127/129) | 99.39% (163/164) | 97.37% (37/38) | 100.00% (22/22) |
const rows = [];
for (const line of stdout.split('\n')) {
  const cells = line.split(/[|│]/).map((cell) => cell.trim()).filter(Boolean);
  if (cells.length < 5 || !cells[0].startsWith('src/')) continue;
  const figure = (cell) => {
    const match = /\((\d+)\/(\d+)\)/.exec(cell);
    if (!match) throw new Error(`coverage: cannot read "${cell}" in: ${line}`);
    const [covered, total] = [Number(match[1]), Number(match[2])];
    return { covered, total, percent: total === 0 ? 100 : (100 * covered) / total };
  };
  rows.push({ file: cells[0], lines: figure(cells[1]), branches: figure(cells[3]) });
}
if (rows.length === 0) {
  console.error(stdout);
  throw new Error('coverage: forge printed no row for contracts/src');
}

const show = ({ covered, total, percent }) => `${percent.toFixed(1)}% (${covered}/${total})`.padStart(18);
console.log(`\n| ${'contract'.padEnd(28)} | ${'lines'.padStart(18)} | ${'branches'.padStart(18)} | goal        |`);
console.log(`|${'-'.repeat(30)}|${'-'.repeat(20)}|${'-'.repeat(20)}|-------------|`);
let missed = 0;
for (const { file, lines, branches } of rows) {
  const met = lines.percent >= GOAL && branches.percent >= GOAL;
  if (!met) missed++;
  console.log(`| ${file.padEnd(28)} | ${show(lines)} | ${show(branches)} | >= ${GOAL}% ${met ? 'met' : 'MISSED'} |`);
}
if (gate && missed) {
  console.error(`coverage: ${missed} contract(s) below ${GOAL}% of lines or branches`);
  process.exit(1);
}
