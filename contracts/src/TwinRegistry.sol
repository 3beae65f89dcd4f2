// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {ITwins} from "./interfaces/ITwins.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TwinMetadata} from "./lib/TwinMetadata.sol";

/// @title TwinRegistry
/// @notice NFT digital twins of physical crypto-mining rigs. Owning a twin (the investor's role) is
/// kept apart from running the rig (the operator's role, and the reporter key that posts telemetry):
/// selling a twin does not move the rig.
/// @dev A rig is registered by commit and reveal ({commitMint}, then {mint} at least a block later),
/// so that a serial seen in a pending transaction is useless to a copier. Each twin also carries a
/// custody epoch ({custodyOf}) that changes whenever the twin moves or an approval over it is taken
/// back, so that a market can tie a listing to the custody it was made under.
contract TwinRegistry is ITwins, IERC4906, ERC721 {
    /// @notice What a rig is, fixed at mint, as it is stored and announced.
    /// @dev `serialHash` is keccak256 of the rig's canonical serial ({mint} checks the form).
    struct RigSpec {
        string manufacturer;
        string model;
        bytes32 serialHash;
        uint64 hashrateGhs;
        uint32 powerWatts;
        string location;
        uint64 commissionedAt;
    }

    /// @notice A rig as its operator reveals it to {mint}: the spec with the serial in clear.
    /// @dev `serial` must already be canonical: 4 to `MAX_SERIAL_LENGTH` characters of `A-Z`, `0-9`
    /// and `-`. Clients trim and upper-case what the user typed; the contract only checks, so that
    /// one physical rig has exactly one serial hash.
    struct RigInput {
        string manufacturer;
        string model;
        string serial;
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

    /// @notice How a twin's rig pays its holder, fixed at mint: nobody can change them afterwards.
    /// @dev The operator settles each period of revenue with TwinEarnings, which caps what may be
    /// kept back by these terms: `serviceFeeBps` of the gross, and the metered energy at
    /// `tariffMicroUsdPerKwh` (millionths of a US dollar per kWh, so $0.065/kWh is 65_000).
    /// A period is due `settlementPeriod` seconds after the one before it ended, and late
    /// `gracePeriod` seconds after that.
    struct EarningTerms {
        uint16 serviceFeeBps;
        uint32 tariffMicroUsdPerKwh;
        uint32 settlementPeriod;
        uint32 gracePeriod;
    }

    /// @dev What a sale reads, in one slot: the royalty receiver and rate (ERC-2981 is answered from
    /// here), the custody epoch and whether the rig is decommissioned. `retired` repeats the final
    /// `Decommissioned` status so that listing and buying need not read the telemetry slot too.
    /// `mintedAt` fills the slot's spare bits: it starts the twin's first earning period.
    struct Custody {
        address operator;
        uint16 royaltyBps;
        uint32 epoch;
        bool retired;
        uint40 mintedAt;
    }

    /// @dev Everything `reportTelemetry` reads and writes shares one slot, so that a batch costs one
    /// cold read and one write: the metered energy rides in the bits the timestamp does not need.
    /// 48 bits of watt-hours hold 30 years of a 1 GW farm.
    struct TwinState {
        address reporter;
        uint40 lastTelemetryAt;
        Status status;
        uint48 energyWh;
    }

    /// @notice The highest royalty a twin may carry, in basis points (10%).
    uint96 public constant MAX_ROYALTY_BPS = 1_000;

    /// @notice The most reports one `reportTelemetry` call takes: a week of hourly reports.
    uint256 public constant MAX_TELEMETRY_BATCH = 168;

    /// @notice The longest maintenance note, in bytes.
    uint256 public constant MAX_NOTE_LENGTH = 280;

    /// @notice The shortest and longest canonical serial, in characters.
    uint256 public constant MIN_SERIAL_LENGTH = 4;
    uint256 public constant MAX_SERIAL_LENGTH = 64;

    /// @notice The longest manufacturer, model and location, in bytes. They bound what `tokenURI`
    /// renders, and so its gas.
    uint256 public constant MAX_MANUFACTURER_LENGTH = 32;
    uint256 public constant MAX_MODEL_LENGTH = 48;
    uint256 public constant MAX_LOCATION_LENGTH = 96;

    /// @notice The largest nameplate a twin may carry: 100 EH/s and 1 GW, room for a whole farm.
    uint64 public constant MAX_HASHRATE_GHS = 100_000_000_000;
    uint32 public constant MAX_POWER_WATTS = 1_000_000_000;

    /// @notice The plausible band of efficiency, in J/TH: from beyond today's best ASICs to the
    /// oldest ones still worth running.
    uint256 public constant MIN_JOULES_PER_TH = 5;
    uint256 public constant MAX_JOULES_PER_TH = 200;

    /// @notice The highest service fee an operator may keep of a period's gross, in basis points (30%).
    uint16 public constant MAX_SERVICE_FEE_BPS = 3_000;

    /// @notice The highest electricity tariff a twin may carry: $1 per kWh, several times any
    /// industrial rate.
    uint32 public constant MAX_TARIFF_MICRO_USD_PER_KWH = 1_000_000;

    /// @notice The shortest and longest settlement period, in seconds.
    uint32 public constant MIN_SETTLEMENT_PERIOD = 1 hours;
    uint32 public constant MAX_SETTLEMENT_PERIOD = 31 days;

    /// @notice The longest grace an unsettled period gets before it counts as late, in seconds.
    uint32 public constant MAX_GRACE_PERIOD = 7 days;

    /// @notice The longest stretch between two reports that is metered: a rig that went unreported
    /// for longer is not assumed to have drawn power all along.
    uint256 public constant MAX_METERED_GAP = 1 hours;

    uint256 private constant _BPS_DENOMINATOR = 10_000;

    uint256 private _mintedCount;
    mapping(uint256 tokenId => RigSpec) private _specs;
    mapping(uint256 tokenId => Custody) private _custody;
    mapping(uint256 tokenId => TwinState) private _states;
    mapping(uint256 tokenId => EarningTerms) private _terms;
    mapping(uint256 tokenId => address) private _pendingOperators;
    mapping(bytes32 serialHash => uint256 tokenId) private _tokenBySerial;
    mapping(bytes32 commitment => uint256 blockNumber) private _mintCommitments;
    mapping(address owner => uint32) private _approvalEpochs;

    /// @notice `minter` committed to registering a rig whose serial stays hidden until {mint}.
    event MintCommitted(bytes32 indexed commitment, address indexed minter);

    /// @notice A twin was minted; `spec` is everything the gallery needs to show it.
    event TwinMinted(
        uint256 indexed tokenId, address indexed operator, address reporter, uint96 royaltyBps, RigSpec spec
    );

    /// @notice Twin `tokenId` pays its holder by `terms`, for good.
    event EarningTermsFixed(uint256 indexed tokenId, EarningTerms terms);

    /// @notice The operator of `tokenId` offered its rig to `proposed`, who must accept; a zero
    /// `proposed` withdraws the offer.
    event OperatorProposed(uint256 indexed tokenId, address indexed operator, address indexed proposed);

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
    error ZeroReporter();
    error RoyaltyTooHigh(uint96 royaltyBps, uint96 maxBps);
    error SerialAlreadyRegistered(bytes32 serialHash, uint256 tokenId);
    /// @notice A commitment must not be zero.
    error EmptyCommitment();
    /// @notice No {commitMint} matches this reveal: another serial, salt or minter than committed.
    error MintNotCommitted(bytes32 commitment);
    /// @notice The reveal is in the commitment's own block (`committedAt`); it must come later.
    error RevealTooEarly(bytes32 commitment, uint256 committedAt);
    /// @notice The serial is not canonical: 4 to 64 characters of `A-Z`, `0-9` and `-`.
    error SerialNotCanonical(string serial);
    /// @notice A spec text is over its byte cap: `field` 0 is the manufacturer, 1 the model, 2 the location.
    error SpecTextTooLong(uint8 field, uint256 length, uint256 max);
    /// @notice The hashrate is zero or above `max` GH/s.
    error HashrateOutOfRange(uint64 hashrateGhs, uint64 max);
    /// @notice The power is zero or above `max` watts.
    error PowerOutOfRange(uint32 powerWatts, uint32 max);
    /// @notice `powerWatts` at `hashrateGhs` lies outside the plausible efficiency band.
    error ImplausibleEfficiency(uint64 hashrateGhs, uint32 powerWatts);

    /// @notice A service fee of `serviceFeeBps` is over `max`.
    error ServiceFeeTooHigh(uint16 serviceFeeBps, uint16 max);
    /// @notice An electricity tariff of `tariffMicroUsdPerKwh` is over `max`.
    error TariffTooHigh(uint32 tariffMicroUsdPerKwh, uint32 max);
    /// @notice A settlement period of `period` seconds is outside `min` to `max`.
    error SettlementPeriodOutOfRange(uint32 period, uint32 min, uint32 max);
    /// @notice A grace of `grace` seconds is over `max`.
    error GracePeriodTooLong(uint32 grace, uint32 max);

    /// @notice `caller` is not the operator of `tokenId` (an unknown token has no operator).
    error NotOperator(uint256 tokenId, address caller);
    /// @notice `caller` was not offered the rig of `tokenId`.
    error NotProposedOperator(uint256 tokenId, address caller);
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
    /// before it or, for the first, the twin's last reported timestamp (its mint before any report).
    error TelemetryOutOfOrder(uint256 index, uint64 timestamp, uint64 previous);
    /// @notice The batch's newest report, at `timestamp`, is after the block's `blockTimestamp`.
    error TelemetryInFuture(uint64 timestamp, uint256 blockTimestamp);
    /// @notice A maintenance note must say something.
    error EmptyNote();
    /// @notice A maintenance note of `length` bytes is over `max`.
    error NoteTooLong(uint256 length, uint256 max);

    constructor() ERC721("HashTwin", "TWIN") {}

    // ---------------------------------------------------------------------------------- minting

    /// @notice First step of registering a rig: commits to its serial without showing it.
    /// @dev Committing the same value twice keeps the earlier block, so that copying a pending
    /// commitment can neither make it fail nor delay its reveal.
    /// @param commitment {mintCommitment} of the canonical serial, the minter and a secret salt.
    function commitMint(bytes32 commitment) external {
        if (commitment == bytes32(0)) revert EmptyCommitment();
        // Zero marks a commitment never made; a block number is no timestamp a validator can skew.
        // slither-disable-next-line incorrect-equality
        if (_mintCommitments[commitment] == 0) _mintCommitments[commitment] = block.number;
        emit MintCommitted(commitment, msg.sender);
    }

    /// @notice Second step: reveals the rig and mints its twin to the caller, who becomes its
    /// operator and royalty receiver. The caller must have committed to this serial and salt with
    /// {commitMint} in an earlier block.
    /// @param rig The rig's fixed description, serial in canonical form; the serial must be new.
    /// @param reporter The key that will post the rig's telemetry.
    /// @param royaltyBps The ERC-2981 royalty on every sale, at most `MAX_ROYALTY_BPS`.
    /// @param terms How the rig's revenue will be settled to the twin's holder; fixed for good.
    /// @param salt The secret the commitment was made with.
    /// @return tokenId The new twin's id, counting from 1.
    function mint(RigInput calldata rig, address reporter, uint96 royaltyBps, EarningTerms calldata terms, bytes32 salt)
        external
        returns (uint256 tokenId)
    {
        _checkRig(rig);
        _checkTerms(terms);
        if (reporter == address(0)) revert ZeroReporter();
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        bytes32 serialHash = keccak256(bytes(rig.serial));
        bytes32 commitment = _commitment(serialHash, msg.sender, salt);
        uint256 committedAt = _mintCommitments[commitment];
        if (committedAt == 0) revert MintNotCommitted(commitment);
        if (committedAt >= block.number) revert RevealTooEarly(commitment, committedAt);
        uint256 existing = _tokenBySerial[serialHash];
        if (existing != 0) revert SerialAlreadyRegistered(serialHash, existing);

        delete _mintCommitments[commitment];
        tokenId = ++_mintedCount;
        RigSpec memory spec = RigSpec({
            manufacturer: rig.manufacturer,
            model: rig.model,
            serialHash: serialHash,
            hashrateGhs: rig.hashrateGhs,
            powerWatts: rig.powerWatts,
            location: rig.location,
            commissionedAt: rig.commissionedAt
        });
        _specs[tokenId] = spec;
        _custody[tokenId] = Custody({
            operator: msg.sender,
            // Checked against MAX_ROYALTY_BPS above.
            // forge-lint: disable-next-line(unsafe-typecast)
            royaltyBps: uint16(royaltyBps),
            epoch: 0,
            retired: false,
            mintedAt: uint40(block.timestamp)
        });
        // Telemetry is measured after the twin exists: its mint is the floor of the first report.
        _states[tokenId] = TwinState({
            reporter: reporter, lastTelemetryAt: uint40(block.timestamp), status: Status.Active, energyWh: 0
        });
        _terms[tokenId] = terms;
        _tokenBySerial[serialHash] = tokenId;
        emit TwinMinted(tokenId, msg.sender, reporter, royaltyBps, spec);
        emit EarningTermsFixed(tokenId, terms);

        _safeMint(msg.sender, tokenId);
    }

    // ------------------------------------------------------------------------------- operations

    /// @notice Offers the running of a twin's rig, and its royalties at the same rate, to another
    /// account, who takes it over with {acceptOperator}. Only the operator may do this: the twin's
    /// owner cannot take over a rig by buying it.
    /// @param tokenId The twin.
    /// @param proposed The account offered the rig; zero withdraws a pending offer.
    function proposeOperator(uint256 tokenId, address proposed) external {
        address operator = _checkOperator(tokenId);
        _pendingOperators[tokenId] = proposed;
        emit OperatorProposed(tokenId, operator, proposed);
    }

    /// @notice Takes over the rig of a twin that its operator offered to the caller.
    /// @param tokenId The twin.
    function acceptOperator(uint256 tokenId) external {
        if (msg.sender == address(0) || _pendingOperators[tokenId] != msg.sender) {
            revert NotProposedOperator(tokenId, msg.sender);
        }
        Custody storage custody = _custody[tokenId];
        address previous = custody.operator;
        delete _pendingOperators[tokenId];
        custody.operator = msg.sender;
        emit OperatorTransferred(tokenId, previous, msg.sender);
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
    /// `Decommissioned` cannot be left: a decommissioned twin can no longer be sold on the market.
    /// @param tokenId The twin.
    /// @param next The new status; it must differ from the current one.
    function setStatus(uint256 tokenId, Status next) external {
        _checkOperator(tokenId);
        TwinState storage state = _states[tokenId];
        Status previous = state.status;
        if (previous == Status.Decommissioned) revert TwinDecommissioned(tokenId);
        if (previous == next) revert StatusUnchanged(tokenId, next);

        state.status = next;
        if (next == Status.Decommissioned) _custody[tokenId].retired = true;
        emit StatusChanged(tokenId, previous, next);
        emit MetadataUpdate(tokenId);
    }

    /// @notice Posts a batch of telemetry samples of a twin's rig, oldest first. Only the twin's
    /// reporter key may do this, and not once the twin is decommissioned.
    /// @dev The samples are kept in the `TelemetryReported` events only; indexers rebuild the history
    /// from them. Timestamps strictly increase across all batches, starting after the mint, so that a
    /// sample can neither be replayed nor slipped into the past. Each sample meters its power over
    /// the time since the sample before it, at most `MAX_METERED_GAP`; a batch rounds its sum down
    /// to whole watt-hours, in the holder's favour.
    /// @param tokenId The twin.
    /// @param reports 1 to `MAX_TELEMETRY_BATCH` samples, each after the one before and after the
    /// twin's `lastTelemetryAt`, none after the current block.
    function reportTelemetry(uint256 tokenId, TelemetryReport[] calldata reports) external {
        TwinState memory state = _states[tokenId];
        if (state.reporter != msg.sender) revert NotReporter(tokenId, msg.sender);
        // The status shares its slot with the mint-dated `lastTelemetryAt`, which is all Slither sees.
        // slither-disable-next-line incorrect-equality
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
        uint256 joules = 0;
        for (uint256 i = 0; i < count; ++i) {
            TelemetryReport calldata sample = reports[i];
            uint64 timestamp = sample.timestamp;
            if (timestamp <= previous) revert TelemetryOutOfOrder(i, timestamp, previous);
            // Cannot overflow: the order is checked above, and 168 reports of at most 2^32 W over at
            // most an hour each sum far below 2^256. Unchecked, metering keeps within the 10% of gas
            // a report may grow by.
            unchecked {
                uint256 gap = timestamp - previous;
                joules += uint256(sample.powerWatts) * (gap < MAX_METERED_GAP ? gap : MAX_METERED_GAP);
            }
            previous = timestamp;
            emit TelemetryReported(tokenId, sample);
        }
        // 2^48 Wh is 30 years of a 1 GW farm, the largest nameplate a twin may carry.
        // `newest` is at most the block's time, which 40 bits hold for 30,000 years.
        // forge-lint: disable-next-line(unsafe-typecast)
        state.lastTelemetryAt = uint40(newest);
        state.energyWh = SafeCast.toUint48(state.energyWh + joules / 1 hours);
        _states[tokenId] = state;
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

    // ------------------------------------------------------------------------------------ views

    /// @notice What {commitMint} must be given to register `serial` as `minter` with `salt`.
    /// @param serial The canonical serial.
    /// @param minter Who will call {mint}.
    /// @param salt A secret the minter keeps until the reveal.
    /// @return The commitment.
    function mintCommitment(string calldata serial, address minter, bytes32 salt) external pure returns (bytes32) {
        return _commitment(keccak256(bytes(serial)), minter, salt);
    }

    /// @notice The block a commitment was first made in; 0 when it was never made or is used.
    /// @param commitment A {mintCommitment}.
    /// @return The block number.
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _mintCommitments[commitment];
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
        return _custody[tokenId].operator;
    }

    /// @notice Who has been offered the rig of a twin and may {acceptOperator}; zero when nobody.
    /// @param tokenId The twin.
    /// @return The proposed operator.
    function pendingOperatorOf(uint256 tokenId) external view returns (address) {
        return _pendingOperators[tokenId];
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

    /// @notice The time after which the next telemetry sample of a twin must lie.
    /// @param tokenId The twin; it must exist.
    /// @return Unix seconds: the newest sample's timestamp, or the mint's before the first report.
    function lastTelemetryAt(uint256 tokenId) external view returns (uint64) {
        _requireOwned(tokenId);
        return _states[tokenId].lastTelemetryAt;
    }

    /// @notice How a twin's rig pays its holder; fixed at mint.
    /// @param tokenId The twin; it must exist.
    /// @return terms The service fee, electricity tariff, settlement period and grace.
    /// @return mintedAt Unix seconds of the mint, where the first earning period starts.
    function earningTermsOf(uint256 tokenId) external view returns (EarningTerms memory terms, uint64 mintedAt) {
        _requireOwned(tokenId);
        return (_terms[tokenId], _custody[tokenId].mintedAt);
    }

    /// @notice A twin's energy meter: what its rig drew, from its telemetry since the mint.
    /// @param tokenId The twin; it must exist.
    /// @return energyWh Watt-hours metered since the mint.
    /// @return meteredThrough Unix seconds of the newest report (the mint before the first).
    function meterOf(uint256 tokenId) external view returns (uint64 energyWh, uint64 meteredThrough) {
        _requireOwned(tokenId);
        TwinState memory state = _states[tokenId];
        return (state.energyWh, state.lastTelemetryAt);
    }

    /// @notice The twin of a rig, by the hash of its canonical serial; 0 when it has none.
    /// @param serialHash keccak256 of the rig's canonical serial.
    /// @return The twin's id, or 0.
    function tokenOfSerial(bytes32 serialHash) external view returns (uint256) {
        return _tokenBySerial[serialHash];
    }

    /// @notice Who holds a twin, under which custody, and whether it may still be sold.
    /// @dev `epoch` changes whenever the twin is transferred, its per-token approval is revoked or
    /// replaced, or its owner revokes an approval for all their twins; for one owner it never comes
    /// back to an earlier value. A listing made under one epoch is dead under any other.
    /// @param tokenId The twin; it must exist.
    /// @return owner The current owner.
    /// @return epoch The custody epoch: the twin's own counter in the high 32 bits, its owner's
    /// revocation counter in the low 32 bits.
    /// @return retired Whether the rig is decommissioned.
    function custodyOf(uint256 tokenId) external view returns (address owner, uint64 epoch, bool retired) {
        owner = _requireOwned(tokenId);
        Custody memory custody = _custody[tokenId];
        epoch = (uint64(custody.epoch) << 32) | _approvalEpochs[owner];
        retired = custody.retired;
    }

    /// @inheritdoc IERC2981
    /// @dev The operator receives the royalty, so it follows the rig, not the token.
    function royaltyInfo(uint256 tokenId, uint256 salePrice) external view returns (address, uint256) {
        Custody memory custody = _custody[tokenId];
        return (custody.operator, salePrice * custody.royaltyBps / _BPS_DENOMINATOR);
    }

    /// @notice A twin's metadata, rendered on-chain from its spec and status: OpenSea-standard JSON
    /// with an SVG badge.
    /// @param tokenId The twin; it must exist.
    /// @return A `data:application/json;base64,` URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return TwinMetadata.tokenURI(tokenId, _specs[tokenId], _states[tokenId].status, _terms[tokenId]);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IERC2981).interfaceId || interfaceId == bytes4(0x49064906)
            || super.supportsInterface(interfaceId);
    }

    // --------------------------------------------------------------------------------- internal

    /// @dev Every transfer, mint included, starts a new custody epoch.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        ++_custody[tokenId].epoch;
    }

    /// @dev Taking a per-token approval away from someone (revoking or replacing it) starts a new
    /// custody epoch. Transfers clear the approval without the event and start one anyway.
    function _approve(address to, uint256 tokenId, address auth, bool emitEvent) internal override {
        if (emitEvent) {
            address previous = _getApproved(tokenId);
            if (previous != address(0) && previous != to) ++_custody[tokenId].epoch;
        }
        super._approve(to, tokenId, auth, emitEvent);
    }

    /// @dev Revoking an operator's approval for all of an owner's twins starts a new custody epoch
    /// for every one of them at once.
    function _setApprovalForAll(address owner, address operator, bool approved) internal override {
        if (!approved && isApprovedForAll(owner, operator)) ++_approvalEpochs[owner];
        super._setApprovalForAll(owner, operator, approved);
    }

    /// @dev Refuses terms that would let an operator keep more than the caps allow, or settle on a
    /// schedule no holder could follow.
    function _checkTerms(EarningTerms calldata terms) private pure {
        if (terms.serviceFeeBps > MAX_SERVICE_FEE_BPS) {
            revert ServiceFeeTooHigh(terms.serviceFeeBps, MAX_SERVICE_FEE_BPS);
        }
        if (terms.tariffMicroUsdPerKwh > MAX_TARIFF_MICRO_USD_PER_KWH) {
            revert TariffTooHigh(terms.tariffMicroUsdPerKwh, MAX_TARIFF_MICRO_USD_PER_KWH);
        }
        if (terms.settlementPeriod < MIN_SETTLEMENT_PERIOD || terms.settlementPeriod > MAX_SETTLEMENT_PERIOD) {
            revert SettlementPeriodOutOfRange(terms.settlementPeriod, MIN_SETTLEMENT_PERIOD, MAX_SETTLEMENT_PERIOD);
        }
        if (terms.gracePeriod > MAX_GRACE_PERIOD) revert GracePeriodTooLong(terms.gracePeriod, MAX_GRACE_PERIOD);
    }

    /// @dev Returns the operator so that callers need not read it again.
    function _checkOperator(uint256 tokenId) private view returns (address operator) {
        operator = _custody[tokenId].operator;
        if (operator != msg.sender) revert NotOperator(tokenId, msg.sender);
    }

    function _commitment(bytes32 serialHash, address minter, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(serialHash, minter, salt));
    }

    /// @dev Refuses a rig whose texts are empty or too long, whose serial is not canonical, or whose
    /// nameplate is outside what any real rig or farm could be.
    function _checkRig(RigInput calldata rig) private pure {
        uint256 manufacturerLength = bytes(rig.manufacturer).length;
        uint256 modelLength = bytes(rig.model).length;
        uint256 locationLength = bytes(rig.location).length;
        if (manufacturerLength == 0) revert EmptyManufacturer();
        if (modelLength == 0) revert EmptyModel();
        if (manufacturerLength > MAX_MANUFACTURER_LENGTH) {
            revert SpecTextTooLong(0, manufacturerLength, MAX_MANUFACTURER_LENGTH);
        }
        if (modelLength > MAX_MODEL_LENGTH) revert SpecTextTooLong(1, modelLength, MAX_MODEL_LENGTH);
        if (locationLength > MAX_LOCATION_LENGTH) revert SpecTextTooLong(2, locationLength, MAX_LOCATION_LENGTH);
        if (!isCanonicalSerial(rig.serial)) revert SerialNotCanonical(rig.serial);

        uint64 hashrate = rig.hashrateGhs;
        uint32 power = rig.powerWatts;
        if (hashrate == 0 || hashrate > MAX_HASHRATE_GHS) revert HashrateOutOfRange(hashrate, MAX_HASHRATE_GHS);
        if (power == 0 || power > MAX_POWER_WATTS) revert PowerOutOfRange(power, MAX_POWER_WATTS);
        // J/TH = W / (GH/s / 1000), compared without dividing.
        uint256 milliWattsPerGhs = uint256(power) * 1_000;
        if (milliWattsPerGhs < MIN_JOULES_PER_TH * hashrate || milliWattsPerGhs > MAX_JOULES_PER_TH * hashrate) {
            revert ImplausibleEfficiency(hashrate, power);
        }
    }

    /// @notice Whether `serial` is in canonical form: 4 to 64 characters of `A-Z`, `0-9` and `-`.
    /// @param serial The serial to check.
    /// @return True when {mint} accepts it as it is.
    function isCanonicalSerial(string calldata serial) public pure returns (bool) {
        bytes calldata raw = bytes(serial);
        if (raw.length < MIN_SERIAL_LENGTH || raw.length > MAX_SERIAL_LENGTH) return false;
        for (uint256 i = 0; i < raw.length; ++i) {
            bytes1 char = raw[i];
            bool allowed = (char >= "A" && char <= "Z") || (char >= "0" && char <= "9") || char == "-";
            if (!allowed) return false;
        }
        return true;
    }
}
