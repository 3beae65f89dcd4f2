// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinMarketFixture} from "./utils/TwinMarketFixture.sol";
import {GasProbe} from "./utils/GasProbe.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {RoyaltyTwinsMock} from "./mocks/RoyaltyTwinsMock.sol";
import {EthRejecter} from "./mocks/ReentrantAttackers.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

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
        assertEq(market.treasury(), treasury);
        assertEq(market.feeBps(), FEE_BPS);
        assertEq(market.MAX_FEE_BPS(), 1_000);
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalProceeds(), 0);
    }

    function test_constructor_emitsInitialTreasuryAndFee() public {
        vm.expectEmit();
        emit TwinMarket.TreasuryChanged(address(0), treasury);
        vm.expectEmit();
        emit TwinMarket.FeeChanged(0, FEE_BPS);
        new TwinMarket(registry, admin, treasury, FEE_BPS);
    }

    function test_constructor_acceptsFeeAtCap() public {
        TwinMarket m = new TwinMarket(registry, admin, treasury, 1_000);
        assertEq(m.feeBps(), 1_000);
    }

    function test_constructor_revertsOnZeroTwins() public {
        vm.expectRevert(TwinMarket.ZeroTwins.selector);
        new TwinMarket(IERC721(address(0)), admin, treasury, FEE_BPS);
    }

    function test_constructor_revertsOnZeroTreasury() public {
        vm.expectRevert(TwinMarket.ZeroTreasury.selector);
        new TwinMarket(registry, admin, address(0), FEE_BPS);
    }

    function test_constructor_revertsOnFeeOverCap() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeTooHigh.selector, 1_001, 1_000));
        new TwinMarket(registry, admin, treasury, 1_001);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new TwinMarket(registry, address(0), treasury, FEE_BPS);
    }

    // -------------------------------------------------------------------------------------- list

    function test_list_storesListingAndEmits() public {
        uint256 id = sellerTwin();
        approveAll(seller);

        vm.expectEmit(address(market));
        emit TwinMarket.Listed(id, seller, PRICE);
        vm.prank(seller);
        market.list(id, PRICE);

        (address s, uint256 p) = market.listing(id);
        assertEq(s, seller);
        assertEq(p, PRICE);
        assertTrue(market.isBuyable(id));
        assertEq(registry.ownerOf(id), seller, "listing does not take custody");
    }

    function test_list_acceptsSingleTokenApproval() public {
        uint256 id = sellerTwin();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE);
        vm.stopPrank();
        assertTrue(market.isBuyable(id));
    }

    function test_list_relistOverwritesPrice() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.Listed(id, seller, 2 ether);
        vm.prank(seller);
        market.list(id, 2 ether);

        (, uint256 p) = market.listing(id);
        assertEq(p, 2 ether);
    }

    function test_list_newOwnerReplacesStaleListing() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);

        listAs(stranger, id, 3 ether);
        (address s, uint256 p) = market.listing(id);
        assertEq(s, stranger);
        assertEq(p, 3 ether);
    }

    function test_list_revertsForNonOwner() public {
        uint256 id = sellerTwin();
        approveAll(stranger);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotTokenOwner.selector, id, stranger, seller));
        vm.prank(stranger);
        market.list(id, PRICE);
    }

    function test_list_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        vm.prank(seller);
        market.list(42, PRICE);
    }

    function test_list_revertsWithoutApproval() public {
        uint256 id = sellerTwin();
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.MarketNotApproved.selector, id));
        vm.prank(seller);
        market.list(id, PRICE);
    }

    function test_list_revertsOnZeroPrice() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        vm.expectRevert(TwinMarket.ZeroPrice.selector);
        vm.prank(seller);
        market.list(id, 0);
    }

    function test_list_priceCapIsUint96() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        uint256 max = type(uint96).max;
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.PriceTooHigh.selector, max + 1, max));
        vm.prank(seller);
        market.list(id, max + 1);

        vm.prank(seller);
        market.list(id, max);
        (, uint256 p) = market.listing(id);
        assertEq(p, max);
    }

    // ----------------------------------------------------------------------------- cancelListing

    function test_cancelListing_bySeller() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.ListingCancelled(id, seller, seller);
        vm.prank(seller);
        market.cancelListing(id);

        (address s, uint256 p) = market.listing(id);
        assertEq(s, address(0));
        assertEq(p, 0);
        assertFalse(market.isBuyable(id));
    }

    function test_cancelListing_byAnyoneOnceStale() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, buyer, id);

        vm.expectEmit(address(market));
        emit TwinMarket.ListingCancelled(id, seller, stranger);
        vm.prank(stranger);
        market.cancelListing(id);

        (address s,) = market.listing(id);
        assertEq(s, address(0));
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

    /// A revoked approval can be granted again, reviving the listing, so only the seller may remove it.
    function test_cancelListing_revokedApprovalIsNotStale() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotSeller.selector, id, stranger, seller));
        vm.prank(stranger);
        market.cancelListing(id);

        approveAll(seller);
        assertTrue(market.isBuyable(id));
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
        assertEq(market.totalProceeds(), PRICE);
        assertEq(address(market).balance, PRICE);
        assertEq(buyer.balance, 0);
        assertEq(seller.balance, 0, "nothing is pushed");
        (address s,) = market.listing(id);
        assertEq(s, address(0));
        assertFalse(market.isBuyable(id));
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
        uint256 id = mintTwin(minter, seller, 0);
        vm.prank(admin);
        market.setFee(0);
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

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingStale.selector, id, seller, stranger));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    /// The new owner's own approval of the market must not make the old owner's listing buyable.
    function test_buy_staleEvenIfNewOwnerApprovesMarket() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, id);
        approveAll(stranger);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.ListingStale.selector, id, seller, stranger));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    function test_buy_revertsOnceApprovalForAllRevoked() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.MarketNotApproved.selector, id));
        vm.prank(buyer);
        market.buy{value: PRICE}(id);
    }

    function test_buy_revertsOnceTokenApprovalRevoked() public {
        uint256 id = sellerTwin();
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.list(id, PRICE);
        registry.approve(address(0), id);
        vm.stopPrank();
        assertFalse(market.isBuyable(id));

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.MarketNotApproved.selector, id));
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
        assertEq(market.totalProceeds(), 0);
    }

    function test_buy_revertsWhenRoyaltyAndFeeExceedPrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 9_800);
        mock.mint(seller, 1);
        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        m.list(1, PRICE);
        vm.stopPrank();

        vm.deal(buyer, PRICE);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeesExceedPrice.selector, PRICE, 0.98 ether, FEE));
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
    }

    function test_buy_royaltyAndFeeMayTakeWholePrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 9_750);
        mock.mint(seller, 1);
        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        m.list(1, PRICE);
        vm.stopPrank();

        vm.deal(buyer, PRICE);
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
        assertEq(m.proceedsOf(minter), 0.975 ether);
        assertEq(m.proceedsOf(treasury), FEE);
        assertEq(m.proceedsOf(seller), 0);
    }

    function test_buy_royaltyWithoutReceiverStaysWithSeller() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(address(0), 500);
        mock.mint(seller, 1);
        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        m.list(1, PRICE);
        vm.stopPrank();

        vm.deal(buyer, PRICE);
        vm.expectEmit(address(m));
        emit TwinMarket.Sold(1, seller, buyer, PRICE, address(0), 0, FEE, TwinMarket.SaleKind.Listing);
        vm.prank(buyer);
        m.buy{value: PRICE}(1);
        assertEq(m.proceedsOf(seller), PRICE - FEE);
        assertEq(m.proceedsOf(address(0)), 0);
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

        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 2 ether);
        assertEq(expiresAt, expiry);
        assertEq(market.totalEscrowed(), 2 ether);
        assertEq(address(market).balance, 2 ether);
        assertEq(market.proceedsOf(bidder), 0);
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
        assertEq(market.totalEscrowed(), 0.5 ether);
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
        assertEq(market.totalEscrowed(), 1.5 ether);
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

        approveAll(seller);
        vm.prank(seller);
        market.acceptOffer(id, bidder, 2 ether);
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
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalProceeds(), 1 ether);
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
        approveAll(seller);

        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);

        assertEq(registry.ownerOf(id), bidder);
        assertEq(market.proceedsOf(minter), ROYALTY);
        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(seller), SELLER_NET);
        assertEq(market.proceedsOf(bidder), 0);
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalProceeds(), PRICE);
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
        market.acceptOffer(id, bidder, PRICE);
    }

    function test_acceptOffer_removesListing() public {
        uint256 id = sellerTwin();
        listAs(seller, id, 5 ether);
        offerAs(bidder, id, PRICE, inOneDay());

        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);

        (address s, uint256 p) = market.listing(id);
        assertEq(s, address(0));
        assertEq(p, 0);
    }

    function test_acceptOffer_withSingleTokenApproval() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        vm.startPrank(seller);
        registry.approve(address(market), id);
        market.acceptOffer(id, bidder, PRICE);
        vm.stopPrank();
        assertEq(registry.ownerOf(id), bidder);
    }

    function test_acceptOffer_leavesOtherOffersOpen() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        offerAs(stranger, id, 0.5 ether, inOneDay());
        approveAll(seller);

        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);

        (uint256 amount,) = market.offer(id, stranger);
        assertEq(amount, 0.5 ether);
        assertEq(market.totalEscrowed(), 0.5 ether);
        assertAccounted();

        // The new owner may accept it in turn.
        approveAll(bidder);
        vm.prank(bidder);
        market.acceptOffer(id, stranger, 0.5 ether);
        assertEq(registry.ownerOf(id), stranger);
    }

    function test_acceptOffer_acceptableUntilJustBeforeExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, PRICE, expiry);
        approveAll(seller);
        vm.warp(expiry - 1);
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);
        assertEq(registry.ownerOf(id), bidder);
    }

    function test_acceptOffer_revertsForNonOwner() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        approveAll(stranger);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NotTokenOwner.selector, id, stranger, seller));
        vm.prank(stranger);
        market.acceptOffer(id, bidder, PRICE);
    }

    function test_acceptOffer_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        vm.prank(seller);
        market.acceptOffer(42, bidder, PRICE);
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
        market.acceptOffer(id, bidder, 0.5 ether);
    }

    function test_acceptOffer_revertsWithoutApproval() public {
        uint256 id = sellerTwin();
        offerAs(bidder, id, PRICE, inOneDay());
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.MarketNotApproved.selector, id));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);
    }

    function test_acceptOffer_revertsWithoutOffer() public {
        uint256 id = sellerTwin();
        approveAll(seller);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NoOffer.selector, id, bidder));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);
    }

    function test_acceptOffer_revertsAtExpiry() public {
        uint256 id = sellerTwin();
        uint64 expiry = inOneDay();
        offerAs(bidder, id, PRICE, expiry);
        approveAll(seller);
        vm.warp(expiry);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.OfferExpired.selector, id, bidder, expiry));
        vm.prank(seller);
        market.acceptOffer(id, bidder, PRICE);
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
        market.acceptOffer(id, bidder, PRICE);
    }

    function test_acceptOffer_revertsWhenRoyaltyAndFeeExceedPrice() public {
        (RoyaltyTwinsMock mock, TwinMarket m) = _mockMarket(minter, 10_000);
        mock.mint(seller, 1);
        vm.deal(bidder, PRICE);
        vm.prank(bidder);
        m.makeOffer{value: PRICE}(1, inOneDay());

        vm.startPrank(seller);
        mock.setApprovalForAll(address(m), true);
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeesExceedPrice.selector, PRICE, PRICE, FEE));
        m.acceptOffer(1, bidder, PRICE);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------- withdraw

    function test_withdraw_paysAndZeroes() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);

        vm.expectEmit(address(market));
        emit TwinMarket.Withdrawn(seller, SELLER_NET);
        withdrawAs(seller);

        assertEq(seller.balance, SELLER_NET);
        assertEq(market.proceedsOf(seller), 0);
        assertEq(market.totalProceeds(), ROYALTY + FEE);
        assertAccounted();

        withdrawAs(minter);
        withdrawAs(treasury);
        assertEq(minter.balance, ROYALTY);
        assertEq(treasury.balance, FEE);
        assertEq(address(market).balance, 0);
        assertEq(market.totalProceeds(), 0);
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
        rejecter.cancelOffer(market, id);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(rejecter), 1 ether));
        rejecter.withdraw(market);

        assertEq(market.proceedsOf(address(rejecter)), 1 ether, "the credit survives the failed payout");
        assertEq(market.totalProceeds(), 1 ether);
        assertAccounted();
    }

    // ------------------------------------------------------------------------------------- admin

    function test_setFee_updatesAndEmits() public {
        vm.expectEmit(address(market));
        emit TwinMarket.FeeChanged(FEE_BPS, 1_000);
        vm.prank(admin);
        market.setFee(1_000);
        assertEq(market.feeBps(), 1_000);
    }

    function test_setFee_appliesToLaterSales() public {
        vm.prank(admin);
        market.setFee(0);
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(treasury), 0);
        assertEq(market.proceedsOf(seller), PRICE - ROYALTY);
    }

    function test_setFee_revertsOverCap() public {
        vm.expectRevert(abi.encodeWithSelector(TwinMarket.FeeTooHigh.selector, 1_001, 1_000));
        vm.prank(admin);
        market.setFee(1_001);
    }

    function test_setFee_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        market.setFee(0);
    }

    function test_setTreasury_updatesAndEmits() public {
        address next = makeAddr("next treasury");
        vm.expectEmit(address(market));
        emit TwinMarket.TreasuryChanged(treasury, next);
        vm.prank(admin);
        market.setTreasury(next);
        assertEq(market.treasury(), next);
    }

    function test_setTreasury_oldTreasuryKeepsItsCredits() public {
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        address next = makeAddr("next treasury");
        vm.prank(admin);
        market.setTreasury(next);

        listAs(buyer, id, PRICE);
        buyAs(stranger, id, PRICE);

        assertEq(market.proceedsOf(treasury), FEE);
        assertEq(market.proceedsOf(next), FEE);
    }

    function test_setTreasury_revertsOnZero() public {
        vm.expectRevert(TwinMarket.ZeroTreasury.selector);
        vm.prank(admin);
        market.setTreasury(address(0));
    }

    function test_setTreasury_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        market.setTreasury(stranger);
    }

    // ------------------------------------------------------------------------------------- views

    function test_views_emptyByDefault() public {
        uint256 id = sellerTwin();
        (address s, uint256 p) = market.listing(id);
        assertEq(s, address(0));
        assertEq(p, 0);
        assertFalse(market.isBuyable(id));
        assertFalse(market.isBuyable(42), "unknown tokens are not buyable, and do not revert");
        (uint256 amount, uint64 expiresAt) = market.offer(id, bidder);
        assertEq(amount, 0);
        assertEq(expiresAt, 0);
        assertEq(market.proceedsOf(seller), 0);
    }

    // -------------------------------------------------------------------------------------- fuzz

    function testFuzz_buy_splitsPriceExactly(uint256 price, uint96 royaltyBps, uint16 feeBps) public {
        price = bound(price, 1, type(uint96).max);
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        feeBps = uint16(bound(feeBps, 0, market.MAX_FEE_BPS()));
        vm.prank(admin);
        market.setFee(feeBps);
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
        vm.prank(admin);
        market.setFee(feeBps);
        uint256 before = _openUnrelatedOffer();

        uint256 id = mintTwin(minter, seller, royaltyBps);
        offerAs(buyer, id, price, inOneDay());
        approveAll(seller);
        vm.prank(seller);
        market.acceptOffer(id, buyer, price);

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
        market.acceptOffer(id, bidder, expected);
    }

    function testFuzz_offer_raiseAndCancelReturnsEverything(uint256 first, uint256 added, uint32 wait) public {
        first = bound(first, 1, 1e30);
        added = bound(added, 1, 1e30);
        uint256 id = sellerTwin();
        offerAs(bidder, id, first, inOneDay());
        vm.deal(bidder, added);
        vm.prank(bidder);
        market.raiseOffer{value: added}(id, inOneDay());
        assertEq(market.totalEscrowed(), first + added);
        assertAccounted();

        vm.warp(block.timestamp + wait);
        vm.prank(bidder);
        market.cancelOffer(id);
        withdrawAs(bidder);
        assertEq(bidder.balance, first + added);
        assertEq(address(market).balance, 0);
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalProceeds(), 0);
    }

    // ----------------------------------------------------------------------------------- helpers

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
        m = new TwinMarket(IERC721(address(mock)), admin, treasury, FEE_BPS);
    }
}

