// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";

/// @dev Drives the market with a few actors and twins and keeps a model of it in ghost variables: the
/// money it must hold, every listing with the custody epoch it was made under and whether anything has
/// ended that custody since, and the fee and treasury as only a delayed change may set them.
/// Actions that the model says must succeed are asserted to succeed; actions it says must fail (a
/// stale listing bought, a twin sent to a contract that refuses it, a retired twin bid on, ETH paid to
/// a contract without `receive`) are made with a low-level call and asserted to fail, with nothing
/// moved. The suite fails on any other revert, so nothing here reverts unless an assertion does.
/// Some actors are contracts: one refuses ETH, one refuses twins, one refuses both; they sell, bid,
/// buy, receive royalties and may become the treasury, and get their credits out with `withdrawTo`.
contract TwinMarketHandler is Test {
    /// @dev The model of a listing. `live` turns false for good when the handler does anything that
    /// ends the custody the listing was made under, or cancels it. `honest` is a bound at least the
    /// fee in force when listing: the fee floor must never make such a listing unsellable.
    struct GhostListing {
        address seller;
        uint96 price;
        uint64 expiresAt;
        uint16 maxFeeBps;
        uint64 epoch;
        bool honest;
        bool live;
    }

    TwinMarket public immutable market;
    TwinRegistry public immutable registry;
    address public immutable admin;
    /// @dev Where credits of contracts that refuse ETH are sent with `withdrawTo`.
    address public immutable sink;

    address[] internal _actors;
    uint256[] internal _tokens;
    address[] internal _treasuries;
    /// @dev Every address that may be credited: the actors and the treasury candidates, once each.
    address[] internal _payees;
    mapping(address account => bool) public refusesEth;
    mapping(address account => bool) public refusesNft;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostEscrowed;
    uint256 public ghostProceeds;
    mapping(address account => uint256) public ghostProceedsOf;
    mapping(uint256 tokenId => mapping(address bidder => uint256)) public ghostOfferOf;
    mapping(uint256 tokenId => GhostListing) internal _listings;

    uint16 public ghostFeeBps;
    /// @dev The fee floor as specified: the lowest fee in force since `MAX_LISTING_DURATION` before
    /// the last fee change, as long as that change is less than `MAX_LISTING_DURATION` old.
    uint16 internal _floorSinceChange;
    uint256 internal _feeChangedAt;
    address public ghostTreasury;
    uint16 internal _pendingFeeBps;
    uint256 internal _pendingFeeAt;
    address internal _pendingTreasury;
    uint256 internal _pendingTreasuryAt;
    bool public retiredOne;

    /// @dev Sales the model says could not happen, and sales above the seller's bound: the handler
    /// fails at once on either, the counters make it visible in the invariants too.
    uint256 public staleSales;
    uint256 public overcharges;
    mapping(string action => uint256) public calls;

    constructor(
        TwinMarket market_,
        TwinRegistry registry_,
        address admin_,
        address sink_,
        address[] memory actors_,
        uint256[] memory tokens_,
        address[] memory treasuries_
    ) {
        market = market_;
        registry = registry_;
        admin = admin_;
        sink = sink_;
        _actors = actors_;
        _tokens = tokens_;
        _treasuries = treasuries_;
        ghostFeeBps = market_.feeBps();
        _floorSinceChange = ghostFeeBps;
        _feeChangedAt = block.timestamp;
        ghostTreasury = market_.treasury();
        for (uint256 i; i < actors_.length; ++i) {
            _addPayee(actors_[i]);
        }
        for (uint256 i; i < treasuries_.length; ++i) {
            _addPayee(treasuries_[i]);
        }
    }

    /// @dev Set up by the test, never called by the fuzzer.
    function setRefusals(address account, bool eth, bool nft) external {
        refusesEth[account] = eth;
        refusesNft[account] = nft;
    }

    // ---------------------------------------------------------------------------------- listings

    function list(uint256 tokenSeed, uint256 price, uint256 lifetime, uint256 boundSeed, uint256 approvalSeed)
        external
    {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        price = _bound(price, 1, 100 ether);
        // Mostly days, sometimes up to the year a listing may last.
        uint256 maxLifetime = lifetime % 8 == 0 ? 365 days : 30 days;
        uint64 expiresAt = uint64(block.timestamp + _bound(lifetime, 1, maxLifetime));
        (uint16 maxFeeBps, bool honest) = _feeBound(boundSeed);

        vm.startPrank(owner);
        // Approval for all, for this twin only, or none yet (the listing waits for one).
        uint256 mode = approvalSeed % 3;
        if (mode == 0) registry.setApprovalForAll(address(market), true);
        if (mode == 1) registry.approve(address(market), id);
        (bool ok, bytes memory err) =
            address(market).call(abi.encodeCall(TwinMarket.list, (id, price, expiresAt, maxFeeBps)));
        vm.stopPrank();

        if (_retired(id)) {
            assertFalse(ok, "a retired twin was listed");
            assertEq(err, abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
            ++calls["list/retired"];
            return;
        }
        assertTrue(ok, "list failed");
        _recordListing(id, owner, price, expiresAt, maxFeeBps, honest);
        ++calls["list"];
    }

    /// @dev Tries to buy whatever is stored for a twin, live or dead, from any actor: the outcome must
    /// be exactly what the model predicts.
    function buy(uint256 buyerSeed, uint256 tokenSeed) external {
        uint256 id = _token(tokenSeed);
        GhostListing memory g = _listings[id];
        assertEq(market.listingOf(id).price, g.price, "stored listing vs model");
        if (g.price == 0) return;
        address owner = registry.ownerOf(id);
        address buyer = _actor(buyerSeed);
        bool expected = isBuyableModel(id) && buyer != owner && !refusesNft[buyer];
        (, uint64 epochBefore,) = registry.custodyOf(id);

        vm.deal(buyer, buyer.balance + g.price);
        vm.recordLogs();
        vm.prank(buyer);
        (bool ok,) = address(market).call{value: g.price}(abi.encodeCall(TwinMarket.buy, (id)));
        if (!ok) {
            assertFalse(expected, "a live listing did not sell");
            assertEq(registry.ownerOf(id), owner);
            ++calls[g.live ? "buy/refused" : "buy/stale refused"];
            return;
        }
        if (!g.live) ++staleSales;
        assertTrue(g.live, "a dead listing was bought");
        assertEq(epochBefore, g.epoch, "sold under another custody than it was listed under");
        assertEq(g.seller, owner);
        assertTrue(expected, "a sale the model did not expect");
        assertEq(registry.ownerOf(id), buyer);

        ghostDeposited += g.price;
        delete _listings[id];
        _ghostSale(id, owner, g.price, g.maxFeeBps);
        ++calls["buy"];
    }

    function cancelListing(uint256 callerSeed, uint256 tokenSeed) external {
        uint256 id = _token(tokenSeed);
        GhostListing memory g = _listings[id];
        if (g.price == 0) return;
        address owner = registry.ownerOf(id);
        address caller = _actor(callerSeed);
        // The market's own notion of a live listing: the fee bound and approvals do not enter it.
        bool live = g.live && block.timestamp < g.expiresAt;
        if (live && caller != owner) {
            vm.prank(caller);
            (bool refused,) = address(market).call(abi.encodeCall(TwinMarket.cancelListing, (id)));
            assertFalse(refused, "a stranger withdrew a live listing");
            caller = owner;
        }
        vm.prank(caller);
        market.cancelListing(id);
        delete _listings[id];
        ++calls[live ? "cancelListing" : "cancelListing/dead"];
    }

    function cancelAllListings(uint256 sellerSeed) external {
        address seller = _actor(sellerSeed);
        uint256 nonce = market.listingNonceOf(seller);
        vm.prank(seller);
        market.cancelAllListings();
        assertEq(market.listingNonceOf(seller), nonce + 1);
        for (uint256 i; i < _tokens.length; ++i) {
            if (_listings[_tokens[i]].seller == seller) _listings[_tokens[i]].live = false;
        }
        ++calls["cancelAllListings"];
    }

    // ------------------------------------------------------------------------------------ offers

    function makeOffer(uint256 bidderSeed, uint256 tokenSeed, uint256 amount, uint256 duration) external {
        uint256 id = _token(tokenSeed);
        address bidder = _actorOtherThan(bidderSeed, registry.ownerOf(id));
        if (ghostOfferOf[id][bidder] != 0) return;
        amount = _bound(amount, 1, 50 ether);
        uint64 expiresAt = uint64(block.timestamp + _bound(duration, 1, 7 days));
        vm.deal(bidder, bidder.balance + amount);
        vm.prank(bidder);
        (bool ok, bytes memory err) =
            address(market).call{value: amount}(abi.encodeCall(TwinMarket.makeOffer, (id, expiresAt)));
        if (_retired(id)) {
            assertFalse(ok, "a retired twin was bid on");
            assertEq(err, abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
            ++calls["makeOffer/retired"];
            return;
        }
        assertTrue(ok, "makeOffer failed");
        ghostDeposited += amount;
        ghostEscrowed += amount;
        ghostOfferOf[id][bidder] = amount;
        ++calls["makeOffer"];
    }

    function raiseOffer(uint256 bidderSeed, uint256 tokenSeed, uint256 amount, uint256 extension) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, false);
        if (!found) return;
        (, uint64 expiresAt) = market.offer(id, bidder);
        amount = _bound(amount, 1, 50 ether);
        // A test handler reads the (warped) clock on purpose; timestamps stay far below 2^64.
        uint256 from = expiresAt > block.timestamp ? expiresAt : block.timestamp + 1;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 newExpiry = uint64(from + _bound(extension, 0, 7 days));
        vm.deal(bidder, bidder.balance + amount);
        vm.prank(bidder);
        (bool ok, bytes memory err) =
            address(market).call{value: amount}(abi.encodeCall(TwinMarket.raiseOffer, (id, newExpiry)));
        if (_retired(id)) {
            assertFalse(ok, "an offer on a retired twin was raised");
            assertEq(err, abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
            ++calls["raiseOffer/retired"];
            return;
        }
        assertTrue(ok, "raiseOffer failed");
        ghostDeposited += amount;
        ghostEscrowed += amount;
        ghostOfferOf[id][bidder] += amount;
        ++calls["raiseOffer"];
    }

    function cancelOffer(uint256 bidderSeed, uint256 tokenSeed) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, false);
        if (!found) return;
        uint256 open = ghostOfferOf[id][bidder];
        vm.prank(bidder);
        market.cancelOffer(id);
        ghostEscrowed -= open;
        ghostOfferOf[id][bidder] = 0;
        _ghostCredit(bidder, open);
        ++calls["cancelOffer"];
    }

    /// @dev The owner accepts an open, unexpired offer, bounding the fee at the fee in force or above
    /// (honest), or, one time in four, below it.
    function acceptOffer(uint256 bidderSeed, uint256 tokenSeed, uint256 boundSeed) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, true);
        if (!found) return;
        address owner = registry.ownerOf(id);
        uint256 amount = ghostOfferOf[id][bidder];
        (uint16 maxFeeBps, bool honest) = _feeBound(boundSeed);
        bool expected = !_retired(id) && !refusesNft[bidder] && maxFeeBps >= ghostFeeFloor();
        // Honest terms are never refused for the fee.
        if (honest) assertGe(maxFeeBps, ghostFeeFloor(), "an honest bound below the floor");

        vm.prank(owner);
        registry.setApprovalForAll(address(market), true);
        vm.recordLogs();
        vm.prank(owner);
        (bool ok,) = address(market).call(abi.encodeCall(TwinMarket.acceptOffer, (id, bidder, amount, maxFeeBps)));
        assertEq(ok, expected, "acceptOffer outcome vs model");
        if (!ok) {
            ++calls["acceptOffer/refused"];
            return;
        }
        assertEq(registry.ownerOf(id), bidder);
        ghostEscrowed -= amount;
        ghostOfferOf[id][bidder] = 0;
        delete _listings[id];
        _ghostSale(id, owner, amount, maxFeeBps);
        ++calls["acceptOffer"];
    }

    // ---------------------------------------------------------------------------------- payments

    /// @dev Pays a payee out. One that refuses ETH must fail to withdraw, keep its credit, and get it
    /// out with `withdrawTo`; the others sometimes use `withdrawTo` as well.
    function withdraw(uint256 payeeSeed, uint256 toSeed) external {
        address payee = _payees[payeeSeed % _payees.length];
        uint256 owed = market.proceedsOf(payee);
        assertEq(owed, ghostProceedsOf[payee], "credit vs ghost");
        if (owed == 0) return;
        address to = payee;
        if (refusesEth[payee]) {
            vm.prank(payee);
            (bool ok,) = address(market).call(abi.encodeCall(TwinMarket.withdraw, ()));
            assertFalse(ok, "paid a contract without receive");
            assertEq(market.proceedsOf(payee), owed, "the credit survives the failed payout");
            to = sink;
        } else if (toSeed % 3 == 0) {
            to = sink;
        }
        uint256 balanceBefore = to.balance;
        vm.prank(payee);
        if (to == payee) market.withdraw();
        else market.withdrawTo(payable(to));
        assertEq(to.balance, balanceBefore + owed, "withdraw pays exactly what was credited");
        ghostWithdrawn += owed;
        ghostProceeds -= owed;
        ghostProceedsOf[payee] = 0;
        ++calls[to == payee ? "withdraw" : "withdrawTo"];
    }

    // ---------------------------------------------------------------------- custody and twins

    // Each way of ending a twin's custody acts on one call in three, so that listings live long enough
    // to sell; cancelAllListings acts every time, being the rarest way a listing dies.

    /// @dev Moves a twin outside the market (`transferFrom`, so any actor can take it), ending the
    /// custody its listing was made under.
    function transferTwin(uint256 tokenSeed, uint256 toSeed, uint256 chance) external {
        if (_skip(chance)) return;
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        address to = _actorOtherThan(toSeed, owner);
        vm.prank(owner);
        registry.transferFrom(owner, to, id);
        _listings[id].live = false;
        ++calls["transferTwin"];
    }

    /// @dev Revoking the market's approval for all ends the custody of every twin of the owner.
    function revokeApproval(uint256 tokenSeed, uint256 chance) external {
        if (_skip(chance)) return;
        address owner = registry.ownerOf(_token(tokenSeed));
        if (registry.isApprovedForAll(owner, address(market))) {
            for (uint256 i; i < _tokens.length; ++i) {
                if (_listings[_tokens[i]].seller == owner) _listings[_tokens[i]].live = false;
            }
        }
        vm.prank(owner);
        registry.setApprovalForAll(address(market), false);
        ++calls["revokeApproval"];
    }

    function approveTwin(uint256 tokenSeed) external {
        uint256 id = _token(tokenSeed);
        // The handler only ever approves the market for a single twin, so nothing is taken away here.
        vm.prank(registry.ownerOf(id));
        registry.approve(address(market), id);
        ++calls["approveTwin"];
    }

    function revokeTwinApproval(uint256 tokenSeed, uint256 chance) external {
        if (_skip(chance)) return;
        uint256 id = _token(tokenSeed);
        if (registry.getApproved(id) != address(0)) _listings[id].live = false;
        vm.prank(registry.ownerOf(id));
        registry.approve(address(0), id);
        ++calls["revokeTwinApproval"];
    }

    /// @dev Decommissions the last twin, at most once a run and only on one call in four, so that the
    /// others keep trading.
    function retireTwin(uint256 seed) external {
        if (retiredOne || seed % 4 != 0) return;
        uint256 id = _tokens[_tokens.length - 1];
        vm.prank(registry.operatorOf(id));
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        _listings[id].live = false;
        assertFalse(market.isBuyable(id));
        retiredOne = true;
        ++calls["retireTwin"];
    }

    // ------------------------------------------------------------------------------------- admin

    function scheduleFee(uint256 feeSeed) external {
        uint16 newFeeBps = uint16(_bound(feeSeed, 0, market.MAX_FEE_BPS()));
        vm.prank(admin);
        market.scheduleFee(newFeeBps);
        _pendingFeeBps = newFeeBps;
        _pendingFeeAt = block.timestamp + market.CONFIG_DELAY();
        ++calls["scheduleFee"];
    }

    /// @dev Applies the announced fee: refused before its time, so the handler waits it out first.
    function applyFee(uint256 callerSeed) external {
        address caller = _actor(callerSeed);
        if (_pendingFeeAt == 0) {
            vm.prank(caller);
            (bool early,) = address(market).call(abi.encodeCall(TwinMarket.applyFee, ()));
            assertFalse(early, "applied a fee never announced");
            return;
        }
        if (block.timestamp < _pendingFeeAt) {
            vm.prank(caller);
            (bool early,) = address(market).call(abi.encodeCall(TwinMarket.applyFee, ()));
            assertFalse(early, "fee applied before its delay");
            assertEq(market.feeBps(), ghostFeeBps);
            vm.warp(_pendingFeeAt);
        }
        vm.prank(caller);
        market.applyFee();
        uint16 floor = ghostFeeFloor();
        if (_pendingFeeBps < floor) floor = _pendingFeeBps;
        _floorSinceChange = floor;
        _feeChangedAt = block.timestamp;
        ghostFeeBps = _pendingFeeBps;
        _pendingFeeAt = 0;
        assertEq(market.feeBps(), ghostFeeBps);
        assertLe(market.feeFloorBps(), ghostFeeBps, "the floor is never above the fee");
        ++calls["applyFee"];
    }

    function scheduleTreasury(uint256 treasurySeed) external {
        address next = _treasuries[treasurySeed % _treasuries.length];
        vm.prank(admin);
        market.scheduleTreasury(next);
        _pendingTreasury = next;
        _pendingTreasuryAt = block.timestamp + market.CONFIG_DELAY();
        ++calls["scheduleTreasury"];
    }

    function applyTreasury(uint256 callerSeed) external {
        address caller = _actor(callerSeed);
        if (_pendingTreasuryAt == 0) {
            vm.prank(caller);
            (bool early,) = address(market).call(abi.encodeCall(TwinMarket.applyTreasury, ()));
            assertFalse(early, "applied a treasury never announced");
            return;
        }
        if (block.timestamp < _pendingTreasuryAt) {
            vm.prank(caller);
            (bool early,) = address(market).call(abi.encodeCall(TwinMarket.applyTreasury, ()));
            assertFalse(early, "treasury applied before its delay");
            vm.warp(_pendingTreasuryAt);
        }
        vm.prank(caller);
        market.applyTreasury();
        ghostTreasury = _pendingTreasury;
        _pendingTreasuryAt = 0;
        assertEq(market.treasury(), ghostTreasury);
        ++calls["applyTreasury"];
    }

    /// @dev Mostly hours to days; one warp in sixteen jumps up to 400 days, past the year after which
    /// the fee floor follows the fee again.
    function warp(uint256 secondsAhead) external {
        uint256 maxJump = secondsAhead % 16 == 0 ? 400 days : 3 days;
        vm.warp(block.timestamp + _bound(secondsAhead, 1, maxJump));
        ++calls["warp"];
    }

    // ------------------------------------------------------------------------------------- model

    /// @dev Whether {TwinMarket.isBuyable} must be true, from the model: a listing that nothing has
    /// ended, not expired, with a bound not below the floor, and an approval the market can use.
    function isBuyableModel(uint256 id) public view returns (bool) {
        GhostListing memory g = _listings[id];
        if (g.price == 0 || !g.live || block.timestamp >= g.expiresAt) return false;
        if (g.maxFeeBps < ghostFeeFloor()) return false;
        address owner = registry.ownerOf(id);
        return registry.isApprovedForAll(owner, address(market)) || registry.getApproved(id) == address(market);
    }

    /// @dev Every listing still open was made at most `MAX_LISTING_DURATION` ago, under a fee at least
    /// this.
    function ghostFeeFloor() public view returns (uint16) {
        return block.timestamp - _feeChangedAt >= 365 days ? ghostFeeBps : _floorSinceChange;
    }

    function ghostListing(uint256 id) external view returns (GhostListing memory) {
        return _listings[id];
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function tokens() external view returns (uint256[] memory) {
        return _tokens;
    }

    function payees() external view returns (address[] memory) {
        return _payees;
    }

    // ----------------------------------------------------------------------------------- helpers

    /// @dev A fee bound at least the fee in force (honest) or, one time in four, below it.
    function _feeBound(uint256 seed) internal view returns (uint16 maxFeeBps, bool honest) {
        honest = seed % 4 != 0 || ghostFeeBps == 0;
        maxFeeBps =
            honest ? uint16(_bound(seed, ghostFeeBps, market.MAX_FEE_BPS())) : uint16(_bound(seed, 0, ghostFeeBps - 1));
    }

    /// @dev Models a listing just made, under the custody epoch of the moment.
    function _recordListing(uint256 id, address owner, uint256 price, uint64 expiresAt, uint16 maxFeeBps, bool honest)
        internal
    {
        (, uint64 epoch,) = registry.custodyOf(id);
        assertEq(market.listingOf(id).epoch, epoch, "listed under the current custody epoch");
        _listings[id] = GhostListing({
            seller: owner,
            // forge-lint: disable-next-line(unsafe-typecast)
            price: uint96(price),
            expiresAt: expiresAt,
            maxFeeBps: maxFeeBps,
            epoch: epoch,
            honest: honest,
            live: true
        });
    }

    function _skip(uint256 chance) internal pure returns (bool) {
        return chance % 3 != 0;
    }

    function _addPayee(address account) internal {
        for (uint256 i; i < _payees.length; ++i) {
            if (_payees[i] == account) return;
        }
        _payees.push(account);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _actorOtherThan(uint256 seed, address excluded) internal view returns (address a) {
        a = _actor(seed);
        if (a == excluded) a = _actor(seed % _actors.length + 1);
    }

    function _token(uint256 seed) internal view returns (uint256) {
        return _tokens[seed % _tokens.length];
    }

    function _retired(uint256 id) internal view returns (bool retired) {
        (,, retired) = registry.custodyOf(id);
    }

    /// @dev The first open offer from the seeds on; when `acceptable`, only an unexpired one from
    /// someone other than the twin's owner.
    function _findOffer(uint256 bidderSeed, uint256 tokenSeed, bool acceptable)
        internal
        view
        returns (bool, uint256, address)
    {
        for (uint256 t; t < _tokens.length; ++t) {
            uint256 id = _token(tokenSeed % _tokens.length + t);
            for (uint256 a; a < _actors.length; ++a) {
                address bidder = _actor(bidderSeed % _actors.length + a);
                if (ghostOfferOf[id][bidder] == 0) continue;
                (, uint64 expiresAt) = market.offer(id, bidder);
                if (acceptable && (block.timestamp >= expiresAt || registry.ownerOf(id) == bidder)) continue;
                return (true, id, bidder);
            }
        }
        return (false, 0, address(0));
    }

    /// @dev Credits a sale as the model computes it, independently of the market: the registry's
    /// royalty, the fee as min(the fee the handler applied last, the seller's bound), the rest to the
    /// seller. The fee in the recorded Sold event must be that one, and never above the bound.
    function _ghostSale(uint256 id, address seller, uint256 price, uint16 maxFeeBps) internal {
        (address royaltyReceiver, uint256 royalty) = registry.royaltyInfo(id, price);
        uint256 applied = ghostFeeBps < maxFeeBps ? ghostFeeBps : maxFeeBps;
        uint256 fee = price * applied / 10_000;
        uint256 charged = _soldFee(vm.getRecordedLogs());
        if (charged * 10_000 > price * maxFeeBps) ++overcharges;
        assertLe(charged, price * maxFeeBps / 10_000, "charged a fee above the seller's bound");
        assertEq(charged, fee, "fee charged vs model");
        _ghostCredit(royaltyReceiver, royalty);
        _ghostCredit(ghostTreasury, fee);
        _ghostCredit(seller, price - royalty - fee);
    }

    function _soldFee(Vm.Log[] memory logs) internal view returns (uint256 fee) {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market) || logs[i].topics[0] != TwinMarket.Sold.selector) continue;
            (,,, fee,) = abi.decode(logs[i].data, (uint256, address, uint256, uint256, TwinMarket.SaleKind));
            ++found;
        }
        assertEq(found, 1, "one Sold per sale");
    }

    function _ghostCredit(address payee, uint256 amount) internal {
        ghostProceeds += amount;
        ghostProceedsOf[payee] += amount;
    }
}
