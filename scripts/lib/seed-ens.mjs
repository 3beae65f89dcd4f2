// ENS on the local chain, from ENS's own published contracts (npm @ensdomains/ens 0.6.2 for the
// registry and reverse registrar, @ensdomains/resolver 0.3.1 for the public resolver): `eth` and
// `addr.reverse` set up, and the demo operators given names with forward, reverse and avatar
// records, so that the app shows accounts by name as it does where the network has ENS.
//
// A deployer of its own, funded by anvil_setBalance, keeps the registry's address the same on
// every run (its first creation) and leaves the dev accounts' nonces, and so HashTwin's addresses,
// as they were. Everything goes into one block: the transactions come from that one account, so
// their nonces order them, and the seed waits for one block rather than thirty.
import { createRequire } from 'node:module';
import { createPublicClient, encodeDeployData, encodeFunctionData, getContractAddress, http, keccak256, namehash, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const require = createRequire(import.meta.url);
const artifact = (path) => require(`@ensdomains/${path}`);
const REGISTRY = artifact('ens/build/contracts/ENSRegistry.json');
const REVERSE_REGISTRAR = artifact('ens/build/contracts/ReverseRegistrar.json');
const PUBLIC_RESOLVER = artifact('resolver/build/contracts/PublicResolver.json');

/** A key for this local chain only, as public as anvil's own. */
const DEPLOYER_KEY = keccak256(toBytes('HashTwin local ENS deployer'));
const deployer = privateKeyToAccount(DEPLOYER_KEY);
/** The registry is the deployer's first creation: networks.json can name it before it exists. */
export const ENS_REGISTRY = getContractAddress({ from: deployer.address, nonce: 0n }).toLowerCase();

const ROOT_NODE = `0x${'00'.repeat(32)}`;
const label = (text) => keccak256(toBytes(text));
// Generous: the public resolver's creation takes about 3.3 M, an avatar record some 400 k for its
// few hundred bytes of SVG. Only gas used counts against the block's 30 M.
const CREATE_GAS = 5_000_000n;
const CALL_GAS = 1_000_000n;

/** An avatar that never leaves 127.0.0.1: a disc of the operator's colour with an initial. */
export function avatarFor(name, colour) {
  const initial = name[0].toUpperCase();
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="${colour}"/>` +
    `<text x="32" y="43" font-family="sans-serif" font-size="32" font-weight="bold" text-anchor="middle" fill="#fff">${initial}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The transactions that set ENS up and name `operators` ([{ address, name, avatar }]). */
function setUpTransactions(operators) {
  const registry = ENS_REGISTRY;
  const resolver = getContractAddress({ from: deployer.address, nonce: 1n });
  const reverseRegistrar = getContractAddress({ from: deployer.address, nonce: 2n });
  const owner = deployer.address;
  const onRegistry = (functionName, args) => ({ to: registry, data: encodeFunctionData({ abi: REGISTRY.abi, functionName, args }) });
  const onResolver = (functionName, args) => ({
    to: resolver,
    data: encodeFunctionData({ abi: PUBLIC_RESOLVER.abi, functionName, args }),
  });
  const create = (contract, args = []) => ({ data: encodeDeployData({ abi: contract.abi, bytecode: contract.bytecode, args }) });

  const names = operators.flatMap(({ address, name, avatar }) => {
    const [first, ...parent] = name.split('.');
    const node = namehash(name);
    const reverseLabel = address.toLowerCase().slice(2);
    const reverseNode = namehash(`${reverseLabel}.addr.reverse`);
    return [
      onRegistry('setSubnodeRecord', [namehash(parent.join('.')), label(first), owner, resolver, 0n]),
      onResolver('setAddr', [node, address]),
      onResolver('setText', [node, 'avatar', avatar]),
      onRegistry('setSubnodeRecord', [namehash('addr.reverse'), label(reverseLabel), owner, resolver, 0n]),
      onResolver('setName', [reverseNode, name]),
      // Each operator owns its name and its reverse record, as it would after registering.
      onRegistry('setOwner', [node, address]),
      onRegistry('setOwner', [reverseNode, address]),
    ];
  });
  return [
    create(REGISTRY),
    create(PUBLIC_RESOLVER, [registry]),
    create(REVERSE_REGISTRAR, [registry, resolver]),
    onRegistry('setSubnodeOwner', [ROOT_NODE, label('eth'), owner]),
    onRegistry('setSubnodeOwner', [ROOT_NODE, label('reverse'), owner]),
    onRegistry('setSubnodeOwner', [namehash('reverse'), label('addr'), owner]),
    ...names,
    // From here on anyone sets their own reverse record through the registrar, as on mainnet.
    onRegistry('setSubnodeOwner', [namehash('reverse'), label('addr'), reverseRegistrar]),
  ];
}

/** Deploys ENS on the anvil at `rpcUrl` and names `operators`; returns the registry's address. */
export async function seedEns({ rpcUrl, operators }) {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const rpc = (method, params = []) => client.request({ method, params });
  const transactions = setUpTransactions(operators);
  const chainId = Number(await rpc('eth_chainId'));
  await rpc('anvil_setBalance', [deployer.address, '0x56bc75e2d63100000']); // 100 ETH
  const latest = await rpc('eth_getBlockByNumber', ['latest', false]);
  const maxFeePerGas = BigInt(latest.baseFeePerGas) * 2n + 1_000_000_000n;
  const firstNonce = Number(await rpc('eth_getTransactionCount', [deployer.address, 'latest']));
  if (firstNonce !== 0) throw new Error(`the ENS deployer ${deployer.address} has sent before: is ENS deployed already?`);

  await rpc('evm_setAutomine', [false]);
  let hashes;
  try {
    hashes = [];
    for (const [nonce, transaction] of transactions.entries()) {
      const signed = await deployer.signTransaction({
        ...transaction,
        type: 'eip1559',
        chainId,
        nonce,
        gas: transaction.to ? CALL_GAS : CREATE_GAS,
        maxFeePerGas,
        maxPriorityFeePerGas: 1_000_000_000n,
      });
      hashes.push(await rpc('eth_sendRawTransaction', [signed]));
    }
    await rpc('evm_mine');
  } finally {
    await rpc('evm_setAutomine', [true]);
  }
  for (const [index, hash] of hashes.entries()) {
    const receipt = await rpc('eth_getTransactionReceipt', [hash]);
    if (receipt?.status !== '0x1') throw new Error(`ENS set-up transaction ${index} (${hash}) ${receipt ? 'reverted' : 'was not mined'}`);
  }
  return ENS_REGISTRY;
}
