// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ITwinShares} from "./interfaces/ITwinShares.sol";

/// @title TwinShares
/// @notice The fungible shares of one split twin, and the earnings they carry. TwinVault makes one
/// clone of this contract per twin the first time it is split, mints the whole supply to whoever
/// split it, and burns it all when the twin is joined again. A settlement of the split twin is
/// credited to the holders pro rata to their balances when it lands; each holder claims their part
/// through TwinEarnings, which holds the wei: this token is accounting only.
/// @dev Earnings follow a cumulative accumulator, {netPerShare}: the wei credited per share unit
/// (10^-18 of a whole share) since the token was made, scaled by `ACCUMULATOR_SCALE`. Every holder
/// records the accumulator they were last settled at and, scaled by the same factor, what they had
/// earned by then and not yet taken. Every balance change first settles both sides at the current
/// accumulator, so a transfer never moves earnings: each holder is entitled to exactly their balance
/// times the accumulator's growth while they held it, whatever the order of transfers between two
/// settlements. The division of a settlement by the supply carries its remainder to the next one, so
/// the holders' scaled entitlements plus that remainder always equal every net accrued times the
/// scale: earnings are never created, and none are lost. Entitlements are floored to wei only when
/// taken, and the fraction below a wei stays with the holder, so a holder is short of their exact
/// pro-rata share by less than one wei at any time, across any number of settlements.
///
/// Overflow: `ACCUMULATOR_SCALE` is 10^36 and TwinVault caps a supply at 10^27 units. Every figure
/// below is at most (every net ever accrued) × 10^36: the accumulator grows by at most net × 10^36 per
/// settlement (a supply is at least 1), and a holder's scaled entitlement, balance × growth, is at
/// most supply × growth ≤ net × 10^36. Every net is ether paid into TwinEarnings, so their sum is
/// below all the ether there will ever be (< 2^128 wei, about 3.4 × 10^38), and the figures stay below
/// 3.4 × 10^74, some 300 times under 2^256. Checked arithmetic would revert, never wrap, beyond that.
/// The scale keeps the accumulator exact to 10^-9 wei per unit at the largest supply, so the carried
/// remainder is below 10^-9 wei.
contract TwinShares is ERC20, ITwinShares {
    /// @dev Where a holder was last settled: the accumulator then, and what they had earned by then and
    /// not taken, scaled by `ACCUMULATOR_SCALE`.
    struct Holder {
        uint256 paidPerShare;
        uint256 unpaidScaled;
        uint256 taken;
    }

    /// @notice The factor {netPerShare} and the holders' entitlements are scaled by.
    uint256 public constant ACCUMULATOR_SCALE = 1e36;

    /// @notice The vault that makes, mints and burns the shares of every twin.
    address public immutable vault;

    /// @notice The contract that holds the earnings and alone may credit or pay them.
    address public immutable earnings;

    /// @inheritdoc ITwinShares
    uint256 public twinId;

    string private _twinName;
    string private _twinSymbol;
    uint256 private _netPerShare;
    uint256 private _remainderScaled;
    mapping(address account => Holder) private _holders;

    /// @notice A settlement's `net` wei were credited to the holders; the accumulator is now
    /// `netPerShare`.
    event Accrued(uint256 net, uint256 netPerShare);

    /// @notice `amount` wei earned by `holder` were taken by TwinEarnings to be paid out.
    event Taken(address indexed holder, uint256 amount);

    /// @notice `caller` is not the vault, which alone initializes, mints and burns.
    error NotVault(address caller);
    /// @notice `caller` is not TwinEarnings, which alone credits and takes earnings.
    error NotEarnings(address caller);
    /// @notice The clone was already given its twin.
    error AlreadyInitialized();
    /// @notice There are no shares to credit a settlement to.
    error NoShares();

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    modifier onlyEarnings() {
        if (msg.sender != earnings) revert NotEarnings(msg.sender);
        _;
    }

    /// @dev Runs once, for the implementation that every clone delegates to: the two immutables are
    /// in the code the clones run, so every clone answers to the same vault and earnings.
    /// @param vault_ The vault (the deployer, in practice).
    /// @param earnings_ TwinEarnings.
    constructor(address vault_, address earnings_) ERC20("", "") {
        // The vault deploys this in its constructor, with itself and the TwinEarnings it checked.
        // slither-disable-next-line missing-zero-check
        vault = vault_;
        // slither-disable-next-line missing-zero-check
        earnings = earnings_;
    }

    /// @notice Gives a fresh clone its twin, name and symbol. Only the vault may, once.
    /// @param twinId_ The twin; not zero.
    /// @param name_ The token's name, such as "HashTwin #7 S21 XP".
    /// @param symbol_ The token's symbol, such as "HT7".
    function initialize(uint256 twinId_, string calldata name_, string calldata symbol_) external onlyVault {
        if (twinId != 0) revert AlreadyInitialized();
        twinId = twinId_;
        _twinName = name_;
        _twinSymbol = symbol_;
    }

    /// @notice Mints `amount` shares to `to`. Only the vault may, when the twin is split.
    /// @param to Who split the twin.
    /// @param amount The whole supply.
    function mint(address to, uint256 amount) external onlyVault {
        _mint(to, amount);
    }

    /// @notice Burns `amount` shares of `from`. Only the vault may, when the twin is joined: what
    /// `from` earned stays theirs to claim.
    /// @param from Who joined the twin.
    /// @param amount The whole supply.
    function burn(address from, uint256 amount) external onlyVault {
        _burn(from, amount);
    }

    /// @inheritdoc ITwinShares
    function accrue(uint256 net) external onlyEarnings {
        uint256 supply = totalSupply();
        if (supply == 0) revert NoShares();
        uint256 scaled = net * ACCUMULATOR_SCALE + _remainderScaled;
        uint256 perShare = _netPerShare + scaled / supply;
        _netPerShare = perShare;
        _remainderScaled = scaled % supply;
        emit Accrued(net, perShare);
    }

    /// @inheritdoc ITwinShares
    function take(address holder) external onlyEarnings returns (uint256 amount) {
        _checkpoint(holder, _netPerShare);
        Holder storage h = _holders[holder];
        uint256 unpaid = h.unpaidScaled;
        amount = unpaid / ACCUMULATOR_SCALE;
        if (amount == 0) return 0;
        // The fraction of a wei stays with the holder, for the next claim.
        h.unpaidScaled = unpaid % ACCUMULATOR_SCALE;
        h.taken += amount;
        emit Taken(holder, amount);
    }

    /// @inheritdoc ITwinShares
    function earnedOf(address holder) external view returns (uint256) {
        Holder memory h = _holders[holder];
        return (h.unpaidScaled + balanceOf(holder) * (_netPerShare - h.paidPerShare)) / ACCUMULATOR_SCALE;
    }

    /// @notice Everything `holder`'s shares have earned since the token was made: what they claimed
    /// of it and what they may claim now, in wei.
    /// @param holder The holder, past or present.
    /// @return The wei earned to date.
    function earnedToDateOf(address holder) external view returns (uint256) {
        Holder memory h = _holders[holder];
        return h.taken + (h.unpaidScaled + balanceOf(holder) * (_netPerShare - h.paidPerShare)) / ACCUMULATOR_SCALE;
    }

    /// @inheritdoc ITwinShares
    /// @dev In wei per share unit times `ACCUMULATOR_SCALE`: numerically, wei per whole share times
    /// 10^18.
    function netPerShare() external view returns (uint256) {
        return _netPerShare;
    }

    /// @notice The token's name: "HashTwin #<id> <model>".
    /// @return The name.
    function name() public view override returns (string memory) {
        return _twinName;
    }

    /// @notice The token's symbol: "HT<id>".
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _twinSymbol;
    }

    /// @dev Settles both sides at the current accumulator before any balance changes, so that what
    /// each has earned so far stays with them. Shares cannot be sent to the vault, TwinEarnings or this
    /// token: none of them can ever move them, so the twin could never be joined again and what they
    /// earned would be lost.
    function _update(address from, address to, uint256 value) internal override {
        if (to == vault || to == earnings || to == address(this)) revert ERC20InvalidReceiver(to);
        uint256 perShare = _netPerShare;
        if (from != address(0)) _checkpoint(from, perShare);
        if (to != address(0)) _checkpoint(to, perShare);
        super._update(from, to, value);
    }

    /// @dev Adds what `account` earned since its last checkpoint to its unpaid entitlement, exactly.
    function _checkpoint(address account, uint256 perShare) private {
        Holder storage h = _holders[account];
        uint256 paid = h.paidPerShare;
        if (paid == perShare) return;
        uint256 balance = balanceOf(account);
        if (balance != 0) h.unpaidScaled += balance * (perShare - paid);
        h.paidPerShare = perShare;
    }
}
