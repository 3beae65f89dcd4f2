// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinMarketFixture} from "./utils/TwinMarketFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {
    ReentrantAttacker,
    MaliciousSeller,
    MaliciousRoyaltyReceiver,
    MaliciousBuyer
} from "./mocks/ReentrantAttackers.sol";

/// @dev Every attacker re-enters from the only callbacks the market makes: the ETH payout of
/// {TwinMarket.withdraw} or {TwinMarket.withdrawTo} and the `onERC721Received` of a bought twin. Sales
/// themselves push no ETH.
contract TwinMarketReentrancyTest is TwinMarketFixture {
    uint256 internal constant PRICE = 1 ether;
    uint256 internal constant SELLER_NET = 0.925 ether; // PRICE less 5% royalty and 2.5% fee

    bytes internal guardError = abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);

    MaliciousSeller internal evilSeller;

    function setUp() public override {
        super.setUp();
        evilSeller = new MaliciousSeller(market);
        trackParty(address(evilSeller));
    }

    /// @dev The attacker owns a twin (minted by `minter`, so it is not the royalty receiver), lists
    /// it, and a buyer buys it.
    function _sellFromEvilSeller() internal returns (uint256 id) {
        id = mintTwin(minter, address(evilSeller), ROYALTY_BPS);
        evilSeller.approveAndList(id, PRICE);
        buyAs(buyer, id, PRICE);
    }

    function _assertReentryBlocked(ReentrantAttacker attacker) internal view {
        assertEq(attacker.attempts(), 1, "the attacker did try");
        assertFalse(attacker.lastReentrySucceeded(), "the re-entrant call must fail");
        assertEq(attacker.lastReentryError(), guardError);
    }

    // ------------------------------------------------------------------------- malicious seller

    function test_seller_saleMakesNoCallbackToArmedSeller() public {
        evilSeller.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, true, 0, address(0), 0);
        _sellFromEvilSeller();
        assertEq(evilSeller.attempts(), 0, "proceeds are credited, not pushed");
        assertEq(market.proceedsOf(address(evilSeller)), SELLER_NET);
    }

    function test_seller_reenteringWithdrawCannotTakeProceedsTwice() public {
        _sellFromEvilSeller();
        evilSeller.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, false, 0, address(0), 0);

        evilSeller.withdraw();

        _assertReentryBlocked(evilSeller);
        assertEq(address(evilSeller).balance, SELLER_NET, "paid exactly once");
        assertEq(market.proceedsOf(address(evilSeller)), 0);
        assertEq(address(market).balance, PRICE - SELLER_NET, "royalty and fee are still there");
        assertEq(credited(), PRICE - SELLER_NET);
        assertAccounted();

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.NothingToWithdraw.selector, address(evilSeller)));
        evilSeller.withdraw();
    }

    function test_seller_reenteringWithdrawToCannotTakeProceedsTwice() public {
        _sellFromEvilSeller();
        evilSeller.arm(ReentrantAttacker.Reentry.WithdrawTo, ReentrantAttacker.Reentry.None, false, 0, address(0), 0);

        evilSeller.withdrawTo(payable(address(evilSeller)));

        _assertReentryBlocked(evilSeller);
        assertEq(address(evilSeller).balance, SELLER_NET, "paid exactly once");
        assertEq(market.proceedsOf(address(evilSeller)), 0);
        assertAccounted();
    }

    /// Paid out to another address, the payee is not called at all; the recipient re-entering is
    /// blocked the same way.
    function test_seller_withdrawToArmedRecipientIsBlocked() public {
        _sellFromEvilSeller();
        MaliciousBuyer recipient = new MaliciousBuyer(market);
        recipient.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, false, 0, address(0), 0);
        evilSeller.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, true, 0, address(0), 0);

        evilSeller.withdrawTo(payable(address(recipient)));

        assertEq(evilSeller.attempts(), 0);
        _assertReentryBlocked(recipient);
        assertEq(address(recipient).balance, SELLER_NET);
        assertEq(market.proceedsOf(address(evilSeller)), 0);
        assertAccounted();
    }

    function test_seller_reenteringBuyFails() public {
        _sellFromEvilSeller();
        uint256 other = mintTwin(minter, stranger, ROYALTY_BPS);
        listAs(stranger, other, 0.5 ether);
        evilSeller.arm(
            ReentrantAttacker.Reentry.Buy, ReentrantAttacker.Reentry.None, false, other, address(0), 0.5 ether
        );

        evilSeller.withdraw();

        _assertReentryBlocked(evilSeller);
        assertEq(registry.ownerOf(other), stranger);
        assertTrue(market.isBuyable(other));
        assertEq(address(evilSeller).balance, SELLER_NET);
        assertAccounted();
    }

    function test_seller_reenteringAcceptOfferFails() public {
        _sellFromEvilSeller();
        uint256 other = mintTwin(minter, address(evilSeller), ROYALTY_BPS);
        offerAs(bidder, other, 2 ether, inOneDay());
        evilSeller.arm(
            ReentrantAttacker.Reentry.AcceptOffer, ReentrantAttacker.Reentry.None, false, other, bidder, 2 ether
        );

        evilSeller.withdraw();

        _assertReentryBlocked(evilSeller);
        assertEq(registry.ownerOf(other), address(evilSeller));
        (uint256 amount,) = market.offer(other, bidder);
        assertEq(amount, 2 ether, "the offer is untouched");
        assertEq(escrowed(), 2 ether);
        assertAccounted();

        // Outside a payout the same call is an ordinary sale.
        evilSeller.acceptOffer(other, bidder, 2 ether);
        assertEq(registry.ownerOf(other), bidder);
        assertEq(escrowed(), 0);
        assertAccounted();
    }

    function test_seller_propagatedReentryRevertsWithdrawAndKeepsCredit() public {
        _sellFromEvilSeller();
        evilSeller.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, true, 0, address(0), 0);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(evilSeller), SELLER_NET));
        evilSeller.withdraw();

        assertEq(market.proceedsOf(address(evilSeller)), SELLER_NET);
        assertEq(address(evilSeller).balance, 0);
        assertAccounted();

        evilSeller.arm(ReentrantAttacker.Reentry.None, ReentrantAttacker.Reentry.None, false, 0, address(0), 0);
        evilSeller.withdraw();
        assertEq(address(evilSeller).balance, SELLER_NET);
    }

    // --------------------------------------------------------------- malicious royalty receiver

    function _royaltyReceiverWithTwoSales() internal returns (MaliciousRoyaltyReceiver receiver, uint256 royalty) {
        receiver = new MaliciousRoyaltyReceiver(market);
        trackParty(address(receiver));
        TwinRegistry.RigInput memory rig = nextRig();
        bytes32 salt = saltFor(address(receiver), rig.serial);
        receiver.commitMint(registry.mintCommitment(rig.serial, address(receiver), salt));
        vm.roll(block.number + 1);
        uint256 id = receiver.mint(rig, reporter, 1_000, DemoRigs.terms(), salt);
        (address royaltyTo,) = registry.royaltyInfo(id, PRICE);
        assertEq(royaltyTo, address(receiver));
        receiver.transferTwin(seller, id);

        listAs(seller, id, PRICE);
        buyAs(buyer, id, PRICE);
        listAs(buyer, id, 2 * PRICE);
        buyAs(stranger, id, 2 * PRICE);
        royalty = 0.3 ether; // 10% of 1 ETH + 2 ETH
        assertEq(market.proceedsOf(address(receiver)), royalty);
    }

    function test_royaltyReceiver_reenteringWithdrawCannotTakeRoyaltyTwice() public {
        (MaliciousRoyaltyReceiver receiver, uint256 royalty) = _royaltyReceiverWithTwoSales();
        receiver.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, false, 0, address(0), 0);
        uint256 othersOwed = credited() - royalty;

        receiver.withdraw();

        _assertReentryBlocked(receiver);
        assertEq(address(receiver).balance, royalty, "paid exactly once");
        assertEq(receiver.received(), royalty);
        assertEq(market.proceedsOf(address(receiver)), 0);
        assertEq(address(market).balance, othersOwed);
        assertEq(credited(), othersOwed);
        assertAccounted();
    }

    function test_royaltyReceiver_reenteringCancelOfferFails() public {
        (MaliciousRoyaltyReceiver receiver, uint256 royalty) = _royaltyReceiverWithTwoSales();
        uint256 other = mintTwin(minter, seller, 0);
        vm.deal(address(this), 1 ether);
        receiver.makeOffer{value: 1 ether}(other, inOneDay());
        trackOffer(other, address(receiver));
        receiver.arm(ReentrantAttacker.Reentry.CancelOffer, ReentrantAttacker.Reentry.None, false, other, address(0), 0);

        receiver.withdraw();

        _assertReentryBlocked(receiver);
        (uint256 amount,) = market.offer(other, address(receiver));
        assertEq(amount, 1 ether);
        assertEq(address(receiver).balance, royalty);
        assertEq(escrowed(), 1 ether);
        assertAccounted();
    }

    function test_royaltyReceiver_propagatedReentryRevertsWithdrawAndKeepsCredit() public {
        (MaliciousRoyaltyReceiver receiver, uint256 royalty) = _royaltyReceiverWithTwoSales();
        receiver.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, true, 0, address(0), 0);

        vm.expectRevert(abi.encodeWithSelector(TwinMarket.WithdrawFailed.selector, address(receiver), royalty));
        receiver.withdraw();

        assertEq(market.proceedsOf(address(receiver)), royalty);
        assertAccounted();
    }

    /// A receiver that refuses its royalty cannot block sales of the twin: royalties are only credited.
    function test_royaltyReceiver_refusingPaymentDoesNotBlockSales() public {
        (MaliciousRoyaltyReceiver receiver, uint256 royalty) = _royaltyReceiverWithTwoSales();
        receiver.arm(ReentrantAttacker.Reentry.Withdraw, ReentrantAttacker.Reentry.None, true, 0, address(0), 0);
        uint256 id = 1;
        listAs(stranger, id, PRICE);
        buyAs(buyer, id, PRICE);
        assertEq(market.proceedsOf(address(receiver)), royalty + 0.1 ether);
        assertEq(registry.ownerOf(id), buyer);
    }

    // ------------------------------------------------------------------------- malicious buyer

    function test_buyer_reenteringFromOnERC721ReceivedFails() public {
        MaliciousBuyer evilBuyer = new MaliciousBuyer(market);
        trackParty(address(evilBuyer));
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        uint256 other = mintTwin(minter, stranger, ROYALTY_BPS);
        listAs(stranger, other, PRICE);
        evilBuyer.arm(ReentrantAttacker.Reentry.None, ReentrantAttacker.Reentry.Buy, false, other, address(0), PRICE);
        vm.deal(address(evilBuyer), PRICE);

        vm.deal(address(this), PRICE);
        evilBuyer.buy{value: PRICE}(id);

        _assertReentryBlocked(evilBuyer);
        assertEq(registry.ownerOf(id), address(evilBuyer));
        assertEq(registry.ownerOf(other), stranger);
        assertEq(address(evilBuyer).balance, PRICE, "its spare ETH was not spent");
        assertEq(credited(), PRICE);
        assertAccounted();
    }

    function test_buyer_propagatedReentryRevertsTheWholeSale() public {
        MaliciousBuyer evilBuyer = new MaliciousBuyer(market);
        trackParty(address(evilBuyer));
        uint256 id = sellerTwin();
        listAs(seller, id, PRICE);
        evilBuyer.arm(ReentrantAttacker.Reentry.None, ReentrantAttacker.Reentry.Withdraw, true, 0, address(0), 0);

        vm.deal(address(this), PRICE);
        vm.expectRevert(guardError);
        evilBuyer.buy{value: PRICE}(id);

        assertEq(registry.ownerOf(id), seller);
        assertTrue(market.isBuyable(id));
        assertEq(credited(), 0);
        assertEq(address(market).balance, 0);
    }
}
