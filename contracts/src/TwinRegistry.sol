// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {TwinMetadata} from "./lib/TwinMetadata.sol";

/// @title TwinRegistry
/// @notice NFT digital twins of physical crypto-mining rigs. Owning a twin (the investor's role) is
/// kept apart from running the rig (the operator's role, and the reporter key that posts telemetry):
/// selling a twin does not move the rig.
contract TwinRegistry is ERC721, ERC2981 {
    /// @notice What a rig is, fixed at mint.
    /// @dev `serialHash` is keccak256 of the manufacturer's serial number, so that one physical rig
    /// can have one twin without publishing the serial itself.
    struct RigSpec {
        string manufacturer;
        string model;
        bytes32 serialHash;
        uint64 hashrateGhs;
        uint32 powerWatts;
        string location;
        uint64 commissionedAt;
    }

    /// @notice One telemetry sample of a rig, as its reporter key measured it.
    /// @dev `timestamp` is unix seconds; `boardTempDeciC` is in tenths of a degree Celsius, signed
    /// because rigs in cold sites do go below zero.
    struct TelemetryReport {
        uint64 timestamp;
        uint64 hashrateGhs;
        uint32 powerWatts;
        int16 boardTempDeciC;
        uint32 fanRpm;
        uint32 uptimeSeconds;
        uint64 acceptedShares;
        uint64 rejectedShares;
    }

    /// @notice Where a rig stands in its life. `Decommissioned` is final.
    enum Status {
        Active,
        Offline,
        Decommissioned
    }

    /// @notice What kind of work a maintenance entry records.
    enum MaintenanceKind {
        Inspection,
        Repair,
        PartReplacement,
        FirmwareUpdate,
        Relocation,
        Other
    }

    /// @dev The royalty is re-set on every operator change and ERC2981 keeps its fraction private,
    /// so the fraction is kept here too, in the slot the operator check reads anyway.
    struct Operator {
        address account;
        uint96 royaltyBps;
    }

    /// @dev Everything `reportTelemetry` reads shares one slot, so that a batch costs one cold read
    /// and one write.
    struct TwinState {
        address reporter;
        uint64 lastTelemetryAt;
        Status status;
    }

    /// @notice The highest royalty a twin may carry, in basis points (10%).
    uint96 public constant MAX_ROYALTY_BPS = 1_000;

    /// @notice The most reports one `reportTelemetry` call takes: a week of hourly reports.
    uint256 public constant MAX_TELEMETRY_BATCH = 168;

    /// @notice The longest maintenance note, in bytes.
    uint256 public constant MAX_NOTE_LENGTH = 280;

    uint256 private _mintedCount;
    mapping(uint256 tokenId => RigSpec) private _specs;
    mapping(uint256 tokenId => Operator) private _operators;
    mapping(uint256 tokenId => TwinState) private _states;
    mapping(bytes32 serialHash => uint256 tokenId) private _tokenBySerial;

    /// @notice A twin was minted; `spec` is everything the gallery needs to show it.
    event TwinMinted(
        uint256 indexed tokenId, address indexed operator, address reporter, uint96 royaltyBps, RigSpec spec
    );

    /// @notice The rig behind a twin is now run by `newOperator`, who also receives its royalties.
    event OperatorTransferred(uint256 indexed tokenId, address indexed previousOperator, address indexed newOperator);

    /// @notice A twin's telemetry is now posted by `newReporter`; `previousReporter` can no longer post.
    event ReporterChanged(uint256 indexed tokenId, address indexed previousReporter, address indexed newReporter);

    /// @notice A twin's rig went from `previous` to `next`.
    event StatusChanged(uint256 indexed tokenId, Status previous, Status next);

    /// @notice One telemetry sample of a twin's rig. These events are the telemetry history: the
    /// contract keeps only the latest timestamp.
    event TelemetryReported(uint256 indexed tokenId, TelemetryReport report);

    /// @notice The operator recorded work on a twin's rig at `timestamp` (the block's time).
    event MaintenanceLogged(uint256 indexed tokenId, MaintenanceKind kind, string note, uint64 timestamp);

    error EmptyManufacturer();
    error EmptyModel();
    error EmptySerial();
    error ZeroHashrate();
    error ZeroPower();
    error ZeroReporter();
    error RoyaltyTooHigh(uint96 royaltyBps, uint96 maxBps);
    error SerialAlreadyRegistered(bytes32 serialHash, uint256 tokenId);

    /// @notice A new operator must be a real account: the royalties follow it.
    error ZeroOperator();
    /// @notice `caller` is not the operator of `tokenId` (an unknown token has no operator).
    error NotOperator(uint256 tokenId, address caller);
    /// @notice `caller` is not the reporter key of `tokenId` (an unknown token has no reporter).
    error NotReporter(uint256 tokenId, address caller);
    /// @notice Twin `tokenId` is decommissioned: its status is final and it takes no telemetry.
    error TwinDecommissioned(uint256 tokenId);
    /// @notice Twin `tokenId` already has `status`.
    error StatusUnchanged(uint256 tokenId, Status status);
    /// @notice A telemetry batch must hold at least one report.
    error EmptyTelemetryBatch();
    /// @notice A telemetry batch of `length` reports is over `max`.
    error TelemetryBatchTooLarge(uint256 length, uint256 max);
    /// @notice Report `index` of the batch, at `timestamp`, is not after `previous`, the report
    /// before it or, for the first, the twin's last reported timestamp.
    error TelemetryOutOfOrder(uint256 index, uint64 timestamp, uint64 previous);
    /// @notice The batch's newest report, at `timestamp`, is after the block's `blockTimestamp`.
    error TelemetryInFuture(uint64 timestamp, uint256 blockTimestamp);
    /// @notice A maintenance note must say something.
    error EmptyNote();
    /// @notice A maintenance note of `length` bytes is over `max`.
    error NoteTooLong(uint256 length, uint256 max);

    constructor() ERC721("HashTwin", "TWIN") {}

    /// @notice Mints the twin of a rig to the caller, who becomes its operator and royalty receiver.
    /// @param spec The rig's fixed description; its serial hash must not belong to another twin.
    /// @param reporter The key that will post the rig's telemetry.
    /// @param royaltyBps The ERC-2981 royalty on every sale, at most `MAX_ROYALTY_BPS`.
    /// @return tokenId The new twin's id, counting from 1.
    function mint(RigSpec calldata spec, address reporter, uint96 royaltyBps) external returns (uint256 tokenId) {
        if (bytes(spec.manufacturer).length == 0) revert EmptyManufacturer();
        if (bytes(spec.model).length == 0) revert EmptyModel();
        if (spec.serialHash == bytes32(0)) revert EmptySerial();
        if (spec.hashrateGhs == 0) revert ZeroHashrate();
        if (spec.powerWatts == 0) revert ZeroPower();
        if (reporter == address(0)) revert ZeroReporter();
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        uint256 existing = _tokenBySerial[spec.serialHash];
        if (existing != 0) revert SerialAlreadyRegistered(spec.serialHash, existing);

        tokenId = ++_mintedCount;
        _specs[tokenId] = spec;
        _operators[tokenId] = Operator(msg.sender, royaltyBps);
        _states[tokenId].reporter = reporter;
        _tokenBySerial[spec.serialHash] = tokenId;
        _setTokenRoyalty(tokenId, msg.sender, royaltyBps);
        emit TwinMinted(tokenId, msg.sender, reporter, royaltyBps, spec);

        _safeMint(msg.sender, tokenId);
    }

    /// @notice Hands the running of a twin's rig, and its royalties at the same rate, to another
    /// account. Only the operator may do this: the twin's owner cannot take over a rig by buying it.
    /// @param tokenId The twin.
    /// @param newOperator The account that will run the rig; not zero.
    function transferOperator(uint256 tokenId, address newOperator) external {
        Operator memory current = _checkOperator(tokenId);
        if (newOperator == address(0)) revert ZeroOperator();

        _operators[tokenId].account = newOperator;
        _setTokenRoyalty(tokenId, newOperator, current.royaltyBps);
        emit OperatorTransferred(tokenId, current.account, newOperator);
    }

    /// @notice Rotates the key that posts a twin's telemetry, e.g. after a compromise or a new
    /// monitoring host. Only the operator may do this.
    /// @param tokenId The twin.
    /// @param newReporter The key that will post from now on; not zero.
    function setReporter(uint256 tokenId, address newReporter) external {
        _checkOperator(tokenId);
        if (newReporter == address(0)) revert ZeroReporter();

        TwinState storage state = _states[tokenId];
        address previousReporter = state.reporter;
        state.reporter = newReporter;
        emit ReporterChanged(tokenId, previousReporter, newReporter);
    }

    /// @notice Moves a twin's rig to another stage of its life. Only the operator may do this, and
    /// `Decommissioned` cannot be left.
    /// @param tokenId The twin.
    /// @param next The new status; it must differ from the current one.
    function setStatus(uint256 tokenId, Status next) external {
        _checkOperator(tokenId);
        TwinState storage state = _states[tokenId];
        Status previous = state.status;
        if (previous == Status.Decommissioned) revert TwinDecommissioned(tokenId);
        if (previous == next) revert StatusUnchanged(tokenId, next);

        state.status = next;
        emit StatusChanged(tokenId, previous, next);
    }

    /// @notice Posts a batch of telemetry samples of a twin's rig, oldest first. Only the twin's
    /// reporter key may do this, and not once the twin is decommissioned.
    /// @dev The samples are kept in the `TelemetryReported` events only; indexers rebuild the history
    /// from them. Timestamps strictly increase across all batches, so that a sample can neither be
    /// replayed nor slipped into the past.
    /// @param tokenId The twin.
    /// @param reports 1 to `MAX_TELEMETRY_BATCH` samples, each after the one before and after the
    /// twin's `lastTelemetryAt`, none after the current block.
    function reportTelemetry(uint256 tokenId, TelemetryReport[] calldata reports) external {
        TwinState memory state = _states[tokenId];
        if (state.reporter != msg.sender) revert NotReporter(tokenId, msg.sender);
        if (state.status == Status.Decommissioned) revert TwinDecommissioned(tokenId);
        uint256 count = reports.length;
        if (count == 0) revert EmptyTelemetryBatch();
        if (count > MAX_TELEMETRY_BATCH) revert TelemetryBatchTooLarge(count, MAX_TELEMETRY_BATCH);
        // With timestamps strictly increasing, the newest is the only one that can be in the future.
        // A validator can skew the block time by seconds; that only moves how fresh a sample may be.
        uint64 newest = reports[count - 1].timestamp;
        // slither-disable-next-line timestamp
        if (newest > block.timestamp) revert TelemetryInFuture(newest, block.timestamp);

        uint64 previous = state.lastTelemetryAt;
        for (uint256 i = 0; i < count; ++i) {
            uint64 timestamp = reports[i].timestamp;
            if (timestamp <= previous) revert TelemetryOutOfOrder(i, timestamp, previous);
            previous = timestamp;
            emit TelemetryReported(tokenId, reports[i]);
        }
        _states[tokenId].lastTelemetryAt = newest;
    }

    /// @notice Records work done on a twin's rig. Only the operator may do this; it stays allowed
    /// after decommissioning, so that recycling and disposal can be recorded too.
    /// @param tokenId The twin.
    /// @param kind What kind of work was done.
    /// @param note What was done, 1 to `MAX_NOTE_LENGTH` bytes of text.
    function logMaintenance(uint256 tokenId, MaintenanceKind kind, string calldata note) external {
        _checkOperator(tokenId);
        uint256 length = bytes(note).length;
        if (length == 0) revert EmptyNote();
        if (length > MAX_NOTE_LENGTH) revert NoteTooLong(length, MAX_NOTE_LENGTH);

        emit MaintenanceLogged(tokenId, kind, note, uint64(block.timestamp));
    }

    /// @notice How many twins exist; ids run from 1 to this number.
    /// @return The number of twins minted.
    function totalSupply() external view returns (uint256) {
        return _mintedCount;
    }

    /// @notice The spec a twin was minted with.
    /// @param tokenId The twin; it must exist.
    /// @return The rig's fixed description.
    function specOf(uint256 tokenId) external view returns (RigSpec memory) {
        _requireOwned(tokenId);
        return _specs[tokenId];
    }

    /// @notice Who runs the rig behind a twin.
    /// @param tokenId The twin; it must exist.
    /// @return The operator, who also receives the twin's royalties.
    function operatorOf(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _operators[tokenId].account;
    }

    /// @notice The key allowed to post a twin's telemetry.
    /// @param tokenId The twin; it must exist.
    /// @return The reporter key.
    function reporterOf(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _states[tokenId].reporter;
    }

    /// @notice Where a twin's rig stands in its life.
    /// @param tokenId The twin; it must exist.
    /// @return The current status; `Active` for a new twin.
    function statusOf(uint256 tokenId) external view returns (Status) {
        _requireOwned(tokenId);
        return _states[tokenId].status;
    }

    /// @notice The timestamp of a twin's newest telemetry sample; the next one must be after it.
    /// @param tokenId The twin; it must exist.
    /// @return Unix seconds, or 0 before the first report.
    function lastTelemetryAt(uint256 tokenId) external view returns (uint64) {
        _requireOwned(tokenId);
        return _states[tokenId].lastTelemetryAt;
    }

    /// @notice The twin of a rig, by the hash of its serial number; 0 when it has none.
    /// @param serialHash keccak256 of the rig's serial number.
    /// @return The twin's id, or 0.
    function tokenOfSerial(bytes32 serialHash) external view returns (uint256) {
        return _tokenBySerial[serialHash];
    }

    /// @notice A twin's metadata, rendered on-chain from its spec and status: OpenSea-standard JSON
    /// with an SVG badge.
    /// @param tokenId The twin; it must exist.
    /// @return A `data:application/json;base64,` URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return TwinMetadata.tokenURI(tokenId, _specs[tokenId], _states[tokenId].status);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Returns the operator's slot so that callers need not read it again.
    function _checkOperator(uint256 tokenId) private view returns (Operator memory current) {
        current = _operators[tokenId];
        if (current.account != msg.sender) revert NotOperator(tokenId, msg.sender);
    }
}
