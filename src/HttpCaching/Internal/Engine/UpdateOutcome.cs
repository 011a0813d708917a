namespace HttpCaching.Internal;

/// <summary>What became of a stored response that a 304 or HEAD response updated.</summary>
internal enum UpdateOutcome
{
    /// <summary>The updated response is stored.</summary>
    Stored,

    /// <summary>The store did not take it; it is still a response this cache may keep and share.</summary>
    WriteFailed,

    /// <summary>
    /// The update made it a response this cache must not keep (<c>no-store</c>, <c>private</c> when shared, another
    /// Vary): removed.
    /// </summary>
    MustNotKeep,

    /// <summary>
    /// The update answered a request with <c>Authorization</c> and does not say it may be shared: it is that caller's
    /// only, and the stored response stays as it was.
    /// </summary>
    NotShared,

    /// <summary>
    /// A HEAD response showed the stored response to be another representation than the origin's: this instance's copy
    /// is dropped, and the store's when it still holds that same version.
    /// </summary>
    Outdated,

    /// <summary>
    /// The URL was invalidated while the updated response was written (here or on another instance): the write may have
    /// landed after the removal, and the URL's record was removed again.
    /// </summary>
    Removed,
}
