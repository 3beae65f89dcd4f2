// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {HashLedger} from "../src/HashLedger.sol";
import {TwinLens} from "../src/TwinLens.sol";

/// @notice Deploys the HashTwin contracts from the broadcasting key, which also becomes their owner
/// and the market's treasury unless HASHTWIN_OWNER / HASHTWIN_TREASURY say otherwise. The addresses
/// are read back from the broadcast record by scripts/lib/localchain.mjs and scripts/deploy, which
/// write them into networks.json.
/// @dev The key is forge's (`--account`, `--keystore`, `--private-key`) unless HASHTWIN_DEPLOYER_KEY
/// holds one: read here, it never has to appear on a command line. Empty counts as unset, so that a
/// caller can mask a key exported for a real network.
contract Deploy is Script {
    /// @dev 2.5%: the protocol fee of every sale.
    uint256 internal constant DEFAULT_FEE_BPS = 250;
    /// @dev About one share per 2^24 hashes: a share every few seconds from one browser tab.
    uint256 internal constant DEFAULT_MIN_BITS = 0x1e00ffff;

    function run() external returns (TwinRegistry registry, TwinMarket market, HashLedger ledger, TwinLens lens) {
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

        registry = new TwinRegistry();
        market = new TwinMarket(registry, owner, treasury, feeBps);
        ledger = new HashLedger(registry, owner, minBits);
        lens = new TwinLens(registry, market, ledger);
        vm.stopBroadcast();
    }
}
