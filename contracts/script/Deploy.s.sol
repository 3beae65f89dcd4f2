// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {HashLedger} from "../src/HashLedger.sol";
import {TwinLens} from "../src/TwinLens.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {PublishedFeed} from "../src/PublishedFeed.sol";
import {TwinVault} from "../src/TwinVault.sol";
import {AggregatorV3Interface} from "../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";

/// @notice Deploys the HashTwin contracts from the broadcasting key, which also becomes their owner
/// and the market's treasury unless HASHTWIN_OWNER / HASHTWIN_TREASURY say otherwise. The addresses
/// are read back from the broadcast record by scripts/lib/localchain.mjs and scripts/deploy, which
/// write them into networks.json.
/// Settlements convert at the Chainlink ETH/USD feed HASHTWIN_ETH_USD_FEED (and honour the sequencer
/// feed HASHTWIN_SEQUENCER_UPTIME_FEED on an L2); where no feed is named, as on the local chain, a
/// PublishedFeed stands in for ETH/USD and for BTC/USD. The Bitcoin network's difficulty and fees
/// per block have no Chainlink feed anywhere: they are always PublishedFeeds of the owner's.
/// TwinVault, which splits twins into shares, comes last, so that the contracts before it keep the
/// addresses they had before it existed; TwinMarket and TwinEarnings are given its address ahead, the
/// deployer's CREATE address at the nonce it will be deployed with (no one else can deploy there),
/// and the vault checks on deployment that TwinEarnings names it.
/// @dev The key is forge's (`--account`, `--keystore`, `--private-key`) unless HASHTWIN_DEPLOYER_KEY
/// holds one: read here, it never has to appear on a command line. Empty counts as unset, so that a
/// caller can mask a key exported for a real network.
contract Deploy is Script {
    /// @dev 2.5%: the protocol fee of every sale.
    uint256 internal constant DEFAULT_FEE_BPS = 250;
    /// @dev About one share per 2^24 hashes: a share every few seconds from one browser tab.
    uint256 internal constant DEFAULT_MIN_BITS = 0x1e00ffff;

    /// @dev Chainlink's ETH/USD heartbeat is an hour on Ethereum and a day on most L2s; a day and an
    /// hour covers both, and the local feed the seed publishes daily.
    uint256 internal constant DEFAULT_PRICE_MAX_AGE = 25 hours;

    /// @dev What the stand-in feeds start at: the issue's worked example (BTC at $91,000, difficulty
    /// 152 T, 0.02 BTC of fees per block) and ETH at $3,000.
    int256 internal constant INITIAL_ETH_USD = 3_000e8;
    int256 internal constant INITIAL_BTC_USD = 91_000e8;
    int256 internal constant INITIAL_DIFFICULTY = 152e12;
    int256 internal constant INITIAL_FEES_PER_BLOCK_SATS = 2_000_000;

    /// @notice The descriptions scripts/lib/localchain.mjs tells the published feeds apart by.
    string internal constant ETH_USD = "ETH / USD";
    string internal constant BTC_USD = "BTC / USD";
    string internal constant DIFFICULTY = "Bitcoin difficulty";
    string internal constant FEES_PER_BLOCK = "Bitcoin fees per block (BTC)";

    function run()
        external
        returns (TwinRegistry registry, TwinMarket market, HashLedger ledger, TwinLens lens, TwinVault vault)
    {
        // Parsed by envUint, never by a parse cheatcode: forge masks an environment variable's value in
        // its traces, but not a parse cheatcode's argument. envOr of a number would take a malformed
        // key for no key.
        uint256 key;
        if (bytes(vm.envOr("HASHTWIN_DEPLOYER_KEY", string(""))).length != 0) {
            key = vm.envUint("HASHTWIN_DEPLOYER_KEY");
        }
        if (key == 0) vm.startBroadcast();
        else vm.startBroadcast(key);
        (, address deployer,) = vm.readCallers();
        address owner = vm.envOr("HASHTWIN_OWNER", deployer);
        address treasury = vm.envOr("HASHTWIN_TREASURY", owner);
        uint16 feeBps = uint16(vm.envOr("HASHTWIN_FEE_BPS", DEFAULT_FEE_BPS));
        uint32 minBits = uint32(vm.envOr("HASHTWIN_MIN_BITS", DEFAULT_MIN_BITS));
        ITwinVault vaultAt = predictVault(deployer);

        registry = new TwinRegistry();
        market = new TwinMarket(registry, vaultAt, owner, treasury, feeBps);
        ledger = new HashLedger(registry, owner, minBits);
        TwinEarnings earnings = deployEarnings(registry, owner, vaultAt);
        lens = new TwinLens(registry, market, ledger, earnings);
        vault = new TwinVault(registry, address(earnings));
        require(address(vault) == address(vaultAt), "Deploy: the vault is not where the market and earnings expect it");
        vm.stopBroadcast();
    }

    /// @dev Where {run} will deploy the vault: after the registry, the market, the ledger, the feeds
    /// that no environment variable names (published here), the other two feeds, TwinEarnings and
    /// the lens, every one a CREATE of the deployer's.
    function predictVault(address deployer) internal view returns (ITwinVault) {
        uint256 creations = 7;
        if (vm.envOr("HASHTWIN_ETH_USD_FEED", address(0)) == address(0)) ++creations;
        if (vm.envOr("HASHTWIN_BTC_USD_FEED", address(0)) == address(0)) ++creations;
        return ITwinVault(vm.computeCreateAddress(deployer, vm.getNonce(deployer) + creations));
    }

    /// @dev Kept apart from {run}: its locals and run's would not fit the stack together.
    function deployEarnings(TwinRegistry registry, address owner, ITwinVault vault) internal returns (TwinEarnings) {
        address ethUsd = vm.envOr("HASHTWIN_ETH_USD_FEED", address(0));
        if (ethUsd == address(0)) ethUsd = address(new PublishedFeed(owner, 8, ETH_USD, INITIAL_ETH_USD));
        address btcUsd = vm.envOr("HASHTWIN_BTC_USD_FEED", address(0));
        if (btcUsd == address(0)) btcUsd = address(new PublishedFeed(owner, 8, BTC_USD, INITIAL_BTC_USD));
        AggregatorV3Interface[3] memory network = [
            AggregatorV3Interface(btcUsd),
            new PublishedFeed(owner, 0, DIFFICULTY, INITIAL_DIFFICULTY),
            new PublishedFeed(owner, 8, FEES_PER_BLOCK, INITIAL_FEES_PER_BLOCK_SATS)
        ];
        return new TwinEarnings(
            registry,
            AggregatorV3Interface(ethUsd),
            AggregatorV3Interface(vm.envOr("HASHTWIN_SEQUENCER_UPTIME_FEED", address(0))),
            vm.envOr("HASHTWIN_PRICE_MAX_AGE", DEFAULT_PRICE_MAX_AGE),
            network,
            vault
        );
    }
}
