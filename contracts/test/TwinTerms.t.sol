// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev The earning terms a twin is minted with (their bounds, their event, that nothing changes them)
/// and the energy meter its telemetry drives (power times the gap since the sample before, at most an
/// hour, summed per batch and rounded down to whole watt-hours).
contract TwinTermsTest is TwinFixture {
    uint16 internal constant MAX_FEE = 3_000;
    uint32 internal constant MAX_TARIFF = 1_000_000;
    uint32 internal constant MIN_PERIOD = 1 hours;
    uint32 internal constant MAX_PERIOD = 31 days;
    uint32 internal constant MAX_GRACE = 7 days;

    /// @dev Where the energy meter sits in the twin's state slot: after the reporter (160 bits), the
    /// last telemetry time (40) and the status (8).
    uint256 internal constant ENERGY_SHIFT = 208;

    address internal market = makeAddr("market");
    address internal successor = makeAddr("successor");

    // ---------------------------------------------------------------- helpers

    function terms(uint16 feeBps, uint32 tariff, uint32 period, uint32 grace)
        internal
        pure
        returns (TwinRegistry.EarningTerms memory)
    {
        return TwinRegistry.EarningTerms({
            serviceFeeBps: feeBps, tariffMicroUsdPerKwh: tariff, settlementPeriod: period, gracePeriod: grace
        });
    }

    /// @dev Commits and reveals the demo rig `serial` as `operator` with `t` as its terms.
    function mintWithTerms(string memory serial, TwinRegistry.EarningTerms memory t) internal returns (uint256) {
        TwinRegistry.RigInput memory rig = DemoRigs.s21(serial);
        commitAs(operator, rig);
        vm.prank(operator);
        return registry.mint(rig, reporter, 0, t, saltFor(operator, serial));
    }

    /// @dev Commits the demo rig `serial`, then expects its reveal with `t` to revert with `err`.
    function expectTermsRevert(string memory serial, TwinRegistry.EarningTerms memory t, bytes memory err) internal {
        TwinRegistry.RigInput memory rig = DemoRigs.s21(serial);
        commitAs(operator, rig);
        vm.expectRevert(err);
        vm.prank(operator);
        registry.mint(rig, reporter, 0, t, saltFor(operator, serial));
    }

    function assertTerms(uint256 tokenId, TwinRegistry.EarningTerms memory expected, uint64 mintedAt) internal view {
        (TwinRegistry.EarningTerms memory actual, uint64 at) = registry.earningTermsOf(tokenId);
        assertEq(actual.serviceFeeBps, expected.serviceFeeBps, "service fee");
        assertEq(actual.tariffMicroUsdPerKwh, expected.tariffMicroUsdPerKwh, "tariff");
        assertEq(actual.settlementPeriod, expected.settlementPeriod, "settlement period");
        assertEq(actual.gracePeriod, expected.gracePeriod, "grace");
        assertEq(at, mintedAt, "minted at");
    }

    function energyOf(uint256 tokenId) internal view returns (uint64 energyWh) {
        (energyWh,) = registry.meterOf(tokenId);
    }

    /// @dev One sample at `timestamp` drawing `powerWatts`; the other fields do not meter.
    function drawing(uint64 timestamp, uint32 powerWatts)
        internal
        pure
        returns (TwinRegistry.TelemetryReport memory r)
    {
        r = sample(timestamp);
        r.powerWatts = powerWatts;
    }

    function one(uint64 timestamp, uint32 powerWatts)
        internal
        pure
        returns (TwinRegistry.TelemetryReport[] memory reports)
    {
        reports = new TwinRegistry.TelemetryReport[](1);
        reports[0] = drawing(timestamp, powerWatts);
    }

    /// @dev Moves time to `timestamp` when it is later, then reports as the twin's reporter.
    function reportAt(uint256 tokenId, TwinRegistry.TelemetryReport[] memory reports) internal {
        uint64 newest = reports[reports.length - 1].timestamp;
        if (newest > block.timestamp) vm.warp(newest);
        report(tokenId, reports);
    }

    /// @dev The one storage slot `reportTelemetry` reads and writes for a twin, found by recording it.
    function stateSlotOf(uint256 tokenId, uint64 timestamp) internal returns (bytes32 slot) {
        vm.record();
        reportAt(tokenId, one(timestamp, 0));
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(address(registry));
        // The compiler may store the slot's fields one by one: the same slot each time.
        assertGt(writes.length, 0, "a batch writes");
        slot = writes[0];
        for (uint256 i = 0; i < writes.length; ++i) {
            assertEq(writes[i], slot, "a batch writes only one slot");
        }
        for (uint256 i = 0; i < reads.length; ++i) {
            assertEq(reads[i], slot, "a batch reads only the slot it writes");
        }
    }

    // ---------------------------------------------------------------- terms: bounds

    function test_mint_termsBoundsAreTheIssues() public view {
        assertEq(registry.MAX_SERVICE_FEE_BPS(), MAX_FEE);
        assertEq(registry.MAX_TARIFF_MICRO_USD_PER_KWH(), MAX_TARIFF);
        assertEq(registry.MIN_SETTLEMENT_PERIOD(), MIN_PERIOD);
        assertEq(registry.MAX_SETTLEMENT_PERIOD(), MAX_PERIOD);
        assertEq(registry.MAX_GRACE_PERIOD(), MAX_GRACE);
        assertEq(registry.MAX_METERED_GAP(), 1 hours);
    }

    function test_mint_acceptsTheServiceFeeCapAndRefusesOneBpsMore() public {
        uint256 id = mintWithTerms("SN-1", terms(MAX_FEE, 65_000, 1 days, 0));
        assertTerms(id, terms(MAX_FEE, 65_000, 1 days, 0), NOW);
        expectTermsRevert(
            "SN-2",
            terms(MAX_FEE + 1, 65_000, 1 days, 0),
            abi.encodeWithSelector(TwinRegistry.ServiceFeeTooHigh.selector, MAX_FEE + 1, MAX_FEE)
        );
        expectTermsRevert(
            "SN-2",
            terms(type(uint16).max, 65_000, 1 days, 0),
            abi.encodeWithSelector(TwinRegistry.ServiceFeeTooHigh.selector, type(uint16).max, MAX_FEE)
        );
    }

    function test_mint_acceptsTheTariffCapAndRefusesOneMicroDollarMore() public {
        uint256 id = mintWithTerms("SN-1", terms(0, MAX_TARIFF, 1 days, 0));
        assertTerms(id, terms(0, MAX_TARIFF, 1 days, 0), NOW);
        expectTermsRevert(
            "SN-2",
            terms(0, MAX_TARIFF + 1, 1 days, 0),
            abi.encodeWithSelector(TwinRegistry.TariffTooHigh.selector, MAX_TARIFF + 1, MAX_TARIFF)
        );
    }

    function test_mint_acceptsTheShortestPeriodAndRefusesASecondLess() public {
        uint256 id = mintWithTerms("SN-1", terms(0, 0, MIN_PERIOD, 0));
        assertTerms(id, terms(0, 0, MIN_PERIOD, 0), NOW);
        expectTermsRevert(
            "SN-2",
            terms(0, 0, MIN_PERIOD - 1, 0),
            abi.encodeWithSelector(
                TwinRegistry.SettlementPeriodOutOfRange.selector, MIN_PERIOD - 1, MIN_PERIOD, MAX_PERIOD
            )
        );
        expectTermsRevert(
            "SN-2",
            terms(0, 0, 0, 0),
            abi.encodeWithSelector(TwinRegistry.SettlementPeriodOutOfRange.selector, 0, MIN_PERIOD, MAX_PERIOD)
        );
    }

    function test_mint_acceptsTheLongestPeriodAndRefusesASecondMore() public {
        uint256 id = mintWithTerms("SN-1", terms(0, 0, MAX_PERIOD, 0));
        assertTerms(id, terms(0, 0, MAX_PERIOD, 0), NOW);
        expectTermsRevert(
            "SN-2",
            terms(0, 0, MAX_PERIOD + 1, 0),
            abi.encodeWithSelector(
                TwinRegistry.SettlementPeriodOutOfRange.selector, MAX_PERIOD + 1, MIN_PERIOD, MAX_PERIOD
            )
        );
    }

    function test_mint_acceptsTheLongestGraceAndRefusesASecondMore() public {
        uint256 id = mintWithTerms("SN-1", terms(0, 0, MIN_PERIOD, MAX_GRACE));
        assertTerms(id, terms(0, 0, MIN_PERIOD, MAX_GRACE), NOW);
        expectTermsRevert(
            "SN-2",
            terms(0, 0, MIN_PERIOD, MAX_GRACE + 1),
            abi.encodeWithSelector(TwinRegistry.GracePeriodTooLong.selector, MAX_GRACE + 1, MAX_GRACE)
        );
    }

    /// @dev Every bound at its limit at once, and every figure at zero but the period.
    function test_mint_acceptsAllBoundsAtOnceAndZeroTerms() public {
        uint256 id = mintWithTerms("SN-1", terms(MAX_FEE, MAX_TARIFF, MAX_PERIOD, MAX_GRACE));
        assertTerms(id, terms(MAX_FEE, MAX_TARIFF, MAX_PERIOD, MAX_GRACE), NOW);
        uint256 free = mintWithTerms("SN-2", terms(0, 0, MIN_PERIOD, 0));
        assertTerms(free, terms(0, 0, MIN_PERIOD, 0), NOW);
    }

    /// @dev A refused term leaves nothing behind: no twin, the commitment still there to reveal with
    /// good terms.
    function test_mint_refusedTermsMintNothing() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        expectTermsRevert(
            "SN-1",
            terms(MAX_FEE + 1, 0, MIN_PERIOD, 0),
            abi.encodeWithSelector(TwinRegistry.ServiceFeeTooHigh.selector, MAX_FEE + 1, MAX_FEE)
        );
        assertEq(registry.totalSupply(), 0);
        assertGt(registry.commitmentBlock(commitmentOf(operator, rig.serial)), 0, "commitment kept");
        vm.prank(operator);
        assertEq(registry.mint(rig, reporter, 0, DemoRigs.terms(), saltFor(operator, rig.serial)), 1);
    }

    /// @dev Any four figures: the mint goes through exactly when each is within its bound, and
    /// otherwise fails on the first one out of bounds, in the order fee, tariff, period, grace.
    function testFuzz_mint_acceptsExactlyTermsWithinBounds(uint16 feeBps, uint32 tariff, uint32 period, uint32 grace)
        public
    {
        // Half the draws near the bounds, where the edges are.
        feeBps = uint16(feeBps % 2 == 0 ? bound(feeBps, MAX_FEE - 2, MAX_FEE + 2) : uint256(feeBps));
        tariff = uint32(tariff % 2 == 0 ? bound(tariff, MAX_TARIFF - 2, MAX_TARIFF + 2) : uint256(tariff));
        if (period % 3 == 0) period = uint32(bound(period, MIN_PERIOD - 2, MIN_PERIOD + 2));
        else if (period % 3 == 1) period = uint32(bound(period, MAX_PERIOD - 2, MAX_PERIOD + 2));
        grace = uint32(grace % 2 == 0 ? bound(grace, MAX_GRACE - 2, MAX_GRACE + 2) : uint256(grace));
        TwinRegistry.EarningTerms memory t = terms(feeBps, tariff, period, grace);

        bytes memory err;
        if (feeBps > MAX_FEE) {
            err = abi.encodeWithSelector(TwinRegistry.ServiceFeeTooHigh.selector, feeBps, MAX_FEE);
        } else if (tariff > MAX_TARIFF) {
            err = abi.encodeWithSelector(TwinRegistry.TariffTooHigh.selector, tariff, MAX_TARIFF);
        } else if (period < MIN_PERIOD || period > MAX_PERIOD) {
            err = abi.encodeWithSelector(
                TwinRegistry.SettlementPeriodOutOfRange.selector, period, MIN_PERIOD, MAX_PERIOD
            );
        } else if (grace > MAX_GRACE) {
            err = abi.encodeWithSelector(TwinRegistry.GracePeriodTooLong.selector, grace, MAX_GRACE);
        }

        if (err.length != 0) {
            expectTermsRevert("SN-1", t, err);
            assertEq(registry.totalSupply(), 0);
        } else {
            uint256 id = mintWithTerms("SN-1", t);
            assertTerms(id, t, NOW);
        }
    }

    // ---------------------------------------------------------------- terms: event and views

    function test_mint_emitsEarningTermsFixed() public {
        TwinRegistry.EarningTerms memory t = terms(1_205, 5, 5_400, 0);
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        commitAs(operator, rig);
        vm.expectEmit(address(registry));
        emit TwinRegistry.EarningTermsFixed(1, t);
        vm.prank(operator);
        registry.mint(rig, reporter, 0, t, saltFor(operator, rig.serial));
    }

    /// @dev The mint's own block time starts both the first earning period and the meter.
    function test_earningTermsOf_andMeterOf_startAtTheMint() public {
        vm.warp(NOW + 12_345);
        uint256 id = mintWithTerms("SN-1", DemoRigs.terms());
        assertTerms(id, DemoRigs.terms(), NOW + 12_345);
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(energyWh, 0);
        assertEq(meteredThrough, NOW + 12_345);
        assertEq(meteredThrough, registry.lastTelemetryAt(id));
    }

    function test_earningTermsOf_eachTwinKeepsItsOwn() public {
        uint256 a = mintWithTerms("SN-1", terms(100, 10_000, 1 hours, 0));
        vm.warp(NOW + 1 days);
        uint256 b = mintWithTerms("SN-2", terms(2_000, 90_000, 7 days, 2 days));
        assertTerms(a, terms(100, 10_000, 1 hours, 0), NOW);
        assertTerms(b, terms(2_000, 90_000, 7 days, 2 days), NOW + 1 days);
    }

    function test_earningTermsOf_andMeterOf_revertForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.earningTermsOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.meterOf(7);
    }

    // ---------------------------------------------------------------- terms: immutable

    /// @dev Everything anyone can do to a twin afterwards: sell it, approve, hand the rig over, rotate
    /// its reporter, take it offline and back, report, log maintenance, decommission it. The terms
    /// and their start never move.
    function test_earningTerms_surviveEveryLaterAction() public {
        TwinRegistry.EarningTerms memory t = terms(2_500, 120_000, 2 days, 12 hours);
        uint256 id = mintWithTerms("SN-1", t);

        sellTo(id, investor);
        assertTerms(id, t, NOW);
        vm.prank(investor);
        registry.approve(market, id);
        vm.prank(investor);
        registry.setApprovalForAll(market, true);
        vm.prank(market);
        registry.transferFrom(investor, stranger, id);
        assertTerms(id, t, NOW);

        vm.prank(operator);
        registry.proposeOperator(id, successor);
        vm.prank(successor);
        registry.acceptOperator(id);
        assertTerms(id, t, NOW);

        vm.startPrank(successor);
        registry.setReporter(id, stranger);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        registry.setStatus(id, TwinRegistry.Status.Active);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Repair, "hashboard");
        vm.stopPrank();
        assertTerms(id, t, NOW);

        vm.warp(NOW + 1 hours);
        vm.prank(stranger);
        registry.reportTelemetry(id, one(NOW + 1 hours, 3_500));
        assertTerms(id, t, NOW);

        vm.prank(successor);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        sellTo(id, operator);
        assertTerms(id, t, NOW);

        // Minting another rig with other terms touches no one else's.
        mintWithTerms("SN-2", DemoRigs.terms());
        assertTerms(id, t, NOW);
    }

    /// @dev Any sequence of transfers, approvals, hand-overs, reporter rotations, status changes,
    /// telemetry and maintenance: the terms are those of the mint, and so is their start.
    function testFuzz_earningTerms_neverChange(uint8[24] memory ops, uint16 feeBps, uint32 tariff) public {
        TwinRegistry.EarningTerms memory t =
            terms(uint16(bound(feeBps, 0, MAX_FEE)), uint32(bound(tariff, 0, MAX_TARIFF)), 1 days, 6 hours);
        uint256 id = mintWithTerms("SN-1", t);
        address[3] memory people = [operator, investor, stranger];

        for (uint256 i = 0; i < ops.length; ++i) {
            address owner = registry.ownerOf(id);
            address rigOperator = registry.operatorOf(id);
            address to = people[(ops[i] / 8) % 3];
            uint8 op = ops[i] % 8;
            if (op == 0 && to != owner) {
                vm.prank(owner);
                registry.transferFrom(owner, to, id);
            } else if (op == 1) {
                vm.prank(owner);
                registry.approve(to == owner ? market : to, id);
            } else if (op == 2) {
                vm.prank(owner);
                registry.setApprovalForAll(market, ops[i] % 16 < 8);
            } else if (op == 3 && to != rigOperator) {
                vm.prank(rigOperator);
                registry.proposeOperator(id, to);
                vm.prank(to);
                registry.acceptOperator(id);
            } else if (op == 4) {
                vm.prank(rigOperator);
                registry.setReporter(id, ops[i] % 16 < 8 ? reporter : stranger);
            } else if (op == 5 && registry.statusOf(id) != TwinRegistry.Status.Decommissioned) {
                // One or two steps on: never the status it has.
                TwinRegistry.Status next =
                    TwinRegistry.Status((uint8(registry.statusOf(id)) + 1 + (ops[i] / 64) % 2) % 3);
                vm.prank(rigOperator);
                registry.setStatus(id, next);
            } else if (op == 6 && registry.statusOf(id) != TwinRegistry.Status.Decommissioned) {
                vm.warp(block.timestamp + 1 + ops[i]);
                vm.prank(registry.reporterOf(id));
                registry.reportTelemetry(id, one(uint64(block.timestamp), 3_500));
            } else if (op == 7) {
                vm.prank(rigOperator);
                registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, "checked");
            }
            assertTerms(id, t, NOW);
        }
    }

    // ---------------------------------------------------------------- meter: known batches

    /// @dev 3,600 W for ten minutes, again, then 1,800 W for ten: 5,400,000 J, exactly 1,500 Wh.
    function test_meter_exactWattHoursOfAKnownBatch() public {
        uint256 id = mintTwin();
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](3);
        reports[0] = drawing(NOW + 600, 3_600);
        reports[1] = drawing(NOW + 1_200, 3_600);
        reports[2] = drawing(NOW + 1_800, 1_800);
        reportAt(id, reports);
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(energyWh, 1_500);
        assertEq(meteredThrough, NOW + 1_800);
    }

    /// @dev A day of hourly samples from an S21 at 3,500 W is 84 kWh; a second day adds as much.
    function test_meter_aDayOfHourlySamples() public {
        uint256 id = mintTwin();
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](24);
        for (uint64 i = 0; i < 24; ++i) {
            reports[i] = drawing(NOW + (i + 1) * 1 hours, 3_500);
        }
        reportAt(id, reports);
        assertEq(energyOf(id), 84_000);
        for (uint64 i = 0; i < 24; ++i) {
            reports[i] = drawing(NOW + 1 days + (i + 1) * 1 hours, 3_500);
        }
        reportAt(id, reports);
        assertEq(energyOf(id), 168_000);
    }

    /// @dev Each sample meters from the one before it, within a batch and across batches; the power
    /// of a sample is what the rig drew since the previous one.
    function test_meter_eachSampleMetersTheGapBeforeIt() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 1_800, 1_000)); // 1,000 W x 30 min = 500 Wh
        assertEq(energyOf(id), 500);
        reportAt(id, one(NOW + 2_700, 4_000)); // 4,000 W x 15 min = 1,000 Wh
        assertEq(energyOf(id), 1_500);
        reportAt(id, one(NOW + 2_701, 3_600_000)); // 3.6 MW x 1 s = 1,000 Wh
        assertEq(energyOf(id), 2_500);
    }

    function test_meter_firstSampleMetersFromTheMint() public {
        vm.warp(NOW + 5 days);
        uint256 id = mintTwin();
        // 2,000 W for the 30 minutes since the mint, not since the epoch or the commissioning date.
        reportAt(id, one(NOW + 5 days + 1_800, 2_000));
        assertEq(energyOf(id), 1_000);
    }

    /// @dev A rig unreported for longer than an hour is metered for one hour only, however long the
    /// gap; a gap of exactly an hour is metered in full.
    function test_meter_capsEachGapAtOneHour() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 1 hours, 3_500));
        assertEq(energyOf(id), 3_500, "exactly an hour");
        reportAt(id, one(NOW + 2 hours + 1, 3_500));
        assertEq(energyOf(id), 7_000, "an hour and a second");
        reportAt(id, one(NOW + 30 days, 3_500));
        assertEq(energyOf(id), 10_500, "a month of silence");

        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](2);
        reports[0] = drawing(NOW + 31 days, 1_000);
        reports[1] = drawing(NOW + 31 days + 1_800, 1_000);
        reportAt(id, reports);
        assertEq(energyOf(id), 10_500 + 1_000 + 500, "capped within a batch too");
    }

    function test_meter_theFirstGapIsCappedToo() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 10 days, 3_500));
        assertEq(energyOf(id), 3_500);
    }

    /// @dev A batch rounds its sum down, not each sample: two half watt-hours in one batch make one,
    /// in two batches none. The holder's favour both ways: never more energy than was drawn.
    function test_meter_roundsDownPerBatch() public {
        uint256 split = mintTwin();
        reportAt(split, one(NOW + 1_800, 1)); // 1 W x 30 min = 0.5 Wh
        reportAt(split, one(NOW + 3_600, 1));
        assertEq(energyOf(split), 0, "two batches of half a watt-hour");

        uint256 joined = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](2);
        reports[0] = drawing(NOW + 3_600 + 1_800, 1);
        reports[1] = drawing(NOW + 7_200, 1);
        reportAt(joined, reports);
        assertEq(energyOf(joined), 1, "one batch of two halves");

        // 3,599 J is a joule short of a watt-hour.
        uint256 short = mintAs(operator, DemoRigs.s21("SN-3"), 0);
        reportAt(short, one(uint64(block.timestamp) + 3_599, 1));
        assertEq(energyOf(short), 0);
    }

    function test_meter_zeroPowerMetersNothingButMovesTheMeterOn() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 1 hours, 0));
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(energyWh, 0);
        assertEq(meteredThrough, NOW + 1 hours);
    }

    /// @dev A week of hourly samples at the largest power a report can carry fits.
    function test_meter_fullBatchAtMaximumPower() public {
        uint256 id = mintTwin();
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](168);
        for (uint64 i = 0; i < 168; ++i) {
            reports[i] = drawing(NOW + (i + 1) * 1 hours, type(uint32).max);
        }
        reportAt(id, reports);
        assertEq(energyOf(id), 168 * uint256(type(uint32).max));
    }

    /// @dev A refused batch meters nothing: the meter and its time stay where they were.
    function test_meter_refusedBatchMetersNothing() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 1 hours, 3_500));
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](2);
        reports[0] = drawing(NOW + 2 hours, 3_500);
        reports[1] = drawing(NOW + 2 hours, 3_500);
        vm.warp(NOW + 2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 1, NOW + 2 hours, NOW + 2 hours)
        );
        report(id, reports);
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(energyWh, 3_500);
        assertEq(meteredThrough, NOW + 1 hours);
    }

    /// @dev Each twin has its own meter.
    function test_meter_isPerTwin() public {
        uint256 a = mintTwin();
        uint256 b = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        reportAt(a, one(NOW + 1 hours, 1_000));
        reportAt(b, one(NOW + 2 hours, 2_000));
        assertEq(energyOf(a), 1_000);
        assertEq(energyOf(b), 2_000);
    }

    /// @dev Telemetry keeps metering while the rig is offline, and the meter stays readable, frozen,
    /// once it is decommissioned.
    function test_meter_offlineMetersDecommissionedFreezes() public {
        uint256 id = mintTwin();
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        reportAt(id, one(NOW + 1 hours, 100));
        assertEq(energyOf(id), 100);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.warp(NOW + 2 hours);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        report(id, one(NOW + 2 hours, 100));
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(energyWh, 100);
        assertEq(meteredThrough, NOW + 1 hours);
    }

    // ---------------------------------------------------------------- meter: storage

    /// @dev The meter rides in the slot every batch already reads and writes: one slot holds the
    /// reporter, the last telemetry time, the status and the energy, bit for bit.
    function test_meter_sharesTheTelemetrySlot() public {
        uint256 id = mintTwin();
        reportAt(id, one(NOW + 1 hours, 3_500));
        bytes32 slot = stateSlotOf(id, NOW + 2 hours);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);

        uint256 word = uint256(vm.load(address(registry), slot));
        (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
        assertEq(address(uint160(word)), registry.reporterOf(id), "reporter");
        assertEq(uint40(word >> 160), registry.lastTelemetryAt(id), "last telemetry");
        assertEq(uint40(word >> 160), meteredThrough, "metered through");
        assertEq(uint8(word >> 200), uint8(TwinRegistry.Status.Offline), "status");
        assertEq(word >> ENERGY_SHIFT, energyWh, "energy");
        assertEq(energyWh, 3_500);
    }

    /// @dev 48 bits hold 30 years of a 1 GW farm; a batch that would carry the meter past them is
    /// refused rather than wrapped.
    function test_meter_refusesToOverflowItsBits() public {
        uint256 id = mintTwin();
        bytes32 slot = stateSlotOf(id, NOW + 1);
        uint256 word = uint256(vm.load(address(registry), slot));
        uint256 full = type(uint48).max;
        word = (word & ((uint256(1) << ENERGY_SHIFT) - 1)) | (full << ENERGY_SHIFT);
        vm.store(address(registry), slot, bytes32(word));
        assertEq(energyOf(id), full);

        vm.warp(NOW + 1 hours);
        // 2 W for 3,599 s is 7,198 J: one watt-hour more than the meter holds.
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 48, full + 1));
        report(id, one(NOW + 1 hours, 2));
        // Zero power still reports.
        report(id, one(NOW + 1 hours, 0));
        assertEq(energyOf(id), full);
    }

    // ---------------------------------------------------------------- meter: fuzz

    /// @dev Any batches of samples at any powers and gaps of a second to three hours: after each batch
    /// the meter is the sum, over batches, of the batch's power x min(gap, 1 h) in joules, divided by
    /// 3,600 and rounded down; its time is the newest sample's.
    function testFuzz_meter_sumsPowerTimesCappedGapRoundedDownPerBatch(uint256 seed, uint8 batches) public {
        batches = uint8(bound(batches, 1, 6));
        uint256 id = mintTwin();
        uint64 previous = NOW;
        uint256 expected;
        for (uint256 b = 0; b < batches; ++b) {
            uint256 count = 1 + uint256(keccak256(abi.encode(seed, b))) % 12;
            TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
            uint256 joules;
            for (uint256 i = 0; i < count; ++i) {
                uint256 draw = uint256(keccak256(abi.encode(seed, b, i)));
                // Gaps mostly under the cap, a fair share over it; powers small, large and zero.
                uint64 gap = uint64(1 + draw % (draw % 4 == 0 ? 3 hours : 1 hours));
                uint32 power = draw % 7 == 0 ? 0 : uint32(draw >> 64) >> uint8(draw >> 128) % 32;
                previous += gap;
                reports[i] = drawing(previous, power);
                joules += uint256(power) * (gap < 1 hours ? gap : 1 hours);
            }
            reportAt(id, reports);
            expected += joules / 3_600;
            (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
            assertEq(energyWh, expected, "meter");
            assertEq(meteredThrough, previous, "metered through");
        }
    }

    /// @dev Splitting a batch never meters more than keeping it whole, and at most a watt-hour less per
    /// extra batch: rounding is per batch, always down.
    function testFuzz_meter_splittingABatchOnlyRoundsDown(uint32[8] memory powers, uint16[8] memory gaps, uint8 cut)
        public
    {
        uint256 whole = mintTwin();
        uint256 split = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](8);
        uint64 stamp = NOW;
        for (uint256 i = 0; i < 8; ++i) {
            stamp += 1 + uint64(gaps[i]) % 2 hours;
            reports[i] = drawing(stamp, powers[i]);
        }
        reportAt(whole, reports);

        uint256 head = bound(cut, 1, 7);
        TwinRegistry.TelemetryReport[] memory first = new TwinRegistry.TelemetryReport[](head);
        TwinRegistry.TelemetryReport[] memory second = new TwinRegistry.TelemetryReport[](8 - head);
        for (uint256 i = 0; i < 8; ++i) {
            if (i < head) first[i] = reports[i];
            else second[i - head] = reports[i];
        }
        report(split, first);
        report(split, second);

        assertLe(energyOf(split), energyOf(whole));
        assertGe(uint256(energyOf(split)) + 1, energyOf(whole));
    }
}
