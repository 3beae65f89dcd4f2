// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";

/// @dev Logs what the last call cost. Run the probes with `forge test --mt test_gas --isolate -vv`:
/// only then is every call a transaction of its own, with cold storage, and `gasTotalUsed` includes
/// the 21,000 intrinsic gas and the calldata. Each probe logs three lines, which scripts/bench parses:
/// `gas <op> <n>`, the execution gas (what forge's gas reports count, and what a contract can change);
/// `total <op> <n>`, the whole transaction (intrinsic + calldata + execution), which the market's
/// budgets are set on; and `gasTotalUsed <op> <n> (calldata <c>)`, the breakdown for a reader.
abstract contract GasProbe is Test {
    uint256 internal constant TX_BASE_GAS = 21_000;

    /// @dev EIP-2028 pricing, the one in force for evm_version cancun (no EIP-7623 floor).
    function calldataGas(bytes memory data) internal pure returns (uint256 cost) {
        for (uint256 i = 0; i < data.length; i++) {
            cost += data[i] == 0 ? 4 : 16;
        }
    }

    /// @param operation The probe's name, as scripts and budgets refer to it.
    /// @param data The input of the call just made, rebuilt with abi.encodeCall: Solidity's encoding is
    /// canonical, so these are the bytes that were sent.
    /// @return execution The gas of the last call without intrinsic and calldata gas.
    function logGas(string memory operation, bytes memory data) internal view returns (uint256 execution) {
        uint256 total = vm.lastCallGas().gasTotalUsed;
        uint256 input = calldataGas(data);
        // Without --isolate a cheap call on warm storage can cost less than the intrinsic gas it is not
        // charged: its figure means nothing then, and is 0 rather than a failed test.
        execution = total > TX_BASE_GAS + input ? total - TX_BASE_GAS - input : 0;
        console.log("gas %s %d", operation, execution);
        console.log("total %s %d", operation, total);
        console.log("gasTotalUsed %s %d (calldata %d)", operation, total, input);
    }
}
