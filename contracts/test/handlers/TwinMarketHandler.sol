// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";

/// @dev Drives the market with a few actors and twins. Every action is steered to a call that must
/// succeed (the invariant suite fails on any revert), and mirrors its expected effect in ghost
/// variables, computing the sale split independently of the market.
contract TwinMarketHandler is Test {
    TwinMarket public immutable market;
    TwinRegistry public immutable registry;
    address public immutable treasury;

    address[] internal _actors;
    uint256[] internal _tokens;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostEscrowed;
    uint256 public ghostProceeds;
    mapping(address account => uint256) public ghostProceedsOf;
    mapping(string action => uint256) public calls;

    constructor(TwinMarket market_, TwinRegistry registry_, address[] memory actors_, uint256[] memory tokens_) {
        market = market_;
        registry = registry_;
        treasury = market_.treasury();
        _actors = actors_;
        _tokens = tokens_;
    }

    // ----------------------------------------------------------------------------------- actions

    function list(uint256 tokenSeed, uint256 price) external {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        price = bound(price, 1, 100 ether);
        vm.startPrank(owner);
        registry.setApprovalForAll(address(market), true);
        market.list(id, price);
        vm.stopPrank();
        ++calls["list"];
    }

    function buy(uint256 buyerSeed, uint256 tokenSeed) external {
        (bool found, uint256 id) = _findBuyable(tokenSeed);
        if (!found) return;
        (address seller, uint256 price) = market.listing(id);
        address buyer = _actorOtherThan(buyerSeed, seller);
        vm.deal(buyer, buyer.balance + price);
        vm.prank(buyer);
        market.buy{value: price}(id);
        ghostDeposited += price;
        _ghostSale(id, seller, price);
        ++calls["buy"];
    }

    function makeOffer(uint256 bidderSeed, uint256 tokenSeed, uint256 amount, uint256 duration) external {
        uint256 id = _token(tokenSeed);
        address bidder = _actorOtherThan(bidderSeed, registry.ownerOf(id));
        (uint256 open,) = market.offer(id, bidder);
        if (open != 0) return;
        amount = bound(amount, 1, 50 ether);
        uint64 expiresAt = uint64(block.timestamp + bound(duration, 1, 7 days));
        vm.deal(bidder, bidder.balance + amount);
        vm.prank(bidder);
        market.makeOffer{value: amount}(id, expiresAt);
        ghostDeposited += amount;
        ghostEscrowed += amount;
        ++calls["makeOffer"];
    }

    function raiseOffer(uint256 bidderSeed, uint256 tokenSeed, uint256 amount, uint256 extension) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, false);
        if (!found) return;
        (, uint64 expiresAt) = market.offer(id, bidder);
        amount = bound(amount, 1, 50 ether);
        // A test handler reads the (warped) clock on purpose; timestamps stay far below 2^64.
        // forge-lint: disable-next-line(block-timestamp)
        uint256 from = expiresAt > block.timestamp ? expiresAt : block.timestamp + 1;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 newExpiry = uint64(from + bound(extension, 0, 7 days));
        vm.deal(bidder, bidder.balance + amount);
        vm.prank(bidder);
        market.raiseOffer{value: amount}(id, newExpiry);
        ghostDeposited += amount;
        ghostEscrowed += amount;
        ++calls["raiseOffer"];
    }

    function cancelOffer(uint256 bidderSeed, uint256 tokenSeed) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, false);
        if (!found) return;
        (uint256 open,) = market.offer(id, bidder);
        vm.prank(bidder);
        market.cancelOffer(id);
        ghostEscrowed -= open;
        _ghostCredit(bidder, open);
        ++calls["cancelOffer"];
    }

    function acceptOffer(uint256 bidderSeed, uint256 tokenSeed) external {
        (bool found, uint256 id, address bidder) = _findOffer(bidderSeed, tokenSeed, true);
        if (!found) return;
        address owner = registry.ownerOf(id);
        (uint256 amount,) = market.offer(id, bidder);
        vm.startPrank(owner);
        registry.setApprovalForAll(address(market), true);
        market.acceptOffer(id, bidder, amount);
        vm.stopPrank();
        ghostEscrowed -= amount;
        _ghostSale(id, owner, amount);
        ++calls["acceptOffer"];
    }

    function cancelListing(uint256 callerSeed, uint256 tokenSeed) external {
        uint256 id = _token(tokenSeed);
        (address seller,) = market.listing(id);
        if (seller == address(0)) return;
        address caller = _actor(callerSeed);
        if (registry.ownerOf(id) == seller) caller = seller;
        vm.prank(caller);
        market.cancelListing(id);
        ++calls["cancelListing"];
    }

    function withdraw(uint256 payeeSeed) external {
        // One seed in five picks the treasury, which is credited on almost every sale.
        address payee = payeeSeed % 5 == 0 ? treasury : _actor(payeeSeed);
        uint256 owed = market.proceedsOf(payee);
        if (owed == 0) return;
        uint256 balanceBefore = payee.balance;
        vm.prank(payee);
        market.withdraw();
        assertEq(payee.balance, balanceBefore + owed, "withdraw pays exactly what was credited");
        ghostWithdrawn += owed;
        ghostProceeds -= owed;
        ghostProceedsOf[payee] = 0;
        ++calls["withdraw"];
    }

    /// @dev Moves a twin outside the market, leaving any listing of it stale.
    function transferTwin(uint256 tokenSeed, uint256 toSeed) external {
        uint256 id = _token(tokenSeed);
        address owner = registry.ownerOf(id);
        address to = _actorOtherThan(toSeed, owner);
        vm.prank(owner);
        registry.transferFrom(owner, to, id);
        ++calls["transferTwin"];
    }

    function revokeApproval(uint256 tokenSeed) external {
        address owner = registry.ownerOf(_token(tokenSeed));
        vm.prank(owner);
        registry.setApprovalForAll(address(market), false);
        ++calls["revokeApproval"];
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
        ++calls["warp"];
    }

    // ----------------------------------------------------------------------------------- helpers

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function tokens() external view returns (uint256[] memory) {
        return _tokens;
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

    /// @dev The first buyable twin from the seed on, so that most `buy` calls trade.
    function _findBuyable(uint256 tokenSeed) internal view returns (bool, uint256) {
        for (uint256 i; i < _tokens.length; ++i) {
            uint256 id = _token(tokenSeed % _tokens.length + i);
            if (market.isBuyable(id)) return (true, id);
        }
        return (false, 0);
    }

    /// @dev The first open offer from the seeds on; when `acceptable`, only a live one from someone
    /// other than the twin's owner.
    function _findOffer(uint256 bidderSeed, uint256 tokenSeed, bool acceptable)
        internal
        view
        returns (bool, uint256, address)
    {
        for (uint256 t; t < _tokens.length; ++t) {
            uint256 id = _token(tokenSeed % _tokens.length + t);
            for (uint256 a; a < _actors.length; ++a) {
                address bidder = _actor(bidderSeed % _actors.length + a);
                (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
                if (amount == 0) continue;
                // forge-lint: disable-next-line(block-timestamp)
                if (acceptable && (block.timestamp >= expiresAt || registry.ownerOf(id) == bidder)) continue;
                return (true, id, bidder);
            }
        }
        return (false, 0, address(0));
    }

    function _ghostSale(uint256 id, address seller, uint256 price) internal {
        (address royaltyReceiver, uint256 royalty) = registry.royaltyInfo(id, price);
        uint256 fee = price * market.feeBps() / 10_000;
        _ghostCredit(royaltyReceiver, royalty);
        _ghostCredit(treasury, fee);
        _ghostCredit(seller, price - royalty - fee);
    }

    function _ghostCredit(address payee, uint256 amount) internal {
        ghostProceeds += amount;
        ghostProceedsOf[payee] += amount;
    }
}
