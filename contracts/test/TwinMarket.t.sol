// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {ITwins} from "../src/interfaces/ITwins.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {TwinMarketFixture} from "./utils/TwinMarketFixture.sol";
import {RoyaltyTwinsMock} from "./mocks/RoyaltyTwinsMock.sol";
import {EthRejecter, NftRejecter} from "./mocks/Rejecters.sol";

contract TwinMarketTest is TwinMarketFixture {
    uint256 internal constant PRICE = 1 ether;
    // PRICE split at ROYALTY_BPS = 500 and FEE_BPS = 250.
    uint256 internal constant ROYALTY = 0.05 ether;
    uint256 internal constant FEE = 0.025 ether;
    uint256 internal constant SELLER_NET = 0.925 ether;

    // ------------------------------------------------------------------------------- constructor

    function test_constructor_setsState() public view {
        assertEq(address(market.twins()), address(registry));
        assertEq(market.owner(), admin);
        assertEq(market.pendingOwner(), address(0));
        assertEq(market.treasury(), treasury);
        assertEq(market.feeBps(), FEE_BPS);
        assertEq(market.feeFloorBps(), FEE_BPS);
        assertEq(market.MAX_FEE_BPS(), 1_000);
        assertEq(market.CONFIG_DELAY(), 2 days);
        assertEq(market.MAX_LISTING_DURATION(), 365 days);
        (uint16 pendingFeeBps, uint64 feeEffectiveAt) = market.pendingFee();
        assertEq(pendingFeeBps, 0);
        assertEq(feeEffectiveAt, 0);
        (address pendingTreasury, uint64 treasuryEffectiveAt) = market.pendingTreasury();
        assertEq(pendingTreasury, address(0));
        assertEq(treasuryEffectiveAt, 0);
        assertEq(address(market).balance, 0);
    }

    function test_constructor_emitsInitialTreasuryAndFee() public {
        vm.expectEmit();
        emit TwinMarket.TreasuryChanged(address(0), treasury);
        vm.expectEmit();
        emit TwinMarket.FeeChanged(0, FEE_BPS);
        new TwinMarket(registry, vault, admin, treasury, FEE_BPS);
    }

    function test_constructor_acceptsFeeAtCap() public {
        TwinMarket m = new TwinMarket(registry, vault, admin, treasury, 1_000);
        assertEq(m.feeBps(), 1_000);
    }

    function test_constructor_revertsOnZeroTwins() public {
        vm.expectRevert(TwinMarket.ZeroTwins.selector);
        new TwinMarket(ITwins(address(0)), vault, admin, treasury, FEE_BPS);
    }

    function test_constructor_revertsOnZeroVault() public {
        vm.expectRevert(TwinMarket.ZeroVault.selector);
        new TwinMarket(registry, ITwinVault(address(0)), admin, treasury, FEE_BPS);
    }

    function test_constructor_revertsOnZeroTreasury() public {
        vm.expectRevert(TwinMarket.ZeroTreasury.selector);
        new TwinMarket(registry, vault, admin, address(0), FEE_BPS);
    }

    function test_constructor_revertsOnFeeOverCap() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeTooHigh.selector, 1_001, 1_000));
        new TwinMarket(registry, vault, admin, treasury, 1_001);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new TwinMarket(registry, vault, address(0), treasury, FEE_BPS);
    }

    // -------------------------------------------------------------------------------------- list

    function test_list_storesListingAndEmits() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint64 expiry = inThirtyDays();

        vm.expectEmit(address(market));
        emit TwinMarket.Listed(id, seller, PRICE, expiry, FEE_BPS);
        vm.prank(seller);
        market.list(id, PRICE, expiry, FEE_BPS);

        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, PRICE);
        assertEq(l.expiresAt, expiry);
        assertEq(l.epoch, epochOf(id), "tied to the custody it was made under");
        assertEq(l.maxFeeBps, FEE_BPS);
        assertEq(l.sellerNonce, 0);
        assertTrue(market.isBuyable(id));
        assertEq(registry.ownerOf(id), seller, "listing does not take custody");
    }

    function test_list_acceptsSingleTokenApproval() public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE, expiry, FEE_BPS);
        vm.stopPrank();
        assertTrue(market.isBuyable(id));
    }

    function test_list_relistOverwritesPriceExpiryAndBound() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        uint64 later = uint64(block.timestamp + 90 days);

        vm.expectEmit(address(market));
        emit TwinMarket.Listed(id, seller, 2 ether, later, 400);
        vm.prank(seller);
        market.list(id, 2 ether, later, 400);

        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, 2 ether);
        assertEq(l.expiresAt, later);
        assertEq(l.maxFeeBps, 400);
        buyAs(buyer, id, 2 ether);
        assertEq(registry.ownerOf(id), buyer);
    }

    function test_list_newOwnerReplacesStaleListing() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);

        listAs(stranger, id, 3 ether);
        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, 3 ether);
        assertEq(l.epoch, epochOf(id));
        buyAs(buyer, id, 3 ether);
        assertEq(registry.ownerOf(id), buyer);
        assertEq(market.proceedsOf(stranger), 3 ether * (10_000 - ROYALTY_BPS - FEE_BPS) / 10_000);
        assertEq(market.proceedsOf(seller), 0);
    }

    /// Approval is needed by the time of the sale, not at listing; granting it starts no new epoch.
    function test_list_withoutApprovalIsBuyableOnceApproved() public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.prank(seller);
        market.list(id, PRICE, expiry, FEE_BPS);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, address(market), id));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);

        approveAll(seller);
        assertTrue(market.isBuyable(id));
        buyAs(buyer, id, PRICE);
        assertEq(registry.ownerOf(id), buyer);
    }

    function test_list_revertsForNonOwner() public {
        uint256 id = sellerTwin();
        approveAll(stranger);
        uint64 expiry = inThirtyDays();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotTokenOwner.selector, id, stranger, seller));
        vm.prank(stranger);
        market.list(id, PRICE, expiry, FEE_BPS);
    }

    function test_list_revertsForUnknownToken() public {
        uint64 expiry = inThirtyDays();
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        vm.prank(seller);
        market.list(42, PRICE, expiry, FEE_BPS);
    }

    function test_list_revertsForRetiredTwin() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        retire(id);
        uint64 expiry = inThirtyDays();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(seller);
        market.list(id, PRICE, expiry, FEE_BPS);
    }

    function test_list_revertsOnZeroPrice() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint64 expiry = inThirtyDays();
        vm.expectRevert(TwinMarket.ZeroPrice.selector);
        vm.prank(seller);
        market.list(id, 0, expiry, FEE_BPS);
    }

    function test_list_priceCapIsUint96() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint256 max = type(uint96).max;
        uint64 expiry = inThirtyDays();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.PriceTooHigh.selector, max + 1, max));
        vm.prank(seller);
        market.list(id, max + 1, expiry, FEE_BPS);

        vm.prank(seller);
        market.list(id, max, expiry, type(uint16).max);
        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, max);
        assertEq(l.expiresAt, expiry, "a full price does not spill into the expiry");
        assertEq(l.maxFeeBps, type(uint16).max);
    }

    function test_list_revertsOnExpiryNotInFuture() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint64 now_ = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, now_, block.timestamp));
        vm.prank(seller);
        market.list(id, PRICE, now_, FEE_BPS);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, 1, block.timestamp));
        vm.prank(seller);
        market.list(id, PRICE, 1, FEE_BPS);
    }

    function test_list_revertsOnExpiryBeyondAYear() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint256 max = block.timestamp + 365 days;
        uint64 tooFar = SafeCast.toUint64(max + 1);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryTooFar.selector, tooFar, max));
        vm.prank(seller);
        market.list(id, PRICE, tooFar, FEE_BPS);

        vm.prank(seller);
        market.list(id, PRICE, tooFar - 1, FEE_BPS);
        assertEq(market.listingOf(id).expiresAt, max);
    }

    /// The listing is written as one hand-packed word: every field must read back as listed, whatever
    /// the epoch (transfers, revocations) and the seller's nonce (cancelAllListings) have come to.
    function testFuzz_list_storesEveryFieldIntact(
        uint96 price,
        uint32 lifetime,
        uint16 maxFeeBps,
        uint8 roundTrips,
        uint8 revocations,
        uint8 cancels
    ) public {
        price = uint96(bound(price, 1, type(uint96).max));
        uint64 expiry = uint64(block.timestamp + bound(lifetime, 1, 365 days));
        uint256 id = sellerTwin();
        for (uint256 i; i < bound(roundTrips, 0, 3); ++i) {
            vm.prank(seller);
            registry.transferFrom(seller, stranger, id);
            vm.prank(stranger);
            registry.transferFrom(stranger, seller, id);
        }
        for (uint256 i; i < bound(revocations, 0, 3); ++i) {
            approveAll(seller);
            vm.prank(seller);
            registry.setApprovalForAll(address(market), false);
        }
        for (uint256 i; i < bound(cancels, 0, 3); ++i) {
            vm.prank(seller);
            market.cancelAllListings();
        }
        approveAll(seller);

        vm.prank(seller);
        market.list(id, price, expiry, maxFeeBps);

        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, price);
        assertEq(l.expiresAt, expiry);
        assertEq(l.epoch, epochOf(id));
        assertEq(l.maxFeeBps, maxFeeBps);
        assertEq(l.sellerNonce, market.listingNonceOf(seller));
        assertEq(market.isBuyable(id), maxFeeBps >= FEE_BPS);
    }

    function testFuzz_list_expiryWithinAYear(uint64 expiresAt) public {
        uint256 id = sellerTwin();
        approveAll(seller);
        vm.prank(seller);
        if (expiresAt <= block.timestamp) {
            vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, expiresAt, block.timestamp));
        } else if (expiresAt > block.timestamp + 365 days) {
            vm.expectRevert(
                abi.encodeWithSelector(TwinMarket.ExpiryTooFar.selector, expiresAt, block.timestamp + 365 days)
            );
        }
        market.list(id, PRICE, expiresAt, FEE_BPS);
    }

    // ----------------------------------------------------------------------------- cancelListing

    function test_cancelListing_bySeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.ListingCancelled(id, seller);
        vm.prank(seller);
        market.cancelListing(id);

        assertEq(market.listingOf(id).price, 0);
        assertFalse(market.isBuyable(id));
    }

    function test_cancelListing_byAnyoneOnceStale() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, buyer, id);

        vm.expectEmit(address(market));
        emit TwinMarket.ListingCancelled(id, stranger);
        vm.prank(stranger);
        market.cancelListing(id);

        assertEq(market.listingOf(id).price, 0);
    }

    /// A revoked approval kills the listing for good, so anyone may clear it.
    function test_cancelListing_byAnyoneOnceApprovalRevoked() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);

        vm.prank(stranger);
        market.cancelListing(id);
        assertEq(market.listingOf(id).price, 0);
    }

    function test_cancelListing_byAnyoneOnceExpired() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.warp(market.listingOf(id).expiresAt);

        vm.prank(stranger);
        market.cancelListing(id);
        assertEq(market.listingOf(id).price, 0);
    }

    function test_cancelListing_byAnyoneOnceRetired() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        retire(id);

        vm.prank(stranger);
        market.cancelListing(id);
        assertEq(market.listingOf(id).price, 0);
    }

    function test_cancelListing_byAnyoneAfterSellerCancelledAll() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        market.cancelAllListings();

        vm.prank(stranger);
        market.cancelListing(id);
        assertEq(market.listingOf(id).price, 0);
    }

    /// A twin that no longer exists (the mock can burn) leaves a listing that anyone may clear and
    /// that views report as not buyable instead of reverting.
    function test_cancelListing_byAnyoneOnceTwinIsGone() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 500);
        mock.mint(seller, 1);
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        m.list(1, PRICE, expiry, FEE_BPS);
        vm.stopPrank();
        mock.burn(1);

        assertFalse(m.isBuyable(1));
        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        vm.prank(buyer);
        m.buy{value: PRICE}(1);

        vm.prank(stranger);
        m.cancelListing(1);
        assertEq(m.listingOf(1).price, 0);
    }

    function test_cancelListing_revertsWhenNotListed() public {
        uint256 id = sellerTwin();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotListed.selector, id));
        vm.prank(seller);
        market.cancelListing(id);
    }

    function test_cancelListing_revertsForStrangerWhileLive() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotSeller.selector, id, stranger, seller));
        vm.prank(stranger);
        market.cancelListing(id);
    }

    // ------------------------------------------------------------------------- cancelAllListings

    function test_cancelAllListings_killsEveryListingOfTheSeller() public {
        uint256 first = sellerTwin();
        uint256 second = sellerTwin();
        listAs(seller, first, PRICE);
        listAs(seller, second, 2 ether);

        vm.expectEmit(address(market));
        emit TwinMarket.AllListingsCancelled(seller, 1);
        vm.prank(seller);
        market.cancelAllListings();

        assertEq(market.listingNonceOf(seller), 1);
        assertFalse(market.isBuyable(first));
        assertFalse(market.isBuyable(second));
        vm.deal(buyer, 3 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingStale.selector, first));
        vm.prank(buyer);
        market.buy{value: PRICE}(first);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingStale.selector, second));
        vm.prank(buyer);
        market.buy{value: 2 ether}(second);
    }

    /// In the same block, too: the nonce orders a cancellation and the listings around it exactly.
    function test_cancelAllListings_laterListingsAreBuyable() public {
        uint256 first = sellerTwin();
        uint256 second = sellerTwin();
        listAs(seller, first, PRICE);
        vm.prank(seller);
        market.cancelAllListings();

        listAs(seller, second, 2 ether);
        listAs(seller, first, 3 ether);
        assertTrue(market.isBuyable(first));
        assertTrue(market.isBuyable(second));
        buyAs(buyer, first, 3 ether);
        buyAs(buyer, second, 2 ether);
        assertEq(registry.ownerOf(first), buyer);
        assertEq(registry.ownerOf(second), buyer);
    }

    function test_cancelAllListings_leavesOtherSellersListings() public {
        uint256 mine = sellerTwin();
        uint256 theirs = mintTwin(minter, stranger, ROYALTY_BPS);
        listAs(seller, mine, PRICE);
        listAs(stranger, theirs, PRICE);

        vm.prank(seller);
        market.cancelAllListings();

        assertFalse(market.isBuyable(mine));
        assertTrue(market.isBuyable(theirs));
        buyAs(buyer, theirs, PRICE);
        assertEq(registry.ownerOf(theirs), buyer);
    }

    function test_cancelAllListings_countsUpForAnyAccount() public {
        vm.prank(stranger);
        market.cancelAllListings();
        vm.expectEmit(address(market));
        emit TwinMarket.AllListingsCancelled(stranger, 2);
        vm.prank(stranger);
        market.cancelAllListings();
        assertEq(market.listingNonceOf(stranger), 2);
        assertEq(market.listingNonceOf(seller), 0);
    }

    // --------------------------------------------------------------------------------------- buy

    function test_buy_movesTokenAndCreditsSplit() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);

        buyAs(buyer, id, PRICE);

        assertEq(registry.ownerOf(id), buyer);
        assertEq(market.proceedsOf(minter), ROYALTY);
        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertEq(credited(), PRICE);
        assertEq(address(market).balance, PRICE);
        assertEq(buyer.balance, 0);
        assertEq(seller.balance, 0, "nothing is pushed");
        assertEq(market.listingOf(id).price, 0);
        assertFalse(market.isBuyable(id));
        assertAccounted();
    }

    function test_buy_emitsSoldAndTransfer() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.deal(buyer, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.Sold(id, seller, buyer, PRICE, minter, ROYALTY, FEE, TwinMarket.SaleKind.Listing);
        vm.expectEmit(address(registry));
        emit IERC721.Transfer(seller, buyer, id);
        vm.recordLogs();
        vm.prank(buyer);
        market.buy{value: PRICE}(id);

        // Sold is the only record of the credits, so they must follow from its fields alone.
        _assertOnlyMarketEventIsSold();
        assertEq(market.proceedsOf(minter), ROYALTY);
        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(seller), PRICE - ROYALTY - FEE);
    }

    function test_buy_withoutRoyaltyOrFeeCreditsSellerOnly() public {
        changeFee(0);
        uint256 id = mintTwin(minter, seller, 0);
        listAs(seller, id, PRICE);

        vm.recordLogs();
        buyAs(buyer, id, PRICE);

        assertEq(market.proceedsOf(seller), PRICE);
        assertEq(market.proceedsOf(minter), 0);
        assertEq(market.proceedsOf(treasury), 0);
        // The UI derives the credits from Sold: zero royalty and fee, so the whole price is the seller's.
        (,, uint256 royalty, uint256 fee,) = _assertOnlyMarketEventIsSold();
        assertEq(royalty, 0);
        assertEq(fee, 0);
    }

    function test_buy_revertsWhenNotListed() public {
        uint256 id = sellerTwin();
        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotListed.selector, id));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    function test_buy_revertsForSeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.deal(seller, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.BuyerIsSeller.selector, id, seller));
        vm.prank(seller);
        market.buy{value: PRICE}(id);
    }

    function test_buy_revertsOnUnderpayment() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, PRICE, PRICE - 1));
        vm.prank(buyer);
        market.buy{value: PRICE - 1}(id);
    }

    function test_buy_revertsOnOverpayment() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.deal(buyer, 2 * PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, PRICE, PRICE + 1));
        vm.prank(buyer);
        market.buy{value: PRICE + 1}(id);
    }

    function test_buy_revertsOnceSellerTransferredTheToken() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    /// The new owner's own approval of the market must not make the old owner's listing buyable.
    function test_buy_staleEvenIfNewOwnerApprovesMarket() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);
        approveAll(stranger);
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    /// The twin leaves its seller and comes back: same owner, same approval, but the listing was made
    /// under a custody that ended, so the old price is gone for good.
    function test_buy_staleAfterTwinReturnsToSeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);
        vm.prank(stranger);
        registry.transferFrom(stranger, seller, id);
        assertTrue(registry.isApprovedForAll(seller, address(market)));
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);

        // A fresh listing under the new custody is buyable.
        listAs(seller, id, 2 ether);
        buyAs(buyer, id, 2 ether);
        assertEq(registry.ownerOf(id), buyer);
    }

    function test_buy_revertsOnceApprovalForAllRevoked() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    function test_buy_staleAfterApprovalForAllRevokedAndGivenAgain() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        approveAll(seller);
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    /// The seller approves the market again to list another twin: the first listing stays dead, the
    /// new one lives.
    function test_buy_staleAfterApprovalGivenAgainForAnotherTwin() public {
        uint256 id = sellerTwin();
        uint256 other = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        listAs(seller, other, 2 ether);

        assertFalse(market.isBuyable(id));
        assertTrue(market.isBuyable(other));
        _expectStale(id, PRICE);
        buyAs(buyer, other, 2 ether);
        assertEq(registry.ownerOf(other), buyer);
    }

    function test_buy_revertsOnceTokenApprovalRevoked() public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE, expiry, FEE_BPS);
        registry.approve(address(0), id);
        vm.stopPrank();
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    function test_buy_staleAfterTokenApprovalRevokedAndGivenAgain() public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE, expiry, FEE_BPS);
        registry.approve(address(0), id);
        registry.approve(address(market), id);
        vm.stopPrank();
        assertFalse(market.isBuyable(id));

        _expectStale(id, PRICE);
    }

    /// Handing the per-token approval to someone else takes it from the market, even if the market
    /// gets it back afterwards.
    function test_buy_staleAfterTokenApprovalReplaced() public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE, expiry, FEE_BPS);
        registry.approve(stranger, id);
        registry.approve(address(market), id);
        vm.stopPrank();

        _expectStale(id, PRICE);
    }

    /// Approving again what is already approved takes nothing back, so the listing lives on.
    function test_buy_repeatedApprovalsKeepListingLive() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        approveAll(seller);
        vm.startPrank(seller);
        registry.approve(address(market), id);
        registry.approve(address(market), id);
        vm.stopPrank();
        assertTrue(market.isBuyable(id));
        buyAs(buyer, id, PRICE);
        assertEq(registry.ownerOf(id), buyer);
    }

    /// Every way custody can end kills the listing: transfer out and back, approval-for-all revoked
    /// (and given again), per-token approval revoked (and given again), or a cancel-all.
    function testFuzz_buy_staleAfterAnyEndOfCustody(uint8 how) public {
        uint256 id = sellerTwin();
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        registry.setApprovalForAll(address(market), true);
        registry.approve(address(market), id);
        market.list(id, PRICE, expiry, FEE_BPS);
        uint256 way = how % 4;
        if (way == 0) {
            registry.transferFrom(seller, stranger, id);
            vm.stopPrank();
            vm.prank(stranger);
            registry.transferFrom(stranger, seller, id);
            vm.startPrank(seller);
        } else if (way == 1) {
            registry.setApprovalForAll(address(market), false);
        } else if (way == 2) {
            registry.approve(address(0), id);
        } else {
            market.cancelAllListings();
        }
        // Whatever was taken back is given back.
        registry.setApprovalForAll(address(market), true);
        registry.approve(address(market), id);
        vm.stopPrank();

        assertFalse(market.isBuyable(id));
        _expectStale(id, PRICE);
    }

    function test_buy_revertsAtExpiry() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        uint64 expiry = market.listingOf(id).expiresAt;
        vm.warp(expiry);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingExpired.selector, id, expiry));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    function test_buy_succeedsJustBeforeExpiry() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.warp(market.listingOf(id).expiresAt - 1);
        assertTrue(market.isBuyable(id));
        buyAs(buyer, id, PRICE);
        assertEq(registry.ownerOf(id), buyer);
    }

    /// Decommissioning a listed twin ends its listing, though the seller still owns and approved it.
    function test_buy_revertsForRetiredTwin() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        retire(id);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    function test_buy_revertsForBuyerContractWithoutReceiver() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        EthRejecter noReceiver = new EthRejecter();
        vm.deal(address(noReceiver), PRICE);

        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(noReceiver)));
        vm.prank(address(noReceiver));
        market.buy{value: PRICE}(id);

        assertTrue(market.isBuyable(id), "the failed sale left everything as it was");
        assertEq(credited(), 0);
        assertAccounted();
    }

    function test_buy_revertsForBuyerRefusingTwins() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        NftRejecter refuser = new NftRejecter();
        vm.deal(address(refuser), PRICE);

        vm.expectRevert(NftRejecter.NoTwinsPlease.selector);
        vm.prank(address(refuser));
        market.buy{value: PRICE}(id);
        assertEq(registry.ownerOf(id), seller);
        assertAccounted();
    }

    function test_buy_revertsWhenRoyaltyAndFeeExceedPrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 9_800);
        _mockList(mock, m, 1);

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeesExceedPrice.selector, PRICE, 0.98 ether, FEE));
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
    }

    function test_buy_royaltyAndFeeMayTakeWholePrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 9_750);
        _mockList(mock, m, 1);

        vm.deal(buyer, PRICE);
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
        assertEq(m.proceedsOf(minter), 0.975 ether);
        assertEq(m.proceedsOf(treasury), FEE);
        assertEq(m.proceedsOf(seller), 0);
    }

    function test_buy_royaltyWithoutReceiverStaysWithSeller() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(address(0), 500);
        _mockList(mock, m, 1);

        vm.deal(buyer, PRICE);
        vm.expectEmit(address(m));
        emit TwinMarket.Sold(1, seller, buyer, PRICE, address(0), 0, FEE, TwinMarket.SaleKind.Listing);
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
        assertEq(m.proceedsOf(seller), PRICE - FEE);
        assertEq(m.proceedsOf(address(0)), 0);
    }

    /// The mock's retired flag reaches the market through custodyOf like the registry's.
    function test_buy_revertsForTwinRetiredByAnyCollection() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 500);
        _mockList(mock, m, 1);
        mock.setRetired(1, true);
        assertFalse(m.isBuyable(1));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, 1));
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
    }

    // -------------------------------------------------------------------------------- fee bounds

    /// The seller listed when the fee was 2.5%; it is raised to 10% before the sale. The sale charges
    /// the 2.5% the seller agreed to, not a wei more.
    function test_buy_feeRaiseAfterListingCannotCostSeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        changeFee(1_000);
        assertEq(market.feeBps(), 1_000);
        assertTrue(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectEmit(address(market));
        emit TwinMarket.Sold(id, seller, buyer, PRICE, minter, ROYALTY, FEE, TwinMarket.SaleKind.Listing);
        vm.prank(buyer);
        market.buy{value: PRICE}(id);

        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertEq(market.proceedsOf(treasury), FEE);
        assertAccounted();
    }

    function test_buy_feeCutAfterListingGoesToSeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        changeFee(100);

        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(treasury), 0.01 ether);
        assertEq(market.proceedsOf(seller), PRICE - ROYALTY - 0.01 ether);
    }

    /// A bound is protection from a rise, not a discount: a seller who lists with a bound below any fee
    /// ever in force cannot sell, rather than sell without paying the fee.
    function test_buy_revertsWhenBoundBelowFeeFloor() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint64 expiry = inThirtyDays();
        vm.prank(seller);
        market.list(id, PRICE, expiry, 0);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeBoundTooLow.selector, 0, FEE_BPS));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
        assertEq(market.proceedsOf(treasury), 0);
    }

    /// The seller listed at 2.5%, the fee went to 10% and then to 5%: the 2.5% listing is still sold
    /// at 2.5%, for as long as it can be open.
    function test_buy_boundHonouredAcrossSeveralFeeChanges() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        changeFee(1_000);
        changeFee(500);
        assertEq(market.feeFloorBps(), FEE_BPS);

        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(seller), SELLER_NET);
    }

    /// No listing outlives MAX_LISTING_DURATION, so a year after a rise the old fee is no floor.
    function test_feeFloorBps_followsFeeAYearAfterTheLastChange() public {
        changeFee(1_000);
        assertEq(market.feeFloorBps(), FEE_BPS, "listings made at 2.5% may still be open");
        vm.warp(block.timestamp + 365 days - 1);
        assertEq(market.feeFloorBps(), FEE_BPS);
        vm.warp(block.timestamp + 1);
        assertEq(market.feeFloorBps(), 1_000);

        changeFee(100);
        assertEq(market.feeFloorBps(), 100, "a cut lowers the floor at once");
        changeFee(700);
        assertEq(market.feeFloorBps(), 100);
    }

    /// A listing made after a rise, with the old fee as its bound, only sells while a listing made
    /// before the rise could still be open.
    function test_buy_revertsForStaleBoundAYearAfterRise() public {
        changeFee(1_000);
        uint256 id = sellerTwin();
        approveAll(seller);
        vm.warp(block.timestamp + 200 days);
        uint64 expiry = uint64(block.timestamp + 300 days);
        vm.prank(seller);
        market.list(id, PRICE, expiry, FEE_BPS);
        assertTrue(market.isBuyable(id));

        vm.warp(block.timestamp + 165 days);
        assertFalse(market.isBuyable(id));
        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeBoundTooLow.selector, FEE_BPS, 1_000));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    /// Whatever the fee becomes after listing, a sale charges min(fee in force, the seller's bound).
    function testFuzz_buy_neverChargesMoreThanBound(uint16 maxFeeBps, uint16 newFeeBps, uint96 price) public {
        maxFeeBps = uint16(bound(maxFeeBps, FEE_BPS, type(uint16).max));
        newFeeBps = uint16(bound(newFeeBps, 0, market.MAX_FEE_BPS()));
        price = uint96(bound(price, 1, type(uint96).max));
        uint256 id = sellerTwin();
        approveAll(seller);
        uint64 expiry = inThirtyDays();
        vm.prank(seller);
        market.list(id, price, expiry, maxFeeBps);
        changeFee(newFeeBps);

        buyAs(buyer, id, price);
        uint256 applied = newFeeBps < maxFeeBps ? newFeeBps : maxFeeBps;
        uint256 fee = market.proceedsOf(treasury);
        assertEq(fee, uint256(price) * applied / 10_000);
        assertLe(fee, uint256(price) * maxFeeBps / 10_000, "never above the bound");
        assertAccounted();
    }

    // --------------------------------------------------------------------------------- makeOffer

    function test_makeOffer_escrowsAndEmits() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        vm.deal(bidder, 2 ether);

        vm.expectEmit(address(market));
        emit TwinMarket.OfferMade(id, bidder, 2 ether, expiry);
        vm.prank(bidder);
        market.makeOffer{value: 2 ether}(id, expiry);
        trackOffer(id, bidder);

        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 2 ether);
        assertEq(expiresAt, expiry);
        assertEq(escrowed(), 2 ether);
        assertEq(address(market).balance, 2 ether);
        assertEq(market.proceedsOf(bidder), 0);
        assertAccounted();
    }

    function test_makeOffer_onListedTwinLeavesListing() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        offerAs(bidder, id, 0.5 ether, inOneDay());
        assertTrue(market.isBuyable(id));
    }

    function test_makeOffer_againAfterCancel() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        vm.prank(bidder);
        market.cancelOffer(id);
        offerAs(bidder, id, 0.5 ether, inOneDay());
        (uint256 amount,) = market.offer(id, bidder);
        assertEq(amount, 0.5 ether);
        assertEq(escrowed(), 0.5 ether);
        assertEq(market.proceedsOf(bidder), 1 ether);
        assertAccounted();
    }

    function test_makeOffer_revertsOnZeroValue() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        vm.expectRevert(TwinMarket.ZeroValue.selector);
        vm.prank(bidder);
        market.makeOffer(id, expiry);
    }

    function test_makeOffer_revertsOnExpiryNow() public {
        uint256 id = sellerTwin();
        uint64 expiry = uint64(block.timestamp);
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, expiry, block.timestamp));
        vm.prank(bidder);
        market.makeOffer{value: 1 ether}(id, expiry);
    }

    function test_makeOffer_revertsOnExpiryInPast() public {
        uint256 id = sellerTwin();
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, 1, block.timestamp));
        vm.prank(bidder);
        market.makeOffer{value: 1 ether}(id, 1);
    }

    function test_makeOffer_revertsForUnknownToken() public {
        uint64 expiry = inOneDay();
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        vm.prank(bidder);
        market.makeOffer{value: 1 ether}(42, expiry);
    }

    function test_makeOffer_revertsForOwner() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        vm.deal(seller, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.BidderIsOwner.selector, id, seller));
        vm.prank(seller);
        market.makeOffer{value: 1 ether}(id, expiry);
    }

    function test_makeOffer_revertsForRetiredTwin() public {
        uint256 id = sellerTwin();
        retire(id);
        uint64 expiry = inOneDay();
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(bidder);
        market.makeOffer{value: 1 ether}(id, expiry);
    }

    function test_makeOffer_revertsOnAmountOverUint128() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        uint256 amount = uint256(type(uint128).max) + 1;
        vm.deal(bidder, amount);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, amount));
        vm.prank(bidder);
        market.makeOffer{value: amount}(id, expiry);
    }

    function test_makeOffer_revertsOnSecondOffer() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.OfferExists.selector, id, bidder));
        vm.prank(bidder);
        market.makeOffer{value: 1 ether}(id, expiry);
    }

    // -------------------------------------------------------------------------------- raiseOffer

    function test_raiseOffer_addsValueAndExtendsExpiry() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        uint64 later = uint64(block.timestamp + 3 days);
        vm.deal(bidder, 0.5 ether);

        vm.expectEmit(address(market));
        emit TwinMarket.OfferRaised(id, bidder, 0.5 ether, 1.5 ether, later);
        vm.prank(bidder);
        market.raiseOffer{value: 0.5 ether}(id, later);

        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 1.5 ether);
        assertEq(expiresAt, later);
        assertEq(escrowed(), 1.5 ether);
        assertAccounted();
    }

    function test_raiseOffer_keepsExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        vm.deal(bidder, 1 ether);
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, expiry);
        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 2 ether);
        assertEq(expiresAt, expiry);
    }

    function test_raiseOffer_revivesExpiredOffer() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        vm.warp(block.timestamp + 2 days);
        uint64 later = inOneDay();
        vm.deal(bidder, 1 ether);
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, later);

        acceptAs(seller, id, bidder, 2 ether);
        assertEq(registry.ownerOf(id), bidder);
    }

    function test_raiseOffer_revertsWithoutOffer() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoOffer.selector, id, bidder));
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, expiry);
    }

    function test_raiseOffer_revertsOnZeroValue() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        vm.expectRevert(TwinMarket.ZeroValue.selector);
        vm.prank(bidder);
        market.raiseOffer(id, expiry);
    }

    function test_raiseOffer_revertsOnShorterExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryShortened.selector, expiry, expiry - 1));
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, expiry - 1);
    }

    function test_raiseOffer_revertsWhenExpiredOfferIsNotExtended() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        vm.warp(expiry);
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ExpiryNotInFuture.selector, expiry, block.timestamp));
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, expiry);
    }

    function test_raiseOffer_revertsForRetiredTwin() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, 1 ether, expiry);
        retire(id);
        vm.deal(bidder, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(bidder);
        market.raiseOffer{value: 1 ether}(id, expiry);
    }

    // ------------------------------------------------------------------------------- cancelOffer

    function test_cancelOffer_creditsBidder() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());

        vm.expectEmit(address(market));
        emit TwinMarket.OfferCancelled(id, bidder, 1 ether);
        vm.prank(bidder);
        market.cancelOffer(id);

        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 0);
        assertEq(expiresAt, 0);
        assertEq(escrowed(), 0);
        assertEq(credited(), 1 ether);
        assertEq(market.proceedsOf(bidder), 1 ether);
        assertAccounted();
    }

    function test_cancelOffer_refundsExpiredOffer() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        vm.warp(block.timestamp + 30 days);

        vm.prank(bidder);
        market.cancelOffer(id);
        withdrawAs(bidder);

        assertEq(bidder.balance, 1 ether);
        assertEq(address(market).balance, 0);
    }

    /// Decommissioning a twin strands no offer on it.
    function test_cancelOffer_refundsOfferOnRetiredTwin() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        retire(id);

        vm.prank(bidder);
        market.cancelOffer(id);
        withdrawAs(bidder);
        assertEq(bidder.balance, 1 ether);
        assertAccounted();
    }

    function test_cancelOffer_revertsWithoutOffer() public {
        uint256 id = sellerTwin();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoOffer.selector, id, bidder));
        vm.prank(bidder);
        market.cancelOffer(id);
    }

    // ------------------------------------------------------------------------------- acceptOffer

    function test_acceptOffer_movesTokenAndCreditsSplit() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());

        acceptAs(seller, id, bidder, PRICE);

        assertEq(registry.ownerOf(id), bidder);
        assertEq(market.proceedsOf(minter), ROYALTY);
        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertEq(market.proceedsOf(bidder), 0);
        assertEq(escrowed(), 0);
        assertEq(credited(), PRICE);
        (uint256 amount,) = market.offer(id, bidder);
        assertEq(amount, 0);
        assertAccounted();
    }

    function test_acceptOffer_emitsAcceptedSoldAndTransfer() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(seller);

        vm.expectEmit(address(market));
        emit TwinMarket.OfferAccepted(id, bidder, seller, PRICE);
        vm.expectEmit(address(market));
        emit TwinMarket.Sold(id, seller, bidder, PRICE, minter, ROYALTY, FEE, TwinMarket.SaleKind.Offer);
        vm.expectEmit(address(registry));
        emit IERC721.Transfer(seller, bidder, id);
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    function test_acceptOffer_removesListing() public {
        uint256 id = sellerTwin();
        listAs(seller, id, 5 ether);
        offerAs(bidder, id, PRICE, inOneDay());

        acceptAs(seller, id, bidder, PRICE);

        assertEq(market.listingOf(id).price, 0);
        assertFalse(market.isBuyable(id));
    }

    function test_acceptOffer_withSingleTokenApproval() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
        vm.stopPrank();
        assertEq(registry.ownerOf(id), bidder);
    }

    function test_acceptOffer_leavesOtherOffersOpen() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        offerAs(stranger, id, 0.5 ether, inOneDay());

        acceptAs(seller, id, bidder, PRICE);

        (uint256 amount,) = market.offer(id, stranger);
        assertEq(amount, 0.5 ether);
        assertEq(escrowed(), 0.5 ether);
        assertAccounted();

        // The new owner may accept it in turn.
        acceptAs(bidder, id, stranger, 0.5 ether);
        assertEq(registry.ownerOf(id), stranger);
        assertAccounted();
    }

    function test_acceptOffer_acceptableUntilJustBeforeExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, PRICE, expiry);
        vm.warp(expiry - 1);
        acceptAs(seller, id, bidder, PRICE);
        assertEq(registry.ownerOf(id), bidder);
    }

    /// The bidder offered while the fee was 2.5%; it is 10% by the time the seller accepts, bounding
    /// it at the 2.5% they expected. They are charged 2.5%.
    function test_acceptOffer_feeRaiseAfterOfferCannotCostSeller() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, uint64(block.timestamp + 7 days));
        changeFee(1_000);
        approveAll(seller);

        vm.expectEmit(address(market));
        emit TwinMarket.Sold(id, seller, bidder, PRICE, minter, ROYALTY, FEE, TwinMarket.SaleKind.Offer);
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);

        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertEq(market.proceedsOf(treasury), FEE);
        assertAccounted();
    }

    /// A bound above the fee in force is only a cap: the fee in force is charged.
    function test_acceptOffer_chargesFeeInForceBelowBound() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(seller);
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, 1_000);
        assertEq(market.proceedsOf(treasury), FEE);
    }

    function test_acceptOffer_revertsWhenBoundBelowFeeFloor() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(seller);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeBoundTooLow.selector, FEE_BPS - 1, FEE_BPS));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS - 1);
    }

    function test_acceptOffer_revertsForNonOwner() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(stranger);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotTokenOwner.selector, id, stranger, seller));
        vm.prank(stranger);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    function test_acceptOffer_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        vm.prank(seller);
        market.acceptOffer(42, bidder, PRICE, FEE_BPS);
    }

    function test_acceptOffer_revertsForRetiredTwin() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(seller);
        retire(id);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.TwinRetired.selector, id));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    /// A bidder who later bought the twin still has their old offer open; they cannot sell to themselves.
    function test_acceptOffer_revertsForOwnOffer() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 0.5 ether, inOneDay());
        listAs(seller, id, PRICE);
        buyAs(bidder, id, PRICE);
        approveAll(bidder);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.BidderIsOwner.selector, id, bidder));
        vm.prank(bidder);
        market.acceptOffer(id, bidder, 0.5 ether, FEE_BPS);
    }

    function test_acceptOffer_revertsWithoutApproval() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, address(market), id));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    /// A bidder contract that refuses twins cannot be sold to; its offer stays, for it to cancel.
    function test_acceptOffer_revertsForBidderRefusingTwins() public {
        uint256 id = sellerTwin();
        NftRejecter refuser = new NftRejecter();
        offerAs(address(refuser), id, PRICE, inOneDay());
        approveAll(seller);

        vm.expectRevert(NftRejecter.NoTwinsPlease.selector);
        vm.prank(seller);
        market.acceptOffer(id, address(refuser), PRICE, FEE_BPS);

        (uint256 amount,) = market.offer(id, address(refuser));
        assertEq(amount, PRICE);
        assertAccounted();
    }

    function test_acceptOffer_revertsWithoutOffer() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoOffer.selector, id, bidder));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    function test_acceptOffer_revertsAtExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, PRICE, expiry);
        approveAll(seller);
        vm.warp(expiry);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.OfferExpired.selector, id, bidder, expiry));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    /// The seller saw 1 ETH; the bidder cancelled and re-offered 0.1 ETH before the acceptance landed.
    function test_acceptOffer_revertsWhenOfferWasLoweredInBetween() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(seller);
        vm.prank(bidder);
        market.cancelOffer(id);
        offerAs(bidder, id, 0.1 ether, inOneDay());

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.OfferAmountMismatch.selector, id, bidder, PRICE, 0.1 ether));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE, FEE_BPS);
    }

    function test_acceptOffer_revertsWhenRoyaltyAndFeeExceedPrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 10_000);
        mock.mint(seller, 1);
        uint64 expiry = inOneDay();
        vm.deal(bidder, PRICE);
        vm.prank(bidder);
        m.makeOffer{value: PRICE}(1, expiry);

        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeesExceedPrice.selector, PRICE, PRICE, FEE));
        m.acceptOffer(1, bidder, PRICE, FEE_BPS);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------- withdraw

    function test_withdraw_paysAndZeroes() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.Withdrawn(seller, seller, SELLER_NET);
        withdrawAs(seller);

        assertEq(seller.balance, SELLER_NET);
        assertEq(market.proceedsOf(seller), 0);
        assertEq(credited(), ROYALTY + FEE);
        assertAccounted();

        withdrawAs(minter);
        withdrawAs(treasury);
        assertEq(minter.balance, ROYALTY);
        assertEq(treasury.balance, FEE);
        assertEq(address(market).balance, 0);
        assertEq(credited(), 0);
    }

    function test_withdraw_revertsWithNothingCredited() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NothingToWithdraw.selector, stranger));
        withdrawAs(stranger);
    }

    function test_withdraw_revertsTheSecondTime() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, 1 ether, inOneDay());
        vm.prank(bidder);
        market.cancelOffer(id);
        withdrawAs(bidder);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NothingToWithdraw.selector, bidder));
        withdrawAs(bidder);
        assertEq(bidder.balance, 1 ether);
    }

    function test_withdraw_revertsWhenPayeeRejectsEth() public {
        uint256 id = sellerTwin();
        EthRejecter rejecter = new EthRejecter();
        rejecter.makeOffer{value: 1 ether}(market, id, inOneDay());
        trackOffer(id, address(rejecter));
        rejecter.cancelOffer(market, id);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(rejecter), 1 ether));
        rejecter.withdraw(market);

        assertEq(market.proceedsOf(address(rejecter)), 1 ether, "the credit survives the failed payout");
        assertEq(credited(), 1 ether);
        assertAccounted();
    }

    // -------------------------------------------------------------------------------- withdrawTo

    /// A royalty receiver that is a contract without receive() is credited on every sale of its twin;
    /// it sends its royalties to another address, so none of them stay locked in the market.
    function test_withdrawTo_royaltyReceiverWithoutReceiveIsPaidElsewhere() public {
        EthRejecter receiver = new EthRejecter();
        trackParty(address(receiver));
        uint256 id = sellerTwin();
        vm.prank(minter);
        registry.proposeOperator(id, address(receiver));
        vm.prank(address(receiver));
        registry.acceptOperator(id);
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(address(receiver)), ROYALTY);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(receiver), ROYALTY));
        receiver.withdraw(market);

        address payable vault = payable(makeAddr("vault"));
        vm.expectEmit(address(market));
        emit TwinMarket.Withdrawn(address(receiver), vault, ROYALTY);
        receiver.withdrawTo(market, vault);

        assertEq(vault.balance, ROYALTY);
        assertEq(market.proceedsOf(address(receiver)), 0);
        assertAccounted();
    }

    /// The same for a seller that is such a contract, and for a treasury that is one.
    function test_withdrawTo_sellerAndTreasuryWithoutReceiveArePaidElsewhere() public {
        EthRejecter vaultSeller = new EthRejecter();
        EthRejecter multisig = new EthRejecter();
        changeTreasury(address(multisig));
        uint256 id = mintTwin(minter, address(vaultSeller), ROYALTY_BPS);
        listAs(address(vaultSeller), id, PRICE);
        buyAs(buyer, id, PRICE);

        address payable to = payable(makeAddr("cold wallet"));
        vaultSeller.withdrawTo(market, to);
        multisig.withdrawTo(market, to);
        assertEq(to.balance, SELLER_NET + FEE);
        assertEq(credited(), ROYALTY);
        assertAccounted();
    }

    function test_withdrawTo_revertsOnZeroRecipient() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        vm.expectRevert(TwinMarket.ZeroRecipient.selector);
        vm.prank(seller);
        market.withdrawTo(payable(address(0)));
    }

    function test_withdrawTo_revertsWithNothingCredited() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NothingToWithdraw.selector, stranger));
        vm.prank(stranger);
        market.withdrawTo(payable(seller));
    }

    function test_withdrawTo_revertsWhenRecipientRejectsEth() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        EthRejecter rejecter = new EthRejecter();

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(rejecter), SELLER_NET));
        vm.prank(seller);
        market.withdrawTo(payable(address(rejecter)));
        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertAccounted();
    }

    // ------------------------------------------------------------------------------- fee changes

    function test_scheduleFee_announcesWithoutChangingFee() public {
        uint64 effectiveAt = uint64(block.timestamp + 2 days);
        vm.expectEmit(address(market));
        emit TwinMarket.FeeChangeScheduled(FEE_BPS, 1_000, effectiveAt);
        vm.prank(admin);
        market.scheduleFee(1_000);

        (uint16 pendingFeeBps, uint64 at) = market.pendingFee();
        assertEq(pendingFeeBps, 1_000);
        assertEq(at, effectiveAt);
        assertEq(market.feeBps(), FEE_BPS, "nothing changes before the delay");
    }

    function test_applyFee_revertsBeforeDelay() public {
        vm.prank(admin);
        market.scheduleFee(1_000);
        uint64 effectiveAt = uint64(block.timestamp + 2 days);
        vm.warp(effectiveAt - 1);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ChangeNotDue.selector, effectiveAt, effectiveAt - 1));
        market.applyFee();
        assertEq(market.feeBps(), FEE_BPS);
    }

    function test_applyFee_byAnyoneOnceDue() public {
        vm.prank(admin);
        market.scheduleFee(1_000);
        vm.warp(block.timestamp + 2 days);

        vm.expectEmit(address(market));
        emit TwinMarket.FeeChanged(FEE_BPS, 1_000);
        vm.prank(stranger);
        market.applyFee();

        assertEq(market.feeBps(), 1_000);
        (uint16 pendingFeeBps, uint64 at) = market.pendingFee();
        assertEq(pendingFeeBps, 0);
        assertEq(at, 0);
        vm.expectRevert(TwinMarket.NoPendingChange.selector);
        market.applyFee();
    }

    function test_applyFee_revertsWithoutPendingChange() public {
        vm.expectRevert(TwinMarket.NoPendingChange.selector);
        market.applyFee();
    }

    function test_scheduleFee_againRestartsDelay() public {
        vm.prank(admin);
        market.scheduleFee(1_000);
        vm.warp(block.timestamp + 1 days);
        vm.prank(admin);
        market.scheduleFee(0);
        uint64 effectiveAt = uint64(block.timestamp + 2 days);

        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ChangeNotDue.selector, effectiveAt, block.timestamp));
        market.applyFee();
        vm.warp(effectiveAt);
        market.applyFee();
        assertEq(market.feeBps(), 0);
    }

    function test_applyFee_appliesToLaterSales() public {
        changeFee(0);
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(treasury), 0);
        assertEq(market.proceedsOf(seller), PRICE - ROYALTY);
    }

    function test_scheduleFee_revertsOverCap() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeTooHigh.selector, 1_001, 1_000));
        vm.prank(admin);
        market.scheduleFee(1_001);
    }

    function test_scheduleFee_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        market.scheduleFee(0);
    }

    /// There is no way around the delay: the old immediate setters are gone.
    function test_admin_hasNoImmediateSetters() public {
        vm.startPrank(admin);
        (bool feeSet,) = address(market).call(abi.encodeWithSignature("setFee(uint16)", uint16(0)));
        (bool treasurySet,) = address(market).call(abi.encodeWithSignature("setTreasury(address)", admin));
        vm.stopPrank();
        assertFalse(feeSet);
        assertFalse(treasurySet);
        assertEq(market.feeBps(), FEE_BPS);
        assertEq(market.treasury(), treasury);
    }

    // -------------------------------------------------------------------------- treasury changes

    function test_scheduleTreasury_announcesWithoutChangingTreasury() public {
        address next = makeAddr("next treasury");
        uint64 effectiveAt = uint64(block.timestamp + 2 days);
        vm.expectEmit(address(market));
        emit TwinMarket.TreasuryChangeScheduled(treasury, next, effectiveAt);
        vm.prank(admin);
        market.scheduleTreasury(next);

        (address pending, uint64 at) = market.pendingTreasury();
        assertEq(pending, next);
        assertEq(at, effectiveAt);
        assertEq(market.treasury(), treasury);
    }

    function test_applyTreasury_revertsBeforeDelay() public {
        vm.prank(admin);
        market.scheduleTreasury(stranger);
        uint64 effectiveAt = uint64(block.timestamp + 2 days);
        vm.warp(effectiveAt - 1);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ChangeNotDue.selector, effectiveAt, effectiveAt - 1));
        market.applyTreasury();
    }

    function test_applyTreasury_byAnyoneOnceDue() public {
        address next = makeAddr("next treasury");
        vm.prank(admin);
        market.scheduleTreasury(next);
        vm.warp(block.timestamp + 2 days);

        vm.expectEmit(address(market));
        emit TwinMarket.TreasuryChanged(treasury, next);
        vm.prank(stranger);
        market.applyTreasury();

        assertEq(market.treasury(), next);
        (address pending, uint64 at) = market.pendingTreasury();
        assertEq(pending, address(0));
        assertEq(at, 0);
        vm.expectRevert(TwinMarket.NoPendingChange.selector);
        market.applyTreasury();
    }

    function test_applyTreasury_revertsWithoutPendingChange() public {
        vm.expectRevert(TwinMarket.NoPendingChange.selector);
        market.applyTreasury();
    }

    function test_applyTreasury_oldTreasuryKeepsItsCredits() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        address next = makeAddr("next treasury");
        changeTreasury(next);

        listAs(buyer, id, PRICE);
        buyAs(stranger, id, PRICE);

        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(next), FEE);
        assertAccounted();
    }

    function test_scheduleTreasury_revertsOnZero() public {
        vm.expectRevert(TwinMarket.ZeroTreasury.selector);
        vm.prank(admin);
        market.scheduleTreasury(address(0));
    }

    function test_scheduleTreasury_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        market.scheduleTreasury(stranger);
    }

    // --------------------------------------------------------------------------------- ownership

    /// Ownership moves only when the new owner accepts it, so a mistyped address cannot take it.
    function test_transferOwnership_takesEffectOnAcceptance() public {
        address next = makeAddr("next admin");
        vm.prank(admin);
        market.transferOwnership(next);
        assertEq(market.owner(), admin, "still the old owner until accepted");
        assertEq(market.pendingOwner(), next);

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, next));
        vm.prank(next);
        market.scheduleFee(0);

        vm.prank(next);
        market.acceptOwnership();
        assertEq(market.owner(), next);
        assertEq(market.pendingOwner(), address(0));
        vm.prank(next);
        market.scheduleFee(0);
    }

    function test_acceptOwnership_revertsForOthers() public {
        vm.prank(admin);
        market.transferOwnership(makeAddr("next admin"));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        market.acceptOwnership();
    }

    // ------------------------------------------------------------------------------------- views

    function test_views_emptyByDefault() public {
        uint256 id = sellerTwin();
        TwinMarket.Listing memory l = market.listingOf(id);
        assertEq(l.price, 0);
        assertEq(l.expiresAt, 0);
        assertFalse(market.isBuyable(id));
        assertFalse(market.isBuyable(42), "unknown tokens are not buyable, and do not revert");
        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 0);
        assertEq(expiresAt, 0);
        assertEq(market.proceedsOf(seller), 0);
        assertEq(market.listingNonceOf(seller), 0);
    }

    // -------------------------------------------------------------------------------------- fuzz

    function testFuzz_buy_splitsPriceExactly(uint256 price, uint96 royaltyBps, uint16 feeBps) public {
        price = bound(price, 1, type(uint96).max);
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        feeBps = uint16(bound(feeBps, 0, market.MAX_FEE_BPS()));
        changeFee(feeBps);
        uint256 before = _openUnrelatedOffer();

        uint256 id = mintTwin(minter, seller, royaltyBps);
        listAs(seller, id, price);
        buyAs(buyer, id, price);

        _assertSplit(price, royaltyBps, feeBps, before);
    }

    function testFuzz_acceptOffer_splitsPriceExactly(uint256 price, uint96 royaltyBps, uint16 feeBps) public {
        price = bound(price, 1, 1e30);
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        feeBps = uint16(bound(feeBps, 0, market.MAX_FEE_BPS()));
        changeFee(feeBps);
        uint256 before = _openUnrelatedOffer();

        uint256 id = mintTwin(minter, seller, royaltyBps);
        offerAs(buyer, id, price, inOneDay());
        acceptAs(seller, id, buyer, price);

        _assertSplit(price, royaltyBps, feeBps, before);
    }

    function testFuzz_buy_rejectsAnyOtherPayment(uint256 price, uint256 sent) public {
        price = bound(price, 1, type(uint96).max);
        sent = bound(sent, 0, 2e30);
        vm.assume(sent != price);
        uint256 id = sellerTwin();
        listAs(seller, id, price);
        vm.deal(buyer, sent);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WrongPayment.selector, id, price, sent));
        vm.prank(buyer);
        market.buy{value: sent}(id);
    }

    function testFuzz_acceptOffer_rejectsAnyOtherAmount(uint256 offered, uint256 expected) public {
        offered = bound(offered, 1, 1e30);
        vm.assume(expected != offered);
        uint256 id = sellerTwin();
        offerAs(bidder, id, offered, inOneDay());
        approveAll(seller);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.OfferAmountMismatch.selector, id, bidder, expected, offered));
        vm.prank(seller);
        market.acceptOffer(id, bidder, expected, FEE_BPS);
    }

    function testFuzz_offer_raiseAndCancelReturnsEverything(uint256 first, uint256 added, uint32 wait) public {
        first = bound(first, 1, 1e30);
        added = bound(added, 1, 1e30);
        uint256 id = sellerTwin();
        offerAs(bidder, id, first, inOneDay());
        vm.deal(bidder, added);
        vm.prank(bidder);
        market.raiseOffer{value: added}(id, inOneDay());
        assertEq(escrowed(), first + added);
        assertAccounted();

        vm.warp(block.timestamp + wait);
        vm.prank(bidder);
        market.cancelOffer(id);
        withdrawAs(bidder);
        assertEq(bidder.balance, first + added);
        assertEq(address(market).balance, 0);
        assertEq(escrowed(), 0);
        assertEq(credited(), 0);
    }

    // ----------------------------------------------------------------------------------- helpers

    /// @dev A buy of `id` at `price` must fail as stale and leave the twin and the books untouched.
    function _expectStale(uint256 id, uint256 price) private {
        address ownerBefore = registry.ownerOf(id);
        vm.deal(buyer, buyer.balance + price);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingStale.selector, id));
        vm.prank(buyer);
        market.buy{value: price}(id);
        assertEq(registry.ownerOf(id), ownerBefore);
        assertEq(credited(), 0);
        assertAccounted();
    }

    /// @dev Leaves an offer on another twin in escrow, so "nothing left behind" is checked against a
    /// non-zero balance; returns the market balance to come back to.
    function _openUnrelatedOffer() private returns (uint256) {
        uint256 other = mintTwin(stranger, stranger, 0);
        offerAs(bidder, other, 0.3 ether, inOneDay());
        return address(market).balance;
    }

    function _assertSplit(uint256 price, uint96 royaltyBps, uint16 feeBps, uint256 before) private {
        uint256 royalty = market.proceedsOf(minter);
        uint256 fee = market.proceedsOf(treasury);
        uint256 net = market.proceedsOf(seller);
        assertEq(royalty, price * royaltyBps / 10_000, "royalty");
        assertEq(fee, price * feeBps / 10_000, "fee");
        assertEq(net + royalty + fee, price, "split must add up to the price");
        assertEq(address(market).balance, before + price);
        assertAccounted();

        if (royalty != 0) withdrawAs(minter);
        if (fee != 0) withdrawAs(treasury);
        if (net != 0) withdrawAs(seller);
        assertEq(address(market).balance, before, "nothing of the sale stays in the market");
        assertEq(minter.balance + treasury.balance + seller.balance, price);
        assertAccounted();
    }

    /// @dev Checks that the market's only event in the recorded logs is one Sold, and returns its data.
    function _assertOnlyMarketEventIsSold()
        private
        returns (uint256 price, address royaltyReceiver, uint256 royalty, uint256 fee, TwinMarket.SaleKind kind)
    {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            assertEq(logs[i].topics[0], TwinMarket.Sold.selector, "a sale emits Sold and nothing else");
            (price, royaltyReceiver, royalty, fee, kind) =
                abi.decode(logs[i].data, (uint256, address, uint256, uint256, TwinMarket.SaleKind));
            ++found;
        }
        assertEq(found, 1);
    }

    function _mockMarket(address royaltyReceiver, uint256 royaltyBps)
        private
        returns (RoyaltyTwinsMock mock, TwinMarket m)
    {
        mock = new RoyaltyTwinsMock();
        mock.setRoyalty(royaltyReceiver, royaltyBps);
        m = new TwinMarket(ITwins(address(mock)), vault, admin, treasury, FEE_BPS);
    }

    /// @dev Mints mock twin `id` to `seller` and lists it on `m` at PRICE for 30 days.
    function _mockList(RoyaltyTwinsMock mock, TwinMarket m, uint256 id) private {
        mock.mint(seller, id);
        uint64 expiry = inThirtyDays();
        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        m.list(id, PRICE, expiry, FEE_BPS);
        vm.stopPrank();
    }
}
