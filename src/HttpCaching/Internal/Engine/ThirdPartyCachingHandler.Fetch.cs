namespace HttpCaching.Internal;

internal sealed partial class ThirdPartyCachingHandler
{
    /// <summary>Everything one origin request needs, captured when the request is made.</summary>
    private sealed class Fetch(
        ThirdPartyCachingHandler handler,
        ThirdPartyCachingOptions options,
        TieredStore store,
        Uri uri,
        string requestHash,
        string primaryKey,
        string entryKey,
        CacheControl requestDirectives,
        bool hasAuthorization,
        bool hasCredentials,
        CacheEntry? staleEntry,
        byte[]? staleBody,
        string fwd)
    {
        public ThirdPartyCachingOptions Options => options;

        public TieredStore Store => store;

        public Uri Uri => uri;

        public string RequestHash => requestHash;

        /// <summary>The URL's entry key: where its entry or Vary record lives.</summary>
        public string PrimaryKey => primaryKey;

        /// <summary>
        /// The key of the stored entry this request read (a variant's, when the response varies): concurrent requests
        /// with the same key share one origin request.
        /// </summary>
        public string EntryKey => entryKey;

        public CacheControl RequestDirectives => requestDirectives;

        public CacheEntry? StaleEntry => staleEntry;

        public byte[]? StaleBody => staleBody;

        public string Fwd => fwd;

        /// <summary>Whether this is a background revalidation (stale-while-revalidate), which records no back-off.</summary>
        public bool Background { get; set; }

        /// <summary>
        /// What the requesting caller may still wait on the store; <see langword="null"/> when no caller waits (a
        /// background revalidation), so each call has the full store timeout.
        /// </summary>
        public StoreBudget? Budget { get; set; }

        /// <summary>The Vary record the request read for the URL, if any: a new variant keeps its generation.</summary>
        public VaryRecord? ReadVary { get; init; }

        /// <summary>Whether the request found a back-off record for the URL, which a successful origin response removes.</summary>
        public bool BackoffSeen { get; set; }

        /// <summary>The key of the URL's back-off record.</summary>
        public string BackoffKey => CacheKeyBuilder.BackoffKey(options.KeyPrefix, handler._clientName, requestHash);

        /// <summary>Whether the request carried <c>Authorization</c>, which limits what a shared cache may store.</summary>
        public bool HasAuthorization => hasAuthorization;

        /// <summary>
        /// Whether the request carried <c>Authorization</c> or <c>Cookie</c>: its response may be personal, so the
        /// freshness floor never extends it.
        /// </summary>
        public bool HasCredentials => hasCredentials;

        /// <summary>The origin request to run; it copies the caller's request when it starts.</summary>
        public Func<CancellationToken, Task<FetchResult>> Prepare(HttpRequestMessage request) =>
            cancellationToken => handler.FetchAsync(this, CopyForOrigin(request), cancellationToken);
    }
}
