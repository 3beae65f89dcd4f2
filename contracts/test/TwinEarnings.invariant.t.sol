// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {AggregatorV3Interface} from "../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {PublishedFeed} from "../src/PublishedFeed.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinEarningsHandler} from "./handlers/TwinEarningsHandler.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {Minting} from "./utils/Minting.sol";
import {Wiring} from "./utils/Wiring.sol";
import {EthRejectingHolder} from "./mocks/Rejecters.sol";

/// @dev Four twins at four sets of terms (the demo's; the highest fee and tariff on the shortest
/// period with no grace; nothing kept, monthly, a week's grace; the seed's weekly operator), run by
/// two operators and held by five actors, one of them a contract that refuses ETH. Telemetry comes in,
/// operators settle (and sometimes break a cap, pay wrongly or are not the operator), twins change
/// hands and operators, holders claim, the price moves and goes stale, the last twin is retired.
contract TwinEarningsInvariantTest is StdInvariant, Minting, Wiring {
    TwinRegistry internal registry;
    TwinEarnings internal earnings;
    TwinEarningsHandler internal handler;
    address internal feedOwner = makeAddr("feedOwner");
    address internal reporter = makeAddr("reporter");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        PublishedFeed ethUsd = new PublishedFeed(feedOwner, 8, "ETH / USD", 3_000e8);
        AggregatorV3Interface[3] memory network = [
            AggregatorV3Interface(new PublishedFeed(feedOwner, 8, "BTC / USD", 91_000e8)),
            new PublishedFeed(feedOwner, 0, "Bitcoin difficulty", 152e12),
            new PublishedFeed(feedOwner, 8, "Bitcoin fees per block (BTC)", 2_000_000)
        ];
        // No twin is split here (TwinFractions.invariant.t.sol splits them): the vault is only named.
        earnings = new TwinEarnings(
            registry, ethUsd, AggregatorV3Interface(address(0)), 25 hours, network, ITwinVault(makeAddr("vault"))
        );

        address[] memory actors = new address[](5);
        for (uint256 i; i < 4; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
        }
        actors[4] = address(new EthRejectingHolder());
        address[] memory operators = new address[](2);
        operators[0] = makeAddr("operator0");
        operators[1] = makeAddr("operator1");

        TwinRegistry.EarningTerms[4] memory terms = [
            DemoRigs.terms(),
            TwinRegistry.EarningTerms(3_000, 1_000_000, 1 hours, 0),
            TwinRegistry.EarningTerms(0, 0, 31 days, 7 days),
            TwinRegistry.EarningTerms(800, 38_000, 7 days, 1 days)
        ];
        uint256[] memory tokens = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            address operator = operators[i % 2];
            TwinRegistry.RigInput memory rig = DemoRigs.s21(string.concat("SN-", vm.toString(i)));
            commit(registry, operator, rig);
            vm.prank(operator);
            tokens[i] = registry.mint(rig, reporter, 0, terms[i], saltFor(operator, rig.serial));
            vm.prank(operator);
            registry.transferFrom(operator, actors[i + 1], tokens[i]);
        }

        handler = new TwinEarningsHandler(earnings, feedOwner, reporter, actors, operators, tokens);
        handler.setRefusesEth(actors[4]);

        // Telemetry and settlements come up most, so that periods fill and get settled.
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = TwinEarningsHandler.reportTelemetry.selector;
        selectors[1] = TwinEarningsHandler.reportTelemetry.selector;
        selectors[2] = TwinEarningsHandler.reportTelemetry.selector;
        selectors[3] = TwinEarningsHandler.settle.selector;
        selectors[4] = TwinEarningsHandler.settle.selector;
        selectors[5] = TwinEarningsHandler.settle.selector;
        selectors[6] = TwinEarningsHandler.settle.selector;
        selectors[7] = TwinEarningsHandler.transferTwin.selector;
        selectors[8] = TwinEarningsHandler.claim.selector;
        selectors[9] = TwinEarningsHandler.claim.selector;
        selectors[10] = TwinEarningsHandler.movePrice.selector;
        selectors[11] = TwinEarningsHandler.warp.selector;
        selectors[12] = TwinEarningsHandler.handOverRig.selector;
        selectors[13] = TwinEarningsHandler.decommission.selector;
        selectors[14] = TwinEarningsHandler.transferTwin.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Solvency: the contract holds exactly what its holders may claim, no more and no less, and
    /// that is everything paid in less everything claimed.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_balanceEqualsClaimable() public view {
        address[] memory actors = handler.actors();
        uint256 sum;
        for (uint256 a; a < actors.length; ++a) {
            sum += earnings.claimableOf(actors[a]);
        }
        assertEq(address(earnings).balance, sum, "balance vs the sum of claimable");
        assertEq(address(earnings).balance, handler.ghostPaidIn() - handler.ghostPaidOut(), "balance vs flows");
    }

    /// @dev Each twin's settlements are counted once each: as many as the handler landed, indexed 0, 1,
    /// 2, ... in order, each period starting where the last one ended, so that no stretch of telemetry
    /// is settled (and credited) twice.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noSettlementCreditedTwice() public view {
        assertEq(handler.ghostPeriodGaps(), 0, "a period did not start where the last ended");
        uint256[] memory tokens = handler.tokens();
        for (uint256 t; t < tokens.length; ++t) {
            uint256 id = tokens[t];
            TwinEarnings.Period memory period = earnings.periodOf(id);
            uint256[] memory indices = handler.indicesOf(id);
            assertEq(period.settled, handler.ghostSettlements(id), "settled vs ghost count");
            assertEq(indices.length, period.settled, "one event per settlement");
            for (uint256 i; i < indices.length; ++i) {
                assertEq(indices[i], i, "indices run 0, 1, 2, ...");
            }
            assertEq(period.start, handler.ghostSettledThrough(id), "the next period starts at the last end");
            assertEq(period.energyWh, handler.ghostEnergyWh(id) - handler.ghostSettledEnergyWh(id), "unsettled Wh");
        }
    }

    /// @dev Every holder of record was credited exactly the nets of the settlements that landed while
    /// it held the twin: what it claimed plus what it may still claim.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_holderOfRecordGetsExactlyNet() public view {
        address[] memory actors = handler.actors();
        uint256 credited;
        for (uint256 a; a < actors.length; ++a) {
            address actor = actors[a];
            assertEq(
                handler.ghostCredited(actor),
                handler.ghostClaimed(actor) + earnings.claimableOf(actor),
                "credited vs claimed + claimable"
            );
            credited += handler.ghostCredited(actor);
        }
        assertEq(credited, handler.ghostPaidIn(), "every net paid in was credited to a holder");
    }

    /// @dev After every run, every holder can get everything out, the one refusing ETH through
    /// `claimTo`: nothing is stuck.
    function afterInvariant() external {
        address[] memory actors = handler.actors();
        address sink = handler.sink();
        for (uint256 a; a < actors.length; ++a) {
            if (earnings.claimableOf(actors[a]) == 0) continue;
            vm.prank(actors[a]);
            earnings.claimTo(payable(sink), none());
        }
        assertEq(address(earnings).balance, 0, "the contract drains to zero");
    }
}
