// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Test.sol";
import {HashLedger} from "../../src/HashLedger.sol";
import {ShareVectors} from "../utils/ShareVectors.sol";

/// @dev Drives HashLedger with the real share vectors (test/vectors/shares.json): the vectors' contributor
/// broadcasts random subsets of its shares, sent by itself or signed for relayers, while front-runners
/// copy nonces out of the pending batch and race it, directly or by relaying copies, subsets and
/// supersets under the contributor's signature, or under signatures of their own.
///
/// Every call goes through {_attempt}, which predicts its outcome from a model of the ledger written
/// apart from it (who may send what, which signature covers which batch, whether the job seed is used,
/// the time window) and asserts that the ledger agrees, error for error; the invariant suite runs with
/// fail-on-revert, so a disagreement fails the run. What the ledger credited is mirrored in ghost
/// variables for the invariants.
///
/// The vectors are one contributor's shares for one twin on one job seed, and a seed is accepted once
/// per contributor: each run credits at most one batch, and the variety lies in which subset, by which
/// path, after which attempts. (examples/share_vectors.rs fixes its job, so running it again writes the
/// same file.)
contract HashLedgerHandler is ShareVectors {
    uint256 internal constant FULL = type(uint64).max;

    HashLedger public immutable ledger;
    uint256 public immutable workPerShare;
    Vectors internal _v;

    address[] internal _relayers;
    address[] internal _frontRunners;
    uint256[] internal _frontRunnerKeys;

    /// @dev The contributor's batch that is in the mempool: a mempool of one.
    bool public hasPending;
    bool internal _pendingRelayed;
    uint256 internal _pendingMask;
    bytes internal _pendingSignature;

    /// @dev Batches the contributor sent or signed, by the hash of their nonces (the rest of the header
    /// is the vectors' own).
    mapping(bytes32 noncesHash => bool) internal _authorised;

    uint256 public ghostShares;
    uint256 public ghostWork;
    bool public ghostSeedUsed;
    uint256 public ghostMostCreditsOfOneShare;
    uint256 public ghostUnauthorisedCredits;
    uint256 public ghostMisdirectedCredits;
    mapping(bytes32 share => uint256) public ghostCreditsOf;
    bytes32[] internal _creditedShares;
    mapping(string action => uint256) public calls;

    constructor(
        HashLedger ledger_,
        Vectors memory vectors,
        address[] memory relayers_,
        address[] memory frontRunners_,
        uint256[] memory frontRunnerKeys_
    ) {
        ledger = ledger_;
        workPerShare = ledger_.workPerShare(vectors.bits);
        _v = vectors;
        _relayers = relayers_;
        _frontRunners = frontRunners_;
        _frontRunnerKeys = frontRunnerKeys_;
    }

    // ----------------------------------------------------------------------------------- actions

    /// @notice The contributor puts a batch of some of its shares in the mempool: a transaction of its
    /// own, or a signed batch for a relayer. It replaces any batch still pending.
    function broadcast(uint256 maskSeed, bool relayed) external {
        uint256 mask = _mask(maskSeed);
        HashLedger.ShareBatch memory batch = _batch(mask);
        _authorised[keccak256(abi.encodePacked(batch.nonces))] = true;
        hasPending = true;
        _pendingRelayed = relayed;
        _pendingMask = mask;
        _pendingSignature = relayed
            ? signDigest(CONTRIBUTOR_KEY, referenceBatchDigest(block.chainid, address(ledger), batch))
            : bytes("");
        ++calls["broadcast"];
    }

    /// @notice The pending batch lands: sent by the contributor, or by a relayer with its signature.
    function land(uint256 relayerSeed) external {
        if (!hasPending) return;
        hasPending = false;
        if (_pendingRelayed) {
            _attempt(_relayers[relayerSeed % _relayers.length], _pendingMask, true, _pendingSignature, true);
        } else {
            _attempt(_v.contributor, _pendingMask, false, "", false);
        }
        ++calls["land"];
    }

    /// @notice A front-runner copies some nonces of the pending batch (of all the vectors when none is
    /// pending) and sends them as its own transaction.
    function frontRunCopy(uint256 actorSeed, uint256 maskSeed) external {
        uint256 mask = _copiedMask(maskSeed);
        _attempt(_frontRunner(actorSeed), mask, false, "", false);
        ++calls["frontRunCopy"];
    }

    /// @notice A front-runner relays a variant of the pending signed batch under its signature: some of
    /// its nonces, plus perhaps other vector nonces. Only the exact batch passes, for the contributor.
    function frontRunRelayVariant(uint256 actorSeed, uint256 keepSeed, uint256 addSeed) external {
        if (!hasPending || !_pendingRelayed) return;
        uint256 mask = (_pendingMask & keepSeed) | (addSeed & FULL & ~_pendingMask);
        if (mask == 0) mask = _pendingMask;
        _attempt(_frontRunner(actorSeed), mask, true, _pendingSignature, mask == _pendingMask);
        ++calls[mask == _pendingMask ? "frontRunRelayExactCopy" : "frontRunRelayVariant"];
    }

    /// @notice A front-runner relays the pending signed batch exactly as signed, ahead of its relayer.
    function frontRunRelayExactCopy(uint256 actorSeed) external {
        if (!hasPending || !_pendingRelayed) return;
        _attempt(_frontRunner(actorSeed), _pendingMask, true, _pendingSignature, true);
        ++calls["frontRunRelayExactCopy"];
    }

    /// @notice A front-runner relays copied nonces under a signature of its own key.
    function frontRunForgedSignature(uint256 actorSeed, uint256 maskSeed) external {
        uint256 index = actorSeed % _frontRunners.length;
        uint256 mask = _copiedMask(maskSeed);
        bytes memory forged =
            signDigest(_frontRunnerKeys[index], referenceBatchDigest(block.chainid, address(ledger), _batch(mask)));
        _attempt(_frontRunners[index], mask, true, forged, false);
        ++calls["frontRunForgedSignature"];
    }

    /// @notice Time passes (or is rewound), mostly within the shares' time window, sometimes beyond it.
    function warp(uint256 offset) external {
        uint256 drift = ledger.MAX_TIME_DRIFT();
        vm.warp(uint256(_v.time) - drift - 10 minutes + bound(offset, 0, 2 * drift + 20 minutes));
        ++calls["warp"];
    }

    // ---------------------------------------------------------------------------------- the model

    /// @dev Sends the vector shares that `mask` selects, as `sender`, directly or relayed with
    /// `signature`; `signatureValid` says whether the model holds that signature to be the contributor's
    /// over exactly this batch. Asserts the ledger's outcome is the model's, and mirrors any credit.
    function _attempt(address sender, uint256 mask, bool relayed, bytes memory signature, bool signatureValid)
        internal
    {
        HashLedger.ShareBatch memory batch = _batch(mask);
        bytes memory expected = _expectedError(sender, relayed, signatureValid);

        vm.recordLogs();
        vm.prank(sender);
        (bool ok, bytes memory returned) = relayed
            ? address(ledger).call(abi.encodeCall(HashLedger.submitSharesFor, (batch, signature)))
            : address(ledger).call(abi.encodeCall(HashLedger.submitShares, (batch)));
        Vm.Log[] memory logs = vm.getRecordedLogs();

        if (!ok) {
            assertEq(returned, expected, "the ledger refused what the model accepts, or for another reason");
            assertEq(logs.length, 0);
            return;
        }
        assertEq(expected, bytes(""), "the ledger credited a batch the model refuses");
        uint256 work = abi.decode(returned, (uint256));
        bytes32 noncesHash = keccak256(abi.encodePacked(batch.nonces));
        if (!_authorised[noncesHash]) ++ghostUnauthorisedCredits;

        ghostSeedUsed = true;
        ghostShares += batch.nonces.length;
        ghostWork += batch.nonces.length * workPerShare;
        assertEq(work, batch.nonces.length * workPerShare, "work returned");
        for (uint256 i = 0; i < batch.nonces.length; i++) {
            bytes32 share = keccak256(abi.encode(batch.jobSeed, batch.nonces[i], batch.contributor));
            uint256 credits = ++ghostCreditsOf[share];
            if (credits == 1) _creditedShares.push(share);
            if (credits > ghostMostCreditsOfOneShare) ghostMostCreditsOfOneShare = credits;
        }
        _checkCreditLogs(logs, batch, work);
    }

    /// @dev The refusal the ledger must give, in the order it checks (the batch is never empty nor
    /// over `MAX_BATCH`, and its bits are the minimum), or nothing for a credit.
    function _expectedError(address sender, bool relayed, bool signatureValid) internal view returns (bytes memory) {
        if (!relayed && sender != _v.contributor) {
            return abi.encodeWithSelector(HashLedger.NotContributor.selector, sender, _v.contributor);
        }
        if (relayed && !signatureValid) {
            return abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, _v.contributor);
        }
        uint256 drift = ledger.MAX_TIME_DRIFT();
        if (uint256(_v.time) + drift < block.timestamp || uint256(_v.time) > block.timestamp + drift) {
            return abi.encodeWithSelector(HashLedger.TimeOutOfRange.selector, _v.time, block.timestamp);
        }
        if (ghostSeedUsed) return abi.encodeWithSelector(HashLedger.JobSeedUsed.selector, _v.contributor, _v.jobSeed);
        return "";
    }

    /// @dev A credit emits one WorkCredited, to the committed contributor, on the vectors' twin and seed.
    function _checkCreditLogs(Vm.Log[] memory logs, HashLedger.ShareBatch memory batch, uint256 work) internal {
        bytes32 topic = keccak256("WorkCredited(uint256,address,bytes32,uint256,uint256)");
        uint256 seen;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(ledger) || logs[i].topics[0] != topic) continue;
            ++seen;
            (bytes32 seed, uint256 shares, uint256 credited) = abi.decode(logs[i].data, (bytes32, uint256, uint256));
            if (
                address(uint160(uint256(logs[i].topics[2]))) != _v.contributor
                    || uint256(logs[i].topics[1]) != _v.tokenId || seed != _v.jobSeed || shares != batch.nonces.length
                    || credited != work
            ) ++ghostMisdirectedCredits;
        }
        assertEq(seen, 1, "one WorkCredited per credited batch");
    }

    // -------------------------------------------------------------------------------------- helpers

    /// @dev A non-empty subset of the 64 vector shares; one time in four, all of them.
    function _mask(uint256 seed) internal pure returns (uint256) {
        if (seed % 4 == 0) return FULL;
        return bound(seed >> 2, 1, FULL);
    }

    /// @dev Some nonces of the pending batch, or of all the vectors when none is pending.
    function _copiedMask(uint256 seed) internal view returns (uint256 mask) {
        uint256 from = hasPending ? _pendingMask : FULL;
        mask = from & seed;
        if (mask == 0) mask = from & (~from + 1); // its lowest share
    }

    function _batch(uint256 mask) internal view returns (HashLedger.ShareBatch memory) {
        return HashLedger.ShareBatch({
            tokenId: _v.tokenId,
            contributor: _v.contributor,
            jobSeed: _v.jobSeed,
            version: _v.version,
            time: _v.time,
            bits: _v.bits,
            nonces: subsetOf(_v.nonces, mask)
        });
    }

    function _frontRunner(uint256 seed) internal view returns (address) {
        return _frontRunners[seed % _frontRunners.length];
    }

    // ------------------------------------------------------------------------------ for invariants

    function creditedShareCount() external view returns (uint256) {
        return _creditedShares.length;
    }

    /// @dev Everyone but the contributor who sends transactions here.
    function thirdParties() external view returns (address[] memory parties) {
        parties = new address[](_relayers.length + _frontRunners.length);
        for (uint256 i = 0; i < _relayers.length; i++) {
            parties[i] = _relayers[i];
        }
        for (uint256 i = 0; i < _frontRunners.length; i++) {
            parties[_relayers.length + i] = _frontRunners[i];
        }
    }
}
