// Gas of issue 13's two hot paths, each beside its baseline, both measured in this run:
// - what one more telemetry report costs, now that every report meters energy, against the registry
//   before issue 13 (commit a1cf191, HASHTWIN_BENCH_GAS_BASELINE to change it); the goal is at most
//   10% more;
// - what a settlement costs: TwinEarnings is new, so it has no baseline;
// - what fractions (issue 14) cost: split (a twin's first, which makes its shares token, and a later
//   one), join, a lot's partial fill, a share transfer through the earnings accumulator, a claim of
//   a split twin's earnings, and a split twin's settlement (contracts/test/TwinFractions.gas.t.sol).
//   New contracts: no baseline either.
//
// A report's cost is (gas[168] - gas[1]) / 167 from the probe test_gas_reportTelemetry
// (contracts/test/TwinRegistry.gas.t.sol), which posts a 1-report and a 168-report batch to one twin:
// the fixed cost of a batch cancels out. The figure judged is execution gas, what the contract's code
// spends (GasProbe's `gas` line); total gas, what the reporter's wallet pays with the 21,000 intrinsic
// gas and the calldata, is printed beside it.
//
// The baseline is `git archive <commit> contracts` under .run/bench-gas-baseline/, its node_modules
// linked as this checkout's are (contracts/node_modules is ../node_modules), with the probe copied in
// on every run: the probe mints only through the Minting helpers, whose signature has not changed, so
// it compiles against both trees. forge's cache there keeps later runs to seconds.
//
// node scripts/lib/bench-gas.mjs [--log FILE]
//   --log: this checkout's `forge test --mt test_gas --isolate -vv` output, when the caller
//   (scripts/bench gas) has just run every probe; without it the two probes are run here.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { ROOT } from './localchain.mjs';

const run = promisify(execFile);
const FORGE = join(ROOT, 'node_modules', '@foundry-rs', 'forge-linux-amd64', 'bin', 'forge');
const BASELINE_COMMIT = process.env.HASHTWIN_BENCH_GAS_BASELINE || 'a1cf191';
const BASELINE_DIR = join(ROOT, '.run', 'bench-gas-baseline');
const PROBE = join('test', 'TwinRegistry.gas.t.sol');
const TELEMETRY_PROBE = 'test_gas_reportTelemetry';
const SETTLE_PROBE = 'test_gas_settle';
const FRACTION_PROBES = ['test_gas_split_join', 'test_gas_settle_transfer_lot_claim'];
/** The fractions' operations, in the order they are printed, as the probes name them. */
const FRACTION_OPERATIONS = [
  ['split(first)', "a twin's first split (makes its shares token)"],
  ['split', 'a later split of the same twin'],
  ['join', 'join'],
  ['buyLot(partial)', "a lot's partial fill"],
  ['transfer(shares)', 'a share transfer (accumulator checkpoints)'],
  ['claim(split)', "a claim of a split twin's earnings"],
  ['settle(split)', "a split twin's settlement"],
  ['listLot', 'listing a lot'],
];
/** The goal: a report may cost at most this much more than before it. */
const GOAL_GROWTH = 0.1;
const BATCH = 168;

const { values: options } = parseArgs({ options: { log: { type: 'string' } } });

