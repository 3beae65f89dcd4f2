// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {DemoRigs} from "../utils/DemoRigs.sol";

/// @dev Drives the registry with a few actors registering rigs from a small pool of serials, each
/// typed in one of several spellings (only one canonical), while copiers watch the mempool and try to
/// take the serials that others reveal. Twins then change hands, approvals come and go, and rigs
/// change status. Every call is steered to an outcome the handler predicts, success or the exact
/// revert (the suite fails on any other revert), and the handler mirrors the registry in ghosts: who
/// minted what, and every custody epoch each owner has seen each twin under.
contract TwinRegistryHandler is Test {
    /// @dev A commitment an actor made and has not yet revealed for good.
    struct Pending {
        address minter;
        uint8 base;
        uint8 variant;
        bytes32 salt;
        uint256 committedAt;
    }

    uint256 internal constant MAX_PENDING = 24;
    uint8 internal constant VARIANTS = 7;

    TwinRegistry public immutable registry;
    address public immutable reporter = makeAddr("reporter");
    /// @dev An approved spender that is never an owner, as a market would be.
    address public immutable market = makeAddr("market");

    address[] internal _actors;
    address[] internal _copiers;
    string[] internal _bases;
    Pending[] internal _pending;
    /// @dev Commitments copiers made while racing a reveal, to be revealed in later blocks.
    Pending[] internal _copierCommitments;

    /// @dev Canonical serials of the pool, by hash: the only serial hashes a twin may carry.
    mapping(bytes32 serialHash => bool) public ghostCanonicalSerial;
    /// @dev Hashes of every non-canonical spelling the handler can type, none of which may own a twin.
    bytes32[] internal _variantHashes;
    mapping(bytes32 serialHash => uint256 tokenId) public ghostTokenOfSerial;
    mapping(uint256 tokenId => address) public ghostMinterOf;
    mapping(uint256 tokenId => uint96) public ghostRoyaltyBpsOf;
    mapping(uint256 tokenId => bool) public ghostDecommissioned;
    uint256 public ghostMints;
    uint256 public ghostCopierAttempts;
    uint256 public ghostCopierMints;

    /// @dev Every epoch `owner` has held `tokenId` under, in the order they were observed.
    mapping(address owner => mapping(uint256 tokenId => uint64[])) internal _epochHistory;
    mapping(uint256 tokenId => address) internal _lastOwner;
    mapping(uint256 tokenId => uint64) internal _lastEpoch;
    mapping(uint256 tokenId => bool) internal _custodyTaken;
    uint256 public ghostEpochRepeats;
    uint256 public ghostEpochMissedChanges;
    uint256 public ghostEpochUnexpectedChanges;

    /// @dev Each twin's energy meter as the handler computes it from the telemetry it posted: per
    /// batch, the sum of power x min(gap, 1 h) in joules, rounded down to watt-hours.
    mapping(uint256 tokenId => uint256) public ghostEnergyWh;
    mapping(uint256 tokenId => uint64) public ghostMeteredThrough;
    mapping(uint256 tokenId => uint64) public ghostMintedAt;
    /// @dev The meter as last observed, after every call: it must never go down, nor its time back.
    mapping(uint256 tokenId => uint64) internal _lastEnergyWh;
    mapping(uint256 tokenId => uint64) internal _lastMeteredThrough;
    uint256 public ghostMeterDecreases;

    mapping(string action => uint256) public calls;

    constructor(TwinRegistry registry_, address[] memory actors_, address[] memory copiers_, string[] memory bases_) {
        registry = registry_;
        _actors = actors_;
        _copiers = copiers_;
        _bases = bases_;
        for (uint8 b = 0; b < bases_.length; ++b) {
            require(registry_.isCanonicalSerial(bases_[b]), "pool serials are canonical");
            ghostCanonicalSerial[keccak256(bytes(bases_[b]))] = true;
            for (uint8 v = 1; v < VARIANTS; ++v) {
                string memory spelling = serialOf(b, v);
                require(!registry_.isCanonicalSerial(spelling), "every other spelling is not");
                _variantHashes.push(keccak256(bytes(spelling)));
            }
        }
    }

    // ------------------------------------------------------------------------------ registering

    /// @dev An actor commits to one spelling of a pool serial; committing a value again keeps its block.
    function commit(uint256 actorSeed, uint256 baseSeed, uint256 variantSeed, bytes32 salt) external {
        if (_pending.length >= MAX_PENDING) return;
        address minter = _actor(actorSeed);
        uint8 base = uint8(bound(baseSeed, 0, _bases.length - 1));
        uint8 variant = _variant(variantSeed);
        bytes32 commitment = registry.mintCommitment(serialOf(base, variant), minter, salt);
        uint256 before = registry.commitmentBlock(commitment);

        vm.prank(minter);
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), before == 0 ? block.number : before, "commit block");
        if (before == 0) _pending.push(Pending(minter, base, variant, salt, block.number));
        _observe();
        ++calls["commit"];
    }

    /// @dev A copier sends an actor's commitment ahead of it in the same block: the actor's commit
    /// still goes through and keeps the block, so the actor reveals as early as it would have.
    function frontRunCommit(uint256 copierSeed, uint256 actorSeed, uint256 baseSeed, uint256 variantSeed, bytes32 salt)
        external
    {
        if (_pending.length >= MAX_PENDING) return;
        address minter = _actor(actorSeed);
        uint8 base = uint8(bound(baseSeed, 0, _bases.length - 1));
        uint8 variant = _variant(variantSeed);
        bytes32 commitment = registry.mintCommitment(serialOf(base, variant), minter, salt);
        if (registry.commitmentBlock(commitment) != 0) return;

        vm.prank(_copier(copierSeed));
        registry.commitMint(commitment);
        vm.prank(minter);
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), block.number, "front-run commit moved the block");
        _pending.push(Pending(minter, base, variant, salt, block.number));
        _observe();
        ++calls["frontRunCommit"];
    }

    /// @dev A copier re-sends a pending commitment in a later block, the reveal's perhaps: the
    /// commitment keeps its first block, so the reveal is not pushed back.
    function copierRecommit(uint256 copierSeed, uint256 pendingSeed) external {
        if (_pending.length == 0) return;
        Pending memory p = _pending[bound(pendingSeed, 0, _pending.length - 1)];
        bytes32 commitment = registry.mintCommitment(serialOf(p.base, p.variant), p.minter, p.salt);

        vm.prank(_copier(copierSeed));
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), p.committedAt, "re-commit moved the block");
        _observe();
        ++calls["copierRecommit"];
    }

    /// @dev An actor reveals a pending commitment. Only a canonical serial not yet taken mints, and
    /// not in the commit's own block.
    function reveal(uint256 pendingSeed, uint96 royaltyBps) external {
        if (_pending.length == 0) return;
        uint256 index = bound(pendingSeed, 0, _pending.length - 1);
        Pending memory p = _pending[index];
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        bool final_ = _revealAs(p, royaltyBps);
        if (final_) _removePending(index);
        _observe();
        ++calls["reveal"];
    }

    /// @dev A copier sees an actor's reveal pending in the mempool, serial and salt in clear, and in
    /// that same block sends the same reveal, then commits to the serial itself and reveals at once.
    /// Neither mints; the actor's reveal lands in the block as usual. Only reveals that are due (not
    /// in their commit's block) are raced: a reveal that fails for being early has leaked its serial,
    /// which no scheme can take back.
    function copierRace(uint256 copierSeed, uint256 pendingSeed, uint96 royaltyBps) external {
        if (_pending.length == 0) return;
        uint256 index = bound(pendingSeed, 0, _pending.length - 1);
        Pending memory p = _pending[index];
        if (p.committedAt >= block.number) return;
        address copier = _copier(copierSeed);
        string memory serial = serialOf(p.base, p.variant);

        // The same call from the copier: the commitment it needs binds the actor, not the copier
        // (unless the copier once committed with that very salt, which the fuzzer can type).
        _copierMint(copier, p, p.salt);

        // Committing on the spot: too early in this block.
        bytes32 salt = keccak256(abi.encode(p.salt, copier));
        bytes32 commitment = registry.mintCommitment(serial, copier, salt);
        if (registry.commitmentBlock(commitment) == 0) {
            vm.prank(copier);
            registry.commitMint(commitment);
            _copierCommitments.push(Pending(copier, p.base, p.variant, salt, block.number));
        }
        _copierMint(copier, p, salt);

        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        if (_revealAs(p, royaltyBps)) _removePending(index);
        _observe();
        ++calls["copierRace"];
    }

    /// @dev A copier comes back, in that block or a later one, with a commitment it made while racing:
    /// by then the serial is taken (or was never canonical).
    function copierRevealLater(uint256 commitmentSeed) external {
        if (_copierCommitments.length == 0) return;
        Pending memory p = _copierCommitments[bound(commitmentSeed, 0, _copierCommitments.length - 1)];
        _copierMint(p.minter, p, p.salt);
        _observe();
        ++calls["copierRevealLater"];
    }

    function roll(uint256 blocks) external {
        blocks = bound(blocks, 1, 3);
        vm.roll(block.number + blocks);
        vm.warp(block.timestamp + 12 * blocks);
        _observe();
        ++calls["roll"];
    }

    // -------------------------------------------------------------------------------- custody

    /// @dev The owner, its approved spender or an operator for all its twins moves a twin to another actor.
    function transfer(uint256 tokenSeed, uint256 toSeed, uint256 viaSeed) external {
        (bool found, uint256 id) = _token(tokenSeed);
        if (!found) return;
        address owner = registry.ownerOf(id);
        address to = _actorOtherThan(toSeed, owner);
        address caller = owner;
        uint256 via = viaSeed % 3;
        if (via == 1 && registry.getApproved(id) != address(0)) caller = registry.getApproved(id);
        if (via == 2) {
            (bool any, address operatorForAll) = _operatorForAll(owner, viaSeed);
            if (any) caller = operatorForAll;
        }

        vm.prank(caller);
        registry.transferFrom(owner, to, id);
        _custodyTaken[id] = true;
        _observe();
        ++calls["transfer"];
    }

    /// @dev The owner (or an operator for all its twins) approves a spender for one twin, replaces the
    /// approval, or revokes it. Only taking an approval away from someone starts a new custody.
    function approve(uint256 tokenSeed, uint256 spenderSeed, bool byOperatorForAll) external {
        (bool found, uint256 id) = _token(tokenSeed);
        if (!found) return;
        address owner = registry.ownerOf(id);
        address caller = owner;
        if (byOperatorForAll) {
            (bool any, address operatorForAll) = _operatorForAll(owner, spenderSeed);
            if (any) caller = operatorForAll;
        }
        // A third of the time a revocation, else the market or an actor.
        uint256 pick = (spenderSeed / 3) % (_actors.length + 1);
        address spender = spenderSeed % 3 == 0 ? address(0) : pick == _actors.length ? market : _actors[pick];
        address previous = registry.getApproved(id);

        vm.prank(caller);
        registry.approve(spender, id);
        bool taken = previous != address(0) && previous != spender;
        _custodyTaken[id] = taken;
        _observe();
        ++calls[!taken ? "approve" : spender == address(0) ? "approve(revoke)" : "approve(replace)"];
    }

    /// @dev An actor grants an operator over all its twins, or (`flip`) takes back one it granted or
    /// revokes one it never granted. Only taking back a granted one starts a new custody, for every
    /// twin the actor holds.
    function setApprovalForAll(uint256 ownerSeed, uint256 operatorSeed, bool flip) external {
        address owner = _actor(ownerSeed);
        address operatorForAll = operatorSeed % 4 != 0 ? market : _actorOtherThan(operatorSeed / 4, owner);
        bool granted = registry.isApprovedForAll(owner, operatorForAll);
        bool approved = granted != flip;
        bool revokes = granted && !approved;

        vm.prank(owner);
        registry.setApprovalForAll(operatorForAll, approved);
        if (revokes) {
            uint256 supply = registry.totalSupply();
            for (uint256 id = 1; id <= supply; ++id) {
                if (registry.ownerOf(id) == owner) _custodyTaken[id] = true;
            }
        }
        _observe();
        ++calls[revokes ? "setApprovalForAll(revoke)" : "setApprovalForAll"];
    }

    // ------------------------------------------------------------------------------------ rigs

    /// @dev The operator moves a rig to another status; a decommissioned rig stays so.
    function setStatus(uint256 tokenSeed, uint256 statusSeed) external {
        (bool found, uint256 id) = _token(tokenSeed);
        if (!found) return;
        TwinRegistry.Status current = registry.statusOf(id);
        TwinRegistry.Status next = TwinRegistry.Status(bound(statusSeed, 0, 2));
        address operator = registry.operatorOf(id);

        if (current == TwinRegistry.Status.Decommissioned) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        } else if (current == next) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.StatusUnchanged.selector, id, next));
        } else if (next == TwinRegistry.Status.Decommissioned) {
            ghostDecommissioned[id] = true;
        }
        vm.prank(operator);
        registry.setStatus(id, next);
        _observe();
        ++calls["setStatus"];
    }

    /// @dev The operator offers the rig to an actor, who accepts or not.
    function handOverRig(uint256 tokenSeed, uint256 toSeed, bool accept) external {
        (bool found, uint256 id) = _token(tokenSeed);
        if (!found) return;
        address operator = registry.operatorOf(id);
        address to = _actorOtherThan(toSeed, operator);
        vm.prank(operator);
        registry.proposeOperator(id, to);
        if (accept) {
            vm.prank(to);
            registry.acceptOperator(id);
        }
        _observe();
        ++calls[accept ? "handOverRig" : "proposeOperator"];
    }

    /// @dev The twin's reporter posts one to four samples at any power, each a second to three hours
    /// after the one before; time moves on to the newest. A decommissioned twin refuses them.
    function reportTelemetry(uint256 tokenSeed, uint256 countSeed, uint256 gapSeed, uint32 power) external {
        (bool found, uint256 id) = _token(tokenSeed);
        if (!found) return;
        uint256 count = bound(countSeed, 1, 4);
        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
        uint64 previous = registry.lastTelemetryAt(id);
        uint256 joules;
        for (uint256 i = 0; i < count; ++i) {
            uint256 gap = 1 + uint256(keccak256(abi.encode(gapSeed, i))) % 3 hours;
            previous += uint64(gap);
            uint32 drawn = uint32(uint256(keccak256(abi.encode(power, i))));
            reports[i] = TwinRegistry.TelemetryReport({
                timestamp: previous,
                hashrateGhs: 200_000,
                powerWatts: drawn,
                boardTempDeciC: 650,
                fanRpm: 5_000,
                uptimeSeconds: 3_600,
                acceptedShares: 1_000,
                rejectedShares: 1
            });
            joules += uint256(drawn) * (gap < 1 hours ? gap : 1 hours);
        }
        if (previous > block.timestamp) vm.warp(previous);

        bool decommissioned = registry.statusOf(id) == TwinRegistry.Status.Decommissioned;
        address reporterKey = registry.reporterOf(id);
        if (decommissioned) vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        vm.prank(reporterKey);
        registry.reportTelemetry(id, reports);
        if (!decommissioned) {
            ghostEnergyWh[id] += joules / 1 hours;
            ghostMeteredThrough[id] = previous;
        }
        _observe();
        ++calls[decommissioned ? "reportTelemetry(decommissioned)" : "reportTelemetry"];
    }

    // ------------------------------------------------------------------------------- ghost reads

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function copiers() external view returns (address[] memory) {
        return _copiers;
    }

    function variantHashes() external view returns (bytes32[] memory) {
        return _variantHashes;
    }

    function epochHistory(address owner, uint256 tokenId) external view returns (uint64[] memory) {
        return _epochHistory[owner][tokenId];
    }

    /// @dev Pool serial `base` as typed in spelling `variant`: 0 is canonical; the others are what a
    /// user might type instead (lower case, spaces around, a trailing newline, mixed case).
    function serialOf(uint8 base, uint8 variant) public view returns (string memory) {
        string memory canonical = _bases[base];
        if (variant == 0) return canonical;
        if (variant == 1) return _lower(canonical, type(uint256).max);
        if (variant == 2) return string.concat(" ", canonical);
        if (variant == 3) return string.concat(canonical, " ");
        if (variant == 4) return string.concat(canonical, "\n");
        if (variant == 5) return _lower(canonical, 1);
        return string.concat(" ", canonical, " ");
    }

    // ------------------------------------------------------------------------------- internals

    /// @dev Reveals `p` as its minter, expecting the exact outcome; true when the commitment is done
    /// with (minted, or it can never mint).
    function _revealAs(Pending memory p, uint96 royaltyBps) private returns (bool final_) {
        string memory serial = serialOf(p.base, p.variant);
        bytes32 serialHash = keccak256(bytes(serial));
        bytes32 commitment = registry.mintCommitment(serial, p.minter, p.salt);
        uint256 taken = ghostTokenOfSerial[serialHash];

        final_ = true;
        if (p.variant != 0) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, serial));
        } else if (p.committedAt >= block.number) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.RevealTooEarly.selector, commitment, p.committedAt));
            final_ = false;
        } else if (taken != 0) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.SerialAlreadyRegistered.selector, serialHash, taken));
        }
        vm.prank(p.minter);
        uint256 id = registry.mint(DemoRigs.s21(serial), reporter, royaltyBps, DemoRigs.terms(), p.salt);

        if (p.variant == 0 && p.committedAt < block.number && taken == 0) {
            ++ghostMints;
            assertEq(id, ghostMints, "ids count from 1");
            assertEq(registry.commitmentBlock(commitment), 0, "commitment consumed");
            ghostTokenOfSerial[serialHash] = id;
            ghostMinterOf[id] = p.minter;
            ghostRoyaltyBpsOf[id] = royaltyBps;
            ghostMintedAt[id] = uint64(block.timestamp);
            ghostMeteredThrough[id] = uint64(block.timestamp);
        }
    }

    /// @dev What the registry answers a copier revealing `p`'s serial with `salt`, in the order it
    /// checks: the serial's form, then the copier's commitment and its block, then whether the serial
    /// is taken. A copier only ever commits while the serial's reveal is in the same block, so its
    /// commitment is never both due and free: a due one meets the taken error, and should the copier
    /// mint instead, the success fails the run.
    function _copierRefusal(address copier, Pending memory p, bytes32 salt) private view returns (bytes memory) {
        string memory serial = serialOf(p.base, p.variant);
        if (p.variant != 0) return abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, serial);
        bytes32 commitment = registry.mintCommitment(serial, copier, salt);
        uint256 committedAt = registry.commitmentBlock(commitment);
        if (committedAt == 0) return abi.encodeWithSelector(TwinRegistry.MintNotCommitted.selector, commitment);
        if (committedAt >= block.number) {
            return abi.encodeWithSelector(TwinRegistry.RevealTooEarly.selector, commitment, committedAt);
        }
        bytes32 serialHash = keccak256(bytes(serial));
        return abi.encodeWithSelector(
            TwinRegistry.SerialAlreadyRegistered.selector, serialHash, ghostTokenOfSerial[serialHash]
        );
    }

    /// @dev A copier's attempt to mint `p`'s serial with `salt`. Should one ever succeed, it is recorded
    /// like any mint and counted, for the invariants to catch; a refusal must be the expected one.
    function _copierMint(address copier, Pending memory p, bytes32 salt) private {
        ++ghostCopierAttempts;
        string memory serial = serialOf(p.base, p.variant);
        bytes memory expected = _copierRefusal(copier, p, salt);
        vm.prank(copier);
        try registry.mint(DemoRigs.s21(serial), copier, 1_000, DemoRigs.terms(), salt) returns (uint256 id) {
            ++ghostCopierMints;
            ++ghostMints;
            ghostTokenOfSerial[keccak256(bytes(serial))] = id;
            ghostMinterOf[id] = copier;
            ghostRoyaltyBpsOf[id] = 1_000;
            ghostMintedAt[id] = uint64(block.timestamp);
            ghostMeteredThrough[id] = uint64(block.timestamp);
        } catch (bytes memory reason) {
            assertEq(reason, expected, "copier refused for another reason");
        }
    }

    /// @dev Records every twin's custody after an action: a change must be expected and new to its
    /// owner; no change must be expected either. Also counts any meter that went down or back.
    function _observe() private {
        uint256 supply = registry.totalSupply();
        for (uint256 id = 1; id <= supply; ++id) {
            (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
            if (energyWh < _lastEnergyWh[id] || meteredThrough < _lastMeteredThrough[id]) ++ghostMeterDecreases;
            (_lastEnergyWh[id], _lastMeteredThrough[id]) = (energyWh, meteredThrough);

            (address owner, uint64 epoch,) = registry.custodyOf(id);
            bool known = _lastOwner[id] != address(0);
            bool changed = !known || owner != _lastOwner[id] || epoch != _lastEpoch[id];
            if (known && _custodyTaken[id] && !changed) ++ghostEpochMissedChanges;
            if (known && !_custodyTaken[id] && changed) ++ghostEpochUnexpectedChanges;
            _custodyTaken[id] = false;
            if (!changed) continue;

            uint64[] storage history = _epochHistory[owner][id];
            for (uint256 i = 0; i < history.length; ++i) {
                if (history[i] == epoch) ++ghostEpochRepeats;
            }
            history.push(epoch);
            _lastOwner[id] = owner;
            _lastEpoch[id] = epoch;
        }
    }

    function _removePending(uint256 index) private {
        _pending[index] = _pending[_pending.length - 1];
        _pending.pop();
    }

    function _token(uint256 seed) private view returns (bool, uint256) {
        uint256 supply = registry.totalSupply();
        if (supply == 0) return (false, 0);
        return (true, bound(seed, 1, supply));
    }

    /// @dev Half the time the canonical spelling, else one of the others.
    function _variant(uint256 seed) private pure returns (uint8) {
        return seed % 2 == 0 ? 0 : uint8(1 + (seed / 2) % (VARIANTS - 1));
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _copier(uint256 seed) private view returns (address) {
        return _copiers[seed % _copiers.length];
    }

    function _actorOtherThan(uint256 seed, address other) private view returns (address actor) {
        actor = _actor(seed);
        if (actor == other) actor = _actors[(seed % _actors.length + 1) % _actors.length];
    }

    /// @dev Someone `owner` approved for all its twins, searched from `seed`, if anyone.
    function _operatorForAll(address owner, uint256 seed) private view returns (bool, address) {
        uint256 candidates = _actors.length + 1;
        for (uint256 i = 0; i < candidates; ++i) {
            uint256 pick = (seed % candidates + i) % candidates;
            address candidate = pick == _actors.length ? market : _actors[pick];
            if (registry.isApprovedForAll(owner, candidate)) return (true, candidate);
        }
        return (false, address(0));
    }

    /// @dev Lower-cases the first `count` letters of `text`.
    function _lower(string memory text, uint256 count) private pure returns (string memory) {
        bytes memory raw = bytes(string.concat(text));
        uint256 done;
        for (uint256 i = 0; i < raw.length && done < count; ++i) {
            if (raw[i] >= "A" && raw[i] <= "Z") {
                raw[i] = bytes1(uint8(raw[i]) + 32);
                ++done;
            }
        }
        return string(raw);
    }
}
