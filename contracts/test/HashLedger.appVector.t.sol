// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HashLedger} from "../src/HashLedger.sol";
import {RoyaltyTwinsMock} from "./mocks/RoyaltyTwinsMock.sol";
import {ShareVectors} from "./utils/ShareVectors.sol";

/// @dev The fixed vector the app's Rust tests check their EIP-712 encoding against
/// (src/chain/ledger.rs, `the_batch_digest_is_the_ledgers`): the digest of the first three vector
/// shares on the vectors' chain and ledger address, and anvil account 2's signature over it. The app
/// builds the typed data a wallet signs (eth_signTypedData_v4) and recovers relayed signatures with
/// its own code; if either constant below changes, so must the app's.
/// Kept apart from HashLedger.t.sol so that it needs nothing of the registry but code at its address.
contract HashLedgerAppVectorTest is ShareVectors {
    bytes32 internal constant APP_DIGEST = 0x1095b4b965efdc4a62d3386c1934a61e187dc2350b692638ee06e2be2ba7d05c;
    bytes internal constant APP_SIGNATURE =
        hex"dde3ed0bb0caab2c7fdc28ef0ddf12b44c89665e18ef28e0b4cf07aa6fab141618a4d0ac886b29503fbb441ee730a835e45cdfed285e6c814361dc8218761a1e1b";

    Vectors internal v;
    HashLedger internal ledger;

    function setUp() public {
        v = loadVectors();
        vm.chainId(v.chainId);
        deployCodeTo(
            "HashLedger.sol:HashLedger", abi.encode(address(new RoyaltyTwinsMock()), address(this), v.bits), v.ledger
        );
        ledger = HashLedger(v.ledger);
    }

    function test_batchDigest_appVector() public view {
        uint32[] memory nonces = new uint32[](3);
        for (uint256 i = 0; i < 3; i++) {
            nonces[i] = v.nonces[i];
        }
        HashLedger.ShareBatch memory batch = vectorBatch(v, nonces);
        assertEq(ledger.batchDigest(batch), APP_DIGEST, "digest");
        assertEq(signBatch(ledger, CONTRIBUTOR_KEY, batch), APP_SIGNATURE, "signature");
    }
}
