// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {ITwinVault} from "../src/interfaces/ITwinVault.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarketHandler} from "./handlers/TwinMarketHandler.sol";
import {Minting} from "./utils/Minting.sol";
import {EthRejecter, EthRejectingHolder, NftRejecter} from "./mocks/Rejecters.sol";

/// @dev Seven actors trade six twins while the owner changes the fee and the treasury through their
/// delay. Four actors are accounts, each the minter (so the royalty receiver) of one twin at 0%, 2.5%,
/// 5% and 10%. Three are contracts: `holder` refuses ETH (and receives the royalties of twin 5),
/// `nftRefuser` refuses twins (and owns twin 5 at the start), and `rejecter` refuses both (and runs,
/// owns and at some point may decommission twin 6). The treasury moves between an account, `holder`
/// and a second account.
contract TwinMarketInvariantTest is StdInvariant, Minting {
    TwinRegistry internal registry;
    TwinMarket internal market;
    TwinMarketHandler internal handler;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal reporter = makeAddr("reporter");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        // Lots are TwinFractions.invariant.t.sol's: this market's vault is a name, never called.
        market = new TwinMarket(registry, ITwinVault(makeAddr("vault")), admin, treasury, 300);

        address[] memory actors = new address[](7);
        for (uint256 i; i < 4; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
        }
        address holder = address(new EthRejectingHolder());
        address nftRefuser = address(new NftRejecter());
        address rejecter = address(new EthRejecter());
        actors[4] = holder;
        actors[5] = nftRefuser;
        actors[6] = rejecter;

        uint256[] memory tokens = new uint256[](6);
        uint96[4] memory royalties = [uint96(0), 250, 500, 1_000];
        for (uint256 i; i < 4; ++i) {
            tokens[i] = commitAndMint(registry, actors[i], _rig(i), reporter, royalties[i]);
        }
        tokens[4] = commitAndMint(registry, actors[0], _rig(4), reporter, 500);
        _handOver(tokens[4], actors[0], holder, nftRefuser);
        tokens[5] = commitAndMint(registry, actors[1], _rig(5), reporter, 1_000);
        _handOver(tokens[5], actors[1], rejecter, rejecter);

        address[] memory treasuries = new address[](3);
        treasuries[0] = treasury;
        treasuries[1] = holder;
        treasuries[2] = makeAddr("treasury2");

        handler = new TwinMarketHandler(market, registry, admin, makeAddr("sink"), actors, tokens, treasuries);
        handler.setRefusals(holder, true, false);
        handler.setRefusals(nftRefuser, false, true);
        handler.setRefusals(rejecter, true, true);

        // Listing, buying, bidding and accepting come up more often than the rest, so that trades happen.
        bytes4[] memory selectors = new bytes4[](26);
        selectors[0] = TwinMarketHandler.list.selector;
        selectors[1] = TwinMarketHandler.list.selector;
        selectors[2] = TwinMarketHandler.list.selector;
        selectors[3] = TwinMarketHandler.buy.selector;
        selectors[4] = TwinMarketHandler.buy.selector;
        selectors[5] = TwinMarketHandler.buy.selector;
        selectors[6] = TwinMarketHandler.makeOffer.selector;
        selectors[7] = TwinMarketHandler.makeOffer.selector;
        selectors[8] = TwinMarketHandler.acceptOffer.selector;
        selectors[9] = TwinMarketHandler.acceptOffer.selector;
        selectors[10] = TwinMarketHandler.raiseOffer.selector;
        selectors[11] = TwinMarketHandler.cancelOffer.selector;
        selectors[12] = TwinMarketHandler.cancelListing.selector;
        selectors[13] = TwinMarketHandler.cancelAllListings.selector;
        selectors[14] = TwinMarketHandler.withdraw.selector;
        selectors[15] = TwinMarketHandler.transferTwin.selector;
        selectors[16] = TwinMarketHandler.revokeApproval.selector;
        selectors[17] = TwinMarketHandler.approveTwin.selector;
        selectors[18] = TwinMarketHandler.revokeTwinApproval.selector;
        selectors[19] = TwinMarketHandler.retireTwin.selector;
        selectors[20] = TwinMarketHandler.scheduleFee.selector;
        selectors[21] = TwinMarketHandler.applyFee.selector;
        selectors[22] = TwinMarketHandler.scheduleTreasury.selector;
        selectors[23] = TwinMarketHandler.applyTreasury.selector;
        selectors[24] = TwinMarketHandler.warp.selector;
        selectors[25] = TwinMarketHandler.withdraw.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Solvency from the handler's books, with no help from the market: the balance is exactly
    /// the open offers plus the credits, and everything paid in less everything paid out.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_balanceEqualsOpenOffersPlusCredits() public view {
        uint256 balance = address(market).balance;
        assertEq(balance, handler.ghostEscrowed() + handler.ghostProceeds(), "balance vs ghost offers + credits");
        assertEq(balance, handler.ghostDeposited() - handler.ghostWithdrawn(), "balance vs ghost flows");
    }

    /// @dev The same from the market's views: every payee's credit and every open offer is what the
    /// handler expects, and together they are the balance.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_viewsAddUpToBalance() public view {
        address[] memory payees = handler.payees();
        address[] memory actors = handler.actors();
        uint256[] memory tokens = handler.tokens();
        uint256 sum;
        for (uint256 p; p < payees.length; ++p) {
            uint256 credit = market.proceedsOf(payees[p]);
            assertEq(credit, handler.ghostProceedsOf(payees[p]), "credit vs ghost");
            sum += credit;
        }
        for (uint256 t; t < tokens.length; ++t) {
            for (uint256 a; a < actors.length; ++a) {
                (uint256 amount,) = market.offer(tokens[t], actors[a]);
                assertEq(amount, handler.ghostOfferOf(tokens[t], actors[a]), "offer vs ghost");
                sum += amount;
            }
        }
        assertEq(sum, address(market).balance, "credits + offers == balance");
    }

    /// @dev No dead listing was ever bought, and no sale charged more than its seller's bound (the
    /// handler also fails on the spot).
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noStaleSaleNoOvercharge() public view {
        assertEq(handler.staleSales(), 0, "a stale listing was bought");
        assertEq(handler.overcharges(), 0, "a sale charged above the seller's bound");
    }

    /// @dev What the market reports as buyable is exactly what the model allows: a listing is dead
    /// once its custody ended, its seller cancelled all, or its twin was retired.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_isBuyableMatchesModel() public view {
        uint256[] memory tokens = handler.tokens();
        for (uint256 t; t < tokens.length; ++t) {
            assertEq(market.isBuyable(tokens[t]), handler.isBuyableModel(tokens[t]), "isBuyable vs model");
            TwinMarketHandler.GhostListing memory g = handler.ghostListing(tokens[t]);
            if (g.live) {
                (, uint64 epoch,) = registry.custodyOf(tokens[t]);
                assertEq(epoch, g.epoch, "a live listing's custody epoch moved");
            }
        }
    }

    /// @dev The floor never strands a seller who listed honestly (at least the fee of the day), and it
    /// never exceeds the fee in force.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_feeFloorBelowHonestBounds() public view {
        uint16 floor = market.feeFloorBps();
        assertLe(floor, market.feeBps(), "floor above the fee");
        uint256[] memory tokens = handler.tokens();
        for (uint256 t; t < tokens.length; ++t) {
            TwinMarketHandler.GhostListing memory g = handler.ghostListing(tokens[t]);
            if (g.live && g.honest && block.timestamp < g.expiresAt) {
                assertGe(g.maxFeeBps, floor, "an honest open listing fell below the floor");
            }
        }
    }

    /// @dev Fee and treasury are only ever what a delayed, applied change made them, and the fee floor
    /// is what the fee history makes it.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_configOnlyThroughDelay() public view {
        assertEq(market.feeBps(), handler.ghostFeeBps());
        assertEq(market.treasury(), handler.ghostTreasury());
        assertEq(market.feeFloorBps(), handler.ghostFeeFloor(), "fee floor vs model");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_marketNeverHoldsTwins() public view {
        assertEq(registry.balanceOf(address(market)), 0);
    }

    /// @dev After every run, everyone can get everything back out, those that refuse ETH through
    /// `withdrawTo`: nothing is stuck in the market.
    function afterInvariant() external {
        address[] memory actors = handler.actors();
        uint256[] memory tokens = handler.tokens();
        for (uint256 a; a < actors.length; ++a) {
            for (uint256 t; t < tokens.length; ++t) {
                (uint256 amount,) = market.offer(tokens[t], actors[a]);
                if (amount != 0) {
                    vm.prank(actors[a]);
                    market.cancelOffer(tokens[t]);
                }
            }
        }
        address[] memory payees = handler.payees();
        address sink = handler.sink();
        for (uint256 p; p < payees.length; ++p) {
            if (market.proceedsOf(payees[p]) == 0) continue;
            vm.prank(payees[p]);
            market.withdrawTo(payable(sink));
        }
        assertEq(address(market).balance, 0, "the market drains to zero");
    }

    function _rig(uint256 i) internal pure returns (TwinRegistry.RigInput memory) {
        return TwinRegistry.RigInput({
            manufacturer: "MicroBT",
            model: "WhatsMiner M60S",
            serial: string.concat("INV-", vm.toString(i)),
            hashrateGhs: 186_000,
            powerWatts: 3_344,
            location: "Kearney, Nebraska, US",
            commissionedAt: 1_717_200_000
        });
    }

    /// @dev Hands the rig of `tokenId` to `operator` (who then receives its royalties) and the twin to
    /// `owner`, by a plain transfer that any contract can take.
    function _handOver(uint256 tokenId, address minter, address operator, address owner) internal {
        vm.prank(minter);
        registry.proposeOperator(tokenId, operator);
        vm.prank(operator);
        registry.acceptOperator(tokenId);
        vm.prank(minter);
        registry.transferFrom(minter, owner, tokenId);
    }
}
