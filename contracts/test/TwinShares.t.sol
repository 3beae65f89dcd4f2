// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TwinShares} from "../src/TwinShares.sol";
import {FractionsFixture} from "./utils/FractionsFixture.sol";

/// @dev The shares token on its own: who may do what, its metadata, and the accumulator's arithmetic,
/// driven directly as TwinEarnings drives it (`accrue` and `take` pranked from TwinEarnings, which
/// moves no ETH here: the wei are TwinEarnings' business, tested with it). The demo twin is split by
/// `investor` into a million shares.
contract TwinSharesTest is FractionsFixture {
    uint256 internal id;
    TwinShares internal shares;

    function setUp() public override {
        super.setUp();
        (id, shares) = splitTwin(MILLION);
    }

    function accrue(uint256 net) internal {
        vm.prank(address(earnings));
        shares.accrue(net);
    }

    function take(address holder) internal returns (uint256) {
        vm.prank(address(earnings));
        return shares.take(holder);
    }

    // ---------------------------------------------------------------------------------- metadata

    function test_metadata_isTheTwins() public view {
        assertEq(shares.name(), "HashTwin #1 Antminer S21");
        assertEq(shares.symbol(), "HT1");
        assertEq(shares.decimals(), 18);
        assertEq(shares.twinId(), id);
        assertEq(shares.totalSupply(), MILLION);
        assertEq(shares.balanceOf(investor), MILLION);
        assertEq(shares.vault(), address(vault));
        assertEq(shares.earnings(), address(earnings));
        assertEq(shares.netPerShare(), 0);
        assertEq(shares.ACCUMULATOR_SCALE(), 1e36);
    }

    /// @dev The implementation every clone runs is a token of no twin, which no one can give one.
    function test_implementation_hasNoTwinAndOnlyTheVaultCouldInitializeIt() public {
        TwinShares implementation = vault.sharesImplementation();
        assertEq(implementation.twinId(), 0);
        assertEq(implementation.name(), "");
        assertEq(implementation.vault(), address(vault));
        assertEq(implementation.earnings(), address(earnings));
        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotVault.selector, stranger));
        vm.prank(stranger);
        implementation.initialize(9, "x", "y");
    }

    // ---------------------------------------------------------------------------------- access

    function test_initialize_onlyTheVaultAndOnlyOnce() public {
        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotVault.selector, investor));
        vm.prank(investor);
        shares.initialize(id, "x", "y");

        vm.expectRevert(TwinShares.AlreadyInitialized.selector);
        vm.prank(address(vault));
        shares.initialize(id, "x", "y");
        assertEq(shares.name(), "HashTwin #1 Antminer S21");
    }

    function test_mintAndBurn_onlyTheVault() public {
        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotVault.selector, investor));
        vm.prank(investor);
        shares.mint(investor, 1);

        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotVault.selector, address(earnings)));
        vm.prank(address(earnings));
        shares.burn(investor, 1);
        assertEq(shares.totalSupply(), MILLION);
    }

    function test_accrueAndTake_onlyTwinEarnings() public {
        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotEarnings.selector, operator));
        vm.prank(operator);
        shares.accrue(1 ether);

        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotEarnings.selector, address(vault)));
        vm.prank(address(vault));
        shares.accrue(1 ether);

        vm.expectRevert(abi.encodeWithSelector(TwinShares.NotEarnings.selector, investor));
        vm.prank(investor);
        shares.take(investor);
    }

    // ---------------------------------------------------------------------------------- accrue

    function test_accrue_emitsAndCreditsProRata() public {
        send(shares, investor, alice, 300_000 * ONE);
        send(shares, investor, bob, 200_000 * ONE);

        uint256 perShare = 1 ether * 1e36 / MILLION;
        vm.expectEmit(address(shares));
        emit TwinShares.Accrued(1 ether, perShare);
        accrue(1 ether);

        assertEq(shares.netPerShare(), perShare);
        assertEq(shares.earnedOf(investor), 0.5 ether);
        assertEq(shares.earnedOf(alice), 0.3 ether);
        assertEq(shares.earnedOf(bob), 0.2 ether);
        assertEq(shares.earnedOf(carol), 0);
    }

    /// @dev Nothing to credit to once the twin is joined: the shares are gone.
    function test_accrue_revertsWithoutShares() public {
        join(investor, id);
        vm.expectRevert(TwinShares.NoShares.selector);
        accrue(1 ether);
    }

    /// @dev A settlement of nothing moves nothing, and is still announced.
    function test_accrue_zeroNet() public {
        vm.expectEmit(address(shares));
        emit TwinShares.Accrued(0, 0);
        accrue(0);
        assertEq(shares.earnedOf(investor), 0);
    }

    /// @dev Three units held 1 and 2: each wei accrued leaves a remainder that the next one carries,
    /// so after three single wei the holders have exactly 1 and 2, and nothing was lost to rounding.
    function test_accrue_carriesTheRemainderToTheNextSettlement() public {
        (, TwinShares t) = splitTwin(3);
        send(t, investor, alice, 2);
        vm.startPrank(address(earnings));
        t.accrue(1);
        assertEq(t.netPerShare(), uint256(1e36) / 3);
        assertEq(t.earnedOf(investor) + t.earnedOf(alice), 0, "a third of a wei is not yet a wei");
        t.accrue(1);
        assertEq(t.earnedOf(investor) + t.earnedOf(alice), 1, "two wei: alice's 4/3 floor to 1");
        t.accrue(1);
        vm.stopPrank();
        assertEq(t.netPerShare(), 1e36, "three wei over three units: one wei per unit, exactly");
        assertEq(t.earnedOf(investor), 1);
        assertEq(t.earnedOf(alice), 2);
    }

    // ---------------------------------------------------------------------------------- take

    function test_take_emitsAndMarksPaid() public {
        accrue(1 ether);
        vm.expectEmit(address(shares));
        emit TwinShares.Taken(investor, 1 ether);
        assertEq(take(investor), 1 ether);
        assertEq(shares.earnedOf(investor), 0);
        assertEq(take(investor), 0, "taken once");
    }

    /// @dev What a holder earned to date counts what they claimed and what they may claim, across
    /// claims and transfers alike.
    function test_earnedToDate_countsTakenAndUnclaimed() public {
        accrue(1 ether);
        assertEq(shares.earnedToDateOf(investor), 1 ether);
        take(investor);
        assertEq(shares.earnedToDateOf(investor), 1 ether, "a claim moves nothing out of the total");
        send(shares, investor, alice, MILLION);
        accrue(2 ether);
        assertEq(shares.earnedToDateOf(investor), 1 ether, "a seller earns nothing after the sale");
        assertEq(shares.earnedToDateOf(alice), 2 ether);
        take(alice);
        assertEq(shares.earnedToDateOf(alice), 2 ether);
        assertEq(shares.earnedToDateOf(stranger), 0);
    }

    /// @dev Nothing earned: nothing taken, and no event.
    function test_take_nothingEarnedTakesNothingSilently() public {
        vm.recordLogs();
        assertEq(take(stranger), 0);
        assertEq(take(investor), 0);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    /// @dev Below a wei stays with the holder: a third of a wei, taken as nothing, adds up to a wei
    /// with the next two thirds.
    function test_take_keepsTheFractionOfAWei() public {
        (, TwinShares t) = splitTwin(3);
        send(t, investor, alice, 2);
        vm.startPrank(address(earnings));
        t.accrue(1);
        assertEq(t.take(investor), 0);
        t.accrue(1);
        assertEq(t.take(investor), 0);
        t.accrue(1);
        assertEq(t.take(investor), 1, "three thirds of a wei, taken over three claims");
        assertEq(t.take(alice), 2);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------- transfers

    /// @dev A transfer moves shares, never what they earned: the seller keeps what was credited while
    /// they held them, the buyer earns from the next settlement on.
    function test_transfer_doesNotMoveEarnings() public {
        accrue(1 ether);
        send(shares, investor, alice, MILLION);
        assertEq(shares.earnedOf(investor), 1 ether);
        assertEq(shares.earnedOf(alice), 0);

        accrue(2 ether);
        assertEq(shares.earnedOf(investor), 1 ether);
        assertEq(shares.earnedOf(alice), 2 ether);
    }

    /// @dev Through an allowance too, and to oneself.
    function test_transferFromAndToSelf_doNotMoveEarnings() public {
        accrue(1 ether);
        vm.prank(investor);
        shares.approve(bob, MILLION);
        vm.prank(bob);
        shares.transferFrom(investor, alice, MILLION / 2);
        send(shares, alice, alice, MILLION / 2);
        accrue(1 ether);
        assertEq(shares.earnedOf(investor), 1.5 ether);
        assertEq(shares.earnedOf(alice), 0.5 ether);
        assertEq(shares.earnedOf(bob), 0);
    }

    /// @dev Shares sent to the vault, TwinEarnings or the token itself could never move again: the twin
    /// could never be joined, and what they earned would be lost. They are refused.
    function test_transfer_refusesTheVaultEarningsAndTheTokenItself() public {
        address[3] memory sinks = [address(vault), address(earnings), address(shares)];
        for (uint256 i = 0; i < sinks.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, sinks[i]));
            vm.prank(investor);
            shares.transfer(sinks[i], 1);
        }
        assertEq(shares.balanceOf(investor), MILLION);
    }

    /// @dev What the shares earned survives the join that burns them.
    function test_burn_keepsEarnings() public {
        accrue(1 ether);
        join(investor, id);
        assertEq(shares.totalSupply(), 0);
        assertEq(shares.earnedOf(investor), 1 ether);
        assertEq(take(investor), 1 ether);
    }

    // ---------------------------------------------------------------------------------- fuzz

    /// @dev Between two settlements, the same transfers in either order leave every holder with the
    /// same earnings: a holder's part of a settlement depends only on their balance when it lands.
    function testFuzz_earningsDoNotDependOnTheOrderOfTransfers(uint96[6] memory amounts, uint64 net1, uint64 net2)
        public
    {
        address[3] memory holders = [investor, alice, bob];
        send(shares, investor, alice, MILLION / 3);
        send(shares, investor, bob, MILLION / 3);
        accrue(net1);
        // Each holder sends at most a sixth of the supply to the next, twice: feasible in any order.
        uint256[6] memory bounded;
        for (uint256 i = 0; i < 6; ++i) {
            bounded[i] = bound(amounts[i], 0, MILLION / 6);
        }

        uint256 snapshot = vm.snapshotState();
        for (uint256 i = 0; i < 6; ++i) {
            send(shares, holders[i % 3], holders[(i + 1) % 3], bounded[i]);
        }
        accrue(net2);
        uint256[3] memory forward;
        for (uint256 h = 0; h < 3; ++h) {
            forward[h] = shares.earnedOf(holders[h]);
        }

        vm.revertToState(snapshot);
        for (uint256 i = 6; i > 0; --i) {
            send(shares, holders[(i - 1) % 3], holders[i % 3], bounded[i - 1]);
        }
        accrue(net2);
        for (uint256 h = 0; h < 3; ++h) {
            assertEq(shares.earnedOf(holders[h]), forward[h], "the order of transfers changed earnings");
        }
    }

    /// @dev Any supply, any split of it between three holders, any settlements and transfers between
    /// them: every holder is owed its exact pro-rata share of every settlement, floored, give or take
    /// under a wei overall, and the holders together are never owed more than was accrued.
    function testFuzz_proRataWithinAWeiAndNeverMoreThanAccrued(
        uint256 supply,
        uint256[2] memory cuts,
        uint64[4] memory nets,
        uint256[4] memory moves
    ) public {
        supply = bound(supply, 1, vault.MAX_SUPPLY());
        (, TwinShares t) = splitTwin(supply);
        address[3] memory holders = [investor, alice, bob];
        send(t, investor, alice, bound(cuts[0], 0, supply));
        send(t, investor, bob, bound(cuts[1], 0, t.balanceOf(investor)));

        uint256[3] memory exactScaled;
        uint256 accrued;
        for (uint256 s = 0; s < nets.length; ++s) {
            for (uint256 h = 0; h < 3; ++h) {
                exactScaled[h] += Math.mulDiv(uint256(nets[s]) * 1e36, t.balanceOf(holders[h]), supply);
            }
            vm.prank(address(earnings));
            t.accrue(nets[s]);
            accrued += nets[s];
            address from = holders[moves[s] % 3];
            send(t, from, holders[(moves[s] / 3) % 3], bound(moves[s], 0, t.balanceOf(from)));
        }

        uint256 owed;
        for (uint256 h = 0; h < 3; ++h) {
            uint256 earned = t.earnedOf(holders[h]);
            uint256 exact = exactScaled[h] / 1e36;
            assertLe(earned, exact + 1, "a holder is owed more than a wei above its exact share");
            assertGe(earned + 1, exact, "a holder is owed more than a wei below its exact share");
            owed += earned;
        }
        assertLe(owed, accrued, "earnings were created");
        assertLe(accrued - owed, 3, "more than a wei per holder was lost to rounding");
    }
}
