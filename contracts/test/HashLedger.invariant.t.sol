// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {HashLedger} from "../src/HashLedger.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {HashLedgerHandler} from "./handlers/HashLedgerHandler.sol";
import {ShareVectors} from "./utils/ShareVectors.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {Minting} from "./utils/Minting.sol";

/// @dev The vectors' contributor (anvil's account 2, whose key signs its relayed batches), three
/// relayers and three front-runners, on the ledger at the vectors' address (see HashLedgerHandler).
contract HashLedgerInvariantTest is StdInvariant, Test, Minting, ShareVectors {
    Vectors internal v;
    TwinRegistry internal registry;
    HashLedger internal ledger;
    HashLedgerHandler internal handler;

    function setUp() public {
        v = loadVectors();
        registry = new TwinRegistry();
        // Twin `tokenId + 1` exists too: no credit may ever land on it.
        for (uint256 i = 1; i <= v.tokenId + 1; i++) {
            string memory serial = string.concat("INV-LEDGER-", vm.toString(i));
            commitAndMint(registry, makeAddr("operator"), DemoRigs.s21(serial), makeAddr("reporter"), 0);
        }
        vm.chainId(v.chainId);
        vm.warp(v.time);
        deployCodeTo("HashLedger.sol:HashLedger", abi.encode(address(registry), makeAddr("owner"), v.bits), v.ledger);
        ledger = HashLedger(v.ledger);

        address[] memory relayers = new address[](3);
        address[] memory frontRunners = new address[](3);
        uint256[] memory frontRunnerKeys = new uint256[](3);
        for (uint256 i = 0; i < 3; i++) {
            relayers[i] = makeAddr(string.concat("relayer", vm.toString(i)));
            (frontRunners[i], frontRunnerKeys[i]) = makeAddrAndKey(string.concat("frontRunner", vm.toString(i)));
        }
        handler = new HashLedgerHandler(ledger, v, relayers, frontRunners, frontRunnerKeys);

        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = HashLedgerHandler.broadcast.selector;
        selectors[1] = HashLedgerHandler.land.selector;
        selectors[2] = HashLedgerHandler.frontRunCopy.selector;
        selectors[3] = HashLedgerHandler.frontRunRelayVariant.selector;
        selectors[4] = HashLedgerHandler.frontRunRelayExactCopy.selector;
        selectors[5] = HashLedgerHandler.frontRunForgedSignature.selector;
        selectors[6] = HashLedgerHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev The ledger's tallies are exactly the work of the shares it verified.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_creditedWorkEqualsVerifiedShares() public view {
        uint256 work = handler.ghostWork();
        assertEq(ledger.workOf(v.tokenId), work, "workOf");
        assertEq(ledger.workBy(v.contributor), work, "workBy");
        assertEq(ledger.sharesOf(v.tokenId), handler.ghostShares(), "sharesOf");
        assertEq(work, handler.ghostShares() * ledger.workPerShare(v.bits), "count x workPerShare");
        assertEq(ledger.workOf(v.tokenId + 1), 0, "no work on another twin");
        assertEq(ledger.sharesOf(v.tokenId + 1), 0, "no shares on another twin");
    }

    /// @dev A (job seed, nonce, contributor) is credited at most once, so the ledger never holds more
    /// shares than the vectors have.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noShareCreditedTwice() public view {
        assertLe(handler.ghostMostCreditsOfOneShare(), 1, "a share credited twice");
        assertEq(handler.creditedShareCount(), handler.ghostShares(), "every credited share is distinct");
        assertLe(ledger.sharesOf(v.tokenId), v.nonces.length);
        assertEq(ledger.jobSeedUsed(v.contributor, v.jobSeed), handler.ghostSeedUsed(), "job seed");
    }

    /// @dev Work only ever goes to the contributor the shares commit to, and only for a batch that
    /// contributor sent or signed: relayers and front-runners earn nothing and void nothing.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_creditOnlyGoesToCommittedContributor() public view {
        address[] memory parties = handler.thirdParties();
        for (uint256 i = 0; i < parties.length; i++) {
            assertEq(ledger.workBy(parties[i]), 0, "a third party was credited");
            assertFalse(ledger.jobSeedUsed(parties[i], v.jobSeed), "a third party used the job seed");
        }
        assertEq(handler.ghostMisdirectedCredits(), 0, "a WorkCredited event names someone else");
        assertEq(handler.ghostUnauthorisedCredits(), 0, "a batch the contributor never authorised was credited");
    }

    /// @dev Whatever third parties did during the run, a contributor whose job seed is still unused
    /// can have its whole batch credited: nothing they did voided it.
    function afterInvariant() external {
        if (ledger.jobSeedUsed(v.contributor, v.jobSeed)) return;
        vm.warp(v.time);
        vm.prank(v.contributor);
        uint256 work = ledger.submitShares(vectorBatch(v, v.nonces));
        assertEq(work, v.nonces.length * ledger.workPerShare(v.bits));
        assertEq(ledger.sharesOf(v.tokenId), v.nonces.length);
    }
}