/// @dev Gas probes, run with `forge test --mt test_gas --isolate -vv`, so that each call is a
/// transaction of its own: cold storage, as a wallet would be charged. They log execution gas (see
/// {GasProbe}) and assert nothing about it. The market is primed into a steady state first: the
/// treasury and every market-wide figure are already non-zero from earlier trading, while the seller
/// and the royalty receiver of the measured sale have never been credited, the costlier case for them.
contract TwinMarketGasTest is TwinMarketFixture, GasProbe {
    uint256 internal constant PRICE = 1 ether;

    function setUp() public override {
        super.setUp();
        _primeMarket();
    }

    function test_gas_mint() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("gas");
        vm.prank(minter);
        registry.mint(spec, reporter, ROYALTY_BPS);
        logGas("mint", abi.encodeCall(registry.mint, (spec, reporter, ROYALTY_BPS)));
    }

    function test_gas_list_buy_withdraw() public {
        uint256 tokenId = sellerTwin();
        approveAll(seller);

        vm.prank(seller);
        market.list(tokenId, PRICE);
        logGas("list", abi.encodeCall(market.list, (tokenId, PRICE)));

        vm.deal(buyer, PRICE);
        vm.prank(buyer);
        market.buy{value: PRICE}(tokenId);
        logGas("buy", abi.encodeCall(market.buy, (tokenId)));

        vm.prank(seller);
        market.withdraw();
        logGas("withdraw", abi.encodeCall(market.withdraw, ()));
        assertEq(seller.balance, PRICE * (10_000 - ROYALTY_BPS - FEE_BPS) / 10_000);
    }

    function test_gas_makeOffer_acceptOffer() public {
        uint256 tokenId = sellerTwin();
        approveAll(seller);
        uint64 expiresAt = inOneDay();

        vm.deal(bidder, PRICE);
        vm.prank(bidder);
        market.makeOffer{value: PRICE}(tokenId, expiresAt);
        logGas("makeOffer", abi.encodeCall(market.makeOffer, (tokenId, expiresAt)));

        vm.prank(seller);
        market.acceptOffer(tokenId, bidder, PRICE);
        logGas("acceptOffer", abi.encodeCall(market.acceptOffer, (tokenId, bidder, PRICE)));
        assertEq(registry.ownerOf(tokenId), bidder);
    }

    /// @dev One earlier sale of another twin, between other parties, credits the treasury; an open
    /// offer on yet another twin keeps ETH in escrow. Neither touches `seller` or `minter`.
    function _primeMarket() private {
        address otherSeller = makeAddr("otherSeller");
        address otherBuyer = makeAddr("otherBuyer");
        uint256 sold = mintTwin(stranger, otherSeller, ROYALTY_BPS);
        listAs(otherSeller, sold, PRICE);
        buyAs(otherBuyer, sold, PRICE);
        offerAs(otherBuyer, mintTwin(stranger, stranger, ROYALTY_BPS), PRICE, inOneDay());
        assertGt(market.proceedsOf(treasury), 0);
        assertEq(market.proceedsOf(seller) + market.proceedsOf(minter), 0);
    }
}
