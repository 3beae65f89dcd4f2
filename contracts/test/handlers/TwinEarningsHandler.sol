// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../../src/lib/PriceFeeds.sol";
import {PublishedFeed} from "../../src/PublishedFeed.sol";
import {TwinEarnings} from "../../src/TwinEarnings.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";

/// @dev Drives TwinEarnings with a few twins of different terms, held by a handful of actors (one a
/// contract that refuses ETH) and run by two operators: reporters post telemetry, operators settle
/// (mostly within the caps and paying the net, sometimes over a cap, paying the wrong amount, or not
/// being the operator at all), twins change hands, rigs change operator, holders claim, prices move
/// and time passes (so prices go stale). Every call is steered to an outcome the handler predicts
/// from its own model, success or the exact revert; the suite fails on any other revert.
/// The model: each twin's energy meter worked out from the telemetry posted, where its settlements
/// have reached, the index of every `Settled` event, and every wei credited, claimed, paid in and out.
contract TwinEarningsHandler is Test {
    uint256 internal constant MAX_PRICE_AGE = 25 hours;

    TwinRegistry public immutable registry;
    TwinEarnings public immutable earnings;
    address public immutable feedOwner;
    address public immutable reporter;
    /// @dev Where claims are sent with claimTo, and where a holder refusing ETH gets its credit out.
    address public immutable sink = makeAddr("sink");

    address[] internal _actors;
    address[] internal _operators;
    uint256[] internal _tokens;
    mapping(address account => bool) public refusesEth;

    /// @dev Each twin's meter from the telemetry the handler posted, and where settlements reached.
    mapping(uint256 tokenId => uint256) public ghostEnergyWh;
    mapping(uint256 tokenId => uint64) public ghostMeteredThrough;
    mapping(uint256 tokenId => uint256) public ghostSettledEnergyWh;
    mapping(uint256 tokenId => uint64) public ghostSettledThrough;
    mapping(uint256 tokenId => uint256) public ghostSettlements;
    /// @dev The index of every `Settled` event of each twin, in the order they were emitted.
    mapping(uint256 tokenId => uint256[]) internal _indices;
    /// @dev Settlements whose period did not start where the twin's last one ended (or at its mint).
    uint256 public ghostPeriodGaps;

    mapping(address account => uint256) public ghostCredited;
    mapping(address account => uint256) public ghostClaimed;
    uint256 public ghostPaidIn;
    uint256 public ghostPaidOut;

    mapping(string action => uint256) public calls;

    constructor(
        TwinEarnings earnings_,
        address feedOwner_,
        address reporter_,
        address[] memory actors_,
        address[] memory operators_,
        uint256[] memory tokens_
    ) {
        earnings = earnings_;
        registry = earnings_.registry();
        feedOwner = feedOwner_;
        reporter = reporter_;
        _actors = actors_;
        _operators = operators_;
        _tokens = tokens_;
        for (uint256 t = 0; t < tokens_.length; ++t) {
            (, uint64 mintedAt) = registry.earningTermsOf(tokens_[t]);
            ghostMeteredThrough[tokens_[t]] = mintedAt;
            ghostSettledThrough[tokens_[t]] = mintedAt;
        }
    }

    /// @dev Set up by the test, never called by the fuzzer.
    function setRefusesEth(address account) external {
        refusesEth[account] = true;
    }

    // ---------------------------------------------------------------------------------- telemetry

    /// @dev The reporter posts 1 to 24 samples, each a second to two hours after the one before, at up
    /// to 10 kW; time moves on to the newest. A decommissioned twin refuses them.
    function reportTelemetry(uint256 tokenSeed, uint256 countSeed, uint256 gapSeed, uint256 powerSeed) external {
        uint256 id = _token(tokenSeed);
        uint256 count = bound(countSeed, 1, 24);
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
        uint64 previous = ghostMeteredThrough[id];
        uint256 joules;
        for (uint256 i = 0; i < count; ++i) {
            uint256 gap = 1 + uint256(keccak256(abi.encode(gapSeed, i))) % 2 hours;
            uint32 power = uint32(uint256(keccak256(abi.encode(powerSeed, i))) % 10_001);
            previous += uint64(gap);
            reports[i] = TwinRegistry.TelemetryReport({
                timestamp: previous,
                hashrateGhs: 200_000,
                powerWatts: power,
                boardTempDeciC: 650,
                fanRpm: 5_000,
                uptimeSeconds: uint32(gap),
                acceptedShares: 1_000,
                rejectedShares: 1
            });
            joules += uint256(power) * (gap < 1 hours ? gap : 1 hours);
        }
        if (previous > block.timestamp) vm.warp(previous);

        bool retired = registry.statusOf(id) == TwinRegistry.Status.Decommissioned;
        if (retired) vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        vm.prank(reporter);
        registry.reportTelemetry(id, reports);
        if (!retired) {
            ghostEnergyWh[id] += joules / 1 hours;
            ghostMeteredThrough[id] = previous;
            (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
            assertEq(energyWh, ghostEnergyWh[id], "meter vs ghost");
            assertEq(meteredThrough, previous, "metered through");
        }
        ++calls[retired ? "reportTelemetry(retired)" : "reportTelemetry"];
    }

    // ---------------------------------------------------------------------------------- settling

    /// @dev The operator settles the twin's period: modes 0 to 3 within the caps paying the net,
    /// 4 a fee a wei over its cap, 5 electricity a wei over its cap, 6 a wrong payment, 7 someone who
    /// is not the operator, 8 a gross worked out to an earlier report than the newest. A period
    /// without telemetry or a stale price is refused first.
    function settle(uint256 tokenSeed, uint256 gross, uint256 feeSeed, uint256 electricitySeed, uint256 mode) external {
        uint256 id = _token(tokenSeed);
        mode %= 9;
        // Small grosses half the time, so that the caps often exceed them.
        gross = bound(gross, 0, gross % 2 == 0 ? 0.001 ether : 0.05 ether);
        address operator = registry.operatorOf(id);
        address caller = mode == 7 ? _actor(feeSeed) : operator;

        TwinEarnings.Settlement memory expected = _expected(id, gross);
        bytes memory err;
        uint256 value;
        string memory outcome = "settle/refused(cap or payment)";
        if (mode == 7) {
            err = abi.encodeWithSelector(TwinEarnings.NotOperator.selector, id, caller);
            outcome = "settle/refused(not operator)";
        } else if (expected.periodEnd <= expected.periodStart) {
            err = abi.encodeWithSelector(TwinEarnings.NoNewTelemetry.selector, id, expected.periodStart);
            outcome = "settle/refused(no telemetry)";
        } else if (_stale()) {
            outcome = "settle/refused(stale price)";
            (,,, uint256 updatedAt,) = earnings.ethUsdFeed().latestRoundData();
            err = abi.encodeWithSelector(
                PriceFeeds.StalePrice.selector, address(earnings.ethUsdFeed()), updatedAt, MAX_PRICE_AGE
            );
        } else if (mode == 8) {
            err = abi.encodeWithSelector(
                TwinEarnings.PeriodEndMoved.selector, id, expected.periodEnd - 1, expected.periodEnd
            );
            outcome = "settle/refused(period end moved)";
        } else {
            uint256 fee = bound(feeSeed, 0, expected.serviceFeeCap);
            uint256 electricity = bound(electricitySeed, 0, expected.electricityCap);
            if (mode == 4) fee = expected.serviceFeeCap + 1;
            if (mode == 5) electricity = expected.electricityCap + 1;
            _split(expected, fee, electricity);
            value = expected.net;
            if (mode == 4) {
                err = abi.encodeWithSelector(TwinEarnings.ServiceFeeAboveCap.selector, fee, expected.serviceFeeCap);
            } else if (mode == 5) {
                err = abi.encodeWithSelector(
                    TwinEarnings.ElectricityAboveCap.selector, electricity, expected.electricityCap
                );
            } else if (mode == 6) {
                value = expected.net == 0 || feeSeed % 2 == 0 ? expected.net + 1 : expected.net - 1;
                err = abi.encodeWithSelector(TwinEarnings.PaymentNotNet.selector, id, expected.net, value);
            }
        }

        vm.deal(caller, value);
        if (err.length != 0) {
            vm.expectRevert(err);
            vm.prank(caller);
            // Mode 8 names the report before the newest: the only refusal that needs another end.
            earnings.settle{value: value}(
                id, expected.periodEnd - (mode == 8 ? 1 : 0), gross, expected.serviceFee, expected.electricity
            );
            ++calls[outcome];
            return;
        }
        _settle(id, caller, expected);
    }

    /// @dev Lands a settlement the model says must go through, and checks everything it moved.
    function _settle(uint256 id, address caller, TwinEarnings.Settlement memory expected) private {
        address holder = registry.ownerOf(id);
        uint256 holderBefore = earnings.claimableOf(holder);
        uint256 balanceBefore = address(earnings).balance;

        vm.recordLogs();
        vm.prank(caller);
        earnings.settle{value: expected.net}(
            id, expected.periodEnd, expected.gross, expected.serviceFee, expected.electricity
        );
        Vm.Log[] memory logs = vm.getRecordedLogs();

        (uint256 index, address creditedTo, TwinEarnings.Settlement memory s) = _settledIn(logs, id);
        assertEq(creditedTo, holder, "credited to the holder of record");
        assertEq(index, ghostSettlements[id], "index");
        _assertSettlement(s, expected);
        if (s.periodStart != ghostSettledThrough[id]) ++ghostPeriodGaps;
        assertEq(earnings.claimableOf(holder), holderBefore + s.net, "holder credited the net");
        assertEq(address(earnings).balance, balanceBefore + s.net, "paid in the net");

        _indices[id].push(index);
        ++ghostSettlements[id];
        ghostSettledThrough[id] = s.periodEnd;
        ghostSettledEnergyWh[id] = ghostEnergyWh[id];
        ghostCredited[holder] += s.net;
        ghostPaidIn += s.net;
        ++calls[s.shortfall > 0 ? "settle(shortfall)" : s.late ? "settle(late)" : "settle"];
    }

    // ---------------------------------------------------------------------------------- holders

    /// @dev The holder sends the twin to another actor.
    function transferTwin(uint256 tokenSeed, uint256 toSeed) external {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        address to = _actor(toSeed);
        if (to == owner) to = _actors[(toSeed % _actors.length + 1) % _actors.length];
        vm.prank(owner);
        registry.transferFrom(owner, to, id);
        ++calls["transferTwin"];
    }

    /// @dev An actor claims: to itself, to the sink, or (rarely) to the zero address. With nothing to
    /// claim, to the zero address, or to itself when it refuses ETH, the claim is refused and the
    /// credit stays.
    function claim(uint256 actorSeed, uint256 modeSeed) external {
        address actor = _actor(actorSeed);
        uint256 amount = earnings.claimableOf(actor);
        uint256 mode = modeSeed % 8;
        address payable to = payable(mode == 0 ? address(0) : mode < 4 ? sink : actor);

        bytes memory err;
        if (to == address(0)) err = abi.encodeWithSelector(TwinEarnings.ZeroAddress.selector);
        else if (amount == 0) err = abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, actor);
        else if (refusesEth[to]) err = abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, to, amount);

        uint256 before = to.balance;
        if (err.length != 0) vm.expectRevert(err);
        vm.prank(actor);
        if (to == actor && modeSeed % 2 == 0) earnings.claim(new uint256[](0));
        else earnings.claimTo(to, new uint256[](0));

        if (err.length != 0) {
            assertEq(earnings.claimableOf(actor), amount, "a refused claim keeps the credit");
            ++calls["claim/refused"];
            return;
        }
        assertEq(to.balance, before + amount, "paid the whole credit");
        assertEq(earnings.claimableOf(actor), 0, "credit cleared");
        ghostClaimed[actor] += amount;
        ghostPaidOut += amount;
        ++calls["claim"];
    }

    // ---------------------------------------------------------------------------------- rigs and time

    /// @dev The operator hands the rig to the other operator, who accepts: only they settle from now.
    function handOverRig(uint256 tokenSeed) external {
        uint256 id = _token(tokenSeed);
        address operator = registry.operatorOf(id);
        address next = operator == _operators[0] ? _operators[1] : _operators[0];
        vm.prank(operator);
        registry.proposeOperator(id, next);
        vm.prank(next);
        registry.acceptOperator(id);
        ++calls["handOverRig"];
    }

    /// @dev The operator decommissions the last twin's rig (only that one, so that the others keep
    /// earning): its last period can still be settled, nothing after.
    function decommission() external {
        uint256 id = _tokens[_tokens.length - 1];
        if (registry.statusOf(id) == TwinRegistry.Status.Decommissioned) return;
        vm.prank(registry.operatorOf(id));
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        ++calls["decommission"];
    }

    /// @dev A new ETH/USD price of $500 to $10,000, and new network figures, zero and negative included.
    function movePrice(uint256 priceSeed, int256 btcUsd, int256 feesPerBlock) external {
        TwinEarnings e = earnings;
        vm.startPrank(feedOwner);
        PublishedFeed(address(e.ethUsdFeed())).publish(int256(bound(priceSeed, 500e8, 10_000e8)));
        if (priceSeed % 3 == 0) PublishedFeed(address(e.btcUsdFeed())).publish(btcUsd);
        if (priceSeed % 5 == 0) PublishedFeed(address(e.blockFeesFeed())).publish(feesPerBlock);
        vm.stopPrank();
        ++calls["movePrice"];
    }

    /// @dev Up to two days pass: the price may go stale, periods late.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
        ++calls["warp"];
    }

    // ---------------------------------------------------------------------------------- ghost reads

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function tokens() external view returns (uint256[] memory) {
        return _tokens;
    }

    function indicesOf(uint256 tokenId) external view returns (uint256[] memory) {
        return _indices[tokenId];
    }

    // ---------------------------------------------------------------------------------- the model

    /// @dev The settlement of `id` now for `gross`, from the handler's own books and the feeds as they
    /// stand, with the fee and electricity left at zero.
    function _expected(uint256 id, uint256 gross) private view returns (TwinEarnings.Settlement memory s) {
        (TwinRegistry.EarningTerms memory terms,) = registry.earningTermsOf(id);
        s.periodStart = ghostSettledThrough[id];
        s.periodEnd = ghostMeteredThrough[id];
        s.energyWh = uint64(ghostEnergyWh[id] - ghostSettledEnergyWh[id]);
        s.late = block.timestamp > uint256(s.periodStart) + terms.settlementPeriod + terms.gracePeriod;
        AggregatorV3Interface priceFeed = earnings.ethUsdFeed();
        (, int256 price,,,) = priceFeed.latestRoundData();
        s.ethUsdPrice = uint256(price);
        s.priceDecimals = priceFeed.decimals();
        s.gross = gross;
        s.serviceFeeCap = gross * terms.serviceFeeBps / 10_000;
        // Wh x µUSD/kWh is 10^-9 USD, 10^9 attodollars; a wei is worth price / 10^decimals of them.
        s.electricityCap =
            uint256(s.energyWh) * terms.tariffMicroUsdPerKwh * 1e9 * 10 ** s.priceDecimals / s.ethUsdPrice;
        uint256 oldest = type(uint256).max;
        AggregatorV3Interface[3] memory network =
            [earnings.btcUsdFeed(), earnings.difficultyFeed(), earnings.blockFeesFeed()];
        int256[3] memory answers;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 updatedAt;
            (, answers[i],, updatedAt,) = network[i].latestRoundData();
            if (updatedAt < oldest) oldest = updatedAt;
        }
        s.network = TwinEarnings.NetworkFigures({
            btcUsd: answers[0], difficulty: answers[1], feesPerBlock: answers[2], oldestAt: uint64(oldest)
        });
    }

    function _split(TwinEarnings.Settlement memory s, uint256 fee, uint256 electricity) private pure {
        s.serviceFee = fee;
        s.electricity = electricity;
        if (fee + electricity <= s.gross) s.net = s.gross - fee - electricity;
        else s.shortfall = fee + electricity - s.gross;
    }

    function _stale() private view returns (bool) {
        (,,, uint256 updatedAt,) = earnings.ethUsdFeed().latestRoundData();
        return block.timestamp - updatedAt > MAX_PRICE_AGE;
    }

    function _settledIn(Vm.Log[] memory logs, uint256 id)
        private
        view
        returns (uint256 index, address holder, TwinEarnings.Settlement memory s)
    {
        uint256 found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(earnings) || logs[i].topics[0] != TwinEarnings.Settled.selector) continue;
            assertEq(uint256(logs[i].topics[1]), id, "settled twin");
            index = uint256(logs[i].topics[2]);
            holder = address(uint160(uint256(logs[i].topics[3])));
            s = abi.decode(logs[i].data, (TwinEarnings.Settlement));
            ++found;
        }
        assertEq(found, 1, "one Settled event per settlement");
    }

    function _assertSettlement(TwinEarnings.Settlement memory a, TwinEarnings.Settlement memory e) private pure {
        assertEq(a.periodStart, e.periodStart, "periodStart");
        assertEq(a.periodEnd, e.periodEnd, "periodEnd");
        assertEq(a.energyWh, e.energyWh, "energyWh");
        assertEq(a.late, e.late, "late");
        assertEq(a.priceDecimals, e.priceDecimals, "priceDecimals");
        assertEq(a.gross, e.gross, "gross");
        assertEq(a.serviceFee, e.serviceFee, "serviceFee");
        assertEq(a.electricity, e.electricity, "electricity");
        assertEq(a.net, e.net, "net");
        assertEq(a.shortfall, e.shortfall, "shortfall");
        assertEq(a.serviceFeeCap, e.serviceFeeCap, "serviceFeeCap");
        assertEq(a.electricityCap, e.electricityCap, "electricityCap");
        assertEq(a.ethUsdPrice, e.ethUsdPrice, "ethUsdPrice");
        assertEq(a.network.btcUsd, e.network.btcUsd, "btcUsd");
        assertEq(a.network.difficulty, e.network.difficulty, "difficulty");
        assertEq(a.network.feesPerBlock, e.network.feesPerBlock, "feesPerBlock");
        assertEq(a.network.oldestAt, e.network.oldestAt, "oldestAt");
    }

    function _token(uint256 seed) private view returns (uint256) {
        return _tokens[seed % _tokens.length];
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }
}
