// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {HashLedger} from "../../src/HashLedger.sol";

/// @dev Real shares from test/vectors/shares.json, written by the Rust miner (examples/share_vectors.rs),
/// so that tests check the ledger against the real share format rather than against itself. Only the
/// file's documented keys are used; every tampered variant is derived from them.
abstract contract ShareVectors is Test {
    using SafeCast for uint256;

    struct Vectors {
        uint256 chainId;
        address ledger;
        uint256 tokenId;
        address contributor;
        bytes32 jobSeed;
        uint32 version;
        uint32 time;
        uint32 bits;
        uint32[] nonces;
        uint32[] invalidNonces;
    }

    /// @dev The vectors commit to anvil's dev account 2 (examples/share_vectors.rs), whose key is
    /// public (scripts/lib/localchain.mjs lists it too): tests can sign batches as the contributor.
    uint256 internal constant CONTRIBUTOR_KEY = 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a;

    function loadVectors() internal view returns (Vectors memory vectors) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/shares.json"));
        vectors.chainId = vm.parseJsonUint(json, ".chainId");
        vectors.ledger = vm.parseJsonAddress(json, ".ledger");
        vectors.tokenId = vm.parseJsonUint(json, ".tokenId");
        vectors.contributor = vm.parseJsonAddress(json, ".contributor");
        vectors.jobSeed = vm.parseJsonBytes32(json, ".jobSeed");
        vectors.version = vm.parseJsonUint(json, ".version").toUint32();
        vectors.time = vm.parseJsonUint(json, ".time").toUint32();
        vectors.bits = vm.parseJsonUint(json, ".bits").toUint32();
        vectors.nonces = toUint32s(vm.parseJsonUintArray(json, ".nonces"));
        vectors.invalidNonces = toUint32s(vm.parseJsonUintArray(json, ".invalidNonces"));
        require(vectors.nonces.length >= 64, "vectors: need 64 valid nonces");
        require(vectors.invalidNonces.length >= 1, "vectors: need invalid nonces");
        require(vm.addr(CONTRIBUTOR_KEY) == vectors.contributor, "vectors: contributor is not anvil's account 2");
    }

    function toUint32s(uint256[] memory values) internal pure returns (uint32[] memory out) {
        out = new uint32[](values.length);
        for (uint256 i = 0; i < values.length; i++) {
            out[i] = values[i].toUint32();
        }
    }

    /// @dev `nonces` on the vectors' header.
    function vectorBatch(Vectors memory vectors, uint32[] memory nonces)
        internal
        pure
        returns (HashLedger.ShareBatch memory)
    {
        return HashLedger.ShareBatch({
            tokenId: vectors.tokenId,
            contributor: vectors.contributor,
            jobSeed: vectors.jobSeed,
            version: vectors.version,
            time: vectors.time,
            bits: vectors.bits,
            nonces: nonces
        });
    }

    /// @dev The elements of `nonces` whose bit is set in `mask` (bit i selects element i), in order, so
    /// a subset of increasing nonces is increasing too.
    function subsetOf(uint32[] memory nonces, uint256 mask) internal pure returns (uint32[] memory subset) {
        uint256 count;
        for (uint256 i = 0; i < nonces.length && i < 256; i++) {
            if (mask >> i & 1 == 1) count++;
        }
        subset = new uint32[](count);
        count = 0;
        for (uint256 i = 0; i < nonces.length && i < 256; i++) {
            if (mask >> i & 1 == 1) subset[count++] = nonces[i];
        }
    }

    /// @dev EIP-712 written out apart from the ledger: the digest a wallet signs for `batch` with
    /// eth_signTypedData_v4 on the domain ("HashLedger", "1", `chainId`, `ledgerAddress`).
    function referenceBatchDigest(uint256 chainId, address ledgerAddress, HashLedger.ShareBatch memory batch)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("HashLedger"),
                keccak256("1"),
                chainId,
                ledgerAddress
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "ShareBatch(uint256 tokenId,address contributor,bytes32 jobSeed,uint32 version,uint32 time,uint32 bits,uint32[] nonces)"
                ),
                batch.tokenId,
                batch.contributor,
                batch.jobSeed,
                batch.version,
                batch.time,
                batch.bits,
                // abi.encodePacked pads array elements to words: the EIP-712 encoding of uint32[].
                keccak256(abi.encodePacked(batch.nonces))
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @dev `key`'s 65-byte (r, s, v) signature over `digest`.
    function signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 recovery, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, recovery);
    }

    /// @dev `key`'s 65-byte (r, s, v) signature over the digest `ledger` checks for `batch`.
    function signBatch(HashLedger ledger, uint256 key, HashLedger.ShareBatch memory batch)
        internal
        view
        returns (bytes memory)
    {
        return signDigest(key, ledger.batchDigest(batch));
    }
}
