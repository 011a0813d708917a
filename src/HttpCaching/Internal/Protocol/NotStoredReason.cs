namespace HttpCaching.Internal;

/// <summary>Why a response was not stored; the value becomes the <c>detail</c> of Cache-Status and a log field.</summary>
internal enum NotStoredReason
{
    None = 0,
    Status,
    NoStore,
    Private,
    Authorization,
    NoFreshnessInformation,
    Vary,
    Redirected,
    TooLarge,
    Incomplete,
    StoreFailed,
    OriginError,
    Rejected,

    /// <summary>The record would exceed a <see cref="RecordLimits"/> bound, so it could never be read back.</summary>
    ExceedsRecordLimits,

    /// <summary>A newer version (by its <c>Date</c>) was stored for the URL while the origin answered this request.</summary>
    Superseded,

    /// <summary>The stored response a 304 refreshed was removed (invalidated) while the origin answered.</summary>
    Removed,
}