/** forge's output, or its whole output in the error when a probe fails. */
async function forgeTest(cwd, pattern) {
  try {
    const { stdout } = await run(FORGE, ['test', '--mt', pattern, '--isolate', '-vv'], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    throw new Error(`forge test --mt '${pattern}' failed in ${cwd}:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/** The probes' `gas <op> <n>` and `total <op> <n>` lines (GasProbe.logGas), by operation. */
function parseGas(log) {
  const figures = {};
  for (const line of log.split('\n')) {
    const match = /^\s*(gas|total) (\S+) (\d+)\s*$/.exec(line);
    if (!match) continue;
    const [, kind, operation, value] = match;
    figures[operation] ??= {};
    figures[operation][kind === 'gas' ? 'execution' : 'total'] = Number(value);
  }
  return figures;
}

function need(figures, operation, where) {
  const figure = figures[operation];
  if (figure?.execution === undefined || figure?.total === undefined) {
    throw new Error(`bench gas: no "${operation}" figures in ${where}'s probe output`);
  }
  return figure;
}

/** Execution and total gas of one more report in a batch. */
function perReport(figures, where) {
  const one = need(figures, 'reportTelemetry[1]', where);
  const full = need(figures, `reportTelemetry[${BATCH}]`, where);
  return {
    execution: (full.execution - one.execution) / (BATCH - 1),
    total: (full.total - one.total) / (BATCH - 1),
  };
}

/** The baseline's contracts, extracted once per commit, the probe copied in afresh. */
async function baselineTree() {
  let commit;
  try {
    commit = (await run('git', ['-C', ROOT, 'rev-parse', '--verify', '--quiet', `${BASELINE_COMMIT}^{commit}`])).stdout.trim();
  } catch {
    throw new Error(`bench gas: the baseline commit ${BASELINE_COMMIT} is not in this repository`);
  }
  const stamp = join(BASELINE_DIR, '.commit');
  const contracts = join(BASELINE_DIR, 'contracts');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== commit) {
    process.stderr.write(`bench gas: extracting the baseline's contracts (${BASELINE_COMMIT}) into ${BASELINE_DIR}\n`);
    rmSync(BASELINE_DIR, { recursive: true, force: true });
    mkdirSync(BASELINE_DIR, { recursive: true });
    // git archive | tar, without a shell: the archive is read whole, a few hundred KB.
    const { stdout: archive } = await run('git', ['-C', ROOT, 'archive', '--format=tar', commit, 'contracts'], {
      encoding: 'buffer',
      maxBuffer: 256 * 1024 * 1024,
    });
    await new Promise((resolve, reject) => {
      const tar = execFile('tar', ['-x', '-C', BASELINE_DIR], (error) => (error ? reject(error) : resolve()));
      tar.stdin.end(archive);
    });
    // contracts/node_modules is a link to ../node_modules, as in the checkout: point that at the
    // checkout's packages (forge-std, OpenZeppelin, solc-js for tools/solc).
    symlinkSync(join(ROOT, 'node_modules'), join(BASELINE_DIR, 'node_modules'));
    writeFileSync(stamp, `${commit}\n`);
  }
  copyFileSync(join(ROOT, 'contracts', PROBE), join(contracts, PROBE));
  return contracts;
}

function gas(value) {
  return Math.round(value).toLocaleString('en-US');
}

function percent(now, before) {
  const change = (100 * (now - before)) / before;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
}

// This checkout first, then the baseline: one forge at a time on two cores.
const currentLog = options.log
  ? readFileSync(options.log, 'utf8')
  : await forgeTest(join(ROOT, 'contracts'), `^(${[TELEMETRY_PROBE, SETTLE_PROBE, ...FRACTION_PROBES].join('|')})`);
const current = parseGas(currentLog);
const baselineLog = await forgeTest(await baselineTree(), `^${TELEMETRY_PROBE}`);
const baseline = parseGas(baselineLog);

const now = perReport(current, 'this checkout');
const before = perReport(baseline, `the baseline (${BASELINE_COMMIT})`);
const goal = before.execution * (1 + GOAL_GROWTH);
const met = now.execution <= goal;
const settle = need(current, 'settle', 'this checkout');
const firstSettle = need(current, 'settle(first)', 'this checkout');

console.log('');
console.log(
  `telemetry gas per report: ${gas(now.execution)} (goal <= baseline +10% = ${gas(goal)}; baseline before #13: ${gas(before.execution)}) ${met ? 'met' : 'MISSED'}, ${percent(now.execution, before.execution)}`,
);
console.log(
  `  total, with intrinsic and calldata gas: ${gas(now.total)} (baseline before #13: ${gas(before.total)}), ${percent(now.total, before.total)}`,
);
console.log(`settle gas: ${gas(settle.execution)} (no baseline: new function)`);
console.log(
  `  total ${gas(settle.total)}; a twin's first settlement ${gas(firstSettle.execution)} (total ${gas(firstSettle.total)})`,
);
console.log('fractions gas (no baseline: new contracts), execution and total:');
for (const [operation, label] of FRACTION_OPERATIONS) {
  const figure = need(current, operation, 'this checkout');
  console.log(`  ${label.padEnd(44)} ${gas(figure.execution).padStart(9)}  (total ${gas(figure.total)})`);
}
console.log(
  `\nbaseline: ${BASELINE_COMMIT}'s registry with this checkout's probe, measured in this run. Per report: (gas[${BATCH}] - gas[1]) / ${BATCH - 1}, execution gas judged.`,
);
