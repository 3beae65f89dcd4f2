// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EarningsFixture} from "./utils/EarningsFixture.sol";
import {GasProbe} from "./utils/GasProbe.sol";

/// @dev Settlement gas probes, run with `forge test --mt test_gas --isolate -vv` (see {GasProbe}), on
/// the deploy script's wiring without a sequencer feed: ETH/USD and the three network feeds are
/// PublishedFeeds. `settle` is the steady state, a twin's next daily period settled while its holder
/// still has the last one's credit unclaimed (every slot it writes is already non-zero);
/// `settle(first)` is a twin's first, which creates its cursor and its holder's credit.
contract TwinEarningsGasTest is EarningsFixture, GasProbe {
    uint256 internal constant GROSS = 0.01 ether;
    uint256 internal constant FEE = 0.001 ether;
    uint256 internal constant ELECTRICITY = 0.0018 ether;

    function test_gas_settle() public {
        uint256 id = mintTwin();
        sellTo(id, investor);

        reportHours(id, 24, 3_500);
        _settle("settle(first)", id);

        reportHours(id, 24, 3_500);
        refreshFeeds();
        _settle("settle", id);

        vm.prank(investor);
        earnings.claim(none());
        logGas("claim", abi.encodeCall(earnings.claim, (none())));
        assertEq(investor.balance, 2 * (GROSS - FEE - ELECTRICITY));
    }

    function _settle(string memory operation, uint256 id) private {
        // Read before the settlement: the probe measures the last call made, which must be it.
        uint64 periodEnd = registry.lastTelemetryAt(id);
        settleAs(operator, id, GROSS, FEE, ELECTRICITY);
        logGas(operation, abi.encodeCall(earnings.settle, (id, periodEnd, GROSS, FEE, ELECTRICITY)));
    }
}
