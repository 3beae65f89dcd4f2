// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {PriceFeeds} from "../src/lib/PriceFeeds.sol";
import {PublishedFeed} from "../src/PublishedFeed.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {EarningsFixture} from "./utils/EarningsFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {EthRejecter, EthRejectingHolder} from "./mocks/Rejecters.sol";
import {ReentrantClaimer} from "./mocks/ReentrantClaimer.sol";
import {SettableFeed} from "./mocks/SettableFeed.sol";

/// @dev Settling a twin's periods by its terms: who may, what the caps are, what is recorded and who
/// is credited; claims; the price checks; and the figures, fuzzed. The demo twin is minted at NOW with
/// the demo terms (10% fee, $0.065/kWh, daily, six hours' grace) and sold to `investor`; a day of its
/// S21 at 3,500 W meters 84 kWh, $5.46 of power, 0.00182 ETH at $3,000.
contract TwinEarningsTest is EarningsFixture {
    uint256 internal constant DAY_WH = 84_000;
    uint256 internal constant DAY_ELECTRICITY_CAP = 0.00182 ether;
    uint256 internal constant GROSS = 0.01 ether;
    uint256 internal constant FEE_CAP = 0.001 ether;

    uint256 internal id;
    address internal buyer = makeAddr("buyer");
    address internal successor = makeAddr("successor");

    function setUp() public override {
        super.setUp();
        id = mintTwin();
        sellTo(id, investor);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A day of hourly samples at 3,500 W after the twin's newest: 84,000 Wh.
    function reportDay(uint256 tokenId) internal returns (uint64) {
        return reportHours(tokenId, 24, 3_500);
    }

    function terms(uint16 feeBps, uint32 tariff, uint32 period, uint32 grace)
        internal
        pure
        returns (TwinRegistry.EarningTerms memory)
    {
        return TwinRegistry.EarningTerms({
            serviceFeeBps: feeBps, tariffMicroUsdPerKwh: tariff, settlementPeriod: period, gracePeriod: grace
        });
    }

    /// @dev The settlement of the demo twin's first day, with the figures the operator keeps.
    function firstDay(uint256 serviceFee, uint256 electricity, uint256 gross)
        internal
        pure
        returns (TwinEarnings.Settlement memory s)
    {
        s.periodStart = NOW;
        s.periodEnd = NOW + 1 days;
        s.energyWh = uint64(DAY_WH);
        s.priceDecimals = 8;
        s.gross = gross;
        s.serviceFee = serviceFee;
        s.electricity = electricity;
        uint256 kept = serviceFee + electricity;
        if (kept <= gross) s.net = gross - kept;
        else s.shortfall = kept - gross;
        s.serviceFeeCap = gross / 10;
        s.electricityCap = DAY_ELECTRICITY_CAP;
        s.ethUsdPrice = uint256(ETH_USD);
        s.network = figuresAt(NOW);
    }

    function settledNow()
        internal
        returns (uint256 tokenId, uint256 index, address holder, TwinEarnings.Settlement memory s)
    {
        return settledIn(vm.getRecordedLogs(), address(earnings));
    }

    function expectNotOperator(uint256 tokenId, address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NotOperator.selector, tokenId, caller));
        vm.prank(caller);
        earnings.settle(tokenId, reportedThrough[tokenId], GROSS, 0, 0);
    }

    // ---------------------------------------------------------------- deployment

    function test_constructor_wiresTheRegistryAndFeeds() public view {
        assertEq(address(earnings.registry()), address(registry));
        assertEq(address(earnings.ethUsdFeed()), address(ethUsd));
        assertEq(address(earnings.sequencerUptimeFeed()), address(0));
        assertEq(earnings.maxPriceAge(), MAX_PRICE_AGE);
        assertEq(address(earnings.btcUsdFeed()), address(btcUsd));
        assertEq(address(earnings.difficultyFeed()), address(difficulty));
        assertEq(address(earnings.blockFeesFeed()), address(blockFees));
        assertEq(address(earnings.vault()), address(vault));
    }

    function test_constructor_revertsOnZeroRegistryOrPriceFeed() public {
        vm.expectRevert(TwinEarnings.ZeroAddress.selector);
        new TwinEarnings(TwinRegistry(address(0)), ethUsd, NO_SEQUENCER, MAX_PRICE_AGE, networkFeeds(), vault);
        vm.expectRevert(TwinEarnings.ZeroAddress.selector);
        new TwinEarnings(
            registry, AggregatorV3Interface(address(0)), NO_SEQUENCER, MAX_PRICE_AGE, networkFeeds(), vault
        );
    }

    function test_constructor_revertsOnEachZeroNetworkFeed() public {
        for (uint256 i = 0; i < 3; ++i) {
            AggregatorV3Interface[3] memory network = networkFeeds();
            network[i] = AggregatorV3Interface(address(0));
            vm.expectRevert(TwinEarnings.ZeroAddress.selector);
            new TwinEarnings(registry, ethUsd, NO_SEQUENCER, MAX_PRICE_AGE, network, vault);
        }
    }

    function test_constructor_revertsOnZeroMaxPriceAge() public {
        vm.expectRevert(TwinEarnings.ZeroMaxPriceAge.selector);
        new TwinEarnings(registry, ethUsd, NO_SEQUENCER, 0, networkFeeds(), vault);
    }

    function test_constructor_revertsOnZeroVault() public {
        vm.expectRevert(TwinEarnings.ZeroAddress.selector);
        new TwinEarnings(registry, ethUsd, NO_SEQUENCER, MAX_PRICE_AGE, networkFeeds(), ITwinVault(address(0)));
    }

    // ---------------------------------------------------------------- settle: who

    function test_settle_revertsForAnyoneButTheOperator() public {
        reportDay(id);
        expectNotOperator(id, investor);
        expectNotOperator(id, reporter);
        expectNotOperator(id, stranger);
        expectNotOperator(id, address(this));
    }

    /// @dev The operator's role follows the rig: after a hand-over only the new operator settles.
    function test_settle_followsTheOperatorHandOver() public {
        reportDay(id);
        vm.prank(operator);
        registry.proposeOperator(id, successor);
        expectNotOperator(id, successor);

        vm.prank(successor);
        registry.acceptOperator(id);
        expectNotOperator(id, operator);
        settleAs(successor, id, GROSS, 0, 0);
        assertEq(earnings.claimableOf(investor), GROSS);
    }

    function test_settle_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        vm.prank(operator);
        earnings.settle(7, reportedThrough[7], GROSS, 0, 0);
    }

    // ---------------------------------------------------------------- settle: the period

    function test_settle_revertsWithoutTelemetrySinceTheMint() public {
        vm.warp(NOW + 2 days);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NoNewTelemetry.selector, id, NOW));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);
    }

    function test_settle_revertsWithoutTelemetrySinceTheLastSettlement() public {
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NoNewTelemetry.selector, id, NOW + 1 days));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);
    }

    /// @dev A sample a second after the last period is a period of its own.
    function test_settle_aSecondOfTelemetryIsAPeriod() public {
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        vm.warp(NOW + 1 days + 1);
        report(id, single(NOW + 1 days + 1));
        vm.recordLogs();
        settleAs(operator, id, 0, 0, 0);
        (, uint256 index,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(index, 1);
        assertEq(s.periodStart, NOW + 1 days);
        assertEq(s.periodEnd, NOW + 1 days + 1);
        assertEq(s.energyWh, 0, "3,488 J is under a watt-hour");
    }

    // ---------------------------------------------------------------- settle: happy path

    /// @dev Every figure of the event: the period from the mint to the newest sample, its energy, the
    /// caps at the terms and the price, what the operator kept, the net, and the network as the feeds
    /// gave it.
    function test_settle_emitsEveryFigure() public {
        reportDay(id);
        uint256 fee = 0.0008 ether;
        uint256 electricity = 0.0015 ether;
        TwinEarnings.Settlement memory expected = firstDay(fee, electricity, GROSS);
        assertEq(expected.net, 0.0077 ether);
        vm.deal(operator, expected.net);

        vm.expectEmit(address(earnings));
        emit TwinEarnings.Settled(id, 0, investor, expected);
        vm.recordLogs();
        vm.prank(operator);
        earnings.settle{value: 0.0077 ether}(id, reportedThrough[id], GROSS, fee, electricity);

        (uint256 tokenId, uint256 index, address holder, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(tokenId, id);
        assertEq(index, 0);
        assertEq(holder, investor);
        assertSettlement(s, expected);
    }

    function test_settle_creditsTheNetToTheHolderOfRecord() public {
        reportDay(id);
        uint256 net = GROSS - FEE_CAP - DAY_ELECTRICITY_CAP;
        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);

        assertEq(net, 0.00718 ether);
        assertEq(earnings.claimableOf(investor), net);
        assertEq(earnings.claimableOf(operator), 0, "the operator keeps its share by paying in less");
        assertEq(address(earnings).balance, net);
        assertEq(operator.balance, 0, "the operator paid in exactly the net");
    }

    /// @dev A twin its operator still holds credits the operator.
    function test_settle_creditsTheOperatorWhenItHoldsTheTwin() public {
        uint256 kept = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        reportDay(kept);
        settleAs(operator, kept, GROSS, FEE_CAP, 0);
        assertEq(earnings.claimableOf(operator), GROSS - FEE_CAP);
    }

    /// @dev The next period starts where the last ended, meters only the energy since, and is
    /// priced at the price of its own settlement.
    function test_settle_nextPeriodStartsWhereTheLastEnded() public {
        reportDay(id);
        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);

        reportHours(id, 24, 1_000);
        publishPrice(1_500e8);
        // 24 kWh at $0.065 is $1.56, 0.00104 ETH at $1,500.
        TwinEarnings.Settlement memory expected;
        expected.periodStart = NOW + 1 days;
        expected.periodEnd = NOW + 2 days;
        expected.energyWh = 24_000;
        expected.priceDecimals = 8;
        expected.gross = 0.005 ether;
        expected.serviceFee = 0.0005 ether;
        expected.electricity = 0.00104 ether;
        expected.net = 0.00346 ether;
        expected.serviceFeeCap = 0.0005 ether;
        expected.electricityCap = 0.00104 ether;
        expected.ethUsdPrice = 1_500e8;
        expected.network = figuresAt(NOW);

        vm.expectEmit(address(earnings));
        emit TwinEarnings.Settled(id, 1, investor, expected);
        settleAs(operator, id, 0.005 ether, 0.0005 ether, 0.00104 ether);
        assertEq(earnings.claimableOf(investor), 0.00718 ether + 0.00346 ether);
        assertEq(earnings.periodOf(id).settled, 2);
    }

    /// @dev Credits land with whoever holds the twin when a settlement does: the seller keeps what
    /// was settled before the sale (and may claim it after), the buyer gets every settlement after it,
    /// the whole of a period the sale fell in included.
    function test_settle_saleMidPeriod_sellerKeepsWhatCameBeforeBuyerGetsWhatComesAfter() public {
        reportDay(id);
        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);
        uint256 sellerCredit = earnings.claimableOf(investor);

        reportHours(id, 12, 3_500);
        sellTo(id, buyer);
        reportHours(id, 12, 3_500);
        refreshFeeds();

        vm.recordLogs();
        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);
        (,, address holder, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(holder, buyer);
        assertEq(s.periodStart, NOW + 1 days);
        assertEq(s.periodEnd, NOW + 2 days);
        assertEq(s.energyWh, DAY_WH, "both halves of the day");
        assertEq(earnings.claimableOf(buyer), s.net);
        assertEq(earnings.claimableOf(investor), sellerCredit, "the seller's credit stays the seller's");

        vm.prank(investor);
        earnings.claim(none());
        assertEq(investor.balance, sellerCredit);
        assertEq(earnings.claimableOf(buyer), s.net);
        assertEq(address(earnings).balance, s.net);
    }

    // ---------------------------------------------------------------- settle: caps

    function test_settle_revertsOnServiceFeeOverTheCap() public {
        reportDay(id);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ServiceFeeAboveCap.selector, FEE_CAP + 1, FEE_CAP));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, FEE_CAP + 1, 0);
        settleAs(operator, id, GROSS, FEE_CAP, 0);
    }

    function test_settle_revertsOnElectricityOverTheCap() public {
        reportDay(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                TwinEarnings.ElectricityAboveCap.selector, DAY_ELECTRICITY_CAP + 1, DAY_ELECTRICITY_CAP
            )
        );
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, DAY_ELECTRICITY_CAP + 1);
        settleAs(operator, id, GROSS, 0, DAY_ELECTRICITY_CAP);
    }

    /// @dev A twin with a zero fee and a zero tariff lets the operator keep nothing at all.
    function test_settle_zeroTermsCapBothAtZero() public {
        uint256 free = mintWithTerms(operator, "SN-2", terms(0, 0, 1 days, 0));
        reportDay(free);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ServiceFeeAboveCap.selector, 1, 0));
        vm.prank(operator);
        earnings.settle(free, reportedThrough[free], GROSS, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ElectricityAboveCap.selector, 1, 0));
        vm.prank(operator);
        earnings.settle(free, reportedThrough[free], GROSS, 0, 1);
    }

    // ---------------------------------------------------------------- settle: payment

    function test_settle_revertsUnlessExactlyTheNetIsPaid() public {
        reportDay(id);
        uint256 net = GROSS - FEE_CAP - DAY_ELECTRICITY_CAP;
        uint256[3] memory wrong = [net - 1, net + 1, 0];
        for (uint256 i = 0; i < wrong.length; ++i) {
            vm.deal(operator, wrong[i]);
            vm.expectRevert(abi.encodeWithSelector(TwinEarnings.PaymentNotNet.selector, id, net, wrong[i]));
            vm.prank(operator);
            earnings.settle{value: wrong[i]}(id, reportedThrough[id], GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);
        }
        assertEq(earnings.periodOf(id).settled, 0);
    }

    /// @dev Fee and electricity over the gross: the holder gets nothing, the operator pays nothing,
    /// and the shortfall is on the record.
    function test_settle_shortfallPaysNothingAndRecordsIt() public {
        reportDay(id);
        uint256 gross = 0.002 ether;
        TwinEarnings.Settlement memory expected = firstDay(0.0002 ether, DAY_ELECTRICITY_CAP, gross);
        assertEq(expected.net, 0);
        assertEq(expected.shortfall, 0.00002 ether);

        vm.deal(operator, 1);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.PaymentNotNet.selector, id, 0, 1));
        vm.prank(operator);
        earnings.settle{value: 1}(id, reportedThrough[id], gross, 0.0002 ether, DAY_ELECTRICITY_CAP);

        vm.expectEmit(address(earnings));
        emit TwinEarnings.Settled(id, 0, investor, expected);
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], gross, 0.0002 ether, DAY_ELECTRICITY_CAP);
        assertEq(earnings.claimableOf(investor), 0);
        assertEq(address(earnings).balance, 0);
        assertEq(earnings.periodOf(id).settled, 1, "the period is settled all the same");
    }

    /// @dev A period that earned nothing still settles: the shortfall is the electricity kept.
    function test_settle_zeroGross() public {
        reportDay(id);
        vm.recordLogs();
        settleAs(operator, id, 0, 0, DAY_ELECTRICITY_CAP);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.net, 0);
        assertEq(s.serviceFeeCap, 0);
        assertEq(s.shortfall, DAY_ELECTRICITY_CAP);
    }

    function test_settle_breakEvenIsNeitherNetNorShortfall() public {
        reportDay(id);
        vm.recordLogs();
        settleAs(operator, id, 0.002 ether, 0.0002 ether, 0.0018 ether);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.net, 0);
        assertEq(s.shortfall, 0);
    }

    // ---------------------------------------------------------------- settle: late

    /// @dev Late once the block is past the period's start, plus the settlement period, plus the grace:
    /// at that second it is not yet late.
    function test_settle_lateOnlyAfterPeriodAndGrace() public {
        reportDay(id);
        uint64 lateAt = NOW + 1 days + 6 hours;
        assertEq(earnings.periodOf(id).lateAt, lateAt);
        assertFalse(earnings.quote(id, GROSS).late, "at the end of the telemetry");

        vm.warp(lateAt);
        refreshFeeds();
        assertFalse(earnings.quote(id, GROSS).late, "at lateAt");
        vm.warp(lateAt + 1);
        assertTrue(earnings.quote(id, GROSS).late, "a second past lateAt");

        vm.recordLogs();
        settleAs(operator, id, GROSS, 0, 0);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertTrue(s.late);
    }

    /// @dev The next period's clock starts at the last one's end, not at the settlement.
    function test_settle_lateCountsFromThePeriodStart() public {
        reportDay(id);
        vm.warp(NOW + 1 days + 6 hours + 1);
        refreshFeeds();
        settleAs(operator, id, GROSS, 0, 0);

        reportHours(id, 2, 3_500);
        // Start NOW + 1 day: late after NOW + 2 days + 6 hours.
        vm.warp(NOW + 2 days + 6 hours);
        refreshFeeds();
        assertFalse(earnings.quote(id, GROSS).late);
        vm.warp(NOW + 2 days + 6 hours + 1);
        assertTrue(earnings.quote(id, GROSS).late);
    }

    // ---------------------------------------------------------------- settle: decommissioned

    function test_settle_decommissionedTwinSettlesItsLastPeriodThenNoNewTelemetry() public {
        reportDay(id);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.warp(NOW + 1 days + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        report(id, single(NOW + 1 days + 1 hours));

        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);
        assertEq(earnings.claimableOf(investor), 0.00718 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NoNewTelemetry.selector, id, NOW + 1 days));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);
    }

    // ---------------------------------------------------------------- settle: the price

    function test_settle_revertsOnAStalePrice() public {
        reportDay(id);
        vm.warp(NOW + MAX_PRICE_AGE + 1);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.StalePrice.selector, address(ethUsd), NOW, MAX_PRICE_AGE));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);

        publishPrice(ETH_USD);
        settleAs(operator, id, GROSS, 0, 0);
    }

    function test_settle_revertsOnAZeroOrNegativePrice() public {
        reportDay(id);
        publishPrice(0);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.NonPositivePrice.selector, address(ethUsd), int256(0)));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);
        publishPrice(-1);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.NonPositivePrice.selector, address(ethUsd), int256(-1)));
        vm.prank(operator);
        earnings.settle(id, reportedThrough[id], GROSS, 0, 0);
    }

    /// @dev Deployed with a sequencer-uptime feed, as on an L2: no settlement or quote while the
    /// sequencer is down or within an hour of coming back; then both go through.
    function test_settle_honoursTheSequencerFeed() public {
        SettableFeed sequencer = new SettableFeed();
        TwinEarnings l2 = deployEarnings(ethUsd, sequencer);
        reportDay(id);

        sequencer.set(1, block.timestamp - 2 hours, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.SequencerDown.selector, address(sequencer)));
        vm.prank(operator);
        l2.settle(id, reportedThrough[id], GROSS, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.SequencerDown.selector, address(sequencer)));
        l2.quote(id, GROSS);

        uint256 upSince = block.timestamp - 1 hours;
        sequencer.set(0, upSince, upSince);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.SequencerGracePeriod.selector, address(sequencer), upSince));
        vm.prank(operator);
        l2.settle(id, reportedThrough[id], GROSS, 0, 0);

        sequencer.set(0, upSince - 1, upSince - 1);
        assertEq(l2.quote(id, GROSS).net, GROSS - FEE_CAP - DAY_ELECTRICITY_CAP);
        vm.deal(operator, GROSS);
        vm.prank(operator);
        l2.settle{value: GROSS}(id, reportedThrough[id], GROSS, 0, 0);
        assertEq(l2.claimableOf(investor), GROSS);
        assertEq(address(l2.sequencerUptimeFeed()), address(sequencer));
    }

    /// @dev The price's decimals come from the feed: a feed of 18 decimals gives the same cap.
    function test_settle_readsThePriceDecimalsFromTheFeed() public {
        reportDay(id);
        PublishedFeed precise = new PublishedFeed(feedOwner, 18, "ETH / USD", 3_000e18);
        TwinEarnings other = deployEarnings(precise, NO_SEQUENCER);
        TwinEarnings.Settlement memory q = other.quote(id, GROSS);
        assertEq(q.priceDecimals, 18);
        assertEq(q.ethUsdPrice, 3_000e18);
        assertEq(q.electricityCap, DAY_ELECTRICITY_CAP);
    }

    // ---------------------------------------------------------------- settle: network figures

    /// @dev The three figures are recorded as the feeds give them, zero and negative included, with
    /// the time of the oldest; none of them is checked, however old.
    function test_settle_recordsNetworkFiguresAsGiven() public {
        vm.warp(NOW + 1 hours);
        vm.prank(feedOwner);
        difficulty.publish(-5);
        vm.warp(NOW + 2 hours);
        vm.prank(feedOwner);
        blockFees.publish(7);
        vm.warp(NOW + 3 hours);
        vm.prank(feedOwner);
        btcUsd.publish(0);
        reportHours(id, 24, 3_500);
        vm.warp(NOW + 30 days);
        publishPrice(ETH_USD);

        vm.recordLogs();
        settleAs(operator, id, GROSS, 0, 0);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.network.btcUsd, 0);
        assertEq(s.network.difficulty, -5);
        assertEq(s.network.feesPerBlock, 7);
        assertEq(s.network.oldestAt, NOW + 1 hours, "a month old, recorded all the same");
    }

    /// @dev A network feed that reverts is recorded as nothing published: the payout does not wait on it.
    function test_settle_goesThroughWhenANetworkFeedReverts() public {
        reportDay(id);
        vm.mockCallRevert(
            address(difficulty), abi.encodeWithSelector(AggregatorV3Interface.latestRoundData.selector), "feed gone"
        );
        vm.recordLogs();
        settleAs(operator, id, GROSS, 0, 0);
        (,, address holder, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.network.difficulty, 0, "nothing published");
        assertEq(s.network.oldestAt, 0, "a figure with no time makes the oldest time unknown");
        assertEq(s.network.btcUsd, BTC_USD);
        assertEq(earnings.claimableOf(holder), GROSS);
    }

    /// @dev A report that lands after the operator worked the gross out would stretch the period
    /// under the figure: the settlement names the end it was worked out to, and is refused.
    function test_settle_revertsWhenAReportLandedAfterThePeriodEndNamed() public {
        uint64 end = reportDay(id);
        vm.warp(end + 1 hours);
        report(id, single(end + 1 hours));
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.PeriodEndMoved.selector, id, end, end + 1 hours));
        vm.prank(operator);
        earnings.settle(id, end, GROSS, 0, 0);

        settleAs(operator, id, GROSS, 0, 0);
        assertEq(earnings.periodOf(id).start, end + 1 hours, "settled to the newest report once named");
    }

    /// @dev Whichever of the three is oldest, its time is the one recorded.
    function test_settle_recordsTheOldestFigureTime() public {
        reportDay(id);
        uint64 t = uint64(block.timestamp);
        uint64[3][3] memory orders = [[t - 1, t - 2, t - 3], [t - 3, t - 1, t - 2], [t - 2, t - 3, t - 1]];
        for (uint256 i = 0; i < orders.length; ++i) {
            SettableFeed[3] memory feeds = [new SettableFeed(), new SettableFeed(), new SettableFeed()];
            for (uint256 f = 0; f < 3; ++f) {
                feeds[f].set(int256(f) - 1, orders[i][f], orders[i][f]);
            }
            TwinEarnings other = new TwinEarnings(
                registry,
                ethUsd,
                NO_SEQUENCER,
                MAX_PRICE_AGE,
                [AggregatorV3Interface(feeds[0]), feeds[1], feeds[2]],
                vault
            );
            TwinEarnings.NetworkFigures memory n = other.quote(id, GROSS).network;
            assertEq(n.btcUsd, -1);
            assertEq(n.difficulty, 0);
            assertEq(n.feesPerBlock, 1);
            assertEq(n.oldestAt, t - 3);
        }
    }

    /// @dev Any answers and any times: recorded as they are, the oldest time with them.
    function testFuzz_settle_recordsNetworkFiguresAsGiven(int256[3] memory answers, uint64[3] memory times) public {
        SettableFeed[3] memory feeds = [new SettableFeed(), new SettableFeed(), new SettableFeed()];
        for (uint256 f = 0; f < 3; ++f) {
            feeds[f].set(answers[f], times[f], times[f]);
        }
        earnings = new TwinEarnings(
            registry, ethUsd, NO_SEQUENCER, MAX_PRICE_AGE, [AggregatorV3Interface(feeds[0]), feeds[1], feeds[2]], vault
        );
        reportDay(id);
        vm.recordLogs();
        settleAs(operator, id, GROSS, 0, 0);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.network.btcUsd, answers[0]);
        assertEq(s.network.difficulty, answers[1]);
        assertEq(s.network.feesPerBlock, answers[2]);
        uint64 oldest = times[0] < times[1] ? times[0] : times[1];
        assertEq(s.network.oldestAt, oldest < times[2] ? oldest : times[2]);
    }

    // ---------------------------------------------------------------- quote and periodOf

    /// @dev What settling now with the full caps would record; anyone may ask, and asking moves nothing.
    function test_quote_isTheSettlementAtTheFullCaps() public {
        reportDay(id);
        vm.prank(stranger);
        TwinEarnings.Settlement memory q = earnings.quote(id, GROSS);
        assertSettlement(q, firstDay(FEE_CAP, DAY_ELECTRICITY_CAP, GROSS));
        assertEq(earnings.periodOf(id).settled, 0);

        vm.recordLogs();
        settleAs(operator, id, GROSS, q.serviceFeeCap, q.electricityCap);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertSettlement(s, q);
    }

    function test_quote_showsTheShortfall() public {
        reportDay(id);
        TwinEarnings.Settlement memory q = earnings.quote(id, 0.001 ether);
        assertEq(q.net, 0);
        assertEq(q.shortfall, 0.0001 ether + DAY_ELECTRICITY_CAP - 0.001 ether);
    }

    function test_quote_revertsAsSettleWould() public {
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NoNewTelemetry.selector, id, NOW));
        earnings.quote(id, GROSS);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        earnings.quote(7, GROSS);
        reportDay(id);
        vm.warp(NOW + MAX_PRICE_AGE + 1);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.StalePrice.selector, address(ethUsd), NOW, MAX_PRICE_AGE));
        earnings.quote(id, GROSS);
    }

    function test_periodOf_newTwinStartsAtItsMint() public view {
        TwinEarnings.Period memory p = earnings.periodOf(id);
        assertEq(p.start, NOW);
        assertEq(p.end, NOW, "no telemetry yet");
        assertEq(p.energyWh, 0);
        assertEq(p.dueAt, NOW + 1 days);
        assertEq(p.lateAt, NOW + 1 days + 6 hours);
        assertEq(p.settled, 0);
    }

    function test_periodOf_followsTelemetryAndSettlements() public {
        reportHours(id, 5, 2_000);
        TwinEarnings.Period memory p = earnings.periodOf(id);
        assertEq(p.start, NOW);
        assertEq(p.end, NOW + 5 hours);
        assertEq(p.energyWh, 10_000);

        settleAs(operator, id, GROSS, 0, 0);
        p = earnings.periodOf(id);
        assertEq(p.start, NOW + 5 hours);
        assertEq(p.end, NOW + 5 hours);
        assertEq(p.energyWh, 0);
        assertEq(p.dueAt, NOW + 5 hours + 1 days);
        assertEq(p.lateAt, NOW + 5 hours + 1 days + 6 hours);
        assertEq(p.settled, 1);

        reportHours(id, 3, 1_000);
        p = earnings.periodOf(id);
        assertEq(p.end, NOW + 8 hours);
        assertEq(p.energyWh, 3_000);
    }

    /// @dev Other terms, other due dates: a weekly twin with a day's grace.
    function test_periodOf_usesTheTwinsOwnTerms() public {
        uint256 weekly = mintWithTerms(operator, "SN-2", terms(800, 38_000, 7 days, 1 days));
        TwinEarnings.Period memory p = earnings.periodOf(weekly);
        assertEq(p.dueAt, NOW + 7 days);
        assertEq(p.lateAt, NOW + 8 days);
    }

    function test_periodOf_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        earnings.periodOf(7);
    }

    // ---------------------------------------------------------------- claims

    function test_claim_paysTheCreditOnceAndEmits() public {
        reportDay(id);
        settleAs(operator, id, GROSS, FEE_CAP, DAY_ELECTRICITY_CAP);
        uint256 net = 0.00718 ether;

        vm.expectEmit(address(earnings));
        emit TwinEarnings.Claimed(investor, investor, net);
        vm.prank(investor);
        earnings.claim(none());
        assertEq(investor.balance, net);
        assertEq(earnings.claimableOf(investor), 0);
        assertEq(address(earnings).balance, 0);

        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, investor));
        vm.prank(investor);
        earnings.claim(none());
    }

    /// @dev Credits add up across periods and twins until claimed.
    function test_claim_takesEveryCreditAtOnce() public {
        uint256 other = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        sellTo(other, investor);
        reportDay(id);
        reportDay(other);
        settleAs(operator, id, GROSS, 0, 0);
        settleAs(operator, other, 2 * GROSS, 0, 0);
        reportDay(id);
        refreshFeeds();
        settleAs(operator, id, 3 * GROSS, 0, 0);

        vm.prank(investor);
        earnings.claim(none());
        assertEq(investor.balance, 6 * GROSS);
    }

    function test_claim_revertsWithNothingToClaim() public {
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, stranger));
        vm.prank(stranger);
        earnings.claim(none());
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, stranger));
        vm.prank(stranger);
        earnings.claimTo(payable(investor), none());
    }

    function test_claimTo_sendsTheCreditElsewhere() public {
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        vm.expectEmit(address(earnings));
        emit TwinEarnings.Claimed(investor, stranger, GROSS);
        vm.prank(investor);
        earnings.claimTo(payable(stranger), none());
        assertEq(stranger.balance, GROSS);
        assertEq(investor.balance, 0);
        assertEq(earnings.claimableOf(investor), 0);
    }

    function test_claimTo_revertsOnZeroAddress() public {
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        vm.expectRevert(TwinEarnings.ZeroAddress.selector);
        vm.prank(investor);
        earnings.claimTo(payable(address(0)), none());
        assertEq(earnings.claimableOf(investor), GROSS);
    }

    /// @dev A holder that cannot take ETH keeps its credit when a claim fails, and gets it out with
    /// claimTo.
    function test_claim_holderRefusingEthKeepsItsCreditAndUsesClaimTo() public {
        address holder = address(new EthRejectingHolder());
        sellTo(id, holder);
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        assertEq(earnings.claimableOf(holder), GROSS);

        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, holder, GROSS));
        vm.prank(holder);
        earnings.claim(none());
        assertEq(earnings.claimableOf(holder), GROSS);
        assertEq(address(earnings).balance, GROSS);

        vm.prank(holder);
        earnings.claimTo(payable(stranger), none());
        assertEq(stranger.balance, GROSS);
        assertEq(earnings.claimableOf(holder), 0);
    }

    function test_claimTo_recipientRefusingEthFailsAndKeepsTheCredit() public {
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);
        address rejecter = address(new EthRejecter());
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, rejecter, GROSS));
        vm.prank(investor);
        earnings.claimTo(payable(rejecter), none());
        assertEq(earnings.claimableOf(investor), GROSS);
    }

    /// @dev A holder re-entering from `receive`, by claim, claimTo itself or claimTo another: refused
    /// by the guard, the credit already zeroed while it is paid, and paid exactly once.
    function test_claim_reentryIsRefusedAndPaysOnce() public {
        ReentrantClaimer.Reentry[3] memory ways = [
            ReentrantClaimer.Reentry.Claim, ReentrantClaimer.Reentry.ClaimToSelf, ReentrantClaimer.Reentry.ClaimToOther
        ];
        for (uint256 i = 0; i < ways.length; ++i) {
            ReentrantClaimer claimer = new ReentrantClaimer(earnings);
            uint256 twin = mintAs(operator, DemoRigs.s21(string.concat("SN-R", vm.toString(i))), 0);
            sellTo(twin, address(claimer));
            reportHours(twin, 1, 3_500);
            settleAs(operator, twin, GROSS, 0, 0);
            claimer.arm(ways[i], false, payable(stranger));

            claimer.claim();
            assertEq(claimer.received(), GROSS, "paid once");
            assertEq(claimer.attempts(), 1);
            assertFalse(claimer.lastReentrySucceeded());
            assertEq(
                claimer.lastReentryError(),
                abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
            );
            assertEq(claimer.claimableWhilePaid(), 0, "zeroed before the payment");
            assertEq(earnings.claimableOf(address(claimer)), 0);
        }
        assertEq(stranger.balance, 0);
        assertEq(address(earnings).balance, 0);
    }

    /// @dev The same through claimTo, and with the refusal propagated: then the claim fails whole and
    /// the credit stays.
    function test_claimTo_reentryIsRefusedAndAFailedPaymentKeepsTheCredit() public {
        ReentrantClaimer claimer = new ReentrantClaimer(earnings);
        sellTo(id, address(claimer));
        reportDay(id);
        settleAs(operator, id, GROSS, 0, 0);

        claimer.arm(ReentrantClaimer.Reentry.Claim, true, payable(stranger));
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, address(claimer), GROSS));
        claimer.claimTo(payable(claimer));
        assertEq(earnings.claimableOf(address(claimer)), GROSS);
        assertEq(address(earnings).balance, GROSS);

        claimer.arm(ReentrantClaimer.Reentry.ClaimToOther, false, payable(stranger));
        claimer.claimTo(payable(claimer));
        assertEq(claimer.received(), GROSS);
        assertEq(stranger.balance, 0);
        assertEq(
            claimer.lastReentryError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
    }

    // ---------------------------------------------------------------- fuzz: the figures

    /// @dev Any terms, any day of power, any gross and anything within the caps: the operator's share
    /// and the holder's add up to the gross (plus the shortfall), the shortfall is zero whenever the
    /// gross covers what was kept, and the holder is credited exactly the net, which is what was paid.
    function testFuzz_settle_figuresAddUp(
        uint16 feeBps,
        uint32 tariff,
        uint32 power,
        uint256 gross,
        uint256 fee,
        uint256 electricity
    ) public {
        uint256 twin = mintWithTerms(
            operator,
            "SN-F",
            terms(uint16(bound(feeBps, 0, 3_000)), uint32(bound(tariff, 0, 1_000_000)), 1 days, 6 hours)
        );
        sellTo(twin, investor);
        reportHours(twin, 24, power);
        gross = bound(gross, 0, 1_000 ether);
        TwinEarnings.Settlement memory q = earnings.quote(twin, gross);
        fee = bound(fee, 0, q.serviceFeeCap);
        electricity = bound(electricity, 0, q.electricityCap);

        vm.recordLogs();
        settleAs(operator, twin, gross, fee, electricity);
        (uint256 tokenId,, address holder, TwinEarnings.Settlement memory s) = settledNow();

        assertEq(tokenId, twin);
        assertEq(holder, investor);
        assertEq(s.serviceFee, fee);
        assertEq(s.electricity, electricity);
        assertEq(s.serviceFee + s.electricity + s.net, s.gross + s.shortfall, "fee + electricity + net");
        if (gross >= fee + electricity) {
            assertEq(s.shortfall, 0, "no shortfall when the gross covers it");
            assertEq(s.net, gross - fee - electricity);
        } else {
            assertEq(s.net, 0, "no net with a shortfall");
            assertEq(s.shortfall, fee + electricity - gross);
        }
        assertEq(s.serviceFeeCap, q.serviceFeeCap, "the quote's caps");
        assertEq(s.electricityCap, q.electricityCap, "the quote's caps");
        assertEq(s.energyWh, 24 * uint256(power));
        assertEq(earnings.claimableOf(investor), s.net);
        assertEq(address(earnings).balance, s.net);
        assertEq(operator.balance, 0, "paid exactly the net");
    }

    /// @dev The fee cap is the terms' share of the gross, rounded down: the cap goes through, a wei
    /// more is refused with the cap in the error.
    function testFuzz_settle_serviceFeeCapEnforced(uint16 feeBps, uint256 gross) public {
        feeBps = uint16(bound(feeBps, 0, 3_000));
        gross = bound(gross, 0, 1e30);
        uint256 twin = mintWithTerms(operator, "SN-F", terms(feeBps, 65_000, 1 days, 6 hours));
        reportHours(twin, 1, 3_500);
        uint256 cap = gross * feeBps / 10_000;

        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ServiceFeeAboveCap.selector, cap + 1, cap));
        vm.prank(operator);
        earnings.settle(twin, reportedThrough[twin], gross, cap + 1, 0);

        vm.recordLogs();
        settleAs(operator, twin, gross, cap, 0);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.serviceFeeCap, cap);
        assertEq(s.net, gross - cap);
    }

    /// @dev The electricity cap is the period's metered energy at the tariff and the price: the cap
    /// goes through, a wei more is refused with the cap in the error.
    function testFuzz_settle_electricityCapEnforced(uint32 tariff, uint32 power, uint8 hours_, int256 price) public {
        tariff = uint32(bound(tariff, 0, 1_000_000));
        hours_ = uint8(bound(hours_, 1, 168));
        price = bound(price, 1, 1e15);
        uint256 twin = mintWithTerms(operator, "SN-F", terms(0, tariff, 1 days, 6 hours));
        reportHours(twin, hours_, power);
        publishPrice(price);
        uint256 cap = electricityCapOf(uint256(hours_) * power, tariff, uint256(price), 8);

        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ElectricityAboveCap.selector, cap + 1, cap));
        vm.prank(operator);
        earnings.settle(twin, reportedThrough[twin], cap, 0, cap + 1);

        vm.recordLogs();
        settleAs(operator, twin, cap, 0, cap);
        (,,, TwinEarnings.Settlement memory s) = settledNow();
        assertEq(s.electricityCap, cap);
        assertEq(s.net, 0);
        assertEq(s.shortfall, 0);
    }

    /// @dev The contract's cap against the cost worked out apart: energy in Wh x tariff in µUSD/kWh is
    /// nanodollars; at `price` with `decimals` decimals, the cap is the largest wei amount worth no more
    /// than that. Checked both ways: against mulDiv, and as floor division (cap x price <= cost <
    /// (cap + 1) x price, in units of 10^-(18 + decimals) dollars).
    function testFuzz_electricityCap_matchesIndependentComputation(
        uint256 energyWh,
        uint32 tariff,
        uint256 price,
        uint8 decimals
    ) public {
        energyWh = bound(energyWh, 0, 168 * uint256(type(uint32).max));
        tariff = uint32(bound(tariff, 0, 1_000_000));
        decimals = uint8(bound(decimals, 0, 18));
        price = bound(price, 1, 1e36);
        uint256 twin = mintWithTerms(operator, "SN-F", terms(0, tariff, 1 days, 6 hours));
        meterExactly(twin, energyWh);
        PublishedFeed feed = new PublishedFeed(feedOwner, decimals, "ETH / USD", int256(price));
        TwinEarnings other = deployEarnings(feed, NO_SEQUENCER);

        TwinEarnings.Settlement memory q = other.quote(twin, 0);
        assertEq(q.energyWh, energyWh, "metered");
        assertEq(q.priceDecimals, decimals);
        assertEq(q.ethUsdPrice, price);
        uint256 nanoDollars = energyWh * tariff;
        assertEq(q.electricityCap, Math.mulDiv(nanoDollars * 1e9, 10 ** decimals, price), "mulDiv");
        uint256 cost = nanoDollars * 10 ** (9 + uint256(decimals));
        assertLe(q.electricityCap * price, cost, "cap worth no more than the cost");
        assertGt((q.electricityCap + 1) * price, cost, "a wei more would be");
    }

    /// @dev Whatever the operator keeps, within the caps or not, and whatever it pays: the settlement
    /// goes through exactly when both are within their caps and the payment is the net, and otherwise
    /// fails on the first check in the order fee, electricity, payment.
    function testFuzz_settle_refusesExactlyWhatBreaksACapOrThePayment(
        uint256 gross,
        uint256 fee,
        uint256 electricity,
        uint256 value
    ) public {
        reportDay(id);
        gross = bound(gross, 0, 1 ether);
        fee = bound(fee, 0, 2 * (gross / 10) + 1);
        electricity = bound(electricity, 0, 2 * DAY_ELECTRICITY_CAP);
        uint256 net = netOf(gross, fee, electricity);
        value = value % 3 == 0 ? net : bound(value, 0, 2 ether);
        vm.deal(operator, value);

        bytes memory err;
        if (fee > gross / 10) {
            err = abi.encodeWithSelector(TwinEarnings.ServiceFeeAboveCap.selector, fee, gross / 10);
        } else if (electricity > DAY_ELECTRICITY_CAP) {
            err = abi.encodeWithSelector(TwinEarnings.ElectricityAboveCap.selector, electricity, DAY_ELECTRICITY_CAP);
        } else if (value != net) {
            err = abi.encodeWithSelector(TwinEarnings.PaymentNotNet.selector, id, net, value);
        }
        if (err.length != 0) vm.expectRevert(err);
        vm.prank(operator);
        earnings.settle{value: value}(id, reportedThrough[id], gross, fee, electricity);
        assertEq(earnings.periodOf(id).settled, err.length == 0 ? 1 : 0);
        assertEq(earnings.claimableOf(investor), err.length == 0 ? net : 0);
    }
}
