// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ITwinVault} from "./interfaces/ITwinVault.sol";
import {TwinRegistry} from "./TwinRegistry.sol";
import {TwinShares} from "./TwinShares.sol";

/// @notice What the vault checks of TwinEarnings when it is deployed.
interface IEarningsWiring {
    function registry() external view returns (TwinRegistry);
    function vault() external view returns (ITwinVault);
}

/// @title TwinVault
/// @notice Splits twins into fungible shares and joins them again. A twin's owner splits it in one
/// transaction, without an approval: they send it here with `safeTransferFrom(owner, vault, id,
/// abi.encode(supply))`, and the vault locks it and mints `supply` shares of an ERC-20 of that twin
/// (18 decimals) to them. Whoever holds every share may {join} them: the shares are burnt and the twin
/// is sent to them. What the shares earned while the twin was split stays their holders' to claim.
/// @dev The vault is also the factory: each twin's shares token is an EIP-1167 clone of one
/// {TwinShares} implementation, made with CREATE2 at an address fixed by the twin's id the first time
/// the twin is split, and used again whenever it is split later. The vault owns nothing else, has no
/// owner, and cannot move a locked twin but by {join}. Splitting moves no rights over the rig: its
/// operator, reporter and royalty stay as they are. A decommissioned twin cannot be split (its shares
/// could only be a claim on a last settlement, and the market no longer sells it), but a split twin
/// that is decommissioned can always be joined.
/// A twin sent here with a plain `transferFrom` is not split (no shares exist to join it back) and
/// stays here, as a twin sent to any contract that does not expect it: always use `safeTransferFrom`.
contract TwinVault is ITwinVault, IERC721Receiver, ReentrancyGuardTransient {
    /// @notice The largest supply a twin may be split into, in share units (10^-18 of a share): a
    /// billion whole shares.
    uint256 public constant MAX_SUPPLY = 1e27;

    /// @notice The twins this vault splits.
    TwinRegistry public immutable registry;

    /// @notice Where settlements of split twins are credited to their shares.
    address public immutable earnings;

    /// @notice The implementation every twin's shares token is a clone of.
    TwinShares public immutable sharesImplementation;

    /// @notice `holder` split twin `tokenId` into `supply` units of `shares`.
    event Split(uint256 indexed tokenId, address indexed holder, address indexed shares, uint256 supply);

    /// @notice `holder`, who held every share, joined twin `tokenId` again and received it.
    event Joined(uint256 indexed tokenId, address indexed holder);

    /// @notice A required address was zero.
    error ZeroAddress();
    /// @notice `earnings` is not wired to this vault and registry.
    error EarningsNotWired(address earnings);
    /// @notice `caller` is not the registry: the vault takes only its twins.
    error NotRegistry(address caller);
    /// @notice A split must carry `abi.encode(uint256 supply)`, 32 bytes, not `length`.
    error SupplyNotGiven(uint256 length);
    /// @notice A supply must be 1 to `max` units, not `supply`.
    error SupplyOutOfRange(uint256 supply, uint256 max);
    /// @notice Twin `tokenId` is decommissioned and cannot be split.
    error TwinRetired(uint256 tokenId);
    /// @notice Twin `tokenId` is not split now.
    error NotSplit(uint256 tokenId);
    /// @notice Joining twin `tokenId` takes every share, `supply`; the caller holds `held`.
    error NotWholeSupply(uint256 tokenId, uint256 held, uint256 supply);

    /// @param registry_ The twins.
    /// @param earnings_ TwinEarnings over `registry_`, deployed with this vault's address (known in
    /// advance: it is the deployer's next CREATE address when the vault's turn comes).
    constructor(TwinRegistry registry_, address earnings_) {
        if (address(registry_) == address(0) || earnings_ == address(0)) revert ZeroAddress();
        IEarningsWiring wiring = IEarningsWiring(earnings_);
        if (wiring.registry() != registry_ || address(wiring.vault()) != address(this)) {
            revert EarningsNotWired(earnings_);
        }
        registry = registry_;
        earnings = earnings_;
        sharesImplementation = new TwinShares(address(this), earnings_);
    }

    /// @notice Splits a twin sent with `safeTransferFrom`, whose data must be `abi.encode(supply)`:
    /// mints `supply` shares to the twin's previous owner, making the twin's shares token the first
    /// time. Reverts, and so refuses the twin, otherwise.
    /// @param from The twin's owner, who receives the shares.
    /// @param tokenId The twin; not decommissioned.
    /// @param data `abi.encode(uint256 supply)`, 1 to `MAX_SUPPLY` units.
    /// @return The ERC-721 receiver's selector.
    function onERC721Received(address, address from, uint256 tokenId, bytes calldata data)
        external
        nonReentrant
        returns (bytes4)
    {
        if (msg.sender != address(registry)) revert NotRegistry(msg.sender);
        if (data.length != 32) revert SupplyNotGiven(data.length);
        uint256 supply = abi.decode(data, (uint256));
        if (supply == 0 || supply > MAX_SUPPLY) revert SupplyOutOfRange(supply, MAX_SUPPLY);
        // The owner, the epoch: the registry's own; only the retirement counts here.
        // slither-disable-next-line unused-return
        (,, bool retired) = registry.custodyOf(tokenId);
        if (retired) revert TwinRetired(tokenId);

        address shares = predictShares(tokenId);
        if (shares.code.length == 0) {
            // Only this vault can deploy at the clone's address, fixed by the id: a twin split again
            // is split into the same token.
            shares = Clones.cloneDeterministic(address(sharesImplementation), bytes32(tokenId));
            string memory id = Strings.toString(tokenId);
            TwinShares(shares)
                .initialize(
                    tokenId,
                    string.concat("HashTwin #", id, " ", registry.specOf(tokenId).model),
                    string.concat("HT", id)
                );
        }
        emit Split(tokenId, from, shares, supply);
        TwinShares(shares).mint(from, supply);
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Joins a split twin again: burns every share, held by the caller, and sends the caller
    /// the twin. What the shares earned stays the caller's to claim.
    /// @dev The twin is sent with `safeTransferFrom`: a contract that cannot take it keeps its shares.
    /// @param tokenId The split twin.
    function join(uint256 tokenId) external nonReentrant {
        address shares = predictShares(tokenId);
        if (shares.code.length == 0) revert NotSplit(tokenId);
        uint256 supply = TwinShares(shares).totalSupply();
        if (supply == 0) revert NotSplit(tokenId);
        uint256 held = TwinShares(shares).balanceOf(msg.sender);
        if (held != supply) revert NotWholeSupply(tokenId, held, supply);

        TwinShares(shares).burn(msg.sender, supply);
        emit Joined(tokenId, msg.sender);
        registry.safeTransferFrom(address(this), msg.sender, tokenId);
    }

    /// @inheritdoc ITwinVault
    function sharesOf(uint256 tokenId) external view returns (address) {
        address shares = predictShares(tokenId);
        return shares.code.length == 0 ? address(0) : shares;
    }

    /// @inheritdoc ITwinVault
    function isSplit(uint256 tokenId) external view returns (bool) {
        address shares = predictShares(tokenId);
        return shares.code.length != 0 && TwinShares(shares).totalSupply() != 0;
    }

    /// @notice Where the shares token of a twin is, or will be once it is first split.
    /// @param tokenId The twin.
    /// @return The clone's address.
    function predictShares(uint256 tokenId) public view returns (address) {
        return Clones.predictDeterministicAddress(address(sharesImplementation), bytes32(tokenId));
    }
}
