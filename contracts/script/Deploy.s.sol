// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";

/// @notice Deploys the HashTwin contracts from the broadcasting key. The addresses are read back from
/// the broadcast record by scripts/lib/deploy.mjs, which writes them into public/networks.json.
contract Deploy is Script {
    function run() external returns (TwinRegistry registry) {
        vm.startBroadcast();
        registry = new TwinRegistry();
        vm.stopBroadcast();
    }
}
