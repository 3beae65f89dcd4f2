// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../../src/interfaces/ITwinVault.sol";
import {PublishedFeed} from "../../src/PublishedFeed.sol";
import {TwinEarnings} from "../../src/TwinEarnings.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinVault} from "../../src/TwinVault.sol";
import {DemoRigs} from "./DemoRigs.sol";
import {TwinFixture} from "./TwinFixture.sol";

/// @dev A registry, TwinEarnings as the deploy script wires it on a chain without a sequencer (a day
/// and an hour of price age), and its four feeds published at NOW at the deploy script's starting
/// figures: ETH at $3,000, BTC at $91,000, difficulty 152 T, 0.02 BTC of fees per block.
/// Telemetry helpers meter an exact number of watt-hours; settlement helpers pay in what is asked.
/// The vault that splits twins is deployed right after TwinEarnings, at the address it names.
abstract contract EarningsFixture is TwinFixture {
    uint256 internal constant MAX_PRICE_AGE = 25 hours;
    int256 internal constant ETH_USD = 3_000e8;
    int256 internal constant BTC_USD = 91_000e8;
    int256 internal constant DIFFICULTY = 152e12;
    int256 internal constant FEES_PER_BLOCK = 2_000_000;
    AggregatorV3Interface internal constant NO_SEQUENCER = AggregatorV3Interface(address(0));

    address internal feedOwner = makeAddr("feedOwner");
    PublishedFeed internal ethUsd;
    PublishedFeed internal btcUsd;
    PublishedFeed internal difficulty;
    PublishedFeed internal blockFees;
    TwinEarnings internal earnings;
    TwinVault internal vault;

    function setUp() public virtual override {
        super.setUp();
        ethUsd = new PublishedFeed(feedOwner, 8, "ETH / USD", ETH_USD);
        btcUsd = new PublishedFeed(feedOwner, 8, "BTC / USD", BTC_USD);
        difficulty = new PublishedFeed(feedOwner, 0, "Bitcoin difficulty", DIFFICULTY);
        blockFees = new PublishedFeed(feedOwner, 8, "Bitcoin fees per block (BTC)", FEES_PER_BLOCK);
        earnings = deployEarnings(ethUsd, NO_SEQUENCER);
        vault = new TwinVault(registry, address(earnings));
    }

    function networkFeeds() internal view returns (AggregatorV3Interface[3] memory) {
        return [AggregatorV3Interface(btcUsd), difficulty, blockFees];
    }

    /// @dev Another TwinEarnings on the same registry and network feeds, with its own price feed and
    /// sequencer feed, naming as its vault this contract's next creation.
    function deployEarnings(AggregatorV3Interface priceFeed, AggregatorV3Interface sequencer)
        internal
        returns (TwinEarnings)
    {
        return new TwinEarnings(
            registry, priceFeed, sequencer, MAX_PRICE_AGE, networkFeeds(), ITwinVault(creationAhead(1))
        );
    }

    // ---------------------------------------------------------------------------------- twins

    /// @dev Commits and reveals the demo rig `serial` as `who` with `terms`, `reporter` as its key.
    function mintWithTerms(address who, string memory serial, TwinRegistry.EarningTerms memory terms)
        internal
        returns (uint256)
    {
        TwinRegistry.RigInput memory rig = DemoRigs.s21(serial);
        commit(registry, who, rig);
        vm.prank(who);
        return registry.mint(rig, reporter, 0, terms, saltFor(who, serial));
    }

    /// @dev `count` samples an hour apart after the twin's newest, each drawing `powerWatts`: exactly
    /// `count * powerWatts` Wh. Time moves on to the newest, which is returned.
    function reportHours(uint256 tokenId, uint256 count, uint32 powerWatts) internal returns (uint64 newest) {
        newest = registry.lastTelemetryAt(tokenId);
        while (count > 0) {
            uint256 size = count < 168 ? count : 168;
            TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](size);
            for (uint256 i = 0; i < size; ++i) {
                newest += 1 hours;
                reports[i] = sample(newest);
                reports[i].powerWatts = powerWatts;
            }
            if (newest > block.timestamp) vm.warp(newest);
            report(tokenId, reports);
            count -= size;
        }
    }

    /// @dev Hourly samples that meter exactly `energyWh` more (at most 168 x 2^32 - 1 Wh, one batch):
    /// each draws as much of what is left as a report can carry. Time moves on to the newest.
    function meterExactly(uint256 tokenId, uint256 energyWh) internal returns (uint64 newest) {
        uint256 max = type(uint32).max;
        uint256 count = energyWh == 0 ? 1 : (energyWh + max - 1) / max;
        require(count <= 168, "meterExactly: more than a batch");
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
        newest = registry.lastTelemetryAt(tokenId);
        for (uint256 i = 0; i < count; ++i) {
            uint256 power = energyWh < max ? energyWh : max;
            energyWh -= power;
            newest += 1 hours;
            reports[i] = sample(newest);
            reports[i].powerWatts = uint32(power);
        }
        if (newest > block.timestamp) vm.warp(newest);
        report(tokenId, reports);
    }

    // ---------------------------------------------------------------------------------- prices

    /// @dev Publishes a new ETH/USD answer, stamped now.
    function publishPrice(int256 answer) internal {
        vm.prank(feedOwner);
        ethUsd.publish(answer);
    }

    /// @dev Publishes every feed again at its starting figure: after a warp, a fresh price.
    function refreshFeeds() internal {
        vm.startPrank(feedOwner);
        ethUsd.publish(ETH_USD);
        btcUsd.publish(BTC_USD);
        difficulty.publish(DIFFICULTY);
        blockFees.publish(FEES_PER_BLOCK);
        vm.stopPrank();
    }

    /// @dev The electricity cap, worked out in the units the terms name: `energyWh` Wh at `tariff`
    /// millionths of a dollar per kWh cost energyWh x tariff / 10^9 dollars, that is energyWh x tariff
    /// x 10^9 attodollars; a wei is worth price / 10^decimals attodollars. Rounded down.
    function electricityCapOf(uint256 energyWh, uint256 tariff, uint256 price, uint8 decimals)
        internal
        pure
        returns (uint256)
    {
        uint256 attoDollars = energyWh * tariff * 1e9;
        return attoDollars * 10 ** decimals / price;
    }

    // ---------------------------------------------------------------------------------- settling

    function netOf(uint256 gross, uint256 serviceFee, uint256 electricity) internal pure returns (uint256) {
        return serviceFee + electricity >= gross ? 0 : gross - serviceFee - electricity;
    }

    /// @dev Settles as `who`, paying in exactly the net of these figures.
    function settleAs(address who, uint256 tokenId, uint256 gross, uint256 serviceFee, uint256 electricity) internal {
        settlePaying(who, tokenId, gross, serviceFee, electricity, netOf(gross, serviceFee, electricity));
    }

    /// @dev Settles as `who`, paying in `value`, whatever the net.
    function settlePaying(
        address who,
        uint256 tokenId,
        uint256 gross,
        uint256 serviceFee,
        uint256 electricity,
        uint256 value
    ) internal {
        vm.deal(who, who.balance + value);
        uint64 periodEnd = registry.lastTelemetryAt(tokenId);
        vm.prank(who);
        earnings.settle{value: value}(tokenId, periodEnd, gross, serviceFee, electricity);
    }

    /// @dev The last `Settled` event of `emitter` in `logs`.
    function settledIn(Vm.Log[] memory logs, address emitter)
        internal
        pure
        returns (uint256 tokenId, uint256 index, address holder, TwinEarnings.Settlement memory s)
    {
        bool found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != emitter || logs[i].topics[0] != TwinEarnings.Settled.selector) continue;
            tokenId = uint256(logs[i].topics[1]);
            index = uint256(logs[i].topics[2]);
            holder = address(uint160(uint256(logs[i].topics[3])));
            s = abi.decode(logs[i].data, (TwinEarnings.Settlement));
            found = true;
        }
        require(found, "no Settled event");
    }

    /// @dev The network figures as the fixture's feeds give them, all published at `at`.
    function figuresAt(uint64 at) internal pure returns (TwinEarnings.NetworkFigures memory) {
        return TwinEarnings.NetworkFigures({
            btcUsd: BTC_USD, difficulty: DIFFICULTY, feesPerBlock: FEES_PER_BLOCK, oldestAt: at
        });
    }

    function assertSettlement(TwinEarnings.Settlement memory actual, TwinEarnings.Settlement memory expected)
        internal
        pure
    {
        assertEq(actual.periodStart, expected.periodStart, "periodStart");
        assertEq(actual.periodEnd, expected.periodEnd, "periodEnd");
        assertEq(actual.energyWh, expected.energyWh, "energyWh");
        assertEq(actual.late, expected.late, "late");
        assertEq(actual.priceDecimals, expected.priceDecimals, "priceDecimals");
        assertEq(actual.gross, expected.gross, "gross");
        assertEq(actual.serviceFee, expected.serviceFee, "serviceFee");
        assertEq(actual.electricity, expected.electricity, "electricity");
        assertEq(actual.net, expected.net, "net");
        assertEq(actual.shortfall, expected.shortfall, "shortfall");
        assertEq(actual.serviceFeeCap, expected.serviceFeeCap, "serviceFeeCap");
        assertEq(actual.electricityCap, expected.electricityCap, "electricityCap");
        assertEq(actual.ethUsdPrice, expected.ethUsdPrice, "ethUsdPrice");
        assertEq(actual.network.btcUsd, expected.network.btcUsd, "network.btcUsd");
        assertEq(actual.network.difficulty, expected.network.difficulty, "network.difficulty");
        assertEq(actual.network.feesPerBlock, expected.network.feesPerBlock, "network.feesPerBlock");
        assertEq(actual.network.oldestAt, expected.network.oldestAt, "network.oldestAt");
    }
}
