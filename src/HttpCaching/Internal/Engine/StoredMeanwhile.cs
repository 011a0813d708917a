namespace HttpCaching.Internal;

/// <summary>
/// What the shared store holds for a request's key just before its response is written, compared with the response:
/// read once more after the origin answered, because another instance, a <c>no-cache</c> request or an invalidation may
/// have changed it while the origin request was under way.
/// </summary>
internal enum StoredMeanwhile
{
    /// <summary>The store could not be read (down, slow, or the request's budget spent): nothing is known.</summary>
    Unread,

    /// <summary>
    /// No readable entry: never stored, or removed meanwhile (an invalidation here or on another instance, eviction).
    /// </summary>
    Nothing,

    /// <summary>What the request read itself, or a response that is not newer than this one.</summary>
    NotNewer,

    /// <summary>A newer response, by its <c>Date</c>, stored while the origin answered: it must stay.</summary>
    Newer,
}
