namespace HttpCaching.Internal;

/// <summary>Why a stored record was refused by <see cref="RecordProtector.TryUnprotect"/>.</summary>
internal enum IntegrityFailure
{
    /// <summary>The record is authentic.</summary>
    None,

    /// <summary>The record has no protection envelope at all: written without keys, or by someone else.</summary>
    Unprotected,

    /// <summary>The envelope is truncated, or has an unknown version or mode.</summary>
    Malformed,

    /// <summary>The record names a key that is not configured (for example one removed by rotation).</summary>
    UnknownKey,

    /// <summary>The tag does not match the store key and contents: the record was altered or moved.</summary>
    InvalidTag,
}
