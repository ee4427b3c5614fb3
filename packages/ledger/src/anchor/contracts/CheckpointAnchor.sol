// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title CheckpointAnchor
/// @notice Records the signed checkpoints of Fieldproof transparency logs on an EVM consortium
/// chain, one growing sequence per log origin, and which consortium members confirmed each one.
/// @dev A log is keyed by `originHash = keccak256(bytes(origin))`, where `origin` is the first
/// line of its C2SP checkpoints. Storage is kept to two new slots per anchor so that an anchor
/// stays under 80k gas: the root in one slot, and the first 24 bytes of the checkpoint hash
/// packed with the anchoring block number in the other. The full 32-byte checkpoint hash is in
/// the `CheckpointAnchored` event. Since origin, size and root are stored in full, the checkpoint
/// hash only adds the commitment to the checkpoint's extension lines, for which 192 bits suffice.
contract CheckpointAnchor {
    /// @notice One anchored checkpoint: exactly two storage slots.
    struct Anchored {
        /// @notice RFC 9162 root hash of the log at this size.
        bytes32 rootHash;
        /// @notice First 24 bytes of the checkpoint hash (the suite hash of the checkpoint body).
        bytes24 checkpointHash;
        /// @notice Number of the block that anchored the checkpoint.
        uint64 anchoredAtBlock;
    }

    /// @notice The account that adds and removes members.
    address public owner;

    /// @notice Accounts allowed to anchor and confirm.
    mapping(address account => bool) public isMember;

    /// @notice Largest size anchored so far, per log origin.
    mapping(bytes32 originHash => uint64) public latestSize;

    mapping(bytes32 originHash => mapping(uint64 size => Anchored)) private anchored;
    mapping(bytes32 originHash => mapping(uint64 size => uint32)) private confirmationCount;
    mapping(bytes32 originHash => mapping(uint64 size => mapping(address member => bool))) private confirmedBy;

    /// @notice A checkpoint of the log `originHash` was anchored by `member`.
    event CheckpointAnchored(
        bytes32 indexed originHash, uint64 size, bytes32 rootHash, bytes32 checkpointHash, address member
    );
    /// @notice `member` confirmed the anchored checkpoint of size `size` of the log `originHash`.
    event CheckpointConfirmed(bytes32 indexed originHash, uint64 size, address member);
    /// @notice `account` became a member.
    event MemberAdded(address indexed account);
    /// @notice `account` is no longer a member.
    event MemberRemoved(address indexed account);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice The caller is not a member.
    error NotMember(address caller);
    /// @notice The given size does not grow over the last anchored size of that origin.
    error SizeNotGrowing(uint64 last, uint64 given);
    /// @notice No checkpoint of that size was anchored for that origin.
    error CheckpointUnknown(bytes32 originHash, uint64 size);
    /// @notice The member confirmed that checkpoint already.
    error AlreadyConfirmed(bytes32 originHash, uint64 size, address member);
    /// @notice The zero address cannot be the owner or a member.
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyMember() {
        if (!isMember[msg.sender]) revert NotMember(msg.sender);
        _;
    }

    /// @param initialMembers Accounts that may anchor and confirm from the start.
    constructor(address[] memory initialMembers) {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        for (uint256 i = 0; i < initialMembers.length; ++i) {
            _addMember(initialMembers[i]);
        }
    }

    /// @notice Record the checkpoint of size `size` of the log `originHash`.
    /// @dev Reverts with `SizeNotGrowing` unless `size` is larger than the last anchored size,
    /// so a log can never be anchored shrinking, twice at one size, or rewritten at one size.
    /// @param originHash keccak256 of the checkpoint's origin line.
    /// @param size Number of leaves in the log.
    /// @param rootHash RFC 9162 root hash of the log at `size`.
    /// @param checkpointHash Suite hash (SHA-256 or SM3) of the checkpoint body.
    function anchor(bytes32 originHash, uint64 size, bytes32 rootHash, bytes32 checkpointHash) external onlyMember {
        uint64 last = latestSize[originHash];
        if (size <= last) revert SizeNotGrowing(last, size);
        latestSize[originHash] = size;
        anchored[originHash][size] = Anchored(rootHash, bytes24(checkpointHash), uint64(block.number));
        emit CheckpointAnchored(originHash, size, rootHash, checkpointHash, msg.sender);
    }

    /// @notice Confirm, as a member, the anchored checkpoint of size `size` of the log `originHash`.
    /// @dev Each member confirms a checkpoint at most once.
    function confirm(bytes32 originHash, uint64 size) external onlyMember {
        if (anchored[originHash][size].anchoredAtBlock == 0) revert CheckpointUnknown(originHash, size);
        if (confirmedBy[originHash][size][msg.sender]) revert AlreadyConfirmed(originHash, size, msg.sender);
        confirmedBy[originHash][size][msg.sender] = true;
        confirmationCount[originHash][size] += 1;
        emit CheckpointConfirmed(originHash, size, msg.sender);
    }

    /// @notice The latest anchored checkpoint of the log `originHash`; all zero when there is none.
    function latest(bytes32 originHash)
        external
        view
        returns (uint64 size, bytes32 rootHash, bytes24 checkpointHash, uint64 anchoredAtBlock, uint32 confirmations)
    {
        size = latestSize[originHash];
        Anchored storage record = anchored[originHash][size];
        return (size, record.rootHash, record.checkpointHash, record.anchoredAtBlock, confirmationCount[originHash][size]);
    }

    /// @notice The anchored checkpoint of size `size` of the log `originHash`; all zero when there is none.
    function checkpointAt(bytes32 originHash, uint64 size)
        external
        view
        returns (bytes32 rootHash, bytes24 checkpointHash, uint64 anchoredAtBlock, uint32 confirmations)
    {
        Anchored storage record = anchored[originHash][size];
        return (record.rootHash, record.checkpointHash, record.anchoredAtBlock, confirmationCount[originHash][size]);
    }

    /// @notice Whether `member` confirmed the anchored checkpoint of size `size` of the log `originHash`.
    function hasConfirmed(bytes32 originHash, uint64 size, address member) external view returns (bool) {
        return confirmedBy[originHash][size][member];
    }

    /// @notice Let `account` anchor and confirm.
    function addMember(address account) external onlyOwner {
        _addMember(account);
    }

    /// @notice Stop `account` from anchoring and confirming; its past confirmations stay counted.
    function removeMember(address account) external onlyOwner {
        if (isMember[account]) {
            isMember[account] = false;
            emit MemberRemoved(account);
        }
    }

    /// @notice Hand the owner role to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function _addMember(address account) private {
        if (account == address(0)) revert ZeroAddress();
        if (!isMember[account]) {
            isMember[account] = true;
            emit MemberAdded(account);
        }
    }
}
