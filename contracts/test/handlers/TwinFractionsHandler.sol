// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PublishedFeed} from "../../src/PublishedFeed.sol";
import {TwinEarnings} from "../../src/TwinEarnings.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinShares} from "../../src/TwinShares.sol";
import {TwinVault} from "../../src/TwinVault.sol";

/// @dev Drives fractions through random sequences of settle, share transfer, lot (listed and bought
/// in part), claim, split and join, with whole-twin transfers, time and a decommissioning among them.
/// A few twins, a handful of actors (one a contract that refuses ETH), one operator.
/// Every call is steered to an outcome the handler predicts, success or the exact revert, and the
/// suite fails on any other revert. The model, in ghost variables:
/// - every net paid in and every wei claimed;
/// - what each actor was credited as the holder of record of a whole twin;
/// - what each actor is owed of each split twin exactly: at each settlement, net × balance / supply,
///   kept scaled by 10^36 (the token's own scale), from the balances when the settlement lands: a
///   model in which the order of transfers between two settlements cannot matter;
/// - what each actor took of each twin's shares through claims;
/// - each split twin's supply.
/// Each transfer and each fill also checks on the spot that it moved nobody's earnings.
contract TwinFractionsHandler is Test {
    uint256 internal constant SCALE = 1e36;

    TwinRegistry public immutable registry;
    TwinEarnings public immutable earnings;
    TwinVault public immutable vault;
    TwinMarket public immutable market;
    address public immutable feedOwner;
    address public immutable reporter;
    /// @dev Where claims are sent with claimTo.
    address public immutable sink = makeAddr("sink");

    address[] internal _actors;
    uint256[] internal _tokens;
    mapping(address account => bool) public refusesEth;

    uint256 public ghostPaidIn;
    uint256 public ghostPaidOut;
    mapping(address account => uint256) public ghostWholeCredited;
    mapping(address account => uint256) public ghostWholeClaimed;
    mapping(address account => mapping(uint256 tokenId => uint256)) public ghostOwedScaled;
    mapping(address account => mapping(uint256 tokenId => uint256)) public ghostTaken;
    mapping(address account => uint256) public ghostClaimed;
    mapping(uint256 tokenId => uint256) public ghostSupply;
    mapping(uint256 tokenId => bool) public everSplit;
    /// @dev Settlements of each twin credited to its shares, for the dust bound.
    mapping(uint256 tokenId => uint256) public ghostSplitSettlements;

    mapping(string action => uint256) public calls;

    constructor(
        TwinEarnings earnings_,
        TwinMarket market_,
        address feedOwner_,
        address reporter_,
        address[] memory actors_,
        uint256[] memory tokens_
    ) {
        earnings = earnings_;
        registry = earnings_.registry();
        vault = TwinVault(address(earnings_.vault()));
        market = market_;
        feedOwner = feedOwner_;
        reporter = reporter_;
        _actors = actors_;
        _tokens = tokens_;
    }

    /// @dev Set up by the test, never called by the fuzzer.
    function setRefusesEth(address account) external {
        refusesEth[account] = true;
    }

    // ---------------------------------------------------------------------------------- split, join

    /// @dev The twin's owner splits it into 1 to 10^27 units (tiny supplies a third of the time, to
    /// stress the rounding); a split twin is left alone, a decommissioned one is refused.
    function split(uint256 tokenSeed, uint256 supplySeed) external {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        if (owner == address(vault)) return;
        uint256 supply = supplySeed % 3 == 0 ? bound(supplySeed, 1, 1_000) : bound(supplySeed, 1, vault.MAX_SUPPLY());
        bool retired = registry.statusOf(id) == TwinRegistry.Status.Decommissioned;
        if (retired) vm.expectRevert(abi.encodeWithSelector(TwinVault.TwinRetired.selector, id));
        vm.prank(owner);
        registry.safeTransferFrom(owner, address(vault), id, abi.encode(supply));
        if (retired) {
            ++calls["split/refused(retired)"];
            return;
        }
        TwinShares shares = _shares(id);
        assertEq(shares.balanceOf(owner), supply, "the whole supply to the owner");
        ghostSupply[id] = supply;
        everSplit[id] = true;
        ++calls["split"];
    }

    /// @dev Someone joins a split twin: modes 0-2 gather every share at one actor first, who joins;
    /// mode 3 lets an actor try without holding everything (refused unless it happens to).
    function join(uint256 tokenSeed, uint256 actorSeed, uint256 mode) external {
        uint256 id = _token(tokenSeed);
        address joiner = _actor(actorSeed);
        if (!vault.isSplit(id)) {
            vm.expectRevert(abi.encodeWithSelector(TwinVault.NotSplit.selector, id));
            vm.prank(joiner);
            vault.join(id);
            ++calls["join/refused(not split)"];
            return;
        }
        TwinShares shares = _shares(id);
        if (mode % 4 != 3) {
            for (uint256 a = 0; a < _actors.length; ++a) {
                uint256 balance = shares.balanceOf(_actors[a]);
                if (_actors[a] != joiner && balance != 0) _send(shares, _actors[a], joiner, balance);
            }
        }
        uint256 held = shares.balanceOf(joiner);
        uint256 supply = shares.totalSupply();
        bool whole = held == supply;
        uint256 earnedBefore = shares.earnedOf(joiner);
        if (!whole) vm.expectRevert(abi.encodeWithSelector(TwinVault.NotWholeSupply.selector, id, held, supply));
        vm.prank(joiner);
        vault.join(id);
        if (!whole) {
            ++calls["join/refused(not whole)"];
            return;
        }
        assertEq(registry.ownerOf(id), joiner, "the joiner gets the twin");
        assertEq(shares.totalSupply(), 0, "every share burnt");
        assertEq(shares.earnedOf(joiner), earnedBefore, "joining keeps what the shares earned");
        ghostSupply[id] = 0;
        ++calls["join"];
    }

    // ---------------------------------------------------------------------------------- holders

    /// @dev An actor sends some of its shares of a split twin to another (itself included); neither's
    /// earnings move.
    function transferShares(uint256 tokenSeed, uint256 fromSeed, uint256 toSeed, uint256 amountSeed) external {
        uint256 id = _token(tokenSeed);
        if (!vault.isSplit(id)) return;
        TwinShares shares = _shares(id);
        address from = _holderFrom(shares, fromSeed);
        _send(shares, from, _actor(toSeed), bound(amountSeed, 0, shares.balanceOf(from)));
        ++calls["transferShares"];
    }

    /// @dev The owner of a whole twin sends it to another actor.
    function transferTwin(uint256 tokenSeed, uint256 toSeed) external {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        if (owner == address(vault)) return;
        address to = _actor(toSeed);
        vm.prank(owner);
        registry.transferFrom(owner, to, id);
        ++calls["transferTwin"];
    }

    /// @dev A holder lists some of its shares of a split twin and another actor buys part of the lot
    /// at once, paying the rounded-up price; the shares move, their earnings do not.
    function buyLot(uint256 tokenSeed, uint256 sellerSeed, uint256 buyerSeed, uint256 amountSeed, uint256 ppsSeed)
        external
    {
        uint256 id = _token(tokenSeed);
        if (!vault.isSplit(id) || registry.statusOf(id) == TwinRegistry.Status.Decommissioned) return;
        TwinShares shares = _shares(id);
        address seller = _holderFrom(shares, sellerSeed);
        address buyer = _actor(buyerSeed);
        uint256 held = shares.balanceOf(seller);
        if (held == 0 || buyer == seller) return;
        uint256 listed = bound(amountSeed, 1, held);
        uint256 pps = bound(ppsSeed, 1, 100 ether);
        uint16 fee = market.feeBps();
        vm.startPrank(seller);
        shares.approve(address(market), listed);
        uint256 lotId = market.listLot(id, listed, pps, uint64(block.timestamp + 1 days), fee);
        vm.stopPrank();

        uint256 amount = bound(uint256(keccak256(abi.encode(amountSeed))), 1, listed);
        uint256 price = (amount * pps + 1e18 - 1) / 1e18;
        uint256 sellerEarned = shares.earnedOf(seller);
        uint256 buyerEarned = shares.earnedOf(buyer);
        vm.deal(buyer, price);
        vm.prank(buyer);
        market.buyLot{value: price}(lotId, amount);
        assertEq(shares.balanceOf(seller), held - amount, "the seller's shares sold");
        assertEq(shares.earnedOf(seller), sellerEarned, "a fill moved the seller's earnings");
        assertEq(shares.earnedOf(buyer), buyerEarned, "a fill moved the buyer's earnings");
        assertEq(market.lotOf(lotId).remaining, listed - amount, "the lot shrinks");
        ++calls[amount == listed ? "buyLot(whole)" : "buyLot(partial)"];
    }

    // ---------------------------------------------------------------------------------- settle

    /// @dev The operator settles a twin after 1 to 24 hours of telemetry (none once it is
    /// decommissioned, when only a last period may be left), keeping any fee and electricity the caps
    /// allow and paying in the net: to the holder of record, or to the shares of a split twin.
    function settle(uint256 tokenSeed, uint256 hoursSeed, uint256 gross, uint256 feeSeed, uint256 electricitySeed)
        external
    {
        uint256 id = _token(tokenSeed);
        if (registry.statusOf(id) != TwinRegistry.Status.Decommissioned) _reportHours(id, bound(hoursSeed, 1, 24));
        TwinEarnings.Period memory period = earnings.periodOf(id);
        if (period.end <= period.start) return;
        PublishedFeed feed = PublishedFeed(address(earnings.ethUsdFeed()));
        vm.prank(feedOwner);
        feed.publish(3_000e8);

        gross = bound(gross, 0, gross % 2 == 0 ? 0.001 ether : 1 ether);
        TwinEarnings.Settlement memory s = earnings.quote(id, gross);
        s.serviceFee = bound(feeSeed, 0, s.serviceFeeCap);
        s.electricity = bound(electricitySeed, 0, s.electricityCap);
        s.net = s.serviceFee + s.electricity < gross ? gross - s.serviceFee - s.electricity : 0;

        bool isSplit = _model(id, s.net);
        address operator = registry.operatorOf(id);
        vm.deal(operator, s.net);
        vm.prank(operator);
        earnings.settle{value: s.net}(id, period.end, gross, s.serviceFee, s.electricity);
        ghostPaidIn += s.net;
        ++calls[isSplit ? "settle(split)" : "settle(whole)"];
    }

    /// @dev Books `net` in the model: to the holder of record of a whole twin, or to each actor by its
    /// balance of a split twin's shares now. Returns whether the twin is split.
    function _model(uint256 id, uint256 net) private returns (bool isSplit) {
        address holder = registry.ownerOf(id);
        isSplit = holder == address(vault);
        if (!isSplit) {
            ghostWholeCredited[holder] += net;
            return false;
        }
        TwinShares shares = _shares(id);
        for (uint256 a = 0; a < _actors.length; ++a) {
            ghostOwedScaled[_actors[a]][id] += Math.mulDiv(net * SCALE, shares.balanceOf(_actors[a]), ghostSupply[id]);
        }
        ++ghostSplitSettlements[id];
    }

    // ---------------------------------------------------------------------------------- claims

    /// @dev An actor claims, naming every twin ever split (in any order, one maybe twice): to itself
    /// or to the sink. With nothing to claim, or paying itself when it refuses ETH, the claim is refused
    /// and nothing is taken. Mode 7 also names a twin never split, when there is one: refused.
    function claim(uint256 actorSeed, uint256 mode) external {
        address actor = _actor(actorSeed);
        uint256[] memory named = _splitTwins(mode);
        uint256 whole = earnings.claimableOf(actor);
        uint256 total = whole;
        uint256[] memory takes = new uint256[](_tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) {
            if (!everSplit[_tokens[t]]) continue;
            takes[t] = _shares(_tokens[t]).earnedOf(actor);
            total += takes[t];
        }
        address payable to = payable(mode % 2 == 0 ? actor : sink);

        uint256 neverSplit = _neverSplit();
        bytes memory err;
        if (mode % 8 == 7 && neverSplit != 0) {
            uint256[] memory withStray = new uint256[](named.length + 1);
            for (uint256 i = 0; i < named.length; ++i) {
                withStray[i] = named[i];
            }
            withStray[named.length] = neverSplit;
            named = withStray;
            err = abi.encodeWithSelector(TwinEarnings.NeverSplit.selector, neverSplit);
        } else if (total == 0) {
            err = abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, actor);
        } else if (refusesEth[to]) {
            err = abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, to, total);
        }

        uint256 before = to.balance;
        if (err.length != 0) vm.expectRevert(err);
        vm.prank(actor);
        if (to == actor) earnings.claim(named);
        else earnings.claimTo(to, named);
        if (err.length != 0) {
            assertEq(earnings.claimableOf(actor), whole, "a refused claim keeps the credit");
            ++calls["claim/refused"];
            return;
        }
        assertEq(to.balance, before + total, "paid everything owed, in one transfer");
        assertEq(earnings.claimableOf(actor), 0, "credit cleared");
        for (uint256 t = 0; t < _tokens.length; ++t) {
            if (!everSplit[_tokens[t]]) continue;
            assertEq(_shares(_tokens[t]).earnedOf(actor), 0, "every named twin's earnings taken");
            ghostTaken[actor][_tokens[t]] += takes[t];
        }
        ghostWholeClaimed[actor] += whole;
        ghostClaimed[actor] += total;
        ghostPaidOut += total;
        ++calls["claim"];
    }

    // ---------------------------------------------------------------------------------- rigs and time

    /// @dev Once in a while (one call in eight), the operator decommissions the last twin (split or
    /// not): it settles its last period and is then refused a new split or lot; joining it stays
    /// possible.
    function decommission(uint256 seed) external {
        if (seed % 8 != 0) return;
        uint256 id = _tokens[_tokens.length - 1];
        if (registry.statusOf(id) == TwinRegistry.Status.Decommissioned) return;
        vm.prank(registry.operatorOf(id));
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        ++calls["decommission"];
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
        ++calls["warp"];
    }

    // ---------------------------------------------------------------------------------- reads

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function tokens() external view returns (uint256[] memory) {
        return _tokens;
    }

    /// @dev Every twin ever split, in order.
    function splitTwins() external view returns (uint256[] memory) {
        return _splitTwins(0);
    }

    // ---------------------------------------------------------------------------------- helpers

    /// @dev Sends `amount` of `shares` and checks that neither side's earnings moved.
    function _send(TwinShares shares, address from, address to, uint256 amount) private {
        uint256 fromEarned = shares.earnedOf(from);
        uint256 toEarned = shares.earnedOf(to);
        vm.prank(from);
        shares.transfer(to, amount);
        assertEq(shares.earnedOf(from), fromEarned, "a transfer moved the sender's earnings");
        assertEq(shares.earnedOf(to), toEarned, "a transfer moved the receiver's earnings");
    }

    /// @dev Hourly samples at 3.5 kW after the twin's newest; time moves on to the newest.
    function _reportHours(uint256 id, uint256 count) private {
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
        uint64 at = registry.lastTelemetryAt(id);
        for (uint256 i = 0; i < count; ++i) {
            at += 1 hours;
            reports[i] = TwinRegistry.TelemetryReport({
                timestamp: at,
                hashrateGhs: 200_000,
                powerWatts: 3_500,
                boardTempDeciC: 650,
                fanRpm: 5_000,
                uptimeSeconds: 3_600,
                acceptedShares: 1_000,
                rejectedShares: 1
            });
        }
        if (at > block.timestamp) vm.warp(at);
        vm.prank(reporter);
        registry.reportTelemetry(id, reports);
    }

    /// @dev The twins ever split, rotated by `seed`, the first named twice when `seed` is odd.
    function _splitTwins(uint256 seed) private view returns (uint256[] memory list) {
        uint256 count;
        for (uint256 t = 0; t < _tokens.length; ++t) {
            if (everSplit[_tokens[t]]) ++count;
        }
        bool twice = seed % 2 == 1 && count != 0;
        list = new uint256[](count + (twice ? 1 : 0));
        uint256 n;
        uint256 first = seed % _tokens.length;
        for (uint256 t = 0; t < _tokens.length; ++t) {
            uint256 id = _tokens[(t + first) % _tokens.length];
            if (everSplit[id]) list[n++] = id;
        }
        if (twice) list[n] = list[0];
    }

    function _neverSplit() private view returns (uint256) {
        for (uint256 t = 0; t < _tokens.length; ++t) {
            if (!everSplit[_tokens[t]]) return _tokens[t];
        }
        return 0;
    }

    function _shares(uint256 id) private view returns (TwinShares) {
        return TwinShares(vault.sharesOf(id));
    }

    /// @dev An actor holding some of `shares`, from `seed` on; the seed's actor if none does.
    function _holderFrom(TwinShares shares, uint256 seed) private view returns (address) {
        uint256 first = seed % _actors.length;
        for (uint256 i = 0; i < _actors.length; ++i) {
            address a = _actors[(first + i) % _actors.length];
            if (shares.balanceOf(a) != 0) return a;
        }
        return _actor(seed);
    }

    function _token(uint256 seed) private view returns (uint256) {
        return _tokens[seed % _tokens.length];
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }
}
