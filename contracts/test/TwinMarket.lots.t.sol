// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinShares} from "../src/TwinShares.sol";
import {FractionsFixture} from "./utils/FractionsFixture.sol";

/// @dev Lots of a split twin's shares on the market: listing, partial and whole fills with the fee
/// and royalty rules of whole-twin sales, pull proceeds, expiry, the seller's cancel-all, a twin
/// joined (and split again) under a lot, a seller who no longer holds or has not approved the shares,
/// and what a fill does not move (earnings). The demo twin is split by `investor` into a million
/// shares; `alice` buys. The operator is the royalty receiver (5%), the fee is 2.5%.
contract TwinMarketLotsTest is FractionsFixture {
    uint256 internal constant PPS = 0.001 ether;
    uint256 internal constant LOT = 100_000 * ONE;

    uint256 internal id;
    TwinShares internal shares;

    function setUp() public override {
        super.setUp();
        (id, shares) = splitTwin(MILLION);
    }

    function listed() internal returns (uint256) {
        return listLotAs(investor, id, LOT, PPS);
    }

    function expectStale(uint256 lotId, uint256 amount) internal {
        uint256 price = lotPrice(amount, PPS);
        vm.deal(alice, price);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.LotStale.selector, lotId));
        vm.prank(alice);
        market.buyLot{value: price}(lotId, amount);
    }

    // ---------------------------------------------------------------------------------- listLot

    function test_listLot_storesAndEmits() public {
        approveShares(shares, investor, LOT);
        uint64 expiresAt = inThirtyDays();
        vm.expectEmit(address(market));
        emit TwinMarket.LotListed(1, id, investor, LOT, PPS, expiresAt, FEE_BPS);
        vm.prank(investor);
        uint256 lotId = market.listLot(id, LOT, PPS, expiresAt, FEE_BPS);

        assertEq(lotId, 1);
        assertEq(market.lotCount(), 1);
        TwinMarket.Lot memory lot = market.lotOf(lotId);
        assertEq(lot.seller, investor);
        assertEq(lot.remaining, LOT);
        assertEq(lot.pricePerShare, PPS);
        assertEq(lot.expiresAt, expiresAt);
        assertEq(lot.maxFeeBps, FEE_BPS);
        assertEq(lot.sellerNonce, 0);
        (, uint64 epoch,) = registry.custodyOf(id);
        assertEq(lot.splitEpoch, epoch >> 32);
        assertEq(lot.tokenId, id);
        assertTrue(market.isLotBuyable(lotId, LOT));
        assertEq(shares.balanceOf(investor), MILLION, "the shares stay with the seller");
        assertEq(shares.balanceOf(address(market)), 0);

        assertEq(listLotAs(investor, id, LOT, PPS), 2, "ids count up");
    }

    /// @dev A lot needs no approval to be listed, only to be bought.
    function test_listLot_withoutApproval() public {
        vm.prank(investor);
        uint256 lotId = market.listLot(id, LOT, PPS, inThirtyDays(), FEE_BPS);
        assertFalse(market.isLotBuyable(lotId, 1));
        expectStale(lotId, 1);
        approveShares(shares, investor, LOT);
        assertTrue(market.isLotBuyable(lotId, LOT));
    }

    function test_listLot_revertsForATwinNotSplit() public {
        uint256 whole = newTwin();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotSplit.selector, whole));
        vm.prank(operator);
        market.listLot(whole, LOT, PPS, inThirtyDays(), FEE_BPS);

        // Held by the vault, but sent there plainly: it has no shares.
        vm.prank(operator);
        registry.transferFrom(operator, address(vault), whole);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotSplit.selector, whole));
        vm.prank(operator);
        market.listLot(whole, LOT, PPS, inThirtyDays(), FEE_BPS);

        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 99));
        market.listLot(99, LOT, PPS, inThirtyDays(), FEE_BPS);
    }

    function test_listLot_revertsForADecommissionedTwin() public {
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(investor);
        market.listLot(id, LOT, PPS, inThirtyDays(), FEE_BPS);
    }

    function test_listLot_revertsOnAmounts() public {
        uint64 expiresAt = inThirtyDays();
        vm.startPrank(investor);
        vm.expectRevert(TwinMarket.ZeroAmount.selector);
        market.listLot(id, 0, PPS, expiresAt, FEE_BPS);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.InsufficientShares.selector, id, MILLION, MILLION + 1));
        market.listLot(id, MILLION + 1, PPS, expiresAt, FEE_BPS);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.InsufficientShares.selector, id, 0, 1));
        vm.prank(alice);
        market.listLot(id, 1, PPS, expiresAt, FEE_BPS);
    }

    function test_listLot_revertsOnPrices() public {
        uint64 expiresAt = inThirtyDays();
        vm.startPrank(investor);
        vm.expectRevert(TwinMarket.ZeroPrice.selector);
        market.listLot(id, LOT, 0, expiresAt, FEE_BPS);
        uint256 max = type(uint88).max;
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.PriceTooHigh.selector, max + 1, max));
        market.listLot(id, LOT, max + 1, expiresAt, FEE_BPS);
        market.listLot(id, LOT, max, expiresAt, FEE_BPS);
        vm.stopPrank();
    }

    function test_listLot_revertsOnExpiries() public {
        vm.startPrank(investor);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, NOW, NOW));
        market.listLot(id, LOT, PPS, NOW, FEE_BPS);
        uint256 max = NOW + market.MAX_LISTING_DURATION();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryTooFar.selector, max + 1, max));
        market.listLot(id, LOT, PPS, uint64(max + 1), FEE_BPS);
        market.listLot(id, LOT, PPS, uint64(max), FEE_BPS);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------- buyLot

    /// @dev A partial fill: the buyer pays for what it takes, the shares move from the seller, the
    /// royalty (5% of the fill's price) and the fee (2.5%) are credited with the seller's rest, and the
    /// lot shrinks by what was taken.
    function test_buyLot_partialFill() public {
        uint256 lotId = listed();
        uint256 amount = 30_000 * ONE;
        uint256 price = 30 ether;
        uint256 royalty = price * 500 / 10_000;
        uint256 fee = price * FEE_BPS / 10_000;
        vm.deal(alice, price);

        vm.expectEmit(address(market));
        emit TwinMarket.LotFilled(lotId, id, alice, investor, amount, price, operator, royalty, fee, LOT - amount);
        vm.prank(alice);
        market.buyLot{value: price}(lotId, amount);

        assertEq(shares.balanceOf(alice), amount);
        assertEq(shares.balanceOf(investor), MILLION - amount);
        assertEq(market.lotOf(lotId).remaining, LOT - amount);
        assertEq(market.proceedsOf(operator), royalty);
        assertEq(market.proceedsOf(treasury), fee);
        assertEq(market.proceedsOf(investor), price - royalty - fee);
        assertEq(address(market).balance, price);
        assertEq(shares.allowance(investor, address(market)), LOT - amount);

        vm.prank(investor);
        market.withdraw();
        assertEq(investor.balance, price - royalty - fee);
    }

    /// @dev Buyers take the lot in parts until it is gone: the last fill deletes it.
    function test_buyLot_fillsToTheEnd() public {
        uint256 lotId = listed();
        buyLotAs(alice, lotId, LOT / 4);
        buyLotAs(bob, lotId, LOT / 4);
        vm.expectEmit(address(market));
        emit TwinMarket.LotFilled(lotId, id, carol, investor, LOT / 2, 50 ether, operator, 2.5 ether, 1.25 ether, 0);
        buyLotAs(carol, lotId, LOT / 2);
        assertEq(market.lotOf(lotId).remaining, 0);
        assertEq(market.lotOf(lotId).seller, address(0), "deleted");
        assertFalse(market.isLotBuyable(lotId, 1));
        assertEq(shares.balanceOf(carol), LOT / 2);

        vm.deal(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoLot.selector, lotId));
        vm.prank(alice);
        market.buyLot{value: 1}(lotId, 1);
    }

    /// @dev A fill's price is rounded up: the seller never gets less than the price per share asked.
    function test_buyLot_roundsThePriceUp() public {
        uint256 lotId = listLotAs(investor, id, LOT, 3);
        // One unit at 3 wei per whole share is 3e-18 wei: one wei is paid.
        uint256 price = lotPrice(1, 3);
        assertEq(price, 1);
        vm.deal(alice, 1);
        vm.prank(alice);
        market.buyLot{value: 1}(lotId, 1);
        assertEq(shares.balanceOf(alice), 1);

        // Paying the floor instead is refused.
        uint256 amount = ONE / 3 + 1;
        uint256 exactFloor = amount * 3 / ONE;
        vm.deal(alice, exactFloor);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, exactFloor + 1, exactFloor));
        vm.prank(alice);
        market.buyLot{value: exactFloor}(lotId, amount);
    }

    function test_buyLot_revertsOnTheWrongPayment() public {
        uint256 lotId = listed();
        uint256 price = lotPrice(ONE, PPS);
        vm.deal(alice, price + 1);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, price, price - 1));
        market.buyLot{value: price - 1}(lotId, ONE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, price, price + 1));
        market.buyLot{value: price + 1}(lotId, ONE);
        vm.stopPrank();
    }

    function test_buyLot_revertsOnAmounts() public {
        uint256 lotId = listed();
        vm.startPrank(alice);
        vm.expectRevert(TwinMarket.ZeroAmount.selector);
        market.buyLot(lotId, 0);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.LotAmountTooHigh.selector, lotId, LOT + 1, LOT));
        market.buyLot(lotId, LOT + 1);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoLot.selector, 7));
        market.buyLot(7, 1);
        vm.stopPrank();
    }

    function test_buyLot_revertsOnceExpired() public {
        uint256 lotId = listed();
        uint64 expiresAt = market.lotOf(lotId).expiresAt;
        vm.warp(expiresAt);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.LotExpired.selector, lotId, expiresAt));
        vm.prank(alice);
        market.buyLot(lotId, 1);
        assertFalse(market.isLotBuyable(lotId, 1));
    }

    function test_buyLot_revertsForTheSeller() public {
        uint256 lotId = listed();
        uint256 price = lotPrice(ONE, PPS);
        vm.deal(investor, price);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.BuyerIsSeller.selector, id, investor));
        vm.prank(investor);
        market.buyLot{value: price}(lotId, ONE);
    }

    function test_buyLot_revertsForADecommissionedTwin() public {
        uint256 lotId = listed();
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        uint256 price = lotPrice(ONE, PPS);
        vm.deal(alice, price);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(alice);
        market.buyLot{value: price}(lotId, ONE);
        assertFalse(market.isLotBuyable(lotId, ONE));
    }

    /// @dev The seller may sell elsewhere: a fill of more than it still holds is stale, a fill of what
    /// it holds goes through.
    function test_buyLot_staleWhenTheSellerNoLongerHoldsTheShares() public {
        uint256 lotId = listed();
        send(shares, investor, bob, MILLION - ONE);
        assertFalse(market.isLotBuyable(lotId, ONE + 1));
        expectStale(lotId, ONE + 1);
        assertTrue(market.isLotBuyable(lotId, ONE));
        buyLotAs(alice, lotId, ONE);
    }

    /// @dev Likewise for what the market is approved for.
    function test_buyLot_staleWithoutEnoughAllowance() public {
        uint256 lotId = listed();
        approveShares(shares, investor, ONE);
        assertFalse(market.isLotBuyable(lotId, 2 * ONE));
        expectStale(lotId, 2 * ONE);
        buyLotAs(alice, lotId, ONE);
        approveShares(shares, investor, 0);
        expectStale(lotId, 1);
    }

    /// @dev The seller's cancel-all ends its lots as it ends its listings.
    function test_buyLot_staleAfterCancelAll() public {
        uint256 lotId = listed();
        vm.prank(investor);
        market.cancelAllListings();
        assertFalse(market.isLotBuyable(lotId, 1));
        expectStale(lotId, ONE);
    }

    /// @dev A twin joined under a lot ends it for good: split again, with the seller holding and
    /// approving shares again (an allowance survives a join), the old lot is still dead, for the new
    /// shares are another split at another supply.
    function test_buyLot_staleOnceTheTwinWasJoinedEvenIfSplitAgain() public {
        uint256 lotId = listLotAs(investor, id, LOT, PPS);
        approveShares(shares, investor, type(uint256).max);
        join(investor, id);
        expectStale(lotId, ONE);

        split(investor, id, 10 * ONE);
        assertEq(shares.balanceOf(investor), 10 * ONE);
        assertEq(shares.allowance(investor, address(market)), type(uint256).max);
        assertFalse(market.isLotBuyable(lotId, ONE));
        expectStale(lotId, ONE);
    }

    /// @dev The fee bound works as for a listing: the lower of the fee in force and the bound applies,
    /// and a bound under the floor is refused at the fill.
    function test_buyLot_feeBoundAndFloor() public {
        approveShares(shares, investor, 2 * LOT);
        vm.startPrank(investor);
        uint256 lowBound = market.listLot(id, LOT, PPS, inThirtyDays(), FEE_BPS - 1);
        uint256 atFee = market.listLot(id, LOT, PPS, inThirtyDays(), FEE_BPS);
        vm.stopPrank();

        assertFalse(market.isLotBuyable(lowBound, ONE));
        uint256 price = lotPrice(ONE, PPS);
        vm.deal(alice, price);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeBoundTooLow.selector, FEE_BPS - 1, FEE_BPS));
        vm.prank(alice);
        market.buyLot{value: price}(lowBound, ONE);

        vm.prank(admin);
        market.scheduleFee(500);
        vm.warp(block.timestamp + market.CONFIG_DELAY());
        market.applyFee();
        buyLotAs(alice, atFee, ONE);
        assertEq(market.proceedsOf(treasury), price * FEE_BPS / 10_000, "the seller's bound caps a fee rise");
    }

    /// @dev Shares bought in a lot earn from the next settlement on; what the seller's shares earned
    /// before the fill stays with the seller. Neither the market nor the vault ever earns a wei.
    function test_buyLot_movesNoEarnings() public {
        uint256 lotId = listed();
        settleDay(id, 0.01 ether);
        buyLotAs(alice, lotId, LOT);
        assertEq(shares.earnedOf(investor), 0.01 ether);
        assertEq(shares.earnedOf(alice), 0);

        settleDay(id, 0.01 ether);
        assertEq(shares.earnedOf(alice), 0.001 ether);
        assertEq(shares.earnedOf(investor), 0.01 ether + 0.009 ether);
        assertEq(shares.earnedOf(address(market)), 0);
        assertEq(shares.earnedOf(address(vault)), 0);
    }

    // ---------------------------------------------------------------------------------- cancelLot

    function test_cancelLot_bySellerEmits() public {
        uint256 lotId = listed();
        vm.expectEmit(address(market));
        emit TwinMarket.LotCancelled(lotId, id, investor);
        vm.prank(investor);
        market.cancelLot(lotId);
        assertEq(market.lotOf(lotId).remaining, 0);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoLot.selector, lotId));
        vm.prank(investor);
        market.cancelLot(lotId);
    }

    function test_cancelLot_aLiveLotOnlyByItsSeller() public {
        uint256 lotId = listed();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotLotSeller.selector, lotId, stranger, investor));
        vm.prank(stranger);
        market.cancelLot(lotId);
    }

    /// @dev Anyone may clear a dead lot: expired, of a twin joined or decommissioned, or cancelled by
    /// its seller's cancel-all.
    function test_cancelLot_aDeadLotByAnyone() public {
        uint256 cancelledAll = listed();
        vm.prank(investor);
        market.cancelAllListings();
        vm.prank(stranger);
        market.cancelLot(cancelledAll);

        uint256 expired = listed();
        vm.warp(market.lotOf(expired).expiresAt);
        vm.prank(stranger);
        market.cancelLot(expired);

        uint256 joined = listLotAs(investor, id, LOT, PPS);
        join(investor, id);
        vm.prank(stranger);
        market.cancelLot(joined);

        split(investor, id, MILLION);
        uint256 retired = listLotAs(investor, id, LOT, PPS);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.expectEmit(address(market));
        emit TwinMarket.LotCancelled(retired, id, stranger);
        vm.prank(stranger);
        market.cancelLot(retired);
    }

    // ---------------------------------------------------------------------------------- views

    function test_isLotBuyable_amounts() public {
        uint256 lotId = listed();
        assertFalse(market.isLotBuyable(lotId, 0));
        assertTrue(market.isLotBuyable(lotId, 1));
        assertTrue(market.isLotBuyable(lotId, LOT));
        assertFalse(market.isLotBuyable(lotId, LOT + 1));
        assertFalse(market.isLotBuyable(99, 1));
    }

    /// @dev A whole-twin listing of a twin later split is dead: the twin moved to the vault.
    function test_split_endsTheTwinsListing() public {
        uint256 whole = newTwin();
        vm.startPrank(operator);
        registry.setApprovalForAll(address(market), true);
        market.list(whole, 1 ether, inThirtyDays(), FEE_BPS);
        registry.safeTransferFrom(operator, address(vault), whole, abi.encode(MILLION));
        vm.stopPrank();
        assertFalse(market.isBuyable(whole));
    }

    /// @dev Any lot, any fill: the buyer pays the rounded-up price, the seller gets at least its
    /// asking price for what it sold less fee and royalty, and every wei is credited to someone.
    function testFuzz_buyLot_paysAtLeastTheAskAndCreditsEveryWei(uint256 pps, uint256 listedAmount, uint256 amount)
        public
    {
        pps = bound(pps, 1, type(uint88).max);
        listedAmount = bound(listedAmount, 1, MILLION);
        amount = bound(amount, 1, listedAmount);
        uint256 lotId = listLotAs(investor, id, listedAmount, pps);
        uint256 price = buyLotAs(alice, lotId, amount);

        assertGe(price * ONE, amount * pps, "the seller is short-changed");
        assertLt((price - 1) * ONE, amount * pps, "rounded up by more than a wei");
        assertEq(shares.balanceOf(alice), amount);
        assertEq(market.lotOf(lotId).remaining, listedAmount - amount);
        assertEq(
            market.proceedsOf(investor) + market.proceedsOf(operator) + market.proceedsOf(treasury),
            price,
            "every wei credited"
        );
        assertEq(market.proceedsOf(operator), price * 500 / 10_000, "the royalty, pro rata");
        assertEq(address(market).balance, price);
    }
}
