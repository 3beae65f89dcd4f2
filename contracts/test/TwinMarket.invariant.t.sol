// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarketHandler} from "./handlers/TwinMarketHandler.sol";

/// @dev Four actors, each the minter (so the royalty receiver) of one twin at 0%, 2.5%, 5% and 10%,
/// trading among themselves; the treasury is a fifth payee.
contract TwinMarketInvariantTest is StdInvariant, Test {
    TwinRegistry internal registry;
    TwinMarket internal market;
    TwinMarketHandler internal handler;
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        market = new TwinMarket(registry, makeAddr("admin"), treasury, 300);

        address[] memory actors = new address[](4);
        uint256[] memory tokens = new uint256[](4);
        uint96[4] memory royalties = [uint96(0), 250, 500, 1_000];
        for (uint256 i; i < 4; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
            vm.prank(actors[i]);
            tokens[i] = registry.mint(_spec(i), makeAddr("reporter"), royalties[i]);
        }
        handler = new TwinMarketHandler(market, registry, actors, tokens);

        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = TwinMarketHandler.list.selector;
        selectors[1] = TwinMarketHandler.buy.selector;
        selectors[2] = TwinMarketHandler.makeOffer.selector;
        selectors[3] = TwinMarketHandler.raiseOffer.selector;
        selectors[4] = TwinMarketHandler.cancelOffer.selector;
        selectors[5] = TwinMarketHandler.acceptOffer.selector;
        selectors[6] = TwinMarketHandler.cancelListing.selector;
        selectors[7] = TwinMarketHandler.withdraw.selector;
        selectors[8] = TwinMarketHandler.transferTwin.selector;
        selectors[9] = TwinMarketHandler.revokeApproval.selector;
        selectors[10] = TwinMarketHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_balanceEqualsEscrowPlusProceeds() public view {
        uint256 balance = address(market).balance;
        assertEq(balance, market.totalEscrowed() + market.totalProceeds(), "balance vs counters");
        assertEq(market.totalEscrowed(), handler.ghostEscrowed(), "escrow vs ghost");
        assertEq(market.totalProceeds(), handler.ghostProceeds(), "proceeds vs ghost");
        assertEq(balance, handler.ghostDeposited() - handler.ghostWithdrawn(), "balance vs ghost flows");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_countersEqualPerAccountSums() public view {
        address[] memory actors = handler.actors();
        uint256[] memory tokens = handler.tokens();
        uint256 escrowed;
        uint256 proceeds = market.proceedsOf(treasury);
        assertEq(market.proceedsOf(treasury), handler.ghostProceedsOf(treasury), "treasury credit");
        for (uint256 a; a < actors.length; ++a) {
            assertEq(market.proceedsOf(actors[a]), handler.ghostProceedsOf(actors[a]), "actor credit");
            proceeds += market.proceedsOf(actors[a]);
            for (uint256 t; t < tokens.length; ++t) {
                (uint256 amount,) = market.offer(tokens[t], actors[a]);
                escrowed += amount;
            }
        }
        assertEq(market.totalEscrowed(), escrowed, "totalEscrowed is the sum of open offers");
        assertEq(market.totalProceeds(), proceeds, "totalProceeds is the sum of credits");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_marketNeverHoldsTwins() public view {
        assertEq(registry.balanceOf(address(market)), 0);
    }

    /// @dev After every run, everyone can get everything back out: nothing is stuck in the market.
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
        for (uint256 a; a <= actors.length; ++a) {
            address payee = a == actors.length ? treasury : actors[a];
            if (market.proceedsOf(payee) != 0) {
                vm.prank(payee);
                market.withdraw();
            }
        }
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalProceeds(), 0);
        assertEq(address(market).balance, 0, "the market drains to zero");
    }

    function _spec(uint256 i) internal pure returns (TwinRegistry.RigSpec memory) {
        return TwinRegistry.RigSpec({
            manufacturer: "MicroBT",
            model: "WhatsMiner M60S",
            serialHash: keccak256(abi.encode("INV", i)),
            hashrateGhs: 186_000,
            powerWatts: 3_344,
            location: "Kearney, Nebraska, US",
            commissionedAt: 1_717_200_000
        });
    }
}
