namespace HttpCaching.Memcached.Internal;

/// <summary>What a meta get found.</summary>
internal enum GetOutcome
{
    /// <summary>No such key.</summary>
    Miss,

    /// <summary>A value, written to the destination.</summary>
    Hit,

    /// <summary>A value whose absolute expiry has come by the store's clock; nothing was written.</summary>
    Expired,
}
