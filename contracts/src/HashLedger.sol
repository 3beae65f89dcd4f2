// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title HashLedger
/// @notice Credits twins with proof of work that browser visitors donate. A share is an 80-byte
/// header in Bitcoin's layout whose double SHA-256, read little-endian, is at or below the target
/// that its `bits` encode; the header commits to this chain, this ledger, the twin and the
/// contributor, so a share cannot be replayed anywhere else or credited to anyone else.
/// A batch reaches the ledger in one of two ways, both authorised by its contributor: the contributor
/// sends it ({submitShares}), or anyone relays it with the contributor's EIP-712 signature over the
/// whole batch ({submitSharesFor}). A third party who copies shares out of a pending batch can
/// therefore neither submit them nor, by using up the job seed first, void the rest of the batch.
/// @dev Header layout (all uint32 little-endian, as Bitcoin):
/// `version | commitment | jobSeed | time | bits | nonce` = 4 + 32 + 32 + 4 + 4 + 4 = 80 bytes, where
/// `commitment = keccak256(abi.encode(block.chainid, address(this), tokenId, contributor))`.
/// The miner that produces shares depends on this layout byte for byte.
contract HashLedger is Ownable2Step, EIP712 {
    using SafeCast for uint256;

    /// @notice A batch of shares found by one contributor for one twin on one job.
    /// @dev Every share of a batch has the same header except its nonce; `nonces` must be strictly
    /// increasing, which is what makes a batch free of duplicate shares without storing nonces.
    struct ShareBatch {
        uint256 tokenId;
        address contributor;
        bytes32 jobSeed;
        uint32 version;
        uint32 time;
        uint32 bits;
        uint32[] nonces;
    }

    /// @dev Work and shares of a twin share one slot so that crediting a twin costs one write. uint192
    /// holds about 6e57 hashes, some 1e29 times Bitcoin's cumulative work.
    struct TwinTally {
        uint192 work;
        uint64 shares;
    }

    /// @notice The most shares one batch may carry, which bounds the gas of a submission.
    uint256 public constant MAX_BATCH = 256;

    /// @notice How far a share's `time` may be from the block's, either way. Job seeds, not time,
    /// stop replays; time only has to be recent so that old work cannot be hoarded and cashed later.
    uint256 public constant MAX_TIME_DRIFT = 2 hours;

    /// @notice The EIP-712 type of a signed {ShareBatch}; `nonces` is hashed as EIP-712 hashes arrays,
    /// the keccak256 of its elements as 32-byte words, one after another.
    bytes32 public constant SHARE_BATCH_TYPEHASH = keccak256(
        "ShareBatch(uint256 tokenId,address contributor,bytes32 jobSeed,uint32 version,uint32 time,uint32 bits,uint32[] nonces)"
    );

    /// @notice The twins this ledger credits.
    IERC721 public immutable twins;

    /// @notice The easiest `bits` a share may have, in Bitcoin's compact encoding.
    uint32 public minBits;

    mapping(uint256 tokenId => TwinTally) private _twinTally;
    mapping(address contributor => uint256) private _workBy;
    // Work per (twin, contributor) is not stored: the top-contributor lists are built from
    // WorkCredited events, and a third fresh slot per batch would cost 22k gas.
    mapping(address contributor => mapping(bytes32 jobSeed => bool)) private _jobSeedUsed;

    /// @notice `contributor` was credited with `shares` shares, found on job `jobSeed`, worth `work`
    /// expected hashes on twin `tokenId`.
    event WorkCredited(
        uint256 indexed tokenId, address indexed contributor, bytes32 jobSeed, uint256 shares, uint256 work
    );

    /// @notice The owner changed the easiest difficulty a share may have.
    event MinBitsChanged(uint32 previousBits, uint32 newBits);

    /// @notice `twins` has no code, so no twin could ever be credited.
    error TwinsNotAContract(address twins);

    /// @notice `bits` has the sign bit set, or encodes a zero target or one beyond 256 bits.
    error InvalidBits(uint32 bits);

    /// @notice `bits` encodes an easier target than the ledger's minimum.
    error BitsTooEasy(uint32 bits, uint32 minBits);

    /// @notice No twin `tokenId` exists (never minted, or burnt).
    error UnknownTwin(uint256 tokenId);

    /// @notice `caller` sent a batch of `contributor`'s shares: only the contributor may send its own
    /// batch; anyone else must relay it with the contributor's signature ({submitSharesFor}).
    error NotContributor(address caller, address contributor);

    /// @notice The signature is not `contributor`'s over this exact batch (see {batchDigest}).
    error InvalidBatchSignature(address contributor);

    /// @notice A batch carries `size` shares, outside 1 to `maxBatch`.
    error BatchSizeOutOfRange(uint256 size, uint256 maxBatch);

    /// @notice The nonce at `index` is not greater than the one before it.
    error NoncesNotIncreasing(uint256 index);

    /// @notice The share time `time` is more than `MAX_TIME_DRIFT` away from the block time `blockTime`.
    error TimeOutOfRange(uint32 time, uint256 blockTime);

    /// @notice `contributor` already submitted a batch on `jobSeed`.
    error JobSeedUsed(address contributor, bytes32 jobSeed);

    /// @notice The share at `index` hashes to `digest` (read little-endian), above the batch's target.
    error ShareAboveTarget(uint256 index, uint256 digest);

    /// @param twins_ The twin registry (ERC-721) whose tokens receive work.
    /// @param initialOwner The account allowed to change `minBits`. Ownership moves in two steps
    /// (Ownable2Step): the next owner must accept it, so a mistyped address cannot take it.
    /// @param initialMinBits The easiest `bits` a share may have; must be valid.
    constructor(IERC721 twins_, address initialOwner, uint32 initialMinBits)
        Ownable(initialOwner)
        EIP712("HashLedger", "1")
    {
        // A registry without code would make every `ownerOf` fail to decode instead of naming the twin.
        if (address(twins_).code.length == 0) revert TwinsNotAContract(address(twins_));
        targetOf(initialMinBits);
        twins = twins_;
        minBits = initialMinBits;
        emit MinBitsChanged(0, initialMinBits);
    }

    /// @notice Verifies a batch of the sender's own shares and credits their work to the sender on twin
    /// `batch.tokenId`. Only `batch.contributor` may send it: a copy of some of its nonces, sent by
    /// anyone else, is refused, so it cannot use up the job seed and void the rest of the batch.
    /// @dev Each contributor may use a job seed once, so a batch cannot be submitted twice; a batch is
    /// all or nothing, so a single bad share rejects it.
    /// @param batch The shares, all on one header but for the nonce; `batch.contributor` must be the sender.
    /// @return work The work credited: the number of shares times `workPerShare(batch.bits)`.
    function submitShares(ShareBatch calldata batch) external returns (uint256 work) {
        if (msg.sender != batch.contributor) revert NotContributor(msg.sender, batch.contributor);
        return _credit(batch);
    }

    /// @notice Verifies a batch that `batch.contributor` signed and credits its work to the contributor
    /// on twin `batch.tokenId`, whoever sends it: a relayer can pay the gas for a contributor.
    /// @dev The signature is EIP-712 over every field and every nonce of the batch (see {batchDigest}),
    /// checked with ECDSA for an account without code and with ERC-1271 for a contract wallet. A
    /// front-runner who copies a relayed batch therefore cannot submit a subset, a superset or any
    /// other variant of it; submitting the exact signed batch first only credits the contributor in
    /// full, as the relayer would have. The signature needs no nonce or deadline of its own: the job
    /// seed is accepted once per contributor and the share time ages out after `MAX_TIME_DRIFT`.
    /// @param batch The shares, all on one header but for the nonce.
    /// @param signature The contributor's signature over `batchDigest(batch)`: 65 bytes (r, s, v) from
    /// an account, or whatever the contract wallet at `batch.contributor` accepts.
    /// @return work The work credited: the number of shares times `workPerShare(batch.bits)`.
    function submitSharesFor(ShareBatch calldata batch, bytes calldata signature) external returns (uint256 work) {
        // A view (staticcall) into a contract wallet cannot re-enter to change state before the effects.
        if (!SignatureChecker.isValidSignatureNowCalldata(batch.contributor, _batchDigest(batch), signature)) {
            revert InvalidBatchSignature(batch.contributor);
        }
        return _credit(batch);
    }

    /// @notice The EIP-712 digest a contributor signs to let anyone relay `batch` ({submitSharesFor}).
    /// @param batch The batch to sign, exactly as it will be submitted.
    /// @return The typed-data hash of `batch` under this ledger's domain ("HashLedger", "1", this chain,
    /// this contract).
    function batchDigest(ShareBatch calldata batch) external view returns (bytes32) {
        return _batchDigest(batch);
    }

    /// @dev Verifies `batch`, whose contributor has authorised it, and credits it. The contributor is
    /// never the zero address: no transaction comes from it, ECDSA never recovers it and it has no code.
    function _credit(ShareBatch calldata batch) private returns (uint256 work) {
        address contributor = batch.contributor;
        uint256 tokenId = batch.tokenId;
        uint32[] calldata nonces = batch.nonces;
        uint256 count = nonces.length;

        if (count == 0 || count > MAX_BATCH) revert BatchSizeOutOfRange(count, MAX_BATCH);
        // Validators can skew block.timestamp by seconds; the window is hours, so that cannot matter.
        // slither-disable-next-line timestamp
        if (batch.time + MAX_TIME_DRIFT < block.timestamp || batch.time > block.timestamp + MAX_TIME_DRIFT) {
            revert TimeOutOfRange(batch.time, block.timestamp);
        }
        uint32 bits = batch.bits;
        uint256 target = targetOf(bits);
        uint32 floorBits = minBits;
        // Most batches are mined at the minimum itself, which needs no second decoding.
        if (bits != floorBits && target > targetOf(floorBits)) revert BitsTooEasy(bits, floorBits);
        if (_jobSeedUsed[contributor][batch.jobSeed]) revert JobSeedUsed(contributor, batch.jobSeed);
        // A view call cannot re-enter to change state, so checking existence before effects is safe.
        // Only whether ownerOf reverts matters (it does for unknown ids), not who the owner is.
        // slither-disable-next-line unused-return
        try twins.ownerOf(tokenId) returns (address) {}
        catch {
            revert UnknownTwin(tokenId);
        }

        bytes memory header = abi.encodePacked(
            _le32(batch.version),
            _commitment(tokenId, contributor),
            batch.jobSeed,
            _le32(batch.time),
            _le32(bits),
            bytes4(0)
        );
        {
            // Scoped: the function is near the stack limit.
            (uint256 topShift, uint256 twiceMantissa) = _targetParts(bits, target);
            _verifyShares(header, nonces, topShift, twiceMantissa);
        }

        work = _workPerShare(target) * count;
        _jobSeedUsed[contributor][batch.jobSeed] = true;
        TwinTally memory tally = _twinTally[tokenId];
        _twinTally[tokenId] = TwinTally({
            work: (uint256(tally.work) + work).toUint192(), shares: (uint256(tally.shares) + count).toUint64()
        });
        _workBy[contributor] += work;
        emit WorkCredited(tokenId, contributor, batch.jobSeed, count, work);
    }

    /// @notice Lets the owner change the easiest `bits` a share may have. Batches already mined at an
    /// easier difficulty than the new minimum will be rejected.
    /// @param bits The new minimum, in compact encoding; must be valid.
    function setMinBits(uint32 bits) external onlyOwner {
        targetOf(bits);
        uint32 previous = minBits;
        minBits = bits;
        emit MinBitsChanged(previous, bits);
    }

    /// @notice What a contributor's miner must put in the header to earn work for twin `tokenId`.
    /// @param tokenId The twin to credit.
    /// @param contributor The account to credit.
    /// @return The 32 header bytes after the version.
    function commitment(uint256 tokenId, address contributor) external view returns (bytes32) {
        return _commitment(tokenId, contributor);
    }

    /// @notice Decodes Bitcoin's compact difficulty encoding.
    /// @param bits `exponent << 24 | mantissa`, the mantissa's top bit being a sign bit that must be clear.
    /// @return target The largest digest, read little-endian, that meets `bits`.
    // The compact encoding is defined in bytes and bits; the masks read best written out in full.
    // slither-disable-next-line too-many-digits
    function targetOf(uint32 bits) public pure returns (uint256 target) {
        if (bits & 0x00800000 != 0) revert InvalidBits(bits);
        uint256 exponent = bits >> 24;
        uint256 mantissa = bits & 0x007fffff;
        if (exponent <= 3) {
            target = mantissa >> (8 * (3 - exponent));
        } else {
            uint256 shift = 8 * (exponent - 3);
            target = mantissa << shift;
            // Shifts drop bits silently (and give 0 from 256 on), so a lossy shift is how overflow shows.
            if (target >> shift != mantissa) revert InvalidBits(bits);
        }
        if (target == 0) revert InvalidBits(bits);
    }

    /// @notice The expected number of hashes behind one share at `bits`: 2^256 / (target + 1).
    /// @param bits A valid compact target.
    /// @return The work one share is credited with.
    function workPerShare(uint32 bits) public pure returns (uint256) {
        return _workPerShare(targetOf(bits));
    }

    /// @notice The total work credited to twin `tokenId`.
    /// @param tokenId The twin.
    /// @return The sum of the work of all its shares.
    function workOf(uint256 tokenId) external view returns (uint256) {
        return _twinTally[tokenId].work;
    }

    /// @notice The total work `contributor` has donated, over all twins.
    /// @param contributor The account credited.
    /// @return The sum of the work of all its shares.
    function workBy(address contributor) external view returns (uint256) {
        return _workBy[contributor];
    }

    /// @notice How many shares twin `tokenId` has been credited with.
    /// @param tokenId The twin.
    /// @return The number of accepted shares.
    function sharesOf(uint256 tokenId) external view returns (uint256) {
        return _twinTally[tokenId].shares;
    }

    /// @notice Whether `contributor` has already submitted a batch on `jobSeed`.
    /// @param contributor The account credited.
    /// @param jobSeed The job seed of the header.
    /// @return True once a batch on that seed was accepted.
    function jobSeedUsed(address contributor, bytes32 jobSeed) external view returns (bool) {
        return _jobSeedUsed[contributor][jobSeed];
    }

    /// @dev The EIP-712 hash of `batch`. The nonces' words are hashed as they are in calldata: a word
    /// with dirty upper bits hashes unlike the nonce it would be cleaned to, and is refused anyway by
    /// {_verifyShares}.
    function _batchDigest(ShareBatch calldata batch) private view returns (bytes32) {
        uint32[] calldata nonces = batch.nonces;
        bytes32 noncesHash;
        // Copies the array's words to free memory, without claiming it, to hash them.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let data := mload(0x40)
            let size := shl(5, nonces.length)
            calldatacopy(data, nonces.offset, size)
            noncesHash := keccak256(data, size)
        }
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    SHARE_BATCH_TYPEHASH,
                    batch.tokenId,
                    batch.contributor,
                    batch.jobSeed,
                    batch.version,
                    batch.time,
                    batch.bits,
                    noncesHash
                )
            )
        );
    }

    /// @dev `target` must be a decoded, hence non-zero, target.
    function _workPerShare(uint256 target) private pure returns (uint256) {
        // 2^256 does not fit in a word; (2^256 - t - 1) / (t + 1) + 1 equals 2^256 / (t + 1).
        return (~target / (target + 1)) + 1;
    }

    function _commitment(uint256 tokenId, address contributor) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), tokenId, contributor));
    }

    /// @dev Splits `target` for comparing digests as they are loaded. Bitcoin reads a digest
    /// little-endian, but reversing its 32 bytes for every share costs more than the comparison needs. Write the target as `M * 256^(E-3)` with `E` in [3, 32] and `M < 2^24`
    /// (below). Read little-endian, the digest is `H * 256^E + top * 256^(E-3) + R`, where `H` is its
    /// bytes `E..31`, `top` its bytes `E-3..E-1` and `R < 256^(E-3)` its bytes `0..E-4`. As the target
    /// is below `256^E`, the share meets it exactly when `H == 0` and either `top < M`, or `top == M`
    /// and `R == 0`; that is `H == 0 && 2 * top + (R != 0 ? 1 : 0) <= 2 * M`. This needs three bytes
    /// reversed, not 32; the whole digest is reversed only for the error of a share that fails.
    /// @return topShift `8 * (32 - E)`: digest bytes `E..31`, which must all be zero, are the low
    /// `topShift` bits of the digest word as loaded; the three bytes of `top` lie right above them,
    /// and the bytes of `R` above those.
    /// @return twiceMantissa `2 * M`.
    function _targetParts(uint32 bits, uint256 target) private pure returns (uint256 topShift, uint256 twiceMantissa) {
        // `E` is the exponent of `bits` brought into [3, 32]. Below 3, the target is under 2^24 and is
        // its own `M`. Above 32 the target still fits in a word (targetOf checked that), so its top
        // mantissa bytes are zero and shifting them down to exponent 32 leaves `M` below 2^24.
        uint256 exponent = bits >> 24;
        if (exponent < 3) exponent = 3;
        else if (exponent > 32) exponent = 32;
        topShift = 8 * (32 - exponent);
        twiceMantissa = (target >> (8 * (exponent - 3))) << 1;
    }

    /// @dev Checks that `nonces` are strictly increasing uint32s and that each completes `header`
    /// (whose last 4 bytes are zero) into a share at or below the target that `topShift` and
    /// `twiceMantissa` describe (see {_targetParts}). Reverts otherwise.
    // The share loop is the hot path of every submission: assembly keeps it to one header buffer and
    // two precompile calls per share; its byte masks are written out in full on purpose.
    // slither-disable-next-line assembly,too-many-digits
    function _verifyShares(bytes memory header, uint32[] calldata nonces, uint256 topShift, uint256 twiceMantissa)
        private
        view
    {
        // The loop only reports what failed; the custom errors are raised in Solidity below.
        uint256 failure; // 0: none, 1: nonce out of order, 2: share above target, 3: nonce beyond uint32
        uint256 index;
        uint256 digest;
        assembly ("memory-safe") {
            // Reverses the 32 bytes of a word, by swapping ever larger halves; the masks are clearest
            // written out in full.
            // slither-disable-next-line assembly,too-many-digits
            function reverseBytes(d) -> r {
                r := or(
                    shr(8, and(d, 0xff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00)),
                    shl(8, and(d, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff))
                )
                r := or(
                    shr(16, and(r, 0xffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000)),
                    shl(16, and(r, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff))
                )
                r := or(
                    shr(32, and(r, 0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff00000000)),
                    shl(32, and(r, 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff))
                )
                r := or(
                    shr(64, and(r, 0xffffffffffffffff0000000000000000ffffffffffffffff0000000000000000)),
                    shl(64, and(r, 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff))
                )
                r := or(shr(128, r), shl(128, r))
            }

            // Digest bytes E..31 are the low `topShift` bits; shifting them to the top keeps only them.
            let highShift := sub(256, topShift)
            // Only the nonce differs between shares, and it is the header's last 4 bytes: keep the
            // word that ends the header (data bytes 48..80) and rewrite it whole with the nonce in it.
            let data := add(header, 0x20)
            let tail := mload(add(data, 48))
            let end := add(nonces.offset, shl(5, nonces.length))
            // Strictly increasing uint32s means each nonce lies in [floor, 2^32), floor being the
            // previous nonce + 1; one unsigned comparison of n - floor tests both bounds. The upper
            // bound matters: the header keeps 4 bytes, so a word with dirty upper bits would hash like
            // a smaller nonce and be credited twice.
            let floor := 0
            // Blocks scope the temporaries: the loop is near the stack limit. `index` holds the
            // calldata position of a failing nonce until the loop is left.
            for { let p := nonces.offset } lt(p, end) { p := add(p, 0x20) } {
                {
                    let n := calldataload(p)
                    if iszero(lt(sub(n, floor), sub(0x100000000, floor))) {
                        failure := add(1, shl(1, gt(n, 0xffffffff)))
                        index := p
                        break
                    }
                    floor := add(n, 1)
                    // The header stores the nonce little-endian: swap the bytes of the uint32.
                    n := or(shl(8, and(n, 0x00ff00ff)), and(shr(8, n), 0x00ff00ff))
                    n := or(shl(16, and(n, 0xffff)), shr(16, n))
                    mstore(add(data, 48), or(tail, n))
                }
                {
                    // sha256 precompile at 0x02; the first digest lands in scratch space and is hashed
                    // again in place. The precompile only fails when out of gas. (Two statements, not
                    // one `and(...)`: Yul evaluates arguments right to left.)
                    let ok := staticcall(gas(), 0x02, data, 80, 0x00, 0x20)
                    if iszero(and(ok, staticcall(gas(), 0x02, 0x00, 0x20, 0x00, 0x20))) { revert(0, 0) }
                }
                let d := mload(0x00)
                // `top`: digest bytes E-3, E-2, E-1 sit in the word big-endian; swap the outer two.
                let top := and(shr(topShift, d), 0xffffff)
                top := or(or(shl(16, and(top, 0xff)), and(top, 0xff00)), shr(16, top))
                // Fails when H != 0, or 2 * top + (R != 0) > 2 * M: see {_targetParts}.
                top := or(shl(1, top), gt(shr(add(24, topShift), d), 0))
                if or(shl(highShift, d), gt(top, twiceMantissa)) {
                    failure := 2
                    index := p
                    digest := reverseBytes(d)
                    break
                }
            }
            if failure { index := shr(5, sub(index, nonces.offset)) }
        }
        if (failure == 1) revert NoncesNotIncreasing(index);
        if (failure == 2) revert ShareAboveTarget(index, digest);
        // A word beyond uint32 is malformed calldata, which the ABI decoder would reject bare.
        if (failure == 3) revert();
    }

    /// @dev Byte-swaps a uint32 so that abi.encodePacked lays it out little-endian.
    function _le32(uint32 x) private pure returns (bytes4) {
        x = ((x & 0x00ff00ff) << 8) | ((x >> 8) & 0x00ff00ff);
        return bytes4((x << 16) | (x >> 16));
    }
}
