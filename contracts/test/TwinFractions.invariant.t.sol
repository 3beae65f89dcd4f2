// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {console} from "forge-std/console.sol";
import {AggregatorV3Interface} from "../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {PublishedFeed} from "../src/PublishedFeed.sol";
import {TwinEarnings} from "../src/TwinEarnings.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinShares} from "../src/TwinShares.sol";
import {TwinVault} from "../src/TwinVault.sol";
import {TwinFractionsHandler} from "./handlers/TwinFractionsHandler.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {Minting} from "./utils/Minting.sol";
import {Wiring} from "./utils/Wiring.sol";
import {EthRejectingHolder} from "./mocks/Rejecters.sol";

/// @dev Three twins of one operator, held by five actors (one a contract that refuses ETH), split and
/// joined, their shares sent around and sold in lots, settled and claimed in random order (see
/// {TwinFractionsHandler}). The invariants hold after every call:
/// - what TwinEarnings holds is exactly what was paid in less what was claimed, never less than what
///   everyone may claim, and more by at most a wei per holder per split twin (the dust bound);
/// - every holder is owed, and has claimed, exactly its whole twins' credit, and of each split twin
///   its exact pro-rata share of each settlement by its balance when the settlement landed, within a
///   wei: so a holder's earnings do not depend on the order of transfers between two settlements;
/// - a split twin's supply is constant, held by the actors alone, and gone once it is joined;
/// - no earnings are lost to the vault, the market, TwinEarnings or a shares token.
contract TwinFractionsInvariantTest is StdInvariant, Minting, Wiring {
    TwinRegistry internal registry;
    TwinEarnings internal earnings;
    TwinVault internal vault;
    TwinMarket internal market;
    TwinFractionsHandler internal handler;
    address internal feedOwner = makeAddr("feedOwner");
    address internal reporter = makeAddr("reporter");
    address internal operator = makeAddr("operator");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        PublishedFeed ethUsd = new PublishedFeed(feedOwner, 8, "ETH / USD", 3_000e8);
        AggregatorV3Interface[3] memory network = [
            AggregatorV3Interface(new PublishedFeed(feedOwner, 8, "BTC / USD", 91_000e8)),
            new PublishedFeed(feedOwner, 0, "Bitcoin difficulty", 152e12),
            new PublishedFeed(feedOwner, 8, "Bitcoin fees per block (BTC)", 2_000_000)
        ];
        (earnings, vault) =
            deployEarningsAndVault(registry, ethUsd, AggregatorV3Interface(address(0)), 25 hours, network);
        market = new TwinMarket(registry, ITwinVault(address(vault)), makeAddr("admin"), makeAddr("treasury"), 250);

        address[] memory actors = new address[](5);
        for (uint256 i; i < 4; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
        }
        actors[4] = address(new EthRejectingHolder());
        uint256[] memory tokens = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            TwinRegistry.RigInput memory rig = DemoRigs.s21(string.concat("SN-", vm.toString(i)));
            commit(registry, operator, rig);
            vm.prank(operator);
            tokens[i] = registry.mint(rig, reporter, 500, DemoRigs.terms(), saltFor(operator, rig.serial));
            vm.prank(operator);
            registry.transferFrom(operator, actors[i + 2], tokens[i]);
        }

        handler = new TwinFractionsHandler(earnings, market, feedOwner, reporter, actors, tokens);
        handler.setRefusesEth(actors[4]);

        // Settlements and moves of shares come up most; a split and a join often enough that twins
        // go through several splits.
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = TwinFractionsHandler.settle.selector;
        selectors[1] = TwinFractionsHandler.settle.selector;
        selectors[2] = TwinFractionsHandler.settle.selector;
        selectors[3] = TwinFractionsHandler.transferShares.selector;
        selectors[4] = TwinFractionsHandler.transferShares.selector;
        selectors[5] = TwinFractionsHandler.transferShares.selector;
        selectors[6] = TwinFractionsHandler.buyLot.selector;
        selectors[7] = TwinFractionsHandler.buyLot.selector;
        selectors[8] = TwinFractionsHandler.claim.selector;
        selectors[9] = TwinFractionsHandler.claim.selector;
        selectors[10] = TwinFractionsHandler.split.selector;
        selectors[11] = TwinFractionsHandler.split.selector;
        selectors[12] = TwinFractionsHandler.join.selector;
        selectors[13] = TwinFractionsHandler.transferTwin.selector;
        selectors[14] = TwinFractionsHandler.warp.selector;
        selectors[15] = TwinFractionsHandler.decommission.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Σ of what every actor may claim now: whole twins' credit and every split twin's earnings.
    function owedNow() internal view returns (uint256 owed) {
        address[] memory actors = handler.actors();
        uint256[] memory split = handler.splitTwins();
        for (uint256 a; a < actors.length; ++a) {
            owed += earnings.claimableOf(actors[a]);
            for (uint256 t; t < split.length; ++t) {
                owed += TwinShares(vault.sharesOf(split[t])).earnedOf(actors[a]);
            }
        }
    }

    /// @dev The dust bound: under a wei per holder per split twin, overall (so at most a wei per
    /// holder per settlement, as the issue allows, and in fact far less).
    function dustBound() internal view returns (uint256) {
        return handler.actors().length * handler.splitTwins().length;
    }

    /// @dev Solvency and conservation: the balance is every net paid in less every claim; it covers
    /// everything owed (no earnings are created) and exceeds it by at most the dust bound (none are
    /// lost beyond it): Σ claimed + Σ claimable = Σ net credited, within the bound.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_claimedPlusClaimableIsEveryNetWithinDust() public view {
        uint256 balance = address(earnings).balance;
        assertEq(balance, handler.ghostPaidIn() - handler.ghostPaidOut(), "balance vs flows");
        uint256 owed = owedNow();
        assertGe(balance, owed, "more is owed than is held: earnings were created");
        assertLe(balance - owed, dustBound(), "more than the dust bound is owed to no one");

        address[] memory actors = handler.actors();
        uint256 claimed;
        for (uint256 a; a < actors.length; ++a) {
            claimed += handler.ghostClaimed(actors[a]);
        }
        assertEq(claimed, handler.ghostPaidOut(), "claims vs paid out");
        assertLe(claimed + owed, handler.ghostPaidIn(), "claimed + claimable above the nets");
        assertGe(claimed + owed + dustBound(), handler.ghostPaidIn(), "claimed + claimable below the nets");
    }

    /// @dev Each holder, each twin: a whole twin's holder of record is credited exactly the nets that
    /// landed while it held the twin; a split twin's holder is owed its balance's share of each
    /// settlement that landed while it held shares, exactly within a wei, claimed or not.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_everyHolderGetsItsProRataShare() public view {
        address[] memory actors = handler.actors();
        uint256[] memory split = handler.splitTwins();
        for (uint256 a; a < actors.length; ++a) {
            address actor = actors[a];
            assertEq(
                handler.ghostWholeCredited(actor),
                handler.ghostWholeClaimed(actor) + earnings.claimableOf(actor),
                "whole twins: credited vs claimed + claimable"
            );
            for (uint256 t; t < split.length; ++t) {
                uint256 got = handler.ghostTaken(actor, split[t]) + TwinShares(vault.sharesOf(split[t])).earnedOf(actor);
                uint256 exact = handler.ghostOwedScaled(actor, split[t]) / 1e36;
                assertLe(got, exact + 1, "a holder got more than a wei above its pro-rata share");
                assertGe(got + 1, exact, "a holder got more than a wei below its pro-rata share");
            }
        }
    }

    /// @dev While a twin is split its supply is the one it was split into, all of it with the actors,
    /// and the vault holds the twin; joined, no shares are left and the twin is out of the vault.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_supplyIsConstantWhileSplit() public view {
        address[] memory actors = handler.actors();
        uint256[] memory tokens = handler.tokens();
        for (uint256 t; t < tokens.length; ++t) {
            uint256 id = tokens[t];
            address token = vault.sharesOf(id);
            bool split = vault.isSplit(id);
            assertEq(registry.ownerOf(id) == address(vault), split, "held by the vault exactly while split");
            if (token == address(0)) {
                assertEq(handler.ghostSupply(id), 0, "a twin never split has no supply");
                continue;
            }
            TwinShares shares = TwinShares(token);
            assertEq(shares.totalSupply(), handler.ghostSupply(id), "supply vs the split's");
            uint256 held;
            for (uint256 a; a < actors.length; ++a) {
                held += shares.balanceOf(actors[a]);
            }
            assertEq(held, shares.totalSupply(), "shares held by anyone but the actors");
        }
    }

    /// @dev Nothing is ever credited to, or held by, the contracts around the shares.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noEarningsLostToTheVaultMarketOrTokens() public view {
        uint256[] memory split = handler.splitTwins();
        address[4] memory bystanders = [address(vault), address(market), address(earnings), address(0)];
        for (uint256 t; t < split.length; ++t) {
            TwinShares shares = TwinShares(vault.sharesOf(split[t]));
            bystanders[3] = address(shares);
            for (uint256 b; b < bystanders.length; ++b) {
                assertEq(shares.balanceOf(bystanders[b]), 0, "shares held by a contract of the protocol");
                assertEq(shares.earnedOf(bystanders[b]), 0, "earnings owed to a contract of the protocol");
                assertEq(earnings.claimableOf(bystanders[b]), 0, "a credit of a contract of the protocol");
            }
        }
        assertEq(address(vault).balance, 0);
    }

    /// @dev What the handler did in a run, by outcome: logged after each run, seen with -vv.
    function logCalls() internal view {
        string[15] memory actions = [
            "split",
            "split/refused(retired)",
            "join",
            "join/refused(not split)",
            "join/refused(not whole)",
            "transferShares",
            "transferTwin",
            "buyLot(partial)",
            "buyLot(whole)",
            "settle(split)",
            "settle(whole)",
            "claim",
            "claim/refused",
            "decommission",
            "warp"
        ];
        for (uint256 i; i < actions.length; ++i) {
            console.log("%s: %d", actions[i], handler.calls(actions[i]));
        }
    }

    /// @dev After every run every holder gets everything out, the one refusing ETH through claimTo:
    /// what stays behind is the dust, within its bound.
    function afterInvariant() external {
        logCalls();
        address[] memory actors = handler.actors();
        uint256[] memory split = handler.splitTwins();
        address sink = handler.sink();
        for (uint256 a; a < actors.length; ++a) {
            uint256 owed = earnings.claimableOf(actors[a]);
            for (uint256 t; t < split.length; ++t) {
                owed += TwinShares(vault.sharesOf(split[t])).earnedOf(actors[a]);
            }
            if (owed == 0) continue;
            vm.prank(actors[a]);
            earnings.claimTo(payable(sink), split);
        }
        assertEq(owedNow(), 0, "everything claimed");
        assertLe(address(earnings).balance, dustBound(), "more than dust left behind");
    }
}
