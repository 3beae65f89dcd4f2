// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinShares} from "../src/TwinShares.sol";
import {TwinVault} from "../src/TwinVault.sol";
import {FractionsFixture} from "./utils/FractionsFixture.sol";
import {NftRejecter} from "./mocks/Rejecters.sol";
import {ReentrantJoiner} from "./mocks/ReentrantJoiner.sol";

/// @dev Splitting and joining: the one-transaction split by a safe transfer carrying the supply,
/// every refusal, the shares token made once per twin at its predicted address, the join by whoever
/// holds every share, and what a split leaves alone (the rig's roles, the shares' earnings).
contract TwinVaultTest is FractionsFixture {
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = newTwin();
        sellTo(id, investor);
    }

    function splitCall(address holder, uint256 tokenId, bytes memory data) internal {
        vm.prank(holder);
        registry.safeTransferFrom(holder, address(vault), tokenId, data);
    }

    // ---------------------------------------------------------------------------------- deployment

    function test_constructor_wiresRegistryEarningsAndImplementation() public view {
        assertEq(address(vault.registry()), address(registry));
        assertEq(vault.earnings(), address(earnings));
        TwinShares implementation = vault.sharesImplementation();
        assertGt(address(implementation).code.length, 0);
        assertEq(implementation.vault(), address(vault));
        assertEq(implementation.earnings(), address(earnings));
        assertEq(vault.MAX_SUPPLY(), 1e27);
    }

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(TwinVault.ZeroAddress.selector);
        new TwinVault(TwinRegistry(address(0)), address(earnings));
        vm.expectRevert(TwinVault.ZeroAddress.selector);
        new TwinVault(registry, address(0));
    }

    /// @dev TwinEarnings that names another vault, or serves another registry, is refused: the vault
    /// and the earnings it credits must point at each other.
    function test_constructor_revertsUnlessTheEarningsNameIt() public {
        // The existing TwinEarnings names the existing vault, not this new one.
        vm.expectRevert(abi.encodeWithSelector(TwinVault.EarningsNotWired.selector, address(earnings)));
        new TwinVault(registry, address(earnings));

        TwinRegistry other = new TwinRegistry();
        TwinEarnings foreign =
            new TwinEarnings(other, ethUsd, NO_SEQUENCER, MAX_PRICE_AGE, networkFeeds(), ITwinVault(creationAhead(1)));
        vm.expectRevert(abi.encodeWithSelector(TwinVault.EarningsNotWired.selector, address(foreign)));
        new TwinVault(registry, address(foreign));
    }

    // ---------------------------------------------------------------------------------- split

    function test_split_locksTheTwinAndMintsTheSupplyToItsOwner() public {
        address predicted = vault.predictShares(id);
        assertEq(predicted.code.length, 0, "no token before the first split");
        assertEq(vault.sharesOf(id), address(0));
        assertFalse(vault.isSplit(id));

        vm.expectEmit(address(vault));
        emit TwinVault.Split(id, investor, predicted, MILLION);
        splitCall(investor, id, abi.encode(MILLION));

        assertEq(registry.ownerOf(id), address(vault));
        assertEq(vault.sharesOf(id), predicted);
        assertTrue(vault.isSplit(id));
        TwinShares shares = TwinShares(predicted);
        assertEq(shares.totalSupply(), MILLION);
        assertEq(shares.balanceOf(investor), MILLION);
        assertEq(shares.twinId(), id);
        assertEq(shares.name(), "HashTwin #1 Antminer S21");
        assertEq(shares.symbol(), "HT1");
        assertEq(
            predicted,
            Clones.predictDeterministicAddress(address(vault.sharesImplementation()), bytes32(id), address(vault))
        );
    }

    /// @dev The token's name carries the twin's model and id, whatever they are.
    function test_split_namesTheTokenAfterTheTwin() public {
        for (uint256 i = 0; i < 10; ++i) {
            newTwin();
        }
        uint256 twelfth = newTwin();
        assertEq(twelfth, 12);
        TwinShares shares = split(operator, twelfth, ONE);
        assertEq(shares.name(), "HashTwin #12 Antminer S21");
        assertEq(shares.symbol(), "HT12");
    }

    /// @dev Splitting leaves the rig's roles as they are: the operator still settles and receives the
    /// royalty, the reporter still reports.
    function test_split_movesNoRightsOfTheOperator() public {
        (address receiver, uint256 royalty) = registry.royaltyInfo(id, 1 ether);
        split(investor, id, MILLION);
        assertEq(registry.operatorOf(id), operator);
        assertEq(registry.reporterOf(id), reporter);
        (address receiverAfter, uint256 royaltyAfter) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiverAfter, receiver);
        assertEq(royaltyAfter, royalty);
        reportHours(id, 1, 3_500);
        settleAs(operator, id, 0.01 ether, 0, 0);
    }

    /// @dev Anyone the owner approved may split the twin, but the shares are the owner's.
    function test_split_byAnApprovedOperatorMintsToTheOwner() public {
        vm.prank(investor);
        registry.setApprovalForAll(alice, true);
        vm.prank(alice);
        registry.safeTransferFrom(investor, address(vault), id, abi.encode(MILLION));
        assertEq(sharesOf(id).balanceOf(investor), MILLION);
        assertEq(sharesOf(id).balanceOf(alice), 0);
    }

    function test_split_acceptsTheBounds() public {
        TwinShares shares = split(investor, id, 1);
        assertEq(shares.totalSupply(), 1);
        uint256 other = newTwin();
        shares = split(operator, other, vault.MAX_SUPPLY());
        assertEq(shares.totalSupply(), 1e27);
    }

    function test_split_revertsOutsideTheBounds() public {
        uint256 max = vault.MAX_SUPPLY();
        vm.expectRevert(abi.encodeWithSelector(TwinVault.SupplyOutOfRange.selector, 0, max));
        splitCall(investor, id, abi.encode(0));
        vm.expectRevert(abi.encodeWithSelector(TwinVault.SupplyOutOfRange.selector, max + 1, max));
        splitCall(investor, id, abi.encode(max + 1));
        assertEq(registry.ownerOf(id), investor);
    }

    /// @dev A safe transfer without the supply, or with anything but one word, is refused whole.
    function test_split_revertsWithoutTheSupply() public {
        vm.expectRevert(abi.encodeWithSelector(TwinVault.SupplyNotGiven.selector, 0));
        vm.prank(investor);
        registry.safeTransferFrom(investor, address(vault), id);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.SupplyNotGiven.selector, 64));
        splitCall(investor, id, abi.encode(MILLION, MILLION));
        assertEq(registry.ownerOf(id), investor);
    }

    function test_split_revertsForADecommissionedTwin() public {
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.TwinRetired.selector, id));
        splitCall(investor, id, abi.encode(MILLION));
    }

    /// @dev Only the registry's twins: anyone else calling the receiver hook is refused.
    function test_onERC721Received_revertsForAnyoneButTheRegistry() public {
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotRegistry.selector, stranger));
        vm.prank(stranger);
        vault.onERC721Received(stranger, stranger, id, abi.encode(MILLION));
        assertEq(vault.sharesOf(id), address(0));
    }

    /// @dev A twin sent with a plain transfer is not split: no shares, nothing to join.
    function test_plainTransfer_isNotASplit() public {
        vm.prank(investor);
        registry.transferFrom(investor, address(vault), id);
        assertEq(registry.ownerOf(id), address(vault));
        assertFalse(vault.isSplit(id));
        assertEq(vault.sharesOf(id), address(0));
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotSplit.selector, id));
        vault.join(id);
    }

    // ---------------------------------------------------------------------------------- join

    function test_join_burnsEverythingAndReturnsTheTwin() public {
        TwinShares shares = split(investor, id, MILLION);
        send(shares, investor, alice, MILLION);

        vm.expectEmit(address(vault));
        emit TwinVault.Joined(id, alice);
        join(alice, id);

        assertEq(registry.ownerOf(id), alice);
        assertEq(shares.totalSupply(), 0);
        assertEq(shares.balanceOf(alice), 0);
        assertFalse(vault.isSplit(id));
        assertEq(vault.sharesOf(id), address(shares), "the token stays, with what it earned");
    }

    function test_join_revertsUnlessTheCallerHoldsEveryShare() public {
        TwinShares shares = split(investor, id, MILLION);
        send(shares, investor, alice, 1);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotWholeSupply.selector, id, MILLION - 1, MILLION));
        join(investor, id);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotWholeSupply.selector, id, 1, MILLION));
        join(alice, id);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotWholeSupply.selector, id, 0, MILLION));
        join(stranger, id);
    }

    function test_join_revertsForATwinNeverSplitOrAlreadyJoined() public {
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotSplit.selector, id));
        join(investor, id);
        split(investor, id, MILLION);
        join(investor, id);
        vm.expectRevert(abi.encodeWithSelector(TwinVault.NotSplit.selector, id));
        join(investor, id);
    }

    /// @dev A split twin that is decommissioned can still be joined.
    function test_join_aDecommissionedTwin() public {
        split(investor, id, MILLION);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        join(investor, id);
        assertEq(registry.ownerOf(id), investor);
    }

    /// @dev A holder that cannot take a twin cannot join, and keeps its shares.
    function test_join_revertsForAHolderThatRefusesTwins() public {
        TwinShares shares = split(investor, id, MILLION);
        address rejecter = address(new NftRejecter());
        send(shares, investor, rejecter, MILLION);
        vm.expectRevert(NftRejecter.NoTwinsPlease.selector);
        join(rejecter, id);
        assertEq(shares.balanceOf(rejecter), MILLION);
        assertEq(registry.ownerOf(id), address(vault));
    }

    /// @dev A joiner re-entering the vault from the hook that receives the twin (to split it again at
    /// once, or to join again) is refused by the guard; the join itself goes through.
    function test_join_reentryIsRefused() public {
        ReentrantJoiner.Reentry[2] memory ways = [ReentrantJoiner.Reentry.Split, ReentrantJoiner.Reentry.Join];
        for (uint256 i = 0; i < ways.length; ++i) {
            uint256 twin = newTwin();
            ReentrantJoiner joiner = new ReentrantJoiner(vault);
            TwinShares shares = split(operator, twin, MILLION);
            send(shares, operator, address(joiner), MILLION);
            joiner.arm(ways[i]);
            joiner.join(twin);
            assertEq(registry.ownerOf(twin), address(joiner));
            assertFalse(joiner.lastReentrySucceeded());
            assertEq(
                joiner.lastReentryError(),
                abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
            );
            assertFalse(vault.isSplit(twin));
        }
    }

    // ---------------------------------------------------------------------------------- re-split

    /// @dev Split again, a twin reuses its token (no second clone, the same name) at the new supply,
    /// and what the shares earned under the first split is still theirs.
    function test_resplit_reusesTheTokenAndKeepsEarnings() public {
        TwinShares shares = split(investor, id, MILLION);
        settleDay(id, 0.01 ether);
        join(investor, id);
        sellTo(id, alice);

        vm.expectEmit(address(vault));
        emit TwinVault.Split(id, alice, address(shares), 5 * ONE);
        TwinShares again = split(alice, id, 5 * ONE);
        assertEq(address(again), address(shares));
        assertEq(again.totalSupply(), 5 * ONE);
        assertEq(again.balanceOf(alice), 5 * ONE);
        assertEq(again.name(), "HashTwin #1 Antminer S21");
        assertEq(again.earnedOf(investor), 0.01 ether, "the first split's holder keeps its earnings");
        assertEq(again.earnedOf(alice), 0);

        settleDay(id, 0.02 ether);
        assertEq(again.earnedOf(alice), 0.02 ether);
        assertEq(again.earnedOf(investor), 0.01 ether);
    }

    function test_views_forAnUnknownTwin() public view {
        assertEq(vault.sharesOf(999), address(0));
        assertFalse(vault.isSplit(999));
        assertTrue(vault.predictShares(999) != vault.predictShares(998));
    }
}
