// Which chain and contracts to index comes from the same networks.json the app reads, so that the
// indexer and the app cannot disagree about a deployment:
//
//   HASHTWIN_NETWORKS          path to networks.json (default: public/networks.json)
//   HASHTWIN_CHAIN_ID          which of its networks (default: its defaultChainId)
//   HASHTWIN_INDEXER_RPC_URL   an RPC for the indexer other than the network's public rpcUrl
//                              (a provider with higher limits; it never reaches the browser)
//   DATABASE_URL               PostgreSQL; without it, PGlite in HASHTWIN_PGLITE_DIR
//                              (default: .run/indexer/pglite)
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig, factory } from "ponder";
import { getAbiItem } from "viem";
import { HashLedgerAbi } from "./abis/HashLedger";
import { TwinEarningsAbi } from "./abis/TwinEarnings";
import { TwinMarketAbi } from "./abis/TwinMarket";
import { TwinRegistryAbi } from "./abis/TwinRegistry";
import { TwinSharesAbi } from "./abis/TwinShares";
import { TwinVaultAbi } from "./abis/TwinVault";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

type Network = {
  chainId: number;
  name: string;
  rpcUrl: string;
  contracts?: {
    twinRegistry?: string;
    twinMarket?: string;
    hashLedger?: string;
    twinEarnings?: string;
    twinVault?: string;
    deploymentBlock?: number;
  };
};

function fail(message: string): never {
  throw new Error(`ponder.config.ts: ${message}`);
}

const networksPath = resolve(process.env.HASHTWIN_NETWORKS ?? join(root, "public", "networks.json"));
const networks = JSON.parse(readFileSync(networksPath, "utf8")) as {
  defaultChainId: number;
  networks: Network[];
};
const chainId = Number(process.env.HASHTWIN_CHAIN_ID ?? networks.defaultChainId);
const network =
  networks.networks.find((entry) => entry.chainId === chainId) ??
  fail(`${networksPath} has no network with chainId ${chainId}`);
const deployed = network.contracts ?? fail(`${network.name} in ${networksPath} has no contracts`);
const address = (name: "twinRegistry" | "twinMarket" | "hashLedger" | "twinEarnings" | "twinVault") => {
  const value = deployed[name];
  if (!value || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    fail(`${network.name} in ${networksPath}: contracts.${name} is not an address`);
  }
  return value as `0x${string}`;
};
const startBlock = deployed.deploymentBlock;
if (!Number.isSafeInteger(startBlock) || startBlock! < 0) {
  fail(`${network.name} in ${networksPath}: contracts.deploymentBlock must be a block number`);
}

// A local chain reuses its chain id with a new history every time it starts: a cached RPC answer
// from an earlier chain would be wrong, so only real networks are cached.
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : {
        kind: "pglite",
        directory: resolve(process.env.HASHTWIN_PGLITE_DIR ?? join(root, ".run", "indexer", "pglite")),
      },
  ordering: "omnichain",
  chains: {
    hashtwin: {
      id: chainId,
      rpc: process.env.HASHTWIN_INDEXER_RPC_URL ?? network.rpcUrl,
      disableCache: LOCAL_CHAIN_IDS.has(chainId),
      // Local chains mine a block per transaction; a quick poll keeps "indexer at block N" current.
      pollingInterval: LOCAL_CHAIN_IDS.has(chainId) ? 250 : 2_000,
    },
  },
  contracts: {
    TwinRegistry: { chain: "hashtwin", abi: TwinRegistryAbi, address: address("twinRegistry"), startBlock },
    TwinMarket: { chain: "hashtwin", abi: TwinMarketAbi, address: address("twinMarket"), startBlock },
    HashLedger: { chain: "hashtwin", abi: HashLedgerAbi, address: address("hashLedger"), startBlock },
    TwinEarnings: { chain: "hashtwin", abi: TwinEarningsAbi, address: address("twinEarnings"), startBlock },
    TwinVault: { chain: "hashtwin", abi: TwinVaultAbi, address: address("twinVault"), startBlock },
    // Each twin's shares token: a clone the vault makes at the twin's first split and names in
    // `Split` (and again, the same address, at every later split of the twin).
    TwinShares: {
      chain: "hashtwin",
      abi: TwinSharesAbi,
      address: factory({
        address: address("twinVault"),
        event: getAbiItem({ abi: TwinVaultAbi, name: "Split" }),
        parameter: "shares",
      }),
      startBlock,
    },
  },
});

/** What `GET /deployment` answers, so that the app can check it reads its own deployment. */
export const deployment = {
  chainId,
  contracts: {
    twinRegistry: address("twinRegistry").toLowerCase(),
    twinMarket: address("twinMarket").toLowerCase(),
    hashLedger: address("hashLedger").toLowerCase(),
    twinEarnings: address("twinEarnings").toLowerCase(),
    twinVault: address("twinVault").toLowerCase(),
  },
  deploymentBlock: startBlock,
};
