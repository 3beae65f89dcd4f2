// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinShares} from "../../src/TwinShares.sol";
import {DemoRigs} from "./DemoRigs.sol";
import {EarningsFixture} from "./EarningsFixture.sol";

/// @dev The earnings fixture (registry, TwinEarnings and the vault) with a market over the same
/// vault, and the moves of fractions: split, join, settle a day, claim, list and buy lots.
/// The demo twin is minted by `operator` (5% royalty, the demo terms) and is `investor`'s to split.
abstract contract FractionsFixture is EarningsFixture {
    uint16 internal constant FEE_BPS = 250;
    uint256 internal constant ONE = 1e18;
    /// @dev A million whole shares, the issue's example.
    uint256 internal constant MILLION = 1_000_000 * ONE;
    bytes4 internal constant SAFE_TRANSFER_WITH_DATA =
        bytes4(keccak256("safeTransferFrom(address,address,uint256,bytes)"));

    TwinMarket internal market;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    uint256 private _serials;

    function setUp() public virtual override {
        super.setUp();
        market = new TwinMarket(registry, vault, admin, treasury, FEE_BPS);
    }

    // ---------------------------------------------------------------------------------- fractions

    /// @dev Splits `tokenId`, held by `holder`, into `supply` units, in one transaction as the issue
    /// asks: a safe transfer to the vault carrying the supply.
    function split(address holder, uint256 tokenId, uint256 supply) internal returns (TwinShares) {
        vm.prank(holder);
        registry.safeTransferFrom(holder, address(vault), tokenId, abi.encode(supply));
        return sharesOf(tokenId);
    }

    function sharesOf(uint256 tokenId) internal view returns (TwinShares) {
        return TwinShares(vault.sharesOf(tokenId));
    }

    function join(address holder, uint256 tokenId) internal {
        vm.prank(holder);
        vault.join(tokenId);
    }

    function send(TwinShares shares, address from, address to, uint256 amount) internal {
        vm.prank(from);
        shares.transfer(to, amount);
    }

    /// @dev A demo twin with a serial of its own, minted by `operator` at a 5% royalty.
    function newTwin() internal returns (uint256) {
        return mintAs(operator, DemoRigs.s21(string.concat("SN-F", vm.toString(++_serials))), 500);
    }

    /// @dev A new demo twin, sold to `investor`, and split by them into `supply` units.
    function splitTwin(uint256 supply) internal returns (uint256 tokenId, TwinShares shares) {
        tokenId = newTwin();
        sellTo(tokenId, investor);
        shares = split(investor, tokenId, supply);
    }

    /// @dev A day of telemetry, fresh feeds, and a settlement of `net` (the operator keeps nothing).
    function settleDay(uint256 tokenId, uint256 net) internal {
        reportHours(tokenId, 24, 3_500);
        refreshFeeds();
        settleAs(operator, tokenId, net, 0, 0);
    }

    function ids(uint256 a) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = a;
    }

    function ids(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        list[0] = a;
        list[1] = b;
    }

    /// @dev Claims as `who`, naming `splitTwins`; returns what was paid.
    function claimAs(address who, uint256[] memory splitTwins) internal returns (uint256 paid) {
        uint256 before = who.balance;
        vm.prank(who);
        earnings.claim(splitTwins);
        paid = who.balance - before;
    }

    // ---------------------------------------------------------------------------------- lots

    function approveShares(TwinShares shares, address holder, uint256 amount) internal {
        vm.prank(holder);
        shares.approve(address(market), amount);
    }

    /// @dev Approves the market for `amount` and lists it at `pricePerShare` for 30 days at the fee.
    function listLotAs(address seller, uint256 tokenId, uint256 amount, uint256 pricePerShare)
        internal
        returns (uint256 lotId)
    {
        approveShares(sharesOf(tokenId), seller, amount);
        vm.prank(seller);
        lotId = market.listLot(tokenId, amount, pricePerShare, inThirtyDays(), FEE_BPS);
    }

    /// @dev What `amount` units of a lot at `pricePerShare` cost: rounded up.
    function lotPrice(uint256 amount, uint256 pricePerShare) internal pure returns (uint256) {
        return (amount * pricePerShare + ONE - 1) / ONE;
    }

    function buyLotAs(address buyer_, uint256 lotId, uint256 amount) internal returns (uint256 price) {
        price = lotPrice(amount, market.lotOf(lotId).pricePerShare);
        vm.deal(buyer_, buyer_.balance + price);
        vm.prank(buyer_);
        market.buyLot{value: price}(lotId, amount);
    }

    function inThirtyDays() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }
}
