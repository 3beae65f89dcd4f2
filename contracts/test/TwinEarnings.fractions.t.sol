// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {TwinShares} from "../src/TwinShares.sol";
import {FractionsFixture} from "./utils/FractionsFixture.sol";
import {EthRejectingHolder} from "./mocks/Rejecters.sol";

/// @dev Settlements of split twins and their claims: the net goes to the shares, pro rata to the
/// holders when it lands; each holder claims their part with their whole twins' credit in one
/// transfer; nothing is created and at most a wei per holder is left as dust.
contract TwinEarningsFractionsTest is FractionsFixture {
    uint256 internal constant NET = 0.01 ether;

    uint256 internal id;
    TwinShares internal shares;

    function setUp() public override {
        super.setUp();
        (id, shares) = splitTwin(MILLION);
    }

    // ---------------------------------------------------------------------------------- settle

    /// @dev The net goes to the shares token, named as the holder of record in `Settled`, and from
    /// there to the holders pro rata; nothing is credited to the vault or the investor's whole-twin
    /// credit.
    function test_settle_creditsASplitTwinToItsShares() public {
        send(shares, investor, alice, MILLION / 4);
        reportHours(id, 24, 3_500);
        refreshFeeds();

        vm.expectEmit(address(shares));
        emit TwinShares.Accrued(NET, NET * 1e36 / MILLION);
        vm.recordLogs();
        settleAs(operator, id, NET, 0, 0);
        (uint256 tokenId, uint256 index, address holder, TwinEarnings.Settlement memory s) =
            settledIn(vm.getRecordedLogs(), address(earnings));

        assertEq(tokenId, id);
        assertEq(index, 0);
        assertEq(holder, address(shares), "the holder of record is the shares token");
        assertEq(s.net, NET);
        assertEq(shares.earnedOf(investor), NET * 3 / 4);
        assertEq(shares.earnedOf(alice), NET / 4);
        assertEq(earnings.claimableOf(investor), 0);
        assertEq(earnings.claimableOf(address(vault)), 0);
        assertEq(earnings.claimableOf(address(shares)), 0);
        assertEq(address(earnings).balance, NET, "the wei stay in TwinEarnings");
        assertEq(address(shares).balance, 0);
    }

    /// @dev A shortfall pays nothing in, and credits nothing.
    function test_settle_shortfallOnASplitTwin() public {
        reportHours(id, 24, 3_500);
        settleAs(operator, id, 0.001 ether, 0.0001 ether, 0.0018 ether);
        assertEq(shares.netPerShare(), 0);
        assertEq(shares.earnedOf(investor), 0);
    }

    /// @dev Joined, the twin's settlements go back to its owner's whole-twin credit.
    function test_settle_afterJoinCreditsTheOwner() public {
        settleDay(id, NET);
        join(investor, id);
        settleDay(id, 2 * NET);
        assertEq(earnings.claimableOf(investor), 2 * NET);
        assertEq(shares.earnedOf(investor), NET);
    }

    /// @dev A twin sent to the vault without being split has no one to credit: the settlement is
    /// refused, and the operator keeps the net, rather than credit it to a contract that cannot claim.
    function test_settle_revertsForATwinInTheVaultWithoutShares() public {
        uint256 other = newTwin();
        vm.prank(operator);
        registry.transferFrom(operator, address(vault), other);
        reportHours(other, 24, 3_500);
        refreshFeeds();
        vm.deal(operator, NET);
        uint64 end = registry.lastTelemetryAt(other);
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NoShareholders.selector, other));
        vm.prank(operator);
        earnings.settle{value: NET}(other, end, NET, 0, 0);
    }

    /// @dev The same for a twin whose shares were all burnt by a join before it was sent back plainly.
    function test_settle_revertsForATwinInTheVaultWhoseSharesWereBurnt() public {
        join(investor, id);
        vm.prank(investor);
        registry.transferFrom(investor, address(vault), id);
        reportHours(id, 24, 3_500);
        refreshFeeds();
        vm.deal(operator, NET);
        uint64 end = registry.lastTelemetryAt(id);
        vm.expectRevert(TwinShares.NoShares.selector);
        vm.prank(operator);
        earnings.settle{value: NET}(id, end, NET, 0, 0);
    }

    // ---------------------------------------------------------------------------------- claim

    /// @dev A whole twin's credit and a split twin's earnings, in one claim and one transfer.
    function test_claim_paysWholeAndSplitTwinsAtOnce() public {
        uint256 whole = newTwin();
        sellTo(whole, investor);
        settleDay(whole, 2 * NET);
        settleDay(id, NET);

        vm.expectEmit(address(shares));
        emit TwinShares.Taken(investor, NET);
        vm.expectEmit(address(earnings));
        emit TwinEarnings.Claimed(investor, investor, 3 * NET);
        assertEq(claimAs(investor, ids(id)), 3 * NET);
        assertEq(earnings.claimableOf(investor), 0);
        assertEq(shares.earnedOf(investor), 0);
        assertEq(address(earnings).balance, 0);
    }

    /// @dev Without naming the split twin, only the whole twins' credit is paid; the shares' earnings
    /// wait for a claim that names it.
    function test_claim_withoutNamingLeavesTheSharesEarnings() public {
        uint256 whole = newTwin();
        sellTo(whole, investor);
        settleDay(whole, 2 * NET);
        settleDay(id, NET);
        assertEq(claimAs(investor, none()), 2 * NET);
        assertEq(shares.earnedOf(investor), NET);
        assertEq(claimAs(investor, ids(id)), NET);
    }

    /// @dev Naming a twin twice takes its earnings once.
    function test_claim_namingATwinTwicePaysOnce() public {
        settleDay(id, NET);
        assertEq(claimAs(investor, ids(id, id)), NET);
    }

    function test_claim_revertsForATwinNeverSplit() public {
        uint256 whole = newTwin();
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NeverSplit.selector, whole));
        vm.prank(investor);
        earnings.claim(ids(id, whole));
    }

    /// @dev Nothing credited and nothing earned: nothing to claim, whatever is named.
    function test_claim_revertsWhenTheWholeIsNothing() public {
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, alice));
        vm.prank(alice);
        earnings.claim(ids(id));

        settleDay(id, NET);
        claimAs(investor, ids(id));
        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.NothingToClaim.selector, investor));
        vm.prank(investor);
        earnings.claim(ids(id));
    }

    function test_claimTo_sendsTheSplitEarningsElsewhere() public {
        settleDay(id, NET);
        vm.expectEmit(address(earnings));
        emit TwinEarnings.Claimed(investor, carol, NET);
        vm.prank(investor);
        earnings.claimTo(payable(carol), ids(id));
        assertEq(carol.balance, NET);
        assertEq(shares.earnedOf(investor), 0);
    }

    /// @dev A contract holding shares (a pool, a vault of someone's) earns like anyone and gets its
    /// earnings out with claimTo, even when it cannot take ETH itself; a failed payment takes nothing.
    function test_claim_aContractHolderThatRefusesEth() public {
        address pool = address(new EthRejectingHolder());
        send(shares, investor, pool, MILLION / 2);
        settleDay(id, NET);
        assertEq(shares.earnedOf(pool), NET / 2);

        vm.expectRevert(abi.encodeWithSelector(TwinEarnings.ClaimFailed.selector, pool, NET / 2));
        vm.prank(pool);
        earnings.claim(ids(id));
        assertEq(shares.earnedOf(pool), NET / 2, "a failed claim takes nothing");

        vm.prank(pool);
        earnings.claimTo(payable(carol), ids(id));
        assertEq(carol.balance, NET / 2);
    }

    /// @dev Joining burns the shares, not what they earned: the joiner claims it afterwards.
    function test_claim_afterJoin() public {
        settleDay(id, NET);
        join(investor, id);
        settleDay(id, 2 * NET);
        assertEq(claimAs(investor, ids(id)), 3 * NET);
    }

    /// @dev Shares change hands between settlements: each settlement goes by the balances when it
    /// lands, and what was earned before a transfer stays with the sender.
    function test_claim_followsTheBalancesAtEachSettlement() public {
        settleDay(id, NET);
        send(shares, investor, alice, MILLION / 2);
        send(shares, alice, bob, MILLION / 4);
        settleDay(id, NET);
        send(shares, investor, bob, MILLION / 2);
        settleDay(id, NET);

        assertEq(claimAs(investor, ids(id)), NET + NET / 2);
        assertEq(claimAs(alice, ids(id)), NET / 4 + NET / 4);
        assertEq(claimAs(bob, ids(id)), NET / 4 + NET * 3 / 4);
        assertEq(address(earnings).balance, 0);
    }

    /// @dev Three holders of an odd supply, settlements that do not divide: all claimed, at most a
    /// wei per holder stays behind, and no more is ever paid than was paid in.
    function test_claim_dustIsAtMostAWeiPerHolder() public {
        (uint256 odd, TwinShares t) = splitTwin(7);
        send(t, investor, alice, 2);
        send(t, investor, bob, 1);
        uint256 paidIn;
        for (uint256 i = 1; i <= 5; ++i) {
            settleDay(odd, 1_000_003 * i);
            paidIn += 1_000_003 * i;
        }
        uint256 paidOut = claimAs(investor, ids(odd)) + claimAs(alice, ids(odd)) + claimAs(bob, ids(odd));
        assertLe(paidOut, paidIn);
        assertLe(paidIn - paidOut, 3);
        assertEq(address(earnings).balance, paidIn - paidOut);
    }

    /// @dev Any nets, any transfers between them: every holder's claim is its exact pro-rata share
    /// within a wei, and the contract always holds at least what is owed.
    function testFuzz_claim_everyHolderGetsItsShareWithinAWei(uint256 supply, uint64[3] memory nets, uint256 seed)
        public
    {
        supply = bound(supply, 1, vault.MAX_SUPPLY());
        (uint256 twin, TwinShares t) = splitTwin(supply);
        address[3] memory holders = [investor, alice, bob];
        uint256[3] memory exact;
        uint256 paidIn;
        for (uint256 s = 0; s < nets.length; ++s) {
            uint256 r = uint256(keccak256(abi.encode(seed, s)));
            address from = holders[r % 3];
            send(t, from, holders[(r >> 8) % 3], bound(r >> 16, 0, t.balanceOf(from)));
            uint256 net = bound(nets[s], 0, 10 ether);
            for (uint256 h = 0; h < 3; ++h) {
                exact[h] += Math.mulDiv(net * 1e36, t.balanceOf(holders[h]), supply);
            }
            settleDay(twin, net);
            paidIn += net;
        }
        uint256 paidOut;
        for (uint256 h = 0; h < 3; ++h) {
            uint256 owed = t.earnedOf(holders[h]);
            assertLe(owed, exact[h] / 1e36 + 1, "more than a wei above the exact share");
            assertGe(owed + 1, exact[h] / 1e36, "more than a wei below the exact share");
            if (owed != 0) paidOut += claimAs(holders[h], ids(twin));
        }
        assertLe(paidOut, paidIn);
        assertEq(address(earnings).balance, paidIn - paidOut);
    }
}
