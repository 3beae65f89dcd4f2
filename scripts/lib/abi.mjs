// Copies the ABI of each contract the app calls from forge's artifacts into src/chain/abi/, where the
// app embeds it. With --check it writes nothing and fails when the app's copy has drifted from the
// compiled contracts.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const contracts = ['TwinRegistry', 'TwinMarket', 'HashLedger'];
const check = process.argv.includes('--check');

let drifted = 0;
for (const name of contracts) {
  const artifact = join(root, 'contracts', 'out', `${name}.sol`, `${name}.json`);
  if (!existsSync(artifact)) {
    console.error(`abi: ${artifact} is missing; run forge build in contracts/ first`);
    process.exit(1);
  }
  const abi = JSON.stringify(JSON.parse(readFileSync(artifact, 'utf8')).abi, null, 2) + '\n';
  const target = join(root, 'src', 'chain', 'abi', `${name}.json`);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === abi) continue;
  if (check) {
    console.error(`abi: src/chain/abi/${name}.json differs from the compiled ${name}; run scripts/lib/abi.mjs`);
    drifted++;
  } else {
    writeFileSync(target, abi);
    console.log(`abi: wrote src/chain/abi/${name}.json`);
  }
}
process.exit(drifted ? 1 : 0);
